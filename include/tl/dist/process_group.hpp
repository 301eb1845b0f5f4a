#pragma once
// The processes of one job as a group, on LibTorch's own c10d: a store through which the ranks meet
// (a file for tl's --nproc, tl's authenticated rendezvous served by rank 0 at the master for ranks
// started otherwise, or torchrun's own store when torchrun serves one) and ProcessGroupGloo for the
// collectives, the same layer PyTorch's DistributedDataParallel runs on. A world of one needs no
// network: every collective is then the identity, so single-process code takes the same path. Every
// wait on another rank is bounded by the world's timeout; a rank that died or stalled makes the
// others fail with a tl::Error naming the operation, not hang. Tensors on a GPU are exchanged
// through host memory (Gloo).
//
// All ranks must call the collectives in the same order with tensors of the same shape (except
// all_gather_rows' first dimension).
#include <memory>
#include <string>
#include <vector>

#include "tl/dist/world.hpp"

namespace at {
class Tensor;
}

namespace tl {

class ProcessGroup {
 public:
  // Connects to the others (rank 0 listens on the master port: on loopback when the master address is
  // a loopback one, else on every interface, then requiring the world's token) and waits until all
  // have joined. Throws tl::Error when they cannot all be reached within the world's timeout, counted
  // once for the whole start.
  explicit ProcessGroup(const World& world);
  ProcessGroup();  // a world of one
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.size; }
  const World& world() const { return world_; }
  // The one process that writes files a run shares (run directory, reports).
  bool writes() const { return world_.rank == 0; }

  void all_reduce_sum(at::Tensor& tensor);
  // Sums each tensor in place across ranks, all of them in one message in the first one's dtype.
  void all_reduce_sum(const std::vector<at::Tensor>& tensors);
  // Every rank's rows (first dimension may differ between ranks), indexed by rank.
  std::vector<at::Tensor> all_gather_rows(const at::Tensor& rows);
  std::vector<std::string> all_gather_text(const std::string& text);
  bool any(bool flag);  // true on every rank when it is true on one
  void barrier();

  // This rank's part [begin, end) of `count` items divided into contiguous, near-equal parts.
  std::pair<int64_t, int64_t> share(int64_t count) const;

 private:
  struct Connection;
  World world_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace tl
