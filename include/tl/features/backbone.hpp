#pragma once
// Backbone: a pretrained network that maps normalised images [N,3,H,W] to features [N,D]. Frozen
// unless fine-tuning unfreezes part of it: evaluation mode, no parameter requires gradients, so
// BatchNorm uses its running statistics and the same image always gives the same features. A 4-D
// output [N,C,h,w] is global-average-pooled.
//
// The interface hides the file format: TorchScript is what LibTorch 1.13 loads today; a
// torch.export-based loader can implement the same interface later.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "tl/config/backbone_metadata.hpp"
#include "tl/config/experiment.hpp"
#include "tl/config/preprocessing_options.hpp"

namespace tl {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Where a backbone is cut for fine-tuning (see Backbone::split_frozen_prefix).
struct FrozenPrefix {
  std::string cut;                        // the first module after the cut, e.g. "features.17"
  std::vector<int64_t> activation_shape;  // of one image's activations entering it, e.g. {160, 7, 7}
  int64_t activation_values() const;      // their product
};

// A module of the backbone's chain whose output is a spatial map (Backbone::spatial_blocks).
struct SpatialBlock {
  std::string name;            // as fine-tuning names blocks: "features.17", "layer4.1"
  std::vector<int64_t> shape;  // of one image's output: channels, height, width
};

// A block's output and what the rest of the backbone makes of it (Backbone::through_block).
struct BlockOutput {
  torch::Tensor activations;  // [N, C, h, w], a leaf that requires gradients
  torch::Tensor features;     // [N, D], computed from `activations` with autograd on
};

class Backbone {
 public:
  virtual ~Backbone() = default;
  // Features for a batch already on device(); computed without autograd, in feature_precision(), and
  // returned as float32.
  virtual torch::Tensor features(const torch::Tensor& images) = 0;
  // What features() computes in: float32 (as loaded) or bfloat16, from a copy of the weights cast
  // once. Everything else (differentiable features, fine-tuning's prefix) stays float32, and
  // unfreeze() returns features() to float32, since a copy would miss what training changes.
  virtual void set_feature_precision(torch::ScalarType precision) = 0;
  virtual torch::ScalarType feature_precision() const = 0;
  // What the feature cache keys features() by: the file's content_hash(), with the precision added
  // when it is not float32 (whose entries keep their key).
  std::string feature_identity() const;
  // The same features with autograd on, so gradients reach the input pixels and the unfrozen
  // weights: what image synthesis and adversarial attacks optimise through, and fine-tuning trains.
  virtual torch::Tensor differentiable_features(const torch::Tensor& images) = 0;

  // Fine-tuning. The parameter names, in the module's order (see parameter_selection.hpp).
  virtual std::vector<std::string> parameter_names() const = 0;
  // Lets these parameters train and returns them; the rest stay frozen. With batch_norm_trains, the
  // BatchNorm layers holding any of them use batch statistics (and update their running ones) in
  // training mode; otherwise, and for every other layer, training mode is evaluation mode.
  virtual std::vector<torch::Tensor> unfreeze(const std::vector<std::string>& names, bool batch_norm_trains) = 0;
  virtual void set_training(bool training) = 0;
  // What fine-tuning changed, copied to the CPU: the unfrozen parameters and the buffers of the
  // modules holding them (BatchNorm running statistics). Empty for a frozen backbone.
  virtual NamedTensors tuned_state() const = 0;
  // Puts a tuned_state() back; throws tl::Error naming `source` and any tensor this backbone lacks
  // or holds in another shape.
  virtual void load_tuned_state(const NamedTensors& state, const std::string& source) = 0;
  // The live floating-point buffers of the modules holding unfrozen parameters (BatchNorm running
  // means and variances): what training in batch-statistics mode changes apart from the parameters.
  virtual std::vector<torch::Tensor> tuned_statistics() = 0;
  // Fine-tuning's shortcut. After unfreeze(): where the backbone, run as the chain of its modules
  // (top-level children in order, nn.Sequential containers opened), can be cut just before the first
  // module holding an unfrozen parameter. Nothing before the cut trains, and BatchNorm in training
  // mode is limited to modules holding unfrozen parameters, so the activations entering the cut are
  // the same every epoch and can be computed once per image. The cut is used only when the chain,
  // checked on a probe batch of `height` x `width` images, gives the module's own features;
  // otherwise the reason, for the log.
  virtual std::optional<FrozenPrefix> split_frozen_prefix(int height, int width, std::string& why_not) = 0;
  // The activations entering the cut for a batch on device(), computed without autograd: [N, ...]
  // in FrozenPrefix::activation_shape. Only after split_frozen_prefix returned a cut.
  virtual torch::Tensor prefix_activations(const torch::Tensor& images) = 0;
  // The features from those activations, with autograd on: differentiable_features(images) equals
  // features_from_prefix(prefix_activations(images)) within float tolerance.
  virtual torch::Tensor features_from_prefix(const torch::Tensor& activations) = 0;

  // Looking inside (feature maps, class heat maps). The modules of that chain whose output for
  // `height` x `width` images is a spatial map [N, C, h, w], in forward order, with that shape (one
  // pass finds them all). Throws tl::Error naming the file when the forward is not the chain of its
  // modules, since no module's output can then be taken for the backbone's own.
  virtual std::vector<SpatialBlock> spatial_blocks(int height, int width) = 0;
  // One of those blocks' output for images on device(), and the features from it.
  virtual BlockOutput through_block(const torch::Tensor& images, const std::string& block) = 0;

  virtual int feature_dim() const = 0;
  virtual int64_t parameter_count() const = 0;  // values in every parameter tensor, frozen or not
  virtual torch::Device device() const = 0;
  virtual const std::filesystem::path& path() const = 0;
  virtual const std::string& content_hash() const = 0;  // sha256 of the file
};

// Loads and checks a TorchScript backbone: it must load, accept [1,3,height,width] and produce
// [1,feature_dim] (or [1,feature_dim,h,w]). Every failure is a tl::Error naming the file.
std::unique_ptr<Backbone> load_torchscript_backbone(const std::filesystem::path& path, const BackboneMetadata& metadata,
                                                    int height, int width, torch::Device device);

// A configured backbone with what it needs around it: its metadata (from model.metadata or the
// default JSON beside the file) and the preprocessing that follows (data.image_size,
// data.reduced_decode and data.interpolation applied).
struct LoadedBackbone {
  BackboneMetadata metadata;
  Preprocessing preprocessing;
  std::unique_ptr<Backbone> backbone;
};

LoadedBackbone load_backbone(const BackboneSource& source, const DataConfig& data, torch::Device device);
// Every backbone of model.backbone, in order.
std::vector<LoadedBackbone> load_backbones(const ModelConfig& model, const DataConfig& data, torch::Device device);
// The width of their concatenated features.
int concatenated_feature_dim(const std::vector<LoadedBackbone>& backbones);

}  // namespace tl
