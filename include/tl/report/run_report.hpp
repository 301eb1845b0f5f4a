#pragma once
// A run's report: one self-contained HTML page (report.html in the run directory) that opens offline
// in any browser. It shows the run at a glance, its training curves, each evaluated split (metrics,
// confusion heat map, per-class table, most confused pairs, the highest-loss photos as thumbnails),
// the class distribution, the skipped files and the resolved config. It is made from the run
// directory's files alone, so it can be rebuilt at any time; what a run lacks (no evaluation yet, an
// interrupted run without a summary) is said on the page instead.
#include <filesystem>
#include <string>

namespace tl {

// Throws tl::Error naming the folder when it holds no run (no config.json).
std::string render_run_report(const std::filesystem::path& run_directory);

// Writes <run>/report.html atomically; returns its path.
std::filesystem::path write_run_report(const std::filesystem::path& run_directory);

// For the commands that change a run (tl-train, tl-eval): writes report.html and logs where. The page
// is a view of the run, not part of it, so failing to draw it is logged as a warning, never thrown.
void refresh_run_report(const std::filesystem::path& run_directory);

}  // namespace tl
