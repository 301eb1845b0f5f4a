#pragma once
// Writing named tensors into a TorchScript module's parameters and buffers by name: how a
// fine-tuned backbone (the original file plus a checkpoint's tuned tensors) is put back together,
// both for training and inference and for the exported module.
#include <string>

#include <torch/script.h>

#include "tl/features/backbone.hpp"

namespace tl {

// Copies each tensor into the module's parameter or buffer of that name. Throws tl::Error naming
// `source` and the tensor when the module has no such name or holds another shape.
void load_named_tensors(torch::jit::Module& module, const NamedTensors& tensors, const std::string& source);

}  // namespace tl
