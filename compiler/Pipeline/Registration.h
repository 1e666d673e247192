//===- Registration.h - every dialect, extension and pass Kiln uses -------===//
#ifndef KILN_COMPILER_PIPELINE_REGISTRATION_H
#define KILN_COMPILER_PIPELINE_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace kiln {
/// Adds the kiln dialect and every upstream dialect, interface model and translation the
/// compiler uses (the upstream external models are not registered by default).
void registerKilnDialects(mlir::DialectRegistry &registry);
/// Registers Kiln's passes and pipelines, and the upstream passes, for kiln-opt.
void registerKilnPasses();
} // namespace kiln

#endif
