#!/usr/bin/python3
"""The ONNX conformance report: per-folder counts, failure groups and a per-op table (markdown),
from the results a pytest run saves (or from a run of its own with --run).

  report.py --run                    run every case (no pytest), save results, write the report
  report.py --results R.json         write the report of saved results
  report.py ... --write-expected     also rewrite expected_failures.txt from the results
"""
import argparse
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance  # noqa: E402

REPO = os.path.dirname(os.path.dirname(conformance.HERE))
DEFAULT_RESULTS = os.path.join(REPO, "build", "onnx_conformance_results.json")
DEFAULT_REPORT = os.path.join(REPO, "build", "onnx_conformance_report.md")


def folder_counts(results, expected):
    """{folder: Counter(passed, failed, expected, unexpected, xpassed)} plus "total"."""
    counts = collections.defaultdict(collections.Counter)
    for r in results:
        folder = r.id.split("/", 1)[0]
        for key in (folder, "total"):
            c = counts[key]
            c["tests"] += 1
            c[r.status] += 1
            if r.status == "failed":
                c["expected" if r.id in expected else "unexpected"] += 1
            elif r.id in expected:
                c["xpassed"] += 1
    return counts


def summary_lines(results, expected, seconds=None):
    """Plain-text lines: one per folder and the total, with pass rates."""
    counts = folder_counts(results, expected)
    lines = []
    for key in [f for f in conformance.FOLDERS if f in counts] + ["total"]:
        c = counts[key]
        rate = 100.0 * c["passed"] / c["tests"] if c["tests"] else 0.0
        lines.append(f"{key:18} {c['tests']:5} tests  {c['passed']:5} passed ({rate:5.1f}%)  "
                     f"{c['failed']:4} failed ({c['expected']} expected, "
                     f"{c['unexpected']} unexpected)  {c['xpassed']} listed but passing")
    if seconds is not None:
        lines.append(f"wall time {seconds:.0f} s")
    return lines


#: what the reason prefixes mean, for the report's readers
REASON_NOTES = [
    "`unsupported op X`: the importer has no converter for X (or its domain/opset).",
    "`dynamic: Op what is a run-time value`: the test feeds a shape, axes, k, ... as a graph "
    "input that this op does not read at run time yet (shape values work for Reshape, "
    "Unsqueeze, Squeeze, Expand, ConstantOfShape, Range, Slice, Tile, Pad, Resize, "
    "ReduceSum axes, Split, TopK, Compress, NonZero, the windows; docs/design.md).",
    "`dtype X not supported`: the importer or the runtime has no such element type.",
    "`non-tensor graph input`: sequence or optional types.",
    "`wrong result`: compiled and ran, but an output differs from the reference beyond the "
    "test's rtol/atol (the text after the colon, from expected_failures.txt, says why).",
]


def reason_of(result, expected):
    """The listed reason when it refines the classified one, else the classified reason."""
    listed = expected.get(result.id, "")
    return listed if conformance.same_reason(listed, result.reason) else result.reason


def markdown(results, expected, seconds=None, jobs=None):
    counts = folder_counts(results, expected)
    total = counts["total"]
    out = ["# ONNX backend conformance of Kiln", "",
           "ONNX's backend test data (Debian's `libonnx-testdata`, onnx "
           f"{_onnx_version()}) run through `onnx.backend.test`'s runner over "
           "`kiln.onnx_backend` on the CPU (`tests/onnx`). Crashes, timeouts and unsupported ops "
           "count as failures.", ""]
    if seconds is not None:
        out += [f"Wall time: {seconds:.0f} s" + (f" ({jobs} worker processes)" if jobs else ""),
                ""]
    out += ["| folder | tests | passed | failed | pass rate |", "|---|---:|---:|---:|---:|"]
    for key in [f for f in conformance.FOLDERS if f in counts] + ["total"]:
        c = counts[key]
        rate = 100.0 * c["passed"] / c["tests"] if c["tests"] else 0.0
        name = f"**{key}**" if key == "total" else key
        out.append(f"| {name} | {c['tests']} | {c['passed']} | {c['failed']} | {rate:.1f}% |")
    if total["unexpected"] or total["xpassed"]:
        out += ["", f"Not matching expected_failures.txt: {total['unexpected']} unexpected "
                f"failures, {total['xpassed']} listed tests passing."]
    out += ["", "## Failures by reason", ""] + [f"- {note}" for note in REASON_NOTES]
    out += ["", "| reason | tests |", "|---|---:|"]
    reasons = collections.Counter(reason_of(r, expected) for r in results if r.status == "failed")
    for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"| {_cell(reason)} | {n} |")
    out += ["", "## Per op", "",
            "Every test whose model contains the op (a test with several ops counts for each).",
            "", "| op | tests | pass | fail | reasons of the failures (tests) |",
            "|---|---:|---:|---:|---|"]
    per_op = collections.defaultdict(list)
    for r in results:
        for op in r.ops or ["(no ops)"]:
            per_op[op].append(r)
    for op in sorted(per_op, key=str.lower):
        rs = per_op[op]
        passed = sum(r.status == "passed" for r in rs)
        why = collections.Counter(reason_of(r, expected) for r in rs if r.status == "failed")
        text = "; ".join(f"{_cell(reason)} ({n})"
                         for reason, n in sorted(why.items(), key=lambda kv: (-kv[1], kv[0])))
        out.append(f"| {op} | {len(rs)} | {passed} | {len(rs) - passed} | {text} |")
    return "\n".join(out) + "\n"


def _cell(text):
    return text.replace("|", "\\|")


def _onnx_version():
    try:
        import onnx
        return onnx.__version__
    except ImportError:
        return "?"


def write_report(results, expected, path, seconds=None, jobs=None):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(markdown(results, expected, seconds, jobs))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", action="store_true", help="run every case first (worker pool)")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPUs)")
    ap.add_argument("--timeout", type=int, default=conformance.DEFAULT_TIMEOUT_S)
    ap.add_argument("-k", default="", help="with --run: only cases whose id contains this")
    ap.add_argument("--results", default=DEFAULT_RESULTS)
    ap.add_argument("--report", default=DEFAULT_REPORT)
    ap.add_argument("--write-expected", action="store_true",
                    help="rewrite expected_failures.txt: exactly the failing cases, with reasons")
    args = ap.parse_args()

    seconds = None
    if args.run:
        cases = [c for c in conformance.discover() if args.k in c.id]
        start = time.monotonic()
        pool = conformance.Pool(cases, jobs=args.jobs, timeout=args.timeout)
        results = pool.wait()
        seconds = time.monotonic() - start
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        conformance.results_to_json(results, args.results)
    else:
        results = conformance.results_from_json(args.results)
    expected = conformance.read_expected_failures()
    write_report(results, expected, args.report, seconds, args.jobs)
    print("\n".join(summary_lines(results, expected, seconds)))
    print(f"report: {args.report}")
    if args.write_expected:
        conformance.write_expected_failures(
            {r.id: r.reason for r in results if r.status == "failed"})
        print(f"wrote {conformance.EXPECTED_FAILURES}")


if __name__ == "__main__":
    main()
