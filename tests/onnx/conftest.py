"""pytest plumbing of the ONNX conformance run: options, the worker pool (one per session, over
the selected cases only), and the summary + report at the end."""
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance  # noqa: E402
import report  # noqa: E402

_STATE = {"pool": None, "cases": [], "start": None, "seconds": None}


def pytest_addoption(parser):
    group = parser.getgroup("kiln ONNX conformance")
    group.addoption("--onnx-jobs", type=int, default=None,
                    help="worker processes (default: $KILN_ONNX_JOBS or the CPU count)")
    group.addoption("--onnx-timeout", type=int, default=conformance.DEFAULT_TIMEOUT_S,
                    help="seconds per test case (default %(default)s)")
    group.addoption("--onnx-report", default=report.DEFAULT_REPORT,
                    help="markdown report written at the end (default %(default)s)")
    group.addoption("--onnx-results", default=report.DEFAULT_RESULTS,
                    help="JSON results written at the end (input of report.py)")


def pytest_collection_finish(session):
    """Remembers the cases left after selection (-k, node ids): only those are run."""
    _STATE["cases"] = [item.callspec.params["case"] for item in session.items
                       if hasattr(item, "callspec") and "case" in item.callspec.params]


@pytest.fixture(scope="session")
def conformance_pool(request):
    """The pool running every selected case in the background, started by the first test."""
    if _STATE["pool"] is None:
        config = request.config
        jobs = config.getoption("--onnx-jobs") or int(os.environ.get("KILN_ONNX_JOBS", "0")) or None
        _STATE["start"] = time.monotonic()
        _STATE["pool"] = conformance.Pool(_STATE["cases"], jobs=jobs,
                                          timeout=config.getoption("--onnx-timeout"))
    return _STATE["pool"]


def pytest_unconfigure(config):
    if _STATE["pool"] is not None:
        _STATE["pool"].close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    pool = _STATE["pool"]
    if pool is None:
        return
    results = [pool.results[c.id] for c in pool.cases if c.id in pool.results]
    seconds = time.monotonic() - _STATE["start"]
    expected = conformance.read_expected_failures()
    tr = terminalreporter
    tr.section("ONNX backend conformance (kiln.onnx_backend, CPU)")
    for line in report.summary_lines(results, expected, seconds):
        tr.write_line(line)
    if len(results) < len(pool.cases):
        tr.write_line(f"{len(pool.cases) - len(results)} selected cases did not run (interrupted)")
    moved = [(r.id, expected[r.id], r.reason) for r in results if r.status == "failed"
             and r.id in expected and not conformance.same_reason(expected[r.id], r.reason)]
    if moved:
        tr.write_line(f"{len(moved)} expected failures now fail for another reason than listed:")
        for case_id, listed, actual in moved[:20]:
            tr.write_line(f"  {case_id}: listed '{listed}', now '{actual}'")
    jobs = pool.jobs
    report.write_report(results, expected, config.getoption("--onnx-report"), seconds, jobs)
    conformance.results_to_json(results, config.getoption("--onnx-results"))
    tr.write_line(f"report: {config.getoption('--onnx-report')}")
