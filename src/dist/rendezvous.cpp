#include "tl/dist/rendezvous.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tl/base/error.hpp"

namespace tl {
namespace {

// The handshake, in fixed sizes so that neither side reads a length a stranger chose:
//   server -> client: magic, server nonce
//   client -> server: magic, client nonce, rank, world size, client proof
//   server -> client: a message: "ok" and the server's proof, or "no" and the reason
// A proof is HMAC-SHA256 under the token of both nonces, the rank and the world size, with a
// different label for each side, so neither proof can be replayed as the other or on another
// connection. Every later message is a 4-byte big-endian length and that many bytes.
constexpr char kMagic[] = "tl-rendezvous/1\n";
constexpr size_t kMagicBytes = sizeof kMagic - 1;
constexpr size_t kNonceBytes = 16;
constexpr size_t kProofBytes = 32;
constexpr size_t kServerGreetingBytes = kMagicBytes + kNonceBytes;
constexpr size_t kClientGreetingBytes = kMagicBytes + kNonceBytes + 4 + 4 + kProofBytes;
// Connections that have not proven themselves yet; beyond this a new one is closed at once, so
// strangers cannot exhaust descriptors or memory.
constexpr size_t kMaxUnprovenConnections = 64;

enum class Operation : char {
  set = 'S',
  get = 'G',
  add = 'A',
  compare_set = 'C',
  remove = 'D',
  check = 'K',
  key_count = 'N',
  wait = 'W',
};

std::string random_nonce() {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(nonce.size())) != 1) {
    throw Error("rendezvous: the system's random generator failed");
  }
  return nonce;
}

std::string big_endian(uint32_t value) {
  std::string bytes(4, '\0');
  for (int i = 3; i >= 0; --i, value >>= 8) bytes[static_cast<size_t>(i)] = static_cast<char>(value & 0xff);
  return bytes;
}

uint32_t read_big_endian(const char* bytes) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::string proof(const std::string& token, const std::string& label, const std::string& first_nonce,
                  const std::string& second_nonce, int rank, int world_size) {
  const std::string message = label + first_nonce + second_nonce + big_endian(static_cast<uint32_t>(rank)) +
                              big_endian(static_cast<uint32_t>(world_size));
  std::string digest(kProofBytes, '\0');
  unsigned int length = 0;
  HMAC(EVP_sha256(), token.data(), static_cast<int>(token.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       reinterpret_cast<unsigned char*>(digest.data()), &length);
  return digest;
}

bool same_proof(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A message body: one operation or status byte, then fields, each a 4-byte length and its bytes.
std::string encode(char head, const std::vector<std::string>& fields) {
  std::string body(1, head);
  for (const auto& field : fields) body += big_endian(static_cast<uint32_t>(field.size())) + field;
  return big_endian(static_cast<uint32_t>(body.size())) + body;
}

std::optional<std::vector<std::string>> decode_fields(const std::string& body, size_t offset) {
  std::vector<std::string> fields;
  while (offset < body.size()) {
    if (body.size() - offset < 4) return std::nullopt;
    const size_t length = read_big_endian(body.data() + offset);
    offset += 4;
    if (body.size() - offset < length) return std::nullopt;
    fields.push_back(body.substr(offset, length));
    offset += length;
  }
  return fields;
}

// What a stranger sent, fit for one line of an error message.
std::string printable(const std::string& bytes) {
  std::string text;
  for (const char c : bytes.substr(0, 32)) text += (c >= 0x20 && c < 0x7f) ? c : '.';
  return "\"" + text + (bytes.size() > 32 ? "...\"" : "\"");
}

std::optional<int64_t> parse_integer(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return value;
}

std::string system_error() { return std::strerror(errno); }

int milliseconds_until(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, std::numeric_limits<int>::max()));
}

std::string peer_name(const sockaddr_storage& address) {
  char host[NI_MAXHOST] = "?";
  char port[NI_MAXSERV] = "?";
  ::getnameinfo(reinterpret_cast<const sockaddr*>(&address), sizeof address, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
  return std::string(host) + ":" + port;
}

}  // namespace

