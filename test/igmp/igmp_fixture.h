// Every test in its own network namespace with one veth pair: mcr's side
// "mg0" (198.18.0.1/24) where memberships are joined, and its peer "mg0p"
// where the wire is watched. Skips without root.
#pragma once

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "host/multicast_memberships.h"
#include "kernel_groups.h"
#include "private_netns.h"

namespace mcr::host::test {

// For EXPECT_TRUE: text contains part (no gmock here).
::testing::AssertionResult mentions(const std::string &text, const std::string &part);

class IgmpTest : public ::testing::Test {
protected:
	void SetUp() override;

	// For ASSERT_TRUE, failing with MulticastMemberships' own message.
	::testing::AssertionResult joins(unsigned ifindex, uint32_t group, uint32_t source);
	::testing::AssertionResult leaves(unsigned ifindex, uint32_t group, uint32_t source);

	static constexpr uint32_t kGroup = ipv4(239, 1, 2, 3);
	static constexpr uint32_t kSource = ipv4(198, 18, 0, 9);

	std::optional<PrivateNetns> netns_;
	unsigned iface_ = 0; // mg0
	unsigned peer_ = 0;  // mg0p
	// After netns_: destroyed, and so leaves, before the namespace is.
	MulticastMemberships igmp_;
};

} // namespace mcr::host::test
