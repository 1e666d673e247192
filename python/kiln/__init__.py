"""Kiln: compile ONNX models ahead of time to native code, load and run them from Python.

    import kiln
    module = kiln.compile("model.onnx")          # or an onnx.ModelProto
    outputs = module.run({"input": x})           # or module.run([x]); numpy in, numpy out
    module.export("model.kiln"); kiln.load("model.kiln")
    print(kiln.ir("model.onnx", "linalg"))       # the IR after a pipeline phase
"""
from .compiler import DEFAULT_CPU, compile, ir, phases  # noqa: A004 - kiln.compile
from .errors import (CompileError, CompileWarning, InputError, KilnError, RuntimeError,
                     TuneError, TuneWarning, UnsupportedOpError)
from .module import Module, TensorInfo, load
from . import autotune  # kiln.autotune: the tuner's parts
from . import quantize  # kiln.quantize(model, data, ...): post-training quantization to QDQ

__version__ = "0.1.0"

__all__ = [
    "compile", "ir", "phases", "load", "Module", "TensorInfo", "DEFAULT_CPU",
    "KilnError", "CompileError", "UnsupportedOpError", "InputError", "RuntimeError",
    "CompileWarning", "TuneError", "TuneWarning", "autotune", "quantize",
]
