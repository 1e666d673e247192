# lit configuration for every FileCheck test of Kiln (*.mlir / *.test files under */test/).
import os
import lit.formats

config.name = "Kiln"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = config.kiln_src_root
config.test_exec_root = os.path.join(config.kiln_obj_root, "tests", "lit")
config.excludes = ["build", "build-sanitize", "Inputs", "docs", "bench", "scripts", "python", "runtime", ".git",
                   "CMakeLists.txt", "README.md", "kiln.lit.cfg.py", "lit.site.cfg.py.in"]

config.environment["PATH"] = os.pathsep.join(
    [os.path.join(config.kiln_obj_root, "bin"), config.llvm_tools_dir,
     config.environment.get("PATH", os.environ.get("PATH", ""))])
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%models", config.kiln_models_dir))
config.substitutions.append(("%kiln_src", config.kiln_src_root))
# ptxas (CUDA's PTX assembler) checks the cuda target's PTX where it is installed.
import shutil
_ptxas = shutil.which("ptxas") or ("/usr/local/cuda/bin/ptxas"
                                   if os.path.exists("/usr/local/cuda/bin/ptxas") else None)
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
