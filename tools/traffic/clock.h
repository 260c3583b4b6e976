// The one clock of the traffic tools. CLOCK_MONOTONIC is read through the
// vDSO (tens of ns, no system call) and is the same clock in every network
// namespace of a host, which is what lets a sink subtract a generator's
// send stamp.
#pragma once

#include <time.h>

#include <cstdint>

namespace mcr::traffic {

inline uint64_t monotonic_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace mcr::traffic
