#!/usr/bin/env bash
# The mcr lab: network namespaces joined by veth pairs.
#
#   <prefix>-gen    <prefix>g0 198.18.1.2 ── <prefix>r0 198.18.1.1   <prefix>-relay
#                   (--ipv6: 2001:2:0:1::2)     (2001:2:0:1::1)
#   <prefix>-relay  <prefix>r1 198.18.2.1 ── <prefix>s1 198.18.2.2   <prefix>-sink1
#   <prefix>-relay  <prefix>rN 198.18.N+1.1 ── <prefix>sN ...         <prefix>-sinkN
#
# Addresses come from 198.18.0.0/15 only; nothing is routed out of the lab.
# IPv6 is disabled in the namespaces unless --ipv6: then it is on with the
# kernel's defaults (link-local addresses, router solicitations, MLD for
# the hosts' own groups, as on any host), and each link also gets a /64
# from 2001:2::/48 (added nodad, so it is usable at once), the link from
# 198.18.N.0/24 getting 2001:2:0:N::/64 with the same host numbers, and the
# generator and the sinks a default route via the relay.
# Neighbours: none by default; the hosts' kernels resolve each other with
# ARP, as on any network (mcr's XDP program passes ARP to the relay's
# kernel, and mcr learns its next hops from the kernel). --neighbours
# static adds permanent entries both ways on each link.
# Offloads stay as the kernel sets them: a sender on veth leaves its UDP
# checksums partial (CHECKSUM_PARTIAL), as containers and VMs on a relay
# host do.
#
# usage: lab.sh up   [--prefix P] [--sinks N] [--queues Q] [--neighbours static|none] [--ipv6]
#        lab.sh down [--prefix P]
#        lab.sh exec [--prefix P] HOST CMD...   (HOST: gen, relay, sink1..)
#        lab.sh show [--prefix P]
set -euo pipefail

prefix=mcrlab
sinks=1
queues=1
neighbours=none
ipv6=0

die() { echo "lab.sh: $*" >&2; exit 1; }

ns() { echo "${prefix}-$1"; }

mac_of() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }

