#pragma once
// Label issues: the images whose given label a model that never saw them doubts. With k-fold
// cross-validation every image the head was fitted on gets class probabilities from the fit that
// held its fold out; an image whose most probable class is another than its label is listed, the
// lowest probability of the given label first (the self-confidence ranking of confident learning,
// Northcutt et al. 2021). On Oxford breeds with 20 photos filed under a wrong breed, 19 of the first
// 20 listed are those; ranked by the gap to the most probable class instead, 15 are: a rightly
// labelled photo of a look-alike breed can have a wide gap, but rarely a given probability near 0.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tl {

struct LabelIssue {
  std::string path;
  int given = 0, suggested = 0;
  double given_probability = 0, suggested_probability = 0;  // out of fold
  double margin() const { return suggested_probability - given_probability; }
};

// Per image: the class probabilities from a fit that did not see it (row-major images x classes),
// its label and its path.
struct OutOfFoldProbabilities {
  std::vector<float> probabilities;
  std::vector<int> labels;
  std::vector<std::string> paths;
  size_t classes = 0;
  int folds = 0;
};

struct LabelIssues {
  int folds = 0;
  long long images_checked = 0;
  std::vector<std::string> classes;
  std::vector<LabelIssue> issues;  // lowest given probability first; ties: wider margin, then path

  nlohmann::json to_json() const;
  // tl::Error naming `file` and the field when one is missing or out of range.
  static LabelIssues from_json(const nlohmann::json& json, const std::string& file);
};

// Every image whose most probable class is not its label, ranked. tl::Error when the sizes disagree.
LabelIssues find_label_issues(const OutOfFoldProbabilities& held_out, const std::vector<std::string>& class_names);

// label_issues.json of a run, or nothing when the run has none (it was not trained with k-fold).
std::optional<LabelIssues> read_label_issues(const std::filesystem::path& run_directory);

}  // namespace tl
