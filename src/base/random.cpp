#include "tl/base/random.hpp"

#include <limits>
#include <random>
#include <utility>

namespace tl {
namespace {

constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

// SplitMix64's output function.
uint64_t splitmix64_finalise(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t mix_key(uint64_t key, uint64_t value) {
  return splitmix64_finalise(key ^ (value + kGoldenGamma + (key << 6) + (key >> 2)));
}

uint64_t stream_key(uint64_t seed, RandomStream stream) { return mix_key(seed, static_cast<uint64_t>(stream)); }

uint64_t key_of_hash(const std::string& hex_sha256) { return std::stoull(hex_sha256.substr(0, 16), nullptr, 16); }

uint64_t KeyedRandom::next() { return splitmix64_finalise(state_ += kGoldenGamma); }

uint64_t KeyedRandom::below(uint64_t bound) {
  // The largest multiple of bound that fits: values at or above it would favour the small remainders.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
  uint64_t value = next();
  while (value >= limit) value = next();
  return value % bound;
}

double KeyedRandom::uniform(double low, double high) {
  return low + (high - low) * static_cast<double>(next() >> 11) * 0x1.0p-53;
}

int KeyedRandom::integer(int low, int high) {
  return low + static_cast<int>(below(static_cast<uint64_t>(high - low) + 1));
}

void portable_shuffle(std::vector<size_t>& items, uint64_t key) {
  KeyedRandom random(key);
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[random.below(i)]);
}

void split_shuffle(std::vector<size_t>& items, uint64_t seed) {
  std::mt19937_64 generator(seed);
  const auto bounded_draw = [&](uint64_t bound) {
    const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
    uint64_t value = generator();
    while (value >= limit) value = generator();
    return value % bound;
  };
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[bounded_draw(i)]);
}

}  // namespace tl
