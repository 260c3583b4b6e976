// ns/packet of parse_frame and write_output_headers over bursts of 32 frames,
// laid out like mbufs (2 KiB data rooms, data after the standard headroom),
// at 64 and 1400 bytes.
// Run: bench-packet [--benchmark_repetitions=5 ...]
#include <benchmark/benchmark.h>

#include <rte_config.h>

#include <cstring>
#include <vector>

#include "packet/parse.h"
#include "packet/rewrite.h"

namespace {

using namespace mcr::packet;

constexpr size_t burst = 32;
constexpr size_t room = 2048;

// Plain untagged multicast UDP frames of frame_len bytes, distinct groups and
// ports, valid checksums; written here with DPDK's own helpers since the
// bench measures speed, not correctness.
// Output mbufs' data rooms; the worker writes at the start of the data.
struct Rooms {
	std::vector<uint8_t> bytes = std::vector<uint8_t>(burst * room);

	uint8_t *data(size_t i) { return bytes.data() + i * room + RTE_PKTMBUF_HEADROOM; }
};

struct Burst {
	std::vector<uint8_t> rooms = std::vector<uint8_t>(burst * room);
	uint32_t frame_len;

	explicit Burst(uint32_t len) : frame_len(len)
	{
		for (size_t i = 0; i < burst; ++i) {
			uint8_t *f = frame(i);
			rte_ether_hdr eth{};
			eth.dst_addr = multicast_mac(rte_cpu_to_be_32(RTE_IPV4(239, 1, 0, i)));
			eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			std::memcpy(f, &eth, sizeof(eth));

			const uint16_t ip_len = uint16_t(len - sizeof(eth));
			rte_ipv4_hdr ip{};
			ip.version_ihl = 0x45;
			ip.total_length = rte_cpu_to_be_16(ip_len);
			ip.time_to_live = 64;
			ip.next_proto_id = IPPROTO_UDP;
			ip.src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 10));
			ip.dst_addr = rte_cpu_to_be_32(RTE_IPV4(239, 1, 0, i));
			ip.hdr_checksum = rte_ipv4_cksum(&ip);
			std::memcpy(f + sizeof(eth), &ip, sizeof(ip));

			uint8_t *l4 = f + sizeof(eth) + sizeof(ip);
			rte_udp_hdr udp{};
			udp.src_port = rte_cpu_to_be_16(40000);
			udp.dst_port = rte_cpu_to_be_16(uint16_t(5000 + i));
			udp.dgram_len = rte_cpu_to_be_16(uint16_t(ip_len - sizeof(ip)));
			std::memcpy(l4, &udp, sizeof(udp));
			for (uint32_t b = sizeof(udp); b < ip_len - sizeof(ip); ++b)
				l4[b] = uint8_t(b);
			udp.dgram_cksum = rte_ipv4_udptcp_cksum(&ip, l4);
			std::memcpy(l4, &udp, sizeof(udp));
		}
	}

	uint8_t *frame(size_t i) { return rooms.data() + i * room + RTE_PKTMBUF_HEADROOM; }
};

void set_counters(benchmark::State &state)
{
	state.SetItemsProcessed(int64_t(state.iterations()) * burst);
	// Inverted per-packet rate: CPU time per packet.
	state.counters["time/pkt"] = benchmark::Counter(double(burst),
		benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void bm_parse(benchmark::State &state, IpChecksum mode)
{
	Burst frames(uint32_t(state.range(0)));
	ParsedPacket pkts[burst];
	for (auto _ : state) {
		for (size_t i = 0; i < burst; ++i) {
			DropReason r = parse_frame(frames.frame(i), frames.frame_len, pkts[i], mode);
			benchmark::DoNotOptimize(r);
		}
		benchmark::ClobberMemory();
	}
	if (parse_frame(frames.frame(0), frames.frame_len, pkts[0]) != DropReason::none)
		state.SkipWithError("frames do not parse");
	set_counters(state);
}

void BM_parse_verify(benchmark::State &state) { bm_parse(state, IpChecksum::verify); }
void BM_parse_trusted(benchmark::State &state) { bm_parse(state, IpChecksum::trusted); }

OutputRewrite bench_output()
{
	OutputRewrite out{};
	out.dst_mac = multicast_mac(rte_cpu_to_be_32(RTE_IPV4(239, 2, 2, 2)));
	out.src_mac = rte_ether_addr{{0x02, 0, 0, 0, 0, 1}};
	out.src_ip = rte_cpu_to_be_32(RTE_IPV4(198, 18, 2, 1));
	out.dst_ip = rte_cpu_to_be_32(RTE_IPV4(239, 2, 2, 2));
	out.dst_port = rte_cpu_to_be_16(6000);
	return out;
}

// The clone path: headers only, into a private header buffer per packet.
void BM_rewrite_headers(benchmark::State &state)
{
	Burst frames(uint32_t(state.range(0)));
	ParsedPacket pkts[burst];
	for (size_t i = 0; i < burst; ++i)
		parse_frame(frames.frame(i), frames.frame_len, pkts[i]);
	const OutputRewrite out = bench_output();
	Rooms headers;
	for (auto _ : state) {
		for (size_t i = 0; i < burst; ++i) {
			RewriteResult r = write_output_headers(frames.frame(i), pkts[i], out, headers.data(i));
			benchmark::DoNotOptimize(r);
		}
		benchmark::ClobberMemory();
	}
	set_counters(state);
}

// The copy path: headers plus the payload copied into a fresh data room.
void BM_rewrite_copy(benchmark::State &state)
{
	Burst frames(uint32_t(state.range(0)));
	ParsedPacket pkts[burst];
	for (size_t i = 0; i < burst; ++i)
		parse_frame(frames.frame(i), frames.frame_len, pkts[i]);
	const OutputRewrite out = bench_output();
	Rooms copies;
	for (auto _ : state) {
		for (size_t i = 0; i < burst; ++i) {
			uint8_t *dst = copies.data(i);
			RewriteResult r = write_output_headers(frames.frame(i), pkts[i], out, dst);
			std::memcpy(dst + r.header_len, frames.frame(i) + payload_offset(pkts[i]),
				    payload_len(pkts[i]));
		}
		benchmark::ClobberMemory();
	}
	set_counters(state);
}

// Parse then one header rewrite: the per-packet work of a one-output rule.
void BM_parse_and_rewrite(benchmark::State &state)
{
	Burst frames(uint32_t(state.range(0)));
	ParsedPacket pkts[burst];
	const OutputRewrite out = bench_output();
	Rooms headers;
	for (auto _ : state) {
		for (size_t i = 0; i < burst; ++i) {
			if (parse_frame(frames.frame(i), frames.frame_len, pkts[i]) != DropReason::none)
				continue;
			RewriteResult r = write_output_headers(frames.frame(i), pkts[i], out, headers.data(i));
			benchmark::DoNotOptimize(r);
		}
		benchmark::ClobberMemory();
	}
	set_counters(state);
}

BENCHMARK(BM_parse_verify)->Arg(64)->Arg(1400);
BENCHMARK(BM_parse_trusted)->Arg(64)->Arg(1400);
BENCHMARK(BM_rewrite_headers)->Arg(64)->Arg(1400);
BENCHMARK(BM_rewrite_copy)->Arg(64)->Arg(1400);
BENCHMARK(BM_parse_and_rewrite)->Arg(64)->Arg(1400);

} // namespace

BENCHMARK_MAIN();
