#pragma once
// How the ranks of a job on several machines meet over TCP: rank 0 serves a small key-value store at
// MASTER_ADDR:MASTER_PORT and every rank, rank 0 too, uses it to exchange the addresses Gloo connects
// to. It replaces c10d's TCPStore, which admits any peer and trusts what it sends: here a connection
// starts with a handshake in which both sides prove that they hold the job's token (HMAC-SHA256 over
// fresh nonces, so the token never crosses the network) and agree on the world size, every message
// is length-prefixed and bounded, and every step has a deadline. A port held by another program (one
// that stays silent, or answers something else) fails with a message that says so, not a hang or an
// abort, and a stranger's connection is closed without disturbing the job.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tl {

using Deadline = std::chrono::steady_clock::time_point;

// The largest message either side accepts; Gloo's addresses take a few hundred bytes.
inline constexpr size_t kMaxRendezvousMessageBytes = size_t{16} << 20;

// True when every address `host` resolves to belongs to the loopback interface, so ranks that meet
// there are all on this machine and nothing needs to listen on the network.
bool resolves_to_loopback(const std::string& host);

class RendezvousServer {
 public:
  // Listens on `port` of the loopback interface (IPv4 and IPv6) when `loopback_only`, else on every
  // interface. Throws tl::Error naming the port when it cannot. A connection that has not completed
  // the handshake within `handshake_timeout` is closed.
  RendezvousServer(int port, bool loopback_only, int world_size, std::string token,
                   std::chrono::milliseconds handshake_timeout);
  ~RendezvousServer();
  RendezvousServer(const RendezvousServer&) = delete;
  RendezvousServer& operator=(const RendezvousServer&) = delete;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

// One rank's connection to the server. Every call throws tl::Error when its deadline passes, the
// server goes away or answers outside the protocol; the connection is unusable after that.
class RendezvousClient {
 public:
  // Connects to host:port, retrying while nobody listens there yet (rank 0 may start later), and
  // completes the handshake, all before `deadline`.
  RendezvousClient(const std::string& host, int port, int rank, int world_size, const std::string& token,
                   Deadline deadline);
  ~RendezvousClient();
  RendezvousClient(const RendezvousClient&) = delete;
  RendezvousClient& operator=(const RendezvousClient&) = delete;

  void set(const std::string& key, const std::string& value, Deadline deadline);
  std::string get(const std::string& key, Deadline deadline);  // waits until the key is set
  int64_t add(const std::string& key, int64_t amount, Deadline deadline);
  // Sets `desired` when the key holds `expected` (or is absent and `expected` is empty); returns the
  // value it holds afterwards.
  std::string compare_set(const std::string& key, const std::string& expected, const std::string& desired,
                          Deadline deadline);
  bool remove(const std::string& key, Deadline deadline);
  bool check(const std::vector<std::string>& keys, Deadline deadline);
  int64_t key_count(Deadline deadline);
  void wait(const std::vector<std::string>& keys, Deadline deadline);

 private:
  std::vector<std::string> request(char operation, const std::vector<std::string>& fields, Deadline deadline);

  std::string endpoint_;  // "host:port", for messages
  int socket_ = -1;
};

}  // namespace tl
