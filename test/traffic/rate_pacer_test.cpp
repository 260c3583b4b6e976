#include <gtest/gtest.h>

#include "traffic/rate_pacer.h"

using namespace mcr::traffic;

constexpr uint64_t ms = 1000000;

TEST(RatePacer, FirstPacketIsDueAtOnce)
{
	RatePacer p(1000);
	p.start(5 * ms);
	EXPECT_EQ(p.allowed(5 * ms, 0, 32), 1u);
	EXPECT_EQ(p.allowed(5 * ms, 1, 32), 0u);
	EXPECT_EQ(p.allowed(4 * ms, 0, 32), 0u);
}

TEST(RatePacer, DueCountFollowsElapsedTime)
{
	RatePacer p(1000);
	p.start(0);
	EXPECT_EQ(p.allowed(ms - 1, 1, 32), 0u);
	EXPECT_EQ(p.allowed(ms, 1, 32), 1u);
	// Late by 10 ms: the backlog goes at once, up to the burst.
	EXPECT_EQ(p.allowed(11 * ms, 2, 32), 10u);
	EXPECT_EQ(p.allowed(100 * ms, 2, 32), 32u);
}

TEST(RatePacer, DeadlinesAreExactMultiplesOfThePeriod)
{
	RatePacer p(3);
	p.start(1000);
	EXPECT_EQ(p.due_ns(0), 1000u);
	EXPECT_EQ(p.due_ns(1), 1000u + 333333334u);
	EXPECT_EQ(p.due_ns(3), 1000u + 1000000000u);
	// The packet is allowed exactly at its deadline, not before.
	EXPECT_EQ(p.allowed(p.due_ns(1) - 1, 1, 8), 0u);
	EXPECT_EQ(p.allowed(p.due_ns(1), 1, 8), 1u);
}

TEST(RatePacer, AverageRateDoesNotDrift)
{
	RatePacer p(7919);
	p.start(0);
	uint64_t sent = 0;
	// Wake at irregular times for 10 s; send whatever is due each time.
	for (uint64_t t = 0; t <= 10000 * ms; t += 123457)
		sent += p.allowed(t, sent, 1000000);
	EXPECT_NEAR(static_cast<double>(sent), 79190.0, 2.0);
}

TEST(RatePacer, HighRatesOverLongRunsDoNotOverflow)
{
	RatePacer p(100000000);
	p.start(0);
	const uint64_t hour = 3600ull * 1000 * ms;
	EXPECT_EQ(p.allowed(hour, 360000000000ull, 64), 1u);
	EXPECT_EQ(p.due_ns(360000000000ull), hour);
}

TEST(RatePacer, UnlimitedAllowsAFullBurst)
{
	RatePacer p(0);
	p.start(0);
	EXPECT_TRUE(p.unlimited());
	EXPECT_EQ(p.allowed(0, 1000000, 32), 32u);
}
