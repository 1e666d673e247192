"""A conformance worker process (started by conformance.Pool): reads one JSON line
[folder, case folder] per case on stdin, runs that case with onnx.backend.test's own runner
over kiln.onnx_backend (compile, run every data set, compare with rtol/atol), and answers one
JSON line {"status", "kind", "message", "ops"} on the file descriptor $KILN_CONFORMANCE_RESULT_FD.

Everything else the process prints (the compiler, the runner) goes to stdout/stderr, never into
the answers.
"""
import json
import os
import sys
import traceback
from collections import defaultdict

# The answers' pipe; stdout is left to whatever the compiler and the runner print.
_ANSWERS = os.fdopen(int(os.environ["KILN_CONFORMANCE_RESULT_FD"]), "w", buffering=1)

import kiln.onnx_backend  # noqa: E402 - after the answer pipe is taken
import onnx  # noqa: E402
from onnx.backend.test.loader import load_model_tests  # noqa: E402
from onnx.backend.test.runner import Runner  # noqa: E402

#: test data folder → the category name onnx.backend.test gives it
CATEGORIES = {"node": "Node", "pytorch-converted": "PyTorchConverted",
              "pytorch-operator": "PyTorchOperator", "simple": "Simple"}


class CaseRunner(Runner):
    """onnx.backend.test's Runner over the test data folder this worker is given (the base class
    only reads its package's own folder): the same test functions, loading and comparison."""

    def __init__(self, backend, data_dir):
        self.backend = backend
        self._parent_module = None
        self._include_patterns, self._exclude_patterns, self._xfail_patterns = set(), set(), set()
        self._test_items = defaultdict(dict)
        self._data_dir = data_dir
        self._loaded = set()

    def test_function(self, folder, case_dir):
        """The runner's CPU test function of the case in `case_dir`."""
        data_dir = os.path.dirname(os.path.dirname(case_dir))
        if data_dir != self._data_dir:
            raise ValueError(f"case {case_dir} is not under {self._data_dir}")
        category = CATEGORIES[folder] + "Model"
        if folder not in self._loaded:
            for case in load_model_tests(data_dir, kind=folder):
                self._add_model_test(case, CATEGORIES[folder])
            self._loaded.add(folder)
        return self._test_items[category][os.path.basename(case_dir) + "_cpu"].func


def model_ops(case_dir):
    model = onnx.load(os.path.join(case_dir, "model.onnx"), load_external_data=False)
    ops = []
    for node in model.graph.node:
        op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
        if op not in ops:
            ops.append(op)
    return ops


def run_case(runner, folder, case_dir):
    try:
        ops = model_ops(case_dir)
    except Exception:  # noqa: BLE001 - reported by the run below
        ops = []
    try:
        runner.test_function(folder, case_dir)(None)
        return {"status": "passed", "ops": ops}
    except BaseException as e:  # noqa: BLE001 - every failure is an answer (SkipTest included)
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        message = str(e)
        if not message:
            message = traceback.format_exc(limit=3)
        return {"status": "failed", "kind": type(e).__name__, "message": message[:4000],
                "ops": ops}


def main():
    runner = None
    for line in sys.stdin:
        folder, case_dir = json.loads(line)
        if runner is None:
            runner = CaseRunner(kiln.onnx_backend, os.path.dirname(os.path.dirname(case_dir)))
        _ANSWERS.write(json.dumps(run_case(runner, folder, case_dir)) + "\n")


if __name__ == "__main__":
    main()
