#include "support/other_program.hpp"

#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tl::testing {

OtherProgram::OtherProgram(std::string answer) : answer_(std::move(answer)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 8) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listener_);
    throw std::runtime_error("OtherProgram: cannot listen on a loopback port");
  }
  port_ = ntohs(address.sin_port);
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
