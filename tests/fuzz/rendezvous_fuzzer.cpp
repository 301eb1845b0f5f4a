// What a stranger on the network can send to tl's rendezvous: the first byte picks the side. Even:
// the rest is what a peer sends to rank 0's server, which must close the connection and go on
// serving. Odd: the rest is what a "rank 0" sends to a rank's client, which must end in a tl::Error,
// never in a crash or a wait past its deadline.
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

#include "support/loopback_socket.hpp"
#include "tl/base/error.hpp"
#include "tl/dist/rendezvous.hpp"

namespace {

int free_port() {
  int port = 0;
  ::close(tl::testing::listen_on_loopback(port));
  return port;
}

void drain(int socket) {
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(socket, buffer, sizeof buffer);
    if (got == 0 || (got < 0 && errno != EINTR)) return;
  }
}

// Each connection comes from, or goes to, another loopback address (see next_loopback_address).
void send_to_server(const std::string& bytes) {
  static const int port = free_port();
  // Never destroyed: its thread, and OpenSSL's state for that thread, live as long as the process.
  static const auto* server = new tl::RendezvousServer(port, true, 2, "token", std::chrono::seconds(5));
  (void)server;
  const int socket = tl::testing::connect_to_loopback(port, tl::testing::next_loopback_address());
  (void)!::write(socket, bytes.data(), bytes.size());
  ::shutdown(socket, SHUT_WR);
  drain(socket);  // ends when the server closes the connection: it must, on any input
  ::close(socket);
}

void answer_client(const std::string& bytes) {
  const std::string address = tl::testing::next_loopback_address();
  int port = 0;
  const int listener = tl::testing::listen_on_loopback(port, address);
  std::thread rank0([&] {
    int connection = -1;
    while ((connection = ::accept(listener, nullptr, nullptr)) < 0 && errno == EINTR) {
    }
    (void)!::write(connection, bytes.data(), bytes.size());
    ::shutdown(connection, SHUT_WR);
    drain(connection);
    ::close(connection);
  });
  try {
    tl::RendezvousClient client(address, port, 1, 2, "token",
                                std::chrono::steady_clock::now() + std::chrono::seconds(5));
    client.get("key", std::chrono::steady_clock::now() + std::chrono::seconds(5));
  } catch (const tl::Error&) {
  }
  rank0.join();
  ::close(listener);
}

}  // namespace

// OpenSSL keeps a random generator per thread, made on first use and kept for the thread's life; made
// here, on the server's thread and this one, it is not taken for a leak of the first input.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  send_to_server("");
  answer_client(std::string("tl-rendezvous/1\n") + std::string(16, 'n'));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    send_to_server(bytes);
  } else {
    answer_client(bytes);
  }
  return 0;
}
