// Parses manifest.json into a kiln::Manifest, with messages naming the file and
// field.
#include "src/Manifest.h"

#include "src/DType.h"
#include "src/Error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

using nlohmann::json;

namespace kiln {
namespace {

/// Reads typed fields out of JSON objects; every failure names the manifest
/// path and the field (e.g. "values[3].shape").
class FieldReader {
public:
  explicit FieldReader(const std::string &path) : path_(path) {}

  [[noreturn]] void fail(const std::string &where,
                         const std::string &what) const {
    throw Error(KILN_ERROR_INVALID_ARTIFACT,
                path_ + ": " + where + (where.empty() ? "" : ": ") + what);
  }

  const json &field(const json &obj, const char *key,
                    const std::string &where) const {
    if (!obj.is_object())
      fail(where, "expected a JSON object");
    auto it = obj.find(key);
    if (it == obj.end())
      fail(where, std::string("missing field '") + key + "'");
    return *it;
  }

  int64_t integer(const json &value, const std::string &where) const {
    if (!value.is_number_integer() ||
        (value.is_number_unsigned() &&
         value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())))
      fail(where, "expected an integer, got " + value.dump());
    return value.get<int64_t>();
  }

  int64_t integer(const json &obj, const char *key,
                  const std::string &where) const {
    return integer(field(obj, key, where), join(where, key));
  }

  uint64_t size(const json &obj, const char *key,
                const std::string &where) const {
    int64_t value = integer(obj, key, where);
    if (value < 0)
      fail(join(where, key),
           "must not be negative, got " + std::to_string(value));
    return uint64_t(value);
  }

  std::string string(const json &obj, const char *key,
                     const std::string &where) const {
    const json &value = field(obj, key, where);
    if (!value.is_string())
      fail(join(where, key), "expected a string, got " + value.dump());
    return value.get<std::string>();
  }

  std::string optionalString(const json &obj, const char *key) const {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
  }

  const json &array(const json &obj, const char *key,
                    const std::string &where) const {
    const json &value = field(obj, key, where);
    if (!value.is_array())
      fail(join(where, key), "expected an array");
    return value;
  }

  static std::string join(const std::string &where, const char *key) {
    return where.empty() ? key : where + "." + key;
  }

  static std::string at(const char *key, size_t index) {
    return std::string(key) + "[" + std::to_string(index) + "]";
  }

private:
  const std::string &path_;
};

ValueInfo parseValue(const FieldReader &reader, const json &obj,
                     const std::string &where) {
  ValueInfo value;
  value.id = reader.integer(obj, "id", where);
  std::string dtype = reader.string(obj, "dtype", where);
  auto parsed = parseDType(dtype);
  if (!parsed)
    reader.fail(where + ".dtype", "unknown dtype '" + dtype + "'");
  value.dtype = *parsed;
  const json &shape = reader.array(obj, "shape", where);
  for (size_t i = 0; i < shape.size(); ++i)
    value.shape.push_back(reader.integer(shape[i], where + ".shape"));
  std::string storage = reader.string(obj, "storage", where);
  if (storage != "arena" && storage != "weights")
    reader.fail(where + ".storage",
                "expected \"arena\" or \"weights\", got \"" + storage + "\"");
  value.storage = storage == "arena" ? Storage::Arena : Storage::Weights;
  value.offset = reader.size(obj, "offset", where);
  value.bytes = reader.size(obj, "bytes", where);
  if (obj.contains("view_of"))
    value.viewOf = reader.integer(obj, "view_of", where); // an id until resolved
  if (obj.contains("shape_from")) {
    value.shapeFrom = reader.integer(obj, "shape_from", where); // an id until resolved
    value.shapeMode = reader.string(obj, "shape_mode", where);
    value.node = reader.optionalString(obj, "node");
    if (value.shapeMode != "reshape" && value.shapeMode != "reshape_allowzero" &&
        value.shapeMode != "unsqueeze" && value.shapeMode != "squeeze")
      reader.fail(where + ".shape_mode", "unknown mode '" + value.shapeMode + "'");
  }
  if (obj.contains("dims_from"))
    for (const json &d : reader.array(obj, "dims_from", where))
      value.dimsFrom.push_back(reader.integer(d, where + ".dims_from"));
  if (obj.contains("live")) {
    const json &live = reader.array(obj, "live", where);
    if (live.size() != 2)
      reader.fail(where + ".live", "expected [first step, last step]");
    value.hasLive = true;
    value.firstStep = reader.integer(live[0], where + ".live");
    value.lastStep = reader.integer(live[1], where + ".live");
  }
  return value;
}

/// Maps value ids to indices into Manifest::values.
class ValueIndex {
public:
  ValueIndex(const FieldReader &reader, const std::vector<ValueInfo> &values)
      : reader_(reader) {
    for (size_t i = 0; i < values.size(); ++i)
      if (!ids_.emplace(values[i].id, i).second)
        reader.fail(FieldReader::at("values", i),
                    "duplicate value id " + std::to_string(values[i].id));
  }

