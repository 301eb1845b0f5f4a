// Sweeps: grid and explicit variants expand into validated experiments (a bad key or value is an
// error before anything runs); results read from run directories rank, gate and tabulate.
#include "tl/sweep/sweep.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"
#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/run/evaluation_record.hpp"
#include "tl/run/run_summary.hpp"
#include "tl/sweep/sweep_results.hpp"

namespace {

using tl::testing::TempDirectory;
using tl::testing::write_file;

class SweepFile : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir / "configs/base.yaml", R"(name: base
data: {layout: image_folder, root: ../data}
model: {backbone: ../models/a/backbone.pt, head: {type: linear}}
train: {epochs: 4}
)");
  }

  std::string error_of(const std::string& sweep_yaml) {
    write_file(dir / "sweeps/s.yaml", sweep_yaml);
    try {
      tl::load_sweep(dir / "sweeps/s.yaml");
    } catch (const tl::Error& error) {
      return error.what();
    }
    return "no error";
  }

  TempDirectory dir;
};

TEST_F(SweepFile, GridExpandsToEveryCombinationWithReadableNames) {
  write_file(dir / "sweeps/s.yaml", R"(base: ../configs/base.yaml
dir: out
set: {train.epochs: 2}
grid:
  model.backbone: [../models/a/backbone.pt, ../models/b/backbone.pt]
  train.optimizer.lr: [0.001, 0.01, 0.1]
variants:
  - name: mlp
    set: {model.head.type: mlp, model.head.hidden: [16]}
    fail_under: {top1: 0.5}
fail_under: {mean_per_class: 0.7}
)");
  const tl::Sweep sweep = tl::load_sweep(dir / "sweeps/s.yaml");
  EXPECT_EQ(sweep.name, "s");
  EXPECT_EQ(sweep.directory, dir / "sweeps/out");
  ASSERT_EQ(sweep.variants.size(), 7u);
  EXPECT_EQ(sweep.variants[0].name, "backbone-a__lr-0.001");
  EXPECT_EQ(sweep.variants[1].name, "backbone-a__lr-0.01");
  EXPECT_EQ(sweep.variants[5].name, "backbone-b__lr-0.1");
  EXPECT_EQ(sweep.variants[6].name, "mlp");
  EXPECT_EQ(sweep.varied_keys,
            (std::vector<std::string>{"model.backbone", "train.optimizer.lr", "model.head.hidden", "model.head.type"}))
      << "grid keys, then the explicit variants' keys (a mapping's keys come in alphabetical order)";

  const tl::Experiment& fifth = sweep.variants[5].experiment;
  EXPECT_EQ(fifth.model.backbones.at(0).file, dir / "models/b/backbone.pt")
      << "sweep paths resolve against the sweep's folder";
  EXPECT_EQ(fifth.data.root, dir / "data") << "base paths resolve against the base's folder";
  EXPECT_DOUBLE_EQ(fifth.train.optimizer.lr, 0.1);
  EXPECT_EQ(fifth.train.epochs, 2) << "set applies to every variant";
  EXPECT_EQ(fifth.run_directory, dir / "sweeps/out/backbone-b__lr-0.1");
  EXPECT_EQ(fifth.name, "backbone-b__lr-0.1");

  const tl::Experiment& mlp = sweep.variants[6].experiment;
  EXPECT_EQ(mlp.model.head.type, tl::HeadType::mlp);
  EXPECT_EQ(mlp.model.backbones.at(0).file, dir / "models/a/backbone.pt")
      << "an explicit variant keeps the base's values";
  ASSERT_EQ(sweep.variants[6].gates.size(), 1u);
  EXPECT_EQ(sweep.variants[6].gates[0].metric, "top1");
  ASSERT_EQ(sweep.gates.size(), 1u);
  EXPECT_DOUBLE_EQ(sweep.gates[0].minimum, 0.7);
}

// Six keys of ten values once expanded a million variants in memory (past 3 GB) before --list said
// anything: the combinations are counted first.
TEST_F(SweepFile, AGridOfTooManyCombinationsIsRefusedBeforeItIsExpanded) {
  std::string grid = "base: ../configs/base.yaml\ngrid:\n";
  for (const char* key : {"train.optimizer.lr", "train.epochs", "train.batch_size", "seed", "data.val_fraction",
                          "train.label_smoothing"}) {
    grid += std::string("  ") + key + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  }
  const std::string error = error_of(grid);
  EXPECT_NE(error.find("grid: more than 1000 combinations of values"), std::string::npos) << error;
}

