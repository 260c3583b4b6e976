/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Turning what the parser found into an XDP action: rule and group lookups,
 * the configured mode, and one per-CPU counter per verdict.
 */
#ifndef MCR_XDP_VERDICT_BPF_H
#define MCR_XDP_VERDICT_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "mcr_xdp_maps.bpf.h"
#include "mcr_xdp_parse.bpf.h"
#include "mcr_xdp_parse6.bpf.h"
#include "mcr_xdp_shared.h"

static __always_inline int count(enum mcr_xdp_stat stat, int action)
{
	__u32 key = stat;
	__u64 *packets = bpf_map_lookup_elem(&mcr_stats, &key);

	/* Per-CPU slot: no other CPU writes it, so no atomic add. */
	if (packets)
		*packets += 1;
	return action;
}

/* Beside the operator's flags, the run-time flags say which range maps
 * hold entries (mcr_xdp_config.ranges). */
#define MCR_RUN_RANGES (1u << 30)
#define MCR_RUN_RANGES6 (1u << 31)
_Static_assert(((MCR_XDP_F_REDIRECT | MCR_XDP_F_STRICT) & (MCR_RUN_RANGES | MCR_RUN_RANGES6)) == 0,
	       "run-time bits apart from the config flags");

static __always_inline __u32 config_flags(void)
{
	__u32 key = 0;
	struct mcr_xdp_config *config = bpf_map_lookup_elem(&mcr_config, &key);
	__u32 flags;

	if (!config)
		return 0;
	flags = config->flags & (MCR_XDP_F_REDIRECT | MCR_XDP_F_STRICT);
	if (config->ranges & MCR_XDP_RANGES_IPV4)
		flags |= MCR_RUN_RANGES;
	if (config->ranges & MCR_XDP_RANGES_IPV6)
		flags |= MCR_RUN_RANGES6;
	return flags;
}

/* What a packet is for: the counters tell exact and range matches apart. */
enum mcr_match {
	MCR_MATCH_NONE = 0,
	MCR_MATCH_EXACT,
	MCR_MATCH_RANGE,
};

/* ports[] is sorted, but at most 8 short compares beat a search. */
static __always_inline int ports_cover(const struct mcr_range_value *range, __u16 port)
{
	const __u32 count = range->count;
	__u32 i;

#pragma unroll
	for (i = 0; i < MCR_XDP_RANGE_PORTS; i++) {
		if (i >= count)
			break;
		if (port >= range->ports[i].first && port <= range->ports[i].last)
			return 1;
	}
	return 0;
}

/* The longest range prefix of this VLAN covering dst, which holds the port
 * ranges of every range rule covering it. */
static __always_inline const struct mcr_range_value *range_of(__be32 dst, __u16 vlan)
{
	struct mcr_range_key key = {
		.prefixlen = MCR_RANGE_KEY_BITS,
		.vlan = vlan,
		.dst_ip = dst,
	};

	return bpf_map_lookup_elem(&mcr_ranges, &key);
}

static __always_inline const struct mcr_range_value *range6_of(const struct in6_addr *dst,
								__u16 vlan)
{
	struct mcr_range6_key key = {
		.prefixlen = MCR_RANGE6_KEY_BITS,
		.vlan = vlan,
	};

	__builtin_memcpy(&key.dst_ip, dst, sizeof(key.dst_ip));
	return bpf_map_lookup_elem(&mcr_ranges6, &key);
}

/*
 * A source-specific rule wins over the any-source rule for the same flow,
 * and an exact rule over a range. A range rule's source prefix is mcr's to
 * check: the program takes every source.
 */
static __always_inline enum mcr_match rule_matches(__be32 dst, __be16 dst_port, __u16 vlan,
						   __be32 src, __u32 flags)
{
	const struct mcr_range_value *range;
	struct mcr_rule_key key = {
		.dst_ip = dst,
		.dst_port = dst_port,
		.vlan = vlan,
		.src_ip = src,
	};

	if (bpf_map_lookup_elem(&mcr_rules, &key))
		return MCR_MATCH_EXACT;
	key.src_ip = 0;
	if (bpf_map_lookup_elem(&mcr_rules, &key))
		return MCR_MATCH_EXACT;
	if (!(flags & MCR_RUN_RANGES))
		return MCR_MATCH_NONE;
	range = range_of(dst, vlan);
	return range && ports_cover(range, bpf_ntohs(dst_port)) ? MCR_MATCH_RANGE : MCR_MATCH_NONE;
}

/* Only the destination can be trusted (no port, or broken headers): a relay
 * address when an exact rule has it (mcr_groups) or a range prefix of this
 * VLAN covers it. */
static __always_inline enum mcr_match destination_known(__be32 dst, __u16 vlan, __u32 flags)
{
	if (bpf_map_lookup_elem(&mcr_groups, &dst))
		return MCR_MATCH_EXACT;
	if (!(flags & MCR_RUN_RANGES))
		return MCR_MATCH_NONE;
	return range_of(dst, vlan) ? MCR_MATCH_RANGE : MCR_MATCH_NONE;
}

