#pragma once
// Progress: a one-line progress bar with rate and ETA when stderr is a terminal; plain log lines
// (at each quarter and at the end) when it is not, so CI logs stay readable.
#include <chrono>
#include <cstddef>
#include <string>

namespace tl {

class Progress {
 public:
  Progress(std::string label, size_t total, std::string unit);
  void advance(size_t count, const std::string& status = "");
  void finish(const std::string& status = "");
  double seconds() const;
  double rate() const;  // units per second so far

  static bool on_terminal();

 private:
  void draw(const std::string& status);

  std::string label_, unit_;
  size_t total_, done_ = 0;
  int quarters_logged_ = 0;
  bool terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace tl
