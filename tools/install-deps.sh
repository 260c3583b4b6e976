#!/usr/bin/env bash
# Installs the Debian 12 packages mcr needs to build, test and run, when
# missing. Debian's archive is the only source: nothing else is downloaded.
set -euo pipefail

packages=(
	# build
	g++ meson ninja-build pkg-config
	dpdk dpdk-dev libdpdk-dev libnuma-dev libpcap-dev
	libbpf-dev libxdp-dev libelf-dev zlib1g-dev
	libyaml-cpp-dev libfmt-dev libcap-dev libmicrohttpd-dev libsystemd-dev libmnl-dev
	clang llvm bpftool
	# the fuzz targets (test/fuzz): libFuzzer and the sanitizer runtimes,
	# only recommended by clang-14
	libclang-rt-14-dev
	# tests and benchmarks
	libgtest-dev libbenchmark-dev
	# the lab and its tools
	iproute2 ethtool iputils-ping tcpdump python3 procps
	# man pages (doc/man), the Debian package (debian/, tools/build-deb.sh)
	# and its checks: lintian, man -l, systemd-analyze verify
	scdoc build-essential debhelper lintian man-db groff-base systemd
	# the side-by-side benchmark (tools/bench/mcr-bench); dpdk-doc has the
	# source of DPDK's examples/ipv4_multicast, which the bench builds
	smcroute python3-matplotlib dpdk-doc
	# instruction counts of the engine (doc/benchmarks-engine.md)
	valgrind
	# the metrics lab test (test/lab/test_metrics.py) runs a real Prometheus
	# of its own; the package's service is not needed (on a host with
	# systemd: systemctl disable --now prometheus)
	prometheus
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

sudo=()
[[ $EUID -eq 0 ]] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
