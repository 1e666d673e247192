"""An ONNX backend over Kiln: ``onnx.backend.test.BackendTest(kiln.onnx_backend, __name__)``.

Implements onnx.backend.base: ``prepare`` compiles the model, ``BackendRep.run`` runs it,
``run_model`` / ``run_node`` compile and run once, ``supports_device`` says "CPU" only.
"""
import numpy as np
import onnx
import onnx.helper
from onnx.backend.base import Backend, BackendRep, Device, DeviceType

from . import compiler

# onnx 1.12's test runner (Debian 12) compares outputs with `np.object`, which numpy >= 1.24
# removed: every BackendTest comparison would fail with AttributeError. Restore the alias
# (it is exactly the builtin `object`) only for such onnx versions.
if "object" not in vars(np) and tuple(int(p) for p in onnx.__version__.split(".")[:2]) < (1, 13):
    np.object = object


class KilnRep(BackendRep):
    """A prepared (compiled and loaded) model."""

    def __init__(self, module):
        #: the kiln.Module this backend rep runs
        self.module = module

    def run(self, inputs, **kwargs):
        """Runs on `inputs` (a list in the graph's input order, a dict by name, or a single
        array for a one-input model); returns the outputs as a list of numpy arrays."""
        if kwargs:
            raise TypeError(f"kiln.onnx_backend: run() takes no options, got {sorted(kwargs)}")
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        return self.module.run(inputs)


class KilnBackend(Backend):
    """Kiln as an onnx.backend.base.Backend (CPU only)."""

    @classmethod
    def supports_device(cls, device):
        """True for "CPU" (the only device Kiln compiles for)."""
        return Device(device).type == DeviceType.CPU

    @classmethod
    def is_compatible(cls, model, device="CPU", **kwargs):
        """True when the device is supported; ops are checked by compiling (see prepare)."""
        return cls.supports_device(device)

    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        """Compiles `model` (a ModelProto or a path); kwargs are kiln.compile's options."""
        if not cls.supports_device(device):
            raise ValueError(f"kiln.onnx_backend: device {device!r} is not supported (CPU only)")
        if isinstance(model, onnx.ModelProto):
            super().prepare(model, device, **kwargs)  # onnx.checker
        return KilnRep(compiler.compile(model, **kwargs))

    @classmethod
    def run_model(cls, model, inputs, device="CPU", **kwargs):
        """Compiles `model` and runs it once on `inputs`."""
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node, inputs, device="CPU", outputs_info=None, **kwargs):
        """Runs one NodeProto on `inputs` (arrays for its non-empty inputs, in order, or a dict
        by name) by compiling a one-node model typed from the arrays. `opset_version` (kwarg)
        picks the opset, by default the newest this onnx knows."""
        super().run_node(node, inputs, device=device, outputs_info=outputs_info, **kwargs)
        opset = kwargs.pop("opset_version", onnx.defs.onnx_opset_version())
        if not cls.supports_device(device):
            raise ValueError(f"kiln.onnx_backend: device {device!r} is not supported (CPU only)")
        # The node was checked above; the model's outputs may be untyped, which the model
        # checker rejects, so it is compiled directly.
        model = _node_model(node, inputs, opset, outputs_info)
        return KilnRep(compiler.compile(model, **kwargs)).run(_named_inputs(node, inputs))


def _tensor_type(dtype):
    """The TensorProto data type of a numpy dtype."""
    dtype = np.dtype(dtype)
    if hasattr(onnx.helper, "np_dtype_to_tensor_dtype"):  # onnx >= 1.13
        return onnx.helper.np_dtype_to_tensor_dtype(dtype)
    return onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[dtype]


def _input_names(node):
    names = []
    for name in node.input:
        if name and name not in names:
            names.append(name)
    return names


def _named_inputs(node, inputs):
    names = _input_names(node)
    if isinstance(inputs, dict):
        return {n: np.asarray(inputs[n]) for n in names}
    arrays = [np.asarray(a) for a in inputs]
    given = [n for n in node.input if n]
    if len(arrays) != len(given):
        raise ValueError(f"kiln.onnx_backend: node {node.op_type} has {len(given)} inputs "
                         f"{given}, got {len(arrays)} arrays")
    by_name = dict(zip(given, arrays))
    return {n: by_name[n] for n in names}


def _node_model(node, inputs, opset, outputs_info):
    named = _named_inputs(node, inputs)
    graph_inputs = [onnx.helper.make_tensor_value_info(
        name, _tensor_type(a.dtype), a.shape)
        for name, a in named.items()]
    outputs = [n for n in node.output if n]
    if outputs_info:
        graph_outputs = [onnx.helper.make_tensor_value_info(
            name, _tensor_type(dtype), shape)
            for name, (dtype, shape) in zip(outputs, outputs_info)]
    else:
        graph_outputs = [onnx.helper.make_empty_tensor_value_info(n) for n in outputs]
    graph = onnx.helper.make_graph([node], f"kiln_run_node_{node.op_type}", graph_inputs,
                                   graph_outputs)
    return onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                  producer_name="kiln.onnx_backend")


prepare = KilnBackend.prepare
run_model = KilnBackend.run_model
run_node = KilnBackend.run_node
supports_device = KilnBackend.supports_device
is_compatible = KilnBackend.is_compatible
