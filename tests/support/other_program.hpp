#pragma once
// A program of another kind holding a loopback port, as a user's MASTER_PORT may point at: it
// accepts connections and sends `answer` to the first one, or stays silent when `answer` is empty
// (the kernel still completes TCP handshakes for it).
#include <string>
#include <thread>

namespace tl::testing {

class OtherProgram {
 public:
  explicit OtherProgram(std::string answer);
  ~OtherProgram();
  OtherProgram(const OtherProgram&) = delete;
  OtherProgram& operator=(const OtherProgram&) = delete;
  int port() const { return port_; }

 private:
  std::string answer_;
  int listener_ = -1;
  int port_ = 0;
  std::thread server_;
};

}  // namespace tl::testing
