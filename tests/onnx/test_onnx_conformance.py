"""ONNX's backend test data (node, pytorch-converted, pytorch-operator, simple) through
onnx.backend.test's runner over kiln.onnx_backend, one pytest test per case.

Each case runs in a worker process with a time limit (see conformance.py), so crashes and hangs
are failures of their case. The cases Kiln does not pass yet are listed, with a reason, in
expected_failures.txt; they are strict expected failures: one that passes fails the run.
"""
import pytest

import conformance

CASES = conformance.discover()
EXPECTED = conformance.read_expected_failures()


def test_expected_failures_name_existing_cases():
    unknown = sorted(set(EXPECTED) - {c.id for c in CASES})
    assert not unknown, f"expected_failures.txt lists cases that do not exist: {unknown}"


def _param(case):
    marks = []
    if case.id in EXPECTED:
        marks.append(pytest.mark.xfail(strict=True, reason=EXPECTED[case.id]))
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_onnx_backend(case, conformance_pool):
    result = conformance_pool.result(case.id)
    if result.status != "passed":
        pytest.fail(f"{result.reason}\n{result.detail}", pytrace=False)
