#include "tl/base/interruption.hpp"

#include <atomic>
#include <csignal>
#include <string>

namespace tl {
namespace {

std::atomic<int> requested_by{0};

extern "C" void on_interrupt(int signal_number) {
  requested_by.store(signal_number);
  // A second signal is not ignored.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

bool interrupt_requested() { return requested_by.load() != 0; }

int interrupt_signal() { return requested_by.load(); }

const char* interrupt_name() { return interrupt_signal() == SIGTERM ? "SIGTERM" : "Ctrl-C"; }

void request_interrupt() { requested_by.store(SIGINT); }

void clear_interrupt() { requested_by.store(0); }

void throw_if_interrupted(const char* what) {
  if (interrupt_requested()) throw Interrupted(std::string(what) + " interrupted (" + interrupt_name() + ")");
}

}  // namespace tl
