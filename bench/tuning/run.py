#!/usr/bin/python3
"""Tuning-efficiency benchmark of kiln-tune: xgb against random search, ranking accuracy,
transfer against a cold start, and the best tuned 1024^3 f32 GEMM against oneDNN's sgemm.

Runs everything one process at a time (the machine has 2 cores), writes the tuning databases
and logs under --out (bench/out/tuning), results.json there, then calls report.py for the
Markdown table and the PNG curves. A rerun resumes: finished runs are read back from their
databases and logs, not measured again (--fresh starts over).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # bench/: machine_load
import report  # noqa: E402
from machine_load import mark, others_cores, wait_for_low_load  # noqa: E402

# (name, model, kiln-tune spec). Convs are NCHW specs; Kiln turns 1x1 convs and convs with
# <= 256 output pixels into im2col + matmul, so some of them tune a matmul workload.
WORKLOADS = [
    ("mlp_fc1", "MLP", "matmul:64,1024,1024"),
    ("bert_qkv", "BERT", "matmul:128,768,256"),
    ("bert_ffn_up", "BERT", "matmul:128,1024,256"),
    ("bert_ffn_down", "BERT", "matmul:128,256,1024"),
    ("r18_conv1_7x7", "ResNet-18", "conv2d:1,3,224,224,64,7,7,2,3"),
    ("r18_l1_3x3", "ResNet-18", "conv2d:1,64,56,56,64,3,3,1,1"),
    ("r18_l2_3x3", "ResNet-18", "conv2d:1,128,28,28,128,3,3,1,1"),
    ("r18_l3_3x3", "ResNet-18", "conv2d:1,256,14,14,256,3,3,1,1"),
    ("mbv2_project_56", "MobileNetV2", "conv2d:1,96,56,56,24,1,1,1,0"),
    ("mbv2_expand_14", "MobileNetV2", "conv2d:1,96,14,14,576,1,1,1,0"),
]
TRANSFER_DEFAULT = "mlp_fc1,bert_ffn_up,r18_l2_3x3,mbv2_project_56"
GEMM_SPEC = "matmul:1024,1024,1024"

ROUND_RE = re.compile(r"kiln-tune: round\s+(\d+)\s+trials\s+(\d+)/(\d+)\s+(.*?)\s+batch best\s+(\S+)"
                      r" GFLOP/s\s+best\s+(\S+)\s+default\s+(\S+)\s+model acc (\S+)")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "tuning"))
    p.add_argument("--kiln-bin", default=os.path.join(ROOT, "build", "bin"))
    p.add_argument("--trials", type=int, default=64, help="trials per run (default 64)")
    p.add_argument("--batch", type=int, default=8, help="measurements per round (default 8)")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--workloads", default="all", help="comma-separated names, or all")
    p.add_argument("--transfer", default=TRANSFER_DEFAULT,
                   help="workloads tuned warm-started from the others' records ('' = none)")
    p.add_argument("--gemm-trials", type=int, default=64, help="trials for the 1024^3 GEMM")
    p.add_argument("--gemm-rounds", type=int, default=5, help="alternating timing rounds")
    p.add_argument("--gemm-repeat", type=int, default=20,
                   help="timed runs per round (kiln-run and oneDNN alike)")
    p.add_argument("--skip", default="",
                   help="comma-separated: study,ranking,transfer,remeasure,gemm")
    p.add_argument("--remeasure", type=int, default=2,
                   help="batches re-measuring the incumbents of every run (median)")
    p.add_argument("--cost-model", default="",
                   help="kiln-tune --cost-model for xgb runs and the ranking folds (default: "
                        "kiln-tune's)")
    p.add_argument("--strategies", default="xgb,random",
                   help="strategies of the study (experiments: e.g. xgb alone)")
    p.add_argument("--wait-load", type=float, default=0,
                   help="first wait up to S seconds for a quiet machine")
    p.add_argument("--fresh", action="store_true", help="delete --out first")
    return p.parse_args()


def log(msg):
    print(f"[tuning {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- machine load ------------------------------------------------------------------------
def uptime():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def wait_for_tools(paths, tries=20, pause=30):
    """Waits while build/bin is being rebuilt (a tool missing)."""
    for _ in range(tries):
        if all(os.access(t, os.X_OK) for t in paths):
            return
        log("waiting for the Kiln tools (build/bin being rebuilt?)")
        time.sleep(pause)
    sys.exit(f"missing one of {paths}")


# ---- databases ---------------------------------------------------------------------------
def read_db(path):
    """The records of a JSON-lines tuning database (a torn last line skipped)."""
    records = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
    return records


def slug(spec):
    return re.sub(r"[^A-Za-z0-9]+", "_", spec).strip("_")


# ---- one kiln-tune run -------------------------------------------------------------------
def tune_run(args, spec, db, strategy, seed, trials, prior=None):
    """Runs (or resumes) kiln-tune on one workload into `db`; returns the run's summary.
    `prior`: records written into a fresh db first (the transfer warm start)."""
    logf = db[:-len(".jsonl")] + ".log"
    meta_path = db[:-len(".jsonl")] + ".meta.json"
    os.makedirs(os.path.dirname(db), exist_ok=True)
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else None
    if meta is None and prior is not None and not os.path.exists(db):
        with open(db, "w") as f:
            for r in prior:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
    if meta is None:
        cmd = [os.path.join(args.kiln_bin, "kiln-tune"), "--workload", spec, "--db", db,
               "--trials", str(trials), "--batch", str(args.batch), "--strategy", strategy,
               "--seed", str(seed), "--threads", "1"]
        if args.cost_model and strategy == "xgb":
            cmd += ["--cost-model", args.cost_model]
        wait_for_tools([cmd[0]])
        since, load0 = mark(), uptime()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        meta = {"cmd": " ".join(cmd), "rc": out.returncode, "wall_s": round(time.time() - since[2], 2),
                "others_cores": others_cores(since), "load_before": load0, "load_after": uptime()}
        with open(logf, "a") as f:
            f.write(out.stdout)
        if out.returncode != 0:
            log(f"kiln-tune failed ({out.returncode}): {out.stdout[-2000:]}")
        else:
            json.dump(meta, open(meta_path, "w"), indent=1)
    text = open(logf).read() if os.path.exists(logf) else ""
    rounds = [{"round": int(m[1]), "trials": int(m[2]), "task": m[4].strip(),
               "acc": None if m[8] == "-" else float(m[8])} for m in ROUND_RE.finditer(text)]
    tasks = re.findall(r"kiln-tune: (\d+) tasks", text)
    records = read_db(db)
    prior_keys = {r["workload"] for r in (prior or [])}
    own = [r for r in records if r["workload"] not in prior_keys]
    keys = sorted({r["workload"] for r in own})
    if len(keys) != 1:
        raise SystemExit(f"{db}: expected one tuned workload, found {keys}")
    tuned = [r for r in own if r["knobs"]]
    defaults = [r for r in own if not r["knobs"] and not r.get("error")]
    return {
        "spec": spec, "task": own[0]["spec"], "workload_key": keys[0], "strategy": strategy,
        "seed": seed, "db": os.path.relpath(db, ROOT), "tasks": int(tasks[0]) if tasks else None,
        "warm_start_records": len(records) - len(own),
        "gflops": [0.0 if r.get("error") else r["gflops"] for r in tuned],
        "configs": [r["knobs"] for r in tuned],
        "errors": sum(1 for r in tuned if r.get("error")),
        "default_gflops": defaults[0]["gflops"] if defaults else None,
        "round_acc": [r["acc"] for r in rounds], **meta,
    }


# ---- the studies -------------------------------------------------------------------------
def study(args, workloads, seeds):
    runs = []
    for si, seed in enumerate(seeds):
        for wi, (name, model, spec) in enumerate(workloads):
            order = args.strategies if (si + wi) % 2 == 0 else args.strategies[::-1]
            for strategy in order:
                db = os.path.join(args.out, "study", name, f"{strategy}-s{seed}.jsonl")
                r = tune_run(args, spec, db, strategy, seed, args.trials)
                r.update(name=name, model=model, kind="cold")
                runs.append(r)
                best = max(r["gflops"]) if r["gflops"] else 0
                log(f"study {name:16s} {strategy:6s} seed {seed}: best {best:6.1f} GFLOP/s "
                    f"(default {r['default_gflops'] or 0:.1f}) {r['wall_s']} s, "
                    f"others {r['others_cores']} cores")
    return runs


def incumbents(run):
    """Per trial, the index of the run's best config so far by its own measurements."""
    out, best = [], None
    for i, g in enumerate(run["gflops"]):
        if best is None or g > run["gflops"][best]:
            best = i
        out.append(best)
    return out


