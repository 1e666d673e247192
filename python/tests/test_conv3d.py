"""3-D convolutions (video models: R(2+1)D, R3D, S3D) against a float64 numpy reference: a full
3x3x3 conv, a (2+1)-D pair (a [1, 3, 3] spatial conv, then a [3, 1, 1] temporal one with depth
stride 2 and an odd channel count) and a grouped temporal conv. The temporal convs run as one
2-D conv over depth x (H * W) (kiln-decompose-conv3d), the others as 2-D convs per depth tap."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def conv3d_reference(x, w, b, strides, pads, group):
    """NCDHW conv in float64; w [F, C / group, KD, KH, KW]; pads (d0, h0, w0, d1, h1, w1)."""
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pads[0], pads[3]), (pads[1], pads[4]),
                                       (pads[2], pads[5])))
    f, cg, kd, kh, kw = w.shape
    n = x.shape[0]
    out_dims = [(xp.shape[2 + i] - k) // strides[i] + 1 for i, k in enumerate((kd, kh, kw))]
    out = np.zeros((n, f) + tuple(out_dims))
    fg = f // group
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * fg:(g + 1) * fg].astype(np.float64)
        for a in range(kd):
            for i in range(kh):
                for j in range(kw):
                    patch = xs[:, :, a:a + strides[0] * (out_dims[0] - 1) + 1:strides[0],
                               i:i + strides[1] * (out_dims[1] - 1) + 1:strides[1],
                               j:j + strides[2] * (out_dims[2] - 1) + 1:strides[2]]
                    out[:, g * fg:(g + 1) * fg] += np.einsum("ncdhw,fc->nfdhw", patch,
                                                             ws[:, :, a, i, j])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None, None]
    return out


def conv_node(rng, name, x, c, f, k, strides, pads, group=1):
    w = (rng.standard_normal((f, c // group) + k) / np.sqrt(c * np.prod(k))).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    node = helper.make_node("Conv", [x, name + "_w", name + "_b"], [name], kernel_shape=list(k),
                            strides=list(strides), pads=list(pads), group=group)
    return node, [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")], w, b


# (layers: (C, F, kernel, strides, pads, group) chained), input NCDHW
CASES = {
    "full_3x3x3": ([(8, 16, (3, 3, 3), (1, 1, 1), (1, 1, 1, 1, 1, 1), 1)], (1, 8, 4, 7, 6)),
    "r2plus1d_pair": ([(16, 23, (1, 3, 3), (1, 2, 2), (0, 1, 1, 0, 1, 1), 1),
                       (23, 32, (3, 1, 1), (2, 1, 1), (1, 0, 0, 1, 0, 0), 1)], (1, 16, 8, 12, 10)),
    "grouped_temporal": ([(16, 16, (3, 1, 1), (1, 1, 1), (1, 0, 0, 1, 0, 0), 4)], (2, 16, 5, 4, 3)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("threads", [1, 2])
def test_conv3d_matches_reference(case, threads):
    layers, shape = CASES[case]
    rng = np.random.default_rng(len(case))
    nodes, inits, params, prev = [], [], [], "x"
    for i, (c, f, k, s, p, g) in enumerate(layers):
        node, init, w, b = conv_node(rng, f"c{i}", prev, c, f, k, s, p, g)
        nodes.append(node)
        inits += init
        params.append((w, b, s, p, g))
        prev = f"c{i}"
    graph = helper.make_graph(nodes, case, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info(prev, TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    x = rng.standard_normal(shape).astype(np.float32)
    ref = x
    for w, b, s, p, g in params:
        ref = conv3d_reference(ref, w, b, s, p, g)
    (y,) = kiln.compile(model, threads=threads).run([x])
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