bool resolves_to_loopback(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  bool all_loopback = found != nullptr;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET) {
      const auto* ipv4 = reinterpret_cast<const sockaddr_in*>(entry->ai_addr);
      all_loopback = all_loopback && (ntohl(ipv4->sin_addr.s_addr) >> 24) == 127;
    } else if (entry->ai_family == AF_INET6) {
      const auto* ipv6 = reinterpret_cast<const sockaddr_in6*>(entry->ai_addr);
      all_loopback = all_loopback && IN6_IS_ADDR_LOOPBACK(&ipv6->sin6_addr);
    } else {
      all_loopback = false;
    }
  }
  ::freeaddrinfo(found);
  return all_loopback;
}

// ---------------------------------------------------------------------------------------------
// The server: one thread, one poll loop over the listening sockets and the connections.

struct RendezvousServer::Loop {
  struct Connection {
    int socket = -1;
    std::string peer;
    std::string nonce;
    std::string input;
    std::string output;
    int rank = -1;  // set once the client has proven itself
    Deadline handshake_deadline;
    bool close_when_sent = false;
    // A get or wait that is answered once all its keys are set.
    std::optional<std::pair<Operation, std::vector<std::string>>> waiting;
  };

  int world_size = 0;
  std::string token;
  std::chrono::milliseconds handshake_timeout{};
  std::vector<int> listeners;
  int wake_read = -1;
  int wake_write = -1;
  std::map<int, Connection> connections;  // by socket
  std::map<std::string, std::string> values;
  std::thread thread;

  ~Loop() {
    for (const int listener : listeners) ::close(listener);
    for (const auto& [socket, connection] : connections) ::close(socket);
    if (wake_read >= 0) ::close(wake_read);
    if (wake_write >= 0) ::close(wake_write);
  }

