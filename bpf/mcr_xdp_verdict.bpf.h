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

static __always_inline __u32 config_flags(void)
{
	__u32 key = 0;
	struct mcr_xdp_config *config = bpf_map_lookup_elem(&mcr_config, &key);

	return config ? config->flags : 0;
}

/* A source-specific rule wins over the any-source rule for the same flow. */
static __always_inline int rule_matches(__be32 dst, __be16 dst_port, __u16 vlan,
					__be32 src)
{
	struct mcr_rule_key key = {
		.dst_ip = dst,
		.dst_port = dst_port,
		.vlan = vlan,
		.src_ip = src,
	};

	if (bpf_map_lookup_elem(&mcr_rules, &key))
		return 1;
	key.src_ip = 0;
	return bpf_map_lookup_elem(&mcr_rules, &key) != NULL;
}

static __always_inline int group_known(__be32 dst)
{
	return bpf_map_lookup_elem(&mcr_groups, &dst) != NULL;
}

/* IPv6: the same, in mcr_rules6. */
static __always_inline int rule6_matches(const struct in6_addr *dst, __be16 dst_port,
					 __u16 vlan, const struct in6_addr *src)
{
	struct mcr_rule6_key key = {
		.dst_port = dst_port,
		.vlan = vlan,
	};

	__builtin_memcpy(&key.dst_ip, dst, sizeof(key.dst_ip));
	__builtin_memcpy(&key.src_ip, src, sizeof(key.src_ip));
	if (bpf_map_lookup_elem(&mcr_rules6, &key))
		return 1;
	__builtin_memset(&key.src_ip, 0, sizeof(key.src_ip));
	return bpf_map_lookup_elem(&mcr_rules6, &key) != NULL;
}

static __always_inline int group6_known(const struct in6_addr *dst)
{
	mcr_group6_key key;

	__builtin_memcpy(&key, dst, sizeof(key));
	return bpf_map_lookup_elem(&mcr_groups6, &key) != NULL;
}

enum mcr_ip_family {
	MCR_FAMILY_IPV4,
	MCR_FAMILY_IPV6,
};

/* A matched packet's counters, by family (constant-folded). */
static __always_inline enum mcr_xdp_stat match_stat(enum mcr_ip_family family,
						    enum mcr_xdp_stat ipv4_stat)
{
	if (family == MCR_FAMILY_IPV4)
		return ipv4_stat;
	if (ipv4_stat == MCR_XDP_STAT_REDIRECT)
		return MCR_XDP_STAT_IPV6_REDIRECT;
	if (ipv4_stat == MCR_XDP_STAT_NO_SOCKET)
		return MCR_XDP_STAT_IPV6_NO_SOCKET;
	return MCR_XDP_STAT_IPV6_PASS_MATCH;
}

static __always_inline int relay(struct xdp_md *ctx, __u32 flags, enum mcr_ip_family family)
{
	if (!(flags & MCR_XDP_F_REDIRECT))
		return count(match_stat(family, MCR_XDP_STAT_PASS_MATCH), XDP_PASS);
	/*
	 * No socket on this queue: RSS put the flow on a channel mcr has no
	 * socket for, or the PMD is not started. The kernel gets the packet
	 * rather than losing it, but mcr never relays it: no_socket is what
	 * tells the operator (mcr warns when it grows).
	 */
	if (bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS) == XDP_REDIRECT)
		return count(match_stat(family, MCR_XDP_STAT_REDIRECT), XDP_REDIRECT);
	return count(match_stat(family, MCR_XDP_STAT_NO_SOCKET), XDP_PASS);
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
