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
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "tl/config/backbone_metadata.hpp"
#include "tl/config/experiment.hpp"
#include "tl/config/preprocessing_options.hpp"

namespace tl {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class Backbone {
 public:
  virtual ~Backbone() = default;
  // Features for a batch already on device(); computed without autograd.
  virtual torch::Tensor features(const torch::Tensor& images) = 0;
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

// A configured model's backbone with what it needs around it: its metadata (from model.metadata or
// the default JSON beside the file) and the preprocessing that follows (data.image_size and
// data.reduced_decode applied).
struct LoadedBackbone {
  BackboneMetadata metadata;
  Preprocessing preprocessing;
  std::unique_ptr<Backbone> backbone;
};

LoadedBackbone load_backbone(const ModelConfig& model, const DataConfig& data, torch::Device device);

}  // namespace tl
