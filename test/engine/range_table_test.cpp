// The range stage on real rte_hashes: precedence (longer destination
// prefix, then longer source prefix, then narrower port range), families,
// ingress ports and VLANs kept apart, add/replace/remove, refusals
// (ambiguous ranges, capacity, mask classes), a property test against a
// linear reference, and a reader that looks up while the main lcore
// changes the table.
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/range_table.h"
#include "frame_builder.h"
#include "range_reference.h"
#include "packet/parse.h"

namespace mcr::engine {
namespace {

struct QsbrFree {
	void operator()(rte_rcu_qsbr *q) const { rte_free(q); }
};
using Qsbr = std::unique_ptr<rte_rcu_qsbr, QsbrFree>;

Qsbr make_qsbr(unsigned readers = 1)
{
	auto *q = static_cast<rte_rcu_qsbr *>(
		rte_zmalloc("range_test_qsbr", rte_rcu_qsbr_get_memsize(readers), RTE_CACHE_LINE_SIZE));
	EXPECT_NE(q, nullptr);
	EXPECT_EQ(rte_rcu_qsbr_init(q, readers), 0);
	return Qsbr(q);
}

// rte_hash names are process-wide: every table gets its own.
std::string unique_name()
{
	static int n = 0;
	return "range_test_" + std::to_string(n++);
}

struct Fixture {
	Qsbr qsbr = make_qsbr();
	RangeTable table;

	explicit Fixture(uint32_t capacity = 1024, unsigned max_classes = 64)
	{
		std::string error;
		EXPECT_EQ(table.create(unique_name(), capacity, max_classes, qsbr.get(), &error), 0) << error;
	}
};

// An address in text, network order, IPv4 in the first 4 bytes.
std::array<uint8_t, 16> addr(const char *text)
{
	std::array<uint8_t, 16> a{};
	if (inet_pton(AF_INET, text, a.data()) != 1 && inet_pton(AF_INET6, text, a.data()) != 1)
		ADD_FAILURE() << "bad address " << text;
	return a;
}

bool is_v6(const char *text)
{
	return std::string(text).find(':') != std::string::npos;
}

// "239.1.0.0/16" -> match of that destination, any source, any port.
RangeMatch match(const char *dst, unsigned dst_len, const char *src = nullptr, unsigned src_len = 0,
		 uint16_t first = 0, uint16_t last = 65535, uint16_t port_index = 0, uint16_t vlan = 0)
{
	RangeMatch m;
	m.family = is_v6(dst) ? RangeFamily::ipv6 : RangeFamily::ipv4;
	m.dst = addr(dst);
	m.dst_len = static_cast<uint8_t>(dst_len);
	if (src != nullptr)
		m.src = addr(src);
	m.src_len = static_cast<uint8_t>(src_len);
	m.first_port = first;
	m.last_port = last;
	m.port_index = port_index;
	m.vlan = vlan;
	return m;
}

// Distinct opaque values (the worker's are tagged rule pointers).
void *val(unsigned n)
{
	return reinterpret_cast<void *>(static_cast<uintptr_t>(n) << 6);
}

struct Packet {
	std::array<uint8_t, 16> dst{};
	std::array<uint8_t, 16> src{};
	RangeFamily family = RangeFamily::ipv4;
	uint16_t dport = 5000;
	uint16_t port_index = 0;
	uint16_t vlan = 0;

	RangeQuery query() const
	{
		return {dst.data(), src.data(), rte_cpu_to_be_16(dport), vlan, port_index, family};
	}
};

Packet packet(const char *dst, const char *src, uint16_t dport = 5000, uint16_t port_index = 0,
	      uint16_t vlan = 0)
{
	Packet p;
	p.family = is_v6(dst) ? RangeFamily::ipv6 : RangeFamily::ipv4;
	p.dst = addr(dst);
	p.src = addr(src);
	p.dport = dport;
	p.port_index = port_index;
	p.vlan = vlan;
	return p;
}

void *lookup(const RangeTable &t, const Packet &p)
{
	const RangeQuery q = p.query();
	void *found = val(999);
	t.lookup_bulk(&q, 1, &found);
	return found;
}

constexpr const char *s1 = "198.18.0.10";
constexpr const char *s2 = "198.18.1.10";

TEST(RangeTable, EmptyTableMissesBothFamilies)
{
	Fixture f;
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1)), nullptr);
	EXPECT_EQ(lookup(f.table, packet("ff3e::1", "2001:2::1")), nullptr);
	EXPECT_EQ(f.table.size(), 0u);
	EXPECT_EQ(f.table.class_count(), 0u);
}

