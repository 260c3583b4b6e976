/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcr's XDP program: steers relay flows (UDP matching an exact rule in
 * mcr_rules or mcr_rules6, or else a range rule in mcr_ranges or
 * mcr_ranges6) to mcr's port and leaves every other packet to the kernel,
 * so ARP, IGMP, ICMP, IPv6 ND and MLD, and ssh keep working on the relay
 * interfaces. Broken packets aimed at
 * a relay flow are dropped here, before they cost the kernel or mcr anything.
 * IPv4 and IPv6 take the same steps, each with its own rule map and
 * counters. The verdict tables are in doc/xdp.md.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "mcr_xdp_maps.bpf.h"
#include "mcr_xdp_parse.bpf.h"
#include "mcr_xdp_parse6.bpf.h"
#include "mcr_xdp_shared.h"
#include "mcr_xdp_verdict.bpf.h"

/* The bytes of a UDP header that hold the destination port. */
#define MCR_UDP_PORTS_LEN 4

/*
 * An IPv6 frame, from its fixed header on: the IPv4 steps below with
 * mcr_rules6, mcr_ranges6, mcr_groups6 and the ipv6_ counters. Fragments
 * go where their destination does, as IPv4's: to mcr when a rule relays it
 * (mcr counts them as its fragment drop until it reassembles IPv6), else
 * the kernel.
 * A zero UDP checksum, which IPv6 forbids, is malformed too.
 */
static __always_inline int ipv6_verdict(struct xdp_md *ctx, struct ipv6hdr *ip6,
					void *data_end, __u16 vlan)
{
	enum mcr_ipv6_shape shape;
	enum mcr_xdp_stat bad_stat;
	struct udphdr *udp;
	__u32 l4_off = 0;
	__u32 flags;
	enum mcr_match aimed, known;

	if ((void *)(ip6 + 1) > data_end)
		return count(MCR_XDP_STAT_IPV6_PASS_MALFORMED, XDP_PASS);
	shape = ipv6_shape(ip6, data_end, &l4_off);
	if (shape == MCR_IPV6_NOT_UDP)
		return count(MCR_XDP_STAT_IPV6_PASS_OTHER, XDP_PASS);

	flags = config_flags();
	if (shape == MCR_IPV6_BAD) {
		if (destination6_known(&ip6->daddr, vlan, flags))
			return count(MCR_XDP_STAT_IPV6_DROP_MALFORMED, XDP_DROP);
		return not_for_relay6(flags, &ip6->daddr, MCR_XDP_STAT_IPV6_PASS_MALFORMED);
	}
	if (shape == MCR_IPV6_LATER_FRAGMENT) {
		known = destination6_known(&ip6->daddr, vlan, flags);
		if (known)
			return relay(ctx, flags, MCR_FAMILY_IPV6, known);
		return not_for_relay6(flags, &ip6->daddr, MCR_XDP_STAT_IPV6_PASS_OTHER);
	}

	bad_stat = shape == MCR_IPV6_FIRST_FRAGMENT ? MCR_XDP_STAT_IPV6_DROP_FRAGMENT
						    : MCR_XDP_STAT_IPV6_DROP_MALFORMED;
	udp = (void *)ip6 + l4_off;
	if ((void *)udp + MCR_UDP_PORTS_LEN > data_end) {
		if (destination6_known(&ip6->daddr, vlan, flags))
			return count(bad_stat, XDP_DROP);
		return not_for_relay6(flags, &ip6->daddr, MCR_XDP_STAT_IPV6_PASS_MALFORMED);
	}

	if (shape == MCR_IPV6_FIRST_FRAGMENT) {
		known = destination6_known(&ip6->daddr, vlan, flags);
		if (known)
			return relay(ctx, flags, MCR_FAMILY_IPV6, known);
		return not_for_relay6(flags, &ip6->daddr, MCR_XDP_STAT_IPV6_PASS_OTHER);
	}
	aimed = rule6_matches(&ip6->daddr, udp->dest, vlan, &ip6->saddr, flags);
	/* ipv6_shape() has checked the payload length against the frame and
	 * l4_off against the payload length. */
	if ((void *)(udp + 1) > data_end || bpf_ntohs(udp->len) < sizeof(*udp) ||
	    bpf_ntohs(udp->len) > sizeof(*ip6) + bpf_ntohs(ip6->payload_len) - l4_off ||
	    udp->check == 0) {
		if (aimed)
			return count(MCR_XDP_STAT_IPV6_DROP_MALFORMED, XDP_DROP);
		return not_for_relay6(flags, &ip6->daddr, MCR_XDP_STAT_IPV6_PASS_MALFORMED);
	}

	if (aimed)
		return relay(ctx, flags, MCR_FAMILY_IPV6, aimed);
	return not_for_relay6(flags, &ip6->daddr, MCR_XDP_STAT_IPV6_PASS_OTHER);
}

