#pragma once
// ONNX for runtimes other than LibTorch (ONNX Runtime, OpenCV's DNN, OpenVINO, TensorRT). LibTorch
// has no ONNX exporter, so a TorchScript classifier is converted by Debian's python3-torch running
// tools/export_onnx.py (compiled into tl, so an installed tl-export needs no source tree): the
// graph specialised to one image size, validated by onnx's checker and run in OpenCV's DNN, whose
// outputs must match the TorchScript module's before anything is written.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tl {

// /usr/bin/python3 where it exists, else "python3".
std::string default_python();

struct OnnxConversion {
  std::filesystem::path torchscript;  // float32 [N, 3, height, width] -> [N, classes]
  int height = 0, width = 0;
  std::string output_name = "logits";
  // An interpreter with python3-torch, python3-onnx and python3-opencv: by default Debian's, for which
  // those packages install, else the first python3 on PATH.
  std::string python = default_python();
};

// Writes `out` atomically and returns what the script checked (opset, operators, the OpenCV version
// and the largest difference from the module). Throws tl::Error naming `out` and the script's reason
// (a missing python module, an operator OpenCV cannot hold, outputs that differ); nothing is written then.
nlohmann::json convert_to_onnx(const OnnxConversion& conversion, const std::filesystem::path& out);

}  // namespace tl
