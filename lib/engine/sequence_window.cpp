#include "engine/sequence_window.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace mcr::engine {

SequenceWindow::SequenceWindow(unsigned width_bits, uint32_t window)
	: mask_(width_bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << width_bits) - 1),
	  window_(window), resync_distance_(resync_distance(width_bits)),
	  lines_(std::make_unique<Line[]>((window + sizeof(Line) - 1) / sizeof(Line))),
	  slots_(reinterpret_cast<uint8_t *>(lines_.get()))
{
}

void SequenceWindow::reset()
{
	started_ = false;
}

int64_t SequenceWindow::distance(uint64_t n) const
{
	const uint64_t d = (n - head_) & mask_;
	if (mask_ == ~uint64_t{0})
		return static_cast<int64_t>(d);
	// Above half the space is behind.
	return d > mask_ / 2 ? static_cast<int64_t>(d) - static_cast<int64_t>(mask_) - 1
			     : static_cast<int64_t>(d);
}


// Every number of the stream still in the window leaves it.
void SequenceWindow::expire_window()
{
	for (uint64_t k = 0; k < span_; k++)
		expire(slot(head_ - k));
}

SequenceVerdict SequenceWindow::restart(uint64_t number, unsigned input)
{
	std::memset(slots_, 0, window_);
	head_ = number & mask_;
	span_ = 1;
	started_ = true;
	late_run_ = 0;
	slot(head_) = static_cast<uint8_t>(1u << input);
	counters_.inputs[input].first.add(1);
	return SequenceVerdict::first;
}

SequenceVerdict SequenceWindow::offer_any(uint64_t number, unsigned input)
{
	const auto bit = static_cast<uint8_t>(1u << input);
	if (!started_)
		return restart(number, input);
	const int64_t d = distance(number);
	const uint64_t behind = d < 0 ? uint64_t{0} - static_cast<uint64_t>(d) : 0;

	if (d > 0 && static_cast<uint64_t>(d) <= resync_distance_) {
		const uint64_t ahead = static_cast<uint64_t>(d);
		// Numbers head+1 .. number take the slots of head-window+1 ..
		// number-window, which leave; jumped-over numbers that leave at
		// once were never seen.
		const uint64_t steps = ahead < window_ ? ahead : window_;
		for (uint64_t k = 1; k <= steps; k++) {
			uint8_t &s = slot(head_ + k);
			if (k + span_ > window_)
				expire(s);
			s = 0;
		}
		if (ahead > window_)
			counters_.gaps.add(ahead - window_);
		span_ = ahead >= window_ ? window_ : std::min<uint64_t>(window_, span_ + ahead);
		head_ = number;
		slot(number) = bit;
		late_run_ = 0;
			counters_.inputs[input].first.add(1);
		return SequenceVerdict::first;
	}
	if (d <= 0 && behind < window_) {
		late_run_ = 0;
		// Slots of numbers before the stream's first are always empty.
		uint8_t &s = slot(number);
		if (s != 0) {
			s |= bit;
			counters_.duplicates.add(1);
			return SequenceVerdict::duplicate;
		}
		// Before the stream's first number: the stream starts earlier.
		span_ = std::max(span_, behind + 1);
		s = bit;
			counters_.reordered.add(1);
		counters_.inputs[input].first.add(1);
		return SequenceVerdict::first;
	}
	if (d <= 0 && behind <= resync_distance_ && ++late_run_ < window_) {
		counters_.late.add(1);
		return SequenceVerdict::late;
	}
	counters_.resyncs.add(1);
	expire_window();
	return restart(number, input);
}

} // namespace mcr::engine
