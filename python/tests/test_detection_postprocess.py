"""Detection post-processing whose sizes follow computed values: NonMaxSuppression (checked
against a reference of onnxruntime's greedy rule), and the torchvision pattern around it: an If
whose branches differ in shape (no boxes: an empty result), NonZero of a score mask and TopK
of the survivors. One artifact runs every size."""
import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln


def _model(nodes, inputs, outputs, opset=13):
    graph = helper.make_graph(nodes, "detection", inputs, outputs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _corners(box, centered):
    if centered:
        xc, yc, w, h = box
        return yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2
    y1, x1, y2, x2 = box
    return min(y1, y2), min(x1, x2), max(y1, y2), max(x1, x2)


def _suppresses(a, b, threshold, centered):
    ay0, ax0, ay1, ax1 = _corners(a, centered)
    by0, bx0, by1, bx1 = _corners(b, centered)
    overlap = max(min(ax1, bx1) - max(ax0, bx0), 0) * max(min(ay1, by1) - max(ay0, by0), 0)
    area_a, area_b = (ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0)
    union = area_a + area_b - overlap
    if overlap <= 0 or area_a <= 0 or area_b <= 0 or union <= 0:
        return False
    return overlap / union > np.float32(threshold)  # float32 compares, as the model's


def reference_nms(boxes, scores, max_per_class, iou, score_threshold, centered):
    """onnxruntime's rule: per batch and class, candidates above the threshold by score
    (ties: lower index), each kept unless a kept box suppresses it."""
    rows = []
    batches, classes, count = scores.shape
    for b in range(batches):
        for c in range(classes):
            s = scores[b, c]
            order = sorted((n for n in range(count) if s[n] > np.float32(score_threshold)),
                           key=lambda n: (-s[n], n))
            kept = []
            for n in order:
                if len(kept) >= max_per_class:
                    break
                if not any(_suppresses(boxes[b, k], boxes[b, n], iou, centered) for k in kept):
                    kept.append(n)
            rows += [[b, c, n] for n in kept]
    return np.array(rows, np.int64).reshape(-1, 3)


def _nms_model(centered):
    node = helper.make_node("NonMaxSuppression", ["boxes", "scores", "m", "iou", "st"], ["sel"],
                            center_point_box=centered, name="nms")
    return _model([node],
                  [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [2, "N", 4]),
                   helper.make_tensor_value_info("scores", TensorProto.FLOAT, [2, 3, "N"]),
                   helper.make_tensor_value_info("m", TensorProto.INT64, [1]),
                   helper.make_tensor_value_info("iou", TensorProto.FLOAT, [1]),
                   helper.make_tensor_value_info("st", TensorProto.FLOAT, [1])],
                  [helper.make_tensor_value_info("sel", TensorProto.INT64, None)], opset=11)


@pytest.mark.parametrize("centered", [0, 1])
def test_non_max_suppression_matches_the_greedy_rule(centered):
    module = kiln.compile(_nms_model(centered), cpu="x86-64-v3", threads=1)
    rng = np.random.default_rng(centered)
    cases = [(50, 3, 0.5, 0.2), (200, 10, 0.3, 0.0), (7, 0, 0.5, 0.5), (1, 100, 0.0, 0.9),
             (120, 1000, 0.4, 0.3), (64, 5, 0.6, -1.0), (0, 4, 0.5, 0.0)]
    for count, max_per_class, iou, score_threshold in cases:
        xy = rng.uniform(0, 10, (2, count, 2))
        wh = rng.uniform(0.5, 4, (2, count, 2))
        boxes = np.concatenate([xy, wh] if centered else [xy, xy + wh], -1).astype(np.float32)
        if not centered and count % 2:
            boxes = boxes[..., [2, 3, 0, 1]]  # the other pair of corners
        scores = rng.choice(np.linspace(0, 1, 11), (2, 3, count)).astype(np.float32)  # ties
        args = [boxes, scores, np.array([max_per_class], np.int64),
                np.array([iou], np.float32), np.array([score_threshold], np.float32)]
        (selected,) = module.run(args)
        expected = reference_nms(boxes, scores, max_per_class, iou, score_threshold, centered)
        np.testing.assert_array_equal(selected, expected, err_msg=f"case {count} boxes")


