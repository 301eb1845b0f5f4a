#include "tl/run/label_issues.hpp"

#include <algorithm>

#include "tl/base/error.hpp"
#include "tl/base/json_file.hpp"
#include "tl/run/recorded_fields.hpp"
#include "tl/run/run_directory.hpp"

namespace tl {

nlohmann::json LabelIssues::to_json() const {
  nlohmann::json listed = nlohmann::json::array();
  for (const LabelIssue& issue : issues) {
    listed.push_back({{"path", issue.path},
                      {"given", issue.given},
                      {"given_class", classes.at(static_cast<size_t>(issue.given))},
                      {"given_probability", issue.given_probability},
                      {"suggested", issue.suggested},
                      {"suggested_class", classes.at(static_cast<size_t>(issue.suggested))},
                      {"suggested_probability", issue.suggested_probability},
                      {"margin", issue.margin()}});
  }
  return {{"format", 1},
          {"method",
           "out-of-fold class probabilities; listed when another class is more probable than the given "
           "one, the lowest probability of the given class first"},
          {"folds", folds},
          {"images_checked", images_checked},
          {"classes", classes},
          {"issues", listed}};
}

LabelIssues LabelIssues::from_json(const nlohmann::json& json, const std::string& file) {
  const RecordedFields fields(json, file);
  fields.format(1);
  LabelIssues read;
  read.folds = fields.integer("folds");
  read.images_checked = fields.large_integer("images_checked");
  read.classes = fields.texts("classes");
  const auto classes = static_cast<int>(read.classes.size());
  const size_t listed = fields.array("issues").size();
  for (size_t i = 0; i < listed; ++i) {
    const RecordedFields entry = fields.element("issues", i);
    LabelIssue issue{entry.text("path"), entry.integer("given"), entry.integer("suggested"),
                     entry.number("given_probability"), entry.number("suggested_probability")};
    for (const auto& [name, label] : {std::pair{"given", issue.given}, std::pair{"suggested", issue.suggested}}) {
      if (label < 0 || label >= classes) {
        throw Error(entry.where(name) + ": expected a class number below " + std::to_string(classes));
      }
    }
    for (const auto& [name, probability] : {std::pair{"given_probability", issue.given_probability},
                                            std::pair{"suggested_probability", issue.suggested_probability}}) {
      if (!(probability >= 0.0 && probability <= 1.0)) throw Error(entry.where(name) + ": expected a probability");
    }
    read.issues.push_back(std::move(issue));
  }
  return read;
}

LabelIssues find_label_issues(const OutOfFoldProbabilities& held_out, const std::vector<std::string>& class_names) {
  const size_t images = held_out.labels.size();
  if (held_out.classes != class_names.size() || held_out.paths.size() != images ||
      held_out.probabilities.size() != images * held_out.classes) {
    throw Error("label issues: " + std::to_string(held_out.probabilities.size()) + " probabilities, " +
                std::to_string(images) + " labels and " + std::to_string(held_out.paths.size()) + " paths for " +
                std::to_string(class_names.size()) + " classes do not fit together");
  }
  LabelIssues found;
  found.folds = held_out.folds;
  found.images_checked = static_cast<long long>(images);
  found.classes = class_names;
  for (size_t image = 0; image < images; ++image) {
    const float* row = held_out.probabilities.data() + image * held_out.classes;
    const auto suggested = static_cast<int>(std::max_element(row, row + held_out.classes) - row);
    const int given = held_out.labels[image];
    if (given < 0 || static_cast<size_t>(given) >= held_out.classes) {
      throw Error("label issues: " + held_out.paths[image] + " has label " + std::to_string(given) + " of " +
                  std::to_string(held_out.classes) + " classes");
    }
    if (suggested == given || row[suggested] == row[given]) continue;
    found.issues.push_back({held_out.paths[image], given, suggested, row[given], row[suggested]});
  }
  std::sort(found.issues.begin(), found.issues.end(), [](const LabelIssue& a, const LabelIssue& b) {
    if (a.given_probability != b.given_probability) return a.given_probability < b.given_probability;
    return a.margin() != b.margin() ? a.margin() > b.margin() : a.path < b.path;
  });
  return found;
}

std::optional<LabelIssues> read_label_issues(const std::filesystem::path& run_directory) {
  const std::filesystem::path file = RunDirectory(run_directory).label_issues();
  if (!std::filesystem::exists(file)) return std::nullopt;
  return LabelIssues::from_json(read_json_file(file, kMaxRunListBytes), file.string());
}

}  // namespace tl
