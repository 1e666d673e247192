//===- TensorBytes.h - the bytes a tensor type needs, checked against any machine ===//
#ifndef KILN_DIALECT_GRAPH_TENSORBYTES_H
#define KILN_DIALECT_GRAPH_TENSORBYTES_H

#include "mlir/IR/BuiltinTypes.h"

#include <cstdint>
#include <optional>
#include <string>

namespace kiln {
/// The user address space of an x86-64 process: no tensor larger than this can be held.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 47;

/// The bytes of `type`'s elements as the runtime stores them (bools one byte each; dynamic dims
/// count as 1), or nullopt when they exceed `limit` (or overflow 64 bits).
std::optional<uint64_t> addressableBytes(mlir::RankedTensorType type,
                                         uint64_t limit = kMaxTensorBytes);

/// `bytes` for people: "128 TiB", "16 GiB", "1536 bytes".
std::string formatBytes(uint64_t bytes);
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_TENSORBYTES_H
