# Finds Debian's LLVM/MLIR 19 and sets up tablegen + the monolithic libraries.
find_package(MLIR REQUIRED CONFIG HINTS /usr/lib/llvm-19/lib/cmake/mlir)
message(STATUS "Using MLIR ${MLIR_DIR} / LLVM ${LLVM_PACKAGE_VERSION}")
list(APPEND CMAKE_MODULE_PATH ${MLIR_CMAKE_DIR} ${LLVM_CMAKE_DIR})
include(TableGen)
include(AddLLVM)
include(AddMLIR)

include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
add_definitions(${LLVM_DEFINITIONS})
# Debian's LLVM: RTTI on, exceptions off.
set(KILN_MLIR_FLAGS -fno-exceptions)

# Generated headers of every dialect/pass land under build/include.
include_directories(${CMAKE_SOURCE_DIR}/dialects/Graph/include ${CMAKE_BINARY_DIR}/dialects/Graph/include
                    ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})

# One place for the libraries every compiler target links: the monolithic shared
# libMLIR / libLLVM (link in ~1 s; never mix with the static libMLIR*.a).
set(KILN_MLIR_LIBS MLIR LLVM)

# kiln_add_compiler_library(<name> <sources...> [LINK libs...])
function(kiln_add_compiler_library name)
  cmake_parse_arguments(ARG "" "" "LINK;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  target_compile_options(${name} PRIVATE ${KILN_MLIR_FLAGS})
  target_link_libraries(${name} PUBLIC ${ARG_LINK} ${KILN_MLIR_LIBS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
endfunction()
