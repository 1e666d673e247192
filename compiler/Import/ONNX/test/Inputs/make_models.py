#!/usr/bin/env python3
"""Writes the small ONNX models of one test category into a folder.

Usage: make_models.py OUT_DIR CATEGORY
Each category lives in models_<category>.py and defines build() -> {name: ModelProto or bytes}.
Models are written as OUT_DIR/<name>.onnx (bytes are written as they are, for broken files).
"""
import importlib
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    out_dir, category = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    module = importlib.import_module("models_" + category)
    for name, model in module.build(out_dir).items():
        path = os.path.join(out_dir, name + ".onnx")
        data = model if isinstance(model, bytes) else model.SerializeToString()
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