  // Adds a listening socket; one that is not `required` (IPv6, which a machine may lack) is skipped
  // when it cannot be opened.
  void listen_on(int family, const void* address, socklen_t length, int port, bool required, bool ipv6_only) {
    const int listener = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listener < 0) {
      if (!required) return;
      throw Error("rendezvous: cannot open a socket: " + system_error());
    }
    const int yes = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (family == AF_INET6) {
      const int only_ipv6 = ipv6_only ? 1 : 0;
      ::setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &only_ipv6, sizeof only_ipv6);
    }
    if (::bind(listener, static_cast<const sockaddr*>(address), length) != 0 || ::listen(listener, 128) != 0) {
      const int error = errno;
      ::close(listener);
      if (!required) return;
      throw Error("rendezvous: cannot listen on port " + std::to_string(port) + ": " + std::strerror(error) +
                  (error == EADDRINUSE ? " (another program holds it: choose another MASTER_PORT)" : ""));
    }
    listeners.push_back(listener);
  }

  void accept_from(int listener) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int socket =
        ::accept4(listener, reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (socket < 0) return;
    const size_t unproven = static_cast<size_t>(
        std::count_if(connections.begin(), connections.end(), [](const auto& entry) { return entry.second.rank < 0; }));
    if (unproven >= kMaxUnprovenConnections) {
      ::close(socket);
      return;
    }
    const int yes = 1;
    ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    Connection& connection = connections[socket];
    connection.socket = socket;
    connection.peer = peer_name(address);
    connection.nonce = random_nonce();
    connection.output = std::string(kMagic, kMagicBytes) + connection.nonce;
    connection.handshake_deadline = std::chrono::steady_clock::now() + handshake_timeout;
  }

  void refuse(Connection& connection, const std::string& reason) {
    spdlog::warn("rendezvous: refused a connection from {}: {}", connection.peer, reason);
    connection.output += encode('N', {reason});
    connection.close_when_sent = true;
    connection.input.clear();
  }

  // Reads the client's greeting once it is complete; returns false to drop a connection that is
  // not a tl rank at all.
  bool read_greeting(Connection& connection) {
    const size_t compared = std::min(connection.input.size(), kMagicBytes);
    if (connection.input.compare(0, compared, kMagic, compared) != 0) {
      spdlog::warn("rendezvous: closed a connection from {}: it is not a tl rank (it sent {})", connection.peer,
                   printable(connection.input));
      return false;
    }
    if (connection.input.size() < kClientGreetingBytes) return true;
    const char* greeting = connection.input.data() + kMagicBytes;
    const std::string client_nonce(greeting, kNonceBytes);
    const auto rank = static_cast<int64_t>(read_big_endian(greeting + kNonceBytes));
    const auto claimed_size = static_cast<int64_t>(read_big_endian(greeting + kNonceBytes + 4));
    const std::string client_proof(greeting + kNonceBytes + 8, kProofBytes);
    connection.input.erase(0, kClientGreetingBytes);
    if (!same_proof(client_proof, proof(token, "tl-client", connection.nonce, client_nonce, static_cast<int>(rank),
                                        static_cast<int>(claimed_size)))) {
      refuse(connection, "its TL_DIST_TOKEN differs from rank 0's");
      return true;
    }
    if (claimed_size != world_size) {
      refuse(connection,
             "it says WORLD_SIZE=" + std::to_string(claimed_size) + ", rank 0 says " + std::to_string(world_size));
      return true;
    }
    if (rank >= world_size) {
      refuse(connection, "RANK=" + std::to_string(rank) + " is not below WORLD_SIZE=" + std::to_string(world_size));
      return true;
    }
    for (const auto& [socket, other] : connections) {
      if (other.rank == rank) {
        refuse(connection, "RANK=" + std::to_string(rank) + " has joined already (from " + other.peer +
                               "): two processes were given the same RANK");
        return true;
      }
    }
    connection.rank = static_cast<int>(rank);
    connection.output +=
        encode('Y', {proof(token, "tl-server", client_nonce, connection.nonce, static_cast<int>(rank), world_size)});
    return true;
  }

  bool all_set(const std::vector<std::string>& keys) const {
    return std::all_of(keys.begin(), keys.end(), [&](const std::string& key) { return values.count(key) > 0; });
  }

  // Answers the gets and waits whose keys are all set now.
  void answer_waiting() {
    for (auto& [socket, connection] : connections) {
      if (!connection.waiting || !all_set(connection.waiting->second)) continue;
      const auto& [operation, keys] = *connection.waiting;
      connection.output += operation == Operation::get ? encode('Y', {values.at(keys.front())}) : encode('Y', {});
      connection.waiting.reset();
    }
  }

  // Carries out one request; returns false when it is malformed (the connection is then dropped).
  bool serve(Connection& connection, const std::string& body) {
    if (body.empty() || connection.waiting) return false;
    const auto operation = static_cast<Operation>(body[0]);
    const auto fields = decode_fields(body, 1);
    if (!fields) return false;
    const auto field_count_is = [&](size_t count) { return fields->size() == count; };
    switch (operation) {
      case Operation::set:
        if (!field_count_is(2)) return false;
        values[(*fields)[0]] = (*fields)[1];
        connection.output += encode('Y', {});
        answer_waiting();
        return true;
      case Operation::get:
      case Operation::wait:
        if (operation == Operation::get && !field_count_is(1)) return false;
        connection.waiting.emplace(operation, *fields);
        answer_waiting();
        return true;
      case Operation::add: {
        if (!field_count_is(2)) return false;
        const auto amount = parse_integer((*fields)[1]);
        const auto old_value = values.count((*fields)[0]) ? parse_integer(values[(*fields)[0]]) : int64_t{0};
        if (!amount || !old_value) return false;
        const std::string sum = std::to_string(*old_value + *amount);
        values[(*fields)[0]] = sum;
        connection.output += encode('Y', {sum});
        answer_waiting();
        return true;
      }
      case Operation::compare_set: {
        if (!field_count_is(3)) return false;
        const auto& [key, expected, desired] = std::tie((*fields)[0], (*fields)[1], (*fields)[2]);
        const auto found = values.find(key);
        if ((found == values.end() && expected.empty()) || (found != values.end() && found->second == expected)) {
          values[key] = desired;
          connection.output += encode('Y', {desired});
          answer_waiting();
        } else {
          connection.output += encode('Y', {found == values.end() ? expected : found->second});
        }
        return true;
      }
      case Operation::remove:
        if (!field_count_is(1)) return false;
        connection.output += encode('Y', {values.erase((*fields)[0]) > 0 ? "1" : "0"});
        return true;
      case Operation::check: connection.output += encode('Y', {all_set(*fields) ? "1" : "0"}); return true;
      case Operation::key_count: connection.output += encode('Y', {std::to_string(values.size())}); return true;
    }
    return false;
  }

  // Handles what has arrived on a connection; returns false to drop it.
  bool take_input(Connection& connection) {
    if (connection.close_when_sent) {
      connection.input.clear();
      return true;
    }
    if (connection.rank < 0) {
      if (!read_greeting(connection)) return false;
      if (connection.rank < 0) return true;
    }
    while (connection.input.size() >= 4) {
      const size_t length = read_big_endian(connection.input.data());
      if (length > kMaxRendezvousMessageBytes) {
        spdlog::warn("rendezvous: closed the connection of rank {}: a message of {} bytes is over the limit",
                     connection.rank, length);
        return false;
      }
      if (connection.input.size() < 4 + length) return true;
      const std::string body = connection.input.substr(4, length);
      connection.input.erase(0, 4 + length);
      if (!serve(connection, body)) {
        spdlog::warn("rendezvous: closed the connection of rank {}: a malformed request", connection.rank);
        return false;
      }
    }
    return true;
  }

  // Reads and writes what a connection is ready for; returns false to drop it.
  bool exchange(Connection& connection, short events) {
    if ((events & POLLIN) != 0) {
      char buffer[65536];
      const ssize_t got = ::recv(connection.socket, buffer, sizeof buffer, 0);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return false;
      if (got > 0) {
        connection.input.append(buffer, static_cast<size_t>(got));
        if (!take_input(connection)) return false;
      }
    } else if ((events & (POLLERR | POLLHUP)) != 0) {
      return false;
    }
    if (!connection.output.empty()) {
      const ssize_t sent = ::send(connection.socket, connection.output.data(), connection.output.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno != EAGAIN && errno != EINTR) return false;
      if (sent > 0) connection.output.erase(0, static_cast<size_t>(sent));
    }
    return !(connection.close_when_sent && connection.output.empty());
  }

  void run() {
    for (;;) {
      std::vector<pollfd> watched{{wake_read, POLLIN, 0}};
      for (const int listener : listeners) watched.push_back({listener, POLLIN, 0});
      auto next_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      for (const auto& [socket, connection] : connections) {
        const short events = static_cast<short>(POLLIN | (connection.output.empty() ? 0 : POLLOUT));
        watched.push_back({socket, events, 0});
        if (connection.rank < 0) next_deadline = std::min(next_deadline, connection.handshake_deadline);
      }
      if (::poll(watched.data(), watched.size(), milliseconds_until(next_deadline)) < 0 && errno != EINTR) return;
      if (watched[0].revents != 0) return;  // asked to stop
      for (size_t i = 1; i < watched.size(); ++i) {
        if (watched[i].revents == 0) continue;
        if (i <= listeners.size()) {
          accept_from(watched[i].fd);
          continue;
        }
        const auto found = connections.find(watched[i].fd);
        if (!exchange(found->second, watched[i].revents)) {
          ::close(found->first);
          connections.erase(found);
        }
      }
      const auto now = std::chrono::steady_clock::now();
      for (auto it = connections.begin(); it != connections.end();) {
        if (it->second.rank < 0 && !it->second.close_when_sent && now > it->second.handshake_deadline) {
          spdlog::warn("rendezvous: closed a connection from {}: no greeting within {} s", it->second.peer,
                       std::chrono::duration_cast<std::chrono::seconds>(handshake_timeout).count());
          ::close(it->first);
          it = connections.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
};

RendezvousServer::RendezvousServer(int port, bool loopback_only, int world_size, std::string token,
                                   std::chrono::milliseconds handshake_timeout)
    : loop_(std::make_unique<Loop>()) {
  loop_->world_size = world_size;
  loop_->token = std::move(token);
  loop_->handshake_timeout = handshake_timeout;
  sockaddr_in ipv4{};
  ipv4.sin_family = AF_INET;
  ipv4.sin_port = htons(static_cast<uint16_t>(port));
  sockaddr_in6 ipv6{};
  ipv6.sin6_family = AF_INET6;
  ipv6.sin6_port = htons(static_cast<uint16_t>(port));
  if (loopback_only) {
    ipv4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ipv6.sin6_addr = in6addr_loopback;
    loop_->listen_on(AF_INET, &ipv4, sizeof ipv4, port, true, false);
    loop_->listen_on(AF_INET6, &ipv6, sizeof ipv6, port, false, true);
  } else {
    ipv6.sin6_addr = in6addr_any;  // [::] takes IPv4 connections too
    loop_->listen_on(AF_INET6, &ipv6, sizeof ipv6, port, false, false);
    if (loop_->listeners.empty()) {  // no IPv6 on this machine
      ipv4.sin_addr.s_addr = htonl(INADDR_ANY);
      loop_->listen_on(AF_INET, &ipv4, sizeof ipv4, port, true, false);
    }
  }
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC) != 0) throw Error("rendezvous: cannot create a pipe: " + system_error());
  loop_->wake_read = wake[0];
  loop_->wake_write = wake[1];
  loop_->thread = std::thread([loop = loop_.get()] { loop->run(); });
}

RendezvousServer::~RendezvousServer() {
  (void)!::write(loop_->wake_write, "x", 1);
  loop_->thread.join();
}

// ---------------------------------------------------------------------------------------------
// The client: blocking calls, each bounded by its deadline through poll.

namespace {

// The deadline passed before the server answered; for a get or a wait that means other ranks did
// not do their part in time.
class TimedOut : public Error {
 public:
  using Error::Error;
};

void send_all(int socket, const std::string& bytes, Deadline deadline, const std::string& endpoint) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    pollfd ready{socket, POLLOUT, 0};
    if (::poll(&ready, 1, milliseconds_until(deadline)) == 0) {
      throw TimedOut("rendezvous at " + endpoint + ": could not send within the time left");
    }
    const ssize_t count = ::send(socket, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (count < 0 && errno != EAGAIN && errno != EINTR) {
      throw Error("rendezvous at " + endpoint + ": the connection broke: " + system_error());
    }
    if (count > 0) sent += static_cast<size_t>(count);
  }
}

// Reads exactly `count` bytes. `expected_prefix`, when given, is compared as bytes arrive, so that a
// peer speaking another protocol is named at once instead of after the deadline.
std::string receive(int socket, size_t count, Deadline deadline, const std::string& endpoint,
                    const std::string& waiting_for, const std::string& expected_prefix = "",
                    const std::string& silence_means = "") {
  std::string bytes;
  while (bytes.size() < count) {
    pollfd ready{socket, POLLIN, 0};
    if (::poll(&ready, 1, milliseconds_until(deadline)) == 0) {
      throw TimedOut(endpoint + " sent no " + waiting_for + " in time" +
                     (bytes.empty() ? std::string() : " (only " + printable(bytes) + ")") + silence_means);
    }
    char buffer[4096];
    const ssize_t got = ::recv(socket, buffer, std::min(sizeof buffer, count - bytes.size()), 0);
    if (got == 0) {
      throw Error(endpoint + " closed the connection" +
                  (bytes.empty() ? std::string() : " after sending " + printable(bytes)) + " instead of a " +
                  waiting_for);
    }
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw Error(endpoint + ": the connection broke while waiting for a " + waiting_for + ": " + system_error());
    }
    bytes.append(buffer, static_cast<size_t>(got));
    const size_t compared = std::min(bytes.size(), expected_prefix.size());
    if (bytes.compare(0, compared, expected_prefix, 0, compared) != 0) {
      throw Error(endpoint + " is not a tl rendezvous: it answered " + printable(bytes) +
                  " (another program holds that port: check MASTER_ADDR and MASTER_PORT)");
    }
  }
  return bytes;
}

