#!/usr/bin/python3
"""Turns bench/out/tuning/results.json into report.md (tables) and curves.png.

usage: report.py [results.json]   (default: bench/out/tuning/results.json)

Metrics (report.md says the same under each table):
- trials to 95% (t95): per run, the incumbent after each trial (the config its own measurements
  rank best so far; the default schedule is not a trial) with its re-measured throughput (all
  incumbents and the default re-measured together per workload, see run.py); ref = the best of
  those; t95 = the first trial whose incumbent reaches 0.95 * ref (never: budget + 1, shown
  ">N"); median over seeds per strategy; ratio = random / xgb (the target is >= 3).
- ranking accuracy: pairwise accuracy of the "xgb" cost model on held-out random-search runs
  (kiln-tune --evaluate-model, one fold per seed), and kiln-tune's per-round "model acc" on the
  batches xgb picked (rounds >= 2).
- transfer: t95 of the cold xgb runs against xgb runs warm-started from the other workloads'
  records, same ref.
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


def trials_to(curve, target):
    """1-based index of the first trial whose curve value reaches target, else None."""
    for i, b in enumerate(curve):
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


def fmt_list(ts):
    return "[" + ",".join("-" if t is None else str(t) for t in ts) + "]"


def mean(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return sum(xs) / len(xs) if xs else float("nan")


def geomean(xs):
    xs = [x for x in xs if x and x > 0 and not math.isinf(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def incumbent_curve(run, remeasured):
    """Per trial, the re-measured throughput of the run's incumbent (its best config so far by
    its own measurements); the run's own best-so-far when nothing was re-measured."""
    if not remeasured:
        return best_so_far(run["gflops"])
    value = {json.dumps(c, sort_keys=True): g for c, g in remeasured["configs"]}
    out, best = [], None
    for i, g in enumerate(run["gflops"]):
        if best is None or g > run["gflops"][best]:
            best = i
        out.append(value[json.dumps(run["configs"][best], sort_keys=True)])
    return out


def mean_curve(curves, budget):
    curves = [c for c in curves if c]
    if not curves:
        return []
    n = min(min(len(c) for c in curves), budget)
    return [(i + 1, sum(c[i] for c in curves) / len(curves)) for i in range(n)]


def t95_stats(curves, ref, budget):
    ts = [trials_to(c, 0.95 * ref) for c in curves]
    m, censored = med_trials(ts, budget)
    return ts, m, censored


def ranking_rows(results):
    """Per workload task: held-out ranking accuracy (same / all / others) averaged over folds."""
    per = {}
    for fold in results.get("ranking", []):
        for spec, r in fold["workloads"].items():
            per.setdefault(spec, []).append(r)
    return {spec: {k: mean([r[k] for r in rs]) for k in ("same", "all", "others")} |
            {"test": sum(r["test"] for r in rs), "folds": len(rs)} for spec, rs in per.items()}


