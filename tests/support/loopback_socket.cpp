#include "support/loopback_socket.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tl::testing {
namespace {

sockaddr_in ipv4_address(const std::string& address, int port) {
  sockaddr_in parsed{};
  parsed.sin_family = AF_INET;
  parsed.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &parsed.sin_addr) != 1) {
    throw std::runtime_error("not an IPv4 address: " + address);
  }
  return parsed;
}

[[noreturn]] void fail(int socket, const std::string& what) {
  const int error = errno;
  ::close(socket);
  throw std::runtime_error(what + ": " + std::strerror(error));
}

}  // namespace

std::string next_loopback_address() {
  static uint32_t next = 0;
  const uint32_t n = next++;
  // The last byte skips 0 and 255; the second skips 0, which holds 127.0.0.1.
  return "127." + std::to_string(1 + (n / (254 * 256)) % 254) + "." + std::to_string((n / 254) % 256) + "." +
         std::to_string(1 + n % 254);
}

int listen_on_loopback(int& port, const std::string& address) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in bound = ipv4_address(address, 0);
  socklen_t length = sizeof bound;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&bound), sizeof bound) != 0 || ::listen(listener, 8) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    fail(listener, "cannot listen on " + address);
  }
  port = ntohs(bound.sin_port);
  return listener;
}

int connect_to_loopback(int port, const std::string& source) {
  const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  if (!source.empty()) {
    // The port is left to connect(), which picks one free for this pair of addresses.
    const int yes = 1;
    ::setsockopt(socket, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &yes, sizeof yes);
    const sockaddr_in from = ipv4_address(source, 0);
    if (::bind(socket, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
      fail(socket, "cannot bind to " + source);
    }
  }
  const std::string endpoint = "cannot connect to 127.0.0.1:" + std::to_string(port);
  const sockaddr_in to = ipv4_address("127.0.0.1", port);
  if (::connect(socket, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) return socket;
  // A signal (libFuzzer's timer) interrupts the wait, not the connection, which goes on.
  if (errno != EINTR) fail(socket, endpoint);
  pollfd writable{socket, POLLOUT, 0};
  while (::poll(&writable, 1, -1) < 0) {
    if (errno != EINTR) fail(socket, endpoint);
  }
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) {
    errno = error;
    fail(socket, endpoint);
  }
  return socket;
}

}  // namespace tl::testing
