#include "tl/base/progress.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>
#include <unistd.h>

namespace tl {

bool Progress::on_terminal() { return isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, size_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      terminal_(on_terminal()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Progress::rate() const {
  const double elapsed = seconds();
  return elapsed > 0 ? done_ / elapsed : 0.0;
}

void Progress::advance(size_t count, const std::string& status) {
  done_ += count;
  const auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    if (now - last_draw_ > std::chrono::milliseconds(100) || done_ >= total_) {
      last_draw_ = now;
      draw(status);
    }
    return;
  }
  const int quarter = total_ > 0 ? static_cast<int>(4 * done_ / total_) : 4;
  if (quarter > quarters_logged_ && quarter < 4) {
    quarters_logged_ = quarter;
    spdlog::info("{}: {}/{} {} ({:.1f} {}/s) {}", label_, done_, total_, unit_, rate(), unit_, status);
  }
}

void Progress::draw(const std::string& status) {
  const double fraction = total_ > 0 ? static_cast<double>(done_) / total_ : 1.0;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(fraction * kWidth);
  const double speed = rate();
  const double eta = speed > 0 && total_ > done_ ? (total_ - done_) / speed : 0.0;
  std::fprintf(stderr, "\r\033[K%s [%.*s%*s] %zu/%zu %.1f %s/s ETA %.0fs %s", label_.c_str(), filled,
               "########################", kWidth - filled, "", done_, total_, speed, unit_.c_str(), eta,
               status.c_str());
  std::fflush(stderr);
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  if (terminal_) {
    draw(status);
    std::fprintf(stderr, "\n");
  } else {
    spdlog::info("{}: {}/{} {} in {:.1f}s ({:.1f} {}/s) {}", label_, done_, total_, unit_, seconds(), rate(), unit_,
                 status);
  }
}

}  // namespace tl
