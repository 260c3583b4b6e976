// A linear model of the range stage, written from the rules as stated
// (issue 14), for the unit tests and fuzz_range to hold RangeTable to:
// every entry kept in a list, a lookup tries them all and keeps the best by
// longest destination prefix, then longest source prefix, then narrowest
// port range; adds and removes answer as RangeTable documents.
#pragma once

#include <rte_byteorder.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>
#include <tuple>
#include <vector>

#include "engine/range_table.h"

namespace mcr::engine::reference {

inline unsigned address_bits(RangeFamily f)
{
	return f == RangeFamily::ipv6 ? 128 : 32;
}

// Whether the first len bits of a and b (network order bytes) agree.
inline bool prefix_holds(const uint8_t *a, unsigned len, const uint8_t *b)
{
	for (unsigned bit = 0; bit < len; bit++) {
		const unsigned byte = bit / 8, shift = 7 - bit % 8;
		if (((a[byte] >> shift) & 1) != ((b[byte] >> shift) & 1))
			return false;
	}
	return true;
}

inline bool same_prefixes(const RangeMatch &a, const RangeMatch &b)
{
	return a.family == b.family && a.port_index == b.port_index && a.vlan == b.vlan &&
	       a.dst_len == b.dst_len && a.src_len == b.src_len &&
	       prefix_holds(a.dst.data(), a.dst_len, b.dst.data()) &&
	       prefix_holds(a.src.data(), a.src_len, b.src.data());
}

inline bool same_entry(const RangeMatch &a, const RangeMatch &b)
{
	return same_prefixes(a, b) && a.first_port == b.first_port && a.last_port == b.last_port;
}

inline bool overlap_partly(const RangeMatch &a, const RangeMatch &b)
{
	const bool disjoint = a.last_port < b.first_port || b.last_port < a.first_port;
	const bool nested = (a.first_port <= b.first_port && b.last_port <= a.last_port) ||
			    (b.first_port <= a.first_port && a.last_port <= b.last_port);
	return !disjoint && !nested;
}

inline bool valid(const RangeMatch &m)
{
	const unsigned bits = address_bits(m.family);
	return (m.family == RangeFamily::ipv4 || m.family == RangeFamily::ipv6) && m.dst_len <= bits &&
	       m.src_len <= bits && m.first_port <= m.last_port;
}

class RangeModel {
public:
	struct Entry {
		RangeMatch m;
		void *value;
	};

	RangeModel(uint32_t capacity, unsigned max_classes) : capacity_(capacity), max_classes_(max_classes) {}

	const std::vector<Entry> &entries() const { return entries_; }

	int add(const RangeMatch &m, void *value, void **replaced)
	{
		*replaced = nullptr;
		if (!valid(m) || value == nullptr)
			return -EINVAL;
		for (Entry &e : entries_) {
			if (same_entry(e.m, m)) {
				*replaced = e.value;
				e.value = value;
				return 0;
			}
		}
		for (const Entry &e : entries_)
			if (same_prefixes(e.m, m) && overlap_partly(e.m, m))
				return -EEXIST;
		if (count(m.family) >= capacity_)
			return -ENOSPC;
		const auto cls = class_of(m);
		if (classes(m.family).count(cls) == 0 && classes(m.family).size() >= max_classes_)
			return -ENOSPC;
		entries_.push_back({m, value});
		return 0;
	}

	int remove(const RangeMatch &m, void **removed)
	{
		*removed = nullptr;
		if (!valid(m))
			return -EINVAL;
		for (auto it = entries_.begin(); it != entries_.end(); ++it) {
			if (same_entry(it->m, m)) {
				*removed = it->value;
				entries_.erase(it);
				return 0;
			}
		}
		return -ENOENT;
	}

	// The best entry for q, or nullptr; *matching: how many matched.
	void *lookup(const RangeQuery &q, unsigned *matching = nullptr) const
	{
		const Entry *best = nullptr;
		unsigned n = 0;
		const unsigned bytes = address_bits(q.family) / 8;
		uint8_t dst[16] = {}, src[16] = {};
		std::memcpy(dst, q.dst, bytes);
		std::memcpy(src, q.src, bytes);
		const uint16_t dport = rte_be_to_cpu_16(q.dst_port);
		for (const Entry &e : entries_) {
			const RangeMatch &m = e.m;
			if (m.family != q.family || m.port_index != q.port_index || m.vlan != q.vlan ||
			    dport < m.first_port || dport > m.last_port ||
			    !prefix_holds(m.dst.data(), m.dst_len, dst) || !prefix_holds(m.src.data(), m.src_len, src))
				continue;
			n++;
			if (best == nullptr || better(m, best->m))
				best = &e;
		}
		if (matching != nullptr)
			*matching = n;
		return best == nullptr ? nullptr : best->value;
	}

	uint32_t size() const { return static_cast<uint32_t>(entries_.size()); }
	unsigned class_count() const
	{
		return static_cast<unsigned>(classes(RangeFamily::ipv4).size() + classes(RangeFamily::ipv6).size());
	}

private:
	static bool better(const RangeMatch &a, const RangeMatch &b)
	{
		if (a.dst_len != b.dst_len)
			return a.dst_len > b.dst_len;
		if (a.src_len != b.src_len)
			return a.src_len > b.src_len;
		return a.last_port - a.first_port < b.last_port - b.first_port;
	}
	static std::tuple<unsigned, unsigned> class_of(const RangeMatch &m) { return {m.dst_len, m.src_len}; }
	uint32_t count(RangeFamily f) const
	{
		uint32_t n = 0;
		for (const Entry &e : entries_)
			n += e.m.family == f;
		return n;
	}
	std::set<std::tuple<unsigned, unsigned>> classes(RangeFamily f) const
	{
		std::set<std::tuple<unsigned, unsigned>> s;
		for (const Entry &e : entries_)
			if (e.m.family == f)
				s.insert(class_of(e.m));
		return s;
	}

	std::vector<Entry> entries_;
	uint32_t capacity_;
	unsigned max_classes_;
};

} // namespace mcr::engine::reference
