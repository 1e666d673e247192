#!/usr/bin/python3
"""Runs spirv-val (Vulkan 1.1 environment) on every .spv under a folder; prints how many are
valid, fails naming the first invalid one (or when there are none)."""
import pathlib
import subprocess
import sys

shaders = sorted(pathlib.Path(sys.argv[1]).rglob("*.spv"))
if not shaders:
    sys.exit(f"no .spv files under {sys.argv[1]}")
for spv in shaders:
    proc = subprocess.run(["spirv-val", "--target-env", "vulkan1.1", str(spv)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"spirv-val rejects {spv}:\n{proc.stdout}{proc.stderr}")
print(f"{len(shaders)} shaders valid")
