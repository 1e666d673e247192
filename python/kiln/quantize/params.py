"""Quantization parameters: asymmetric uint8 activations, symmetric int8 weights (per output
channel or per tensor), int32 biases with scale s_x * s_w."""
import warnings

import numpy as np

UINT8_MAX = 255
INT8_MAX = 127
INT32_MAX = 2 ** 31 - 1


def activation_params(lo, hi):
    """(scale: float32, zero point: uint8) mapping [min(lo, 0), max(hi, 0)] onto 0..255; 0.0 is
    exactly representable (zero padding, Relu). An all-zero range gets scale 1."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"kiln.quantize: range [{lo}, {hi}] is not finite")
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = (hi - lo) / UINT8_MAX
    if scale <= 0.0 or not np.isfinite(np.float32(scale)) or np.float32(scale) == 0:
        return np.float32(1.0), np.uint8(0)
    scale = np.float32(scale)
    zero_point = int(np.clip(np.round(-lo / float(scale)), 0, UINT8_MAX))
    return scale, np.uint8(zero_point)


def quantize_activation(x, scale, zero_point):
    """What QuantizeLinear then DequantizeLinear make of x (round half to even, saturate)."""
    q = np.clip(np.rint(x / scale) + int(zero_point), 0, UINT8_MAX)
    return ((q - int(zero_point)) * scale).astype(np.float32)


def weight_scales(w, axis):
    """Symmetric int8 scales: max|w| / 127 per slice along `axis` (None: one for the tensor);
    an all-zero slice gets scale 1."""
    w = np.asarray(w, np.float32)
    if axis is None:
        absmax = np.float32(np.max(np.abs(w))) if w.size else np.float32(0)
    else:
        other = tuple(i for i in range(w.ndim) if i != axis)
        absmax = np.max(np.abs(w), axis=other) if other else np.abs(w)
    scale = (np.asarray(absmax, np.float32) / np.float32(INT8_MAX)).astype(np.float32)
    return np.where(scale > 0, scale, np.float32(1.0)).astype(np.float32)


def quantize_weight(w, axis):
    """(int8 weights, float32 scales) of a float weight; scales broadcast along `axis`."""
    w = np.asarray(w, np.float32)
    if not np.all(np.isfinite(w)):
        raise ValueError("kiln.quantize: the weight holds NaN or Inf values")
    scale = weight_scales(w, axis)
    shape = [1] * w.ndim
    if axis is not None:
        shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape)), -INT8_MAX, INT8_MAX).astype(np.int8)
    return q, scale


def quantize_bias(b, input_scale, weight_scale, name):
    """(int32 bias, float32 scales = input_scale * weight_scale); values beyond int32 saturate
    with a warning naming the bias."""
    b = np.asarray(b, np.float32)
    scale = (np.float32(input_scale) * np.asarray(weight_scale, np.float32)).astype(np.float32)
    scale = np.broadcast_to(scale, b.shape) if scale.ndim else scale
    q = np.rint(b.astype(np.float64) / scale.astype(np.float64))
    if np.any(np.abs(q) > INT32_MAX):
        warnings.warn(f"kiln.quantize: bias '{name}' does not fit int32 at scale s_x * s_w; "
                      f"its largest values saturate", UserWarning, stacklevel=3)
    return np.clip(q, -INT32_MAX, INT32_MAX).astype(np.int32), scale.astype(np.float32)