TEST(RangeTable, LongerDestinationPrefixWins)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.2.0", 24), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.2.3", 32), val(3)), 0);
	ASSERT_EQ(f.table.add(match("0.0.0.0", 0), val(4)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1)), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.4", s1)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.3.4", s1)), val(1));
	EXPECT_EQ(lookup(f.table, packet("239.2.3.4", s1)), val(4));
	EXPECT_EQ(f.table.class_count(), 4u);
	// The same, added the other way round.
	Fixture g;
	ASSERT_EQ(g.table.add(match("0.0.0.0", 0), val(4)), 0);
	ASSERT_EQ(g.table.add(match("239.1.2.3", 32), val(3)), 0);
	ASSERT_EQ(g.table.add(match("239.1.2.0", 24), val(2)), 0);
	ASSERT_EQ(g.table.add(match("239.1.0.0", 16), val(1)), 0);
	EXPECT_EQ(lookup(g.table, packet("239.1.2.3", s1)), val(3));
	EXPECT_EQ(lookup(g.table, packet("239.1.2.4", s1)), val(2));
	EXPECT_EQ(lookup(g.table, packet("239.1.3.4", s1)), val(1));
	EXPECT_EQ(lookup(g.table, packet("239.2.3.4", s1)), val(4));
}

TEST(RangeTable, LongerDestinationBeatsSourceSpecificShorterDestination)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, s1, 32), val(1)), 0); // (S, G/16)
	ASSERT_EQ(f.table.add(match("239.1.2.0", 24), val(2)), 0);         // (*, G/24)
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.3.3", s1)), val(1));
	EXPECT_EQ(lookup(f.table, packet("239.1.3.3", s2)), nullptr);
}

TEST(RangeTable, LongerSourcePrefixWinsForTheSameDestination)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, "198.18.0.0", 16), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, "198.18.0.0", 24), val(3)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, s1, 32), val(4)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1)), val(4));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", "198.18.0.11")), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s2)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", "10.0.0.1")), val(1));
}

TEST(RangeTable, NarrowerPortRangeWinsForTheSamePrefixes)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5000, 5099), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5050, 5050), val(3)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5060, 5069), val(4)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5099, 5099), val(5)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5050)), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5000)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5049)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5051)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5065)), val(4));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5070)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5099)), val(5));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 5100)), val(1));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 0)), val(1));
	EXPECT_EQ(lookup(f.table, packet("239.1.9.9", s1, 65535)), val(1));
	EXPECT_EQ(f.table.size(), 5u);
	EXPECT_EQ(f.table.class_count(), 1u);
}

TEST(RangeTable, PrefixesBeatPortRanges)
{
	Fixture f;
	// A narrow port under a short prefix loses to any port under a longer
	// one, and to any port from a source-specific entry.
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5000, 5000), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.2.0", 24), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, s1, 32), val(3)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s2, 5000)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.3.3", s1, 5000)), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.1.3.3", s2, 5000)), val(1));
}

TEST(RangeTable, AnEntryWhosePortsMissFallsThroughToWeakerEntries)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.2.0", 24, s1, 32, 5000, 5000), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.2.0", 24, nullptr, 0, 6000, 6999), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(3)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5000)), val(1));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 6500)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 7000)), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.2.2.3", s1, 5000)), nullptr);
}

TEST(RangeTable, Ipv6PrecedenceAsIpv4)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("ff3e::", 16), val(1)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::", 96), val(2)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::", 96, "2001:2::", 48), val(3)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::", 96, "2001:2::", 48, 5000, 5099), val(4)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::1:0:0", 112), val(5)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::1:0:7", 128, "2001:2::1", 128), val(6)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::1:0:0", 127), val(7)), 0);
	EXPECT_EQ(lookup(f.table, packet("ff3e::1:0:7", "2001:2::1")), val(6));
	EXPECT_EQ(lookup(f.table, packet("ff3e::1:0:7", "2001:2::2")), val(5));
	EXPECT_EQ(lookup(f.table, packet("ff3e::1:0:1", "2001:2::2")), val(7));
	EXPECT_EQ(lookup(f.table, packet("ff3e::1:0:2", "2001:2::2")), val(5));
	EXPECT_EQ(lookup(f.table, packet("ff3e::42", "2001:2::2", 5000)), val(4));
	EXPECT_EQ(lookup(f.table, packet("ff3e::42", "2001:2::2", 6000)), val(3));
	EXPECT_EQ(lookup(f.table, packet("ff3e::42", "2001:3::2", 5000)), val(2));
	EXPECT_EQ(lookup(f.table, packet("ff3e:1::42", "2001:2::2", 5000)), val(1));
	EXPECT_EQ(lookup(f.table, packet("ff3f::42", "2001:2::2", 5000)), nullptr);
	// Bits of the last, partial byte of a prefix count.
	ASSERT_EQ(f.table.add(match("ff3f:8000::", 17), val(8)), 0);
	EXPECT_EQ(lookup(f.table, packet("ff3f:8000::1", "2001:2::2")), val(8));
	EXPECT_EQ(lookup(f.table, packet("ff3f:ffff::1", "2001:2::2")), val(8));
	EXPECT_EQ(lookup(f.table, packet("ff3f:7fff::1", "2001:2::2")), nullptr);
}