  size_t lookup(int64_t id, const std::string &where) const {
    auto it = ids_.find(id);
    if (it == ids_.end())
      reader_.fail(where, "refers to unknown value id " + std::to_string(id));
    return it->second;
  }

private:
  const FieldReader &reader_;
  std::unordered_map<int64_t, size_t> ids_;
};

std::vector<Binding> parseBindings(const FieldReader &reader, const json &root,
                                   const char *key, const ValueIndex &index) {
  std::vector<Binding> bindings;
  const json &list = reader.array(root, key, "");
  for (size_t i = 0; i < list.size(); ++i) {
    std::string where = FieldReader::at(key, i);
    Binding binding;
    binding.name = reader.string(list[i], "name", where);
    binding.value =
        index.lookup(reader.integer(list[i], "value", where), where + ".value");
    bindings.push_back(std::move(binding));
  }
  return bindings;
}

Step parseStep(const FieldReader &reader, const json &obj,
               const std::string &where, const ValueIndex &index) {
  Step step;
  step.kernel = reader.string(obj, "kernel", where);
  const json &args = reader.array(obj, "args", where);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string argWhere = where + "." + FieldReader::at("args", i);
    step.args.push_back(
        index.lookup(reader.integer(args[i], argWhere), argWhere));
  }
  step.numOutputs = reader.size(obj, "num_outputs", where);
  step.op = reader.optionalString(obj, "op");
  step.name = reader.optionalString(obj, "name");
  step.shapeFunction = reader.optionalString(obj, "shape_function");
  if (obj.contains("dims")) {
    const json &dims = reader.array(obj, "dims", where);
    for (size_t i = 0; i < dims.size(); ++i) {
      std::string dimWhere = where + "." + FieldReader::at("dims", i);
      if (!dims[i].is_array() || dims[i].size() != 2)
        reader.fail(dimWhere, "expected [arg position, dim]");
      int64_t position = reader.integer(dims[i][0], dimWhere);
      int64_t dim = reader.integer(dims[i][1], dimWhere);
      if (position < 0 || dim < 0)
        reader.fail(dimWhere, "must not be negative");
      step.dims.push_back({size_t(position), size_t(dim)});
    }
  }
  if (obj.contains("value_args")) {
    const json &values = reader.array(obj, "value_args", where);
    for (size_t i = 0; i < values.size(); ++i) {
      std::string valueWhere = where + "." + FieldReader::at("value_args", i);
      if (!values[i].is_array() || values[i].size() != 2)
        reader.fail(valueWhere, "expected [arg position, element]");
      int64_t position = reader.integer(values[i][0], valueWhere);
      int64_t element = reader.integer(values[i][1], valueWhere);
      if (position < 0 || element < 0)
        reader.fail(valueWhere, "must not be negative");
      step.valueArgs.push_back({size_t(position), size_t(element)});
    }
  }
  return step;
}

