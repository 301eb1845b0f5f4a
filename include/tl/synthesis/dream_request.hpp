#pragma once
// A dream as tl-dream asks for it, from files to files: the network, the target class by name or
// number, where to start and where to write. dream_to_files resolves the names, dreams, and writes
// the PNG (and snapshots) and a JSON log of the target probability and loss terms. Free of LibTorch.
#include <filesystem>
#include <optional>
#include <string>

#include "tl/synthesis/classifier_source.hpp"
#include "tl/synthesis/dream_options.hpp"

namespace tl {

struct DreamRequest {
  ClassifierSource classifier;
  std::string device = "auto";  // auto, cpu, cuda or cuda:N
  std::string target;           // class name (or alias) or number; fills options.target
  std::filesystem::path out;    // the PNG
  std::optional<std::filesystem::path> start_image;  // else seeded noise
  std::optional<std::filesystem::path> report;       // default <out stem>.json
  int size = 0;                                      // 0: the model's input size; fills options.height, width
  int snapshot_every = 0;                            // also <out stem>_step<N>.png every N steps
  DreamOptions options;
};

struct DreamOutcome {
  std::filesystem::path image, report;
  std::string target;  // the class's name
  double target_probability = 0, total_variation = 0;
};

DreamOutcome dream_to_files(const DreamRequest& request);

}  // namespace tl