// A message from the server: its status byte and fields.
std::pair<char, std::vector<std::string>> receive_message(int socket, Deadline deadline, const std::string& endpoint,
                                                          const std::string& waiting_for) {
  const size_t length = read_big_endian(receive(socket, 4, deadline, endpoint, waiting_for).data());
  if (length == 0 || length > kMaxRendezvousMessageBytes) {
    throw Error(endpoint + " sent a message of " + std::to_string(length) + " bytes, outside 1.." +
                std::to_string(kMaxRendezvousMessageBytes));
  }
  const std::string body = receive(socket, length, deadline, endpoint, waiting_for);
  auto fields = decode_fields(body, 1);
  if (!fields) throw Error(endpoint + " sent a malformed message");
  return {body[0], std::move(*fields)};
}

// A connected socket to host:port, retrying until the deadline while nobody listens there.
int connect_before(const std::string& host, int port, Deadline deadline, const std::string& endpoint) {
  std::string last_problem = "nobody listens there";
  for (auto pause = std::chrono::milliseconds(50);; pause = std::min(pause * 2, std::chrono::milliseconds(1000))) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (resolved != 0 && resolved != EAI_AGAIN) {
      throw Error("cannot resolve MASTER_ADDR " + host + ": " + ::gai_strerror(resolved));
    }
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      const int socket = ::socket(entry->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (socket < 0) continue;
      int error = 0;
      if (::connect(socket, entry->ai_addr, entry->ai_addrlen) != 0) {
        error = errno;
        if (error == EINPROGRESS) {
          pollfd ready{socket, POLLOUT, 0};
          int polled = 0;
          while ((polled = ::poll(&ready, 1, milliseconds_until(deadline))) < 0 && errno == EINTR) {
          }
          socklen_t length = sizeof error;
          error = polled == 1 && ::getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) == 0 ? error : ETIMEDOUT;
        }
      }
      if (error == 0) {
        ::freeaddrinfo(found);
        const int yes = 1;
        ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        return socket;
      }
      last_problem = std::strerror(error);
      ::close(socket);
    }
    if (found != nullptr) ::freeaddrinfo(found);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      throw Error("could not reach rank 0 at " + endpoint + " in time (" + last_problem +
                  "): is rank 0 running, with the same MASTER_ADDR and MASTER_PORT?");
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
  }
}

}  // namespace

