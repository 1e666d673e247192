#!/usr/bin/python3
"""int8 GEMM benchmark: Kiln's kiln.matmul_int8 (vpdpbusd) vs oneDNN's dnnl_gemm_u8s8s32, and
Kiln's fp32 matmul vs dnnl_sgemm, measured in one process (gemm_bench.cpp).

Writes two ONNX models (MatMulInteger of uint8 activations and constant int8 weights; the
float MatMul of the same shape), compiles them with kiln-compile, builds gemm_bench against
libkiln_runtime and -ldnnl, and runs it with one thread (oneDNN via OMP_NUM_THREADS).

    bench/int8/gemm.py [--build build] [--size 1024] [--repeats 30] [--threads 1]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write_models(folder, m, n, k, seed=0):
    rng = np.random.default_rng(seed)
    wq = rng.integers(-128, 128, (k, n), dtype=np.int8)
    wf = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    for name, dtype, w, op, out_type in (
            ("int8", TensorProto.UINT8, wq, "MatMulInteger", TensorProto.INT32),
            ("fp32", TensorProto.FLOAT, wf, "MatMul", TensorProto.FLOAT)):
        graph = helper.make_graph(
            [helper.make_node(op, ["a", "b"], ["c"])], f"gemm_{name}",
            [helper.make_tensor_value_info("a", dtype, [m, k])],
            [helper.make_tensor_value_info("c", out_type, [m, n])],
            [numpy_helper.from_array(w, "b")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        onnx.save(model, os.path.join(folder, f"gemm_{name}.onnx"))
    wq.tofile(os.path.join(folder, "w_i8.bin"))
    wf.tofile(os.path.join(folder, "w_f32.bin"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--size", type=int, nargs="+", default=[1024],
                   help="M N K (one value: all three)")
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    m, n, k = (args.size * 3)[:3] if len(args.size) == 1 else args.size
    with tempfile.TemporaryDirectory(prefix="kiln-int8-gemm-") as tmp:
        write_models(tmp, m, n, k)
        compile_ = os.path.join(args.build, "bin", "kiln-compile")
        for name in ("int8", "fp32"):
            subprocess.run([compile_, os.path.join(tmp, f"gemm_{name}.onnx"), "-o",
                            os.path.join(tmp, f"gemm_{name}.kiln"), "--quiet"], check=True)
        exe = os.path.join(tmp, "gemm_bench")
        subprocess.run(["c++", "-O2", "-std=c++17", os.path.join(HERE, "gemm_bench.cpp"),
                        "-I", os.path.join(ROOT, "runtime", "include"),
                        "-L", os.path.join(args.build, "lib"), "-lkiln_runtime", "-ldnnl",
                        "-Wl,-rpath," + os.path.join(args.build, "lib"), "-o", exe], check=True)
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                   KILN_THREADS=str(args.threads))
        r = subprocess.run([exe, os.path.join(tmp, "gemm_int8.kiln"),
                            os.path.join(tmp, "gemm_fp32.kiln"), os.path.join(tmp, "w_i8.bin"),
                            os.path.join(tmp, "w_f32.bin"), str(m), str(n), str(k),
                            str(args.repeats)], env=env)
        return r.returncode


if __name__ == "__main__":
    sys.exit(main())
