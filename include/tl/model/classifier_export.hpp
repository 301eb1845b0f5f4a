#pragma once
// Classifier export: a trained run becomes one self-contained TorchScript module (backbones + head)
// that any LibTorch or PyTorch program can load with torch.jit.load, without tl, or the same network
// as an ONNX graph (onnx_conversion.hpp) for other runtimes. A JSON beside it says how to feed it
// (the run's first backbone's preprocessing; the module renormalises for the others) and what its
// outputs mean (class names in order).
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tl/model/onnx_conversion.hpp"

namespace tl {

enum class ExportFormat { torchscript, onnx };

struct ExportOptions {
  std::optional<std::filesystem::path> checkpoint;  // default: the run's best.pt
  bool softmax = false;                             // probabilities instead of logits
  ExportFormat format = ExportFormat::torchscript;
  // onnx: the interpreter that converts (OnnxConversion::python). The graph holds no test-time flips
  // (OpenCV 4.6 cannot run a reversed slice); the JSON says when the run scores with them.
  std::string python = default_python();
};

struct ExportedFiles {
  std::filesystem::path module;    // the TorchScript or ONNX file asked for
  std::filesystem::path metadata;  // <module stem>.json beside it
  nlohmann::json description;      // what the metadata file holds
};

// Builds the module on the CPU, checks it reproduces the run's own predictions on a probe batch
// (for ONNX, then converts it and checks the graph in OpenCV's DNN against the module), and writes
// both files atomically. Throws tl::Error naming what is wrong.
ExportedFiles export_classifier(const std::filesystem::path& run_directory, const std::filesystem::path& out,
                                const ExportOptions& options);

}  // namespace tl