RendezvousClient::RendezvousClient(const std::string& host, int port, int rank, int world_size,
                                   const std::string& token, Deadline deadline)
    : endpoint_(host + ":" + std::to_string(port)) {
  socket_ = connect_before(host, port, deadline, endpoint_);
  try {
    const std::string greeting =
        receive(socket_, kServerGreetingBytes, deadline, endpoint_, "tl rendezvous greeting", {kMagic, kMagicBytes},
                ": another program that stays silent holds that port (check MASTER_ADDR and MASTER_PORT), or rank 0 "
                "is stalled");
    const std::string server_nonce = greeting.substr(kMagicBytes);
    const std::string nonce = random_nonce();
    send_all(socket_,
             std::string(kMagic, kMagicBytes) + nonce + big_endian(static_cast<uint32_t>(rank)) +
                 big_endian(static_cast<uint32_t>(world_size)) +
                 proof(token, "tl-client", server_nonce, nonce, rank, world_size),
             deadline, endpoint_);
    const auto [status, fields] = receive_message(socket_, deadline, endpoint_, "answer to this rank's greeting");
    if (status == 'N' && fields.size() == 1) throw Error("rank 0 at " + endpoint_ + " refused this rank: " + fields[0]);
    if (status != 'Y' || fields.size() != 1 ||
        !same_proof(fields[0], proof(token, "tl-server", nonce, server_nonce, rank, world_size))) {
      throw Error(endpoint_ + " does not hold this job's TL_DIST_TOKEN: it is not this job's rank 0");
    }
  } catch (...) {
    ::close(socket_);
    throw;
  }
}

