#include "igmp_fixture.h"

#include <net/if.h>
#include <unistd.h>

namespace mcr::host::test {

::testing::AssertionResult mentions(const std::string &text, const std::string &part)
{
	if (text.find(part) != std::string::npos)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "\"" << text << "\" does not mention \"" << part
					     << "\"";
}

void IgmpTest::SetUp()
{
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root (network namespace, veth, AF_PACKET)";
	netns_.emplace();
	if (!netns_->problem().empty())
		GTEST_SKIP() << "no private network namespace: " << netns_->problem();
	std::string why;
	iface_ = netns_->add_veth("mg0", "mg0p", "198.18.0.1/24", &why);
	ASSERT_NE(iface_, 0u) << why;
	peer_ = if_nametoindex("mg0p");
	ASSERT_NE(peer_, 0u);
}

::testing::AssertionResult IgmpTest::joins(unsigned ifindex, uint32_t group, uint32_t source)
{
	std::string error;
	const int rc = igmp_.join(ifindex, group, source, &error);
	if (rc == 0)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "join returned " << rc << ": " << error;
}

::testing::AssertionResult IgmpTest::leaves(unsigned ifindex, uint32_t group, uint32_t source)
{
	std::string error;
	const int rc = igmp_.leave(ifindex, group, source, &error);
	if (rc == 0)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "leave returned " << rc << ": " << error;
}

} // namespace mcr::host::test
