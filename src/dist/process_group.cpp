#include "tl/dist/process_group.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/dist/rendezvous.hpp"

namespace tl {

struct ProcessGroup::Connection {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

namespace {

std::string first_line(const std::exception& error) {
  std::string reason = error.what();
  if (const size_t newline = reason.find('\n'); newline != std::string::npos) reason.resize(newline);
  return reason;
}

// What any failure of a collective means for the user: which rank saw it, during what, and why.
[[noreturn]] void fail(const World& world, const std::string& operation, const std::exception& error) {
  throw Error("distributed " + operation + " failed on " + world.describe() + ": " + first_line(error) +
              " (another rank stopped, or stalled longer than TL_DIST_TIMEOUT=" +
              std::to_string(world.timeout.count()) + " s)");
}

std::vector<uint8_t> as_bytes(const std::string& text) { return {text.begin(), text.end()}; }
std::string as_text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// tl's own rendezvous (tl/dist/rendezvous.hpp) as the c10d store Gloo connects through. While the
// group starts, every wait also ends at one deadline for the whole start, so that a missing rank is
// reported within TL_DIST_TIMEOUT, not after one timeout for the connection and another for each key.
class RendezvousStore final : public c10d::Store {
 public:
  RendezvousStore(const World& world, bool loopback, Deadline start_deadline)
      : c10d::Store(world.timeout), start_deadline_(start_deadline) {
    if (world.rank == 0) {
      server_ = std::make_unique<RendezvousServer>(world.master_port, loopback, world.size, world.token, world.timeout);
    }
    // Rank 0 reaches its own server on loopback, whichever interfaces it listens on.
    client_.emplace(world.rank == 0 ? "127.0.0.1" : world.master_address, world.master_port, world.rank, world.size,
                    world.token, start_deadline);
  }

  void started() {
    const std::lock_guard lock(mutex_);
    start_deadline_.reset();
  }

  void set(const std::string& key, const std::vector<uint8_t>& value) override {
    const std::lock_guard lock(mutex_);
    client_->set(key, as_text(value), deadline(timeout_));
  }
  std::vector<uint8_t> compareSet(const std::string& key, const std::vector<uint8_t>& expected,
                                  const std::vector<uint8_t>& desired) override {
    const std::lock_guard lock(mutex_);
    return as_bytes(client_->compare_set(key, as_text(expected), as_text(desired), deadline(timeout_)));
  }
  std::vector<uint8_t> get(const std::string& key) override {
    const std::lock_guard lock(mutex_);
    return as_bytes(client_->get(key, deadline(timeout_)));
  }
  int64_t add(const std::string& key, int64_t amount) override {
    const std::lock_guard lock(mutex_);
    return client_->add(key, amount, deadline(timeout_));
  }
  bool deleteKey(const std::string& key) override {
    const std::lock_guard lock(mutex_);
    return client_->remove(key, deadline(timeout_));
  }
  bool check(const std::vector<std::string>& keys) override {
    const std::lock_guard lock(mutex_);
    return client_->check(keys, deadline(timeout_));
  }
  int64_t getNumKeys() override {
    const std::lock_guard lock(mutex_);
    return client_->key_count(deadline(timeout_));
  }
  void wait(const std::vector<std::string>& keys) override { wait(keys, timeout_); }
  // Gloo asks for c10d's default of 300 s whatever the store's timeout; the shorter one wins.
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override {
    const std::lock_guard lock(mutex_);
    client_->wait(keys, deadline(timeout == kNoTimeout ? timeout_ : std::min(timeout, timeout_)));
  }

 private:
  Deadline deadline(std::chrono::milliseconds timeout) const {
    const Deadline after_timeout = std::chrono::steady_clock::now() + timeout;
    return start_deadline_ ? std::min(after_timeout, *start_deadline_) : after_timeout;
  }