RendezvousClient::~RendezvousClient() {
  if (socket_ >= 0) ::close(socket_);
}

std::vector<std::string> RendezvousClient::request(char operation, const std::vector<std::string>& fields,
                                                   Deadline deadline) {
  if (socket_ < 0) throw Error("rendezvous at " + endpoint_ + ": the connection was given up after an error");
  try {
    send_all(socket_, encode(operation, fields), deadline, endpoint_);
    auto [status, answer] = receive_message(socket_, deadline, endpoint_, "answer");
    if (status != 'Y') throw Error(endpoint_ + " refused a request");
    return std::move(answer);
  } catch (...) {
    ::close(socket_);  // a late answer would be taken for the next request's
    socket_ = -1;
    throw;
  }
}

namespace {

constexpr char kEveryRankStarted[] =
    ": has every rank started, with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE, and is none stalled?";

const std::string& only_field(const std::vector<std::string>& fields, const std::string& endpoint) {
  if (fields.size() != 1) throw Error(endpoint + " sent an answer with " + std::to_string(fields.size()) + " fields");
  return fields.front();
}

int64_t integer_field(const std::vector<std::string>& fields, const std::string& endpoint) {
  const auto value = parse_integer(only_field(fields, endpoint));
  if (!value) throw Error(endpoint + " sent a number that is not one");
  return *value;
}

}  // namespace

