// The stream of a merged or monitored rule: where its datagrams carry
// their sequence number, the window of the latest numbers, and the one
// worker that reads and writes that window (its owner): packets of the
// stream that another worker receives are handed to the owner, so the
// window needs no lock.
//
// Every compiled version of a rule that watches the same numbers the same
// way shares one Stream: while a replaced version and its successor are
// both published, no copy slips through twice and no number is counted
// twice. Created, held and released on the main lcore only; the last
// release (after the rule table's grace period) frees it.
#pragma once

#include <cstdint>

#include "engine/counter.h"
#include "engine/sequence_window.h"
#include "packet/sequence_field.h"

namespace mcr::engine {

// Cache-line aligned: only its owner writes it, and no other worker's data
// shares its lines (workers read the owner from the compiled rule).
class alignas(64) Stream {
public:
	enum class Mode : uint8_t {
		merge,   // first copy of each number relayed, later ones dropped
		monitor, // everything relayed, the window only counts
	};

	// With one reference, the caller's.
	static Stream *create(Mode mode, const packet::SequenceField &field, uint32_t window,
			      uint16_t owner);
	void hold() { refs_++; }
	static void release(Stream *stream);

	// Whether a rule compiled now may keep this stream (same numbers,
	// same window, same mode).
	bool same(Mode mode, const packet::SequenceField &field, uint32_t window) const
	{
		return mode == mode_ && field == field_ && window == window_size_;
	}

	Mode mode() const { return mode_; }
	bool merges() const { return mode_ == Mode::merge; }
	const packet::SequenceField &field() const { return field_; }
	uint32_t window_size() const { return window_size_; }
	uint16_t owner() const { return owner_; }

	// --- the owner worker only ---
	SequenceWindow &window() { return window_; }
	Counter &no_sequence() { return no_sequence_; }

	// --- anyone ---
	const SequenceCounters &counters() const { return window_.counters(); }
	uint64_t no_sequence_count() const { return no_sequence_.get(); }

private:
	Stream(Mode mode, const packet::SequenceField &field, uint32_t window, uint16_t owner)
		: mode_(mode), field_(field), window_size_(window), owner_(owner),
		  window_(field.width_bits(), window)
	{
	}

	Mode mode_;
	packet::SequenceField field_;
	uint32_t window_size_;
	uint16_t owner_;
	unsigned refs_ = 1;
	SequenceWindow window_;
	Counter no_sequence_; // datagrams too short to hold the number
};

} // namespace mcr::engine
