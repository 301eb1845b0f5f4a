// The report's pieces on hand-made inputs: escaping, axes, charts, the confusion heat map, and whole
// run pages for a finished, an evaluated and an interrupted run. What a browser makes of the page is
// tested end to end in tests/cli (headless Chromium).
#include <algorithm>
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "support/fixtures.hpp"
#include "support/temp_directory.hpp"
#include "tl/base/error.hpp"
#include "tl/report/bar_chart.hpp"
#include "tl/report/chart_axis.hpp"
#include "tl/report/confusion_heat_map.hpp"
#include "tl/report/html_page.hpp"
#include "tl/report/line_chart.hpp"
#include "tl/report/run_report.hpp"
#include "tl/run/evaluation_record.hpp"
#include "tl/run/run_summary.hpp"

namespace {

using tl::testing::read_file;
using tl::testing::TempDirectory;
using tl::testing::write_file;

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

TEST(HtmlPage, EscapesEverythingMarkupCouldHideIn) {
  EXPECT_EQ(tl::escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  tl::HtmlPage page("<b>title</b>");
  page.add_section("s", "heading", "<p>body</p>");
  const std::string html = page.render();
  EXPECT_NE(html.find("<title>&lt;b&gt;title&lt;/b&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"s\"><h2>heading</h2><p>body</p></section>"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org")) << "nothing is fetched";
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(HtmlPage, NumericColumnsSortByValue) {
  const std::string table = tl::html_table({"name", "share"}, {{tl::text_cell("a<b"), tl::percent_cell(0.25)}}, true);
  EXPECT_NE(table.find("class=\"sortable\""), std::string::npos);
  EXPECT_NE(table.find("<td>a&lt;b</td>"), std::string::npos);
  EXPECT_NE(table.find("<td class=\"num\" data-sort=\"0.250000000\">25.00%</td>"), std::string::npos);
  EXPECT_EQ(tl::format_number(std::nan(""), 2), "–");
}

TEST(ChartAxis, TicksAreRoundNumbersCoveringTheRange) {
  const auto accuracy = tl::nice_axis(0.43, 0.97);
  EXPECT_DOUBLE_EQ(accuracy.low, 0.4);
  EXPECT_DOUBLE_EQ(accuracy.high, 1.0);
  ASSERT_EQ(accuracy.ticks.size(), 7u);
  EXPECT_EQ(accuracy.label(accuracy.ticks[1]), "0.5");
  const auto epochs = tl::nice_axis(1, 3, 6, true);
  EXPECT_DOUBLE_EQ(epochs.step, 1.0);
  EXPECT_EQ(epochs.ticks, (std::vector<double>{1, 2, 3}));
  const auto rate = tl::nice_axis(0.0001, 0.0005);
  EXPECT_EQ(rate.label(rate.ticks.back()), "0.0005");
  const auto flat = tl::nice_axis(2, 2);
  EXPECT_LT(flat.low, 2);
  EXPECT_GT(flat.high, 2);
}

TEST(LineChart, OnePolylinePointPerValueAndEveryPartLabelled) {
  tl::LineChart chart{"Loss", "epoch", "loss", {}, {}, {}, true, true};
  chart.series.push_back({"train <loss>", {{1, 0.9}, {2, 0.5}, {3, 0.4}}, {}, false});
  chart.series.push_back({"val loss", {{1, 1.0}, {2, 0.7}, {3, 0.6}}, {}, true});
  chart.lines.push_back({2.5, "fine-tuning"});
  chart.marks.push_back({3, 0.6, "best epoch 3"});
  const std::string svg = tl::render_svg(chart);
  const std::regex polyline("<polyline class=\"series\" data-series=\"([^\"]*)\" points=\"([^\"]*)\"");
  std::vector<std::pair<std::string, size_t>> found;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polyline); it != std::sregex_iterator(); ++it) {
    const std::string points = (*it)[2];
    found.emplace_back((*it)[1], static_cast<size_t>(std::count(points.begin(), points.end(), ',')));
  }
  EXPECT_EQ(found, (std::vector<std::pair<std::string, size_t>>{{"train &lt;loss&gt;", 3}, {"val loss", 3}}));
  for (const char* part : {">epoch<", ">loss<", ">fine-tuning<", ">best epoch 3<", "class=\"legend-item\""}) {
    EXPECT_NE(svg.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(occurrences(svg, "class=\"tick\""), 3u + 6u) << "x ticks 1..3, y ticks 0..1 in steps of 0.2";
}

// A sweep's variant names are long: the legend wraps onto rows inside the chart, and the chart grows.
TEST(LineChart, LongLegendNamesWrapInsideTheChart) {
  tl::LineChart chart{"Validation accuracy", "epoch", "accuracy (%)", {}, {}, {}, true, false};
  chart.width = 640;
  for (const char* name : {"backbone-mobilenet_v2_1.0_224_ptq__lr-0.001", "backbone-mobilenet_v2_1.0_224_ptq__lr-0.01",
                           "backbone-mobilenet_v1_0.25_128_quant__lr-0.001"}) {
    chart.series.push_back({name, {{1, 90}, {2, 95}}, {}, false});
  }
  chart.series.push_back({std::string(200, 'x'), {{1, 80}, {2, 85}}, {}, false});
  const std::string svg = tl::render_svg(chart);
  const std::regex legend_text(
      "<g class=\"legend-item\"[^>]*><title>([^<]*)</title><rect[^>]*/><text x=\"([0-9.]+)\" "
      "y=\"([0-9.]+)\">([^<]*)</text>");
  std::set<std::string> rows;
  size_t entries = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), legend_text); it != std::sregex_iterator(); ++it) {
    ++entries;
    rows.insert((*it)[3]);
    const std::string shown = (*it)[4];
    // Legend glyphs are at most ~6.5 px wide (11 px type); the ellipsis is one glyph in three bytes.
    const std::string ellipsis = "\u2026";
    const bool shortened = shown.size() >= 3 && shown.compare(shown.size() - 3, 3, ellipsis) == 0;
    const auto glyphs = static_cast<double>(shown.size() - (shortened ? 2 : 0));
    EXPECT_LE(std::stod((*it)[2]) + 6.5 * glyphs, 640.0) << shown;
    EXPECT_EQ((*it)[1].str().substr(0, 8), shown.substr(0, 8));
  }
  EXPECT_EQ(entries, 4u);
  EXPECT_GE(rows.size(), 3u) << "three long names and one too long for a row do not fit one row";
  EXPECT_NE(svg.find(std::string(200, 'x')), std::string::npos) << "the full name stays in the tooltip";
  EXPECT_NE(svg.find("\u2026"), std::string::npos);
  const std::smatch height = [&] {
    std::smatch match;
    std::regex_search(svg, match, std::regex("<svg[^>]* height=\"([0-9.]+)\""));
    return match;
  }();
  EXPECT_GT(std::stod(height[1]), chart.height) << "the rows of legend add height rather than squeeze the plot";
}

TEST(BarChart, OneBarPerValue) {
  tl::BarChart chart{"top1", "top1", {{"a", 0.9, "0.9000", {}}, {"<b>", 0.5, "0.5000", {}}}};
  const std::string svg = tl::render_svg(chart);
  EXPECT_EQ(occurrences(svg, "class=\"bar\""), 2u);
  EXPECT_NE(svg.find("data-value=\"0.900000000\""), std::string::npos);
  EXPECT_NE(svg.find(">&lt;b&gt;<"), std::string::npos);
}

TEST(ConfusionHeatMap, ClassesSquaredCellsHoldingTheCounts) {
  const std::vector<std::string> names{"cat", "dog", "<script>"};
  const std::vector<std::vector<int>> confusion{{5, 1, 0}, {2, 7, 0}, {0, 0, 3}};
  const std::string svg = tl::render_confusion_heat_map(names, confusion);
  EXPECT_EQ(occurrences(svg, "class=\"cell\""), 9u);
  int total = 0;
  const std::regex count("data-count=\"([0-9]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), count); it != std::sregex_iterator(); ++it) {
    total += std::stoi((*it)[1]);
  }
  EXPECT_EQ(total, 18);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt; → &lt;script&gt;: 3 (100.0% of &lt;script&gt;)"), std::string::npos);
  EXPECT_NE(svg.find("dog → cat: 2 (22.2% of dog)"), std::string::npos);
  EXPECT_THROW(tl::render_confusion_heat_map(names, {{1, 2}, {3, 4}}), tl::Error);
  EXPECT_THROW(tl::render_confusion_heat_map(names, {{1, 2, 3}, {3, 4}, {1, 1, 1}}), tl::Error);
}

// A run directory as tl-train and tl-eval leave it, written by hand: two classes, one of them named
// like markup, three epochs (the third fine-tuning), a test evaluation naming two photos and a
// photo that has since been deleted.
class HandMadeRun : public ::testing::Test {
 protected:
  void SetUp() override {
    photos = tl::testing::make_image_folder(dir / "data", {"cat", "dog"}, 2, 300);
    const nlohmann::json config = {{"name", "hand<made>"},
                                   {"data", {{"layout", "image_folder"}, {"root", (dir / "data").string()}}},
                                   {"model", {{"backbone", "tiny.pt"}, {"head", {{"type", "linear"}}}}},
                                   {"train", {{"epochs", 2}, {"fine_tune", {{"epochs", 1}}}}}};
    write_file(run / "config.json", config.dump());
    write_file(run / "classes.json", R"(["<script>", "dog"])");
    std::string lines;
    for (const tl::EpochMetrics& line : epochs) lines += line.to_json().dump() + "\n";
    write_file(run / "metrics.jsonl", lines);
    write_file(run / "skipped.json", R"([{"path":"data/dog/<bad>.jpg","reason":"not a decodable image"}])");
  }

  tl::RunSummary summary() const {
    tl::RunSummary summary;
    summary.name = "hand<made>";
    summary.run_directory = run.string();
    summary.classes = {"<script>", "dog"};
    summary.samples = {6, 2, 4};
    summary.class_counts = {{3, 3}, {1, 1}, {2, 2}};
    summary.skipped_files = 1;
    summary.epochs = 3;
    summary.epochs_configured = 3;
    summary.best_epoch = 2;
    summary.selected_by = "val_accuracy";
    summary.best = epochs[1];
    summary.last = epochs[2];
    summary.device = "cpu";
    summary.cpu_threads = 2;
    summary.seconds = 1.5;
    summary.backbone.parts = {{"tiny.pt", "0123456789abcdef", 8}};
    summary.feature_extraction.images_per_second = 100;
    summary.feature_extraction.computed_by_backbone = 12;
    return summary;
  }
  void write_summary(const tl::RunSummary& summary) const {
    write_file(run / "summary.json", summary.to_json().dump());
  }
  void write_summary() const { write_summary(summary()); }

  void write_evaluation() const {
    tl::EvaluationRecord evaluation;
    evaluation.run = run.string();
    evaluation.split = "test";
    evaluation.checkpoint = (run / "best.pt").string();
    evaluation.data_root = (dir / "data").string();
    evaluation.report = tl::make_classification_report({0.1F, 0.9F, 0.9F, 0.1F, 0.8F, 0.2F, 0.4F, 0.6F}, {0, 0, 1, 1},
                                                       {"<script>", "dog"}, 2);
    evaluation.report.highest_losses = {{photos[0].string(), 0, 1, 0.9, 0.1, 2.3},
                                        {photos[2].string(), 1, 0, 0.8, 0.2, 1.6},
                                        {(dir / "gone.jpg").string(), 1, 1, 0.6, 0.6, 0.5}};
    write_file(run / "eval_test.json", evaluation.to_json().dump());
  }

  // Epoch 2 is the best; epoch 3 fine-tunes.
  const std::vector<tl::EpochMetrics> epochs = {{1, "head", 0.01, 0.9, 0.5, 0.8, 0.5, 1.0, 12.0},
                                                {2, "head", 0.01, 0.5, 0.8, 0.6, 0.75, 1.0, 12.0},
                                                {3, "fine_tune", 0.001, 0.3, 0.9, 0.65, 0.7, 2.0, 6.0}};

  TempDirectory dir;
  std::filesystem::path run = dir / "run";
  std::vector<std::filesystem::path> photos;
};

TEST_F(HandMadeRun, AFinishedEvaluatedRunShowsEverything) {
  write_summary();
  write_evaluation();
  const auto written = tl::write_run_report(run);
  EXPECT_EQ(written, run / "report.html");
  const std::string html = read_file(written);
  EXPECT_EQ(occurrences(html, "<script>"), 1u) << "the page's own script only; the class name is text";
  EXPECT_GE(occurrences(html, "&lt;script&gt;"), 5u);
  EXPECT_NE(html.find("<h1>hand&lt;made&gt;</h1>"), std::string::npos);
  for (const char* section : {"id=\"glance\"", "id=\"curves\"", "id=\"eval-test\"", "id=\"distribution\"",
                              "id=\"skipped\"", "id=\"config\""}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
  EXPECT_NE(html.find("finished after 3 of 3 epochs"), std::string::npos);
  EXPECT_NE(html.find(">fine-tuning<"), std::string::npos) << "the stage boundary is marked";
  EXPECT_NE(html.find(">best epoch 2<"), std::string::npos);
  EXPECT_EQ(occurrences(html, "class=\"series\""), 5u) << "train/val loss, train/val accuracy, learning rate";
  EXPECT_EQ(occurrences(html, "class=\"cell\""), 4u);
  EXPECT_EQ(occurrences(html, "src=\"data:image/jpeg;base64,"), 2u) << "two photos exist, one is gone";
  EXPECT_NE(html.find("gone.jpg: "), std::string::npos) << "the missing photo is named";
  EXPECT_NE(html.find("sha256 <code>0123456789ab</code>"), std::string::npos);
  EXPECT_NE(html.find("data/dog/&lt;bad&gt;.jpg"), std::string::npos);
  EXPECT_EQ(html.find("No split has been evaluated"), std::string::npos);
}

TEST_F(HandMadeRun, CalibrationAndThePredictionsFileAreShownWhereRecorded) {
  tl::RunSummary scaled = summary();
  scaled.calibration = {
      {"method", "temperature"},
      {"temperature", 1.5},
      {"val",
       {{"samples", 2}, {"log_loss_before", 0.9}, {"log_loss_after", 0.6}, {"ece_before", 0.3}, {"ece_after", 0.1}}}};
  write_summary(scaled);
  write_evaluation();
  std::string html = read_file(tl::write_run_report(run));
  EXPECT_NE(html.find("temperature 1.500 fitted on 2 val images · log loss 0.9000 → 0.6000"), std::string::npos);
  EXPECT_EQ(html.find("Reliability"), std::string::npos) << "an evaluation from before calibration was measured";
  EXPECT_EQ(html.find("predictions_test.csv"), std::string::npos) << "no such file";

  tl::EvaluationRecord evaluation = tl::read_evaluation_record(run / "eval_test.json");
  evaluation.report.calibration =
      tl::measure_calibration({0.1F, 0.9F, 0.9F, 0.1F, 0.8F, 0.2F, 0.4F, 0.6F}, {0, 0, 1, 1}, 2);
  write_file(run / "eval_test.json", evaluation.to_json().dump());
  write_file(run / "predictions_test.csv", "path\n");
  html = read_file(tl::write_run_report(run));
  EXPECT_NE(html.find("<a href=\"predictions_test.csv\">"), std::string::npos);
  EXPECT_NE(html.find("Reliability"), std::string::npos);
  EXPECT_NE(html.find("calibration error (ECE)"), std::string::npos);
}

// The summary of a run on two backbones records them as {feature_dim, concatenated}; the page names
// both files, each one's hash and features, and their total (it once fell back to "?").
TEST_F(HandMadeRun, SeveralBackbonesAreEachNamedWithTheirFeatures) {
  tl::RunSummary two = summary();
  two.backbone.parts = {{"v2.pt", "aaaaaaaaaaaaaaaa", 1280}, {"v1.pt", "bbbbbbbbbbbbbbbb", 1024}};
  write_summary(two);
  const std::string html = read_file(tl::write_run_report(run));
  EXPECT_NE(html.find("<code>v2.pt</code> (sha256 <code>aaaaaaaaaaaa</code>, 1280 features) + <code>v1.pt</code> "
                      "(sha256 <code>bbbbbbbbbbbb</code>, 1024 features) · 2304 features in all"),
            std::string::npos);

  nlohmann::json broken_summary = two.to_json();
  broken_summary["backbone"] = {{"concatenated", {{{"path", "v2.pt"}}}}};
  write_file(run / "summary.json", broken_summary.dump());
  const std::string broken = read_file(tl::write_run_report(run));
  EXPECT_NE(broken.find("backbone.concatenated[0].sha256: missing, or not a string"), std::string::npos);
}

// Before the summary exists only the config says what was planned: a logistic head's solve is one
// epoch. Once it exists, the summary's count is the one tl-train planned.
TEST_F(HandMadeRun, PlannedEpochsComeFromTheSummaryOnceTheRunHasFinished) {
  const nlohmann::json config = {{"name", "solved"},
                                 {"data", {{"layout", "image_folder"}, {"root", (dir / "data").string()}}},
                                 {"model", {{"backbone", "tiny.pt"}, {"head", {{"type", "logistic"}}}}},
                                 {"train", {{"fine_tune", {{"epochs", 2}}}}}};
  write_file(run / "config.json", config.dump());
  EXPECT_NE(read_file(tl::write_run_report(run)).find("unfinished: 3 of 3 epochs done"), std::string::npos);
  tl::RunSummary stopped = summary();
  stopped.epochs_configured = 40;
  stopped.stopped_early = true;
  write_summary(stopped);
  EXPECT_NE(read_file(tl::write_run_report(run)).find("finished after 3 of 40 epochs (stopped early)"),
            std::string::npos);
}

TEST_F(HandMadeRun, ThousandsOfClassesListTheConfusedPairsInsteadOfAHeatMap) {
  write_summary();
  tl::EvaluationRecord evaluation;
  for (int c = 0; c < 5000; ++c) {
    evaluation.report.classes.push_back({"breed_" + std::to_string(c), 0, 0, 0, c < 2 ? 3 : 0, 0});
  }
  evaluation.report.confusion = {{0, 0, 1}, {0, 4321, 2}, {1, 1, 3}};
  write_file(run / "eval_test.json", evaluation.to_json().dump());
  const std::string html = tl::render_run_report(run);
  EXPECT_EQ(occurrences(html, "class=\"cell\""), 0u);
  EXPECT_NE(html.find("5000 classes are too many for a readable heat map"), std::string::npos);
  EXPECT_NE(html.find("breed_4321"), std::string::npos) << "the confused pair";
  EXPECT_NE(html.find("66.67%"), std::string::npos) << "2 of class 0's 3 samples";
  EXPECT_NE(html.find("The 200 classes of 5000 with the lowest recall"), std::string::npos);
  EXPECT_LT(html.size(), 200'000u) << "the page grows with what it shows, not with the classes";
}

// 300,000 epochs once made a 75 MB page: a long run's curves are drawn from every k-th epoch, its
// best and last always among them.
TEST_F(HandMadeRun, ALongRunsCurvesAreThinnedKeepingTheBestAndLastEpochs) {
  std::string lines;
  for (int epoch = 1; epoch <= 20000; ++epoch) {
    lines +=
        tl::EpochMetrics{epoch, "head", 0.01, 1.0 / epoch, 0.5, 1.0 / epoch, 0.5, 1.0, 10.0}.to_json().dump() + "\n";
  }
  write_file(run / "metrics.jsonl", lines);
  tl::RunSummary long_run = summary();
  long_run.best_epoch = 12345;
  long_run.epochs = long_run.epochs_configured = 20000;
  write_summary(long_run);
  const std::string html = tl::render_run_report(run);
  EXPECT_LT(html.size(), 2'000'000u);
  EXPECT_NE(html.find(">best epoch 12345<"), std::string::npos);
  EXPECT_NE(html.find("finished after 20000 of 20000 epochs"), std::string::npos);
}

TEST_F(HandMadeRun, AnInterruptedRunSaysWhatIsMissing) {
  const std::string html = tl::render_run_report(run);
  EXPECT_NE(html.find("unfinished: 3 of 3 epochs done, no summary.json"), std::string::npos);
  EXPECT_NE(html.find("No split has been evaluated yet"), std::string::npos);
  EXPECT_NE(html.find("The class distribution is in summary.json"), std::string::npos);
  EXPECT_EQ(occurrences(html, "class=\"series\""), 5u) << "the curves of the epochs that finished";
}

TEST_F(HandMadeRun, UnreadableFilesAreNamedOnThePage) {
  write_file(run / "summary.json", "{not json");
  write_file(run / "metrics.jsonl", "garbage\n");
  const std::string html = tl::render_run_report(run);
  EXPECT_NE(html.find("Could not read " + tl::escape_html((run / "summary.json").string())), std::string::npos);
  EXPECT_NE(html.find("metrics.jsonl line 1: not JSON"), std::string::npos);
  EXPECT_NE(html.find("No epoch has finished yet"), std::string::npos);
}

// A FIFO (which hung tl-report) or a link to /dev/zero (which grew it to 24 GB) in a record's place.
TEST_F(HandMadeRun, SpecialFilesInTheRunAreNamedNotWaitedOn) {
  std::filesystem::remove(run / "metrics.jsonl");
  ASSERT_EQ(::mkfifo((run / "metrics.jsonl").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/zero", run / "summary.json");
  std::filesystem::create_symlink("/dev/zero", run / "eval_test.json");
  const std::string html = tl::render_run_report(run);
  EXPECT_NE(html.find(tl::escape_html((run / "metrics.jsonl").string()) + ": not a regular file (a FIFO)"),
            std::string::npos);
  EXPECT_NE(html.find(tl::escape_html((run / "summary.json").string()) + ": not a regular file (a character device)"),
            std::string::npos);
  EXPECT_NE(html.find(tl::escape_html((run / "eval_test.json").string()) + ": not a regular file"), std::string::npos);
}

TEST_F(HandMadeRun, AFolderWithoutARunIsAnError) {
  try {
    tl::render_run_report(dir / "data");
    FAIL() << "expected tl::Error";
  } catch (const tl::Error& error) {
    EXPECT_NE(std::string(error.what()).find("not a run directory"), std::string::npos) << error.what();
  }
}

}  // namespace
