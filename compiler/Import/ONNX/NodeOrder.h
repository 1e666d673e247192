//===- NodeOrder.h - the order in which a graph's nodes are imported ------===//
#ifndef KILN_IMPORT_ONNX_NODEORDER_H
#define KILN_IMPORT_ONNX_NODEORDER_H

#include "onnx/onnx_pb.h"

#include <vector>

namespace kiln::importer {
/// The indices of `graph`'s nodes with every node after the nodes producing its inputs
/// (including names its subgraphs read from this graph). ONNX requires the file order to be
/// topological, but exporters ship files that are not (onnxruntime accepts them): the file
/// order is kept wherever it is valid. Nodes in a cycle, or reading names nothing produces,
/// keep their file order at the end (their import then fails naming the input).
std::vector<int> topologicalNodeOrder(const onnx::GraphProto &graph);
} // namespace kiln::importer

#endif
