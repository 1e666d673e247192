"""kiln.quantize: calibrated post-training quantization of float ONNX models to QDQ ONNX.

    import kiln
    result = kiln.quantize("model.onnx", "calib.npz", method="entropy")
    result.save("model.int8.onnx")            # runs in Kiln and in onnxruntime
    print(result.report())                     # per-layer error/cost (with accuracy_budget=)

Modules: data (the calibration data contract), observers (minmax, percentile, entropy), graph
(what to quantize), calibrate (Kiln runs with observers), params (scales, zero points), qdq
(the QDQ writer), sensitivity (per-layer error and the accuracy-aware choice), report, cli.
The package imports onnx only when used, so `import kiln` does not need it.
"""
import importlib as _importlib
import sys as _sys

METHODS = ("minmax", "percentile", "entropy")
_LAZY = {"quantize": "api", "QuantizeResult": "api", "CalibrationData": "data",
         "load_calibration": "data"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'kiln.quantize' has no attribute {name!r}")


class _CallableModule(type(_sys.modules[__name__])):
    """`kiln.quantize(...)` calls :func:`kiln.quantize.api.quantize`; `kiln.quantize.X` reaches
    the submodules and names above."""

    def __call__(self, *args, **kwargs):
        from .api import quantize
        return quantize(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule

__all__ = ["quantize", "QuantizeResult", "CalibrationData", "load_calibration", "METHODS"]
