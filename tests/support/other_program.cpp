#include "support/other_program.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include "support/loopback_socket.hpp"

namespace tl::testing {

OtherProgram::OtherProgram(std::string answer) : answer_(std::move(answer)) {
  listener_ = listen_on_loopback(port_);
  if (answer_.empty()) return;
  server_ = std::thread([this] {
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return;  // the listener was shut down
    (void)!::write(connection, answer_.data(), answer_.size());
    char buffer[256];
    while (::read(connection, buffer, sizeof buffer) > 0) {
    }
    ::close(connection);
  });
}

OtherProgram::~OtherProgram() {
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  if (server_.joinable()) server_.join();
}

}  // namespace tl::testing
