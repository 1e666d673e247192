#!/usr/bin/python3
"""Splits a Kiln artifact's weights.bin so that a large model fits the device machine's carry
limit (64 MiB), and rebuilds it there.

  weights_split.py split ARTIFACT      weights.bin -> weights.keep.bin + weights.fill.json
  weights_split.py fill ARTIFACT       weights.keep.bin + weights.fill.json -> weights.bin

`split` keeps every weight value's bytes except those of float32 values of at least
MIN_ELEMENTS elements (convolution filters, matmul weights), which `fill` regenerates as seeded
N(0, 0.02) numbers. Only for timing: the outputs of a filled artifact are those of a model with
random weights, never compared with a reference. Needs only numpy (the device image has no
Debian packages).
"""
import json
import os
import sys

import numpy as np

MIN_ELEMENTS = 4096


def fill_ranges(manifest):
    ranges = []
    for v in manifest["values"]:
        if v["storage"] == "weights" and v["dtype"] == "float32" and v["bytes"] >= 4 * MIN_ELEMENTS:
            ranges.append((v["offset"], v["bytes"]))
    ranges.sort()
    merged = []
    for offset, size in ranges:
        if merged and offset < merged[-1][0] + merged[-1][1]:
            continue  # a view of bytes already listed
        merged.append((offset, size))
    return merged


def split(artifact):
    manifest = json.load(open(os.path.join(artifact, "manifest.json")))
    path = os.path.join(artifact, "weights.bin")
    data = np.fromfile(path, dtype=np.uint8)
    if data.size != manifest["weights_bytes"]:
        sys.exit(f"{path}: {data.size} bytes, the manifest says {manifest['weights_bytes']}")
    ranges = fill_ranges(manifest)
    keep, at = [], 0
    for offset, size in ranges:
        keep.append(data[at:offset])
        at = offset + size
    keep.append(data[at:])
    np.concatenate(keep).tofile(os.path.join(artifact, "weights.keep.bin"))
    json.dump({"weights_bytes": int(data.size), "fill": ranges},
              open(os.path.join(artifact, "weights.fill.json"), "w"))
    os.remove(path)
    filled = sum(size for _, size in ranges)
    print(f"{artifact}: {filled / 2**20:.1f} MiB of float weights to fill on the device, "
          f"{(data.size - filled) / 2**20:.2f} MiB kept")


def fill(artifact):
    spec = json.load(open(os.path.join(artifact, "weights.fill.json")))
    keep = np.fromfile(os.path.join(artifact, "weights.keep.bin"), dtype=np.uint8)
    out = np.empty(spec["weights_bytes"], dtype=np.uint8)
    rng = np.random.default_rng(0)
    at = kept = 0
    for offset, size in spec["fill"]:
        out[at:offset] = keep[kept:kept + offset - at]
        kept += offset - at
        out[offset:offset + size] = (
            rng.standard_normal(size // 4, dtype=np.float32) * 0.02).view(np.uint8)
        at = offset + size
    out[at:] = keep[kept:]
    if kept + out.size - at != keep.size:
        sys.exit(f"{artifact}: weights.keep.bin does not match weights.fill.json")
    out.tofile(os.path.join(artifact, "weights.bin"))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("split", "fill"):
        sys.exit(__doc__)
    (split if sys.argv[1] == "split" else fill)(sys.argv[2])