TEST(RangeTable, FamiliesDoNotMix)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("0.0.0.0", 0), val(1)), 0);
	// ef01:0203:: starts with the bytes of 239.1.2.3.
	EXPECT_EQ(lookup(f.table, packet("ef01:203::", "2001:2::1")), nullptr);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1)), val(1));
	ASSERT_EQ(f.table.add(match("::", 0), val(2)), 0);
	EXPECT_EQ(lookup(f.table, packet("ef01:203::", "2001:2::1")), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1)), val(1));
	ASSERT_EQ(f.table.remove(match("0.0.0.0", 0)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1)), nullptr);
	EXPECT_EQ(lookup(f.table, packet("ef01:203::", "2001:2::1")), val(2));
	// The same prefix length in both families is two classes.
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(3)), 0);
	ASSERT_EQ(f.table.add(match("ef01::", 16), val(4)), 0);
	EXPECT_EQ(f.table.class_count(), 3u);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1)), val(3));
	EXPECT_EQ(lookup(f.table, packet("ef01:203::", "2001:2::1")), val(4));
}

TEST(RangeTable, IngressPortAndVlanKeepEntriesApart)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 0, 65535, 0, 0), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 0, 65535, 1, 0), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 0, 65535, 0, 100), val(3)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::", 16, nullptr, 0, 0, 65535, 1, 100), val(4)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5000, 0, 0)), val(1));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5000, 1, 0)), val(2));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5000, 0, 100)), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5000, 1, 100)), nullptr);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5000, 2, 0)), nullptr);
	EXPECT_EQ(lookup(f.table, packet("ff3e::1", "2001:2::1", 5000, 1, 100)), val(4));
	EXPECT_EQ(lookup(f.table, packet("ff3e::1", "2001:2::1", 5000, 0, 100)), nullptr);
	EXPECT_EQ(lookup(f.table, packet("ff3e::1", "2001:2::1", 5000, 1, 0)), nullptr);
}

TEST(RangeTable, AddReplaceFindRemove)
{
	Fixture f;
	const RangeMatch m = match("239.1.0.0", 16, s1, 32, 5000, 5099);
	void *replaced = val(999);
	ASSERT_EQ(f.table.add(m, val(1), &replaced), 0);
	EXPECT_EQ(replaced, nullptr);
	EXPECT_EQ(f.table.find(m), val(1));
	ASSERT_EQ(f.table.add(m, val(2), &replaced), 0);
	EXPECT_EQ(replaced, val(1));
	EXPECT_EQ(f.table.find(m), val(2));
	EXPECT_EQ(f.table.size(), 1u);
	EXPECT_EQ(lookup(f.table, packet("239.1.7.7", s1, 5001)), val(2));
	// Host bits past the prefix name the same entry.
	RangeMatch host_bits = m;
	host_bits.dst = addr("239.1.200.200");
	EXPECT_EQ(f.table.find(host_bits), val(2));
	// Other ports or source: not this entry.
	RangeMatch other = m;
	other.last_port = 5098;
	EXPECT_EQ(f.table.find(other), nullptr);
	EXPECT_EQ(f.table.remove(other), -ENOENT);
	other = m;
	other.src_len = 24;
	EXPECT_EQ(f.table.remove(other), -ENOENT);

	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(3)), 0);
	EXPECT_EQ(f.table.size(), 2u);
	EXPECT_EQ(f.table.class_count(), 2u);
	void *removed = nullptr;
	ASSERT_EQ(f.table.remove(host_bits, &removed), 0);
	EXPECT_EQ(removed, val(2));
	EXPECT_EQ(f.table.find(m), nullptr);
	EXPECT_EQ(f.table.remove(m), -ENOENT);
	EXPECT_EQ(lookup(f.table, packet("239.1.7.7", s1, 5001)), val(3));
	EXPECT_EQ(f.table.size(), 1u);
	EXPECT_EQ(f.table.class_count(), 1u);
	ASSERT_EQ(f.table.remove(match("239.1.0.0", 16)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.7.7", s1, 5001)), nullptr);
	EXPECT_EQ(f.table.size(), 0u);
	EXPECT_EQ(f.table.class_count(), 0u);
}

TEST(RangeTable, RemovingOneRangeKeepsTheOthersOfItsPrefix)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5000, 5099), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5050, 5050), val(3)), 0);
	ASSERT_EQ(f.table.remove(match("239.1.0.0", 16, nullptr, 0, 5000, 5099)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5050)), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5051)), val(1));
	ASSERT_EQ(f.table.remove(match("239.1.0.0", 16)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5050)), val(3));
	EXPECT_EQ(lookup(f.table, packet("239.1.2.3", s1, 5051)), nullptr);
	EXPECT_EQ(f.table.class_count(), 1u);
}

