// The recent past of one sequenced stream: which numbers arrived, from
// which input, for the last `window` numbers. Merging keeps the first copy
// of each number and drops the rest; monitoring counts what the window saw
// (gaps, reordering, duplicates) without dropping anything.
//
// Numbers are W bits wide (16 for RTP, 32 or 64 for feed headers) and wrap;
// distances are taken modulo 2^W, so 65535 -> 0 is one step forward. The
// window is a ring of `window` slots, one per number, each the set of
// inputs that delivered it (up to 8 inputs). A number is reported as a gap
// only when it leaves the window unseen: until then it may still arrive.
//
// One writer (the worker that owns the stream); counters are readable from
// any thread. Built on the main lcore; offer() never allocates.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>

#include "engine/counter.h"

namespace mcr::engine {

constexpr unsigned max_stream_inputs = 8;
constexpr uint32_t max_sequence_window = 65536;

enum class SequenceVerdict : uint8_t {
	first,     // not seen before: forward it
	duplicate, // seen before, within the window: a merge drops it
	late,      // older than the window: a merge drops it
};

struct InputCounters {
	Counter first; // numbers this input delivered before any other
	Counter only;  // numbers that left the window delivered by this input alone
};

struct SequenceCounters {
	Counter duplicates; // copies of a number already in the window
	Counter late;       // numbers older than the window
	Counter reordered;  // first copies that arrived after a higher number
	Counter gaps;       // numbers that left the window never seen
	Counter resyncs;    // jumps too far to be loss: the window restarted there
	Counter multiple;   // numbers that left the window delivered by several inputs
	InputCounters inputs[max_stream_inputs];

	// First copies: the inputs' firsts, summed rather than counted again
	// on every packet.
	uint64_t accepted() const
	{
		uint64_t n = 0;
		for (const InputCounters &i : inputs)
			n += i.first.get();
		return n;
	}
};

class SequenceWindow {
public:
	// width_bits: 16, 32 or 64. window: a power of two, at least 2, at most
	// max_sequence_window and below resync_distance(width_bits) (so 8192
	// for 16 bits). Checked by the config.
	SequenceWindow(unsigned width_bits, uint32_t window);

	// A jump longer than this, forward or back, is taken for a publisher
	// restart, not for loss: the window restarts at the new number (a
	// resync) and no gaps are counted across it. 2^14 numbers for 16-bit
	// sequences (a quarter of their space), 2^20 for wider ones. A run of
	// `window` late numbers in a row (one input left alone, lagging, or a
	// restart lower) resyncs too.
	static constexpr uint64_t resync_distance(unsigned width_bits)
	{
		return width_bits == 16 ? uint64_t{1} << 14 : uint64_t{1} << 20;
	}

	SequenceVerdict offer(uint64_t number, unsigned input)
	{
		number &= mask_;
		if (likely_next(number)) {
			// The next number, as most are: offer_any's one-step advance,
			// inline.
			uint8_t &s = slot(number);
			if (span_ >= window_)
				expire(s);
			else
				span_++;
			s = static_cast<uint8_t>(1u << input);
			head_ = number;
			late_run_ = 0;
			counters_.inputs[input].first.add(1);
			return SequenceVerdict::first;
		}
		return offer_any(number, input);
	}

	const SequenceCounters &counters() const { return counters_; }

	// Forgets the stream (counters stay): the next number starts afresh.
	void reset();

private:
	// The signed distance from the highest number seen to n, modulo 2^W.
	int64_t distance(uint64_t n) const;
	uint8_t &slot(uint64_t n) { return slots_[n & (window_ - 1)]; }
	bool likely_next(uint64_t number) const
	{
		return __builtin_expect(started_ && ((number - head_) & mask_) == 1, 1);
	}
	// Any number (masked), the stream started or not.
	SequenceVerdict offer_any(uint64_t number, unsigned input);
	// Counts what the slot says about its number as it leaves the window.
	void expire(uint8_t inputs)
	{
		if (inputs == 0)
			counters_.gaps.add(1);
		else if (std::has_single_bit(inputs))
			counters_.inputs[std::countr_zero(inputs)].only.add(1);
		else
			counters_.multiple.add(1);
	}
	void expire_window();
	SequenceVerdict restart(uint64_t number, unsigned input);

	uint64_t mask_;  // 2^W - 1
	uint32_t window_;
	uint64_t resync_distance_;
	uint64_t head_ = 0; // highest number seen
	// How many numbers at the front of the window, up to head_, belong to
	// the stream: those before its first number (or its last resync) are
	// not gaps when they leave.
	uint64_t span_ = 0;
	bool started_ = false;
	uint64_t late_run_ = 0; // consecutive late numbers
	// Whole cache lines of their own: other streams' windows are written
	// by other workers.
	struct alignas(64) Line {
		uint8_t bytes[64];
	};
	std::unique_ptr<Line[]> lines_;
	uint8_t *slots_;
	SequenceCounters counters_;
};

} // namespace mcr::engine