def remeasure(args, workloads, runs):
    """Measures again, per workload, every config that was some run's incumbent (its best so far
    by its own measurements) at some trial, and the default schedule, all in one batch of the
    tuner's runner (one process, interleaved rounds: the same machine conditions for all),
    `--remeasure` times; the median per config. Runs measured minutes apart on a shared machine
    differ by up to ~10% (other processes share the L3 cache and memory); these numbers compare
    the configs the runs found fairly. Returns {name: {"default": g, "configs": [[knobs, g]]}}."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(args.kiln_bin)), "python"))
    from kiln import autotune as at
    out = {}
    for name, _, spec in workloads:
        path = os.path.join(args.out, "remeasured", f"{name}.json")
        if os.path.exists(path):
            out[name] = json.load(open(path))
            continue
        keys, configs = set(), []
        for r in runs:
            if r["name"] != name:
                continue
            for i in sorted(set(incumbents(r))):
                key = json.dumps(r["configs"][i], sort_keys=True)
                if key not in keys:
                    keys.add(key)
                    configs.append(r["configs"][i])
        w = at.Workload.parse(spec)
        since = mark()
        samples = [[] for _ in range(len(configs) + 1)]
        for _ in range(args.remeasure):
            for i, m in enumerate(at.measure(w, [()] + configs)):
                samples[i].append(0.0 if m.error else m.gflops)
        res = {"default": statistics.median(samples[0]),
               "configs": [[c, statistics.median(g)] for c, g in zip(configs, samples[1:])],
               "others_cores": others_cores(since)}
        os.makedirs(os.path.dirname(path), exist_ok=True)
        json.dump(res, open(path, "w"), indent=1)
        out[name] = res
        log(f"remeasured {name}: {len(configs)} incumbents + default, best "
            f"{max(g for _, g in res['configs']):.1f} GFLOP/s, default {res['default']:.1f}")
    return out


EVAL_RE = re.compile(r"model-eval (\S+) f32\s+test\s+(\d+)\s+train same\s+(\d+)\s+acc same (\S+)"
                     r"\s+all (\S+)\s+others \(transfer\) (\S+)")


def ranking(args, workloads, seeds):
    """Held-out ranking accuracy of the "xgb" cost model, by `kiln-tune --evaluate-model`: for
    each seed s, the test set is the random-search run of seed s of every workload (uniform
    configs, none seen in training), the training set all other study runs (xgb runs of every
    seed, random runs of the other seeds). Per workload: the model trained on that workload's
    records only ("same"), on every workload's ("all"), on the other workloads' only
    ("others", zero-shot transfer)."""
    folds = []
    folder = os.path.join(args.out, "ranking")
    os.makedirs(folder, exist_ok=True)
    tool = os.path.join(args.kiln_bin, "kiln-tune")
    for seed in seeds:
        train, test = os.path.join(folder, f"train-s{seed}.jsonl"), os.path.join(folder, f"test-s{seed}.jsonl")
        with open(train, "w") as ftrain, open(test, "w") as ftest:
            for name, _, _ in workloads:
                for strategy in args.strategies:
                    for other in seeds:
                        held_out = strategy == "random" and other == seed
                        for r in read_db(os.path.join(args.out, "study", name,
                                                      f"{strategy}-s{other}.jsonl")):
                            (ftest if held_out else ftrain).write(
                                json.dumps(r, separators=(",", ":")) + "\n")
        cm = ["--cost-model", args.cost_model] if args.cost_model else []
        out = subprocess.run([tool, "--db", train, "--evaluate-model", test] + cm,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if out.returncode != 0:
            raise SystemExit(f"kiln-tune --evaluate-model failed: {out.stdout[-2000:]}")
        with open(os.path.join(folder, f"eval-s{seed}.log"), "w") as f:
            f.write(out.stdout)
        rows = {m[1]: {"test": int(m[2]), "train_same": int(m[3]), "same": float(m[4]),
                       "all": float(m[5]), "others": float(m[6])} for m in EVAL_RE.finditer(out.stdout)}
        folds.append({"seed": seed, "workloads": rows})
        log(f"ranking, held-out random seed {seed}: " + ", ".join(
            f"{k} {statistics.mean(r[k] for r in rows.values()):.3f}"
            for k in ("same", "all", "others")))
    return folds


def prior_records(args, names, seed):
    """Records of the given study workloads (both strategies, one seed): the warm start."""
    recs = []
    for name in names:
        for strategy in ("xgb", "random"):
            recs += read_db(os.path.join(args.out, "study", name, f"{strategy}-s{seed}.jsonl"))
    return recs


def transfer(args, workloads, seeds, targets):
    runs = []
    names = [w[0] for w in workloads]
    for seed in seeds:
        for name, model, spec in workloads:
            if name not in targets:
                continue
            prior = prior_records(args, [n for n in names if n != name], seeds[0])
            db = os.path.join(args.out, "transfer", name, f"xgb-s{seed}.jsonl")
            r = tune_run(args, spec, db, "xgb", seed, args.trials, prior=prior)
            r.update(name=name, model=model, kind="transfer")
            runs.append(r)
            best = max(r["gflops"]) if r["gflops"] else 0
            log(f"transfer {name:16s} seed {seed}: best {best:6.1f} GFLOP/s, warm start "
                f"{r['warm_start_records']} records, {r['wall_s']} s")
    return runs


# ---- 1024^3 GEMM against oneDNN -----------------------------------------------------------
def write_gemm_model(path, n=1024):
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["Y"])], "gemm",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [n, n]),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n, n])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="kiln-bench")
    model.ir_version = 8
    onnx.save(model, path)


def write_inputs(folder, n=1024):
    import numpy as np
    from onnx import numpy_helper
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    paths = []
    for name, arr in (("A", a), ("B", b)):
        p = os.path.join(folder, f"{name}.pb")
        with open(p, "wb") as f:
            f.write(numpy_helper.from_array(arr, name).SerializeToString())
        paths.append(p)
    return paths, a, b


def kiln_time(kiln_run, artifact, inputs, repeat, warmup):
    cmd = [kiln_run, artifact, "--repeat", str(repeat), "--warmup", str(warmup), "--threads", "1"]
    for p in inputs:
        cmd += ["--input", p]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if out.returncode != 0:
        raise SystemExit(f"kiln-run failed: {out.stdout[-2000:]}")
    vals = dict(re.findall(r"^(median_ms|min_ms|mean_ms): ([\d.]+)", out.stdout, re.M))
    return {k: float(v) for k, v in vals.items()}


def ensure_dnnl():
    """Installs Debian's oneDNN (libdnnl-dev) when missing: the benchmark's GEMM peer only."""
    have = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", "libdnnl-dev"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if "install ok installed" not in have.stdout:
        sudo = [] if os.getuid() == 0 else ["sudo"]
        log("installing libdnnl-dev (oneDNN) for the GEMM peer")
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                               "libdnnl-dev"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libdnnl-dev"],
                          stdout=subprocess.PIPE, text=True, check=True).stdout


def build_dnnl_timer(folder):
    """Builds dnnl_sgemm.cpp (the oneDNN timer) into `folder`; returns the binary's path."""
    exe = os.path.join(folder, "dnnl_sgemm")
    src = os.path.join(HERE, "dnnl_sgemm.cpp")
    subprocess.run(["clang++-19", "-O2", "-std=c++17", src, "-o", exe, "-ldnnl", "-lgomp"],
                   check=True)
    return exe


