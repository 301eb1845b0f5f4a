#pragma once
// Ctrl-C for long commands: the first SIGINT asks the work to stop at the next safe point (after an
// epoch, with its checkpoint written; between batches of the backbone pass, whose cached features
// are kept); a second SIGINT ends the process at once, as usual. SIGTERM, what schedulers and CI
// runners send, is handled the same way.
#include "tl/base/error.hpp"

namespace tl {

class Interrupted : public Error {
 public:
  using Error::Error;
};

void install_interrupt_handler();
bool interrupt_requested();
// The signal that asked to stop (SIGINT or SIGTERM; SIGINT for request_interrupt), 0 when none.
int interrupt_signal();
// "Ctrl-C" or "SIGTERM", for messages.
const char* interrupt_name();
// For programs that embed tl: ask the work to stop as Ctrl-C would, and clear the request once handled.
void request_interrupt();
void clear_interrupt();
// Throws Interrupted("<what> interrupted ...") when an interrupt is pending.
void throw_if_interrupted(const char* what);

}  // namespace tl
