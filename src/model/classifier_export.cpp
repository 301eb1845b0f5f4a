#include "tl/model/classifier_export.hpp"

#include <sstream>

#include <torch/script.h>
#include <torch/torch.h>

#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/base/utf8_text.hpp"
#include "tl/features/input_conversion.hpp"
#include "tl/features/torchscript_tensors.hpp"
#include "tl/model/onnx_conversion.hpp"
#include "tl/model/trained_classifier.hpp"
#include "tl/run/run_directory.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// TorchScript source of the forward pass: each backbone (the first named `backbone`; a further one k
// takes the input renormalised by its input_k_* buffers, see input_conversion.hpp), tl's pooling of
// a 4-D output, the features concatenated, then the head's Linear layers with a ReLU between
// consecutive ones; with test-time flips, the logits of the input and of its left-right mirror averaged.
std::string forward_source(size_t backbones, size_t linear_layers, bool softmax, TestTimeAugmentation tta) {
  std::ostringstream source;
  source << "def logits(self, images: Tensor) -> Tensor:\n";
  for (size_t k = 0; k < backbones; ++k) {
    const std::string f = "f" + std::to_string(k);
    if (k == 0) {
      source << "    " << f << " = self.backbone.forward(images)\n";
    } else {
      const std::string input = "self.input_" + std::to_string(k) + "_";
      source << "    " << f << " = self.backbone_" << k << ".forward(images.index_select(1, " << input << "channels) * "
             << input << "scale + " << input << "shift)\n";
    }
    source << "    if " << f << ".dim() == 4:\n"
           << "        " << f << " = " << f << ".mean([2, 3])\n";
  }
  source << "    x = torch.cat([";
  for (size_t k = 0; k < backbones; ++k) source << (k > 0 ? ", f" : "f") << k;
  source << "], 1)\n";
  for (size_t i = 0; i < linear_layers; ++i) {
    if (i > 0) source << "    x = torch.relu(x)\n";
    source << "    x = torch.linear(x, self.head_" << i << "_weight, self.head_" << i << "_bias)\n";
  }
  source << "    return x\n"
         << "\n"
         << "def forward(self, images: Tensor) -> Tensor:\n"
         << "    x = self.logits(images)\n";
  if (tta == TestTimeAugmentation::flip) source << "    x = (x + self.logits(images.flip([3]))) / 2\n";
  source << (softmax ? "    return torch.softmax(x, 1)\n" : "    return x\n");
  return source.str();
}

// The backbone files as the run recorded them: one path, or the list in concatenation order.
nlohmann::json recorded_backbones(const CheckpointRecord& record, std::string BackboneRecord::*field) {
  if (record.backbones.size() == 1) return record.backbones[0].*field;
  nlohmann::json list = nlohmann::json::array();
  for (const BackboneRecord& backbone : record.backbones) list.push_back(backbone.*field);
  return list;
}

nlohmann::json describe_export(TrainedClassifier& classifier, const fs::path& run_directory, const fs::path& checkpoint,
                               bool softmax, TestTimeAugmentation tta) {
  const Preprocessing& preprocessing = classifier.preprocessing();
  const CheckpointRecord& record = classifier.record();
  return {
      {"format", "tl exported classifier 1"},
      {"input", "float32 [N, 3, " + std::to_string(preprocessing.height) + ", " + std::to_string(preprocessing.width) +
                    "], channels in `color` order, (x/255 - mean) / std"},
      {"output", softmax ? "class probabilities [N, classes] (softmax applied)" : "logits [N, classes] (no softmax)"},
      {"tta", name_of(tta)},
      {"classes", record.class_names},
      {"num_classes", record.class_names.size()},
      // The backbone metadata schema (../shared/models/*/model.json), for the preprocessing.
      {"input_size", {preprocessing.height, preprocessing.width}},
      {"resize_shorter", preprocessing.resize_shorter},
      {"interpolation", interpolation_name(preprocessing.interpolation)},
      {"mean", preprocessing.mean},
      {"std", preprocessing.std},
      {"color", preprocessing.channel_order == ChannelOrder::rgb ? "RGB" : "BGR"},
      {"reduced_decode", preprocessing.reduced_decode},
      {"source",
       {{"run", path_text(fs::absolute(run_directory).lexically_normal())},
        {"checkpoint", path_text(fs::absolute(checkpoint).lexically_normal())},
        {"epoch", record.epoch},
        {"metrics", record.metrics},
        {"backbone", recorded_backbones(record, &BackboneRecord::path)},
        {"backbone_sha256", recorded_backbones(record, &BackboneRecord::sha256)},
        {"head", {{"type", name_of(record.head.type)}, {"hidden", record.head.hidden}}}}},
  };
}

}  // namespace

