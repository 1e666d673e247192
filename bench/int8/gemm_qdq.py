#!/usr/bin/python3
"""A QDQ model end to end: a BERT-like feed-forward block (x [T, 768] → 3072 → relu → 768,
QuantizeLinear/DequantizeLinear around each MatMul, symmetric per-column int8 weights) timed
as Kiln int8 (the matmuls on kiln.matmul_int8), Kiln fp32 (the float twin with the dequantized
weights) and onnxruntime-node on both, 1 thread, rounds interleaved, medians of rounds.

    bench/int8/gemm_qdq.py [--build build] [--tokens 128] [--rounds 5] [--repeat 10]
Needs bench/vs_onnxruntime/node_modules (onnxruntime-node) for the onnxruntime rows.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORT_BENCH = os.path.join(ROOT, "bench", "vs_onnxruntime", "ort_bench.js")


def layer(nodes, inits, x, name, w, act_scale, relu):
    """QDQ MatMul (+ bias, relu) of x by w [K, N]; returns the float output's name."""
    ws = (np.abs(w).max(axis=0) / 127).astype(np.float32)
    wq = np.clip(np.rint(w / ws), -127, 127).astype(np.int8)
    n = w.shape[1]
    inits += [numpy_helper.from_array(wq, f"{name}_wq"), numpy_helper.from_array(ws, f"{name}_ws"),
              numpy_helper.from_array(np.zeros(n, np.int8), f"{name}_wz"),
              numpy_helper.from_array(np.array(act_scale, np.float32), f"{name}_xs"),
              numpy_helper.from_array(np.array(128, np.uint8), f"{name}_xz"),
              numpy_helper.from_array(np.zeros(n, np.float32), f"{name}_b")]
    nodes += [helper.make_node("QuantizeLinear", [x, f"{name}_xs", f"{name}_xz"], [f"{name}_xq"]),
              helper.make_node("DequantizeLinear", [f"{name}_xq", f"{name}_xs", f"{name}_xz"],
                               [f"{name}_xd"]),
              helper.make_node("DequantizeLinear", [f"{name}_wq", f"{name}_ws", f"{name}_wz"],
                               [f"{name}_wd"], axis=1),
              helper.make_node("MatMul", [f"{name}_xd", f"{name}_wd"], [f"{name}_mm"]),
              helper.make_node("Add", [f"{name}_mm", f"{name}_b"], [f"{name}_y"])]
    out = f"{name}_y"
    if relu:
        nodes.append(helper.make_node("Relu", [out], [f"{name}_r"]))
        out = f"{name}_r"
    return out, wq.astype(np.float32) * ws


