//===- ONNXImporterTest.cpp - API-level tests of the ONNX importer --------===//
//
// What the lit tests cannot see through kiln-compile: locations, import from bytes, converter
// lookup by opset, and the five reference models importing with fully static shapes.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ONNXImporter.h"
#include "compiler/Import/ONNX/ConverterRegistry.h"

#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "onnx/onnx_pb.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {
using namespace mlir;

/// A model `y = Relu(Neg(x))` with x: float[2, 3]; the Relu node is named "act".
onnx::ModelProto reluModel(int64_t opset = 13) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("unit-test");
  auto *id = model.add_opset_import();
  id->set_domain("");
  id->set_version(opset);
  onnx::GraphProto *g = model.mutable_graph();
  auto *x = g->add_input();
  x->set_name("x");
  auto *tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_value(2);
  tt->mutable_shape()->add_dim()->set_dim_value(3);
  auto *neg = g->add_node();
  neg->set_op_type("Neg");
  neg->add_input("x");
  neg->add_output("n");
  auto *relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("act");
  relu->add_input("n");
  relu->add_output("y");
  g->add_output()->set_name("y");
  return model;
}

/// Collects error messages instead of printing them.
struct Errors {
  explicit Errors(MLIRContext &ctx)
      : handler(&ctx, [this](Diagnostic &d) {
          messages.push_back(d.str());
          return success();
        }) {}
  ScopedDiagnosticHandler handler;
  std::vector<std::string> messages;
};

FailureOr<OwningOpRef<ModuleOp>> importModel(MLIRContext &ctx, const onnx::ModelProto &model,
                                             llvm::StringRef dir = "") {
  return kiln::importONNXBytes(ctx, model.SerializeAsString(), dir, "unit.onnx");
}

TEST(ONNXImporter, NodeLocationsNameTheNodeAndFile) {
  MLIRContext ctx;
  auto module = importModel(ctx, reluModel());
  ASSERT_TRUE(succeeded(module));
  auto func = (*module)->lookupSymbol<func::FuncOp>("main");
  ASSERT_TRUE(func);
  std::vector<std::string> names;
  func.walk([&](Operation *op) {
    if (auto loc = dyn_cast<NameLoc>(op->getLoc())) {
      names.push_back(loc.getName().str());
      auto file = dyn_cast<FileLineColLoc>(loc.getChildLoc());
      ASSERT_TRUE(file);
      EXPECT_EQ(file.getFilename().str(), "unit.onnx");
    }
  });
  // An unnamed node is named <op_type>_<index>.
  EXPECT_EQ(names, (std::vector<std::string>{"Neg_0", "act"}));
}

TEST(ONNXImporter, ExternalDataNeedsAFolder) {
  MLIRContext ctx;
  onnx::ModelProto model = reluModel();
  auto *w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(1);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto *entry = w->add_external_data();
  entry->set_key("location");
  entry->set_value("w.bin");
  model.mutable_graph()->add_output()->set_name("w");
  Errors errors(ctx);
  EXPECT_TRUE(failed(importModel(ctx, model)));
  ASSERT_EQ(errors.messages.size(), 1u);
  EXPECT_NE(errors.messages[0].find("needs the model's folder"), std::string::npos)
      << errors.messages[0];
}

TEST(ONNXImporter, MalformedNodesAreErrorsNotCrashes) {
  MLIRContext ctx;
  onnx::ModelProto model = reluModel();
  auto *conv = model.mutable_graph()->add_node();
  conv->set_op_type("Conv");
  conv->add_input("x"); // rank 2: not a conv input
  conv->add_input("x");
  conv->add_output("c");
  Errors errors(ctx);
  EXPECT_TRUE(failed(importModel(ctx, model)));
  ASSERT_EQ(errors.messages.size(), 1u);
  EXPECT_EQ(errors.messages[0], "unit.onnx: node 'Conv_2' (Conv, opset 13): input and filter "
                                "must have the same rank >= 3");
}

TEST(ConverterRegistry, PicksTheGreatestSinceVersion) {
  using kiln::importer::ConverterRegistry;
  const ConverterRegistry &r = ConverterRegistry::get();
  auto clip10 = r.lookup("Clip", 10), clip11 = r.lookup("Clip", 11), clip17 = r.lookup("Clip", 17);
  ASSERT_TRUE(clip10.fn && clip11.fn);
  EXPECT_NE(clip10.fn, clip11.fn);
  EXPECT_EQ(clip11.fn, clip17.fn);
  auto ln = r.lookup("LayerNormalization", 13);
  EXPECT_EQ(ln.fn, nullptr);
  EXPECT_EQ(ln.firstSupportedOpset, 17);
  EXPECT_EQ(r.lookup("RoiAlign", 13).firstSupportedOpset, 0);
}

/// Every shape in @main is static and no shape arithmetic is left.
void expectStatic(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  ASSERT_TRUE(func);
  for (Type t : func.getFunctionType().getInputs())
    EXPECT_TRUE(cast<RankedTensorType>(t).hasStaticShape());
  func.walk([&](Operation *op) {
    EXPECT_FALSE(isa<kiln::ShapeOp>(op)) << "a kiln.shape did not fold";
    for (Type t : op->getResultTypes())
      if (auto tensor = dyn_cast<RankedTensorType>(t))
        EXPECT_TRUE(tensor.hasStaticShape()) << op->getName().getStringRef().str();
  });
}

TEST(ONNXImporter, ReferenceModelsImportWithStaticShapes) {
  const char *env = std::getenv("KILN_MODELS_DIR");
  std::string dir = env ? env : KILN_DEFAULT_MODELS_DIR;
  if (!llvm::sys::fs::is_directory(dir))
    GTEST_SKIP() << "no reference models in " << dir;
  for (const char *name : {"resnet18", "mobilenet_v2", "squeezenet1_1", "bert_like", "mlp"}) {
    SCOPED_TRACE(name);
    MLIRContext ctx;
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, std::string(name) + ".onnx");
    auto module = kiln::importONNXFile(ctx, path);
    ASSERT_TRUE(succeeded(module));
    expectStatic(**module);
  }
}
} // namespace
