#include "tl/base/random.hpp"

namespace tl {
namespace {

constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

// SplitMix64's output function: every input bit affects every output bit.
uint64_t splitmix64_finalise(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t KeyedRandom::next() { return splitmix64_finalise(state_ += kGoldenGamma); }

double KeyedRandom::uniform(double low, double high) {
  return low + (high - low) * static_cast<double>(next() >> 11) * 0x1.0p-53;
}

int KeyedRandom::integer(int low, int high) {
  return low + static_cast<int>(next() % static_cast<uint64_t>(high - low + 1));
}

uint64_t mix_key(uint64_t key, uint64_t value) {
  return splitmix64_finalise(key ^ (value + kGoldenGamma + (key << 6) + (key >> 2)));
}

uint64_t key_of_hash(const std::string& hex_sha256) { return std::stoull(hex_sha256.substr(0, 16), nullptr, 16); }

}  // namespace tl
