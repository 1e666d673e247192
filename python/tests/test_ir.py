"""kiln.ir: the IR after every pipeline phase."""
import pytest

import kiln

# What each phase's IR must show.
EXPECTED = {
    "import": ["kiln.matmul", "kiln.relu", "func.func @main"],
    "graph": ["func.func @main"],
    "kernels": ["func.func @main", "kiln_k"],
    "linalg": ["linalg."],
    "llvm": ["llvm.func"],
}


def test_phases_in_order():
    assert kiln.phases() == ["import", "graph", "kernels", "linalg", "llvm"]


@pytest.mark.parametrize("phase", ["import", "graph", "kernels", "linalg", "llvm"])
def test_ir_after_phase(small_mlp, phase):
    text = kiln.ir(small_mlp[0], phase)
    assert "module attributes" in text
    for needle in EXPECTED[phase]:
        assert needle in text, f"{needle!r} not in the IR after {phase}"


def test_ir_elides_large_constants(small_mlp):
    assert "__elided__" in kiln.ir(small_mlp[0], "import")


def test_ir_unknown_phase(small_mlp):
    with pytest.raises(ValueError, match="unknown phase 'bufferize'"):
        kiln.ir(small_mlp[0], "bufferize")
