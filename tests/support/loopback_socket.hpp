#pragma once
// Raw TCP sockets on 127.0.0.1, for tests and fuzz targets that play a peer, a stranger or another
// program holding a port.

namespace tl::testing {

// A socket listening on a free loopback port, which is stored in `port`. Throws std::runtime_error.
int listen_on_loopback(int& port);
// A socket connected to 127.0.0.1:`port`. Throws std::runtime_error when nobody accepts.
int connect_to_loopback(int port);

}  // namespace tl::testing
