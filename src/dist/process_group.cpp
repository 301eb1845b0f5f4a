#include "tl/dist/process_group.hpp"

#include <algorithm>
#include <cstring>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include "tl/base/error.hpp"

namespace tl {

struct ProcessGroup::Connection {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

namespace {

bool is_loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

// What any failure of a collective means for the user: which rank saw it, during what, and why.
[[noreturn]] void fail(const World& world, const std::string& operation, const std::exception& error) {
  std::string reason = error.what();
  if (const size_t newline = reason.find('\n'); newline != std::string::npos) reason.resize(newline);
  throw Error("distributed " + operation + " failed on " + world.describe() + ": " + reason +
              " (another rank stopped, or stalled longer than TL_DIST_TIMEOUT=" +
              std::to_string(world.timeout.count()) + " s)");
}

}  // namespace

ProcessGroup::ProcessGroup() = default;

ProcessGroup::ProcessGroup(const World& world) : world_(world) {
  if (!world.distributed()) return;
  connection_ = std::make_unique<Connection>();
  try {
    if (!world.store_file.empty()) {
      connection_->store = c10::make_intrusive<c10d::FileStore>(world.store_file, world.size);
      connection_->store->setTimeout(world.timeout);
    } else {
      c10d::TCPStoreOptions store_options;
      store_options.port = static_cast<uint16_t>(world.master_port);
      store_options.isServer = world.rank == 0;
      store_options.numWorkers = static_cast<size_t>(world.size);
      store_options.timeout = world.timeout;
      connection_->store = c10::make_intrusive<c10d::TCPStore>(world.master_address, store_options);
    }
    auto options = c10d::ProcessGroupGloo::Options::create(world.timeout);
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (is_loopback(world.master_address)) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    connection_->gloo =
        c10::make_intrusive<c10d::ProcessGroupGloo>(connection_->store, world.rank, world.size, options);
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
