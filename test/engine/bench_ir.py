#!/usr/bin/env python3
"""Instructions per received packet of the engine, under callgrind: for
each bench-engine benchmark named, the inclusive instruction count (Ir) of
worker_handle_burst + worker_flush (the engine, net_null's frees of what it
sends included) and of the benchmark's receive() (the RX PMD's part: alloc
and frame copy), divided by the packets handed over (32 per
worker_handle_burst call, counted by callgrind), and the functions that
cost the most, exclusive Ir per packet.

Instruction counts do not depend on what else runs on the machine, so two
builds can be compared while the host is busy; they are not nanoseconds
(valgrind has no AVX-512, so DPDK may run other code than natively, and a
cache miss costs one instruction like any other).

Usage: bench_ir.py [--top N] [--keep DIR] BENCH_ENGINE BENCHMARK [BENCHMARK ...]
  e.g. bench_ir.py build/test/engine/bench-engine BM_full_1to1/64 BM_full_1to16/64"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

BURST = 32   # bench_engine.cpp: packets per worker_handle_burst call
ENGINE = ("mcr::engine::worker_handle_burst(", "mcr::engine::worker_flush(")
RX = "::receive("


def parse(path):
    """({fn: exclusive Ir}, {(caller, callee): [calls, inclusive Ir]})."""
    names = {}
    exclusive, arcs = {}, {}
    fn = cfn = None
    pending = None   # calls= names the arc whose cost is on the next line

    def name(field):
        m = re.match(r"\((\d+)\)(?: (.*))?", field)
        if not m:
            return field
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), field)

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if pending is not None:
                parts = line.split()
                if len(parts) >= 2:
                    e = arcs.setdefault((fn, cfn), [0, 0])
                    e[0] += pending
                    e[1] += int(parts[1])
                pending = None
                continue
            if line.startswith("fn="):
                fn = name(line[3:])
            elif line.startswith("cfn="):
                cfn = name(line[4:])
            elif line.startswith("calls="):
                pending = int(line[6:].split()[0])
            elif line and (line[0].isdigit() or line[0] in "+-*") and fn is not None:
                parts = line.split()
                if len(parts) >= 2:
                    exclusive[fn] = exclusive.get(fn, 0) + int(parts[1])
    return exclusive, arcs


def breakdown(exclusive, arcs, roots):
    """The engine's cost as rows (what, Ir): the own instructions of every
    mcr function reached from `roots` through mcr functions, and the
    inclusive cost of each call it makes to code outside mcr (DPDK, libc,
    the PMD), so setup work done by the same library functions is left out."""
    mcr = set(roots)
    todo = list(roots)
    while todo:
        caller = todo.pop()
        for (a, b) in arcs:
            if a == caller and b.startswith("mcr::") and b not in mcr:
                mcr.add(b)
                todo.append(b)
    rows = {}
    for f in mcr:
        rows[f] = rows.get(f, 0) + exclusive.get(f, 0)
    for (a, b), (_, ir) in arcs.items():
        if a in mcr and b not in mcr:
            rows["-> " + b] = rows.get("-> " + b, 0) + ir
    return rows


def run(bench, benchmark, out):
    cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=*BM_*", f"--callgrind-out-file={out}",
           bench, f"--benchmark_filter=^{re.escape(benchmark)}$", "--benchmark_min_time=0.1"]
    res = subprocess.run(cmd, capture_output=True, text=True,
                         env={**os.environ, "MCR_BENCH_LCORE": os.environ.get("MCR_BENCH_LCORE", "0")})
    if res.returncode != 0 or not os.path.exists(out):
        sys.exit(f"bench_ir: {' '.join(cmd)} failed ({res.returncode}):\n{res.stderr[-2000:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=12, help="functions listed per benchmark")
    ap.add_argument("--keep", help="keep the callgrind files in this folder")
    ap.add_argument("bench")
    ap.add_argument("benchmarks", nargs="+")
    a = ap.parse_args()
    folder = a.keep or tempfile.mkdtemp(prefix="bench-ir-")
    os.makedirs(folder, exist_ok=True)
    for benchmark in a.benchmarks:
        out = os.path.join(folder, "callgrind." + re.sub(r"[^A-Za-z0-9_]+", "_", benchmark))
        run(a.bench, benchmark, out)
        exclusive, arcs = parse(out)
        bursts = sum(c for (_, b), (c, _) in arcs.items() if ENGINE[0] in b)
        if bursts == 0:
            sys.exit(f"bench_ir: {benchmark}: no call of worker_handle_burst recorded")
        packets = bursts * BURST
        roots = {b for (_, b) in arcs if any(e in b for e in ENGINE)}
        engine_ir = sum(ir for (_, b), (_, ir) in arcs.items() if b in roots)
        rx_ir = sum(ir for (_, b), (_, ir) in arcs.items() if RX in b)
        print(f"{benchmark}: {packets} packets; engine {engine_ir / packets:.1f} Ir/packet, "
              f"RX PMD part {rx_ir / packets:.1f} Ir/packet")
        rows = breakdown(exclusive, arcs, roots)
        for what, ir in sorted(rows.items(), key=lambda kv: -kv[1])[:a.top]:
            print(f"  {ir / packets:8.1f}  {re.sub(r'[(][^)]*[)]$|[(]mcr.*|[(]unsigned.*|[(]rte_.*', '', what.replace('(anonymous namespace)::', ''))[:100]}")
        rest = engine_ir - sum(rows.values())
        if abs(rest) > 0.01 * engine_ir:
            print(f"  ({rest / packets:.1f} Ir/packet not attributed)")
    if not a.keep:
        for f in os.listdir(folder):
            os.remove(os.path.join(folder, f))
        os.rmdir(folder)


if __name__ == "__main__":
    main()
