"""ONNX backend conformance for Kiln: the test cases, the expected-failure list, and a pool of
worker processes that runs each case through onnx.backend.test with a time limit.

A case is one folder of ONNX's backend test data (Debian's libonnx-testdata), named
"<folder>/<test name>", e.g. "node/test_abs". Each case runs in a worker process (worker.py), so
a compiler crash or a hang costs that case only: the worker is killed and replaced.
"""
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections import namedtuple

#: the test data folders that are run (the "real" folder needs downloads and is not run)
FOLDERS = ("node", "pytorch-converted", "pytorch-operator", "simple")

#: seconds one case may take (compile + every data set) before its worker is killed
DEFAULT_TIMEOUT_S = 60

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED_FAILURES = os.path.join(HERE, "expected_failures.txt")

Case = namedtuple("Case", ["id", "folder", "name", "path"])

#: the outcome of one case: status "passed" or "failed"; reason: one line (failures only);
#: detail: the error text; ops: the model's op types; seconds: wall time
Result = namedtuple("Result", ["id", "status", "reason", "detail", "ops", "seconds"])


def data_dir():
    """The folder holding node/, simple/, ...: $KILN_ONNX_TESTDATA, else onnx's own test data
    folder (on Debian a link to /usr/share/libonnx-testdata/data)."""
    given = os.environ.get("KILN_ONNX_TESTDATA")
    if given:
        return given
    from onnx.backend.test.loader import DATA_DIR
    return DATA_DIR


def discover(root=None):
    """Every case of FOLDERS under `root`, sorted by folder then name."""
    root = root or data_dir()
    cases = []
    for folder in FOLDERS:
        base = os.path.join(root, folder)
        if not os.path.isdir(base):
            raise FileNotFoundError(f"ONNX backend test data folder {base} is missing "
                                    f"(install libonnx-testdata or set KILN_ONNX_TESTDATA)")
        for name in sorted(os.listdir(base)):
            path = os.path.join(base, name)
            if os.path.isfile(os.path.join(path, "model.onnx")):
                cases.append(Case(f"{folder}/{name}", folder, name, path))
    return cases


def read_expected_failures(path=EXPECTED_FAILURES):
    """{case id: reason} from the expected-failure list: one "<case id> <reason>" a line;
    '#' starts a comment line, blank lines separate groups."""
    expected = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            case_id, _, reason = line.partition(" ")
            if not reason.strip():
                raise ValueError(f"{path}:{number}: '{case_id}' has no reason")
            if case_id in expected:
                raise ValueError(f"{path}:{number}: '{case_id}' is listed twice")
            expected[case_id] = reason.strip()
    return expected


def same_reason(listed, actual):
    """Whether a listed reason still describes a failure: equal to the classified reason, or a
    refinement of it written by hand ("<classified reason>: <why>")."""
    return listed == actual or listed.startswith(actual + ": ")


def write_expected_failures(failures, path=EXPECTED_FAILURES):
    """Writes {case id: reason} grouped by reason (biggest group first). A case already listed
    with a refinement of its classified reason (see same_reason) keeps the listed one."""
    try:
        listed = read_expected_failures(path)
    except FileNotFoundError:
        listed = {}
    failures = {case_id: listed[case_id] if same_reason(listed.get(case_id, ""), reason)
                else reason for case_id, reason in failures.items()}
    groups = {}
    for case_id, reason in failures.items():
        groups.setdefault(reason, []).append(case_id)
    order = sorted(groups, key=lambda r: (-len(groups[r]), r))
    lines = [
        "# ONNX backend tests Kiln does not pass yet: one '<folder>/<test> <reason>' a line,",
        "# grouped by reason. Each is a strict expected failure in test_onnx_conformance.py:",
        "# a listed test that passes fails the run (take it off the list). Regenerate with",
        "# tests/onnx/report.py --write-expected after a full run, then review the diff.",
        f"# {len(failures)} tests in {len(groups)} groups.",
    ]
    for reason in order:
        lines.append("")
        lines.append(f"# {reason} ({len(groups[reason])})")
        lines.extend(f"{case_id} {reason}" for case_id in sorted(groups[reason]))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# Failure reasons: one short line per failure, stable enough to group tests by.

_PATTERNS = [
    (r"\((\S+), opset \d+\): the op is not supported", r"unsupported op \1"),
    (r"opset (\d+) is not supported", r"unsupported opset \1"),
    (r"\(([A-Za-z]+), opset \d+\): (\w+) \(input '[^']*'\) is computed at run time",
     r"dynamic: \1 \2 is a run-time value"),
    (r"input '[^']*' is not a tensor", r"non-tensor graph input (sequence or optional)"),
    (r"imports no default-domain", r"no ai.onnx opset (only other domains)"),
    (r"element type (\w+) is not supported", r"dtype \1 not supported"),
    (r"unsupported element type (\w+)", r"dtype \1 not supported"),
    (r"\((\S+), opset \d+\): (.*)", r"\1: \2"),
]


