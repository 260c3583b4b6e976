// Golden pcaps for fragments: IPv4 fragments in any order reassembled and
// relayed whole, incomplete datagrams given up on at the timeout, broken
// fragment sets dropped, and outputs larger than their port's MTU split
// into fragments (DF clear) or dropped as too-big (DF set). Fragments are
// cut and put back together here by the test's own code, not DPDK's. Every
// test ends with the pools as it found them.
#include <rte_cycles.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/reassembly.h"
#include "golden_common.h"

namespace mcr::engine::test {
namespace {

constexpr size_t eth_len = 14;
constexpr size_t ip_len = 20;

// A pool that holds a reassembled datagram: the default classes stop at
// 2048 bytes.
std::vector<config::Pool> classes_with_jumbo()
{
	std::vector<config::Pool> c = default_classes();
	c.push_back({"jumbo", 9216, 255, {}});
	return c;
}

// The frame of `f` cut into IPv4 fragments of `data` bytes of IPv4 payload
// each (a multiple of 8), in order. f has no IP options and no padding.
std::vector<Bytes> cut(const UdpFrame &f, size_t data)
{
	const Bytes whole = build_frame(f);
	const size_t payload = whole.size() - eth_len - ip_len;
	std::vector<Bytes> out;
	for (size_t off = 0; off < payload; off += data) {
		const size_t n = std::min(data, payload - off);
		Bytes b(whole.begin(), whole.begin() + eth_len + ip_len);
		b.insert(b.end(), whole.begin() + eth_len + ip_len + off,
			 whole.begin() + eth_len + ip_len + off + n);
		uint8_t *ip = &b[eth_len];
		const auto total = static_cast<uint16_t>(ip_len + n);
		const uint16_t flags = static_cast<uint16_t>(
			(f.flags_fragment & 0x4000) | (off + n < payload ? 0x2000 : 0) | (off / 8));
		ip[2] = static_cast<uint8_t>(total >> 8);
		ip[3] = static_cast<uint8_t>(total);
		ip[6] = static_cast<uint8_t>(flags >> 8);
		ip[7] = static_cast<uint8_t>(flags);
		ip[10] = ip[11] = 0;
		const uint16_t sum = ipv4_header_checksum(ip);
		ip[10] = static_cast<uint8_t>(sum >> 8);
		ip[11] = static_cast<uint8_t>(sum);
		out.push_back(b);
	}
	return out;
}

// What a port sent, fragments put back together (grouped by IPv4 id, in
// offset order), unfragmented frames as they are. Checks on the way that
// every fragment fits `mtu`, verifies, and that non-last ones carry whole
// 8-byte units; counts the fragments in *fragments.
std::vector<Bytes> reassembled(const std::vector<Bytes> &sent, uint16_t mtu, size_t *fragments)
{
	std::vector<Bytes> whole;
	std::map<uint16_t, std::map<uint16_t, Bytes>> parts; // id -> offset -> frame
	*fragments = 0;
	for (const Bytes &b : sent) {
		const uint8_t *ip = &b[eth_len];
		EXPECT_LE(read16(ip + 2), mtu) << "a frame larger than the port's MTU";
		EXPECT_EQ(ipv4_header_checksum(ip), read16(ip + 10)) << "fragment IPv4 checksum";
		const uint16_t flags = read16(ip + 6);
		if ((flags & 0x3fff) == 0) {
			whole.push_back(b);
			continue;
		}
		++*fragments;
		if (flags & 0x2000) {
			EXPECT_EQ((read16(ip + 2) - ip_len) % 8, 0u) << "a fragment of partial 8-byte units";
		}
		parts[read16(ip + 4)][static_cast<uint16_t>((flags & 0x1fff) * 8)] = b;
	}
	for (const auto &[id, by_offset] : parts) {
		Bytes b(by_offset.begin()->second.begin(),
			by_offset.begin()->second.begin() + eth_len + ip_len);
		size_t expected_offset = 0;
		bool last_seen = false;
		for (const auto &[offset, frag] : by_offset) {
			EXPECT_EQ(offset, expected_offset) << "hole or overlap in datagram " << id;
			b.insert(b.end(), frag.begin() + eth_len + ip_len, frag.end());
			expected_offset += frag.size() - eth_len - ip_len;
			last_seen = (read16(&frag[eth_len + 6]) & 0x2000) == 0;
		}
		EXPECT_TRUE(last_seen) << "datagram " << id << " has no last fragment";
		uint8_t *ip = &b[eth_len];
		const auto total = static_cast<uint16_t>(b.size() - eth_len);
		ip[2] = static_cast<uint8_t>(total >> 8);
		ip[3] = static_cast<uint8_t>(total);
		ip[6] &= 0x40; // DF as sent; MF and offset gone
		ip[7] = 0;
		ip[10] = ip[11] = 0;
		const uint16_t sum = ipv4_header_checksum(ip);
		ip[10] = static_cast<uint8_t>(sum >> 8);
		ip[11] = static_cast<uint8_t>(sum);
		whole.push_back(b);
	}
	return whole;
}

// A 3,000-byte datagram of flow 1 with DF clear, as a host fragments it.
UdpFrame fragmentable(uint32_t seq, size_t payload = 3000)
{
	UdpFrame f = flow_frame(1, seq, payload);
	f.flags_fragment = 0;
	return f;
}

void create_table(RelayHarness &h, ReassemblyParams params = {})
{
	std::string error;
	ASSERT_EQ(h.worker().fragments.create(params, SOCKET_ID_ANY, &error), 0) << error;
}

TEST(GoldenFragments, FragmentsInAnyOrderAreRelayedWholeOrRefragmented)
{
	// Datagram 0 in order, 1 reversed, 2 middle first, each followed by an
	// unfragmented one; 3 arrives interleaved with 4's fragments.
	std::vector<UdpFrame> datagrams;
	for (uint32_t seq = 0; seq < 5; seq++)
		datagrams.push_back(fragmentable(seq));
	// Another flow, so that order is checked within each (the test puts
	// fragments back together after the whole frames).
	UdpFrame small = flow_frame(2, 0, 300);
	small.flags_fragment = 0;
	std::vector<Bytes> wire;
	auto f0 = cut(datagrams[0], 1480), f1 = cut(datagrams[1], 1480),
	     f2 = cut(datagrams[2], 1480), f3 = cut(datagrams[3], 1480),
	     f4 = cut(datagrams[4], 1480);
	ASSERT_EQ(f0.size(), 3u);
	wire.insert(wire.end(), f0.begin(), f0.end());
	wire.push_back(build_frame(small));
	wire.insert(wire.end(), f1.rbegin(), f1.rend());
	wire.insert(wire.end(), {f2[1], f2[2], f2[0]});
	wire.insert(wire.end(), {f3[0], f4[2], f3[1], f4[0], f3[2], f4[1]});

	PortPlan out0 = egress("out0");
	out0.mtu = 9000;
	PortPlan out1 = egress("out1");
	out1.mtu = 1280; // copies (net_pcap takes no chains)
	RelayHarness h({ingress_bytes(wire), out0, out1}, EngineParams{}, classes_with_jumbo());
	create_table(h);
	add_rule(h, make_rule("frag", group_1, 5000,
		{{.port = "out0", .dport = 6000}, {.port = "out1", .dport = 6001}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	EXPECT_EQ(h.worker().counters.reassembled.get(), 5u);

	std::vector<UdpFrame> want0, want1;
	datagrams.push_back(small);
	for (const UdpFrame &f : datagrams) {
		want0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
		want1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	}
	expect_sent(h, "out0", want0, "out0 (MTU 9000: whole datagrams)");
	size_t fragments = 0;
	{
		SCOPED_TRACE("out1 (MTU 1280: fragments)");
		expect_flows(reassembled(h.sent_on("out1"), 1280, &fragments), want1);
	}
	EXPECT_EQ(fragments, 5u * 3u); // 3,008 bytes of UDP in 1,256-byte pieces
	EXPECT_EQ(h.worker().counters.fragmented.get(), 5u);
	EXPECT_EQ(h.worker().counters.fragments_out.get(), fragments);
	expect_drops(h, {});
}

TEST(GoldenFragments, LargeOutputsAreFragmentedAsChainsOrDroppedAsTooBigWithDf)
{
	// Whole 1,400-byte datagrams (no reassembly needed) to an MTU of 1,000:
	// DF clear ones go out as chained fragments, DF set ones are too big.
	std::vector<UdpFrame> sent;
	for (uint32_t seq = 0; seq < 6; seq++) {
		UdpFrame f = flow_frame(1, seq, 1400);
		f.flags_fragment = seq % 2 ? 0x4000 : 0;
		sent.push_back(f);
	}
	PortPlan out0 = egress("out0");
	out0.mtu = 1000;
	out0.multi_seg_tx = true; // header mbuf + indirect clone per fragment
	RelayHarness h({ingress(sent), out0, egress("out1")}, EngineParams{});
	const config::Rule rule = make_rule("big", group_1, 5000,
		{{.port = "out0", .dport = 6000}, {.port = "out1", .dport = 6001}});
	add_rule(h, rule);

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), sent.size());
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<UdpFrame> want0, want1;
	for (const UdpFrame &f : sent) {
		if (f.flags_fragment == 0)
			want0.push_back(relayed(f, {group_mac(group_1), out0_mac, out0_ip, {}, 6000}));
		want1.push_back(relayed(f, {group_mac(group_1), out1_mac, out1_ip, {}, 6001}));
	}
	size_t fragments = 0;
	{
		SCOPED_TRACE("out0 (MTU 1000)");
		expect_flows(reassembled(h.sent_on("out0"), 1000, &fragments), want0);
	}
	EXPECT_EQ(fragments, 3u * 2u);
	expect_sent(h, "out1", want1, "out1 (MTU 1500: whole)");
	expect_drops(h, {{DropReason::too_big, 3}});
	expect_port_drops(h, "out0", {{DropReason::too_big, 3}});
	const CompiledRule &r = published(h, rule);
	EXPECT_EQ(r.output_counters(0, 0).dropped(DropReason::too_big), 3u) << "too-big is the output's drop";
	EXPECT_EQ(r.output_counters(0, 0).dropped(), 3u);
	EXPECT_EQ(r.output_counters(0, 0).packets.get(), fragments) << "an output counts fragments";
	EXPECT_EQ(r.output_counters(0, 1).packets.get(), sent.size());
}

TEST(GoldenFragments, IncompleteDatagramsTimeOutAndGiveTheirBuffersBack)
{
	std::vector<Bytes> wire;
	for (uint32_t seq = 0; seq < 4; seq++) {
		auto f = cut(fragmentable(seq), 1480);
		wire.push_back(f[0]);
		wire.push_back(f[2]); // the middle one never comes
	}
	RelayHarness h({ingress_bytes(wire), egress("out0")}, EngineParams{}, classes_with_jumbo());
	create_table(h);
	add_rule(h, make_rule("frag", group_1, 5000, {{.port = "out0", .dport = 6000}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	EXPECT_EQ(h.pool_in_use(), plus(before, {{"large", 8}})) << "the table holds the fragments";
	worker_expire_fragments(h.worker(), rte_rdtsc()); // not yet: nothing expires
	EXPECT_EQ(h.drops(DropReason::reassembly_timeout), 0u);
	worker_expire_fragments(h.worker(), rte_rdtsc() + 2 * rte_get_tsc_hz());
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	EXPECT_EQ(h.worker().counters.reassembled.get(), 0u);
	EXPECT_TRUE(h.sent_on("out0").empty());
	expect_drops(h, {{DropReason::reassembly_timeout, 8}});
	expect_port_drops(h, "in0", {{DropReason::reassembly_timeout, 8}}); // where they arrived
}

TEST(GoldenFragments, BrokenFragmentsAreCountedDropsAndNeverSent)
{
	std::vector<Bytes> wire;
	// Two first fragments of one datagram: the set is given up.
	auto dup = cut(fragmentable(0), 1480);
	wire.insert(wire.end(), {dup[0], dup[0]});
	// Overlapping pieces: 1480 bytes at 0, then 1480 at 1472.
	auto a = cut(fragmentable(1), 1480);
	auto b = cut(fragmentable(1), 1472);
	wire.insert(wire.end(), {a[0], b[1], b[2]});
	// A non-last fragment whose data is not whole 8-byte units.
	Bytes odd = cut(fragmentable(2), 1480)[0];
	odd.resize(odd.size() - 3);
	odd[eth_len + 2] = static_cast<uint8_t>((odd.size() - eth_len) >> 8);
	odd[eth_len + 3] = static_cast<uint8_t>(odd.size() - eth_len);
	odd[eth_len + 10] = odd[eth_len + 11] = 0;
	const uint16_t sum = ipv4_header_checksum(&odd[eth_len]);
	odd[eth_len + 10] = static_cast<uint8_t>(sum >> 8);
	odd[eth_len + 11] = static_cast<uint8_t>(sum);
	wire.push_back(odd);
	// A TCP fragment is not ours to reassemble.
	UdpFrame tcp = fragmentable(3);
	tcp.protocol = 6;
	wire.push_back(cut(tcp, 1480)[1]);
	// A fragment sent to another group's MAC.
	Bytes wrong_mac = cut(fragmentable(4), 1480)[1];
	wrong_mac[5] ^= 1;
	wire.push_back(wrong_mac);
	// And one datagram that does come together, last.
	auto good = cut(fragmentable(5), 1480);
	wire.insert(wire.end(), good.begin(), good.end());

	PortPlan out0 = egress("out0");
	out0.mtu = 9000;
	RelayHarness h({ingress_bytes(wire), out0}, EngineParams{}, classes_with_jumbo());
	create_table(h);
	add_rule(h, make_rule("frag", group_1, 5000, {{.port = "out0", .dport = 6000}}));

	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), wire.size());
	h.flush();
	worker_expire_fragments(h.worker(), rte_rdtsc() + 2 * rte_get_tsc_hz());
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	expect_sent(h, "out0",
		    {relayed(fragmentable(5), {group_mac(group_1), out0_mac, out0_ip, {}, 6000})},
		    "out0");
	// The duplicate first fragment and the overlap each end their set,
	// every fragment of it dropped.
	expect_drops(h, {{DropReason::reassembly_failed, 2 + 3},
			 {DropReason::bad_length, 1},
			 {DropReason::not_udp, 1},
			 {DropReason::mac_mismatch, 1}});
}

TEST(GoldenFragments, WithoutATableFragmentsAreDropped)
{
	auto frags = cut(fragmentable(0), 1480);
	RelayHarness h({ingress_bytes(frags), egress("out0")}, EngineParams{}, classes_with_jumbo());
	add_rule(h, make_rule("frag", group_1, 5000, {{.port = "out0", .dport = 6000}}));
	const PoolUse before = h.pool_in_use();
	EXPECT_EQ(h.poll_until_idle(), frags.size());
	EXPECT_EQ(h.pool_in_use(), before);
	EXPECT_TRUE(h.sent_on("out0").empty());
	expect_drops(h, {{DropReason::fragment, 3}});
}

} // namespace
} // namespace mcr::engine::test
