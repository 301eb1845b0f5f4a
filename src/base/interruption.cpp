#include "tl/base/interruption.hpp"

#include <atomic>
#include <csignal>
#include <string>

namespace tl {
namespace {

std::atomic<bool> requested{false};

extern "C" void on_interrupt(int) {
  requested.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C is not ignored
}

}  // namespace

void install_interrupt_handler() { std::signal(SIGINT, on_interrupt); }

bool interrupt_requested() { return requested.load(); }

void request_interrupt() { requested.store(true); }

void clear_interrupt() { requested.store(false); }

void throw_if_interrupted(const char* what) {
  if (interrupt_requested()) throw Interrupted(std::string(what) + " interrupted (Ctrl-C)");
}

}  // namespace tl