TEST_F(SweepFile, NamesFallBackWhenValuesLookAlike) {
  write_file(dir / "sweeps/s.yaml", R"(base: ../configs/base.yaml
set: {model.head.type: mlp}
grid:
  model.head.hidden: [[64], [128, 32]]
  data.root: [x/images, y/images]
)");
  const tl::Sweep sweep = tl::load_sweep(dir / "sweeps/s.yaml");
  ASSERT_EQ(sweep.variants.size(), 4u);
  EXPECT_EQ(sweep.variants[0].name, "root-x__hidden-64");
  EXPECT_EQ(sweep.variants[3].name, "root-y__hidden-128x32");
}

// One backbone against two: a list of paths is named by its members, each as a path alone would be.
TEST_F(SweepFile, ListsOfBackbonesAreNamedByTheirMembers) {
  write_file(dir / "sweeps/s.yaml", R"(base: ../configs/base.yaml
grid:
  model.backbone: [../models/a/backbone.pt, [../models/a/backbone.pt, ../models/b/backbone.pt]]
)");
  const tl::Sweep sweep = tl::load_sweep(dir / "sweeps/s.yaml");
  ASSERT_EQ(sweep.variants.size(), 2u);
  EXPECT_EQ(sweep.variants[0].name, "backbone-a");
  EXPECT_EQ(sweep.variants[1].name, "backbone-a_and_b");
  EXPECT_EQ(sweep.variants[1].experiment.model.backbones.size(), 2u);
}

TEST_F(SweepFile, InvalidKeysAndValuesAreErrorsBeforeAnythingRuns) {
  const std::string file = (dir / "sweeps/s.yaml").string();
  EXPECT_EQ(error_of("base: ../configs/base.yaml\ngrid: {train.optimizer.lrr: [0.1]}\n"),
            file + ": variant lrr-0.1: train.optimizer.lrr: unknown key (known keys here: name, lr, weight_decay)")
      << "the sweep set the key, not base.yaml";
  EXPECT_EQ(error_of("base: ../configs/base.yaml\ngrid: {train.epochs: [2, zero]}\n"),
            file + ": variant epochs-zero: train.epochs: expected an integer in [1, 100000], got \"zero\"");
  EXPECT_EQ(error_of("base: ../configs/base.yaml\ngrid: {train.epochs: []}\n"),
            file + ": grid.train.epochs: expected a non-empty list of values");
  EXPECT_EQ(error_of("base: ../configs/base.yaml\n"), file + ": grid: a sweep needs a grid or a list of variants");
  EXPECT_EQ(error_of("base: ../configs/base.yaml\nvariants: [{name: a}, {name: a}]\n"),
            file + ": two variants are named \"a\"");
  EXPECT_EQ(error_of("base: ../configs/base.yaml\nvariants: [{name: a b}]\n"),
            file +
                ": variants[0].name: expected letters, digits, '.', '_' or '-' (it names the run directory), got "
                "\"a b\"");
  EXPECT_EQ(error_of("base: ../configs/base.yaml\nvariants: [{name: " + std::string(40000, 'v') + "}]\n"),
            file + ": variants[0].name: expected at most 255 characters (it names the run directory), got 40000");
  EXPECT_EQ(error_of("base: ../configs/base.yaml\nvariants: [{name: a}]\nfail_under: {val_loss: 0.1}\n"),
            file + ": fail_under.val_loss: expected one of top1|mean_per_class|val_accuracy");
  EXPECT_EQ(error_of("base: ../configs/base.yaml\nvariants: [{name: a}]\nmetric: f1\n"),
            file + ": metric: expected one of top1|mean_per_class|val_accuracy|val_loss, got \"f1\"");
  EXPECT_EQ(error_of("base: ../configs/missing.yaml\nvariants: [{name: a}]\n"),
            file + ": variant a: " + (dir / "configs/missing.yaml").string() + ": cannot open config file");
  EXPECT_EQ(error_of("grid: {train.epochs: [1]}\n"), file + ": base: required, expected a path");
}

