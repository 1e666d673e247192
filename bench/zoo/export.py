#!/usr/bin/python3
"""Exports the zoo's torchvision and sequence models to bench/zoo/models/ with seeded inputs.

Random weights (torch.manual_seed per model; batch-norm statistics randomized too, so the
folded convolutions are not identities), eval mode, torch.onnx. Each model gets
models/<name>.onnx, seeded input .pb files per case (models/<name>/<case>/<input>.pb) and a
sidecar models/<name>.json that run.py reads. A model that fails to export gets a sidecar with
its error. Needs Debian's python3-torch / python3-torchvision (run with /usr/bin/python3).

  /usr/bin/python3 bench/zoo/export.py [--models a,b] [--force]
"""
import argparse
import os
import sys
import traceback
import zlib

import numpy as np

import zoolib

zoolib.ensure_debs("python3-torch", "python3-torchvision")  # before their imports
import torch  # noqa: E402
import torchvision  # noqa: E402
from torchvision import models as tv  # noqa: E402
from torchvision.models import detection, segmentation as seg, video  # noqa: E402

import seq_models  # noqa: E402

IMAGE = [1, 3, 224, 224]
CLASSIFIERS = {  # name: (builder, opset); opsets vary over 13-17 as exporters in the wild do
    "mobilenet_v3_large": (tv.mobilenet_v3_large, 14),
    "mobilenet_v3_small": (tv.mobilenet_v3_small, 14),
    "efficientnet_b0": (tv.efficientnet_b0, 14),
    "shufflenet_v2_x1_0": (tv.shufflenet_v2_x1_0, 13),
    "regnet_y_400mf": (tv.regnet_y_400mf, 14),
    "mnasnet1_0": (tv.mnasnet1_0, 13),
    "googlenet": (lambda: tv.googlenet(aux_logits=False, init_weights=True), 14),
    "convnext_tiny": (tv.convnext_tiny, 17),
    "vit_b_16": (tv.vit_b_16, 17),
    "swin_t": (tv.swin_t, 17),
    "resnext50_32x4d": (tv.resnext50_32x4d, 14),
    "resnet50": (tv.resnet50, 13),
    "densenet121": (tv.densenet121, 13),
}
SEG_SIZE, FCN_SIZE = 520, 320  # fcn_resnet50 (output stride 8) at 520 runs seconds per image


