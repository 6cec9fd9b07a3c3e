# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "KILN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test", "lit")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%kiln_src", os.path.dirname(os.path.dirname(config.test_source_root))))
llvm_config.add_tool_substitutions(["kiln-opt", "kilnc"], [config.kiln_tools_dir])
