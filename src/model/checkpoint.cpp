#include "tl/model/checkpoint.hpp"

#include <cmath>
#include <sstream>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/zip_integrity.hpp"
#include "tl/config/enum_names.hpp"

namespace tl {
namespace {

// Checkpoints are read whole and their CRCs checked first: LibTorch's reader does not, and a
// damaged file would load and predict garbage.
torch::serialize::InputArchive open_archive(const std::filesystem::path& path, torch::Device device) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path.string() + ": checkpoint not found");
  const BoundedRead file = read_regular_file(path, kMaxCheckpointBytes);
  if (!file.bytes) throw Error(path.string() + ": " + file.error);
  if (const auto damage = zip_damage(*file.bytes))
    throw Error(path.string() + ": not a readable tl checkpoint: " + *damage);
  torch::serialize::InputArchive archive;
  try {
    std::istringstream stream(*file.bytes);
    archive.load_from(stream, device);
  } catch (const c10::Error& error) {
    throw Error(path.string() + ": not a readable tl checkpoint: " + error.what_without_backtrace());
  }
  return archive;
}

}  // namespace

nlohmann::json CheckpointRecord::to_json() const {
  nlohmann::json json = {{"format", kCheckpointFormat},
                         {"epoch", epoch},
                         {"class_names", class_names},
                         {"head", {{"type", name_of(head.type)}, {"hidden", head.hidden}, {"dropout", head.dropout}}},
                         {"in_features", in_features},
                         {"metrics", metrics}};
  if (backbones.size() == 1) {  // the record of a single backbone reads as it did before tl took several
    json["backbone"] = {{"path", backbones[0].path}, {"sha256", backbones[0].sha256}};
    json["preprocessing"] = backbones[0].preprocessing;
  } else {
    for (const BackboneRecord& backbone : backbones) {
      json["backbones"].push_back(
          {{"path", backbone.path}, {"sha256", backbone.sha256}, {"preprocessing", backbone.preprocessing}});
    }
  }
  if (!training_state.is_null()) json["training_state"] = training_state;
  if (!run_identity.is_null()) json["run_identity"] = run_identity;
  if (temperature != 1.0) json["temperature"] = temperature;
  return json;
}

CheckpointRecord CheckpointRecord::from_json(const nlohmann::json& json, const std::string& file) {
  try {
    if (json.at("format").get<int>() != kCheckpointFormat) {
      throw Error(file + ": checkpoint format " + json.at("format").dump() + ", this tl reads format " +
                  std::to_string(kCheckpointFormat));
    }
    CheckpointRecord record;
    record.epoch = json.at("epoch").get<int>();
    record.class_names = json.at("class_names").get<std::vector<std::string>>();
    const std::string head_type = json.at("head").at("type").get<std::string>();
    const std::optional<HeadType> known = value_named(kHeadTypes, head_type);
    if (!known) throw Error(file + ": checkpoint names an unknown head type \"" + head_type + "\"");
    record.head.type = *known;
    record.head.hidden = json.at("head").at("hidden").get<std::vector<int>>();
    record.head.dropout = json.at("head").at("dropout").get<double>();
    record.in_features = json.at("in_features").get<int>();
    if (json.contains("backbones")) {
      for (const auto& backbone : json.at("backbones")) {
        record.backbones.push_back({backbone.at("path").get<std::string>(), backbone.at("sha256").get<std::string>(),
                                    backbone.at("preprocessing")});
      }
    } else {
      record.backbones.push_back({json.at("backbone").at("path").get<std::string>(),
                                  json.at("backbone").at("sha256").get<std::string>(), json.at("preprocessing")});
    }
    if (record.backbones.empty()) throw Error(file + ": checkpoint record names no backbone");
    record.metrics = json.value("metrics", nlohmann::json::object());
    record.training_state = json.value("training_state", nlohmann::json());
    record.run_identity = json.value("run_identity", nlohmann::json());
    record.temperature = json.value("temperature", 1.0);
    if (!(record.temperature > 0) || !std::isfinite(record.temperature)) {
      throw Error(file + ": checkpoint temperature " + json.at("temperature").dump() + " is not a positive number");
    }
    return record;
  } catch (const nlohmann::json::exception& error) {
    throw Error(file + ": checkpoint record is incomplete: " + error.what());
  }
}