void RendezvousClient::set(const std::string& key, const std::string& value, Deadline deadline) {
  request(static_cast<char>(Operation::set), {key, value}, deadline);
}

std::string RendezvousClient::get(const std::string& key, Deadline deadline) {
  try {
    return only_field(request(static_cast<char>(Operation::get), {key}, deadline), endpoint_);
  } catch (const TimedOut&) {
    throw Error("no other rank set \"" + key + "\" in time" + kEveryRankStarted);
  }
}

int64_t RendezvousClient::add(const std::string& key, int64_t amount, Deadline deadline) {
  return integer_field(request(static_cast<char>(Operation::add), {key, std::to_string(amount)}, deadline), endpoint_);
}

std::string RendezvousClient::compare_set(const std::string& key, const std::string& expected,
                                          const std::string& desired, Deadline deadline) {
  return only_field(request(static_cast<char>(Operation::compare_set), {key, expected, desired}, deadline), endpoint_);
}

bool RendezvousClient::remove(const std::string& key, Deadline deadline) {
  return only_field(request(static_cast<char>(Operation::remove), {key}, deadline), endpoint_) == "1";
}

bool RendezvousClient::check(const std::vector<std::string>& keys, Deadline deadline) {
  return only_field(request(static_cast<char>(Operation::check), keys, deadline), endpoint_) == "1";
}

int64_t RendezvousClient::key_count(Deadline deadline) {
  return integer_field(request(static_cast<char>(Operation::key_count), {}, deadline), endpoint_);
}

void RendezvousClient::wait(const std::vector<std::string>& keys, Deadline deadline) {
  try {
    request(static_cast<char>(Operation::wait), keys, deadline);
  } catch (const TimedOut&) {
    throw Error("the other ranks did not all arrive in time (waiting for " + std::to_string(keys.size()) + " key(s))" +
                kEveryRankStarted);
  }
}

}  // namespace tl
