#include <algorithm>
#include <map>
#include <set>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/script.h>

#include "tl/base/content_hash.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/zip_integrity.hpp"
#include "tl/features/backbone.hpp"
#include "tl/features/torchscript_tensors.hpp"

namespace tl {
namespace {

std::string shape_of(const torch::Tensor& tensor) {
  std::string text = "[";
  for (int64_t i = 0; i < tensor.dim(); ++i) text += (i ? ", " : "") + std::to_string(tensor.size(i));
  return text + "]";
}

// A module of the chain a backbone's forward may be (Backbone::split_frozen_prefix).
struct ChainLink {
  std::string name;
  torch::jit::Module module;
};

bool is_sequential(const torch::jit::Module& module) {
  const auto type_name = module.type()->name();
  return type_name && type_name->name() == "Sequential" &&
         type_name->qualifiedName().rfind("__torch__.torch.nn.modules.container.", 0) == 0;
}

// Top-level children in order, nn.Sequential containers opened: their forward is by definition the
// chain of their children, so opening them offers cuts inside (MobileNet's features.N).
void append_chain(const torch::jit::Module& module, const std::string& path, std::vector<ChainLink>& chain) {
  for (const auto& child : module.named_children()) {
    const std::string name = path.empty() ? child.name : path + "." + child.name;
    if (is_sequential(child.value)) {
      append_chain(child.value, name, chain);
    } else {
      chain.push_back({name, child.value});
    }
  }
}

torch::Tensor pooled(const torch::Tensor& output) { return output.dim() == 4 ? output.mean({2, 3}) : output; }

torch::Tensor channels_last(const torch::Tensor& images) {
  return images.dim() == 4 ? images.contiguous(at::MemoryFormat::ChannelsLast) : images;
}

// Larger backbone files are not read: the biggest torchvision backbones are about 550 MB.
constexpr uint64_t kMaxBackboneBytes = 16ULL << 30;

// Where a missing backbone comes from: exported from torchvision, or the small one in the demo.
constexpr const char* kBackboneHint =
    "; export one with tools/export_backbone.py (see the README's \"Exporting torchvision backbones\") or use "
    "the demo's data/demo/backbone/mobilenet_v1_0.25_128_quant.pt";

class TorchScriptBackbone final : public Backbone {
 public:
  TorchScriptBackbone(const std::filesystem::path& path, const BackboneMetadata& metadata, int height, int width,
                      torch::Device device)
      : path_(path), device_(device) {
    if (!std::filesystem::is_regular_file(path))
      throw Error(path.string() + ": backbone file not found" + kBackboneHint);
    {  // its bytes are freed before LibTorch reads the file itself
      const std::string bytes = read_regular_file_or_throw(path, kMaxBackboneBytes);
      if (const auto damage = zip_damage(bytes)) {
        throw Error(path.string() + ": not a TorchScript file LibTorch can load: " + *damage);
      }
      content_hash_ = sha256_bytes(bytes);
    }
    try {
      module_ = torch::jit::load(path.string(), device);
    } catch (const c10::Error& error) {
      throw Error(path.string() +
                  ": not a TorchScript file LibTorch can load (save it with torch.jit.script or "
                  "torch.jit.trace, then torch.jit.save): " +
                  error.what_without_backtrace());
    }
    module_.eval();
    for (auto parameter : module_.parameters()) parameter.set_requires_grad(false);
    feature_dim_ = probe(metadata, height, width);
  }

  torch::Tensor features(const torch::Tensor& images) override {
    torch::Tensor output;
    {
      torch::InferenceMode inference;
      // Channels-last measured 1.5-1.8x faster than NCHW for MobileNetV2 on this CPU build (bench/).
      if (reduced_) {
        // Pooled in float32: a mean of 49 bfloat16 values would lose what the cast kept.
        // Reordered, then cast: a copy that does both at once measured slower than the two.
        const torch::Tensor input = channels_last(images).to(reduced_precision_);
        output = pooled(reduced_->forward({input}).toTensor().to(torch::kFloat));
      } else {
        output = pooled(module_.forward({channels_last(images)}).toTensor());
      }
    }
    // Inference tensors cannot enter autograd; a copy made outside inference mode can feed a head.
    return output.clone();
  }

  void set_feature_precision(torch::ScalarType precision) override {
    if (precision == torch::kFloat) {
      reduced_.reset();
      return;
    }
    if (precision != torch::kBFloat16) {
      throw Error(path_.string() + ": features run in float32 or bfloat16, not " + c10::toString(precision));
    }
    if (reduced_ && reduced_precision_ == precision) return;
    torch::jit::Module copy = module_.deepcopy();
    copy.to(precision);
    // Not frozen (torch::jit::freeze): bench/ measured no gain for MobileNetV2 and a 24% loss for
    // MobileNetV1 0.25 in bfloat16.
    reduced_ = copy;
    reduced_precision_ = precision;
  }

