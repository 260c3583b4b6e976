/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The contract between the XDP program (BPF C) and mcr's control plane (C++):
 * map names, key and value layouts, flag bits and the stats index. Both sides
 * read the same bytes, so only fixed-width kernel types and no padding.
 */
#ifndef MCR_XDP_SHARED_H
#define MCR_XDP_SHARED_H

#include <linux/types.h>

/* The DPDK af_xdp PMD looks the XSKMAP up by this exact name. */
#define MCR_XDP_XSKS_MAP_NAME "xsks_map"
#define MCR_XDP_RULES_MAP_NAME "mcr_rules"
#define MCR_XDP_GROUPS_MAP_NAME "mcr_groups"
#define MCR_XDP_CONFIG_MAP_NAME "mcr_config"
#define MCR_XDP_STATS_MAP_NAME "mcr_stats"
#define MCR_XDP_RULES6_MAP_NAME "mcr_rules6"
#define MCR_XDP_GROUPS6_MAP_NAME "mcr_groups6"
#define MCR_XDP_RANGES_MAP_NAME "mcr_ranges"
#define MCR_XDP_RANGES6_MAP_NAME "mcr_ranges6"
/* The program's function name, which the kernel keeps (up to 15 chars). */
#define MCR_XDP_PROG_NAME "mcr_xdp"

#define MCR_XDP_MAX_QUEUES 256 /* xsks_map slots, indexed by RX queue */
#define MCR_XDP_MAX_RULES 16384
#define MCR_XDP_MAX_GROUPS MCR_XDP_MAX_RULES
#define MCR_XDP_MAX_RULES6 MCR_XDP_MAX_RULES
#define MCR_XDP_MAX_GROUPS6 MCR_XDP_MAX_RULES6
#define MCR_XDP_MAX_RANGES 4096 /* range prefixes per family (mcr_ranges, mcr_ranges6) */
#define MCR_XDP_MAX_RANGES6 MCR_XDP_MAX_RANGES

/*
 * mcr_rules key: one relay flow as the port sees it. Addresses and port in
 * network byte order, as on the wire, so the program compares without
 * swapping. vlan is the 802.1Q VID in host byte order (0: untagged or
 * priority-tagged).
 * src_ip 0 matches any source; the program tries the source-specific key
 * first, then the same key with src_ip 0.
 */
struct mcr_rule_key {
	__be32 dst_ip;
	__be16 dst_port;
	__u16 vlan;
	__be32 src_ip;
};

/* mcr_rules value: reserved, written as 0. */
typedef __u32 mcr_rule_flags;

/*
 * mcr_groups: key dst_ip (network order), value the number of rules with
 * that dst_ip. Lets the program recognise relay traffic when only the
 * destination address can be read (non-first fragments, bad IHL).
 */
typedef __be32 mcr_group_key;
typedef __u32 mcr_group_refs;

/* An IPv6 address as on the wire. */
struct mcr_ipv6_addr {
	__u8 bytes[16];
};

/*
 * mcr_rules6 key: mcr_rule_key for IPv6, in the same order and with the
 * same conventions (src_ip all zeros matches any source and is tried
 * second). The addresses are byte arrays, so there is no padding.
 */
struct mcr_rule6_key {
	struct mcr_ipv6_addr dst_ip;
	__be16 dst_port;
	__u16 vlan;
	struct mcr_ipv6_addr src_ip;
};

/* mcr_rules6 value: reserved, written as 0, as for mcr_rules. */
typedef __u32 mcr_rule6_flags;

/* mcr_groups6: mcr_groups for IPv6, key dst_ip, value the number of
 * mcr_rules6 keys with that dst_ip. */
typedef struct mcr_ipv6_addr mcr_group6_key;

