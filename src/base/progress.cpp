#include "tl/base/progress.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tl/base/logging.hpp"

namespace tl {

bool Progress::on_terminal() { return isatty(STDERR_FILENO) == 1; }

int Progress::terminal_columns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const int parsed = std::atoi(columns);
    if (parsed > 0) return parsed;
  }
  return 80;
}

std::string progress_line(const std::string& label, double fraction, const std::string& counts,
                          const std::string& status, int columns) {
  // The last column is left free: writing into it makes some terminals wrap at once.
  const size_t width = static_cast<size_t>(std::max(columns - 1, 10));
  constexpr size_t kLongestBar = 30, kShortestBar = 8;
  const size_t fixed = label.size() + 3 + 1 + counts.size();  // "label [" + "] " + counts
  const size_t room = width > fixed ? width - fixed : 0;
  // The status is shown whole where it fits beside a bar of at least kShortestBar, else shortened.
  std::string shown_status;
  size_t bar = std::min(room, kShortestBar);
  if (room > kShortestBar) {
    const size_t wanted = room > status.size() + 1 ? room - status.size() - 1 : 0;
    bar = std::clamp(wanted, kShortestBar, kLongestBar);
    const size_t status_room = room > bar + 1 ? room - bar - 1 : 0;
    if (status.size() <= status_room) {
      shown_status = status;
    } else if (status_room >= 4) {
      shown_status = status.substr(0, status_room - 3) + "...";
    }
  }
  const auto filled = static_cast<size_t>(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(bar));
  std::string line = label + " [" + std::string(filled, '#') + std::string(bar - filled, ' ') + "] " + counts;
  if (!shown_status.empty()) line += " " + shown_status;
  if (line.size() > width) line.resize(width);
  return line;
}

Progress::Progress(std::string label, size_t total, std::string unit, Logging logging)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      logging_(logging),
      terminal_(on_terminal() && logs_progress()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (terminal_ && drawn_ && !finished_) erase();
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Progress::rate() const {
  const double elapsed = seconds();
  return elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
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
  if (logging_ != Logging::quarters) return;
  const int quarter = total_ > 0 ? static_cast<int>(4 * done_ / total_) : 4;
  if (quarter > quarters_logged_ && quarter < 4) {
    quarters_logged_ = quarter;
    spdlog::info("{}: {}/{} {} ({:.1f} {}/s) {}", label_, done_, total_, unit_, rate(), unit_, status);
  }
}

void Progress::draw(const std::string& status) {
  const double fraction = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  const double speed = rate();
  const double eta = speed > 0 && total_ > done_ ? static_cast<double>(total_ - done_) / speed : 0.0;
  char counts[96];
  std::snprintf(counts, sizeof counts, "%zu/%zu %.1f %s/s ETA %.0fs", done_, total_, speed, unit_.c_str(), eta);
  const std::string line = progress_line(label_, fraction, counts, status, terminal_columns());
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::erase() {
  finished_ = true;
  if (terminal_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  if (terminal_) {
    draw(status);
    std::fprintf(stderr, "\n");
  } else if (logging_ == Logging::quarters) {
    spdlog::info("{}: {}/{} {} in {:.1f}s ({:.1f} {}/s) {}", label_, done_, total_, unit_, seconds(), rate(), unit_,
                 status);
  }
}

}  // namespace tl