void save_checkpoint(const std::filesystem::path& path, Head& head, const torch::optim::Optimizer* optimizer,
                     const CheckpointRecord& record, const NamedTensors& backbone_state) {
  torch::serialize::OutputArchive archive;
  if (!backbone_state.empty()) {
    // Archive keys cannot hold the dots of parameter names, so names and tensors go side by side.
    nlohmann::json names = nlohmann::json::array();
    torch::serialize::OutputArchive tensors;
    for (size_t i = 0; i < backbone_state.size(); ++i) {
      names.push_back(backbone_state[i].first);
      tensors.write(std::to_string(i), backbone_state[i].second, /*is_buffer=*/true);
    }
    archive.write("backbone_names", c10::IValue(names.dump()));
    archive.write("backbone_tensors", tensors);
  }
  torch::serialize::OutputArchive head_archive;
  head->save(head_archive);
  archive.write("head", head_archive);
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("record", c10::IValue(record.to_json().dump()));
  archive.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
  // Serialised in memory first: LibTorch's file writer throws from its destructor when the disk is
  // full, which ends the process; a failed write of these bytes is an ordinary error.
  std::string bytes;
  archive.save_to([&](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  write_file_atomically(path, bytes);
}

LoadedCheckpoint load_checkpoint(const std::filesystem::path& path, torch::Device device) {
  auto archive = open_archive(path, device);
  c10::IValue record_text;
  if (!archive.try_read("record", record_text) || !record_text.isString()) {
    throw Error(path.string() + ": not a tl checkpoint (no record)");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(record_text.toStringRef());
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(path.string() + ": checkpoint record is not valid JSON: " + error.what());
  }
  LoadedCheckpoint loaded;
  loaded.record = CheckpointRecord::from_json(json, path.string());
  loaded.head = Head(loaded.record.in_features, static_cast<int>(loaded.record.class_names.size()), loaded.record.head);
  torch::serialize::InputArchive head_archive;
  if (!archive.try_read("head", head_archive)) throw Error(path.string() + ": checkpoint has no head weights");
  try {
    loaded.head->load(head_archive);
  } catch (const c10::Error& error) {
    throw Error(path.string() + ": head weights do not match the recorded head: " + error.what_without_backtrace());
  }
  loaded.head->to(device);
  loaded.head->eval();
  c10::IValue backbone_names;
  if (archive.try_read("backbone_names", backbone_names)) {
    torch::serialize::InputArchive tensors;
    if (!backbone_names.isString() || !archive.try_read("backbone_tensors", tensors)) {
      throw Error(path.string() + ": checkpoint's tuned backbone tensors are incomplete");
    }
    const auto names = nlohmann::json::parse(backbone_names.toStringRef(), nullptr, /*allow_exceptions=*/false);
    if (!names.is_array()) throw Error(path.string() + ": checkpoint's tuned backbone names are damaged");
    for (size_t i = 0; i < names.size(); ++i) {
      torch::Tensor tensor;
      if (!names[i].is_string() || !tensors.try_read(std::to_string(i), tensor, /*is_buffer=*/true)) {
        throw Error(path.string() + ": checkpoint's tuned backbone tensor " + std::to_string(i) + " is missing");
      }
      loaded.backbone_state.emplace_back(names[i].get<std::string>(), tensor.to(torch::kCPU));
    }
  }
  return loaded;
}

void load_optimizer_state(const std::filesystem::path& path, torch::optim::Optimizer& optimizer) {
  auto archive = open_archive(path, torch::kCPU);
  torch::serialize::InputArchive optimizer_archive;
  if (!archive.try_read("optimizer", optimizer_archive))
    throw Error(path.string() + ": checkpoint has no optimizer state");
  optimizer.load(optimizer_archive);
}

void restore_generator_state(const std::filesystem::path& path) {
  auto archive = open_archive(path, torch::kCPU);
  torch::Tensor state;
  if (!archive.try_read("rng_cpu", state)) throw Error(path.string() + ": checkpoint has no generator state");
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(state);
}

}  // namespace tl
