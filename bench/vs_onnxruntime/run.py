#!/usr/bin/python3
"""Benchmark: Kiln vs onnxruntime-node on the CPU, per model and thread count.

A benchmark, not a test. Installs onnxruntime-node (package.json, npm ci) into
bench/vs_onnxruntime/node_modules if missing, compiles every model of
../shared/models once with kiln-compile, then for each model and thread count
alternates K rounds of Kiln (kiln-run --repeat R) and of onnxruntime
(ort_bench.js, R repeats), both after warm-up, and prints the median latencies
and the ratio onnxruntime/Kiln; the same goes to bench/out/*.json and *.csv.

  /usr/bin/python3 bench/vs_onnxruntime/run.py [--rounds 5] [--repeat 20]
      [--threads 1,2] [--models resnet18,mlp] [--wait-load 1200]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # bench/
import report  # noqa: E402
from machine_load import mark, others_cores, wait_for_low_load  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="rounds per engine (K)")
    p.add_argument("--repeat", type=int, default=20, help="timed runs a round (R)")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs a round")
    p.add_argument("--threads", default="1,2", help="comma-separated counts")
    p.add_argument("--models", default="", help="comma-separated (default: all)")
    p.add_argument("--models-dir",
                   default=os.path.normpath(os.path.join(REPO, "..", "shared", "models")))
    p.add_argument("--kiln-bin", default=os.path.join(REPO, "build", "bin"))
    p.add_argument("--tune-trials", type=int, default=0, metavar="N",
                   help="also run each model tuned: kiln-tune N trials into "
                        "<out>/tune-<model>.jsonl (resumed when rerun), then --tuning-db")
    p.add_argument("--tune-threads", type=int, default=0, metavar="T",
                   help="kiln-tune --threads (default: the largest of --threads)")
    p.add_argument("--out", default=os.path.join(REPO, "bench", "out"))  # git-ignored
    p.add_argument("--wait-load", type=int, default=0, metavar="SECONDS",
                   help="first wait up to this long for the 1-min load to drop")
    p.add_argument("--max-load", type=float, default=1.5, help="1-min load average")
    p.add_argument("--max-busy", type=float, default=0.5,
                   help="cores busy over 5 s, before starting")
    return p.parse_args()


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def ensure_onnxruntime():
    """npm ci when node_modules lacks onnxruntime-node; returns its version."""
    pkg = os.path.join(HERE, "node_modules", "onnxruntime-node", "package.json")
    if not os.path.exists(pkg):
        log("installing onnxruntime-node (npm ci, GPU download skipped)")
        env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE,
                       env=env, check=True, stdout=sys.stderr)
    with open(pkg) as f:
        return json.load(f)["version"]


def wait_for_tools(kiln_bin, tries=20, pause=30):
    """Waits while build/bin is being rebuilt (tools missing)."""
    tools = [os.path.join(kiln_bin, t) for t in ("kiln-compile", "kiln-run")]
    for _ in range(tries):
        if all(os.access(t, os.X_OK) for t in tools):
            return tools
        log(f"waiting for {kiln_bin} (being rebuilt?)")
        time.sleep(pause)
    sys.exit(f"missing {tools}")


def kiln_round(kiln_run, artifact, inp, threads, args):
    out = subprocess.run(
        [kiln_run, artifact, "--input", inp, "--repeat", str(args.repeat),
         "--warmup", str(args.warmup), "--threads", str(threads)],
        capture_output=True, text=True, check=True).stdout
    value = lambda key: float(re.search(rf"^{key}: ([0-9.]+)$", out, re.M).group(1))
    return {"median_ms": value("median_ms"), "min_ms": value("min_ms"),
            "peak_rss_mb": value("peak_rss_mb")}


def ort_round(model, inp, threads, args):
    out = subprocess.run(
        ["node", os.path.join(HERE, "ort_bench.js"), "--model", model,
         "--input", inp, "--threads", str(threads), "--repeat", str(args.repeat),
         "--warmup", str(args.warmup)],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def bench_model(name, model, artifact, inp, kiln_run, args, threads_list):
    """Alternating rounds (the engine that goes first alternates too)."""
    rows = []
    for threads in threads_list:
        kiln, ort, since = [], [], mark()
        for k in range(args.rounds):
            order = ("kiln", "ort") if k % 2 == 0 else ("ort", "kiln")
            for engine in order:
                if engine == "kiln":
                    kiln.append(kiln_round(kiln_run, artifact, inp, threads, args))
                else:
                    ort.append(ort_round(model, inp, threads, args))
        row = report.summarize(name, threads, kiln, ort)
        row["others_cores"] = others_cores(since)
        log(f"{name} threads={threads}: kiln {row['kiln']['median_ms']:.3f} ms, "
            f"ort {row['ort']['median_ms']:.3f} ms")
        rows.append(row)
    return rows


def main():
    args = parse_args()
    threads_list = [int(t) for t in args.threads.split(",")]
    ort_version = ensure_onnxruntime()
    kiln_compile, kiln_run = wait_for_tools(args.kiln_bin)
    models = ([m for m in args.models.split(",") if m] or sorted(
        f[:-5] for f in os.listdir(args.models_dir) if f.endswith(".onnx")))
    wait_for_low_load(args.wait_load, args.max_load, args.max_busy, log)

    built = time.strftime("%Y-%m-%d %H:%M UTC",
                          time.gmtime(os.path.getmtime(kiln_compile)))
    facts = dict(report.machine_facts(REPO), ort_version=ort_version,
                 kiln_compile_built=built,
                 load_start=" ".join(f"{x:.2f}" for x in os.getloadavg()))
    config = {k: getattr(args, k) for k in ("rounds", "repeat", "warmup")}
    config.update(threads=threads_list, models=models, command=" ".join(sys.argv))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    art_dir = os.path.join(args.out, "artifacts")
    os.makedirs(art_dir, exist_ok=True)

    since = mark()
    rows, failures = [], {}
    for name in models:
        model = os.path.join(args.models_dir, name + ".onnx")
        inp = os.path.join(args.models_dir, "testdata", name, "input_0.pb")
        artifact = os.path.join(art_dir, name + ".kiln")
        try:
            log(f"compiling {name}")
            subprocess.run([kiln_compile, model, "-o", artifact, "--quiet"],
                           check=True, capture_output=True, text=True)
            rows += bench_model(name, model, artifact, inp, kiln_run, args,
                                threads_list)
            if args.tune_trials > 0:
                db = os.path.join(args.out, f"tune-{name}.jsonl")
                # Timed at the run's largest thread count: a schedule timed at 1 thread may
                # pick a parallel split (its `par` knob) that loses at 2.
                tune_threads = args.tune_threads or max(threads_list)
                log(f"tuning {name}: {args.tune_trials} trials into {db}, "
                    f"timed at {tune_threads} thread(s)")
                subprocess.run([os.path.join(args.kiln_bin, "kiln-tune"), model, "--db", db,
                                "--trials", str(args.tune_trials),
                                "--threads", str(tune_threads)],
                               check=True, capture_output=True, text=True)
                tuned = os.path.join(art_dir, name + "-tuned.kiln")
                subprocess.run([kiln_compile, model, "-o", tuned, "--quiet", "--tuning-db", db],
                               check=True, capture_output=True, text=True)
                rows += bench_model(name + " (tuned)", model, tuned, inp, kiln_run, args,
                                    threads_list)
        except subprocess.CalledProcessError as e:
            last = (e.stderr or "").strip().splitlines()[-1:] or [f"exit {e.returncode}"]
            failures[name] = f"{os.path.basename(e.cmd[0])}: {last[0]}"
            log(f"{name} failed: {failures[name]}")

    facts["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["others_cores"] = others_cores(since)
    report.print_header(facts, config)
    report.print_table(rows, failures)
    print(f"# load average at end {facts['load_end']}; other processes used "
          f"{facts['others_cores']} cores on average during the run")
    for path in report.write_files(args.out, stamp, facts, config, rows, failures):
        print(f"# wrote {path}")


if __name__ == "__main__":
    main()
