#!/usr/bin/env python3
"""fp32 Kiln vs int8 Kiln vs the same QDQ model in onnxruntime-node, on whole models.

Each model (resnet18, mobilenet_v2, bert_like of ../shared/models; resnet50, resnext50_32x4d,
regnet_x_400mf and regnet_y_400mf of the zoo when exported) is quantized by kiln.quantize on
seeded calibration inputs, both models are compiled by kiln-compile, then:
  accuracy: on other seeded inputs, int8 Kiln and int8 onnxruntime against fp32 Kiln (output
            SQNR; top-1 agreement for classifiers), and int8 Kiln against int8 onnxruntime;
  latency:  per thread count, K rounds of fresh processes (kiln-run / ort_bench.js), the
            engines interleaved and their order rotated per round; medians of round medians.

    /usr/bin/python3 bench/int8/models.py [--models resnet18,bert_like] [--method entropy]
        [--calib 8] [--eval 8] [--threads 1,2] [--rounds 3] [--repeat 10]

Needs build/ (kiln-compile, kiln-run, build/python), node and onnxruntime-node
(bench/vs_onnxruntime/node_modules, or --node-modules DIR). Writes bench/out/int8/.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench", "zoo"))
sys.path.insert(0, os.path.join(REPO, "bench"))
import zoolib  # noqa: E402  (.pb files, ort_bench.js runs)
from machine_load import mark, others_cores  # noqa: E402

SHARED = os.environ.get("KILN_MODELS_DIR") or os.path.join(REPO, "..", "shared", "models")
MODELS = {"resnet18": os.path.join(SHARED, "resnet18.onnx"),
          "mobilenet_v2": os.path.join(SHARED, "mobilenet_v2.onnx"),
          "bert_like": os.path.join(SHARED, "bert_like.onnx"),
          "resnet50": os.path.join(zoolib.MODELS, "resnet50.onnx"),
          # grouped convs (bench/zoo/export.py --models resnext50_32x4d,regnet_x_400mf,...)
          "resnext50_32x4d": os.path.join(zoolib.MODELS, "resnext50_32x4d.onnx"),
          "regnet_x_400mf": os.path.join(zoolib.MODELS, "regnet_x_400mf.onnx"),
          "regnet_y_400mf": os.path.join(zoolib.MODELS, "regnet_y_400mf.onnx")}
ENGINES = ("kiln_fp32", "kiln_int8", "ort_int8", "ort_fp32")


def log(msg):
    print(f"[int8] {msg}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--method", default="minmax", choices=("minmax", "percentile", "entropy"))
    p.add_argument("--calib", type=int, default=8, help="calibration samples")
    p.add_argument("--eval", type=int, default=8, help="accuracy samples (other seeds)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--build", default=os.path.join(REPO, "build"))
    p.add_argument("--out", default=os.path.join(REPO, "bench", "out", "int8"))
    p.add_argument("--node-modules", default=os.environ.get("KILN_ORT_NODE_MODULES"))
    return p.parse_args()


def vocab_size(model, name):
    """Rows of the table a Gather reads with input `name` (token ids), else 10."""
    inits = {t.name: t for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Gather" and n.input[1] == name and n.input[0] in inits:
            return inits[n.input[0]].dims[0]
    return 10


def seeded_inputs(model, count, seed):
    """{input: [count, *shape]}: N(0, 1) floats (normalized images), ints in [0, vocab)."""
    rng = np.random.default_rng(seed)
    inits = {t.name for t in model.graph.initializer}
    out = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        shape = [count] + [d.dim_value or 1 for d in tt.shape.dim]
        dtype = np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[tt.elem_type])
        if dtype.kind == "f":
            out[vi.name] = rng.standard_normal(shape).astype(dtype)
        else:
            out[vi.name] = rng.integers(0, vocab_size(model, vi.name), shape).astype(dtype)
    return out


def compile_artifact(kiln_compile, model, artifact):
    start = time.monotonic()
    done = subprocess.run([kiln_compile, model, "-o", artifact], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"kiln-compile {model}: {done.stderr.strip().splitlines()[-1:]}")
    return time.monotonic() - start


def write_inputs(folder, arrays, index):
    paths = {}
    for name, batch in arrays.items():
        paths[name] = os.path.join(folder, f"{zoolib._safe(name)}.pb")
        zoolib.write_tensor(paths[name], batch[index], name)
    return paths


def sqnr_db(ref, got):
    ref = np.concatenate([r.astype(np.float64).ravel() for r in ref])
    got = np.concatenate([g.astype(np.float64).ravel() for g in got])
    noise = float(np.sum((ref - got) ** 2))
    return float("inf") if noise == 0 else float(10 * np.log10(np.sum(ref * ref) / noise))


def accuracy(fp32_art, int8_art, qmodel, evals, work):
    """SQNR and top-1 agreement of int8 Kiln and int8 onnxruntime against fp32 Kiln."""
    import kiln
    fp32, int8 = kiln.load(fp32_art), kiln.load(int8_art)
    count = len(next(iter(evals.values())))
    ref, kq, oq = [], [], []
    for i in range(count):
        sample = {n: a[i] for n, a in evals.items()}
        ref += fp32.run(sample)
        kq += int8.run(sample)
        folder = os.path.join(work, f"eval{i}")
        ort = zoolib.ort_run(qmodel, write_inputs(folder, evals, i),
                             output_dir=os.path.join(folder, "ort"))
        del ort
        outs = zoolib.read_outputs(os.path.join(folder, "ort"))
        oq += [outs[o.name] for o in fp32.outputs]
    row = {"kiln_int8_sqnr_db": sqnr_db(ref, kq), "ort_int8_sqnr_db": sqnr_db(ref, oq),
           "kiln_vs_ort_int8_sqnr_db": sqnr_db(oq, kq)}
    first = fp32.outputs[0]
    if len(first.shape) == 2 and first.shape[-1] and first.shape[-1] > 1:  # a classifier
        n = len(fp32.outputs)
        top = lambda ys: [int(np.argmax(y)) for y in ys[::n]]
        row["kiln_int8_top1_agree"] = float(np.mean(np.equal(top(ref), top(kq))))
        row["ort_int8_top1_agree"] = float(np.mean(np.equal(top(ref), top(oq))))
    return row


def kiln_round(kiln_run, artifact, inputs, threads, args):
    cmd = [kiln_run, artifact, "--threads", str(threads), "--repeat", str(args.repeat),
           "--warmup", str(args.warmup)]
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"kiln-run {artifact}: {done.stderr.strip()[-300:]}")
    return float(re.search(r"^median_ms: ([0-9.]+)$", done.stdout, re.M).group(1))


def latency(paths, inputs, threads, args):
    """{engine: median of round medians (ms)} at `threads`; engines interleaved, the order
    rotated every round."""
    runs = {e: [] for e in ENGINES}
    since = mark()
    for k in range(args.rounds):
        order = ENGINES[k % len(ENGINES):] + ENGINES[:k % len(ENGINES)]
        for engine in order:
            if engine.startswith("kiln"):
                runs[engine].append(kiln_round(os.path.join(args.build, "bin", "kiln-run"),
                                               paths[engine], inputs, threads, args))
            else:
                runs[engine].append(zoolib.ort_run(paths[engine], inputs, threads, args.repeat,
                                                   args.warmup, timeout=600)["median_ms"])
    row = {f"{e}_ms": statistics.median(v) for e, v in runs.items()}
    row["round_medians_ms"] = runs
    row["others_cores"] = others_cores(since)
    return row


def bench_model(name, path, args):
    import kiln
    work = os.path.join(args.out, name)
    os.makedirs(work, exist_ok=True)
    model = onnx.load(path)
    calib = seeded_inputs(model, args.calib, seed=1)
    evals = seeded_inputs(model, args.eval, seed=2)
    start = time.monotonic()
    result = kiln.quantize(model, calib, method=args.method, per_channel=True)
    row = {"model": name, "method": args.method, "calib": args.calib, "eval": args.eval,
           "quantize_s": time.monotonic() - start,
           "quantized": {op: list(result.plan.op_type.values()).count(op)
                         for op in sorted(set(result.plan.op_type.values()))}}
    qmodel = result.save(os.path.join(work, f"{name}.int8.onnx"))
    kiln_compile = os.path.join(args.build, "bin", "kiln-compile")
    paths = {"kiln_fp32": os.path.join(work, "fp32.kiln"),
             "kiln_int8": os.path.join(work, "int8.kiln"), "ort_int8": qmodel, "ort_fp32": path}
    row["compile_fp32_s"] = compile_artifact(kiln_compile, path, paths["kiln_fp32"])
    row["compile_int8_s"] = compile_artifact(kiln_compile, qmodel, paths["kiln_int8"])
    log(f"{name}: quantized in {row['quantize_s']:.1f} s, compiled fp32 "
        f"{row['compile_fp32_s']:.1f} s, int8 {row['compile_int8_s']:.1f} s")
    row.update(accuracy(paths["kiln_fp32"], paths["kiln_int8"], qmodel, evals, work))
    inputs = write_inputs(os.path.join(work, "timing"), evals, 0)
    row["latency"] = {}
    for t in [int(x) for x in args.threads.split(",")]:
        row["latency"][t] = latency(paths, inputs, t, args)
        log(f"{name} T={t}: " + ", ".join(f"{e} {row['latency'][t][e + '_ms']:.2f} ms"
                                          for e in ENGINES))
    return row


def table(rows):
    """A markdown table: latencies, int8/fp32 speed-ups and accuracy per model and threads."""
    lines = ["| model | T | Kiln fp32 ms | Kiln int8 ms | ORT int8 ms | ORT fp32 ms | "
             "Kiln int8/fp32 | ORT int8/fp32 | Kiln int8 vs ORT int8 | SQNR Kiln int8 dB | "
             "SQNR ORT int8 dB | top-1 Kiln / ORT |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        top1 = (f"{100 * r['kiln_int8_top1_agree']:.0f}% / {100 * r['ort_int8_top1_agree']:.0f}%"
                if "kiln_int8_top1_agree" in r else "-")
        for t, lat in r["latency"].items():
            kf, ki = lat["kiln_fp32_ms"], lat["kiln_int8_ms"]
            oi, of = lat["ort_int8_ms"], lat["ort_fp32_ms"]
            lines.append(f"| {r['model']} | {t} | {kf:.2f} | {ki:.2f} | {oi:.2f} | {of:.2f} | "
                         f"{kf / ki:.2f}x | {of / oi:.2f}x | {oi / ki:.2f}x | "
                         f"{r['kiln_int8_sqnr_db']:.1f} | {r['ort_int8_sqnr_db']:.1f} | {top1} |")
    return "\n".join(lines)


def main():
    args = parse_args()
    sys.path.insert(0, os.path.join(args.build, "python"))
    if args.node_modules:
        os.environ["NODE_PATH"] = args.node_modules
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"models.py: unknown model {name} (known: {', '.join(MODELS)})")
        if not os.path.exists(MODELS[name]):
            log(f"{name}: {MODELS[name]} is missing, skipped")
            continue
        rows.append(bench_model(name, MODELS[name], args))
        with open(os.path.join(args.out, "models.json"), "w") as f:
            json.dump({"load_at_end": os.getloadavg(), "rows": rows}, f, indent=1)
    print(table(rows))


if __name__ == "__main__":
    main()
