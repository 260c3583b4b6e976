#include "traffic/flow_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <tuple>

namespace mcr::traffic {

FlowTable::FlowTable(uint32_t max_flows) : max_flows_(max_flows)
{
	// At most half full, so probes stay short and always end.
	const uint64_t slots = std::bit_ceil(uint64_t{max_flows} * 2);
	index_.assign(slots, -1);
	index_mask_ = slots - 1;
	flows_.reserve(max_flows);
}

uint64_t FlowTable::hash(const FlowKey &k)
{
	uint64_t addr;
	if (const auto *v4 = std::get_if<uint32_t>(&k.dst_ip)) {
		addr = *v4;
	} else {
		// The two halves folded: groups of a range differ in the low one.
		uint64_t halves[2];
		std::memcpy(halves, std::get<Ipv6>(k.dst_ip).data(), sizeof(halves));
		addr = halves[0] ^ halves[1];
		addr ^= addr >> 32;
	}
	const uint64_t x = (addr << 32 | uint64_t{k.dst_port} << 16) ^
			   (uint64_t{k.flow_id} * 0x9e3779b97f4a7c15ull);
	return (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ull >> 17;
}

FlowStats *FlowTable::find_or_add(const FlowKey &key)
{
	for (uint64_t slot = hash(key) & index_mask_;; slot = (slot + 1) & index_mask_) {
		const int32_t i = index_[slot];
		if (i < 0) {
			if (flows_.size() >= max_flows_)
				return nullptr;
			flows_.push_back(std::make_unique<FlowStats>());
			flows_.back()->key = key;
			index_[slot] = static_cast<int32_t>(flows_.size() - 1);
			return flows_.back().get();
		}
		if (flows_[i]->key == key)
			return flows_[i].get();
	}
}

std::vector<const FlowStats *> FlowTable::sorted() const
{
	std::vector<const FlowStats *> out;
	out.reserve(flows_.size());
	for (const auto &f : flows_)
		out.push_back(f.get());
	std::sort(out.begin(), out.end(), [](const FlowStats *a, const FlowStats *b) {
		return std::tie(a->key.dst_ip, a->key.dst_port, a->key.flow_id) <
		       std::tie(b->key.dst_ip, b->key.dst_port, b->key.flow_id);
	});
	return out;
}

} // namespace mcr::traffic
