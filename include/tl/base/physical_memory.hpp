#pragma once
// The machine's physical memory in bytes, for budgets that must scale with it (what fine-tuning may
// keep in memory). 0 when the system does not say.
#include <cstdint>

namespace tl {

int64_t physical_memory_bytes();

}  // namespace tl