/*
 * mcr_ranges and mcr_ranges6 (LPM tries): the range rules, which match a
 * destination prefix, a UDP destination port range and a VLAN (and maybe a
 * source prefix, which the program leaves to mcr). Looked up after the
 * exact key misses. The key is the VLAN then the destination address, and
 * prefixlen counts the VLAN's 32 bits plus the prefix length, so that the
 * VLAN always matches whole; a lookup gives MCR_RANGE_KEY_BITS.
 */
struct mcr_range_key {
	__u32 prefixlen; /* 32 + destination prefix length (32..64) */
	__u32 vlan;      /* 802.1Q VID, host order, as mcr_rule_key's */
	__be32 dst_ip;   /* network order, bits past the prefix zero */
};

struct mcr_range6_key {
	__u32 prefixlen; /* 32 + destination prefix length (32..160) */
	__u32 vlan;
	struct mcr_ipv6_addr dst_ip;
};

#define MCR_RANGE_VLAN_BITS 32
#define MCR_RANGE_KEY_BITS (MCR_RANGE_VLAN_BITS + 32)
#define MCR_RANGE6_KEY_BITS (MCR_RANGE_VLAN_BITS + 128)

/* Port ranges one prefix entry holds, for the program and for the control
 * plane's record alike; more is an error (-E2BIG) in user space. */
#define MCR_XDP_RANGE_PORTS 8

/* A UDP destination port range, inclusive, host order. */
struct mcr_port_range {
	__u16 first;
	__u16 last;
};

/* The rules on exactly one prefix with one port range, counted by kind:
 * the control plane's record, which the program never reads. */
struct mcr_range_own {
	struct mcr_port_range ports;
	__u16 any_source;      /* rules matching any source */
	__u16 source_specific; /* rules with a source prefix (mcr checks it) */
};

enum mcr_range_flag {
	/* Some rule behind ports[] matches only a source prefix: a hit here
	 * is a candidate, which mcr checks and drops (no-rule) when the
	 * source is wrong. */
	MCR_RANGE_F_SOURCE_SPECIFIC = 1u << 0,
};

/*
 * mcr_ranges and mcr_ranges6 value. A lookup gives the longest prefix only,
 * so ports[] holds the port ranges of this prefix's rules and of every
 * shorter prefix of the same VLAN that covers it, merged (sorted, disjoint,
 * not adjacent): one lookup answers for all the range rules that cover an
 * address. own[] is what the control plane folded that from: the rules on
 * exactly this prefix.
 */
struct mcr_range_value {
	__u32 count; /* ports[0..count) */
	__u32 flags; /* enum mcr_range_flag bits */
	struct mcr_port_range ports[MCR_XDP_RANGE_PORTS];
	__u32 own_count; /* own[0..own_count) */
	struct mcr_range_own own[MCR_XDP_RANGE_PORTS];
};

/* mcr_config: one entry at key 0. */
enum mcr_xdp_config_flag {
	/* Matched packets go to the AF_XDP socket of their RX queue (af_xdp
	 * port); without it they are passed to the kernel for af_packet. */
	MCR_XDP_F_REDIRECT = 1u << 0,
	/* Drop UDP to routable multicast groups (224/4 except 224.0.0.0/24;
	 * ff00::/8 of scope 3 and wider) that no rule matches. */
	MCR_XDP_F_STRICT = 1u << 1,
};

/* mcr_xdp_config.ranges: which range maps hold entries, so that the
 * program skips the lookup of an empty LPM trie (which costs a miss about
 * 12 ns). Kept by the range control plane, never by set_xdp_flags(). */
enum mcr_xdp_ranges_held {
	MCR_XDP_RANGES_IPV4 = 1u << 0, /* mcr_ranges */
	MCR_XDP_RANGES_IPV6 = 1u << 1, /* mcr_ranges6 */
};

struct mcr_xdp_config {
	__u32 flags;  /* enum mcr_xdp_config_flag bits: the operator's */
	__u32 ranges; /* enum mcr_xdp_ranges_held bits */
};

