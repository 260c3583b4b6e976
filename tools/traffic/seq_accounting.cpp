#include "traffic/seq_accounting.h"

namespace mcr::traffic {

static_assert(SeqAccount::window % 64 == 0, "the bitmap is whole words");

// Clears the bits of sequences [first, last] as they enter the window:
// their ring positions still hold sequences that just left it.
void SeqAccount::forget_range(uint64_t first, uint64_t last)
{
	if (last - first + 1 >= window) {
		seen_.fill(0);
		return;
	}
	uint64_t s = first;
	while (s <= last) {
		if (s % word_bits == 0 && last - s >= word_bits - 1) {
			seen_[(s % window) / word_bits] = 0;
			s += word_bits;
		} else {
			seen_[(s % window) / word_bits] &= ~(uint64_t{1} << (s % word_bits));
			s++;
		}
	}
}

SeqAccount::Arrival SeqAccount::record(uint64_t seq)
{
	received_++;
	if (received_ == 1 || seq > highest_) {
		// The first packet finds an all-clear bitmap: the sequences
		// below it are missing, and reordered if they still come.
		if (received_ > 1)
			forget_range(highest_ + 1, seq);
		highest_ = seq;
		mark(seq);
		return Arrival::in_order;
	}
	if (highest_ - seq >= window) {
		late_++;
		reordered_++;
		return Arrival::late;
	}
	if (seen(seq)) {
		duplicated_++;
		return Arrival::duplicate;
	}
	mark(seq);
	reordered_++;
	return Arrival::reordered;
}

} // namespace mcr::traffic
