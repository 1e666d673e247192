#!/usr/bin/python3
"""Turns bench/out/tuning/results.json into report.md (tables) and curves.png.

usage: report.py [results.json]   (default: bench/out/tuning/results.json)

Metrics:
- trials to 95%: per workload, `ref` = the best throughput any cold run (xgb or random, any
  seed) measured; for each run, the first trial whose best-so-far reaches 0.95 * ref (a run
  that never does counts as budget + 1, shown as ">N"); the median over seeds per strategy,
  and ratio = random / xgb (higher is better for xgb; the target is >= 3).
- ranking accuracy: kiln-tune's per-round "model acc", the pairwise accuracy of the model's
  scores for a batch computed before that batch was measured (held-out configs), averaged over
  rounds >= 2 of the cold xgb runs (round 1 has no model yet). For transfer runs round 1 is
  reported separately: a model trained only on the other workloads' records (zero-shot).
- transfer: trials to 95% of the cold xgb runs against xgb runs warm-started from the other
  workloads' records, with ref = the best over cold, random and transfer runs of the workload.
"""
import json
import math
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pngplot  # noqa: E402

COLORS = {"xgb": (200, 30, 30), "random": (30, 70, 200), "transfer": (20, 150, 60)}
DASH = {"xgb": 0, "random": 5, "transfer": 0}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def best_so_far(values):
    out, best = [], 0.0
    for v in values:
        best = max(best, v)
        out.append(best)
    return out


def trials_to(values, target):
    """1-based index of the first trial whose best-so-far reaches target, else None."""
    for i, b in enumerate(best_so_far(values)):
        if b >= target:
            return i + 1
    return None


def med_trials(ts, budget):
    """Median trials over seeds, a run that never reached the target counting as budget + 1."""
    vals = [t if t is not None else budget + 1 for t in ts]
    m = statistics.median(vals)
    return m, m > budget


def fmt_trials(m, censored):
    if censored:
        return f">{int(m) - 1}" if m == int(m) else f">{m - 1:g}"
    return f"{m:g}"