def dnnl_time(exe, threads, repeat, warmup=2):
    """One process timing dnnl_sgemm 1024^3 on `threads` OpenMP threads (oneDNN 2.6 on Debian
    uses libgomp: OMP_NUM_THREADS sets its threads)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false")
    out = subprocess.run([exe, "1024", str(repeat), str(warmup)], stdout=subprocess.PIPE,
                         text=True, env=env, check=True)
    return json.loads(out.stdout)


def gemm(args, workloads, seeds):
    folder = os.path.join(args.out, "gemm")
    os.makedirs(folder, exist_ok=True)
    tools = [os.path.join(args.kiln_bin, t) for t in ("kiln-tune", "kiln-compile", "kiln-run")]
    wait_for_tools(tools)
    # Tune the GEMM warm-started from every matmul-kind record of the study (seed 1 dbs).
    prior = [r for r in prior_records(args, [w[0] for w in workloads], seeds[0])
             if r["spec"].startswith("matmul:")]
    db = os.path.join(folder, "tune.jsonl")
    run = tune_run(args, GEMM_SPEC, db, "xgb", 1, args.gemm_trials, prior=prior)
    run.update(name="gemm1024", model="-", kind="transfer")
    best_db = max(run["gflops"]) if run["gflops"] else None
    log(f"gemm 1024^3 tuned: best {best_db} GFLOP/s in the db (default "
        f"{run['default_gflops']}), {run['wall_s']} s")
    # The tuning db for kiln-compile: only the GEMM's own records.
    own_db = os.path.join(folder, "gemm-records.jsonl")
    with open(own_db, "w") as f:
        for r in read_db(db):
            if r["workload"] == run["workload_key"]:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
    model = os.path.join(folder, "matmul1024.onnx")
    write_gemm_model(model)
    inputs, a, b = write_inputs(folder)
    arts = {}
    for label, extra in (("tuned", ["--tuning-db", own_db]), ("untuned", [])):
        art = os.path.join(folder, f"{label}.kiln")
        shutil.rmtree(art, ignore_errors=True)
        subprocess.run([tools[1], model, "-o", art, "--quiet"] + extra, check=True)
        arts[label] = art
    manifest = json.load(open(os.path.join(arts["tuned"], "manifest.json")))
    used = manifest.get("tuning", {}).get("records_used", manifest.get("records_used", []))
    # Correctness of the tuned artifact on the fixed inputs.
    import numpy as np
    from onnx import TensorProto, numpy_helper
    outdir = os.path.join(folder, "out")
    subprocess.run([tools[2], arts["tuned"], "--input", inputs[0], "--input", inputs[1],
                    "--output-dir", outdir], check=True, stdout=subprocess.DEVNULL)
    t = TensorProto()
    t.ParseFromString(open(os.path.join(outdir, "Y.pb"), "rb").read())
    got, want = numpy_helper.to_array(t), a.astype(np.float64) @ b.astype(np.float64)
    max_err = float(np.abs(got - want).max())
    # oneDNN: first check that OMP_NUM_THREADS really sets its threads (1 vs 2), then time it
    # 1-threaded in the rounds, alternating with Kiln.
    dnnl_version = ensure_dnnl()
    exe = build_dnnl_timer(folder)
    threads_check = {}
    for t in (1, 2):
        res = dnnl_time(exe, t, args.gemm_repeat)
        threads_check[t] = {k: res[k] for k in ("median_ms", "omp_max_threads", "os_threads",
                                                "cpu_per_wall", "isa", "max_abs_error")}
        log(f"oneDNN {t} thread(s): {threads_check[t]}")
    if threads_check[1]["os_threads"] != 1 or threads_check[1]["omp_max_threads"] != 1:
        raise SystemExit(f"oneDNN did not run on 1 thread: {threads_check[1]}")
    engines = ["kiln_tuned", "kiln_untuned", "onednn"]
    samples = {e: [] for e in engines}
    since, load0 = mark(), uptime()
    for k in range(args.gemm_rounds):
        order = engines[k % 3:] + engines[:k % 3]
        for e in order:
            if e == "onednn":
                res = dnnl_time(exe, 1, args.gemm_repeat)
                samples[e].append({x: res[x] for x in ("median_ms", "min_ms",
                                                       "thread_cpu_median_ms", "os_threads")})
            else:
                samples[e].append(kiln_time(tools[2], arts[e.split("_")[1]], inputs,
                                            args.gemm_repeat, 2))
        log(f"gemm round {k + 1}: " + ", ".join(
            f"{e} {samples[e][-1]['median_ms']:.2f} ms" for e in engines))
    flops = 2 * 1024 ** 3
    summary = {}
    for e in engines:
        med = statistics.median(s["median_ms"] for s in samples[e])
        best = min(s["min_ms"] for s in samples[e])
        summary[e] = {"median_ms": med, "min_ms": best, "gflops": flops / med / 1e6,
                      "gflops_at_min": flops / best / 1e6,
                      "round_medians_ms": [s["median_ms"] for s in samples[e]]}
    summary["onednn"]["thread_cpu_median_ms"] = statistics.median(
        s["thread_cpu_median_ms"] for s in samples["onednn"])
    return {"tune_run": run, "db_best_gflops": best_db, "records_used": used,
            "max_abs_error_vs_float64": max_err, "engines": summary,
            "ratio_tuned_vs_onednn": summary["kiln_tuned"]["gflops"] / summary["onednn"]["gflops"],
            "ratio_db_best_vs_onednn": (best_db or 0) / summary["onednn"]["gflops"],
            "onednn": {"package": f"libdnnl-dev {dnnl_version}", "threads_check": threads_check},
            "others_cores": others_cores(since), "load_before": load0, "load_after": uptime(),
            "repeat": args.gemm_repeat, "rounds": args.gemm_rounds}


def main():
    args = parse_args()
    args.strategies = args.strategies.split(",")
    if args.fresh:
        shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    seeds = [int(s) for s in args.seeds.split(",")]
    workloads = WORKLOADS if args.workloads == "all" else [
        w for w in WORKLOADS if w[0] in args.workloads.split(",")]
    targets = set(filter(None, args.transfer.split(",")))
    if args.wait_load:
        wait_for_low_load(args.wait_load, 1.0, 0.3, log)
    start = time.time()
    facts = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "load_start": uptime(),
             "cpu": report.cpu_model(), "nproc": os.cpu_count(), "trials": args.trials,
             "batch": args.batch, "seeds": seeds, "kiln_bin": args.kiln_bin}
    log(f"load average at start: {facts['load_start']}")
    results = {"facts": facts, "workloads": [list(w) for w in workloads], "runs": []}
    if "study" not in skip:
        results["runs"] += study(args, workloads, seeds)
    if "ranking" not in skip and "random" in args.strategies:
        results["ranking"] = ranking(args, workloads, seeds)
    if "transfer" not in skip and targets:
        results["runs"] += transfer(args, workloads, seeds, targets)
    if "remeasure" not in skip:
        results["remeasured"] = remeasure(args, workloads, results["runs"])
    if "gemm" not in skip:
        results["gemm"] = gemm(args, workloads, seeds)
    facts["load_end"] = uptime()
    facts["wall_s"] = round(time.time() - start, 1)
    log(f"load average at end: {facts['load_end']}; {facts['wall_s']} s in all")
    path = os.path.join(args.out, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    log(f"wrote {path}")
    report.main([path])


if __name__ == "__main__":
    main()
