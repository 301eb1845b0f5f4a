#include "tl/dist/local_launcher.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tl/base/available_cores.hpp"
#include "tl/base/error.hpp"
#include "tl/dist/world.hpp"

namespace tl {
namespace {

std::atomic<int> pending_signal{0};

void remember_signal(int signal_number) { pending_signal = signal_number; }

struct Rank {
  pid_t pid = -1;
  int output = -1;  // read end of its stderr
  std::string partial_line;
  bool running = true;
};

void forward_lines(Rank& rank, int number, bool flush_all) {
  const std::string prefix = "[rank " + std::to_string(number) + "] ";
  size_t newline;
  while ((newline = rank.partial_line.find('\n')) != std::string::npos) {
    const std::string line = prefix + rank.partial_line.substr(0, newline + 1);
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    rank.partial_line.erase(0, newline + 1);
  }
  if (flush_all && !rank.partial_line.empty()) {
    const std::string line = prefix + rank.partial_line + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    rank.partial_line.clear();
  }
}

pid_t start_rank(const std::vector<std::string>& arguments, int number, int ranks, const std::string& store_file,
                 int threads, int& output) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw Error(std::string("--nproc: cannot create a pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("--nproc: cannot start a rank: ") + std::strerror(errno));
  if (pid == 0) {
    // Its own process group: a terminal's Ctrl-C reaches the ranks once, through the launcher. And
    // no rank outlives a launcher that was killed.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::setenv("RANK", std::to_string(number).c_str(), 1);
    ::setenv("LOCAL_RANK", std::to_string(number).c_str(), 1);
    ::setenv("WORLD_SIZE", std::to_string(ranks).c_str(), 1);
    ::setenv("LOCAL_WORLD_SIZE", std::to_string(ranks).c_str(), 1);
    ::setenv("TL_DIST_STORE_FILE", store_file.c_str(), 1);
    ::unsetenv("MASTER_ADDR");
    ::unsetenv("MASTER_PORT");
    ::setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), 1);
    std::vector<char*> argv;
    argv.reserve(arguments.size() + 1);
    for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    std::fprintf(stderr, "cannot start %s: %s\n", arguments[0].c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  output = pipe_fds[0];
  return pid;
}

std::string describe_end(int status) {
  if (WIFSIGNALED(status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  }
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

int exit_code_of(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

int free_local_port() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) throw Error(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(socket_fd);
    throw Error(std::string("cannot find a free port on 127.0.0.1: ") + std::strerror(errno));
  }
  ::close(socket_fd);
  return ntohs(address.sin_port);
}

int launch_local_ranks(int ranks, const std::vector<std::string>& arguments) {
  const std::string program = arguments.empty() ? "tl" : arguments[0];
  const int threads = std::max(1, available_cores() / ranks);
  const auto grace = world_from_environment().timeout;  // as long as a rank waits for another
  // The ranks meet through a file in a directory of the user's own (mode 0700), not a TCP port that
  // anyone on the network could reach; the collectives themselves use loopback only.
  const char* temporary = std::getenv("TMPDIR");
  std::string directory =
      std::string(temporary != nullptr && *temporary != '\0' ? temporary : "/tmp") + "/tl-job-XXXXXX";
  if (::mkdtemp(directory.data()) == nullptr) {
    throw Error("--nproc: cannot create a directory for the ranks to meet in (" + directory +
                "): " + std::strerror(errno));
  }
  const std::string store_file = directory + "/store";
  std::fprintf(stderr, "%s: starting %d ranks on this machine (they meet through %s), %d threads each\n",
               program.c_str(), ranks, store_file.c_str(), threads);
  std::signal(SIGINT, remember_signal);
  std::signal(SIGTERM, remember_signal);
  std::vector<Rank> children(static_cast<size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    children[static_cast<size_t>(r)].pid =
        start_rank(arguments, r, ranks, store_file, threads, children[static_cast<size_t>(r)].output);
  }

  int result = 0;
  bool failed = false;
  std::chrono::steady_clock::time_point kill_at{};
  for (;;) {
    if (const int signal_number = pending_signal.exchange(0)) {
      for (const auto& child : children) {
        if (child.running) ::kill(child.pid, signal_number);
      }
    }
    std::vector<pollfd> fds;
    for (const auto& child : children) {
      if (child.output >= 0) fds.push_back({child.output, POLLIN, 0});
    }
    bool any_running = false;
    for (const auto& child : children) any_running = any_running || child.running;
    if (fds.empty() && !any_running) break;
    ::poll(fds.data(), fds.size(), 200);
    for (size_t r = 0; r < children.size(); ++r) {
      Rank& child = children[r];
      if (child.output < 0) continue;
      pollfd probe{child.output, POLLIN, 0};
      if (::poll(&probe, 1, 0) <= 0) continue;
      char buffer[4096];
      const ssize_t got = ::read(child.output, buffer, sizeof buffer);
      if (got > 0) {
        child.partial_line.append(buffer, static_cast<size_t>(got));
        forward_lines(child, static_cast<int>(r), false);
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        forward_lines(child, static_cast<int>(r), true);
        ::close(child.output);
        child.output = -1;
      }
    }
    for (size_t r = 0; r < children.size(); ++r) {
      Rank& child = children[r];
      int status = 0;
      if (!child.running || ::waitpid(child.pid, &status, WNOHANG) != child.pid) continue;
      child.running = false;
      if (exit_code_of(status) != 0 && !failed) {
        failed = true;
        result = exit_code_of(status);
        kill_at = std::chrono::steady_clock::now() + grace + std::chrono::seconds(10);
        std::fprintf(stderr, "%s: rank %zu %s\n", program.c_str(), r, describe_end(status).c_str());
      }
    }
    if (failed && std::chrono::steady_clock::now() > kill_at) {
      for (size_t r = 0; r < children.size(); ++r) {
        if (!children[r].running) continue;
        std::fprintf(stderr, "%s: rank %zu did not end within %lld s of the failure (stalled?); killing it\n",
                     program.c_str(), r, static_cast<long long>(grace.count()) + 10);
        ::kill(children[r].pid, SIGKILL);
      }
      kill_at = std::chrono::steady_clock::time_point::max();
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::error_code ignored;  // a rank that was killed leaves the store file behind
  std::filesystem::remove_all(directory, ignored);
  return result;
}

}  // namespace tl
