"""Kiln's exceptions: every failure of the compiler or the runtime is one of these."""
import builtins
import re


class KilnError(Exception):
    """Base class of every Kiln error."""


class CompileError(KilnError):
    """The compiler rejected the model; the message carries the compiler's diagnostics."""

    def __init__(self, message, diagnostics=()):
        super().__init__(message)
        #: every error diagnostic of the compilation, as text
        self.diagnostics = list(diagnostics)


class UnsupportedOpError(CompileError):
    """The model uses an op, op domain, opset or op feature Kiln does not support (yet)."""


class InputError(KilnError, ValueError):
    """Inputs given to Module.run do not match the model (name, count, shape or dtype)."""


class RuntimeError(KilnError, builtins.RuntimeError):  # noqa: A001 - kiln.RuntimeError
    """The runtime failed to load or run an artifact."""


class CompileWarning(UserWarning):
    """A warning diagnostic of the compiler."""


class TuneError(KilnError):
    """An autotuner part (kiln.autotune) failed: a bad workload spec or config, a corrupt tuning
    database, a cost model misuse; the message is the tuner's."""


class TuneWarning(UserWarning):
    """A warning of the autotuner, e.g. a torn last line of a tuning database that was skipped."""


# The importer's wording (compiler/Import/ONNX/GraphImporter.cpp) for a model that needs an op,
# domain or opset without a converter, and for an op feature a converter rejects.
_UNSUPPORTED = [
    re.compile(r"\bthe op is not supported\b"),
    re.compile(r"\bthe op domain '[^']*' is not supported\b"),
    re.compile(r"\bthe op is only supported from opset \d+"),
    re.compile(r"\bopset \d+ is not supported\b"),
    re.compile(r"\bthe model imports no default-domain"),
    re.compile(r"\bnode '[^']*' \([^)]*\): .*\b(not supported|unsupported)\b"),
]


def compile_error(diagnostics):
    """The exception for a failed compilation with these error diagnostics."""
    message = "\n".join(diagnostics) if diagnostics else "kiln: the compilation failed"
    unsupported = any(p.search(d) for d in diagnostics for p in _UNSUPPORTED)
    cls = UnsupportedOpError if unsupported else CompileError
    return cls(message, diagnostics)
