#pragma once
// Progress: a one-line progress bar with rate and ETA when stderr is a terminal, fitted to its width
// so that it never wraps (a wrapped line cannot be redrawn in place); plain log lines (at each
// quarter and at the end) when it is not, so CI logs stay readable. Nothing with -q.
#include <chrono>
#include <cstddef>
#include <string>

namespace tl {

class Progress {
 public:
  enum class Logging {
    quarters,       // without a terminal: a line at each quarter and at the end
    terminal_only,  // without a terminal: nothing (the caller logs its own line)
  };
  Progress(std::string label, size_t total, std::string unit, Logging logging = Logging::quarters);
  ~Progress();  // erases a bar left on the terminal, e.g. when an exception unwinds past it
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(size_t count, const std::string& status = "");
  void finish(const std::string& status = "");
  // Ends without a trace: the bar is erased, so the caller's next line takes its place.
  void erase();
  size_t done() const { return done_; }
  double seconds() const;
  double rate() const;  // units per second so far

  static bool on_terminal();
  // The width of the terminal on stderr (COLUMNS when it cannot be asked, else 80).
  static int terminal_columns();

 private:
  void draw(const std::string& status);

  std::string label_, unit_;
  size_t total_, done_ = 0;
  int quarters_logged_ = 0;
  Logging logging_;
  bool terminal_;
  bool drawn_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// The bar's line for `columns`: what fits, the status shortened first, never wider than columns - 1.
std::string progress_line(const std::string& label, double fraction, const std::string& counts,
                          const std::string& status, int columns);

}  // namespace tl
