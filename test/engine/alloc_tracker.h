// Live count of over-aligned heap allocations (operator new with
// std::align_val_t). CompiledRule objects are cache-line aligned, so this is
// how a test sees whether a rule object was freed: the count before and after
// an operation must match. The replacement operators live in
// alloc_tracker.cpp and apply to the whole test executable.
#pragma once

#include <cstdint>

namespace mcr::engine::test {

int64_t live_aligned_allocations();

} // namespace mcr::engine::test