int64_t checkFormat(const FieldReader &reader, const json &root) {
  std::string format = reader.string(root, "format", "");
  if (format != kFormatName)
    reader.fail("format", "expected \"" + std::string(kFormatName) +
                              "\", got \"" + format + "\"");
  int64_t version = reader.integer(root, "format_version", "");
  if (version < 1 || version > kFormatVersion)
    reader.fail("format_version", "unsupported version " +
                                      std::to_string(version) +
                                      " (this runtime reads versions 1 to " +
                                      std::to_string(kFormatVersion) + ")");
  return version;
}

} // namespace

bool ValueInfo::isDynamic() const {
  for (int64_t d : shape)
    if (d < 0)
      return true;
  return false;
}

Manifest parseManifest(const std::string &text, const std::string &path) {
  FieldReader reader(path);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception &e) { // parse_error, or out_of_range for a number like 1e999
    reader.fail("", std::string("invalid JSON: ") + e.what());
  }
  if (!root.is_object())
    reader.fail("", "expected a JSON object at the top level");
  int64_t version = checkFormat(reader, root);

  Manifest manifest;
  manifest.path = path;
  manifest.formatVersion = version;
  auto recorded = root.find("views_recorded");
  manifest.viewsRecorded =
      version >= 2 || (recorded != root.end() && recorded->is_boolean() && recorded->get<bool>());
  const json &target = reader.field(root, "target", "");
  manifest.targetKind = reader.string(target, "kind", "target");
  manifest.targetCpu = reader.optionalString(target, "cpu");
  if (target.contains("isa")) {
    const json &isa = reader.array(target, "isa", "target");
    for (size_t i = 0; i < isa.size(); ++i) {
      if (!isa[i].is_string())
        reader.fail(FieldReader::at("target.isa", i), "expected a string");
      manifest.targetIsa.push_back(isa[i].get<std::string>());
    }
  }
  manifest.arenaBytes = reader.size(root, "arena_bytes", "");
  manifest.weightsBytes = reader.size(root, "weights_bytes", "");
  const json &values = reader.array(root, "values", "");
  for (size_t i = 0; i < values.size(); ++i)
    manifest.values.push_back(
        parseValue(reader, values[i], FieldReader::at("values", i)));

  ValueIndex index(reader, manifest.values);
  for (size_t i = 0; i < manifest.values.size(); ++i) {
    ValueInfo &value = manifest.values[i];
    std::string where = FieldReader::at("values", i);
    if (value.viewOf >= 0)
      value.viewOf = int64_t(index.lookup(value.viewOf, where + ".view_of"));
    if (value.shapeFrom >= 0) {
      value.shapeFrom = int64_t(index.lookup(value.shapeFrom, where + ".shape_from"));
      manifest.readsValues = true;
    }
    manifest.dynamic |= value.isDynamic();
  }
  manifest.inputs = parseBindings(reader, root, "inputs", index);
  manifest.outputs = parseBindings(reader, root, "outputs", index);
  const json &steps = reader.array(root, "steps", "");
  for (size_t i = 0; i < steps.size(); ++i)
    manifest.steps.push_back(
        parseStep(reader, steps[i], FieldReader::at("steps", i), index));
  for (const Step &step : manifest.steps)
    manifest.readsValues |= !step.valueArgs.empty();
  validateManifest(manifest);
  return manifest;
}

Manifest readManifest(const std::string &dir) {
  std::string path = dir + "/manifest.json";
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw Error(KILN_ERROR_IO, path + ": cannot open (is '" + dir +
                                   "' a Kiln artifact folder?)");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad())
    throw Error(KILN_ERROR_IO, path + ": read failed");
  return parseManifest(text.str(), path);
}

} // namespace kiln
