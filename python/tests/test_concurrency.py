"""One loaded model run from many Python threads at once, and several models in one process.

Module.run releases the GIL and takes an idle run context of the model (its own inputs, arena and
outputs), so concurrent runs must each return the outputs of their own inputs."""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import kiln
from conftest import MODELS_DIR, mlp_model


def reference(x, w, b):
    return np.maximum(x @ w + b, 0)


def _run_many(module, inputs, threads):
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda x: module.run([x])[0], inputs))


def test_one_module_many_threads_static_shapes():
    model, w, b = mlp_model(batch=16, features=64, hidden=32, seed=3)
    module = kiln.compile(model)
    rng = np.random.default_rng(7)
    inputs = [rng.standard_normal((16, 64)).astype(np.float32) for _ in range(64)]
    outputs = _run_many(module, inputs, threads=8)
    for x, y in zip(inputs, outputs):
        np.testing.assert_allclose(y, reference(x, w, b), rtol=1e-5, atol=1e-5)


def test_one_module_many_threads_dynamic_batch():
    model, w, b = mlp_model(features=32, hidden=16, seed=4, batch_dim="n")
    module = kiln.compile(model)
    rng = np.random.default_rng(8)
    # Each thread's own batch size: a shared plan or arena would mix shapes as well as values.
    inputs = [rng.standard_normal((1 + i % 9, 32)).astype(np.float32) for i in range(48)]
    outputs = _run_many(module, inputs, threads=6)
    for x, y in zip(inputs, outputs):
        assert y.shape == (x.shape[0], 16)
        np.testing.assert_allclose(y, reference(x, w, b), rtol=1e-5, atol=1e-5)


def test_several_modules_run_concurrently():
    built = [mlp_model(batch=4, features=16, hidden=8, seed=s) for s in range(3)]
    modules = [kiln.compile(m) for m, _, _ in built]
    rng = np.random.default_rng(9)
    jobs = [(k % 3, rng.standard_normal((4, 16)).astype(np.float32)) for k in range(60)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda job: modules[job[0]].run([job[1]])[0], jobs))
    for (k, x), y in zip(jobs, results):
        _, w, b = built[k]
        np.testing.assert_allclose(y, reference(x, w, b), rtol=1e-5, atol=1e-5)


def test_models_compile_concurrently():
    # kiln.compile releases the GIL: compiles from several threads at once, each with its own
    # MLIRContext and each generating code on several threads of it (ParallelBuild), must all
    # succeed and build the same code a lone compile builds. (Before 11b9fba two codegen
    # threads of one context raced on its dialect registry and ~MLIRContext crashed.)
    model = os.path.join(MODELS_DIR, "squeezenet1_1.onnx")
    x = np.random.default_rng(11).standard_normal((1, 3, 224, 224)).astype(np.float32)
    (expected,) = kiln.compile(model, threads=1).run([x])
    mlps = [mlp_model(batch=4, features=16, hidden=8, seed=s) for s in range(3)]
    jobs = [("squeezenet", None)] * 3 + [("mlp", k) for k in range(3)]

    def build(job):
        kind, k = job
        return kiln.compile(model if kind == "squeezenet" else mlps[k][0], threads=1)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        modules = list(pool.map(build, jobs))
    for (kind, k), module in zip(jobs, modules):
        if kind == "squeezenet":
            np.testing.assert_array_equal(module.run([x])[0], expected)
        else:
            _, w, b = mlps[k]
            xm = np.ones((4, 16), np.float32)
            np.testing.assert_allclose(module.run([xm])[0], reference(xm, w, b), rtol=1e-5,
                                       atol=1e-5)