def mean(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return sum(xs) / len(xs) if xs else float("nan")


def geomean(xs):
    xs = [x for x in xs if x and x > 0 and not math.isinf(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def mean_curve(runs, budget):
    curves = [best_so_far(r["gflops"]) for r in runs if r["gflops"]]
    if not curves:
        return []
    n = min(min(len(c) for c in curves), budget)
    return [(i + 1, sum(c[i] for c in curves) / len(curves)) for i in range(n)]


def analyse(results):
    facts = results["facts"]
    budget = facts["trials"]
    runs = results["runs"]
    rows, trows = [], []
    for name, model, spec in results["workloads"]:
        mine = [r for r in runs if r["name"] == name]
        xgb = [r for r in mine if r["kind"] == "cold" and r["strategy"] == "xgb"]
        rnd = [r for r in mine if r["kind"] == "cold" and r["strategy"] == "random"]
        trn = [r for r in mine if r["kind"] == "transfer"]
        if not xgb or not rnd:
            continue
        ref = max(max(r["gflops"] or [0]) for r in xgb + rnd)
        tx = [trials_to(r["gflops"], 0.95 * ref) for r in xgb]
        tr = [trials_to(r["gflops"], 0.95 * ref) for r in rnd]
        mx, cx = med_trials(tx, budget)
        mr, cr = med_trials(tr, budget)
        accs = [a for r in xgb for a in r["round_acc"][1:] if a is not None and not math.isnan(a)]
        row = {
            "name": name, "model": model, "spec": spec, "task": xgb[0]["task"], "ref": ref,
            "default": statistics.median(r["default_gflops"] for r in xgb + rnd
                                         if r["default_gflops"]),
            "best_xgb": [max(r["gflops"]) for r in xgb], "best_random": [max(r["gflops"]) for r in rnd],
            "t95_xgb": tx, "t95_random": tr, "med_xgb": mx, "cens_xgb": cx, "med_random": mr,
            "cens_random": cr, "ratio": mr / mx, "ratio_is_lower_bound": cr and not cx,
            "acc_mean": mean(accs), "acc_rounds": len(accs),
            "at16_xgb": mean([best_so_far(r["gflops"])[min(15, len(r["gflops"]) - 1)] / ref for r in xgb]),
            "at16_random": mean([best_so_far(r["gflops"])[min(15, len(r["gflops"]) - 1)] / ref for r in rnd]),
            "errors": sum(r["errors"] for r in xgb + rnd),
            "wall_s": sum(r["wall_s"] for r in xgb + rnd),
            "others_cores": max(r["others_cores"] for r in xgb + rnd),
            "curves": {"xgb": mean_curve(xgb, budget), "random": mean_curve(rnd, budget)},
        }
        if trn:
            reft = max(ref, max(max(r["gflops"] or [0]) for r in trn))
            tc = [trials_to(r["gflops"], 0.95 * reft) for r in xgb]
            tt = [trials_to(r["gflops"], 0.95 * reft) for r in trn]
            mc, cc = med_trials(tc, budget)
            mt, ct = med_trials(tt, budget)
            b = facts["batch"]
            trows.append({
                "name": name, "task": row["task"], "ref": reft, "t95_cold": tc, "t95_transfer": tt,
                "med_cold": mc, "cens_cold": cc, "med_transfer": mt, "cens_transfer": ct,
                "ratio": mc / mt,
                "first_batch_cold": mean([max(r["gflops"][:b]) / reft for r in xgb]),
                "first_batch_transfer": mean([max(r["gflops"][:b]) / reft for r in trn]),
                "acc_round1_transfer": mean([r["round_acc"][0] for r in trn if r["round_acc"]]),
                "acc_transfer": mean([a for r in trn for a in r["round_acc"][1:] if a is not None]),
                "acc_cold": row["acc_mean"],
                "warm_start_records": trn[0]["warm_start_records"],
            })
            row["curves"]["transfer"] = mean_curve(trn, budget)
        rows.append(row)
    return rows, trows


def markdown(results, rows, trows):
    f = results["facts"]
    out = [f"# Kiln tuning benchmark ({f['started']})", "",
           f"CPU: {f['cpu']} ({f['nproc']} cores, shared), 1 timing thread; budget {f['trials']} "
           f"trials per run in batches of {f['batch']}, seeds {f['seeds']}; load average "
           f"{f['load_start']} at the start, {f.get('load_end', '?')} at the end; "
           f"{f.get('wall_s', '?')} s in all.", "",
           "## Trials to 95% of the best throughput either strategy found (median over seeds)", "",
           "| workload | Kiln task | default | best (ref) | xgb best | random best | xgb t95 | random t95 "
           "| random/xgb | @16 xgb | @16 random | model acc | others |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = f"{'>=' if r['ratio_is_lower_bound'] else ''}{r['ratio']:.2f}"
        out.append(
            f"| {r['name']} ({r['model']}) | `{r['task']}` | {r['default']:.1f} | {r['ref']:.1f} | "
            f"{statistics.median(r['best_xgb']):.1f} | {statistics.median(r['best_random']):.1f} | "
            f"{fmt_trials(r['med_xgb'], r['cens_xgb'])} {r['t95_xgb']} | "
            f"{fmt_trials(r['med_random'], r['cens_random'])} {r['t95_random']} | {ratio} | "
            f"{100 * r['at16_xgb']:.0f}% | {100 * r['at16_random']:.0f}% | {r['acc_mean']:.2f} | "
            f"{r['others_cores']:.2f} |")
    if rows:
        meets = sum(1 for r in rows if r["ratio"] >= 3)
        out += ["", f"Geometric mean of random/xgb: {geomean([r['ratio'] for r in rows]):.2f}; "
                f"xgb needs <= 1/3 of random's trials on {meets} of {len(rows)} workloads. "
                f"Mean held-out ranking accuracy (rounds >= 2, all workloads): "
                f"{mean([r['acc_mean'] for r in rows]):.2f} (0.5 = chance).", "",
                "Columns: GFLOP/s (default = Kiln's heuristic schedule, not a trial); `xgb best` / "
                "`random best`: median over seeds of each run's best; t95: median trials "
                "[per seed; None = never within the budget]; @16: best-so-far after 16 trials as a "
                "share of ref (mean over seeds); model acc: mean pairwise ranking accuracy of the "
                "model on each batch before it was measured, rounds >= 2 of the xgb runs; others: "
                "the most cores other processes used during one of the workload's runs."]
    if trows:
        out += ["", "## Transfer: xgb warm-started from the other workloads' records vs cold", "",
                "| workload | warm-start records | best (ref) | cold t95 | transfer t95 | cold/transfer "
                "| 1st batch cold | 1st batch transfer | acc round 1 (zero-shot) | acc rounds>=2 cold "
                "| acc rounds>=2 transfer |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for t in trows:
            out.append(
                f"| {t['name']} `{t['task']}` | {t['warm_start_records']} | {t['ref']:.1f} | "
                f"{fmt_trials(t['med_cold'], t['cens_cold'])} {t['t95_cold']} | "
                f"{fmt_trials(t['med_transfer'], t['cens_transfer'])} {t['t95_transfer']} | "
                f"{t['ratio']:.2f} | {100 * t['first_batch_cold']:.0f}% | "
                f"{100 * t['first_batch_transfer']:.0f}% | {t['acc_round1_transfer']:.2f} | "
                f"{t['acc_cold']:.2f} | {t['acc_transfer']:.2f} |")
        out += ["", "1st batch: best of the first batch as a share of ref (mean over seeds). "
                "ref here also counts the transfer runs, so cold t95 may differ from the table "
                "above."]
    g = results.get("gemm")
    if g:
        e = g["engines"]
        out += ["", "## 1024^3 f32 GEMM, 1 thread: Kiln tuned vs numpy's BLAS (same run, "
                "alternating rounds)", "",
                "| engine | median ms | GFLOP/s (median) | GFLOP/s (min time) | round medians ms |",
                "|---|---:|---:|---:|---|"]
        for k, label in (("kiln_tuned", "Kiln, tuned (kiln-compile --tuning-db, kiln-run)"),
                         ("kiln_untuned", "Kiln, default schedule"),
                         ("numpy", "numpy matmul (BLAS sgemm)")):
            v = e[k]
            out.append(f"| {label} | {v['median_ms']:.2f} | {v['gflops']:.1f} | "
                       f"{v['gflops_at_min']:.1f} | {', '.join(f'{x:.1f}' for x in v['round_medians_ms'])} |")
        p = g.get("peer") or {}
        out += ["", f"Tuning db best record: {g['db_best_gflops']:.1f} GFLOP/s (kiln-tune's "
                f"own timing of the kernel alone; default {g['tune_run']['default_gflops']:.1f}); "
                f"{g['tune_run']['warm_start_records']} warm-start records; records used by the "
                f"compiled model: {g['records_used']}; max abs error vs float64: "
                f"{g['max_abs_error_vs_float64']:.2g}.",
                f"Peer: numpy {p.get('numpy')} with {', '.join(p.get('blas', []))} "
                f"({'; '.join(g.get('blas_package') or ['package unknown'])}); {'; '.join(p.get('show_config', []))}. "
                f"kiln-run times the whole artifact run (nothing subtracted); numpy times "
                f"np.matmul alone. Others' cores during the rounds: {g['others_cores']}."]
    return "\n".join(out) + "\n"


def plot(rows, path, budget):
    cols = 2
    pw, ph = 460, 230
    nrows = (len(rows) + cols - 1) // cols
    top = 40
    c = pngplot.Canvas(cols * pw, top + nrows * ph + 10)
    c.text(10, 6, "Kiln autotuning: best-so-far GFLOP/s vs trials (mean over seeds); "
           "grey dashed = default schedule, orange dotted = 95% of best found", scale=1)
    entries = [("xgb (cold)", COLORS["xgb"], 0), ("random", COLORS["random"], DASH["random"])]
    if any("transfer" in r["curves"] for r in rows):
        entries.append(("xgb warm-started (transfer)", COLORS["transfer"], 0))
    pngplot.legend(c, 10, 22, entries)
    for i, r in enumerate(rows):
        x, y = (i % cols) * pw, top + (i // cols) * ph
        series = [(k, COLORS[k], pts, DASH[k]) for k, pts in r["curves"].items() if pts]
        lo = min(p[1] for _, _, pts, _ in series for p in pts)
        lo = max(lo, 0.5 * r["ref"])
        clamped = [(k, col, [(a, max(b, lo)) for a, b in pts], d) for k, col, pts, d in series]
        hl = [(0.95 * r["ref"], (230, 130, 0), 3)]
        if r["default"] >= lo:
            hl.append((r["default"], pngplot.GREY, 6))
        pngplot.panel(c, x, y, pw, ph, f"{r['name']}  {r['task']}", clamped, xlabel="trials",
                      ylabel="GFLOP/s", xmax=budget, ylim=(lo, r["ref"]), hlines=hl)
    with open(path, "wb") as f:
        f.write(c.png())


def main(argv):
    path = argv[0] if argv else os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench",
                                             "out", "tuning", "results.json")
    with open(path) as f:
        results = json.load(f)
    rows, trows = analyse(results)
    folder = os.path.dirname(os.path.abspath(path))
    md = markdown(results, rows, trows)
    with open(os.path.join(folder, "report.md"), "w") as f:
        f.write(md)
    with open(os.path.join(folder, "summary.json"), "w") as f:
        json.dump({"rows": [{k: v for k, v in r.items() if k != "curves"} for r in rows],
                   "transfer": trows}, f, indent=1)
    if rows:
        plot(rows, os.path.join(folder, "curves.png"), results["facts"]["trials"])
    print(md)
    print(f"wrote {folder}/report.md, summary.json" + (", curves.png" if rows else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
