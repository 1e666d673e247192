# Sanitizer and fuzzing builds (scripts/test.sh --sanitize, scripts/fuzz.sh).
#   KILN_SANITIZE=ON  every C/C++ target with AddressSanitizer + UndefinedBehaviorSanitizer,
#                     any report fatal (-fno-sanitize-recover).
#   KILN_FUZZ=ON      also coverage for libFuzzer, and the fuzz targets of tests/fuzz (clang only).
# Kernels that kiln-compile emits are not instrumented: they are LLVM's output, not Kiln's C++.
option(KILN_SANITIZE "Build with ASan + UBSan" OFF)
option(KILN_FUZZ "Build the libFuzzer targets (implies KILN_SANITIZE)" OFF)

if(KILN_FUZZ)
  set(KILN_SANITIZE ON CACHE BOOL "" FORCE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KILN_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
endif()

if(KILN_SANITIZE)
  # -O1 keeps sanitized builds quick to compile and still fast enough to test with.
  set(_kiln_sanitize_flags
    "-O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all")
  if(KILN_FUZZ)
    string(APPEND _kiln_sanitize_flags " -fsanitize=fuzzer-no-link")
  endif()
  string(APPEND CMAKE_C_FLAGS " ${_kiln_sanitize_flags}")
  string(APPEND CMAKE_CXX_FLAGS " ${_kiln_sanitize_flags}")
  foreach(kind EXE SHARED MODULE)
    string(APPEND CMAKE_${kind}_LINKER_FLAGS " -fsanitize=address,undefined")
  endforeach()
endif()
