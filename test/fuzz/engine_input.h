// How fuzz_engine reads its input: one byte of TX refusal script, then
// received frames, each with the mbuf metadata a PMD could have set.
//
//   input  := refusals record*
//   record := ctl len_hi len_lo [tci_hi tci_lo if ctl & vlan_stripped]
//             [split if ctl & two_segments] frame bytes (len, cut short by
//             the end of the input)
//
// refusals bit i: the i-th (mod 8) TX burst the worker makes passes only
// the first half of its packets to the PMD, as a full ring would.
// make_corpus.py writes seeds in this format.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mcr::fuzz {

enum RecordFlag : uint8_t {
	on_second_port = 1 << 0, // received on in1 rather than in0
	vlan_stripped = 1 << 1,  // RTE_MBUF_F_RX_VLAN_STRIPPED with vlan_tci = tci
	ip_cksum_good = 1 << 2,  // RTE_MBUF_F_RX_IP_CKSUM_GOOD: the parser trusts the header
	two_segments = 1 << 3,   // the frame is chained over two mbufs
	// bits 4-7: headroom in front of the frame, 8 * value bytes; 0 keeps
	// RTE_PKTMBUF_HEADROOM. Small headrooms force the copy path for the
	// output written in place.
};

struct RxRecord {
	uint8_t ctl = 0;
	uint16_t tci = 0;
	size_t first_segment = 0; // bytes in the first mbuf
	std::span<const uint8_t> frame;
};

struct EngineInput {
	uint8_t refusals = 0;
	std::vector<RxRecord> records;
};

inline EngineInput decode_engine_input(std::span<const uint8_t> in, size_t max_records)
{
	EngineInput out;
	if (in.empty())
		return out;
	out.refusals = in[0];
	size_t i = 1;
	while (i + 3 <= in.size() && out.records.size() < max_records) {
		RxRecord r;
		r.ctl = in[i];
		size_t len = size_t{in[i + 1]} << 8 | in[i + 2];
		i += 3;
		if (r.ctl & vlan_stripped) {
			if (i + 2 > in.size())
				break;
			r.tci = static_cast<uint16_t>(in[i] << 8 | in[i + 1]);
			i += 2;
		}
		uint8_t split = 0;
		if (r.ctl & two_segments) {
			if (i + 1 > in.size())
				break;
			split = in[i++];
		}
		len = std::min(len, in.size() - i);
		r.frame = in.subspan(i, len);
		i += len;
		// The split point scales with the frame, so every size can be cut
		// anywhere; 0 or len would leave one segment empty.
		r.first_segment = len;
		if ((r.ctl & two_segments) && len >= 2)
			r.first_segment = std::max<size_t>(1, len * split / 256);
		out.records.push_back(r);
	}
	return out;
}

inline uint16_t headroom_of(const RxRecord &r, uint16_t default_headroom)
{
	const unsigned steps = r.ctl >> 4;
	return steps == 0 ? default_headroom : static_cast<uint16_t>(steps * 8);
}

} // namespace mcr::fuzz