def _postprocess_model():
    """torchvision's detector tail: keep scores above 0.3 (NonZero + GatherND), at most 4 of
    them (TopK by min(4, count)), NMS on those, and an If that gives an empty result when no
    box is left (its branches differ in shape)."""
    c = lambda name, dtype, dims, values: helper.make_node(
        "Constant", [], [name], value=helper.make_tensor(name, dtype, dims, values))
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    then_graph = helper.make_graph([c("empty", i64, [0], [])], "none", [],
                                   [helper.make_tensor_value_info("empty", i64, [0])])
    nms = [helper.make_node("Unsqueeze", ["top_boxes", "ax0"], ["b3"]),
           helper.make_node("Unsqueeze", ["top_scores", "ax0"], ["s2"]),
           helper.make_node("Unsqueeze", ["s2", "ax0"], ["s3"]),
           helper.make_node("NonMaxSuppression", ["b3", "s3", "max_out", "iou"], ["sel"],
                            name="nms"),
           helper.make_node("Gather", ["sel", "two"], ["keep2"], axis=1),
           helper.make_node("Squeeze", ["keep2", "ax1"], ["keep"])]
    else_graph = helper.make_graph(
        nms, "some", [], [helper.make_tensor_value_info("keep", i64, ["K"])])
    nodes = [c("thr", f32, [], [0.3]), c("four", i64, [1], [4]), c("ax0", i64, [1], [0]),
             c("ax1", i64, [1], [1]), c("two", i64, [1], [2]), c("max_out", i64, [1], [100]),
             c("iou", f32, [1], [0.5]), c("zero", i64, [], [0]),
             helper.make_node("Greater", ["scores", "thr"], ["mask"]),
             helper.make_node("NonZero", ["mask"], ["nz"]),
             helper.make_node("Transpose", ["nz"], ["where"], perm=[1, 0]),
             helper.make_node("GatherND", ["scores", "where"], ["kept_scores"]),
             helper.make_node("Squeeze", ["where", "ax1"], ["kept_index"]),
             helper.make_node("Shape", ["kept_scores"], ["n"]),
             helper.make_node("Concat", ["n", "four"], ["both"], axis=0),
             helper.make_node("ReduceMin", ["both"], ["k"], keepdims=1),
             helper.make_node("TopK", ["kept_scores", "k"], ["top_scores", "top_pos"]),
             helper.make_node("Gather", ["kept_index", "top_pos"], ["top_index"]),
             helper.make_node("Gather", ["boxes", "top_index"], ["top_boxes"], axis=0),
             helper.make_node("Shape", ["top_scores"], ["tn"]),
             helper.make_node("ReduceProd", ["tn"], ["tcount"], keepdims=0),
             helper.make_node("Equal", ["tcount", "zero"], ["no_boxes"]),
             helper.make_node("If", ["no_boxes"], ["picked"], name="if_none",
                              then_branch=then_graph, else_branch=else_graph),
             helper.make_node("Gather", ["top_index", "picked"], ["detections"])]
    return _model(nodes, [helper.make_tensor_value_info("boxes", f32, [6, 4]),
                          helper.make_tensor_value_info("scores", f32, [6])],
                  [helper.make_tensor_value_info("detections", i64, None)])


def _reference_postprocess(boxes, scores):
    kept = np.flatnonzero(scores > 0.3)
    top = kept[np.argsort(-scores[kept], kind="stable")][:4]
    if len(top) == 0:
        return top.astype(np.int64)
    picked = reference_nms(boxes[None, top], scores[None, None, top], 100, 0.5, -np.inf, False)
    return top[picked[:, 2]].astype(np.int64)


def test_detector_tail_with_empty_and_partial_results():
    module = kiln.compile(_postprocess_model(), cpu="x86-64-v3", threads=1)
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 9, 9],
                      [50, 50, 60, 60], [21, 21, 31, 31]], np.float32)
    for scores in ([0.9, 0.8, 0.7, 0.1, 0.6, 0.5], [0.1, 0.2, 0.0, 0.1, 0.2, 0.3],
                   [0.1, 0.2, 0.0, 0.1, 0.35, 0.3], [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]):
        scores = np.array(scores, np.float32)
        (detections,) = module.run([boxes, scores])
        np.testing.assert_array_equal(detections, _reference_postprocess(boxes, scores),
                                      err_msg=str(scores))
