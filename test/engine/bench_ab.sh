#!/bin/bash
# Wall-clock side by side of two bench-engine binaries, alternating
# (before, after) three times, 5 repetitions each, on MCR_BENCH_LCORE
# (default 1), then the pooled medians of each (bench_summary.py). Only
# meaningful on an idle machine: a busy one moves the same binary by 35 %.
# Instruction counts, valid on a busy machine, come from bench_ir.py.
#   test/engine/bench_ab.sh BEFORE_BENCH_ENGINE AFTER_BENCH_ENGINE [OUT_DIR]
set -eu
before=$1 after=$2 out=${3:-/tmp/bench-ab}
here=$(dirname "$0")
mkdir -p "$out"
filter='BM_full_1to1/|BM_full_1to3/|BM_full_1to16/|BM_rewrite|BM_baseline_rx'
common=(--benchmark_repetitions=5 --benchmark_display_aggregates_only=true
	--benchmark_out_format=json "--benchmark_filter=$filter")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
	MCR_BENCH_LCORE=${MCR_BENCH_LCORE:-1} "$before" "${common[@]}" --benchmark_out="$out/before-r$i.json" >/dev/null 2>&1
	MCR_BENCH_LCORE=${MCR_BENCH_LCORE:-1} "$after" "${common[@]}" --benchmark_out="$out/after-r$i.json" >/dev/null 2>&1
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for side in before after; do
	echo "== $side"
	python3 "$here/bench_summary.py" "$out/$side"-r?.json | grep -E 'BM_full_1to(1|3|16)/|BM_baseline_rx|engine cost'
done
