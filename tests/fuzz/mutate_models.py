#!/usr/bin/env python3
"""Structured mutation of ONNX models through the whole compiler and the runtime.

libFuzzer (tests/fuzz, scripts/fuzz.sh) mutates bytes; this mutates what a model means, as an
outside checker would: ONNX's node-test models with dims of 0, 2^31..2^40, attributes out of
range, wrong element types, wrong wiring, and flipped/truncated bytes. Each mutant goes through
`kiln-compile` (the full pipeline, kernels included) and, when it compiles, `kiln-run` on random
inputs. A mutant passes when each tool exits 0, or 1 with one "error:" line naming the problem;
a signal (crash), a run past the time limit (hang), or a failure without such a message is a
finding, and its model is saved to OUT/findings/.

  mutate_models.py --bin build/bin --seconds 120 --out build/mutate [--seed 1] [--jobs 2]
"""
import argparse
import concurrent.futures
import glob
import os
import random
import shutil
import subprocess
import sys
import time

import onnx
from onnx import TensorProto

NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
HUGE = [0, 1 << 31, (1 << 31) - 1, 1 << 32, 1 << 40, 3 << 33]
ODD_INTS = [0, -1, -2, 1 << 31, -(1 << 31), 1 << 40, 7, 255, -100]
DTYPES = [TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT8, TensorProto.BOOL,
          TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.UINT8, TensorProto.STRING]


def mutate_dims(model, rng):
    values = list(model.graph.input) + list(model.graph.output)
    shaped = [v for v in values if v.type.HasField("tensor_type") and v.type.tensor_type.shape.dim]
    if not shaped:
        return None
    dim = rng.choice(rng.choice(shaped).type.tensor_type.shape.dim)
    dim.dim_value = rng.choice(HUGE)
    return "dim"


def mutate_attribute(model, rng):
    attrs = [a for n in model.graph.node for a in n.attribute]
    if not attrs:
        return None
    a = rng.choice(attrs)
    if a.type == onnx.AttributeProto.INT:
        a.i = rng.choice(ODD_INTS)
    elif a.type == onnx.AttributeProto.INTS and len(a.ints):
        a.ints[rng.randrange(len(a.ints))] = rng.choice(ODD_INTS)
    elif a.type == onnx.AttributeProto.FLOAT:
        a.f = rng.choice([float("nan"), float("inf"), -1e30, 0.0])
    elif a.type == onnx.AttributeProto.STRING:
        a.s = rng.choice([b"", b"bogus", b"\xff" * 3])
    else:
        a.type = rng.choice([onnx.AttributeProto.INT, onnx.AttributeProto.FLOATS])
    return "attribute"


def mutate_dtype(model, rng):
    values = [v for v in model.graph.input if v.type.HasField("tensor_type")]
    if not values:
        return None
    rng.choice(values).type.tensor_type.elem_type = rng.choice(DTYPES)
    return "dtype"


def mutate_wiring(model, rng):
    nodes = list(model.graph.node)
    names = [v.name for v in model.graph.input] + [o for n in nodes for o in n.output]
    if not nodes or not names:
        return None
    node = rng.choice(nodes)
    choice = rng.randrange(3)
    if choice == 0 and len(node.input):
        node.input[rng.randrange(len(node.input))] = rng.choice(names + ["missing", ""])
    elif choice == 1:
        node.input.append(rng.choice(names))
    elif len(node.input):
        del node.input[-1]
    return "wiring"


def mutate_bytes(data, rng):
    data = bytearray(data)
    if rng.random() < 0.3:
        return bytes(data[: rng.randrange(max(1, len(data)))]), "truncate"
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data), "flip"


def mutant(path, rng):
    with open(path, "rb") as f:
        data = f.read()
    if rng.random() < 0.25:
        return mutate_bytes(data, rng)
    model = onnx.load_from_string(data)
    for fn in rng.sample([mutate_dims, mutate_attribute, mutate_dtype, mutate_wiring], 4):
        kind = fn(model, rng)
        if kind:
            return model.SerializeToString(), kind
    return mutate_bytes(data, rng)


def clean_failure(result):
    """Exit 1 with an error line that says what is wrong (tools print `<tool>: error: ...`)."""
    return result.returncode == 1 and ": error: " in result.stderr


def check(tool_args, timeout):
    """None when the tool passes, else why it is a finding."""
    try:
        r = subprocess.run(tool_args, capture_output=True, text=True, timeout=timeout,
                           errors="replace")
    except subprocess.TimeoutExpired:
        return f"hang (over {timeout} s)", None
    if r.returncode == 0:
        return None, r
    if r.returncode < 0:
        return f"crash (signal {-r.returncode})", r
    if not clean_failure(r):
        return f"exit {r.returncode} without an error message", r
    return None, r


def one(args, index, source, data, kind):
    work = os.path.join(args.out, "work", str(index))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        return judge(args, index, source, data, kind, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def judge(args, index, source, data, kind, work):
    model = os.path.join(work, "m.onnx")
    with open(model, "wb") as f:
        f.write(data)
    artifact = os.path.join(work, "m.kiln")
    why, result = check([os.path.join(args.bin, "kiln-compile"), model, "-o", artifact, "--quiet",
                         "--jobs=1"], args.timeout)
    stage = "kiln-compile"
    if why is None and result.returncode == 0:
        stage = "kiln-run"
        why, result = check([os.path.join(args.bin, "kiln-run"), artifact, "--threads", "1"],
                            args.timeout)
    if why is None:
        return None
    name = f"{os.path.basename(os.path.dirname(source))}-{kind}-{index}.onnx"
    os.makedirs(os.path.join(args.out, "findings"), exist_ok=True)
    shutil.copy(model, os.path.join(args.out, "findings", name))
    tail = (result.stderr.strip().splitlines() or [""])[-1] if result else ""
    return f"{stage}: {why}: findings/{name} ({tail[:200]})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--bin", required=True, help="folder of kiln-compile and kiln-run")
    p.add_argument("--seconds", type=float, default=120, help="time budget")
    p.add_argument("--out", required=True, help="folder for work files and findings")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=60, help="seconds per tool run")
    args = p.parse_args()
    sources = sorted(glob.glob(os.path.join(NODE_TESTS, "*", "model.onnx")))
    if not sources:
        sys.exit(f"mutate_models: no ONNX node tests under {NODE_TESTS} (libonnx-testdata)")
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.seconds
    done, findings, kinds = 0, [], {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        pending = set()
        index = 0
        while time.monotonic() < deadline or pending:
            while time.monotonic() < deadline and len(pending) < 2 * args.jobs:
                source = rng.choice(sources)
                data, kind = mutant(source, rng)
                kinds[kind] = kinds.get(kind, 0) + 1
                pending.add(pool.submit(one, args, index, source, data, kind))
                index += 1
            finished, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in finished:
                done += 1
                if f.result():
                    findings.append(f.result())
                    print("FINDING", f.result(), flush=True)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    print(f"mutate_models: {done} mutants in {args.seconds:.0f} s ({summary}); "
          f"{len(findings)} findings")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
