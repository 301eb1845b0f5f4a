#pragma once
// Raw TCP sockets on the loopback interface, for tests and fuzz targets that play a peer, a stranger
// or another program holding a port.
#include <string>

namespace tl::testing {

// Another address of 127.0.0.0/8 on each call (127.1.0.1, 127.1.0.2, ...; 16 million before one
// comes back). Every closed connection leaves a TIME_WAIT on its pair of addresses and ports for a
// minute; a fuzz target opening thousands a second from one pair of addresses runs out of ports on
// a kernel that does not reuse them (net.ipv4.tcp_tw_reuse = 0), and its connects stall or fail.
std::string next_loopback_address();
// A socket listening on a free port of `address`, which is stored in `port`. Throws
// std::runtime_error.
int listen_on_loopback(int& port, const std::string& address = "127.0.0.1");
// A socket connected to 127.0.0.1:`port`, from `source` when given. Throws std::runtime_error with
// the reason when nobody accepts.
int connect_to_loopback(int port, const std::string& source = "");

}  // namespace tl::testing