def seg_model(build, **kw):
    """A segmentation model returning only its 'out' map (no dict output, no aux head)."""
    class Out(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = build(weights=None, weights_backbone=None, **kw)

        def forward(self, x):
            return self.net(x)["out"]
    return Out()


def spec(build, opset, inputs, dynamic=None, cases=None, source=""):
    """inputs: {name: (shape, kind)}; cases: [(label, {name: shape})] for symbolic dims."""
    cases = cases or [("", {n: shape for n, (shape, _) in inputs.items()})]
    return dict(build=build, opset=opset, inputs=inputs, dynamic=dynamic or {},
                cases=cases, source=source)


def all_specs():
    tvv = f"torchvision {torchvision.__version__}"
    specs = {n: spec(b, o, {"input": (IMAGE, "image")}, source=f"{tvv} {n}")
             for n, (b, o) in CLASSIFIERS.items()}
    for name, build, size in (
            ("deeplabv3_mobilenet_v3_large",
             lambda: seg_model(seg.deeplabv3_mobilenet_v3_large, aux_loss=False), SEG_SIZE),
            ("lraspp_mobilenet_v3_large", lambda: seg_model(seg.lraspp_mobilenet_v3_large),
             SEG_SIZE),
            ("fcn_resnet50", lambda: seg_model(seg.fcn_resnet50, aux_loss=False), FCN_SIZE)):
        specs[name] = spec(build, 14, {"input": ([1, 3, size, size], "image")},
                           source=f"{tvv} {name} ('out' map only)")
    specs["r3d_18"] = spec(video.r3d_18, 14, {"input": ([1, 3, 16, 112, 112], "image")},
                           source=f"{tvv} video r3d_18 (3-D convs)")
    specs.update(seq_specs())
    specs["mobilenet_v3_small_dynhw"] = spec(
        tv.mobilenet_v3_small, 14, {"input": ([1, 3, 224, 224], "image")},
        dynamic={"input": {2: "H", 3: "W"}},
        cases=[(f"{h}x{w}", {"input": [1, 3, h, w]})
               for h, w in ((224, 224), (160, 160), (320, 240))],
        source=f"{tvv} mobilenet_v3_small, symbolic H and W")
    return specs


def dynhw(build, opset, sizes, batch=False, source=""):
    """An image model with symbolic H and W (and batch): one case per (n, h, w) of `sizes`."""
    dims = {0: "N", 2: "H", 3: "W"} if batch else {2: "H", 3: "W"}
    n, h, w = sizes[0]
    return spec(build, opset, {"input": ([n, 3, h, w], "image")}, dynamic={"input": dims},
                cases=[(f"{n}x{h}x{w}" if batch else f"{h}x{w}", {"input": [n, 3, h, w]})
                       for n, h, w in sizes],
                source=source + (", symbolic N, H and W" if batch else ", symbolic H and W"))


class Detections(torch.nn.Module):
    """A torchvision detector returning (boxes, scores, labels) of its one image."""
    def __init__(self, build):
        super().__init__()
        self.net = build(weights=None, weights_backbone=None)

    def forward(self, x):
        out = self.net(x)[0]
        return out["boxes"], out["scores"], out["labels"]


def extra_specs():
    """More architectures, exported only when named (`--models`) or with `--extra`: symbolic
    image dims on several families, other blocks (asymmetric convs, (2+1)-D and separable 3-D
    convs, MaxViT), a detector with its box decoding and NMS."""
    tvv = f"torchvision {torchvision.__version__}"
    out = {
        "resnet18_dynbhw": dynhw(tv.resnet18, 13, [(1, 224, 224), (2, 192, 256)], batch=True,
                                 source=f"{tvv} resnet18"),
        "mobilenet_v2_dynhw": dynhw(tv.mobilenet_v2, 13, [(1, 224, 224), (1, 300, 200)],
                                    source=f"{tvv} mobilenet_v2"),
        "convnext_tiny_dynhw": dynhw(tv.convnext_tiny, 17, [(1, 224, 224), (1, 160, 192)],
                                     source=f"{tvv} convnext_tiny"),
        "efficientnet_b3_dynhw": dynhw(tv.efficientnet_b3, 15, [(1, 300, 300), (1, 256, 320)],
                                       source=f"{tvv} efficientnet_b3"),
        "shufflenet_v2_x0_5_dynhw": dynhw(tv.shufflenet_v2_x0_5, 13,
                                          [(1, 224, 224), (1, 320, 240)],
                                          source=f"{tvv} shufflenet_v2_x0_5"),
        "squeezenet1_0_dynhw": dynhw(tv.squeezenet1_0, 13, [(1, 224, 224), (1, 256, 288)],
                                     source=f"{tvv} squeezenet1_0"),
        "inception_v3": spec(lambda: tv.inception_v3(aux_logits=False, init_weights=True), 13,
                             {"input": ([1, 3, 299, 299], "image")},
                             source=f"{tvv} inception_v3 (1x7/7x1 convs)"),
        "efficientnet_v2_s": spec(tv.efficientnet_v2_s, 16, {"input": (IMAGE, "image")},
                                  source=f"{tvv} efficientnet_v2_s (fused MBConv)"),
        "regnet_x_400mf": spec(tv.regnet_x_400mf, 15, {"input": (IMAGE, "image")},
                               source=f"{tvv} regnet_x_400mf (grouped convs)"),
        "alexnet": spec(tv.alexnet, 13, {"input": (IMAGE, "image")}, source=f"{tvv} alexnet"),
        "vit_b_32": spec(tv.vit_b_32, 17, {"input": (IMAGE, "image")}, source=f"{tvv} vit_b_32"),
        "maxvit_t": spec(tv.maxvit_t, 17, {"input": (IMAGE, "image")}, source=f"{tvv} maxvit_t"),
        "r2plus1d_18": spec(video.r2plus1d_18, 14, {"input": ([1, 3, 8, 112, 112], "image")},
                            source=f"{tvv} video r2plus1d_18 ((2+1)-D convs)"),
        "s3d": spec(video.s3d, 14, {"input": ([1, 3, 16, 224, 224], "image")},
                    source=f"{tvv} video s3d (separable 3-D convs)"),
        "ssdlite320_mobilenet_v3_large": spec(
            lambda: Detections(detection.ssdlite320_mobilenet_v3_large), 14,
            {"input": ([1, 3, 320, 320], "image")},
            source=f"{tvv} ssdlite320_mobilenet_v3_large (box decoding, NMS)"),
    }
    return out


def seq_specs():
    gpt = "GPT-style decoder: 2 blocks, d 256, 4 heads, causal mask, tanh GELU, vocab 4096"
    tag = "2-layer {} (hidden 256) over [1,T,80] features + linear head (40 classes)"
    out = {
        "gpt_decoder": spec(seq_models.GPT, 17, {"tokens": ([1, 128], "tokens")}, source=gpt),
        "gpt_decoder_dynseq": spec(
            seq_models.GPT, 17, {"tokens": ([1, 128], "tokens")},
            dynamic={"tokens": {1: "T"}},
            cases=[(f"T{t}", {"tokens": [1, t]}) for t in (32, 128, 256)],
            source=gpt + ", symbolic sequence length"),
    }
    for cell in ("lstm", "gru"):
        build = lambda cell=cell: seq_models.Tagger(cell)
        out[f"{cell}_tagger"] = spec(build, 14, {"frames": ([1, 200, 80], "frames")},
                                     source=tag.format(cell.upper()))
    out["lstm_tagger_dynT"] = spec(
        lambda: seq_models.Tagger("lstm"), 14, {"frames": ([1, 200, 80], "frames")},
        dynamic={"frames": {1: "T"}},
        cases=[(f"T{t}", {"frames": [1, t, 80]}) for t in (50, 200, 500)],
        source=tag.format("LSTM") + ", symbolic T")
    return out


def randomize_batchnorm(model):
    """Seeded, non-trivial running statistics and affine parameters for every batch norm."""
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)