lab_up() {
	[[ ${#prefix} -le 10 ]] || die "prefix '$prefix' is longer than 10 characters (interface names)"
	if ip netns list | grep -qw "$(ns relay)"; then
		die "lab '$prefix' is already up (lab.sh down --prefix $prefix)"
	fi
	trap 'lab_down >/dev/null 2>&1 || true' ERR

	local hosts=(gen relay)
	for ((i = 1; i <= sinks; i++)); do hosts+=("sink$i"); done
	for h in "${hosts[@]}"; do
		ip netns add "$(ns "$h")"
		ip netns exec "$(ns "$h")" sysctl -qw net.ipv6.conf.all.disable_ipv6=$((1 - ipv6)) \
			net.ipv6.conf.default.disable_ipv6=$((1 - ipv6))
		ip -n "$(ns "$h")" link set lo up
	done

	# Ingress link: generator to relay.
	link "$(ns gen)" "${prefix}g0" 198.18.1.2 "$(ns relay)" "${prefix}r0" 198.18.1.1
	ip -n "$(ns gen)" route add default via 198.18.1.1
	[[ $ipv6 == 0 ]] || ip -n "$(ns gen)" -6 route add default via 2001:2:0:1::1
	# Egress links: relay to each sink.
	for ((i = 1; i <= sinks; i++)); do
		link "$(ns relay)" "${prefix}r$i" "198.18.$((i + 1)).1" \
			"$(ns "sink$i")" "${prefix}s$i" "198.18.$((i + 1)).2"
		ip -n "$(ns "sink$i")" route add default via "198.18.$((i + 1)).1"
		[[ $ipv6 == 0 ]] || ip -n "$(ns "sink$i")" -6 route add default via "2001:2:0:$((i + 1))::1"
	done
	[[ $ipv6 == 0 ]] || wait_ipv6_ready "${hosts[@]}"
	trap - ERR
	echo "lab '$prefix' up: gen, relay, sink1..sink$sinks"
}

# link NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a /24 veth pair, with static
# neighbours both ways if asked for.
link() {
	local na=$1 ia=$2 aa=$3 nb=$4 ib=$5 ab=$6
	ip link add "$ia" netns "$na" numtxqueues "$queues" numrxqueues "$queues" type veth \
		peer name "$ib" netns "$nb" numtxqueues "$queues" numrxqueues "$queues"
	ip -n "$na" addr add "$aa/24" dev "$ia"
	ip -n "$nb" addr add "$ab/24" dev "$ib"
	local a6 b6
	if [[ $ipv6 == 1 ]]; then
		a6=$(ipv6_of "$aa")
		b6=$(ipv6_of "$ab")
		ip -n "$na" addr add "$a6/64" dev "$ia" nodad
		ip -n "$nb" addr add "$b6/64" dev "$ib" nodad
	fi
	ip -n "$na" link set "$ia" up
	ip -n "$nb" link set "$ib" up
	[[ $neighbours == static ]] || return 0
	ip -n "$na" neigh replace "$ab" lladdr "$(mac_of "$nb" "$ib")" dev "$ia" nud permanent
	ip -n "$nb" neigh replace "$aa" lladdr "$(mac_of "$na" "$ia")" dev "$ib" nud permanent
	[[ $ipv6 == 1 ]] || return 0
	ip -n "$na" neigh replace "$b6" lladdr "$(mac_of "$nb" "$ib")" dev "$ia" nud permanent
	ip -n "$nb" neigh replace "$a6" lladdr "$(mac_of "$na" "$ia")" dev "$ib" nud permanent
}

# wait_ipv6_ready HOST...: until no address is tentative (the link-local
# ones' duplicate address detection, about a second after link up), as on a
# host that has been up a while; until then the kernel has been seen not to
# deliver some groups it joins. 5 s at most, then a warning.
wait_ipv6_ready() {
	local h tries busy
	for ((tries = 0; tries < 50; tries++)); do
		busy=0
		for h in "$@"; do
			[[ -z $(ip -n "$(ns "$h")" -6 addr show tentative) ]] || busy=1
		done
		[[ $busy == 1 ]] || return 0
		sleep 0.1
	done
	echo "lab.sh: IPv6 addresses still tentative after 5 s" >&2
}

# ipv6_of 198.18.N.H: 2001:2:0:N::H, the same link and host in 2001:2::/48.
ipv6_of() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	echo "2001:2:0:$3::$4"
}

lab_down() {
	local found=0
	for n in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}-(gen|relay|sink[0-9]+)$" || true); do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$n"
		found=1
	done
	# Deleting a namespace deletes its veths, both ends.
	[[ $found == 1 ]] && echo "lab '$prefix' down" || echo "lab '$prefix' was not up"
}

lab_exec() {
	local host=$1
	shift
	# ip netns exec remounts /sys without bpffs; XDP loaders want it.
	exec ip netns exec "$(ns "$host")" sh -c \
		'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; exec "$@"' sh "$@"
}

lab_show() {
	for n in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}-" || true); do
		echo "== $n"
		ip -n "$n" -br addr show | grep -v '^lo'
	done
}

cmd=${1:-}
[[ -n $cmd ]] || die "usage: lab.sh up|down|exec|show [--prefix P] [--sinks N] [--queues Q] [--neighbours static|none] [--ipv6]"
shift
while [[ $# -gt 0 ]]; do
	case $1 in
	--prefix) prefix=$2; shift 2 ;;
	--sinks) sinks=$2; shift 2 ;;
	--queues) queues=$2; shift 2 ;;
	--neighbours) neighbours=$2; shift 2 ;;
	--ipv6) ipv6=1; shift ;;
	*) break ;;
	esac
done
[[ $EUID -eq 0 ]] || die "the lab needs root (network namespaces)"
[[ $prefix =~ ^[a-z][a-z0-9]*$ ]] || die "prefix must be lower-case letters and digits"
[[ $neighbours == static || $neighbours == none ]] || die "--neighbours is static or none"

case $cmd in
up) lab_up ;;
down) lab_down ;;
exec) [[ $# -ge 2 ]] || die "usage: lab.sh exec [--prefix P] HOST CMD..."; lab_exec "$@" ;;
show) lab_show ;;
*) die "unknown command '$cmd'" ;;
esac
