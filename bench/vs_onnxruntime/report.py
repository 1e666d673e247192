"""Reporting helpers of the Kiln vs onnxruntime benchmark (see run.py).

Collects the facts about the run (machine, date, versions, load) and turns the
per-round measurements into the summary rows, the stdout table and the
JSON/CSV files under bench/out/.
"""
import csv
import datetime
import json
import os
import platform
import statistics
import subprocess

TUNED_NOTE = ("rows named '<model> (tuned)' use a tuning database (run.py --tune-trials N); "
              "without that flag only untuned Kiln is measured")


def _cmd(args, cwd=None):
    """stdout of a command, stripped; '?' when it cannot run."""
    try:
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine_facts(repo_root):
    """Machine, date and versions, as a flat dict."""
    cpu = "?"
    for line in _cmd(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "nproc": int(_cmd(["nproc"]) or 0),
        "kernel": platform.release(),
        "kiln_commit": _cmd(["git", "rev-parse", "--short", "HEAD"], repo_root),
        "node": _cmd(["node", "--version"]),
    }


def summarize(model, threads, kiln_rounds, ort_rounds):
    """One summary row from the per-round results of one model and thread count.

    kiln_rounds: dicts with median_ms and min_ms per round (kiln-run prints no
    per-repeat times); ort_rounds: ort_bench.js outputs. Both engines are
    summarized the same way: the median of the round medians, the spread of the
    round medians around it, and the minimum over all runs.
    """
    def stats(rounds):
        medians = [r["median_ms"] for r in rounds]
        mid = statistics.median(medians)
        return {"median_ms": mid, "min_ms": min(r["min_ms"] for r in rounds),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in rounds),
                "spread_pct": 100.0 * (max(medians) - min(medians)) / mid,
                "round_medians_ms": medians}

    kiln, ort = stats(kiln_rounds), stats(ort_rounds)
    all_ort = [x for r in ort_rounds for x in r["latencies_ms"]]
    ort["median_all_runs_ms"] = statistics.median(all_ort)
    ort["session_threads_added"] = ort_rounds[0]["session_threads_added"]
    ort["cpu_per_wall"] = statistics.median(r["cpu_per_wall"] for r in ort_rounds)
    return {"model": model, "threads": threads, "kiln": kiln, "ort": ort,
            "ratio_ort_over_kiln": ort["median_ms"] / kiln["median_ms"]}


def print_header(facts, config):
    print(f"# Kiln vs onnxruntime-node {facts['ort_version']} (CPU), "
          f"untuned Kiln")
    print(f"# date {facts['date']}; machine: {facts['cpu']}, nproc "
          f"{facts['nproc']}; node {facts['node']}")
    print(f"# kiln: HEAD {facts['kiln_commit']}, kiln-compile built "
          f"{facts['kiln_compile_built']}")
    print(f"# rounds {config['rounds']} x repeat {config['repeat']} "
          f"(warm-up {config['warmup']}) per engine, alternating; "
          f"load average at start {facts['load_start']}")


def print_table(rows, failures):
    print(f"{'model':<22}{'thr':>4}{'kiln_ms':>10}{'ort_ms':>10}"
          f"{'ort/kiln':>10}{'kiln_spr%':>11}{'ort_spr%':>10}{'others':>8}"
          f"{'kiln_MB':>9}{'ort_MB':>8}")
    for r in rows:
        print(f"{r['model']:<22}{r['threads']:>4}{r['kiln']['median_ms']:>10.3f}"
              f"{r['ort']['median_ms']:>10.3f}{r['ratio_ort_over_kiln']:>10.2f}"
              f"{r['kiln']['spread_pct']:>11.1f}{r['ort']['spread_pct']:>10.1f}"
              f"{r['others_cores']:>8.2f}{r['kiln']['peak_rss_mb']:>9.0f}"
              f"{r['ort']['peak_rss_mb']:>8.0f}")
    for model, reason in failures.items():
        print(f"{model:<15} failed: {reason}")
    print("ratio = onnxruntime median / Kiln median: > 1 means Kiln is faster. "
          "spr% = spread of the round medians;\nothers = mean cores used by "
          "other processes meanwhile (of nproc): above ~0.2 the row is disturbed.\n"
          "kiln_MB / ort_MB = peak resident memory of the process (kiln-run / node).")
    print(TUNED_NOTE)


def write_files(out_dir, stamp, facts, config, rows, failures):
    """bench/out/vs_onnxruntime-STAMP.{json,csv}; returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.join(out_dir, f"vs_onnxruntime-{stamp}")
    with open(base + ".json", "w") as f:
        json.dump({"facts": facts, "config": config, "rows": rows,
                   "failures": failures, "tuned_note": TUNED_NOTE},
                  f, indent=1)
    with open(base + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "threads", "kiln_median_ms", "ort_median_ms",
                    "ratio_ort_over_kiln", "kiln_min_ms", "ort_min_ms",
                    "kiln_spread_pct", "ort_spread_pct", "others_cores",
                    "kiln_peak_rss_mb", "ort_peak_rss_mb"])
        for r in rows:
            k, o = r["kiln"], r["ort"]
            w.writerow([r["model"], r["threads"]] + [f"{x:.4f}" for x in (
                k["median_ms"], o["median_ms"], r["ratio_ort_over_kiln"],
                k["min_ms"], o["min_ms"], k["spread_pct"], o["spread_pct"],
                r["others_cores"], k["peak_rss_mb"], o["peak_rss_mb"])])
    return base + ".json", base + ".csv"