  torch::ScalarType feature_precision() const override { return reduced_ ? reduced_precision_ : torch::kFloat; }

  torch::Tensor differentiable_features(const torch::Tensor& images) override {
    return pooled(module_.forward({channels_last(images)}).toTensor());
  }

  std::optional<FrozenPrefix> split_frozen_prefix(int height, int width, std::string& why_not) override {
    if (const auto mismatch = chain_mismatch(height, width)) {
      why_not = *mismatch;
      return std::nullopt;
    }
    const auto trains = [&](const ChainLink& link) {
      return std::any_of(tuned_modules_.begin(), tuned_modules_.end(), [&](const std::string& module) {
        return module == link.name || module.rfind(link.name + ".", 0) == 0;
      });
    };
    const auto first_trained = std::find_if(chain_.begin(), chain_.end(), trains);
    if (tuned_modules_.empty() || first_trained == chain_.end()) {
      why_not = "the unfrozen parameters are not inside the backbone's modules";
      return std::nullopt;
    }
    if (tuned_modules_.count("") > 0) {
      why_not = "some unfrozen parameters belong to the backbone's top module itself";
      return std::nullopt;
    }
    cut_ = static_cast<size_t>(first_trained - chain_.begin());
    if (cut_ == 0) {
      why_not = "its first module (" + chain_.front().name + ") trains, so nothing before it stays fixed";
      return std::nullopt;
    }
    torch::InferenceMode inference;
    const torch::Tensor activations = run_links(channels_last(torch::zeros({1, 3, height, width}, device_)), 0, cut_);
    const auto shape = activations.sizes();  // a view into the tensor, which must outlive it
    return FrozenPrefix{chain_[cut_].name, std::vector<int64_t>(shape.begin() + 1, shape.end())};
  }

  std::vector<SpatialBlock> spatial_blocks(int height, int width) override {
    if (spatial_blocks_size_ == std::make_pair(height, width)) return spatial_blocks_;
    if (const auto mismatch = chain_mismatch(height, width)) {
      throw Error(path_.string() + ": cannot show what its blocks see: " + *mismatch);
    }
    std::vector<SpatialBlock> blocks;
    torch::InferenceMode inference;
    torch::Tensor output = channels_last(torch::zeros({1, 3, height, width}, device_));
    for (ChainLink& link : chain_) {
      output = link.module.forward({output}).toTensor();
      if (output.dim() == 4) blocks.push_back({link.name, {output.size(1), output.size(2), output.size(3)}});
    }
    spatial_blocks_size_ = {height, width};
    spatial_blocks_ = blocks;
    return blocks;
  }

  BlockOutput through_block(const torch::Tensor& images, const std::string& block) override {
    const auto blocks = spatial_blocks(static_cast<int>(images.size(2)), static_cast<int>(images.size(3)));
    if (std::none_of(blocks.begin(), blocks.end(),
                     [&](const SpatialBlock& spatial) { return spatial.name == block; })) {
      std::string listed;
      for (const SpatialBlock& spatial : blocks) listed += (listed.empty() ? "" : ", ") + spatial.name;
      throw Error(path_.string() + ": no block \"" + block + "\" with a spatial output; its blocks are " + listed);
    }
    const auto link = static_cast<size_t>(
        std::find_if(chain_.begin(), chain_.end(), [&](const ChainLink& l) { return l.name == block; }) -
        chain_.begin());
    BlockOutput output;
    {
      torch::NoGradGuard no_grad;
      output.activations = run_links(channels_last(images), 0, link + 1).contiguous();
    }
    output.activations.requires_grad_(true);
    output.features = pooled(run_links(channels_last(output.activations), link + 1, chain_.size()));
    return output;
  }

  torch::Tensor prefix_activations(const torch::Tensor& images) override {
    torch::Tensor output;
    {
      torch::InferenceMode inference;
      output = run_links(channels_last(images), 0, cut_);
    }
    // Outside inference mode, so that the suffix may save it for its backward pass.
    return output.clone(at::MemoryFormat::Contiguous);
  }

  torch::Tensor features_from_prefix(const torch::Tensor& activations) override {
    return pooled(run_links(channels_last(activations), cut_, chain_.size()));
  }

  std::vector<std::string> parameter_names() const override {
    std::vector<std::string> names;
    for (const auto& parameter : module_.named_parameters(/*recurse=*/true)) names.push_back(parameter.name);
    return names;
  }