/* IPv6: the same, in mcr_rules6, mcr_ranges6 and mcr_groups6. */
static __always_inline enum mcr_match rule6_matches(const struct in6_addr *dst, __be16 dst_port,
						    __u16 vlan, const struct in6_addr *src,
						    __u32 flags)
{
	const struct mcr_range_value *range;
	struct mcr_rule6_key key = {
		.dst_port = dst_port,
		.vlan = vlan,
	};

	__builtin_memcpy(&key.dst_ip, dst, sizeof(key.dst_ip));
	__builtin_memcpy(&key.src_ip, src, sizeof(key.src_ip));
	if (bpf_map_lookup_elem(&mcr_rules6, &key))
		return MCR_MATCH_EXACT;
	__builtin_memset(&key.src_ip, 0, sizeof(key.src_ip));
	if (bpf_map_lookup_elem(&mcr_rules6, &key))
		return MCR_MATCH_EXACT;
	if (!(flags & MCR_RUN_RANGES6))
		return MCR_MATCH_NONE;
	range = range6_of(dst, vlan);
	return range && ports_cover(range, bpf_ntohs(dst_port)) ? MCR_MATCH_RANGE : MCR_MATCH_NONE;
}

static __always_inline enum mcr_match destination6_known(const struct in6_addr *dst, __u16 vlan,
							 __u32 flags)
{
	mcr_group6_key key;

	__builtin_memcpy(&key, dst, sizeof(key));
	if (bpf_map_lookup_elem(&mcr_groups6, &key))
		return MCR_MATCH_EXACT;
	if (!(flags & MCR_RUN_RANGES6))
		return MCR_MATCH_NONE;
	return range6_of(dst, vlan) ? MCR_MATCH_RANGE : MCR_MATCH_NONE;
}

enum mcr_ip_family {
	MCR_FAMILY_IPV4,
	MCR_FAMILY_IPV6,
};

/* Where a matched packet went; each family's exact and range counters
 * are blocks in this order. */
enum mcr_relay_way {
	MCR_WAY_REDIRECT = 0,
	MCR_WAY_NO_SOCKET = 1,
	MCR_WAY_PASS = 2,
};

_Static_assert(MCR_XDP_STAT_PASS_MATCH == MCR_XDP_STAT_REDIRECT + MCR_WAY_PASS &&
		       MCR_XDP_STAT_NO_SOCKET == MCR_XDP_STAT_REDIRECT + MCR_WAY_NO_SOCKET &&
		       MCR_XDP_STAT_IPV6_PASS_MATCH == MCR_XDP_STAT_IPV6_REDIRECT + MCR_WAY_PASS &&
		       MCR_XDP_STAT_IPV6_NO_SOCKET ==
			       MCR_XDP_STAT_IPV6_REDIRECT + MCR_WAY_NO_SOCKET &&
		       MCR_XDP_STAT_RANGE_PASS_MATCH == MCR_XDP_STAT_RANGE_REDIRECT + MCR_WAY_PASS &&
		       MCR_XDP_STAT_RANGE_NO_SOCKET ==
			       MCR_XDP_STAT_RANGE_REDIRECT + MCR_WAY_NO_SOCKET &&
		       MCR_XDP_STAT_IPV6_RANGE_PASS_MATCH ==
			       MCR_XDP_STAT_IPV6_RANGE_REDIRECT + MCR_WAY_PASS &&
		       MCR_XDP_STAT_IPV6_RANGE_NO_SOCKET ==
			       MCR_XDP_STAT_IPV6_RANGE_REDIRECT + MCR_WAY_NO_SOCKET,
	       "match counters: redirect, no_socket, pass_match in a row");

static __always_inline enum mcr_xdp_stat match_stat(enum mcr_ip_family family,
						    enum mcr_match match,
						    enum mcr_relay_way way)
{
	__u32 first;

	if (match == MCR_MATCH_RANGE)
		first = family == MCR_FAMILY_IPV4 ? MCR_XDP_STAT_RANGE_REDIRECT
						  : MCR_XDP_STAT_IPV6_RANGE_REDIRECT;
	else
		first = family == MCR_FAMILY_IPV4 ? MCR_XDP_STAT_REDIRECT
						  : MCR_XDP_STAT_IPV6_REDIRECT;
	return first + way;
}

static __always_inline int relay(struct xdp_md *ctx, __u32 flags, enum mcr_ip_family family,
				 enum mcr_match match)
{
	if (!(flags & MCR_XDP_F_REDIRECT))
		return count(match_stat(family, match, MCR_WAY_PASS), XDP_PASS);
	/*
	 * No socket on this queue: RSS put the flow on a channel mcr has no
	 * socket for, or the PMD is not started. The kernel gets the packet
	 * rather than losing it, but mcr never relays it: no_socket is what
	 * tells the operator (mcr warns when it grows).
	 */
	if (bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS) == XDP_REDIRECT)
		return count(match_stat(family, match, MCR_WAY_REDIRECT), XDP_REDIRECT);
	return count(match_stat(family, match, MCR_WAY_NO_SOCKET), XDP_PASS);
}

/* UDP that no rule wants: the kernel's, unless the strict filter claims
 * routable multicast. */
static __always_inline int not_for_relay(__u32 flags, __be32 dst,
					 enum mcr_xdp_stat pass_stat)
{
	if ((flags & MCR_XDP_F_STRICT) && ipv4_is_routable_multicast(dst))
		return count(MCR_XDP_STAT_DROP_STRICT, XDP_DROP);
	return count(pass_stat, XDP_PASS);
}

/* IPv6 UDP that no rule wants: as not_for_relay(), with IPv6's notion of a
 * routable group. */
static __always_inline int not_for_relay6(__u32 flags, const struct in6_addr *dst,
					  enum mcr_xdp_stat pass_stat)
{
	if ((flags & MCR_XDP_F_STRICT) && ipv6_is_routable_multicast(dst))
		return count(MCR_XDP_STAT_IPV6_DROP_STRICT, XDP_DROP);
	return count(pass_stat, XDP_PASS);
}

#endif /* MCR_XDP_VERDICT_BPF_H */