def analyse(results):
    facts = results["facts"]
    budget = facts["trials"]
    runs = results["runs"]
    remeasured = results.get("remeasured", {})
    ranks = ranking_rows(results)
    rows, trows = [], []
    for name, model, spec in results["workloads"]:
        mine = [r for r in runs if r["name"] == name]
        xgb = [r for r in mine if r["kind"] == "cold" and r["strategy"] == "xgb"]
        rnd = [r for r in mine if r["kind"] == "cold" and r["strategy"] == "random"]
        trn = [r for r in mine if r["kind"] == "transfer"]
        if not xgb or not rnd:
            continue
        re = remeasured.get(name)
        cx = [incumbent_curve(r, re) for r in xgb]
        cr = [incumbent_curve(r, re) for r in rnd]
        ct = [incumbent_curve(r, re) for r in trn]
        default = re["default"] if re else statistics.median(
            r["default_gflops"] for r in xgb + rnd if r["default_gflops"])
        ref = max([default] + [max(c) for c in cx + cr + ct if c])
        tx, mx, censx = t95_stats(cx, ref, budget)
        tr, mr, censr = t95_stats(cr, ref, budget)
        # The same metric on the runs' own measurements (no re-measuring), for comparison.
        own_ref = max(max(r["gflops"] or [0]) for r in xgb + rnd)
        _, own_mx, own_cx = t95_stats([best_so_far(r["gflops"]) for r in xgb], own_ref, budget)
        _, own_mr, own_cr = t95_stats([best_so_far(r["gflops"]) for r in rnd], own_ref, budget)
        accs = [a for r in xgb for a in r["round_acc"][1:] if a is not None and not math.isnan(a)]
        at16 = lambda cs: mean([c[min(15, len(c) - 1)] / ref for c in cs if c])  # noqa: E731
        row = {
            "name": name, "model": model, "spec": spec, "task": xgb[0]["task"], "ref": ref,
            "default": default, "default_share": default / ref, "remeasured": bool(re),
            "final_xgb": [c[-1] for c in cx], "final_random": [c[-1] for c in cr],
            "t95_xgb": tx, "t95_random": tr, "med_xgb": mx, "cens_xgb": censx, "med_random": mr,
            "cens_random": censr, "ratio": mr / mx, "ratio_is_lower_bound": censr and not censx,
            "own_ref": own_ref, "own_med_xgb": own_mx, "own_cens_xgb": own_cx,
            "own_med_random": own_mr, "own_cens_random": own_cr, "own_ratio": own_mr / own_mx,
            "acc_mean": mean(accs), "acc_rounds": len(accs),
            "ranking": ranks.get(xgb[0]["task"].replace(" f32", "")),
            "at16_xgb": at16(cx), "at16_random": at16(cr),
            "errors": sum(r["errors"] for r in xgb + rnd),
            "wall_s": sum(r["wall_s"] for r in xgb + rnd),
            "others_cores": max(r["others_cores"] for r in xgb + rnd),
            "curves": {"xgb": mean_curve(cx, budget), "random": mean_curve(cr, budget)},
        }
        if trn:
            tc, mc, censc = t95_stats(cx, ref, budget)
            tt, mt, censt = t95_stats(ct, ref, budget)
            b = facts["batch"]
            trows.append({
                "name": name, "task": row["task"], "ref": ref, "t95_cold": tc, "t95_transfer": tt,
                "med_cold": mc, "cens_cold": censc, "med_transfer": mt, "cens_transfer": censt,
                "ratio": mc / mt,
                "first_batch_cold": mean([c[min(b, len(c)) - 1] / ref for c in cx]),
                "first_batch_transfer": mean([c[min(b, len(c)) - 1] / ref for c in ct]),
                "acc_round1_transfer": mean([r["round_acc"][0] for r in trn if r["round_acc"]]),
                "acc_transfer": mean([a for r in trn for a in r["round_acc"][1:] if a is not None]),
                "acc_cold": row["acc_mean"],
                "warm_start_records": trn[0]["warm_start_records"],
            })
            row["curves"]["transfer"] = mean_curve(ct, budget)
        rows.append(row)
    return rows, trows