def classify(kind, message):
    """A one-line reason from an exception class name and its message."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    if kind in ("UnsupportedOpError", "CompileError"):
        for pattern, template in _PATTERNS:
            m = re.search(pattern, first)
            if m:
                return _shorten(m.expand(template))
        return _shorten(f"compile error: {first}")
    if kind == "AssertionError":
        if "Mismatched elements" in message or "Not equal to tolerance" in message:
            return "wrong result (outside rtol/atol)"
        if "dtype" in message or "\n x: dtype" in message:
            return "wrong output dtype"
        if "(shapes" in message or "shape mismatch" in message:
            return "wrong output shape"
        return _shorten(f"wrong result: {first}")
    return _shorten(f"{kind}: {first}")


def _shorten(text, limit=110):
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"'[^']*\.onnx'|<onnx\.ModelProto '[^']*'>", "<model>", text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# The worker pool.

class _Worker:
    """One worker.py process: reads case paths on stdin, answers one JSON line each on fd 3."""

    def __init__(self, python):
        read_fd, write_fd = os.pipe()
        env = dict(os.environ, KILN_CONFORMANCE_RESULT_FD=str(write_fd),
                   PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [python, os.path.join(HERE, "worker.py")], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_fd,), env=env,
            start_new_session=True)
        os.close(write_fd)
        self.results = read_fd
        self.buffer = b""

    def run(self, case, timeout):
        """The worker's JSON answer for `case`, or a "timeout"/"crash" answer (the worker is then
        dead and must be replaced)."""
        start = time.monotonic()
        try:
            self.proc.stdin.write((json.dumps([case.folder, case.path]) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            return self._crash(start)
        while b"\n" not in self.buffer:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                self.kill()
                return {"status": "failed", "kind": "Timeout",
                        "message": f"no result within {timeout} s (worker killed)",
                        "seconds": time.monotonic() - start}
            ready, _, _ = select.select([self.results], [], [], left)
            if ready:
                chunk = os.read(self.results, 1 << 16)
                if not chunk:
                    return self._crash(start)
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        answer = json.loads(line)
        answer.setdefault("seconds", time.monotonic() - start)
        return answer

    def _crash(self, start):
        code = self.proc.wait()
        what = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        return {"status": "failed", "kind": "Crash",
                "message": f"the worker process died ({what}) while compiling or running",
                "seconds": time.monotonic() - start}

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        if self.results >= 0:
            os.close(self.results)
            self.results = -1

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None or self.results >= 0:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            if self.results >= 0:
                os.close(self.results)
                self.results = -1


class Pool:
    """Runs cases on `jobs` worker processes in the background, in the given order; result(id)
    waits for one case."""

    def __init__(self, cases, jobs=None, timeout=DEFAULT_TIMEOUT_S, python=sys.executable):
        self.cases = list(cases)
        self.jobs = max(1, min(jobs or os.cpu_count() or 1, len(self.cases) or 1))
        self.timeout = timeout
        self.python = python
        self.results = {}
        self._done = {c.id: threading.Event() for c in self.cases}
        self._next = 0
        self._lock = threading.Lock()
        self._workers = set()
        self._closed = False
        self._threads = [threading.Thread(target=self._loop, daemon=True)
                         for _ in range(self.jobs)]
        for t in self._threads:
            t.start()

    def _take(self):
        with self._lock:
            if self._next >= len(self.cases):
                return None
            self._next += 1
            return self.cases[self._next - 1]

    def _loop(self):
        worker = None
        try:
            while not self._closed and (case := self._take()) is not None:
                try:
                    if worker is None:
                        worker = _Worker(self.python)
                        with self._lock:
                            self._workers.add(worker)
                    answer = worker.run(case, self.timeout)
                except Exception as e:  # noqa: BLE001 - the harness itself failed: say so
                    answer = {"status": "failed", "kind": "HarnessError",
                              "message": f"{type(e).__name__}: {e}", "seconds": 0.0}
                if answer.get("kind") in ("Timeout", "Crash", "HarnessError") and worker:
                    self._retire(worker, kill=True)
                    worker = None
                self.results[case.id] = _result(case, answer)
                self._done[case.id].set()
        finally:
            if worker is not None:
                self._retire(worker, kill=False)

    def _retire(self, worker, kill):
        with self._lock:
            self._workers.discard(worker)
        worker.kill() if kill else worker.close()

    def close(self):
        """Stops handing out cases and kills the workers still running (an interrupted run)."""
        self._closed = True
        with self._lock:
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            if worker.proc.poll() is None:
                try:
                    os.killpg(worker.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def result(self, case_id):
        self._done[case_id].wait()
        return self.results[case_id]

    def wait(self):
        for t in self._threads:
            t.join()
        return [self.results[c.id] for c in self.cases]


def _result(case, answer):
    ops = answer.get("ops") or _model_ops(case.path)
    if answer["status"] == "passed":
        return Result(case.id, "passed", "", "", ops, answer["seconds"])
    kind, message = answer.get("kind", "Error"), answer.get("message", "")
    return Result(case.id, "failed", classify(kind, message), f"{kind}: {message}", ops,
                  answer["seconds"])


def _model_ops(case_path):
    """The op types of a case's model ("domain::Op" outside the default domain), in order."""
    import onnx
    try:
        model = onnx.load(os.path.join(case_path, "model.onnx"), load_external_data=False)
    except Exception:  # noqa: BLE001 - an unreadable model has no ops to report
        return []
    ops = []
    for node in model.graph.node:
        op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
        if op not in ops:
            ops.append(op)
    return ops


def results_to_json(results, path):
    with open(path, "w") as f:
        json.dump([r._asdict() for r in results], f, indent=0)


def results_from_json(path):
    with open(path) as f:
        return [Result(**r) for r in json.load(f)]