TEST(RangeTable, PartlyOverlappingPortRangesAreAmbiguous)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5000, 5099), val(1)), 0);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5050, 5150), val(2)), -EEXIST);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 4000, 5000), val(2)), -EEXIST);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5099, 5100), val(2)), -EEXIST);
	// Nested, disjoint, or of another prefix or source: not ambiguous.
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5000, 5000), val(3)), 0);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5100, 5199), val(4)), 0);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 4000, 5199), val(5)), 0);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 17, nullptr, 0, 5050, 5150), val(6)), 0);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, s1, 32, 5050, 5150), val(7)), 0);
	EXPECT_EQ(f.table.size(), 6u);
	EXPECT_EQ(lookup(f.table, packet("239.1.200.1", s2, 5120)), val(4));
	EXPECT_EQ(lookup(f.table, packet("239.1.200.1", s2, 4500)), val(5));
	EXPECT_EQ(lookup(f.table, packet("239.1.200.1", s2, 5000)), val(3));
}

TEST(RangeTable, RefusesInvalidMatches)
{
	Fixture f;
	EXPECT_EQ(f.table.add(match("239.1.0.0", 33), val(1)), -EINVAL);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, s1, 33), val(1)), -EINVAL);
	EXPECT_EQ(f.table.add(match("ff3e::", 129), val(1)), -EINVAL);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16, nullptr, 0, 5001, 5000), val(1)), -EINVAL);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 16), nullptr), -EINVAL);
	EXPECT_EQ(f.table.size(), 0u);
	EXPECT_EQ(f.table.class_count(), 0u);
}

TEST(RangeTable, CapacityIsEnforcedPerFamily)
{
	Fixture f(4, 64);
	for (unsigned i = 0; i < 4; i++) {
		const std::string g = "239.1." + std::to_string(i) + ".0";
		ASSERT_EQ(f.table.add(match(g.c_str(), 24), val(i + 1)), 0);
	}
	EXPECT_EQ(f.table.add(match("239.1.9.0", 24), val(9)), -ENOSPC);
	// Another range under a present prefix is an entry too.
	EXPECT_EQ(f.table.add(match("239.1.0.0", 24, nullptr, 0, 5000, 5000), val(9)), -ENOSPC);
	// Replacing takes no room.
	void *replaced = nullptr;
	EXPECT_EQ(f.table.add(match("239.1.0.0", 24), val(10), &replaced), 0);
	EXPECT_EQ(replaced, val(1));
	// IPv6 has its own.
	for (unsigned i = 0; i < 4; i++) {
		const std::string g = "ff3e::" + std::to_string(i + 1) + ":0";
		ASSERT_EQ(f.table.add(match(g.c_str(), 112), val(20 + i)), 0);
	}
	EXPECT_EQ(f.table.add(match("ff3e::9:0", 112), val(9)), -ENOSPC);
	EXPECT_EQ(f.table.size(), 8u);
	// A refused add changes nothing.
	EXPECT_EQ(lookup(f.table, packet("239.1.9.1", s1)), nullptr);
	EXPECT_EQ(lookup(f.table, packet("239.1.0.1", s1)), val(10));
	// Room again after a remove.
	ASSERT_EQ(f.table.remove(match("239.1.3.0", 24)), 0);
	EXPECT_EQ(f.table.add(match("239.1.9.0", 24), val(9)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.9.1", s1)), val(9));
}

TEST(RangeTable, MaskClassesAreLimitedPerFamily)
{
	Fixture f(64, 2);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, s1, 32), val(2)), 0);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 24), val(3)), -ENOSPC);
	// More entries in the classes there are: fine.
	EXPECT_EQ(f.table.add(match("239.2.0.0", 16), val(4)), 0);
	EXPECT_EQ(f.table.add(match("239.2.0.0", 16, s2, 32), val(5)), 0);
	EXPECT_EQ(f.table.add(match("ff3e::", 16), val(6)), 0);
	EXPECT_EQ(f.table.add(match("ff3e::", 32), val(7)), 0);
	EXPECT_EQ(f.table.add(match("ff3e::", 48), val(8)), -ENOSPC);
	EXPECT_EQ(f.table.class_count(), 4u);
	EXPECT_EQ(lookup(f.table, packet("239.1.0.1", s1)), val(2));
	// An emptied class frees its place.
	ASSERT_EQ(f.table.remove(match("239.1.0.0", 16, s1, 32)), 0);
	ASSERT_EQ(f.table.remove(match("239.2.0.0", 16, s2, 32)), 0);
	EXPECT_EQ(f.table.add(match("239.1.0.0", 24), val(3)), 0);
	EXPECT_EQ(lookup(f.table, packet("239.1.0.1", s1)), val(3));
}

