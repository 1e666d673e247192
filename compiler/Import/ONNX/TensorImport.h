//===- TensorImport.h - ONNX element types and TensorProto → MLIR constants -===//
#ifndef KILN_COMPILER_IMPORT_ONNX_TENSORIMPORT_H
#define KILN_COMPILER_IMPORT_ONNX_TENSORIMPORT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "onnx/onnx_pb.h"

#include <string>

namespace kiln::importer {
// The importer is written in MLIR's vocabulary (Value, Type, ArrayRef, ...).
using namespace mlir;

/// Maps an ONNX TensorProto::DataType to its builtin element type (float→f32, double→f64,
/// float16→f16, int64→i64, int32→i32, int8→i8, bool→i1); null for the types Kiln lacks.
Type convertElementType(MLIRContext *ctx, int32_t dataType);

/// The ONNX spelling of a data type ("float", "uint8", ...), for error messages.
std::string dataTypeName(int32_t dataType);

/// Builds the constant value of `tensor` from its raw_data, typed fields or external data file
/// (resolved inside `modelDir`; "" = external data not allowed). On failure, `error` says why
/// and names the tensor.
FailureOr<DenseElementsAttr> convertTensor(const onnx::TensorProto &tensor, MLIRContext *ctx,
                                           llvm::StringRef modelDir, std::string &error);

} // namespace kiln::importer

#endif // KILN_COMPILER_IMPORT_ONNX_TENSORIMPORT_H
