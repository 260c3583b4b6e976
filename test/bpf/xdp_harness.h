// One loaded instance of the XDP program shared by the tests, and a way to
// run frames through it with BPF_PROG_TEST_RUN: no interface needed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mcr_xdp_shared.h"
#include "xdp_config.h"
#include "xdp_maps.h"
#include "xdp_object.h"
#include "xdp_ranges.h"
#include "xdp_rules.h"
#include "xdp_stats.h"

namespace mcr::bpf::test {

class XdpHarness {
public:
	// Loads on first use. Without the privilege to load BPF (EPERM) the
	// tests skip; any other load error fails them.
	static XdpHarness &get();

	bool usable() const { return maps_.has_value(); }
	bool lacks_privilege() const { return lacks_privilege_; }
	const std::string &problem() const { return problem_; }

	int program_fd() const { return object_->program_fd(); }
	const XdpMaps &maps() const { return *maps_; }

private:
	XdpHarness();

	std::optional<XdpObject> object_;
	std::optional<XdpMaps> maps_;
	bool lacks_privilege_ = false;
	std::string problem_;
};

// For a test body: skip or fail unless the harness loaded.
#define MCR_REQUIRE_XDP_HARNESS()                                              \
	do {                                                                   \
		auto &harness_ = ::mcr::bpf::test::XdpHarness::get();          \
		if (harness_.lacks_privilege())                                \
			GTEST_SKIP() << harness_.problem();                    \
		ASSERT_TRUE(harness_.usable()) << harness_.problem();          \
	} while (0)

// The rules the verdict cases are written against.
std::vector<mcr_rule_key> standard_rules();
// Their IPv6 counterparts, for the IPv6 cases.
std::vector<mcr_rule6_key> standard_rules6();
// The range rules the range cases are written against (test_xdp_ranges.cpp),
// clear of the addresses the exact cases use except where they overlap on
// purpose (an exact rule inside a range).
std::vector<RangeRule> standard_ranges();
std::vector<RangeRule6> standard_ranges6();
// All four sets into the maps, replacing whatever they held.
Status sync_standard_rules(const XdpMaps &maps);

// Where a test frame arrives: BPF_PROG_TEST_RUN takes an interface of the
// caller's namespace and one of its RX queues (below its real count).
struct Arrival {
	int ifindex = 0;
	uint32_t rx_queue = 0;
};

// The program's return code for one frame, by default on RX queue 0 of no
// interface.
Result<int> run_frame(int prog_fd, std::span<const uint8_t> frame,
		      std::optional<Arrival> arrival = std::nullopt);

// Counter increase across one call of run_frame().
struct Verdict {
	int action = -1;
	XdpStats delta{};
};
Result<Verdict> run_counted(const XdpHarness &harness, std::span<const uint8_t> frame,
			    std::optional<Arrival> arrival = std::nullopt);

// A table of frames, each with the action and the one counter it must get,
// run with the standard rules of both families loaded and the case's
// flags set. Case: {name, frame (with bytes()), flags, action, stat}; the
// IPv4 and IPv6 tables share it.
template <typename Case>
class VerdictTable : public ::testing::TestWithParam<Case> {
protected:
	void SetUp() override
	{
		MCR_REQUIRE_XDP_HARNESS();
		const XdpMaps &maps = XdpHarness::get().maps();
		Status synced = sync_standard_rules(maps);
		ASSERT_TRUE(synced) << synced.error().message;
		Status configured = set_xdp_flags(maps, this->GetParam().flags);
		ASSERT_TRUE(configured) << configured.error().message;
	}

	void expect_verdict()
	{
		const Case &c = this->GetParam();
		const auto frame = c.frame.bytes();
		auto verdict = run_counted(XdpHarness::get(), frame);
		ASSERT_TRUE(verdict) << verdict.error().message;
		EXPECT_EQ(verdict->action, c.action);
		EXPECT_EQ(verdict->delta[c.stat], 1u) << "counter " << xdp_stat_name(c.stat);
		uint64_t total = 0;
		for (uint64_t d : verdict->delta)
			total += d;
		EXPECT_EQ(total, 1u) << "exactly one counter per packet";
	}
};

} // namespace mcr::bpf::test
