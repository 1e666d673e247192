//===- NodeOrder.cpp - the order in which a graph's nodes are imported ----===//
#include "compiler/Import/ONNX/NodeOrder.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <functional>
#include <queue>

namespace kiln::importer {
namespace {
/// Names a node reads: its inputs and, recursively, what its subgraphs read that they do
/// not define themselves.
void readNames(const onnx::NodeProto &node, llvm::StringSet<> &out);

void subgraphReads(const onnx::GraphProto &g, llvm::StringSet<> &out) {
  llvm::StringSet<> defined, read;
  for (const auto &i : g.input())
    defined.insert(i.name());
  for (const auto &t : g.initializer())
    defined.insert(t.name());
  for (const auto &n : g.node()) {
    readNames(n, read);
    for (const std::string &o : n.output())
      defined.insert(o);
  }
  for (const auto &o : g.output())
    read.insert(o.name());
  for (const auto &entry : read)
    if (!defined.contains(entry.getKey()))
      out.insert(entry.getKey());
}

void readNames(const onnx::NodeProto &node, llvm::StringSet<> &out) {
  for (const std::string &i : node.input())
    if (!i.empty())
      out.insert(i);
  for (const onnx::AttributeProto &a : node.attribute()) {
    if (a.has_g())
      subgraphReads(a.g(), out);
    for (const onnx::GraphProto &g : a.graphs())
      subgraphReads(g, out);
  }
}

bool isSorted(const onnx::GraphProto &graph) {
  llvm::StringSet<> produced;
  for (const auto &n : graph.node())
    for (const std::string &o : n.output())
      produced.insert(o);
  llvm::StringSet<> seen;
  for (const auto &n : graph.node()) {
    for (const std::string &i : n.input())
      if (!i.empty() && produced.contains(i) && !seen.contains(i))
        return false;
    for (const std::string &o : n.output())
      seen.insert(o);
  }
  return true; // (subgraph reads are checked only when the explicit inputs are out of order)
}
} // namespace

std::vector<int> topologicalNodeOrder(const onnx::GraphProto &graph) {
  int n = graph.node_size();
  std::vector<int> order;
  if (isSorted(graph)) {
    for (int i = 0; i < n; ++i)
      order.push_back(i);
    return order;
  }
  llvm::StringMap<int> producer;
  for (int i = 0; i < n; ++i)
    for (const std::string &o : graph.node(i).output())
      if (!o.empty())
        producer.try_emplace(o, i);
  std::vector<std::vector<int>> users(n);
  std::vector<int> pending(n, 0);
  for (int i = 0; i < n; ++i) {
    llvm::StringSet<> reads;
    readNames(graph.node(i), reads);
    for (const auto &r : reads) {
      auto it = producer.find(r.getKey());
      if (it == producer.end() || it->second == i)
        continue;
      users[it->second].push_back(i);
      ++pending[i];
    }
  }
  // Ready nodes in file order (a min-heap of indices).
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i)
    if (pending[i] == 0)
      ready.push(i);
  std::vector<bool> done(n, false);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    done[i] = true;
    for (int u : users[i])
      if (--pending[u] == 0)
        ready.push(u);
  }
  for (int i = 0; i < n; ++i)
    if (!done[i])
      order.push_back(i);
  return order;
}
} // namespace kiln::importer