// Thousands of keys in one class share bits of its filter: removing some
// must leave the others' bits set.
TEST(RangeTable, ManyKeysOfOneClassSurviveRemovalsOfOthers)
{
	Fixture f(4096, 64);
	auto group = [](unsigned i) {
		return "239.2." + std::to_string(i / 256) + "." + std::to_string(i % 256);
	};
	auto group6 = [](unsigned i) { return "ff3e::" + std::to_string(i / 256) + ":" + std::to_string(i % 256); };
	constexpr unsigned n = 3000;
	for (unsigned i = 0; i < n; i++) {
		ASSERT_EQ(f.table.add(match(group(i).c_str(), 32), val(i + 1)), 0);
		ASSERT_EQ(f.table.add(match(group6(i).c_str(), 128), val(i + 1)), 0);
	}
	for (unsigned i = 0; i < n; i += 2) {
		ASSERT_EQ(f.table.remove(match(group(i).c_str(), 32)), 0);
		ASSERT_EQ(f.table.remove(match(group6(i).c_str(), 128)), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		void *want = i % 2 ? val(i + 1) : nullptr;
		ASSERT_EQ(lookup(f.table, packet(group(i).c_str(), s1)), want) << group(i);
		ASSERT_EQ(lookup(f.table, packet(group6(i).c_str(), "2001:2::1")), want) << group6(i);
	}
}

// 0.0.0.0/0 and ::/0 on port 0, untagged: the entries whose masked key
// has no address bits (fuzz_range found rte_hash taking an all-zero key
// for its empty bucket entries and inserting it twice).
TEST(RangeTable, DefaultRoutesOfBothFamiliesAfterChurn)
{
	Fixture f(64, 8);
	for (const char *any : {"0.0.0.0", "::"}) {
		const bool v6 = is_v6(any);
		// Other keys first, in the buckets before; then the default with
		// two ranges; then the others go, leaving empty entries first.
		std::vector<RangeMatch> others;
		for (unsigned i = 0; i < 32; i++) {
			const std::string g = v6 ? "ff3e::" + std::to_string(i + 1) : "239.1.1." + std::to_string(i + 1);
			others.push_back(match(g.c_str(), v6 ? 128 : 32));
			ASSERT_EQ(f.table.add(others.back(), val(100 + i)), 0);
		}
		ASSERT_EQ(f.table.add(match(any, 0), val(1)), 0);
		ASSERT_EQ(f.table.add(match(any, 0, nullptr, 0, 5010, 5010), val(2)), 0);
		for (const RangeMatch &m : others)
			ASSERT_EQ(f.table.remove(m), 0);
		const char *dst = v6 ? "ff3e::1" : "239.1.1.1";
		const char *src = v6 ? "2001:2::1" : s1;
		void *removed = nullptr;
		ASSERT_EQ(f.table.remove(match(any, 0), &removed), 0);
		EXPECT_EQ(removed, val(1));
		EXPECT_EQ(lookup(f.table, packet(dst, src, 5010)), val(2));
		EXPECT_EQ(lookup(f.table, packet(dst, src, 5011)), nullptr);
		ASSERT_EQ(f.table.entries().size(), 1u);
		ASSERT_EQ(f.table.remove(match(any, 0, nullptr, 0, 5010, 5010)), 0);
		EXPECT_EQ(lookup(f.table, packet(dst, src, 5010)), nullptr);
		EXPECT_TRUE(f.table.entries().empty());
		EXPECT_EQ(f.table.size(), 0u);
	}
}

TEST(RangeTable, EntriesListsEveryEntryMasked)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.2.3", 16, "198.18.0.77", 24, 5000, 5099, 2, 7), val(1)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, "198.18.0.0", 24, 5050, 5050, 2, 7), val(2)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::1:2", 112), val(3)), 0);
	auto entries = f.table.entries();
	ASSERT_EQ(entries.size(), 3u);
	std::sort(entries.begin(), entries.end(),
		  [](const auto &a, const auto &b) { return a.second < b.second; });
	const RangeMatch &a = entries[0].first;
	EXPECT_EQ(a.family, RangeFamily::ipv4);
	EXPECT_EQ(a.dst, addr("239.1.0.0"));
	EXPECT_EQ(a.dst_len, 16);
	EXPECT_EQ(a.src, addr("198.18.0.0"));
	EXPECT_EQ(a.src_len, 24);
	EXPECT_EQ(a.first_port, 5000);
	EXPECT_EQ(a.last_port, 5099);
	EXPECT_EQ(a.port_index, 2);
	EXPECT_EQ(a.vlan, 7);
	EXPECT_EQ(entries[1].first.first_port, 5050);
	EXPECT_EQ(entries[1].first.last_port, 5050);
	EXPECT_EQ(entries[2].first.family, RangeFamily::ipv6);
	EXPECT_EQ(entries[2].first.dst, addr("ff3e::1:0"));
	EXPECT_EQ(entries[2].first.dst_len, 112);
	EXPECT_EQ(entries[2].first.src_len, 0);
	for (const auto &[m, v] : entries)
		EXPECT_EQ(f.table.find(m), v);
}

