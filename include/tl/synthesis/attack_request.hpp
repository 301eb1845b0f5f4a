#pragma once
// An adversarial attack as tl-attack asks for it, from files to files: the network (and optionally a
// second one, to see whether the attack transfers), the photo, the target class by name or number.
// attack_to_files writes the adversarial PNG, the photo as the network saw it, the magnified change
// and a JSON report with both top-5s. Free of LibTorch.
#include <filesystem>
#include <optional>
#include <string>

#include "tl/synthesis/attack_options.hpp"
#include "tl/synthesis/classifier_source.hpp"

namespace tl {

struct AttackRequest {
  ClassifierSource classifier;
  ClassifierSource transfer;                 // when given: a second network, scored on the same images
  std::string device = "auto";               // auto, cpu, cuda or cuda:N
  std::filesystem::path image;               // the photo
  std::optional<std::string> target;         // class name (or alias) or number; fills options.target
  std::filesystem::path out;                 // the adversarial PNG
  std::optional<std::filesystem::path> perturbation;  // default <out stem>_perturbation.png
  std::optional<std::filesystem::path> report;        // default <out stem>.json
  AttackOptions options;
};

struct AttackOutcome {
  std::filesystem::path adversarial, report;
  std::string source_class, result_class;  // the top class before and after
  double source_probability = 0, result_probability = 0;
  double linf = 0, l2 = 0;  // pixel units
  bool success = false;     // the target reached (pgd), or the top class changed (untargeted fgsm)
};

AttackOutcome attack_to_files(const AttackRequest& request);

}  // namespace tl
