// Fixed-rate pacing against a deadline: packet n (from 0) is due at
// start + n / rate. The sender asks how many packets are due now and sends
// that many (up to a burst), so a late wake-up is made up at once and the
// average rate never drifts, unlike a sleep per packet whose errors add up.
// Pure arithmetic on timestamps the caller passes in, so tests drive it
// with a fake clock.
#pragma once

#include <cstdint>

namespace mcr::traffic {

class RatePacer {
public:
	// pps 0: no pacing, every call allows a full burst.
	explicit RatePacer(uint64_t pps) : pps_(pps) {}

	void start(uint64_t now_ns) { start_ns_ = now_ns; }
	bool unlimited() const { return pps_ == 0; }

	// How many packets may go at now_ns when `sent` went since start, at
	// most cap.
	uint64_t allowed(uint64_t now_ns, uint64_t sent, uint64_t cap) const;

	// When packet number n (from 0) is due.
	uint64_t due_ns(uint64_t n) const;

private:
	uint64_t pps_;
	uint64_t start_ns_ = 0;
};

// Waits for deadline_ns (CLOCK_MONOTONIC): sleeps while the deadline is
// far, so that low rates do not burn a core, then spins the rest, because
// a timer wake-up is tens of microseconds late. A stop signal ends it early.
void wait_until(uint64_t deadline_ns);

} // namespace mcr::traffic