  std::vector<torch::Tensor> unfreeze(const std::vector<std::string>& names, bool batch_norm_trains) override {
    set_feature_precision(torch::kFloat);
    std::vector<torch::Tensor> unfrozen;
    for (const auto& parameter : module_.named_parameters(/*recurse=*/true)) {
      if (std::find(names.begin(), names.end(), parameter.name) == names.end()) continue;
      parameter.value.set_requires_grad(true);
      unfrozen.push_back(parameter.value);
      tuned_modules_.insert(module_path_of(parameter.name));
    }
    batch_norm_trains_ = batch_norm_trains;
    return unfrozen;
  }

  void set_training(bool training) override {
    module_.eval();
    if (!training || !batch_norm_trains_) return;
    for (const auto& child : module_.named_modules()) {
      const auto type_name = child.value.type()->name();
      const bool batch_norm = type_name && type_name->name().find("BatchNorm") != std::string::npos;
      if (batch_norm && tuned_modules_.count(child.name) > 0) {
        torch::jit::Module layer = child.value;  // a handle to the same module
        layer.train(true);
      }
    }
  }

  NamedTensors tuned_state() const override {
    NamedTensors state;
    for (const auto& parameter : module_.named_parameters(/*recurse=*/true)) {
      if (parameter.value.requires_grad())
        state.emplace_back(parameter.name, parameter.value.detach().to(torch::kCPU).clone());
    }
    for (const auto& buffer : module_.named_buffers(/*recurse=*/true)) {
      if (tuned_modules_.count(module_path_of(buffer.name)) > 0) {
        state.emplace_back(buffer.name, buffer.value.detach().to(torch::kCPU).clone());
      }
    }
    return state;
  }

  void load_tuned_state(const NamedTensors& state, const std::string& source) override {
    load_named_tensors(module_, state, source);
    if (reduced_) {  // cast the tuned weights afresh
      const torch::ScalarType precision = reduced_precision_;
      reduced_.reset();
      set_feature_precision(precision);
    }
  }

  std::vector<torch::Tensor> tuned_statistics() override {
    std::vector<torch::Tensor> statistics;
    for (const auto& buffer : module_.named_buffers(/*recurse=*/true)) {
      if (tuned_modules_.count(module_path_of(buffer.name)) > 0 && buffer.value.is_floating_point()) {
        statistics.push_back(buffer.value);
      }
    }
    return statistics;
  }

  int feature_dim() const override { return feature_dim_; }
  int64_t parameter_count() const override {
    int64_t values = 0;
    for (const auto& parameter : module_.parameters(/*recurse=*/true)) values += parameter.numel();
    return values;
  }
  torch::Device device() const override { return device_; }
  const std::filesystem::path& path() const override { return path_; }
  const std::string& content_hash() const override { return content_hash_; }

 private:
  int probe(const BackboneMetadata& metadata, int height, int width) {
    torch::Tensor output;
    try {
      torch::InferenceMode inference;
      const torch::jit::IValue result = module_.forward({torch::zeros({1, 3, height, width}, device_)});
      if (!result.isTensor()) {
        throw Error(path_.string() + ": backbone returns " + result.tagKind() +
                    ", expected one tensor of features [N, D] or [N, C, H, W]");
      }
      output = result.toTensor();
    } catch (const c10::Error& error) {
      throw Error(path_.string() + ": backbone failed on an input of [1, 3, " + std::to_string(height) + ", " +
                  std::to_string(width) + "]: " + error.what_without_backtrace());
    }
    if ((output.dim() != 2 && output.dim() != 4) || output.size(0) != 1) {
      throw Error(path_.string() + ": backbone output has shape " + shape_of(output) +
                  " for one image, expected [1, D] features or a [1, C, H, W] map to pool");
    }
    const int produced = static_cast<int>(output.size(1));
    if (produced != metadata.feature_dim) {
      throw Error(path_.string() + ": backbone produces " + std::to_string(produced) + " features but " +
                  metadata.source + " says feature_dim " + std::to_string(metadata.feature_dim));
    }
    return produced;
  }

  std::filesystem::path path_;
  torch::Device device_;
  std::string content_hash_;
  static std::string module_path_of(const std::string& tensor_name) {
    const size_t dot = tensor_name.rfind('.');
    return dot == std::string::npos ? std::string() : tensor_name.substr(0, dot);
  }