TEST(RangeTable, BatchDefersTheGracePeriod)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1)), 0);
	{
		RangeTable::Batch batch(f.table);
		ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(2)), 0);
		ASSERT_EQ(f.table.add(match("239.1.0.0", 24), val(3)), 0);
		ASSERT_EQ(f.table.remove(match("239.1.0.0", 24)), 0);
		ASSERT_EQ(f.table.add(match("239.1.0.0", 24), val(4)), 0);
		EXPECT_EQ(lookup(f.table, packet("239.1.0.1", s1)), val(4));
		EXPECT_EQ(lookup(f.table, packet("239.1.1.1", s1)), val(2));
	}
	EXPECT_EQ(lookup(f.table, packet("239.1.0.1", s1)), val(4));
	EXPECT_EQ(f.table.size(), 2u);
}

// An untagged IPv6 UDP frame as on the wire, checksum and all (RFC 8200:
// the pseudo-header sums both addresses, the UDP length and next header).
test::Bytes ipv6_frame(const std::array<uint8_t, 16> &src, const std::array<uint8_t, 16> &dst,
		       uint16_t dport, uint16_t vlan)
{
	test::Bytes f = {0x33, 0x33, dst[12], dst[13], dst[14], dst[15], 0x02, 0, 0, 0, 0, 1};
	if (vlan != 0)
		f.insert(f.end(), {0x81, 0x00, static_cast<uint8_t>(vlan >> 8), static_cast<uint8_t>(vlan)});
	const uint16_t udp_len = 8 + 8;
	f.insert(f.end(), {0x86, 0xdd, 0x60, 0, 0, 0, 0, udp_len, 17, 64});
	f.insert(f.end(), src.begin(), src.end());
	f.insert(f.end(), dst.begin(), dst.end());
	const size_t udp = f.size();
	f.insert(f.end(), {0x9c, 0x40, static_cast<uint8_t>(dport >> 8), static_cast<uint8_t>(dport), 0,
			   udp_len, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
	uint32_t sum = udp_len + 17;
	for (size_t i = udp - 32; i < f.size(); i += 2)
		sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	const auto c = static_cast<uint16_t>(~sum);
	f[udp + 6] = static_cast<uint8_t>(c >> 8);
	f[udp + 7] = static_cast<uint8_t>(c);
	return f;
}

// What the worker will do: parse, then range_query() of the parsed packet.
TEST(RangeTable, QueriesFromParsedFramesOfBothFamilies)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("ff3e::1:0", 112, "2001:2::", 64, 5000, 5000, 3, 0), val(1)), 0);
	ASSERT_EQ(f.table.add(match("ff3e::1:0", 112, nullptr, 0, 0, 65535, 3, 42), val(2)), 0);
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16, s1, 32, 5000, 5000, 3, 0), val(3)), 0);
	auto lookup_frame = [&](const test::Bytes &frame) -> void * {
		packet::ParsedPacket p{};
		EXPECT_EQ(packet::parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), p),
			  packet::DropReason::none);
		const RangeQuery q = range_query(p, frame.data(), 3);
		void *found = val(999);
		f.table.lookup_bulk(&q, 1, &found);
		return found;
	};
	EXPECT_EQ(lookup_frame(ipv6_frame(addr("2001:2::9"), addr("ff3e::1:77"), 5000, 0)), val(1));
	EXPECT_EQ(lookup_frame(ipv6_frame(addr("2001:3::9"), addr("ff3e::1:77"), 5000, 0)), nullptr);
	EXPECT_EQ(lookup_frame(ipv6_frame(addr("2001:2::9"), addr("ff3e::2:77"), 5000, 0)), nullptr);
	EXPECT_EQ(lookup_frame(ipv6_frame(addr("2001:2::9"), addr("ff3e::1:77"), 5001, 0)), nullptr);
	EXPECT_EQ(lookup_frame(ipv6_frame(addr("2001:3::9"), addr("ff3e::1:77"), 5001, 42)), val(2));
	test::UdpFrame v4;
	v4.src_ip = test::ipv4(198, 18, 0, 10);
	v4.dst_ip = test::ipv4(239, 1, 7, 7);
	v4.dst_port = 5000;
	EXPECT_EQ(lookup_frame(test::build_frame(v4)), val(3));
	v4.dst_port = 5001;
	EXPECT_EQ(lookup_frame(test::build_frame(v4)), nullptr);
}

