#!/usr/bin/python3
"""End-to-end check of one ONNX model: kiln-compile, kiln-run on the reference inputs, compare
every output with the reference outputs (rtol 1e-3, atol 1e-4 by default)."""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper


def load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return tensor.name, numpy_helper.to_array(tensor)


def run(cmd):
    start = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return proc, time.time() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--testdata", required=True, help="folder with input_N.pb / output_N.pb")
    ap.add_argument("--bin", required=True, help="folder with kiln-compile and kiln-run")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--target", default="cpu", help="kiln-compile --target (cpu, vulkan)")
    args = ap.parse_args()

    model = onnx.load(args.model, load_external_data=False)
    output_names = [o.name for o in model.graph.output]
    inputs = sorted(f for f in os.listdir(args.testdata) if f.startswith("input_"))
    refs = sorted(f for f in os.listdir(args.testdata) if f.startswith("output_"))
    with tempfile.TemporaryDirectory() as tmp:
        artifact = os.path.join(tmp, "model.kiln")
        _, compile_s = run([os.path.join(args.bin, "kiln-compile"), args.model, "-o", artifact,
                            "--quiet", "--target", args.target])
        cmd = [os.path.join(args.bin, "kiln-run"), artifact, "--output-dir", tmp,
               "--threads", str(args.threads)]
        for f in inputs:
            cmd += ["--input", os.path.join(args.testdata, f)]
        run(cmd)
        worst = 0.0
        for i, ref_file in enumerate(refs):
            _, expected = load_pb(os.path.join(args.testdata, ref_file))
            safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in output_names[i])
            _, got = load_pb(os.path.join(tmp, safe + ".pb"))
            if got.shape != expected.shape:
                sys.exit(f"FAILED: output {output_names[i]}: shape {got.shape} != {expected.shape}")
            err = np.abs(got.astype(np.float64) - expected.astype(np.float64))
            bound = args.atol + args.rtol * np.abs(expected.astype(np.float64))
            worst = max(worst, float(err.max()) if err.size else 0.0)
            # Outputs of tiny magnitude (e.g. untrained weights) would pass any absolute bound:
            # also bound the error relative to the output's own scale.
            scale = float(np.abs(expected).max()) if expected.size else 0.0
            if scale > 0 and err.max() > args.rtol * scale:
                sys.exit(f"FAILED: output {output_names[i]}: max abs error {err.max():.3g} "
                         f"exceeds {args.rtol} x the output scale {scale:.3g}")
            if not np.all(err <= bound):
                k = int(np.argmax(err - bound))
                sys.exit(f"FAILED: output {output_names[i]}: max abs error {err.max():.3g}, "
                         f"first violation at flat index {k}: got {got.flat[k]} "
                         f"expected {expected.flat[k]}")
    print(f"PASSED {os.path.basename(args.model)} ({args.target}): {len(refs)} outputs, max abs error "
          f"{worst:.3g}, compile {compile_s:.2f} s")


if __name__ == "__main__":
    main()
