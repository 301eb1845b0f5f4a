#include "tl/base/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace tl {

void configure_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("tl");
  logger->set_pattern("[%H:%M:%S] [%^%l%$] %v");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace tl