// --- property test: the table against a linear reference ---

// Addresses near each other, so that prefixes of every length match some.
std::array<uint8_t, 16> random_address(std::mt19937 &rng, RangeFamily family, bool source)
{
	std::array<uint8_t, 16> a = addr(family == RangeFamily::ipv4 ? (source ? "198.18.0.0" : "239.1.0.0")
								     : (source ? "2001:2::" : "ff3e::"));
	const unsigned last = family == RangeFamily::ipv4 ? 3 : 15;
	a[last] = static_cast<uint8_t>(rng() & 0x0f);
	a[last - 1] = static_cast<uint8_t>(rng() & 0x03);
	if (rng() % 8 == 0)
		a[last - 2] = static_cast<uint8_t>(rng()); // now and then far away
	return a;
}

uint8_t random_length(std::mt19937 &rng, RangeFamily family, bool source)
{
	const unsigned bits = family == RangeFamily::ipv4 ? 32 : 128;
	if (source && rng() % 2 == 0)
		return 0;
	// Mostly near the host end, where the random bits are, sometimes anywhere.
	if (rng() % 4 == 0)
		return static_cast<uint8_t>(rng() % (bits + 1));
	return static_cast<uint8_t>(bits - rng() % 15);
}

RangeMatch random_match(std::mt19937 &rng)
{
	RangeMatch m;
	m.family = rng() % 3 == 0 ? RangeFamily::ipv6 : RangeFamily::ipv4;
	m.dst = random_address(rng, m.family, false);
	m.dst_len = random_length(rng, m.family, false);
	m.src = random_address(rng, m.family, true);
	m.src_len = random_length(rng, m.family, true);
	m.port_index = static_cast<uint16_t>(rng() % 2);
	m.vlan = rng() % 4 == 0 ? 10 : 0;
	switch (rng() % 4) {
	case 0: // any
		break;
	case 1: // one port
		m.first_port = m.last_port = static_cast<uint16_t>(5000 + rng() % 16);
		break;
	default: {
		const auto a = static_cast<uint16_t>(5000 + rng() % 16);
		const auto b = static_cast<uint16_t>(5000 + rng() % 16);
		m.first_port = std::min(a, b);
		m.last_port = std::max(a, b);
	}
	}
	return m;
}

Packet random_packet(std::mt19937 &rng)
{
	Packet p;
	p.family = rng() % 3 == 0 ? RangeFamily::ipv6 : RangeFamily::ipv4;
	p.dst = random_address(rng, p.family, false);
	p.src = random_address(rng, p.family, true);
	p.dport = static_cast<uint16_t>(4998 + rng() % 20);
	p.port_index = static_cast<uint16_t>(rng() % 2);
	p.vlan = rng() % 4 == 0 ? 10 : 0;
	return p;
}

