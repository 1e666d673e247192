#!/usr/bin/python3
"""The peer: times numpy's float32 N^3 matmul (its BLAS sgemm); prints JSON.

usage: numpy_gemm.py N REPEAT WARMUP. Run it with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
(run.py does) for one thread. Reports the BLAS library actually mapped into the process.
"""
import contextlib
import io
import json
import os
import statistics
import sys
import time

import numpy as np


def loaded_blas():
    """Paths of BLAS-like shared libraries mapped into this process, resolved."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path).lower()
            if any(k in name for k in ("blas", "mkl", "blis", "lapack", "atlas", "flexiblas")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def main():
    n, repeat, warmup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    c = np.empty((n, n), np.float32)
    for _ in range(warmup):
        np.matmul(a, b, out=c)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append((time.perf_counter() - t0) * 1e3)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        np.show_config()
    blas_cfg, section = [], None  # show_config's sections that are available
    for line in buf.getvalue().splitlines():
        if line and not line[0].isspace():
            section = line.strip()
        elif section and "NOT AVAILABLE" not in line and "libraries" in line:
            blas_cfg.append(f"{section} {line.strip()}")
    print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "times_ms": times,
                      "blas": loaded_blas(), "numpy": np.__version__,
                      "show_config": blas_cfg[:8]}))


if __name__ == "__main__":
    main()
