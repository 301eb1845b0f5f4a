// Reports as a user sees them: a run trained and evaluated by the executables, its report.html
// opened in headless Chromium (installed by scripts/setup.sh). A probe script, added to a copy of the
// page, reads what the browser built (chart points, confusion cells, decoded thumbnails, where the
// charts are) and the screenshot of the unmodified page is checked for drawn charts. A report that
// does not render fails here.
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/fixtures.hpp"
#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace {

namespace fs = std::filesystem;
using tl::testing::read_file;
using tl::testing::run_command;
using tl::testing::TempDirectory;
using tl::testing::write_file;

const std::string kTrain = TL_TRAIN_EXE;
const std::string kEval = TL_EVAL_EXE;
const std::string kReport = TL_REPORT_EXE;
const std::string kSweep = TL_SWEEP_EXE;
const fs::path kConfigs = TL_CONFIGS_DIR;

// Reads back what the browser built, after every image has loaded, into <pre id="tl-probe">.
constexpr const char* kProbe = R"(<script>
window.addEventListener('load', function () {
  var box = function (e) { var r = e.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; };
  var cells = Array.from(document.querySelectorAll('svg.confusion rect.cell'));
  var result = {
    series: Array.from(document.querySelectorAll('#curves polyline.series')).map(function (p) {
      return {name: p.dataset.series, points: p.points.numberOfItems}; }),
    cells: cells.length,
    cell_sum: cells.reduce(function (s, c) { return s + parseInt(c.dataset.count, 10); }, 0),
    images: Array.from(document.querySelectorAll('.losses img:not(.heat)')).map(function (i) { return [i.naturalWidth, i.naturalHeight]; }),
    heat_maps: Array.from(document.querySelectorAll('.losses img.heat')).map(function (i) { return [i.naturalWidth, i.naturalHeight]; }),
    bars: document.querySelectorAll('svg.bars rect.bar').length,
    links: Array.from(document.querySelectorAll('table.variants a')).map(function (a) { return a.getAttribute('href'); }),
    class_text: document.body.innerText.indexOf('<script>') >= 0,
    scripts: document.scripts.length,
    charts: Array.from(document.querySelectorAll('svg.chart, svg.confusion')).map(box),
    page: [document.documentElement.scrollWidth, document.documentElement.scrollHeight]
  };
  var pre = document.createElement('pre');
  pre.id = 'tl-probe';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
});
</script>)";

std::string chromium_command(const fs::path& profile) {
  return "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" + profile.string() +
         " --virtual-time-budget=10000";
}

// The probe's findings for `page`, read from the DOM Chromium dumps after the page's scripts ran.
nlohmann::json probe_in_browser(const fs::path& page, const fs::path& work) {
  std::string html = read_file(page);
  const size_t body_end = html.rfind("</body>");
  EXPECT_NE(body_end, std::string::npos);
  html.insert(body_end, kProbe);
  const fs::path probed = work / "probed.html";
  write_file(probed, html);
  EXPECT_EQ(run_command(chromium_command(work / "profile") + " --dump-dom file://" + probed.string(), work / "dom.html",
                        work / "chromium.log"),
            0)
      << read_file(work / "chromium.log") << "\nis chromium installed? (scripts/setup.sh)";
  const std::string dom = read_file(work / "dom.html");
  const std::string open = "<pre id=\"tl-probe\">";
  const size_t start = dom.find(open);
  if (start == std::string::npos) {
    ADD_FAILURE() << "the probe did not run: the page did not load\n" << dom.substr(0, 2000);
    return nlohmann::json::object();
  }
  const size_t end = dom.find("</pre>", start);
  return nlohmann::json::parse(dom.substr(start + open.size(), end - start - open.size()));
}