SEC("xdp")
int mcr_xdp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct mcr_cursor cursor = {
		.pos = (void *)(long)ctx->data,
		.end = data_end,
	};
	enum mcr_ipv4_shape shape;
	enum mcr_xdp_stat bad_stat;
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 hdr_len = 0;
	__u32 flags;
	__be16 proto;
	__be32 dst;
	__u16 vlan;
	enum mcr_match aimed, known;

	if (parse_ethernet(&cursor, &proto, &vlan) < 0)
		return count(MCR_XDP_STAT_PASS_MALFORMED, XDP_PASS);
	if (proto == bpf_htons(ETH_P_IPV6))
		return ipv6_verdict(ctx, cursor.pos, data_end, vlan);
	if (proto != bpf_htons(ETH_P_IP))
		return count(MCR_XDP_STAT_PASS_NON_IP, XDP_PASS);

	ip = cursor.pos;
	if ((void *)(ip + 1) > data_end)
		return count(MCR_XDP_STAT_PASS_MALFORMED, XDP_PASS);
	if (ip->protocol != IPPROTO_UDP)
		return count(MCR_XDP_STAT_PASS_OTHER, XDP_PASS);

	flags = config_flags();
	dst = ip->daddr;
	shape = ipv4_shape(ip, data_end, &hdr_len);

	/* Only the destination address can be trusted: drop when some rule
	 * relays that address. */
	if (shape == MCR_IPV4_BAD) {
		if (destination_known(dst, vlan, flags))
			return count(MCR_XDP_STAT_DROP_MALFORMED, XDP_DROP);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_MALFORMED);
	}
	/*
	 * A later fragment carries no port, so fragments go where their
	 * destination does: to mcr, which reassembles them, when some rule
	 * relays that address, else to the kernel. A first fragment follows
	 * the same test, so all of a datagram ends up in one place; the host's
	 * own fragmented UDP to an address a rule relays is mcr's (doc/xdp.md).
	 */
	if (shape == MCR_IPV4_LATER_FRAGMENT) {
		known = destination_known(dst, vlan, flags);
		if (known)
			return relay(ctx, flags, MCR_FAMILY_IPV4, known);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_OTHER);
	}

	bad_stat = shape == MCR_IPV4_FIRST_FRAGMENT ? MCR_XDP_STAT_DROP_FRAGMENT
						    : MCR_XDP_STAT_DROP_MALFORMED;
	udp = (void *)ip + hdr_len;
	if ((void *)udp + MCR_UDP_PORTS_LEN > data_end) {
		if (destination_known(dst, vlan, flags))
			return count(bad_stat, XDP_DROP);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_MALFORMED);
	}

	if (shape == MCR_IPV4_FIRST_FRAGMENT) {
		known = destination_known(dst, vlan, flags);
		if (known)
			return relay(ctx, flags, MCR_FAMILY_IPV4, known);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_OTHER);
	}
	aimed = rule_matches(dst, udp->dest, vlan, ip->saddr, flags);
	/* Whole datagram: the UDP header and length must fit the IP payload,
	 * which ipv4_shape() has checked against the frame. */
	if ((void *)(udp + 1) > data_end || bpf_ntohs(udp->len) < sizeof(*udp) ||
	    bpf_ntohs(udp->len) > bpf_ntohs(ip->tot_len) - hdr_len) {
		if (aimed)
			return count(bad_stat, XDP_DROP);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_MALFORMED);
	}

	if (aimed)
		return relay(ctx, flags, MCR_FAMILY_IPV4, aimed);
	return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_OTHER);
}

/* Uses no GPL-only helper; the string only has to be one the kernel knows. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
