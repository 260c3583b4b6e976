#include "traffic/rate_pacer.h"

#include <time.h>

#include <algorithm>

#include <rte_pause.h>

#include "traffic/clock.h"
#include "traffic/stop_signal.h"

namespace mcr::traffic {

namespace {

// Time and rate products overflow 64 bits after ~3 minutes at 100 Mpps.
__extension__ using u128 = unsigned __int128;

constexpr uint64_t ns_per_s = 1000000000ull;
constexpr uint64_t spin_below_ns = 100000; // closer than this: spin
constexpr uint64_t wake_early_ns = 60000;  // a sleep's usual lateness, and then some

} // namespace

uint64_t RatePacer::allowed(uint64_t now_ns, uint64_t sent, uint64_t cap) const
{
	if (unlimited())
		return cap;
	if (now_ns < start_ns_)
		return 0;
	// Packets due by now: the one at start plus one per 1/pps since.
	const u128 due = u128{now_ns - start_ns_} * pps_ / ns_per_s + 1;
	if (due <= sent)
		return 0;
	return static_cast<uint64_t>(std::min<u128>(due - sent, cap));
}

uint64_t RatePacer::due_ns(uint64_t n) const
{
	if (unlimited())
		return start_ns_;
	return start_ns_ + static_cast<uint64_t>((u128{n} * ns_per_s + pps_ - 1) / pps_);
}

void wait_until(uint64_t deadline_ns)
{
	uint64_t now = monotonic_ns();
	if (deadline_ns > now + spin_below_ns) {
		const uint64_t wake = deadline_ns - wake_early_ns;
		const timespec ts{static_cast<time_t>(wake / ns_per_s),
				  static_cast<long>(wake % ns_per_s)};
		// EINTR (a stop signal) just ends the wait early.
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
		now = monotonic_ns();
	}
	while (now < deadline_ns && !stop_requested()) {
		rte_pause();
		now = monotonic_ns();
	}
}

} // namespace mcr::traffic
