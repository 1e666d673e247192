#!/usr/bin/python3
"""Zoo benchmark: Kiln vs onnxruntime-node on real architectures and trained models.

A benchmark, not a test. For each model of bench/zoo/models/ (made by export.py and
fetch.py): kiln-compile it (wall time, peak RSS, error text on failure); for each input case
(dynamic models have several sizes) compare Kiln's outputs with onnxruntime's once, then
for each thread count alternate K rounds of kiln-run and of ort_bench.js (the engine that
goes first alternates too). Prints a table with the geomeans; writes bench/out/zoo-STAMP.json
and .md, and each compile's log under bench/out/zoo-STAMP-logs/. Standard library + numpy.

  /usr/bin/python3 bench/zoo/run.py [--models a,b] [--threads 1,2] [--rounds 3]
      [--repeat 20] [--quick] [--timeout 600] [--wait-load 600]
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import zoolib
import zoo_report

sys.path.insert(0, os.path.dirname(zoolib.HERE))  # bench/: machine_load
sys.path.insert(0, zoolib.ORT_DIR)  # report.py of vs_onnxruntime
import report as vs_report  # noqa: E402
from machine_load import mark, others_cores, wait_for_low_load  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="", help="comma-separated (default: all in models/)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--rounds", type=int, default=3, help="rounds per engine and thread count")
    p.add_argument("--repeat", type=int, default=20, help="most timed runs a round")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs a round")
    p.add_argument("--round-seconds", type=float, default=3.0,
                   help="fewer repeats (>= 3) where R runs would take longer than this")
    p.add_argument("--quick", action="store_true", help="1 round, 3 repeats, 1 warm-up")
    p.add_argument("--timeout", type=int, default=600, help="seconds per kiln-compile")
    p.add_argument("--run-timeout", type=int, default=600, help="seconds per run process")
    p.add_argument("--kiln-bin", default=os.path.join(zoolib.REPO, "build", "bin"))
    p.add_argument("--out", default=os.path.join(zoolib.REPO, "bench", "out"))
    p.add_argument("--wait-load", type=int, default=0, metavar="SECONDS",
                   help="first wait up to this long for the machine to be quiet")
    p.add_argument("--max-load", type=float, default=1.5)
    p.add_argument("--max-busy", type=float, default=0.5)
    args = p.parse_args()
    if args.quick:
        args.rounds, args.repeat, args.warmup = 1, 3, 1
    args.threads = [int(t) for t in args.threads.split(",")]
    return args


def log(msg):
    print(f"[zoo] {msg}", file=sys.stderr, flush=True)


# Children's peak RSS is measured through /usr/bin/time: a process spawned straight from
# this (large) Python process starts with its RSS high-water mark (Linux carries it over
# exec; Python spawns with vfork), so kiln-run's own getrusage figure would include ours.
TIME = "/usr/bin/time"


def run_measured(cmd, timeout):
    """Runs cmd; (returncode or None on timeout, wall s, peak RSS MB, stdout, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        start = time.monotonic()
        proc = subprocess.Popen([TIME, "-q", "-f", "%M", "-o", rss.name] + cmd, stdout=out,
                                stderr=err, start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        wall = time.monotonic() - start
        out.seek(0), err.seek(0)
        kb = re.findall(r"^(\d+)$", rss.read(), re.M)
        return (code, wall, int(kb[-1]) / 1024.0 if kb else 0.0,
                out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def error_line(text, code, limit=240):
    """The most telling line of an error output: the first 'error' line, else the last;
    without the tool's prefix and the models folder."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.search(r"error|exception|unsupported|fail", ln, re.I)]
    line = (errors or lines or [f"exit status {code}"])[0]
    line = re.sub(r"^kiln-(compile|run): (error: )?", "", line)
    line = line.replace(zoolib.MODELS + os.sep, "")
    return line if len(line) <= limit else line[:limit - 3] + "..."


def compile_model(meta, kiln_compile, art_dir, log_dir, timeout):
    """kiln-compile once; {'ok', 'seconds', 'peak_mb', 'error', 'artifact'}."""
    model = os.path.join(zoolib.MODELS, meta["onnx"])
    artifact = os.path.join(art_dir, meta["name"] + ".kiln")
    shutil.rmtree(artifact, ignore_errors=True)
    code, wall, rss, out, err = run_measured(
        [kiln_compile, model, "-o", artifact] + meta.get("kiln_compile_args", []), timeout)
    with open(os.path.join(log_dir, meta["name"] + ".compile.txt"), "w") as f:
        f.write(f"exit {code}, {wall:.1f} s, {rss:.0f} MB\n--- stdout\n{out}\n--- stderr\n{err}")
    # Kernels kiln-compile warns about ("warning: kernel K (...): scalar loops ..."):
    # the "no silent slow path" count, by distinct kernel.
    scalar = sorted(set(re.findall(r"warning: kernel (\S+)", err)))
    result = {"seconds": round(wall, 2), "peak_mb": round(rss), "artifact": artifact,
              "ok": code == 0, "warned_kernels": len(scalar)}
    if code is None:
        result["error"] = f"compile timed out after {timeout} s"
    elif code != 0:
        result["error"] = "compile: " + error_line(err + out, code)
    return result


def case_inputs(case):
    return {n: os.path.join(zoolib.MODELS, p) for n, p in case["inputs"].items()}


def kiln_inputs(meta, inputs):
    """The inputs Kiln's artifact takes: those fixed with --input-value are compiled in."""
    args = meta.get("kiln_compile_args", [])
    fixed = {args[i + 1].split("=")[0] for i, a in enumerate(args[:-1]) if a == "--input-value"}
    return {n: p for n, p in inputs.items() if n not in fixed}


def kiln_cmd(kiln_run, artifact, inputs, threads):
    """kiln-run under /usr/bin/time, so that its peak_rss_mb is its own (see TIME)."""
    cmd = [TIME, "-q", "-f", "", "-o", os.devnull, kiln_run, artifact, "--threads",
           str(threads)]
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    return cmd


def kiln_round(kiln_run, artifact, inputs, threads, repeat, args):
    """One kiln-run process: its median_ms, min_ms, peak_rss_mb."""
    cmd = kiln_cmd(kiln_run, artifact, inputs, threads) + [
        "--repeat", str(repeat), "--warmup", str(args.warmup)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.run_timeout)
    if done.returncode != 0:
        raise RuntimeError("kiln-run: " + error_line(done.stderr + done.stdout,
                                                     done.returncode))
    value = lambda key: float(re.search(rf"^{key}: ([0-9.]+)$", done.stdout, re.M).group(1))
    return {k: value(k) for k in ("median_ms", "min_ms", "peak_rss_mb")}


def check_outputs(meta, case, artifact, kiln_run, args):
    """Runs each engine once with --output-dir and compares every output; returns
    (comparison dict, onnxruntime's run ms as a size estimate)."""
    model = os.path.join(zoolib.MODELS, meta["onnx"])
    inputs = case_inputs(case)
    with tempfile.TemporaryDirectory() as tmp:
        ort = zoolib.ort_run(model, inputs, output_dir=os.path.join(tmp, "ort"),
                             timeout=args.run_timeout)
        done = subprocess.run(kiln_cmd(kiln_run, artifact, kiln_inputs(meta, inputs), 1) + [
            "--output-dir", os.path.join(tmp, "kiln")], capture_output=True, text=True,
            timeout=args.run_timeout)
        if done.returncode != 0:
            raise RuntimeError("kiln-run: " + error_line(done.stderr + done.stdout,
                                                         done.returncode))
        ref = zoolib.read_outputs(os.path.join(tmp, "ort"))
        got = zoolib.read_outputs(os.path.join(tmp, "kiln"))
    per_output = {}
    for name, array in ref.items():
        per_output[name] = zoolib.compare(array, got[name]) if name in got else \
            {"match": "NO", "why": "missing in Kiln's outputs"}
    return zoo_report.overall_match(per_output), ort["median_ms"]


def summarize(rounds):
    medians = [r["median_ms"] for r in rounds]
    mid = statistics.median(medians)
    return {"median_ms": mid, "min_ms": min(r["min_ms"] for r in rounds),
            "spread_pct": 100.0 * (max(medians) - min(medians)) / mid if mid else 0.0,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rounds),
            "round_medians_ms": medians}


def time_case(meta, case, artifact, kiln_run, repeat, threads, args):
    """K alternating rounds of each engine at one thread count; the summary entry.
    Without an artifact (Kiln failed) only onnxruntime is timed, for reference."""
    model, inputs = os.path.join(zoolib.MODELS, meta["onnx"]), case_inputs(case)
    kiln, ort, since = [], [], mark()
    for k in range(args.rounds):
        for engine in (("kiln", "ort") if k % 2 == 0 else ("ort", "kiln")):
            if engine == "kiln" and artifact:
                kiln.append(kiln_round(kiln_run, artifact, kiln_inputs(meta, inputs), threads,
                                       repeat, args))
            elif engine == "ort":
                ort.append(zoolib.ort_run(model, inputs, threads, repeat, args.warmup,
                                          timeout=args.run_timeout))
    entry = {"kiln": summarize(kiln) if kiln else None, "ort": summarize(ort),
             "others_cores": others_cores(since),
             "ort_session_ms": statistics.median(r["session_ms"] for r in ort)}
    if kiln:
        entry["ratio"] = entry["ort"]["median_ms"] / entry["kiln"]["median_ms"]
    return entry


def ort_only(meta, case, row, args):
    """onnxruntime's times where Kiln failed (what Kiln has to reach), if it runs."""
    try:
        est = zoolib.ort_run(os.path.join(zoolib.MODELS, meta["onnx"]), case_inputs(case),
                             timeout=args.run_timeout)["median_ms"]
        repeat = max(3, min(args.repeat, int(args.round_seconds * 1000 / max(est, 1e-3))))
        for t in args.threads:
            row["threads"][str(t)] = time_case(meta, case, None, None, repeat, t, args)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        row["ort_error"] = str(e)


def bench_case(meta, case, compiled, kiln_run, args):
    """One row: the output check, then timings per thread count; errors end up in the row."""
    label = meta["name"] + (f"@{case['label']}" if case["label"] else "")
    row = {"model": label, "name": meta["name"], "case": case["label"], "compile": compiled,
           "threads": {}}
    if not compiled["ok"]:
        row["error"] = compiled["error"]
        ort_only(meta, case, row, args)
        return row
    try:
        row["match"], est_ms = check_outputs(meta, case, compiled["artifact"], kiln_run, args)
        repeat = max(3, min(args.repeat, int(args.round_seconds * 1000 / max(est_ms, 1e-3))))
        row["repeat"] = repeat
        for t in args.threads:
            row["threads"][str(t)] = time_case(meta, case, compiled["artifact"], kiln_run,
                                               repeat, t, args)
            e = row["threads"][str(t)]
            log(f"{label} {t}t: kiln {e['kiln']['median_ms']:.3f} ms, "
                f"ort {e['ort']['median_ms']:.3f} ms")
    except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError) as e:
        row["error"] = str(e) if not isinstance(e, subprocess.TimeoutExpired) else \
            f"run timed out after {args.run_timeout} s"
        log(f"{label}: {row['error']}")
        if not row["threads"] and not row["error"].startswith("onnxruntime"):
            ort_only(meta, case, row, args)
    return row


def bench_model(meta, tools, dirs, args):
    """Rows of one model: one per input case (a failed export or compile is one row)."""
    if meta.get("error"):
        return [{"model": meta["name"], "name": meta["name"], "case": "", "threads": {},
                 "compile": None, "error": meta["error"]}]
    log(f"compiling {meta['name']}")
    zoolib.vs_run().wait_for_tools(os.path.dirname(tools[0]))  # the tools may be being rebuilt
    compiled = compile_model(meta, tools[0], *dirs, args.timeout)
    log(f"{meta['name']}: compile {compiled['seconds']} s, {compiled['peak_mb']} MB"
        + (f": {compiled['error']}" if not compiled["ok"] else ""))
    rows = [bench_case(meta, case, compiled, tools[1], args) for case in meta["cases"]]
    if compiled["ok"]:
        shutil.rmtree(compiled["artifact"], ignore_errors=True)  # zoo artifacts are large
    return rows


def main():
    args = parse_args()
    vs = zoolib.vs_run()
    ort_version = zoolib.ensure_onnxruntime()
    tools = vs.wait_for_tools(args.kiln_bin)
    names = [m for m in args.models.split(",") if m]
    metas = zoolib.load_sidecars(names)
    missing = set(names) - {m["name"] for m in metas}
    if not metas or missing:
        sys.exit(f"no sidecar for {sorted(missing) or 'any model'} in {zoolib.MODELS}: "
                 "run export.py and fetch.py first")
    wait_for_low_load(args.wait_load, args.max_load, args.max_busy, log)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dirs = (os.path.join(args.out, "zoo-artifacts"),
            os.path.join(args.out, f"zoo-{stamp}-logs"))
    for d in dirs:
        os.makedirs(d, exist_ok=True)
    facts = dict(vs_report.machine_facts(zoolib.REPO), ort_version=ort_version,
                 kiln_compile_built=time.strftime(
                     "%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(tools[0]))),
                 load_start=" ".join(f"{x:.2f}" for x in os.getloadavg()))
    config = {k: getattr(args, k) for k in ("rounds", "repeat", "warmup", "round_seconds",
                                            "timeout", "threads", "quick")}
    config["command"] = " ".join(sys.argv)
    since, rows = mark(), []
    for meta in metas:
        rows += bench_model(meta, tools, dirs, args)
    facts["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["others_cores"] = others_cores(since)
    paths = zoo_report.write_files(args.out, stamp, facts, config, rows, metas)
    zoo_report.print_report(facts, config, rows, metas)
    for path in paths + (dirs[1],):
        print(f"# wrote {path}")


if __name__ == "__main__":
    main()