  // Nothing when the chain of the module's children gives its own features on a probe batch of
  // `height` x `width` images; otherwise why not. Leaves the chain in chain_.
  std::optional<std::string> chain_mismatch(int height, int width) {
    chain_.clear();
    append_chain(module_, "", chain_);
    if (chain_.empty()) return "it has no modules to run one after another";
    module_.eval();
    torch::Tensor whole, chained;
    try {
      torch::InferenceMode inference;
      const auto probe = torch::randn({2, 3, height, width}, at::detail::createCPUGenerator(20261202)).to(device_);
      whole = pooled(module_.forward({channels_last(probe)}).toTensor());
      chained = pooled(run_links(channels_last(probe), 0, chain_.size()));
    } catch (const c10::Error& error) {
      return "its modules, run one after another, fail (" + std::string(error.what_without_backtrace()) + ")";
    }
    const double scale = std::max(1.0, whole.abs().max().item<double>());
    if (!whole.sizes().equals(chained.sizes()) || !torch::allclose(chained, whole, 1e-4, 1e-5 * scale)) {
      return "its forward is not the chain of its modules (checked on a probe batch)";
    }
    return std::nullopt;
  }

  torch::Tensor run_links(torch::Tensor input, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) input = chain_[i].module.forward({input}).toTensor();
    return input;
  }

  torch::jit::script::Module module_;
  std::optional<torch::jit::Module> reduced_;  // module_ cast to reduced_precision_, for features()
  torch::ScalarType reduced_precision_ = torch::kFloat;
  std::vector<ChainLink> chain_;
  size_t cut_ = 0;                                 // chain_[cut_] is the first link that trains
  std::pair<int, int> spatial_blocks_size_{0, 0};  // the input size spatial_blocks_ were found for
  std::vector<SpatialBlock> spatial_blocks_;
  int feature_dim_ = 0;
  std::set<std::string> tuned_modules_;  // modules holding unfrozen parameters
  bool batch_norm_trains_ = false;
};

}  // namespace

std::string Backbone::feature_identity() const {
  const torch::ScalarType precision = feature_precision();
  return precision == torch::kFloat ? content_hash() : content_hash() + "-" + c10::toString(precision);
}

int64_t FrozenPrefix::activation_values() const {
  int64_t values = 1;
  for (const int64_t size : activation_shape) values *= size;
  return values;
}

void load_named_tensors(torch::jit::Module& module, const NamedTensors& tensors, const std::string& source) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& parameter : module.named_parameters(/*recurse=*/true)) targets[parameter.name] = parameter.value;
  for (const auto& buffer : module.named_buffers(/*recurse=*/true)) targets[buffer.name] = buffer.value;
  torch::NoGradGuard no_grad;
  for (const auto& [name, value] : tensors) {
    const auto found = targets.find(name);
    if (found == targets.end()) throw Error(source + ": tuned backbone tensor " + name + " is not in the backbone");
    if (!found->second.sizes().equals(value.sizes())) {
      throw Error(source + ": tuned backbone tensor " + name + " has shape " + shape_of(value) +
                  ", the backbone's has " + shape_of(found->second));
    }
    found->second.copy_(value);
  }
}

std::unique_ptr<Backbone> load_torchscript_backbone(const std::filesystem::path& path, const BackboneMetadata& metadata,
                                                    int height, int width, torch::Device device) {
  return std::make_unique<TorchScriptBackbone>(path, metadata, height, width, device);
}

LoadedBackbone load_backbone(const BackboneSource& source, const DataConfig& data, torch::Device device) {
  LoadedBackbone loaded;
  if (!std::filesystem::is_regular_file(source.file)) {
    throw Error(source.file.string() + ": backbone file not found (model.backbone)" + kBackboneHint);
  }
  const auto default_metadata = default_metadata_path(source.file);
  if (!source.metadata && !source.inline_metadata && !std::filesystem::exists(default_metadata)) {
    auto beside = source.file;
    beside.replace_extension(".json");
    throw Error(source.file.string() + ": no metadata for this backbone (looked for " + beside.string() + " and " +
                default_metadata.string() + "). " + metadata_requirements());
  }
  loaded.metadata = source.inline_metadata ? *source.inline_metadata
                                           : load_backbone_metadata(source.metadata.value_or(default_metadata));
  loaded.preprocessing = loaded.metadata.preprocessing(data.image_size);
  loaded.preprocessing.reduced_decode = data.reduced_decode;
  if (data.interpolation) loaded.preprocessing.interpolation = *data.interpolation;
  loaded.backbone = load_torchscript_backbone(source.file, loaded.metadata, loaded.preprocessing.height,
                                              loaded.preprocessing.width, device);
  return loaded;
}

std::vector<LoadedBackbone> load_backbones(const ModelConfig& model, const DataConfig& data, torch::Device device) {
  std::vector<LoadedBackbone> loaded;
  for (const BackboneSource& source : model.backbones) loaded.push_back(load_backbone(source, data, device));
  return loaded;
}

int concatenated_feature_dim(const std::vector<LoadedBackbone>& backbones) {
  int dim = 0;
  for (const LoadedBackbone& loaded : backbones) dim += loaded.backbone->feature_dim();
  return dim;
}

}  // namespace tl