  std::mutex mutex_;
  std::optional<Deadline> start_deadline_;
  std::unique_ptr<RendezvousServer> server_;
  std::optional<RendezvousClient> client_;
};

}  // namespace

ProcessGroup::ProcessGroup() = default;

ProcessGroup::ProcessGroup(const World& world) : world_(world) {
  if (!world.distributed()) return;
  connection_ = std::make_unique<Connection>();
  const Deadline start_deadline = std::chrono::steady_clock::now() + world.timeout;
  const bool on_this_machine = !world.store_file.empty() || resolves_to_loopback(world.master_address);
  try {
    c10::intrusive_ptr<RendezvousStore> rendezvous;
    if (!world.store_file.empty()) {
      connection_->store = c10::make_intrusive<c10d::FileStore>(world.store_file, world.size);
      connection_->store->setTimeout(world.timeout);
    } else if (!world.agent_store_prefix.empty()) {
      c10d::TCPStoreOptions store_options;
      store_options.port = static_cast<uint16_t>(world.master_port);
      store_options.isServer = false;
      store_options.numWorkers = static_cast<size_t>(world.size);
      store_options.timeout = world.timeout;
      connection_->store = c10::make_intrusive<c10d::PrefixStore>(
          world.agent_store_prefix, c10::make_intrusive<c10d::TCPStore>(world.master_address, store_options));
    } else {
      if (!on_this_machine && world.token.empty()) {
        throw Error("TL_DIST_TOKEN is not set: MASTER_ADDR=" + world.master_address +
                    " is reachable from the network, so the ranks prove to each other that they belong to this "
                    "job with a secret they share; give every rank the same TL_DIST_TOKEN (for example the output "
                    "of `openssl rand -hex 16`)");
      }
      rendezvous = c10::make_intrusive<RendezvousStore>(world, on_this_machine, start_deadline);
      connection_->store = rendezvous;
    }
    auto options = c10d::ProcessGroupGloo::Options::create(world.timeout);
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (on_this_machine) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    connection_->gloo =
        c10::make_intrusive<c10d::ProcessGroupGloo>(connection_->store, world.rank, world.size, options);
    if (rendezvous) rendezvous->started();
  } catch (const Error& error) {
    throw Error("distributed start failed on " + world.describe() +
                ", TL_DIST_TIMEOUT=" + std::to_string(world.timeout.count()) + " s: " + error.what());
  } catch (const std::exception& error) {
    fail(world, "start", error);
  }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::all_reduce_sum(at::Tensor& tensor) {
  if (!connection_) return;
  try {
    std::vector<at::Tensor> buffer{tensor.to(torch::kCPU).contiguous()};
    connection_->gloo->allreduce(buffer)->wait();
    if (!buffer[0].is_same(tensor)) tensor.copy_(buffer[0]);
  } catch (const std::exception& error) {
    fail(world_, "all-reduce", error);
  }
}

void ProcessGroup::all_reduce_sum(const std::vector<at::Tensor>& tensors) {
  if (!connection_ || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (const auto& tensor : tensors) parts.push_back(tensor.flatten().to(tensors.front().scalar_type()));
  at::Tensor message = torch::cat(parts);
  all_reduce_sum(message);
  int64_t offset = 0;
  for (const auto& tensor : tensors) {
    tensor.copy_(message.slice(0, offset, offset + tensor.numel()).view_as(tensor));
    offset += tensor.numel();
  }
}

std::vector<at::Tensor> ProcessGroup::all_gather_rows(const at::Tensor& rows) {
  if (!connection_) return {rows};
  try {
    const at::Tensor local = rows.to(torch::kCPU).contiguous();
    std::vector<std::vector<at::Tensor>> counts(1);
    for (int r = 0; r < size(); ++r) counts[0].push_back(torch::empty({1}, torch::kInt64));
    std::vector<at::Tensor> count{torch::full({1}, local.size(0), torch::kInt64)};
    connection_->gloo->allgather(counts, count)->wait();
    int64_t most = 0;
    for (const auto& c : counts[0]) most = std::max(most, c.item<int64_t>());
    auto shape = local.sizes().vec();
    int64_t row_elements = 1;
    for (size_t d = 1; d < shape.size(); ++d) row_elements *= shape[d];
    if (most == 0 || row_elements == 0) {  // nothing to send, and Gloo would divide by the size
      return std::vector<at::Tensor>(static_cast<size_t>(size()), torch::empty(shape, local.options()));
    }
    shape[0] = most;
    std::vector<at::Tensor> padded{torch::zeros(shape, local.options())};
    if (local.size(0) > 0) padded[0].slice(0, 0, local.size(0)).copy_(local);
    std::vector<std::vector<at::Tensor>> gathered(1);
    for (int r = 0; r < size(); ++r) gathered[0].push_back(torch::empty(shape, local.options()));
    connection_->gloo->allgather(gathered, padded)->wait();
    std::vector<at::Tensor> result;
    for (int r = 0; r < size(); ++r) result.push_back(gathered[0][r].slice(0, 0, counts[0][r].item<int64_t>()));
    return result;
  } catch (const std::exception& error) {
    fail(world_, "all-gather", error);
  }
}

std::vector<std::string> ProcessGroup::all_gather_text(const std::string& text) {
  at::Tensor bytes = torch::empty({static_cast<int64_t>(text.size())}, torch::kUInt8);
  if (!text.empty()) std::memcpy(bytes.data_ptr<uint8_t>(), text.data(), text.size());
  std::vector<std::string> texts;
  for (const auto& part : all_gather_rows(bytes)) {
    const auto* data = part.data_ptr<uint8_t>();
    texts.emplace_back(reinterpret_cast<const char*>(data), static_cast<size_t>(part.numel()));
  }
  return texts;
}

bool ProcessGroup::any(bool flag) {
  at::Tensor value = torch::full({1}, flag ? 1 : 0, torch::kInt32);
  all_reduce_sum(value);
  return value.item<int>() > 0;
}

void ProcessGroup::barrier() {
  if (!connection_) return;
  try {
    connection_->gloo->barrier()->wait();
  } catch (const std::exception& error) {
    fail(world_, "barrier", error);
  }
}

std::pair<int64_t, int64_t> ProcessGroup::share(int64_t count) const {
  return {count * rank() / size(), count * (rank() + 1) / size()};
}

}  // namespace tl