ExportedFiles export_classifier(const fs::path& run_directory, const fs::path& out, const ExportOptions& options) {
  if (out.extension() == ".json") throw Error(out.string() + ": the module file needs another extension (e.g. .pt)");
  // TrainedClassifier checks the backbone file and preprocessing against what the head was trained on.
  TrainedClassifier classifier(run_directory, options.checkpoint, torch::kCPU);
  const fs::path checkpoint = options.checkpoint.value_or(RunDirectory(run_directory).best_checkpoint());

  torch::jit::Module exported("__torch__.tl.ExportedClassifier");
  const std::vector<BackboneRecord>& backbones = classifier.record().backbones;
  for (size_t k = 0; k < backbones.size(); ++k) {
    torch::jit::Module backbone = torch::jit::load(backbones[k].path, torch::kCPU);
    if (k == 0) {
      load_named_tensors(backbone, classifier.backbone_state(), checkpoint.string());
      exported.register_module("backbone", backbone);
      continue;
    }
    const InputConversion conversion = [&] {
      try {
        return input_conversion(classifier.preprocessing(), classifier.backbones()[k].preprocessing);
      } catch (const Error& error) {
        throw Error(out.string() + ": the exported module takes one input for every backbone, and " + error.what() +
                    "; nothing written");
      }
    }();
    const std::string prefix = "input_" + std::to_string(k) + "_";
    const auto per_channel = [](const std::array<float, 3>& values) {
      return torch::tensor(std::vector<float>(values.begin(), values.end())).view({1, 3, 1, 1});
    };
    exported.register_buffer(prefix + "channels", torch::tensor(std::vector<int64_t>(conversion.source_channel.begin(),
                                                                                     conversion.source_channel.end())));
    exported.register_buffer(prefix + "scale", per_channel(conversion.scale));
    exported.register_buffer(prefix + "shift", per_channel(conversion.shift));
    exported.register_module("backbone_" + std::to_string(k), backbone);
  }
  const auto linears = classifier.head()->linear_layers();
  for (size_t i = 0; i < linears.size(); ++i) {
    const std::string prefix = "head_" + std::to_string(i) + "_";
    exported.register_parameter(prefix + "weight", linears[i]->weight.detach().clone(), false);
    exported.register_parameter(prefix + "bias", linears[i]->bias.detach().clone(), false);
  }
  // OpenCV's DNN cannot run the reversed slice of a mirror: the ONNX graph scores the image as it is.
  const TestTimeAugmentation tta = options.format == ExportFormat::onnx ? TestTimeAugmentation::none : classifier.tta();
  exported.define(forward_source(backbones.size(), linears.size(), options.softmax, tta));
  exported.eval();

  // The module must answer exactly as tl does before anyone relies on it.
  const Preprocessing& preprocessing = classifier.preprocessing();
  // A generator of its own: exporting must not reseed the caller's global one.
  const auto probe = torch::randn({2, 3, preprocessing.height, preprocessing.width}, at::detail::createCPUGenerator(0));
  torch::Tensor expected, produced;
  {
    torch::NoGradGuard no_grad;
    expected = tta == classifier.tta() ? classifier.logits_for_images(probe)
                                       : classifier.logits(classifier.features_for_images(probe));
    if (options.softmax) expected = torch::softmax(expected, 1);
    produced = exported.forward({probe}).toTensor();
  }
  // tl runs the backbone channels-last, the exported module as stored: same maths, other rounding.
  if (!produced.sizes().equals(expected.sizes()) || !torch::allclose(produced, expected, 1e-4, 1e-3)) {
    throw Error(out.string() + ": the exported module does not reproduce the run's outputs (max difference " +
                std::to_string((produced - expected).abs().max().item<double>()) + "); nothing written");
  }

  ExportedFiles files;
  files.module = out;
  files.metadata = fs::path(out).replace_extension(".json");
  files.description = describe_export(classifier, run_directory, checkpoint, options.softmax, tta);
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
  std::ostringstream archive;
  exported.save(archive);
  if (options.format == ExportFormat::torchscript) {
    write_file_atomically(files.module, archive.str());
  } else {
    const fs::path torchscript = fs::path(out).concat(".torchscript.tmp");
    write_file_atomically(torchscript, archive.str(), Durability::rename_only);
    OnnxConversion conversion{torchscript, preprocessing.height, preprocessing.width,
                              options.softmax ? "probabilities" : "logits", options.python};
    try {
      files.description["onnx"] = convert_to_onnx(conversion, files.module);
    } catch (...) {
      fs::remove(torchscript);
      throw;
    }
    fs::remove(torchscript);
    files.description["format"] = "tl exported classifier 1, ONNX";
    if (classifier.tta() != tta) {
      files.description["tta_of_the_run"] = name_of(classifier.tta());
      files.description["tta_note"] =
          "the run scores each image with its left-right mirror (eval.tta: flip); this graph scores the image as "
          "it is: to score as tl does, average its outputs for the image and for the image mirrored";
    }
  }
  write_file_atomically(files.metadata, files.description.dump(2) + "\n");
  return files;
}

}  // namespace tl
