"""Tables, geomeans and the JSON/markdown files of the zoo benchmark (see run.py)."""
import json
import math
import os

RANK = {"yes": 0, "close": 1, "NO": 2}
NOTE = ("ratio = onnxruntime ms / Kiln ms (> 1: Kiln faster); ms = median of the round "
        "medians; MB = peak RSS (kiln-run / node); compile = kiln-compile wall s and peak MB; "
        "warned = kernels kiln-compile warns about (scalar loops: no vectorized schedule); "
        "match: every output within rtol 1e-3 + 1e-4 x max|ref| ('yes'), else relative L2 <= "
        "1e-4 and worst element <= 1e-3 of the scale ('close'), else 'NO' (worst element / "
        "scale shown).")


def overall_match(per_output):
    """The worst of the per-output comparisons, with the details kept."""
    worst = max(per_output.values(), key=lambda c: RANK[c["match"]])
    def most(key):  # None where an output could not be compared (shape, missing)
        values = [c.get(key) for c in per_output.values()]
        return None if None in values else max(values)
    return {"match": worst["match"], "worst_over_scale": most("worst_over_scale"),
            "rel_l2": most("rel_l2"), "why": worst.get("why", ""), "outputs": per_output}


def match_text(row):
    m = row.get("match")
    if not m:
        return "-"
    if m["why"]:
        return f"NO ({m['why']})"
    return m["match"] if m["match"] == "yes" else f"{m['match']} ({m['worst_over_scale']:.1e})"


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def header(threads):
    cols = ["model", "compile s", "compile MB", "warned"]
    cols += [f"kiln ms {t}t" for t in threads] + [f"ort ms {t}t" for t in threads]
    cols += [f"ort/kiln {t}t" for t in threads] + ["MB kiln/ort", "match"]
    return cols


def cells(row, threads):
    """The table cells of one row ('-' where nothing was measured)."""
    c = row.get("compile") or {}
    out = [row["model"], f"{c['seconds']:.1f}" if c else "-", f"{c['peak_mb']}" if c else "-",
           f"{c['warned_kernels']}" if c else "-"]
    entries = [row["threads"].get(str(t)) or {} for t in threads]
    for engine in ("kiln", "ort"):
        out += [f"{e[engine]['median_ms']:.2f}" if e.get(engine) else "-" for e in entries]
    out += [f"{e['ratio']:.2f}" if "ratio" in e else "-" for e in entries]
    peak = lambda engine: max([e[engine]["peak_rss_mb"] for e in entries if e.get(engine)],
                              default=None)
    out.append("/".join(f"{p:.0f}" if p else "-" for p in (peak("kiln"), peak("ort"))))
    out.append(match_text(row) if not row.get("error") else failed_stage(row["error"]))
    return out


def failed_stage(error):
    """'FAILED (compile)', '(kiln-run)', '(onnxruntime)', '(export)' from the error text."""
    stage = error.split(":", 1)[0].split()[0]
    return f"FAILED ({stage})"


def failure_lines(rows):
    """One line per model and error (the cases of a dynamic model share their compile)."""
    seen = {}
    for r in rows:
        if r.get("error"):
            seen.setdefault((r["name"], r["error"]), []).append(r["case"])
    return [f"{name}{' @' + ','.join(c for c in cases) if any(cases) else ''}: {error}"
            for (name, error), cases in seen.items()]


def summary_lines(rows, threads):
    lines = []
    for t in threads:
        ratios = [r["threads"][str(t)]["ratio"] for r in rows
                  if "ratio" in r["threads"].get(str(t), {})]
        g = geomean(ratios)
        faster = sum(x >= 1.0 for x in ratios)
        lines.append(f"geomean ort/kiln at {t}t: {g:.2f} over {len(ratios)} rows "
                     f"({faster} >= 1.0)" if g else f"geomean at {t}t: no timed rows")
    failed = [r for r in rows if r.get("error")]
    matched = [r for r in rows if r.get("match")]
    lines.append(f"rows: {len(rows)}; failed: {len(failed)}; outputs compared: {len(matched)}, "
                 f"of which NO: {sum(r['match']['match'] == 'NO' for r in matched)}")
    return lines


def text_table(rows, threads):
    table = [header(threads)] + [cells(r, threads) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return ["  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                      for i, (v, w) in enumerate(zip(row, widths))) for row in table]


def print_report(facts, config, rows, metas):
    threads = config["threads"]
    print(f"# Kiln vs onnxruntime-node {facts['ort_version']} (CPU), zoo, untuned Kiln")
    print(f"# date {facts['date']}; machine: {facts['cpu']}, nproc {facts['nproc']}; "
          f"node {facts['node']}; kiln HEAD {facts['kiln_commit']}, kiln-compile built "
          f"{facts['kiln_compile_built']}")
    print(f"# rounds {config['rounds']} x repeat <= {config['repeat']} (warm-up "
          f"{config['warmup']}) per engine and thread count, alternating; load "
          f"{facts['load_start']} -> {facts['load_end']}; other processes "
          f"{facts['others_cores']} cores")
    print("\n".join(text_table(rows, threads)))
    print("\n".join(summary_lines(rows, threads)))
    for line in failure_lines(rows):
        print(f"FAILED {line}")
    print(NOTE)


def markdown(facts, config, rows, metas):
    threads = config["threads"]
    lines = [f"# Kiln zoo benchmark, {facts['date']}", "",
             f"Kiln HEAD {facts['kiln_commit']} vs onnxruntime-node {facts['ort_version']}; "
             f"{facts['cpu']}, nproc {facts['nproc']}; rounds {config['rounds']}, repeat <= "
             f"{config['repeat']}, load {facts['load_start']} -> {facts['load_end']}, other "
             f"processes {facts['others_cores']} cores. Command: `{config['command']}`", ""]
    head = header(threads)
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cells(r, threads)) + " |" for r in rows]
    lines += [""] + [f"- {s}" for s in summary_lines(rows, threads)] + ["", NOTE, ""]
    failed = [r for r in rows if r.get("error")]
    if failed:
        lines += ["## Failures", ""] + [f"- {line}" for line in failure_lines(rows)]
    lines += ["", "## Models", "", "| model | source | input |", "|---|---|---|"]
    lines += [f"| {m['name']} | {m['source']} | {m['input']} |" for m in metas]
    return "\n".join(lines) + "\n"


def write_files(out_dir, stamp, facts, config, rows, metas):
    base = os.path.join(out_dir, f"zoo-{stamp}")
    with open(base + ".json", "w") as f:
        json.dump({"facts": facts, "config": config, "rows": rows, "models": metas}, f,
                  indent=1)
    with open(base + ".md", "w") as f:
        f.write(markdown(facts, config, rows, metas))
    return base + ".json", base + ".md"
