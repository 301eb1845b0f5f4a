// The progress bar's line: it must fit the terminal, or \r cannot redraw it and fragments pile up.
#include "tl/base/progress.hpp"

#include <gtest/gtest.h>

namespace {

const std::string kCounts = "440/474 4392.6 img/s ETA 0s";
const std::string kStatus = "(474 from the feature cache, 0 computed by the backbone)";

TEST(ProgressLine, NeverReachesTheLastColumn) {
  for (const int columns : {20, 40, 70, 80, 132, 300}) {
    const std::string line = tl::progress_line("features (train)", 0.5, kCounts, kStatus, columns);
    EXPECT_LT(line.size(), static_cast<size_t>(columns)) << columns << ": " << line;
    EXPECT_EQ(line.rfind("features (train) [", 0), 0u) << line;
  }
}

TEST(ProgressLine, AWideTerminalShowsEverythingAndANarrowOneShortensTheStatus) {
  const std::string wide = tl::progress_line("features (train)", 0.5, kCounts, kStatus, 200);
  EXPECT_NE(wide.find(kCounts + " " + kStatus), std::string::npos) << wide;
  const std::string narrow = tl::progress_line("features (train)", 0.5, kCounts, kStatus, 70);
  EXPECT_NE(narrow.find(kCounts), std::string::npos) << "the counts come before the status";
  EXPECT_EQ(narrow.substr(narrow.size() - 3), "...") << narrow;
}

TEST(ProgressLine, TheBarIsFilledByTheFraction) {
  const std::string half = tl::progress_line("x", 0.5, "1/2", "", 80);
  const size_t open = half.find('['), close = half.find(']');
  const std::string bar = half.substr(open + 1, close - open - 1);
  EXPECT_EQ(std::count(bar.begin(), bar.end(), '#'), static_cast<long>(bar.size() / 2)) << half;
  const std::string full = tl::progress_line("x", 1.0, "2/2", "", 80);
  EXPECT_EQ(full.find(' ', full.find('[')), full.find(']') + 1) << "no gap in a full bar: " << full;
}

}  // namespace
