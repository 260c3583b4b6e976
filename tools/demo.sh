#!/usr/bin/env bash
# The quick start: installs and builds what is missing, brings up the lab,
# runs mcr on it with config/lab.yaml, sends UDP from the generator host and
# shows what mcr received and what the sink host's kernel sockets got.
# Everything it made is removed when it ends.
#   tools/demo.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
[[ $EUID -eq 0 ]] || { echo "demo.sh: run as root (network namespaces, XDP)" >&2; exit 1; }

tools/build.sh >/dev/null
build=${MCR_BUILD_DIR:-build}
prefix=mcrlab
file_prefix=mcrdemo$$
work=$(mktemp -d)
mcr_pid=
sink_pid=

cleanup() {
	[[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null
	if [[ -n $mcr_pid ]] && kill -0 "$mcr_pid" 2>/dev/null; then
		kill -TERM "$mcr_pid"
		wait "$mcr_pid" || true
	fi
	tools/lab.sh down --prefix "$prefix" >/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

tools/lab.sh down --prefix "$prefix" >/dev/null
tools/lab.sh up --ipv6 --prefix "$prefix"

# The sink host: ordinary kernel sockets, two joined to the output groups.
cat >"$work/sink.py" <<'PY'
import select, socket, struct, sys, time
group = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
group.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
group.bind(("239.2.2.2", 6000))
group.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton("239.2.2.2") + socket.inet_aton("198.18.2.2"))
unicast = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
unicast.bind(("198.18.2.2", 7000))
group6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
group6.bind(("ff3e::2:2", 6006))
group6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                  socket.inet_pton(socket.AF_INET6, "ff3e::2:2") + struct.pack("@I", 0))
got = {group: 0, unicast: 0, group6: 0}
deadline = time.time() + float(sys.argv[1])
while time.time() < deadline:
    for s in select.select(list(got), [], [], 0.2)[0]:
        s.recv(2048)
        got[s] += 1
print(f"sink: {got[group]} datagrams on 239.2.2.2:6000, {got[unicast]} on 198.18.2.2:7000, "
      f"{got[group6]} on [ff3e::2:2]:6006")
PY

echo "== starting mcr on the relay host (config/lab.yaml)"
tools/lab.sh exec --prefix "$prefix" relay "$build/app/mcr" -l 0,1 --no-huge -m 512 \
	--file-prefix "$file_prefix" --log-level lib.eal:error -- --config config/lab.yaml \
	--no-console >"$work/mcr.log" 2>&1 &
mcr_pid=$!
for _ in $(seq 100); do
	grep -q "mcr: forwarding" "$work/mcr.log" && break
	kill -0 "$mcr_pid" 2>/dev/null || { cat "$work/mcr.log"; exit 1; }
	sleep 0.1
done
grep -E "mcr\.(port|worker)|forwarding" "$work/mcr.log" || true

tools/lab.sh exec --prefix "$prefix" sink1 /usr/bin/python3 "$work/sink.py" 4 >"$work/sink.out" &
sink_pid=$!
sleep 0.5

echo "== sending $count datagrams from the generator host to 239.1.1.1:5000"
tools/lab.sh exec --prefix "$prefix" gen /usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
for i in range($count):
    s.sendto(i.to_bytes(4, 'big') + bytes(60), ('239.1.1.1', 5000))
    if i % 64 == 63: time.sleep(0.001)
"
wait "$sink_pid" || true
sink_pid=

echo "== mcr's view (telemetry /mcr/ports)"
tools/lab.sh exec --prefix "$prefix" relay dpdk-telemetry.py -f "$file_prefix" <<<"/mcr/ports" |
	/usr/bin/python3 -c "
import json, sys
text = sys.stdin.read()
ports = json.loads(text[text.index('{\"/mcr/ports\"'):])['/mcr/ports']
for name, p in ports.items():
    print(f\"  {name:<6} {p['driver']:<9} rx {p['rx_packets']:>6}  tx {p['tx_packets']:>6}  tx-dropped {p['tx_dropped']}\")
"
echo "== the sink host's view"
cat "$work/sink.out"
