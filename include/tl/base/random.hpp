#pragma once
// Randomness that is the same on every machine: tl never uses std distributions (their algorithms
// differ between standard libraries) nor a global generator for anything that decides data.
// A KeyedRandom is a SplitMix64 stream started from a 64-bit key; keys are made by mixing a seed with
// the numbers that identify a use (view, image, epoch), so every random decision can be recomputed
// on its own, in any thread and in any order.
#include <cstdint>
#include <string>

namespace tl {

class KeyedRandom {
 public:
  explicit KeyedRandom(uint64_t key) : state_(key) {}
  uint64_t next();
  // Uniform in [low, high), from the top 53 bits.
  double uniform(double low, double high);
  // Uniform integer in [low, high], inclusive.
  int integer(int low, int high);

 private:
  uint64_t state_;
};

// Mixes a number into a key (SplitMix64 finaliser): e.g. seed, view and image identity.
uint64_t mix_key(uint64_t key, uint64_t value);
// The first 16 hex digits of a content hash as a number, to key an image by its bytes.
uint64_t key_of_hash(const std::string& hex_sha256);

}  // namespace tl