/*
 * mcr_stats: PERCPU_ARRAY of __u64 packet counts, one slot per verdict and
 * family. The IPv4 slots keep their numbers and names; IPv6 ones follow,
 * each the IPv4 verdict of the same name with an ipv6_ prefix; then the
 * range matches of both families.
 */
enum mcr_xdp_stat {
	MCR_XDP_STAT_REDIRECT = 0,     /* matched, handed to the AF_XDP socket */
	MCR_XDP_STAT_NO_SOCKET,        /* matched, no socket on its RX queue: passed, never relayed */
	MCR_XDP_STAT_PASS_MATCH,       /* matched, passed for the af_packet port */
	MCR_XDP_STAT_PASS_OTHER,       /* IPv4 not for a rule: kernel traffic */
	MCR_XDP_STAT_PASS_NON_IP,      /* neither IPv4 nor IPv6 (ARP, LLDP, QinQ...): kernel traffic */
	MCR_XDP_STAT_PASS_MALFORMED,   /* malformed, not aimed at a rule: kernel decides */
	MCR_XDP_STAT_DROP_MALFORMED,   /* malformed and aimed at a rule or group */
	MCR_XDP_STAT_DROP_FRAGMENT,    /* IPv4 fragment aimed at a rule or group */
	MCR_XDP_STAT_DROP_STRICT,      /* strict filter: multicast UDP no rule wants */
	MCR_XDP_STAT_IPV6_REDIRECT,    /* the same verdicts for IPv6 frames */
	MCR_XDP_STAT_IPV6_NO_SOCKET,
	MCR_XDP_STAT_IPV6_PASS_MATCH,
	MCR_XDP_STAT_IPV6_PASS_OTHER,  /* ICMPv6 (ND, MLD), TCP...: kernel traffic too */
	MCR_XDP_STAT_IPV6_PASS_MALFORMED,
	MCR_XDP_STAT_IPV6_DROP_MALFORMED,
	MCR_XDP_STAT_IPV6_DROP_FRAGMENT,
	MCR_XDP_STAT_IPV6_DROP_STRICT,
	/* A range rule's match (the exact key missed): as redirect, no_socket
	 * and pass_match, in that order, per family. */
	MCR_XDP_STAT_RANGE_REDIRECT,
	MCR_XDP_STAT_RANGE_NO_SOCKET,
	MCR_XDP_STAT_RANGE_PASS_MATCH,
	MCR_XDP_STAT_IPV6_RANGE_REDIRECT,
	MCR_XDP_STAT_IPV6_RANGE_NO_SOCKET,
	MCR_XDP_STAT_IPV6_RANGE_PASS_MATCH,
	MCR_XDP_STAT__COUNT
};

#ifdef __cplusplus
static_assert(sizeof(struct mcr_rule_key) == 12, "mcr_rule_key has no padding");
static_assert(sizeof(struct mcr_rule6_key) == 36, "mcr_rule6_key has no padding");
static_assert(sizeof(struct mcr_xdp_config) == 8, "mcr_xdp_config layout");
static_assert(sizeof(struct mcr_range_key) == 12, "mcr_range_key has no padding");
static_assert(sizeof(struct mcr_range6_key) == 24, "mcr_range6_key has no padding");
static_assert(sizeof(struct mcr_range_value) == 108, "mcr_range_value has no padding");
#else
_Static_assert(sizeof(struct mcr_rule_key) == 12, "mcr_rule_key has no padding");
_Static_assert(sizeof(struct mcr_rule6_key) == 36, "mcr_rule6_key has no padding");
_Static_assert(sizeof(struct mcr_xdp_config) == 8, "mcr_xdp_config layout");
_Static_assert(sizeof(struct mcr_range_key) == 12, "mcr_range_key has no padding");
_Static_assert(sizeof(struct mcr_range6_key) == 24, "mcr_range6_key has no padding");
_Static_assert(sizeof(struct mcr_range_value) == 108, "mcr_range_value has no padding");
#endif

#endif /* MCR_XDP_SHARED_H */