def write_models(folder, tokens, d=768, hidden=3072, seed=0):
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((d, hidden)).astype(np.float32) * 0.03
    w2 = rng.standard_normal((hidden, d)).astype(np.float32) * 0.03
    nodes, inits = [], []
    h, w1d = layer(nodes, inits, "x", "fc1", w1, 0.03, True)
    y, w2d = layer(nodes, inits, h, "fc2", w2, 0.01, False)
    nodes.append(helper.make_node("Identity", [y], ["y"]))
    io = ([helper.make_tensor_value_info("x", TensorProto.FLOAT, [tokens, d])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [tokens, d])])
    opset = [helper.make_opsetid("", 13)]
    onnx.save(helper.make_model(helper.make_graph(nodes, "ffn_qdq", *io, inits),
                                opset_imports=opset), os.path.join(folder, "qdq.onnx"))
    fnodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"]),
              helper.make_node("Relu", ["m1"], ["r1"]),
              helper.make_node("MatMul", ["r1", "w2"], ["y"])]
    finits = [numpy_helper.from_array(w1d, "w1"), numpy_helper.from_array(w2d, "w2")]
    onnx.save(helper.make_model(helper.make_graph(fnodes, "ffn_fp32", *io, finits),
                                opset_imports=opset), os.path.join(folder, "fp32.onnx"))
    x = rng.standard_normal((tokens, d)).astype(np.float32)
    pb = os.path.join(folder, "x.pb")
    with open(pb, "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    return pb


def kiln_ms(build, artifact, pb, repeat):
    out = subprocess.run([os.path.join(build, "bin", "kiln-run"), artifact, "--input", pb,
                          "--repeat", str(repeat), "--threads", "1"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"median_ms: ([0-9.]+)", out).group(1))


def ort_ms(model, pb, repeat):
    out = subprocess.run(["node", ORT_BENCH, "--model", model, "--input", f"x={pb}",
                          "--threads", "1", "--repeat", str(repeat), "--warmup", "2"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["median_ms"]


def read_pb(folder):
    """The one .pb tensor a run wrote into `folder`."""
    name = [f for f in os.listdir(folder) if f.endswith(".pb")][0]
    return numpy_helper.to_array(onnx.load_tensor(os.path.join(folder, name)))


def agreement(build, tmp, pb):
    """Relative L2 and worst element of Kiln int8's output against onnxruntime's on the QDQ
    model (the same quantized arithmetic; only float rounding differs)."""
    subprocess.run([os.path.join(build, "bin", "kiln-run"), os.path.join(tmp, "qdq.kiln"),
                    "--input", pb, "--threads", "1", "--output-dir", os.path.join(tmp, "k")],
                   capture_output=True, check=True)
    subprocess.run(["node", ORT_BENCH, "--model", os.path.join(tmp, "qdq.onnx"), "--input",
                    f"x={pb}", "--threads", "1", "--repeat", "1", "--output-dir",
                    os.path.join(tmp, "o")], capture_output=True, check=True)
    k, o = read_pb(os.path.join(tmp, "k")), read_pb(os.path.join(tmp, "o"))
    return (float(np.linalg.norm(k - o) / np.linalg.norm(o)),
            float(np.abs(k - o).max() / np.abs(o).max()))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--tokens", type=int, default=128)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeat", type=int, default=10)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiln-int8-qdq-") as tmp:
        pb = write_models(tmp, args.tokens)
        for name in ("qdq", "fp32"):
            subprocess.run([os.path.join(args.build, "bin", "kiln-compile"),
                            os.path.join(tmp, f"{name}.onnx"), "-o",
                            os.path.join(tmp, f"{name}.kiln"), "--quiet"], check=True)
        runs = {"kiln int8 (QDQ)": lambda: kiln_ms(args.build, os.path.join(tmp, "qdq.kiln"), pb,
                                                    args.repeat),
                "kiln fp32": lambda: kiln_ms(args.build, os.path.join(tmp, "fp32.kiln"), pb,
                                             args.repeat),
                "onnxruntime QDQ": lambda: ort_ms(os.path.join(tmp, "qdq.onnx"), pb, args.repeat),
                "onnxruntime fp32": lambda: ort_ms(os.path.join(tmp, "fp32.onnx"), pb,
                                                   args.repeat)}
        times = {k: [] for k in runs}
        for _ in range(args.rounds):
            for k, run in runs.items():
                times[k].append(run())
        med = {k: float(np.median(v)) for k, v in times.items()}
        print(f"QDQ feed-forward block [{args.tokens}, 768] → 3072 → 768, 1 thread, "
              f"{args.rounds} interleaved rounds of {args.repeat} runs, median")
        for k, v in med.items():
            print(f"  {k:<18} {v:8.3f} ms")
        print(f"  kiln int8 vs kiln fp32:        {med['kiln fp32'] / med['kiln int8 (QDQ)']:.2f}x")
        print(f"  kiln int8 vs onnxruntime QDQ:  "
              f"{med['onnxruntime QDQ'] / med['kiln int8 (QDQ)']:.2f}x")
        rel, worst = agreement(args.build, tmp, pb)
        print(f"  kiln int8 output vs onnxruntime QDQ output: relative L2 {rel:.1e}, worst "
              f"element {worst:.1e} of the output's scale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