// Each chart region of a screenshot holds drawn pixels, not only the background.
void expect_charts_drawn(const fs::path& page, const nlohmann::json& probe, const fs::path& work) {
  const int width = std::max(1200, probe["page"][0].get<int>());
  const int height = probe["page"][1].get<int>();
  const fs::path shot = work / "screenshot.png";
  ASSERT_EQ(run_command(chromium_command(work / "profile") + " --screenshot=" + shot.string() + " --window-size=" +
                            std::to_string(width) + "," + std::to_string(height) + " file://" + page.string(),
                        work / "shot.log"),
            0)
      << read_file(work / "shot.log");
  const cv::Mat image = cv::imread(shot.string(), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(image.empty()) << "no screenshot";
  ASSERT_FALSE(probe["charts"].empty());
  for (const auto& chart : probe["charts"]) {
    const cv::Rect region(chart[0].get<int>(), chart[1].get<int>(), chart[2].get<int>(), chart[3].get<int>());
    const cv::Rect inside = region & cv::Rect(0, 0, image.cols, image.rows);
    ASSERT_GT(inside.area(), 0) << "chart outside the screenshot: " << chart;
    const double drawn = cv::countNonZero(image(inside) < 235) / static_cast<double>(inside.area());
    EXPECT_GT(drawn, 0.01) << "a blank chart region at " << chart;
  }
}

TEST(ReportInBrowser, ATrainedAndEvaluatedRunRendersCompletely) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir / "data", {"<script>", "blue", "red"}, 16, 64);
  fs::copy_file(tl::testing::tiny_backbones() / "tiny.pt", dir / "tiny.pt");
  fs::copy_file(tl::testing::tiny_backbones() / "tiny.json", dir / "tiny.json");
  write_file(dir / "experiment.yaml", R"(name: browser
seed: 5
threads: 2
cache_dir: cache
data: {layout: image_folder, root: data, val_fraction: 0.25, test_fraction: 0.25, batch_size: 8, workers: 2}
model: {backbone: tiny.pt, head: {type: linear}}
train: {epochs: 5, batch_size: 8, optimizer: {name: adam, lr: 0.05}}
output: {dir: run}
)");
  ASSERT_EQ(run_command(kTrain + " --config " + (dir / "experiment.yaml").string(), dir / "train.log"), 0)
      << read_file(dir / "train.log");
  const fs::path run = dir / "run";
  ASSERT_TRUE(fs::exists(run / "report.html")) << "tl-train writes the report";
  ASSERT_EQ(run_command(kEval + " --run " + run.string() + " --split test", dir / "eval.log"), 0)
      << read_file(dir / "eval.log");
  ASSERT_EQ(run_command(kReport + " --run " + run.string(), dir / "report.log"), 0) << read_file(dir / "report.log");
  EXPECT_LT(fs::file_size(run / "report.html"), 2u << 20);

  const auto evaluation = nlohmann::json::parse(read_file(run / "eval_test.json"));
  const auto probe = probe_in_browser(run / "report.html", dir.path());
  ASSERT_TRUE(probe.contains("series")) << probe;
  ASSERT_EQ(probe["series"].size(), 5u) << probe["series"];
  for (const auto& series : probe["series"]) EXPECT_EQ(series["points"], 5) << series;
  EXPECT_EQ(probe["cells"], 9);
  EXPECT_EQ(probe["cell_sum"], evaluation["samples"]);
  EXPECT_EQ(probe["images"].size(), evaluation["highest_losses"].size());
  EXPECT_EQ(probe["images"].size(), std::min<size_t>(30, evaluation["samples"].get<size_t>()));
  for (const auto& size : probe["images"]) {
    EXPECT_GT(size[0].get<int>(), 0) << "a thumbnail did not decode";
    EXPECT_GT(size[1].get<int>(), 0);
  }
  EXPECT_TRUE(probe["class_text"].get<bool>()) << "the class named <script> shows as text";
  EXPECT_EQ(probe["scripts"], 2) << "the page's own script and the probe: the class name ran nothing";
  expect_charts_drawn(run / "report.html", probe, dir.path());
}