TEST(SweepGate, ParsesMetricEqualsValue) {
  const tl::Gate gate = tl::parse_gate("top1=0.95", "--fail-under");
  EXPECT_EQ(gate.metric, "top1");
  EXPECT_DOUBLE_EQ(gate.minimum, 0.95);
  EXPECT_THROW(tl::parse_gate("top1", "--fail-under"), tl::Error);
  EXPECT_THROW(tl::parse_gate("top1=high", "--fail-under"), tl::Error);
  EXPECT_THROW(tl::parse_gate("top1=0.9x", "--fail-under"), tl::Error);
  EXPECT_THROW(tl::parse_gate("accuracy=0.9", "--fail-under"), tl::Error);
}

// Run directories as tl-train and tl-eval leave them, with known numbers.
void write_finished_run(const std::filesystem::path& run, double top1, double mean_per_class, double val_loss,
                        double val_accuracy = 0.9) {
  tl::RunSummary summary;
  summary.epochs = 6;
  summary.best = {4, "head", 0.01, 0.3, 0.95, val_loss, val_accuracy, 1.0, 50.0};
  summary.last = summary.best;
  summary.feature_extraction.images_per_second = 80.5;
  summary.backbone.parts = {{"backbone.pt", "0123", 8}};
  write_file(run / "summary.json", summary.to_json().dump());
  tl::EvaluationRecord evaluation;
  evaluation.report.top1 = top1;
  evaluation.report.mean_per_class_accuracy = mean_per_class;
  write_file(run / "eval_test.json", evaluation.to_json().dump());
}

TEST_F(SweepFile, ResultsRankGateAndTabulateKnownRuns) {
  write_file(dir / "sweeps/s.yaml", R"(base: ../configs/base.yaml
dir: out
grid: {train.optimizer.lr: [0.001, 0.01, 0.1]}
variants: [{name: strict, fail_under: {top1: 0.99}}]
fail_under: {top1: 0.8}
)");
  const tl::Sweep sweep = tl::load_sweep(dir / "sweeps/s.yaml");
  write_finished_run(sweep.variants[0].experiment.run_directory, 0.85, 0.84, 0.30);
  write_finished_run(sweep.variants[1].experiment.run_directory, 0.95, 0.94, 0.20);
  write_finished_run(sweep.variants[2].experiment.run_directory, 0.75, 0.70, 0.90);
  write_finished_run(sweep.variants[3].experiment.run_directory, 0.90, 0.89, 0.25);

  std::vector<tl::VariantResult> results;
  for (size_t i = 0; i < 4; ++i) {
    results.push_back(tl::read_variant_result(sweep.variants[i], "test"));
    results.back().wall_seconds = 10.0 + i;
  }
  tl::VariantResult failed;
  failed.name = "crashed";
  failed.error = "tl-train: error: boom, \"quoted\"";
  results.push_back(failed);

  tl::rank_results(results, "top1");
  std::vector<std::string> order;
  for (const auto& result : results) order.push_back(result.name);
  EXPECT_EQ(order, (std::vector<std::string>{"lr-0.01", "strict", "lr-0.001", "lr-0.1", "crashed"}));
  EXPECT_TRUE(results[0].best);
  EXPECT_FALSE(results[1].best);

  const auto missed = tl::apply_gates(results, sweep, {tl::parse_gate("mean_per_class=0.8", "--fail-under")});
  EXPECT_EQ(missed, (std::vector<std::string>{"gate missed: strict: top1 0.9000 < 0.9900 (" +
                                                  (dir / "sweeps/s.yaml").string() + ": variants[0].fail_under)",
                                              "gate missed: lr-0.1: top1 0.7500 < 0.8000 (" +
                                                  (dir / "sweeps/s.yaml").string() + ": fail_under)",
                                              "gate missed: lr-0.1: mean_per_class 0.7000 < 0.8000 (--fail-under)"}));

  tl::write_results(sweep, results);
  EXPECT_EQ(tl::testing::read_file(sweep.directory / "results.csv"),
            "best,variant,train.optimizer.lr,status,top1,mean_per_class,val_accuracy,val_loss,epochs,wall_s,"
            "images_per_s,gates,error\n"
            "*,lr-0.01,0.01,ok,0.9500,0.9400,0.9000,0.2000,6,11.0,80.5,passed,\n"
            ",strict,,ok,0.9000,0.8900,0.9000,0.2500,6,13.0,80.5,missed,\n"
            ",lr-0.001,0.001,ok,0.8500,0.8400,0.9000,0.3000,6,10.0,80.5,passed,\n"
            ",lr-0.1,0.1,ok,0.7500,0.7000,0.9000,0.9000,6,12.0,80.5,missed,\n"
            ",crashed,,failed,,,,,,0.0,,,\"tl-train: error: boom, \"\"quoted\"\"\"\n");
  const auto previous = tl::previous_results(sweep);
  ASSERT_EQ(previous.size(), 5u);
  EXPECT_DOUBLE_EQ(previous.at("lr-0.1").wall_seconds, 12.0);
  EXPECT_TRUE(previous.at("lr-0.01").best);
  EXPECT_EQ(previous.at("crashed").error, "tl-train: error: boom, \"quoted\"");
  for (const tl::VariantResult& result : results) {
    EXPECT_EQ(previous.at(result.name).to_json(sweep.directory / result.name),
              result.to_json(sweep.directory / result.name))
        << result.name << " reads back as written";
  }
  tl::write_file_atomically(sweep.directory / "results.json", R"({"format": 1, "variants": [{"name": "x"}]})");
  EXPECT_TRUE(tl::previous_results(sweep).empty()) << "a damaged file costs the timings only";
  EXPECT_NE(tl::testing::read_file(sweep.directory / "results.md").find("| * | lr-0.01 | 0.01 | ok | 0.9500 |"),
            std::string::npos);

  tl::rank_results(results, "val_loss");
  EXPECT_EQ(results[0].name, "lr-0.01") << "the lowest validation loss ranks first";
  EXPECT_EQ(results[1].name, "strict");

  // What a sweep file or a failing run puts in a cell is text: never a spreadsheet formula or markup.
  for (tl::VariantResult& result : results) {
    if (!result.ok) result.error = "=HYPERLINK(\"http://evil\") <img src=x>";
    if (result.name == "lr-0.1") result.values = {{"train.optimizer.lr", "@SUM(1+1)"}};
  }
  tl::write_results(sweep, results);
  const std::string csv = tl::testing::read_file(sweep.directory / "results.csv");
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"http://evil\"\") <img src=x>\"\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'@SUM(1+1),"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",0.01,ok,"), std::string::npos) << "numbers stay numbers";
  const std::string markdown = tl::testing::read_file(sweep.directory / "results.md");
  EXPECT_NE(markdown.find("&lt;img src=x&gt;"), std::string::npos) << markdown;
  EXPECT_EQ(markdown.find("<img"), std::string::npos);

  std::filesystem::remove(sweep.variants[0].experiment.run_directory / "eval_test.json");
  EXPECT_THROW(tl::read_variant_result(sweep.variants[0], "test"), tl::Error);
}

