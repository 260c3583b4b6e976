// Per-flow sequence accounting on the receiving side: which sequence
// numbers arrived, in what order, how often. Follows RFC 4737's notion of
// a reordered packet (one that arrives after a higher sequence number).
//
// State is the highest sequence seen and a bitmap of the `window` sequence
// numbers up to it (a ring indexed by seq % window). For each arrival:
//
//   seq > highest (or first packet)    in order; sequences jumped over
//                                      are missing until they turn up
//   highest - window < seq <= highest  seen before: duplicate
//                                      not seen: reordered (fills a gap)
//   seq <= highest - window            late: too old for the bitmap to tell
//                                      whether it is a copy; counted as
//                                      reordered and as a first arrival
//
// At any time: distinct = received - duplicated, and
// lost = (highest + 1) - distinct, floored at 0: sequences start at 0, so
// a sink must be listening before the generator starts, and packets lost
// after the last one received cannot be seen (nothing higher reveals them).
#pragma once

#include <array>
#include <cstdint>

namespace mcr::traffic {

class SeqAccount {
public:
	static constexpr uint64_t window = 16384;

	enum class Arrival : uint8_t { in_order, reordered, duplicate, late };

	Arrival record(uint64_t seq);

	bool empty() const { return received_ == 0; }
	uint64_t highest() const { return highest_; }
	uint64_t received() const { return received_; }
	uint64_t duplicated() const { return duplicated_; }
	uint64_t reordered() const { return reordered_; }
	uint64_t late() const { return late_; }
	uint64_t distinct() const { return received_ - duplicated_; }
	uint64_t lost() const
	{
		if (empty())
			return 0;
		const uint64_t expected = highest_ + 1;
		return expected > distinct() ? expected - distinct() : 0;
	}

private:
	static constexpr uint64_t word_bits = 64;

	bool seen(uint64_t seq) const
	{
		return (seen_[(seq % window) / word_bits] >> (seq % word_bits)) & 1;
	}
	void mark(uint64_t seq) { seen_[(seq % window) / word_bits] |= uint64_t{1} << (seq % word_bits); }
	void forget_range(uint64_t first, uint64_t last);

	std::array<uint64_t, window / word_bits> seen_{};
	uint64_t highest_ = 0;
	uint64_t received_ = 0;
	uint64_t duplicated_ = 0;
	uint64_t reordered_ = 0;
	uint64_t late_ = 0;
};

} // namespace mcr::traffic