TEST(RangeTable, AgreesWithALinearReference)
{
	std::mt19937 rng(14);
	Fixture f(4096, 1024);
	reference::RangeModel model(4096, 1024);
	unsigned next_value = 1, refused = 0, replaced_count = 0, removed_count = 0, hits = 0, contested = 0,
		 packets = 0;
	for (unsigned round = 0; round < 60; round++) {
		// Change the table: mostly adds, some removes of present entries.
		for (unsigned c = 0; c < 40; c++) {
			if (model.size() != 0 && rng() % 4 == 0) {
				const RangeMatch m = model.entries()[rng() % model.size()].m;
				void *removed = nullptr, *want = nullptr;
				ASSERT_EQ(model.remove(m, &want), 0);
				ASSERT_EQ(f.table.remove(m, &removed), 0);
				ASSERT_EQ(removed, want);
				removed_count++;
				continue;
			}
			const RangeMatch m = random_match(rng);
			void *value = val(next_value++);
			void *replaced = nullptr, *want_replaced = nullptr;
			const int want = model.add(m, value, &want_replaced);
			ASSERT_EQ(f.table.add(m, value, &replaced), want);
			ASSERT_EQ(replaced, want_replaced);
			refused += want == -EEXIST;
			replaced_count += want_replaced != nullptr;
		}
		ASSERT_EQ(f.table.size(), model.size());
		ASSERT_EQ(f.table.class_count(), model.class_count());
		// Look up: bursts of 1 to 64 packets of both families.
		for (unsigned b = 0; b < 20; b++) {
			const unsigned n = 1 + rng() % range_lookup_batch;
			std::vector<Packet> burst;
			std::vector<RangeQuery> queries;
			for (unsigned i = 0; i < n; i++)
				burst.push_back(random_packet(rng));
			for (const Packet &p : burst)
				queries.push_back(p.query());
			std::vector<void *> found(n, val(999));
			f.table.lookup_bulk(queries.data(), n, found.data());
			for (unsigned i = 0; i < n; i++) {
				unsigned matching = 0;
				void *want = model.lookup(queries[i], &matching);
				ASSERT_EQ(found[i], want) << "round " << round << " packet " << i;
				hits += want != nullptr;
				contested += matching > 1;
				packets++;
			}
		}
	}
	// The random walk went through what it should have.
	EXPECT_GT(packets, 20000u);
	// Hits and misses, and many packets that several entries match, so
	// that precedence decides.
	EXPECT_GT(hits, packets / 4);
	EXPECT_LT(hits, packets - packets / 50);
	EXPECT_GT(contested, packets / 4);
	EXPECT_GT(refused, 20u);
	EXPECT_GT(replaced_count, 10u);
	EXPECT_GT(removed_count, 100u);
	EXPECT_GT(f.table.class_count(), 20u);
	// Emptied: nothing left.
	for (const auto &e : model.entries())
		ASSERT_EQ(f.table.remove(e.m), 0);
	EXPECT_EQ(f.table.size(), 0u);
	EXPECT_EQ(f.table.class_count(), 0u);
	EXPECT_TRUE(f.table.entries().empty());
}

// A worker looks up while the main lcore replaces, adds and removes: it
// sees the old or the new value, never none, and (under ASan) never a list
// freed under it.
TEST(RangeTable, ReaderSeesOldOrNewDuringChanges)
{
	Fixture f;
	ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1)), 0);
	std::atomic<bool> stop{false}, online{false};
	std::atomic<unsigned> bad{0}, lookups{0};
	std::thread reader([&] {
		rte_rcu_qsbr_thread_register(f.qsbr.get(), 0);
		rte_rcu_qsbr_thread_online(f.qsbr.get(), 0);
		online = true;
		const Packet p4 = packet("239.1.2.3", s1, 5000);
		const Packet p6 = packet("ff3e::1", "2001:2::1", 5000);
		const RangeQuery q[2] = {p4.query(), p6.query()};
		while (!stop.load(std::memory_order_relaxed)) {
			void *found[2];
			f.table.lookup_bulk(q, 2, found);
			const auto v4 = reinterpret_cast<uintptr_t>(found[0]) >> 6;
			const auto v6 = reinterpret_cast<uintptr_t>(found[1]) >> 6;
			if (v4 < 1 || v4 > 4 || v6 > 6 || v6 == 1 || v6 == 2 || v6 == 3 || v6 == 4)
				bad.fetch_add(1);
			lookups.fetch_add(1, std::memory_order_relaxed);
			rte_rcu_qsbr_quiescent(f.qsbr.get(), 0);
		}
		rte_rcu_qsbr_thread_offline(f.qsbr.get(), 0);
		rte_rcu_qsbr_thread_unregister(f.qsbr.get(), 0);
	});
	while (!online)
		std::this_thread::yield();
	// Every change waits for the reader's next quiescent state, which on a
	// busy machine may take a time slice: few rounds.
	for (unsigned i = 0; i < 60; i++) {
		ASSERT_EQ(f.table.add(match("239.1.0.0", 16), val(1 + i % 2)), 0);
		ASSERT_EQ(f.table.add(match("239.1.2.0", 24, nullptr, 0, 5000, 5000), val(3)), 0);
		ASSERT_EQ(f.table.add(match("239.1.2.0", 24, nullptr, 0, 4000, 6000), val(4)), 0);
		ASSERT_EQ(f.table.add(match("ff3e::", 16), val(5)), 0);
		ASSERT_EQ(f.table.remove(match("239.1.2.0", 24, nullptr, 0, 5000, 5000)), 0);
		ASSERT_EQ(f.table.remove(match("239.1.2.0", 24, nullptr, 0, 4000, 6000)), 0);
		ASSERT_EQ(f.table.add(match("ff3e::", 96), val(6)), 0);
		ASSERT_EQ(f.table.remove(match("ff3e::", 16)), 0);
		ASSERT_EQ(f.table.remove(match("ff3e::", 96)), 0);
	}
	stop = true;
	reader.join();
	EXPECT_EQ(bad.load(), 0u);
	// At least one lookup per grace period waited for.
	EXPECT_GT(lookups.load(), 60u * 9);
}

} // namespace
} // namespace mcr::engine