def study_table(f, rows):
    out = ["## Trials to 95% of the best throughput found (median over seeds)", "",
           "| workload | Kiln task | default | ref | default/ref | xgb final | random final "
           "| xgb t95 | random t95 | random/xgb | @16 xgb | @16 random | own-timing t95 x / r "
           "| others |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = f"{'>=' if r['ratio_is_lower_bound'] else ''}{r['ratio']:.2f}"
        out.append(
            f"| {r['name']} ({r['model']}) | `{r['task']}` | {r['default']:.1f} | {r['ref']:.1f} | "
            f"{r['default_share']:.2f}{' *' if r['default_share'] >= 0.95 else ''} | "
            f"{statistics.median(r['final_xgb']):.1f} | {statistics.median(r['final_random']):.1f} | "
            f"{fmt_trials(r['med_xgb'], r['cens_xgb'])} {fmt_list(r['t95_xgb'])} | "
            f"{fmt_trials(r['med_random'], r['cens_random'])} {fmt_list(r['t95_random'])} | {ratio} | "
            f"{100 * r['at16_xgb']:.0f}% | {100 * r['at16_random']:.0f}% | "
            f"{fmt_trials(r['own_med_xgb'], r['own_cens_xgb'])} / "
            f"{fmt_trials(r['own_med_random'], r['own_cens_random'])} | {r['others_cores']:.2f} |")
    meets = [r for r in rows if r["ratio"] >= 3]
    near_default = [r["name"] for r in rows if r["default_share"] >= 0.95]
    meets_a = [r for r in meets if r["default_share"] < 0.95]
    out += ["", f"Geometric mean of random/xgb: **{geomean([r['ratio'] for r in rows]):.2f}**; "
            f"xgb needs <= 1/3 of random's trials on **{len(meets)} of {len(rows)}** workloads "
            f"({', '.join(r['name'] for r in meets) or 'none'}). Counting the default schedule "
            f"as trial 0 instead (so a workload whose default is already within 95% (*) needs 0 "
            f"trials with either strategy, ratio 1): {len(meets_a)} of {len(rows)}. Default "
            f"within 95% of ref: {', '.join(near_default) or 'none'}. Own-timing t95 geometric "
            f"mean ratio: {geomean([r['own_ratio'] for r in rows]):.2f}.", "",
            "How it is measured: t95 counts the search's own trials (the default schedule, "
            "measured first and given to both strategies, is not a trial); per run, the "
            "incumbent after each trial is the config its own measurements rank best so far, and "
            "its throughput is the re-measured one: after the runs, every config that was some "
            "run's incumbent, and the default, are measured again together in one runner batch "
            "per workload (same process, interleaved rounds; median of the re-measurements), so "
            "runs made minutes apart under different load compare fairly. ref = the best of "
            "those re-measured throughputs (default included); t95 = the first trial whose "
            "incumbent reaches 0.95 * ref (a run that never does counts as budget + 1, shown "
            "`>N`); per-seed values in brackets (- = never); ratio = median random / median "
            "xgb (the target is >= 3). Trials of a batch are measured together: xgb orders its "
            "batch by predicted score, random at random. `final`: median over seeds of the last "
            "incumbent (re-measured); @16: incumbent after 16 trials as a share of ref (mean "
            "over seeds); own-timing t95: the same metric on the runs' own best-so-far "
            "measurements and their best as ref (noisier across runs); others: the most cores "
            "other processes used during one of the workload's runs. GFLOP/s throughout."]
    return out


def ranking_table(results, rows):
    if not results.get("ranking"):
        return []
    out = ["", "## Cost-model ranking accuracy on held-out measured configs", "",
           "| workload | held-out configs | same workload | all workloads | others only "
           "(zero-shot) | in-search (xgb's own batches) |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        k = r["ranking"]
        if not k:
            continue
        out.append(f"| {r['name']} | {k['test']} | {k['same']:.3f} | {k['all']:.3f} | "
                   f"{k['others']:.3f} | {r['acc_mean']:.2f} |")
    ks = [r["ranking"] for r in rows if r["ranking"]]
    out.append(f"| **mean** | {sum(k['test'] for k in ks)} | **{mean([k['same'] for k in ks]):.3f}** | "
               f"**{mean([k['all'] for k in ks]):.3f}** | **{mean([k['others'] for k in ks]):.3f}** "
               f"| {mean([r['acc_mean'] for r in rows]):.2f} |")
    out += ["", "Pairwise accuracy (share of config pairs with different measured throughputs "
            "that the model orders right; 0.5 = chance) of the \"xgb\" cost model "
            "(`kiln-tune --evaluate-model`), in folds: for each seed s the test set is the "
            "random-search run of seed s (64 uniform configs per workload, never seen in "
            "training) and the training set every other study run (the xgb runs of all seeds, "
            "the random runs of the other seeds); mean over the folds. `same workload`: trained "
            "on that workload's records only (what a cold kiln-tune run has at its end); `all`: "
            "on every workload's (a shared database); `others only`: on the other workloads' "
            "records (zero-shot transfer). In-search: kiln-tune's per-round `model acc` on the "
            "batch xgb picked, scored before it was measured (rounds >= 2); those configs are "
            "the model's own top picks, mostly within a few percent of each other, so this "
            "figure is close to the measurement noise."]
    return out


def transfer_table(trows):
    if not trows:
        return []
    out = ["", "## Transfer: xgb warm-started from the other workloads' records vs cold", "",
           "| workload | warm-start records | ref | cold t95 | transfer t95 | cold/transfer "
           "| 1st batch cold | 1st batch transfer | acc round 1 (zero-shot) | acc rounds>=2 cold "
           "| acc rounds>=2 transfer |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for t in trows:
        out.append(
            f"| {t['name']} `{t['task']}` | {t['warm_start_records']} | {t['ref']:.1f} | "
            f"{fmt_trials(t['med_cold'], t['cens_cold'])} {fmt_list(t['t95_cold'])} | "
            f"{fmt_trials(t['med_transfer'], t['cens_transfer'])} {fmt_list(t['t95_transfer'])} | "
            f"{t['ratio']:.2f} | {100 * t['first_batch_cold']:.0f}% | "
            f"{100 * t['first_batch_transfer']:.0f}% | {t['acc_round1_transfer']:.2f} | "
            f"{t['acc_cold']:.2f} | {t['acc_transfer']:.2f} |")
    out += ["", "Same metric as above (re-measured incumbents, the transfer runs' incumbents "
            "re-measured in the same batch). 1st batch: the incumbent after the first batch as "
            "a share of ref (mean over seeds)."]
    return out


def gemm_table(g):
    if not g:
        return []
    e = g["engines"]
    out = ["", "## 1024^3 f32 GEMM, 1 thread: Kiln tuned vs oneDNN sgemm (same run, "
           "alternating rounds)", "",
           "| engine | median ms | GFLOP/s (median) | GFLOP/s (min time) | round medians ms |",
           "|---|---:|---:|---:|---|"]
    for k, label in (("kiln_tuned", "Kiln, tuned (kiln-compile --tuning-db, kiln-run)"),
                     ("kiln_untuned", "Kiln, default schedule"),
                     ("onednn", "oneDNN dnnl_sgemm, OMP_NUM_THREADS=1")):
        v = e[k]
        out.append(f"| {label} | {v['median_ms']:.2f} | {v['gflops']:.1f} | "
                   f"{v['gflops_at_min']:.1f} | {', '.join(f'{x:.2f}' for x in v['round_medians_ms'])} |")
    d = g["onednn"]
    chk = "; ".join(f"{t} thread(s): {c['median_ms']:.2f} ms, omp_max_threads "
                    f"{c['omp_max_threads']}, OS threads {c['os_threads']}, CPU/wall "
                    f"{c['cpu_per_wall']:.2f}" for t, c in d["threads_check"].items())
    isa = next(iter(d["threads_check"].values()))["isa"]
    out += ["", f"**Kiln tuned / oneDNN = {g['ratio_tuned_vs_onednn']:.2f}** (median GFLOP/s; "
            f"the target is >= 0.95); the tuning db's best record / oneDNN = "
            f"{g['ratio_db_best_vs_onednn']:.2f}.",
            f"Tuning db best record: {g['db_best_gflops']:.1f} GFLOP/s (kiln-tune's "
            f"own timing of the kernel alone: thread CPU time, 10% quantile; default "
            f"{g['tune_run']['default_gflops']:.1f}); {g['tune_run']['warm_start_records']} "
            f"warm-start records; records used by the compiled model: {g['records_used']}; "
            f"max abs error vs float64: {g['max_abs_error_vs_float64']:.2g}.",
            f"Peer: {d['package']} (ISA {isa}); its threads checked in the same run: {chk}. "
            f"Both engines are timed as {g['repeat']} runs per round after 2 warm-ups, "
            f"{g['rounds']} rounds, one fresh process each, the order rotating; the figure is "
            f"the median of the round medians (wall clock). kiln-run times the whole artifact "
            f"run (nothing subtracted); oneDNN times dnnl_sgemm alone. oneDNN's thread CPU "
            f"time per call (median): {e['onednn']['thread_cpu_median_ms']:.2f} ms. "
            f"Others' cores during the rounds: {g['others_cores']}."]
    return out


def markdown(results, rows, trows):
    f = results["facts"]
    out = [f"# Kiln tuning benchmark ({f['started']})", "",
           f"CPU: {f['cpu']} ({f['nproc']} cores, shared), 1 timing thread; budget {f['trials']} "
           f"trials per run in batches of {f['batch']}, seeds {f['seeds']}; load average "
           f"{f['load_start']} at the start, {f.get('load_end', '?')} at the end; "
           f"{f.get('wall_s', '?')} s in all.", ""]
    if rows:
        out += study_table(f, rows)
    out += ranking_table(results, rows) + transfer_table(trows) + gemm_table(results.get("gemm"))
    return "\n".join(out) + "\n"


def plot(rows, path, budget):
    cols = 2
    pw, ph = 460, 230
    nrows = (len(rows) + cols - 1) // cols
    top = 40
    c = pngplot.Canvas(cols * pw, top + nrows * ph + 10)
    c.text(10, 6, "Kiln autotuning: incumbent's re-measured GFLOP/s vs trials (mean over seeds); "
           "grey dashed = default schedule, orange dotted = 95% of ref", scale=1)
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