// folds: K runs every variant once per validation fold and ranks the recipes by their mean over the
// folds, so that a recipe is not chosen by one image of one validation split.
TEST_F(SweepFile, FoldsRunEachVariantOncePerFoldAndRankRecipesByTheirMean) {
  write_file(dir / "sweeps/s.yaml", R"(base: ../configs/base.yaml
dir: out
folds: 3
grid: {train.optimizer.lr: [0.001, 0.01]}
)");
  const tl::Sweep sweep = tl::load_sweep(dir / "sweeps/s.yaml");
  EXPECT_EQ(sweep.metric, "val_accuracy") << "with folds every image is validated once";
  ASSERT_EQ(sweep.variants.size(), 6u);
  EXPECT_EQ(sweep.variants[0].name, "lr-0.001__fold-0");
  EXPECT_EQ(sweep.variants[5].name, "lr-0.01__fold-2");
  EXPECT_EQ(sweep.variants[5].recipe, "lr-0.01");
  EXPECT_EQ(sweep.variants[5].fold, 2);
  const tl::Experiment& last = sweep.variants[5].experiment;
  ASSERT_TRUE(last.data.val_fold.has_value());
  EXPECT_EQ(last.data.val_fold->index, 2);
  EXPECT_EQ(last.data.val_fold->of, 3);
  EXPECT_DOUBLE_EQ(last.train.optimizer.lr, 0.01);
  EXPECT_EQ(last.run_directory, dir / "sweeps/out/lr-0.01__fold-2");

  const std::vector<double> val_accuracies{0.80, 0.90, 0.85, 0.88, 0.86, 0.87};
  std::vector<tl::VariantResult> results;
  for (size_t i = 0; i < sweep.variants.size(); ++i) {
    write_finished_run(sweep.variants[i].experiment.run_directory, 0.9, 0.9, 0.3, val_accuracies[i]);
    results.push_back(tl::read_variant_result(sweep.variants[i], "test"));
  }
  tl::rank_results(results, sweep.metric);
  EXPECT_EQ(results[0].name, "lr-0.001__fold-1") << "the best single run is not the best recipe";
  const auto recipes = tl::summarize_recipes(sweep, results);
  ASSERT_EQ(recipes.size(), 2u);
  EXPECT_EQ(recipes[0].name, "lr-0.01");
  EXPECT_TRUE(recipes[0].best);
  EXPECT_NEAR(recipes[0].mean.at("val_accuracy"), 0.87, 1e-12);
  EXPECT_NEAR(recipes[0].deviation.at("val_accuracy"), 0.01, 1e-12);
  EXPECT_NEAR(recipes[1].mean.at("val_accuracy"), 0.85, 1e-12);
  EXPECT_NEAR(recipes[1].deviation.at("val_accuracy"), 0.05, 1e-12);
  EXPECT_FALSE(recipes[1].best);

  tl::write_results(sweep, results);
  const auto json = nlohmann::json::parse(tl::testing::read_file(sweep.directory / "results.json"));
  EXPECT_EQ(json["folds"], 3);
  ASSERT_EQ(json["recipes"].size(), 2u);
  EXPECT_EQ(json["recipes"][0]["name"], "lr-0.01");
  EXPECT_EQ(json["recipes"][0]["finished"], 3);
  EXPECT_NEAR(json["recipes"][0]["mean"]["val_accuracy"].get<double>(), 0.87, 1e-12);
  const std::string markdown = tl::testing::read_file(sweep.directory / "results.md");
  EXPECT_NE(markdown.find("Recipes over 3 validation folds, ranked by their mean val_accuracy"), std::string::npos);
  EXPECT_NE(markdown.find("| * | lr-0.01 | 0.01 | 3/3 | 0.9000 ± 0.0000 | 0.9000 ± 0.0000 | 0.8700 ± 0.0100 |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(tl::testing::read_file(sweep.directory / "report.html").find("Recipes over 3 validation folds"),
            std::string::npos);
  const auto previous = tl::previous_results(sweep);
  EXPECT_EQ(previous.at("lr-0.01__fold-2").recipe, "lr-0.01");
  EXPECT_EQ(previous.at("lr-0.01__fold-2").fold, 2);

  // A recipe with a fold missing (failed, or not run yet) has no figures and ranks last.
  results.erase(std::remove_if(results.begin(), results.end(),
                               [](const tl::VariantResult& result) { return result.name == "lr-0.01__fold-0"; }),
                results.end());
  const auto partial = tl::summarize_recipes(sweep, results);
  EXPECT_EQ(partial[0].name, "lr-0.001");
  EXPECT_EQ(partial[1].finished, 2);
  EXPECT_TRUE(partial[1].mean.empty());

  EXPECT_EQ(error_of("base: ../configs/base.yaml\nfolds: 1\ngrid: {train.optimizer.lr: [0.1]}\n"),
            (dir / "sweeps/s.yaml").string() +
                ": folds: one fold holds no images out: give 0 (one run per variant) or at least 2");
}

// Every file in configs/ loads: a config as an experiment, a sweep (a file with a base) with every
// variant validated, so a change of defaults cannot leave a shipped file that only fails when run.
TEST(ShippedConfigs, EveryConfigAndSweepLoads) {
  TempDirectory dir;
  size_t configs = 0, sweeps = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TL_CONFIGS_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string text = tl::testing::read_file(entry.path());
    try {
      if (text.rfind("base:", 0) == 0 || text.find("\nbase:") != std::string::npos) {
        EXPECT_FALSE(tl::load_sweep(entry.path(), dir / "sweep").variants.empty()) << entry.path();
        ++sweeps;
      } else {
        tl::load_experiment_file(entry.path());
        ++configs;
      }
    } catch (const tl::Error& error) {
      ADD_FAILURE() << error.what();
    }
  }
  EXPECT_GE(configs, 10u);
  EXPECT_GE(sweeps, 2u);
}

}  // namespace
