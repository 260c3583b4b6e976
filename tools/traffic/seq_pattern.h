// The generator's test hooks: which sequence numbers a flow sends, and in
// what order, so that a sink's accounting can be checked exactly. With N
// the option's value and s a sequence number (from 0):
//
//   skip N   s is never sent when (s + 1) % N == 0      (N-1, 2N-1, ...)
//   dup N    s is sent twice, back to back, when (s + 1) % N == 0
//   swap N   pairs are (0,1), (2,3), ...; pair k = (2k, 2k+1) is sent as
//            2k+1 then 2k when (k + 1) % N == 0 and both are below the
//            flow's limit
//   loss P   s is never sent, with probability P, independently per flow:
//            a hash of (seed, flow, s) decides, so a run is reproducible
//            and two flows of the same numbers lose different ones (the
//            A and B lines of a redundant feed)
//
// Swapping decides the order first; skip and dup then apply to each
// sequence number. A sink that missed nothing else therefore reports, up
// to the highest sequence it received: lost = skipped, duplicated = dup'd
// and sent, reordered = swapped pairs with neither member skipped.
#pragma once

#include <cstdint>

namespace mcr::traffic {

struct SeqPattern {
	uint64_t skip_every = 0; // 0: off; 1 would send nothing and is refused
	uint64_t dup_every = 0;
	uint64_t swap_every = 0;
	uint32_t loss_ppm = 0; // parts per million
	uint64_t seed = 1;

	bool skips(uint64_t s) const { return skip_every && (s + 1) % skip_every == 0; }
	bool dups(uint64_t s) const { return dup_every && (s + 1) % dup_every == 0; }
	bool loses(uint64_t s, uint32_t flow) const
	{
		return loss_ppm && mix(seed ^ (uint64_t{flow} << 48) ^ mix(s)) % 1000000 < loss_ppm;
	}
	// splitmix64's finaliser: every input bit reaches every output bit.
	static uint64_t mix(uint64_t x)
	{
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
		return x ^ (x >> 31);
	}

	// Whether the pair starting at even s is sent swapped.
	bool swaps_pair_at(uint64_t s) const
	{
		return swap_every && s % 2 == 0 && (s / 2 + 1) % swap_every == 0;
	}
};

// One flow's sequence numbers in send order, for seqs [0, limit).
class SeqEmitter {
public:
	static constexpr uint64_t unlimited = UINT64_MAX;

	SeqEmitter() = default;
	SeqEmitter(const SeqPattern &pattern, uint64_t limit, uint32_t flow = 0)
		: pattern_(pattern), limit_(limit), flow_(flow)
	{
	}

	// The next sequence number to send; false once the flow is done.
	bool next(uint64_t *seq)
	{
		while (pending_count_ == 0) {
			if (next_seq_ >= limit_)
				return false;
			refill();
		}
		*seq = pending_[pending_head_++];
		pending_count_--;
		return true;
	}

	// Sequence numbers decided so far (sent, queued or skipped).
	uint64_t consumed() const { return next_seq_; }

private:
	void refill()
	{
		pending_head_ = 0;
		const uint64_t s = next_seq_;
		if (pattern_.swaps_pair_at(s) && s + 1 < limit_) {
			queue(s + 1);
			queue(s);
			next_seq_ = s + 2;
		} else {
			queue(s);
			next_seq_ = s + 1;
		}
	}

	void queue(uint64_t s)
	{
		if (pattern_.skips(s) || pattern_.loses(s, flow_))
			return;
		pending_[pending_head_ + pending_count_++] = s;
		if (pattern_.dups(s))
			pending_[pending_head_ + pending_count_++] = s;
	}

	SeqPattern pattern_;
	uint64_t limit_ = unlimited;
	uint32_t flow_ = 0;
	uint64_t next_seq_ = 0;
	uint64_t pending_[4] = {};
	uint8_t pending_head_ = 0;
	uint8_t pending_count_ = 0;
};

} // namespace mcr::traffic
