#include "tl/dist/world.hpp"

#include <cstdlib>
#include <optional>

#include "tl/base/error.hpp"

namespace tl {
namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

long integer_variable(const char* name, const std::string& text, long minimum, long maximum) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || value < minimum || value > maximum) {
    throw Error("environment variable " + std::string(name) + "=\"" + text + "\": expected an integer in " +
                std::to_string(minimum) + ".." + std::to_string(maximum));
  }
  return value;
}

}  // namespace

std::string World::describe() const {
  return "rank " + std::to_string(rank) + " of " + std::to_string(size) + " (master " + master_address + ":" +
         std::to_string(master_port) + ")";
}

World world_from_environment() {
  World world;
  if (const auto backend = variable("TL_DIST_BACKEND"); backend && *backend != "gloo") {
    if (*backend == "nccl") {
      throw Error(
          "TL_DIST_BACKEND=nccl: this tl has no NCCL process group (it is built for c10d's Gloo backend only, and "
          "Debian's CPU LibTorch has no ProcessGroupNCCL); unset TL_DIST_BACKEND: Gloo also carries CUDA "
          "gradients, through host memory");
    }
    throw Error("environment variable TL_DIST_BACKEND=\"" + *backend + "\": expected gloo");
  }
  if (const auto timeout = variable("TL_DIST_TIMEOUT")) {
    world.timeout = std::chrono::seconds(integer_variable("TL_DIST_TIMEOUT", *timeout, 1, 86400));
  }
  const auto size = variable("WORLD_SIZE");
  if (!size) return world;
  world.size = static_cast<int>(integer_variable("WORLD_SIZE", *size, 1, 65536));
  if (world.size == 1) return world;
  const auto rank = variable("RANK");
  if (!rank) {
    throw Error("WORLD_SIZE=" + *size + " but RANK is not set: give every process its RANK (0.." +
                std::to_string(world.size - 1) + "), or use --nproc N to start the ranks on this machine");
  }
  world.rank = static_cast<int>(integer_variable("RANK", *rank, 0, world.size - 1));
  world.local_rank = static_cast<int>(integer_variable("LOCAL_RANK", variable("LOCAL_RANK").value_or("0"), 0, 65535));
  world.local_size =
      static_cast<int>(integer_variable("LOCAL_WORLD_SIZE", variable("LOCAL_WORLD_SIZE").value_or("1"), 1, 65536));
  world.store_file = variable("TL_DIST_STORE_FILE").value_or("");
  if (!world.store_file.empty()) return world;  // tl's --nproc: no address or port to meet at
  const auto address = variable("MASTER_ADDR");
  if (!address) {
    throw Error("WORLD_SIZE=" + *size + " but MASTER_ADDR is not set: give every rank the host of rank 0");
  }
  world.master_address = *address;
  const auto port = variable("MASTER_PORT");
  if (!port) throw Error("WORLD_SIZE=" + *size + " but MASTER_PORT is not set: give every rank rank 0's port");
  world.master_port = static_cast<int>(integer_variable("MASTER_PORT", *port, 1, 65535));
  world.token = variable("TL_DIST_TOKEN").value_or("");
  if (variable("TORCHELASTIC_USE_AGENT_STORE") == "True") {
    world.agent_store_prefix = "/worker/attempt_" + variable("TORCHELASTIC_RESTART_COUNT").value_or("0");
  }
  return world;
}

}  // namespace tl
