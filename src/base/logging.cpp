#include "tl/base/logging.hpp"

#include <cstdlib>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace tl {

void configure_logging(LogLevel level) {
  // https://no-color.org: any non-empty NO_COLOR turns colour off.
  const char* no_color = std::getenv("NO_COLOR");
  const auto colour =
      no_color != nullptr && *no_color != '\0' ? spdlog::color_mode::never : spdlog::color_mode::automatic;
  auto logger = spdlog::stderr_color_mt("tl", colour);
  logger->set_pattern("[%H:%M:%S] [%^%l%$] %v");
  logger->set_level(level == LogLevel::verbose ? spdlog::level::debug
                    : level == LogLevel::quiet ? spdlog::level::warn
                                               : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

bool logs_progress() { return spdlog::should_log(spdlog::level::info); }

}  // namespace tl