TEST(ReportInBrowser, ASweepReportLinksItsVariants) {
  TempDirectory dir;
  tl::testing::make_image_folder(dir / "data", {"blue", "red"}, 12, 40);
  fs::copy_file(tl::testing::tiny_backbones() / "tiny.pt", dir / "tiny.pt");
  fs::copy_file(tl::testing::tiny_backbones() / "tiny.json", dir / "tiny.json");
  write_file(dir / "base.yaml", R"(name: base
seed: 1
threads: 2
cache_dir: cache
data: {layout: image_folder, root: data, val_fraction: 0.25, test_fraction: 0.25, batch_size: 8, workers: 2}
model: {backbone: tiny.pt, head: {type: linear}}
train: {epochs: 3, batch_size: 8, optimizer: {name: adam, lr: 0.05}}
)");
  write_file(dir / "sweep.yaml", R"(name: lr_sweep
base: base.yaml
grid: {train.optimizer.lr: [0.05, 0.01]}
fail_under: {top1: 0.0}
)");
  ASSERT_EQ(run_command("cd " + dir.path().string() + " && " + kSweep + " sweep.yaml --dir sweep", dir / "sweep.log"),
            0)
      << read_file(dir / "sweep.log");
  const fs::path page = dir / "sweep/report.html";
  ASSERT_TRUE(fs::exists(page));
  const auto probe = probe_in_browser(page, dir.path());
  ASSERT_TRUE(probe.contains("bars")) << probe;
  EXPECT_EQ(probe["bars"], 2);
  ASSERT_EQ(probe["links"].size(), 2u);
  for (const auto& link : probe["links"]) {
    EXPECT_TRUE(fs::exists(dir / "sweep" / link.get<std::string>())) << link;
  }
  expect_charts_drawn(page, probe, dir.path());
}

// The bound the page promises: 37 Oxford-IIIT breeds (real photos, real MobileNetV2) with 30 thumbnails
// stay under 2 MB, and the 37 x 37 matrix is all there.
TEST(RealDataReportInBrowser, ThirtySevenBreedsWithThirtyPhotosStayUnderTwoMegabytes) {
  TL_REQUIRE_SHARED_DATA();
  TempDirectory dir;
  const fs::path run = dir / "run";
  ASSERT_EQ(run_command(kTrain + " --config " + (kConfigs / "oxford_pets_breeds.yaml").string() +
                            " --set output.dir=" + run.string(),
                        dir / "train.log"),
            0)
      << read_file(dir / "train.log");
  ASSERT_EQ(run_command(kEval + " --run " + run.string() + " --split test", dir / "eval.log"), 0)
      << read_file(dir / "eval.log");
  const auto evaluation = nlohmann::json::parse(read_file(run / "eval_test.json"));
  const auto size = fs::file_size(run / "report.html");
  std::cout << "[ report ] 37 classes, " << evaluation["highest_losses"].size() << " photos: " << size << " bytes\n";
  EXPECT_LT(size, 2u << 20);
  const auto probe = probe_in_browser(run / "report.html", dir.path());
  ASSERT_TRUE(probe.contains("cells")) << probe;
  EXPECT_EQ(probe["cells"], 37 * 37);
  EXPECT_EQ(probe["cell_sum"], evaluation["samples"]);
  ASSERT_EQ(probe["images"].size(), 30u);
  for (const auto& image : probe["images"]) EXPECT_GT(image[0].get<int>(), 0) << "a thumbnail did not decode";
  // Under each photo the map of the predicted class, and of the true one when they differ.
  size_t maps = 0;
  for (const auto& sample : evaluation["highest_losses"]) maps += sample["true"] == sample["predicted"] ? 1 : 2;
  ASSERT_EQ(probe["heat_maps"].size(), maps);
  for (const auto& map : probe["heat_maps"]) {
    EXPECT_GT(map[0].get<int>(), 0) << "a heat map did not decode";
    EXPECT_LE(map[0].get<int>(), 64);
  }
  expect_charts_drawn(run / "report.html", probe, dir.path());
}

}  // namespace
