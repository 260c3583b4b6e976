// A statistics counter with one writer (its worker) and any number of
// readers (console, telemetry). Relaxed loads and stores compile to plain
// moves: no locked instruction on the fast path, yet no torn reads.
#pragma once

#include <atomic>
#include <cstdint>

namespace mcr::engine {

class Counter {
public:
	void add(uint64_t n) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
	// Takes back what add() counted too early (a packet the PMD refused).
	void sub(uint64_t n) { value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
	uint64_t get() const { return value_.load(std::memory_order_relaxed); }
	// Clearing from the main lcore races with the writer; it is only
	// ever used for "clear stats", where losing an increment is harmless.
	void reset() { value_.store(0, std::memory_order_relaxed); }

private:
	std::atomic<uint64_t> value_{0};
};

} // namespace mcr::engine