def make_input(name, label, input_name, shape, kind):
    rng = np.random.default_rng(zlib.crc32(f"{name}/{label}/{input_name}".encode()))
    if kind == "tokens":
        return rng.integers(0, 4096, size=shape, dtype=np.int64)
    return rng.standard_normal(shape).astype(np.float32)  # normalized images, features


def export_one(name, s, path):
    torch.manual_seed(0)
    model = s["build"]()
    randomize_batchnorm(model)
    model.eval()
    first = s["cases"][0][1]
    dummy = tuple(torch.from_numpy(make_input(name, "", n, first[n], kind))
                  for n, (_, kind) in s["inputs"].items())
    # Not under torch.no_grad(): that would take nn.MultiheadAttention's fused fast path
    # (aten::_native_multi_head_attention), which torch 1.13 cannot export (vit_b_16).
    torch.onnx.export(model, dummy, path, opset_version=s["opset"],
                      input_names=list(s["inputs"]), output_names=["output"],
                      dynamic_axes=s["dynamic"] or None, do_constant_folding=True)


def export_model(name, s, force):
    path = os.path.join(zoolib.MODELS, name + ".onnx")
    sidecar = dict(name=name, onnx_file=name + ".onnx", opset=s["opset"],
                   source=s["source"] + f", random weights (seed 0), opset {s['opset']}")
    desc = ", ".join(f"{n} {kind} {shape}" for n, (shape, kind) in s["inputs"].items())
    try:
        if force or not os.path.exists(path):
            print(f"[export] {name}", file=sys.stderr, flush=True)
            export_one(name, s, path)
    except Exception as e:  # recorded in the sidecar: run.py shows it as the model's row
        traceback.print_exc()
        err = f"export failed: {type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
        return zoolib.write_sidecar(name, None, sidecar["source"], desc, [], error=err)
    cases = [zoolib.save_case(name, label, {
        n: make_input(name, label, n, shapes[n], s["inputs"][n][1]) for n in shapes})
        for label, shapes in s["cases"]]
    return zoolib.write_sidecar(name, sidecar["onnx_file"], sidecar["source"], desc, cases,
                                opset=s["opset"], dynamic=s["dynamic"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="", help="comma-separated (default: all)")
    p.add_argument("--force", action="store_true", help="re-export existing .onnx files")
    p.add_argument("--extra", action="store_true",
                   help="also the architectures of extra_specs (exported only when asked)")
    args = p.parse_args()
    os.makedirs(zoolib.MODELS, exist_ok=True)
    specs, extra = all_specs(), extra_specs()
    wanted = [m for m in args.models.split(",") if m] or \
        list(specs) + (list(extra) if args.extra else [])
    specs.update(extra)
    unknown = [m for m in wanted if m not in specs]
    if unknown:
        sys.exit(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(specs)}")
    for name in wanted:
        meta = export_model(name, specs[name], args.force)
        print(f"{name}: {meta.get('error') or 'ok'}")


if __name__ == "__main__":
    main()
