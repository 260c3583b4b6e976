#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz in their own build directory
# (clang, -Dfuzz=true) and runs each for a while, keeping what they find
# out of the source tree. Ends with one line per target: result, executions,
# new corpus entries and any crash file.
#
#   tools/run-fuzzers.sh [--seconds N | --runs N] [--jobs N] [--work DIR] [TARGET...]
#
#   --seconds N  run each target for N seconds (default 60)
#   --runs N     run each target for N executions instead
#   --jobs N     targets run at the same time (default 1; each uses one core)
#   --work DIR   corpus, logs and crash files (default /tmp/mcr-fuzz-work);
#                a later run starts from the corpus an earlier one left there
#   TARGET       packet, engine, config, rule_grammar, xdp, address, range (default: all)
#
# Build directory: build-fuzz, or $MCR_FUZZ_BUILD_DIR. fuzz_xdp needs root
# (BPF_PROG_TEST_RUN) and reports "skipped" without it. A crash file
# replays with: build-fuzz/test/fuzz/fuzz_TARGET CRASH_FILE
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(packet engine config rule_grammar xdp address range)
# Largest input worth trying per target; test/fuzz/meson.build uses the same.
declare -A max_len=([packet]=9216 [engine]=16384 [xdp]=3000 [config]=8192 [rule_grammar]=2048
	[address]=128 [range]=4096)
# Comparison operands as features: helps past the checksum and length
# compares of the frame targets.
declare -A extra=([packet]=-use_value_profile=1 [xdp]=-use_value_profile=1)

seconds=60
runs=
jobs=1
work=${TMPDIR:-/tmp}/mcr-fuzz-work
build=${MCR_FUZZ_BUILD_DIR:-build-fuzz}
targets=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--seconds) seconds=$2; runs=; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "run-fuzzers: unknown option $1" >&2; usage 2 ;;
	*)
		[[ -n ${max_len[$1]:-} ]] || { echo "run-fuzzers: unknown target $1" >&2; exit 2; }
		targets+=("$1"); shift ;;
	esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

command -v clang++ >/dev/null || { echo "run-fuzzers: needs clang (apt-get install clang)" >&2; exit 1; }
if [[ -f $build/build.ninja ]]; then
	meson configure "$build" -Dfuzz=true >/dev/null
else
	CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Dlab_tests=false -Db_lundef=false
fi
# Only the fuzz targets: nothing else is needed, and the rest of the tree
# is built and tested with GCC elsewhere.
exes=()
for t in "${targets[@]}"; do exes+=("test/fuzz/fuzz_$t"); done
ninja -C "$build" "${exes[@]}"

limit=(-max_total_time="$seconds")
per_target="$seconds s"
if [[ -n $runs ]]; then
	limit=(-runs="$runs")
	per_target="$runs runs"
fi

# libFuzzer exits 77 on a crash by default, which is also the "skipped"
# code fuzz_xdp uses without root: crashes are made to exit 1.
run_target() {
	local t=$1 dir=$work/$1
	mkdir -p "$dir/corpus" "$dir/crashes"
	local corpus_before crashes_before
	corpus_before=$(find "$dir/corpus" -type f | wc -l)
	crashes_before=$(ls "$dir/crashes")
	local rc=0
	"$build/test/fuzz/fuzz_$t" "${limit[@]}" -max_len="${max_len[$t]}" -timeout=10 \
		-rss_limit_mb=2048 -error_exitcode=1 -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/" ${extra[$t]:-} \
		"$dir/corpus" "test/fuzz/corpus/$t" >"$dir/log.txt" 2>&1 || rc=$?
	local corpus_after execs rate crashes result=ok
	corpus_after=$(find "$dir/corpus" -type f | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log.txt" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log.txt" | tail -n 1)
	crashes=$(comm -13 <(echo "$crashes_before") <(ls "$dir/crashes") |
		sed "s|^|$dir/crashes/|" | tr '\n' ' ')
	if [[ $rc -eq 77 ]]; then
		result=skipped
	elif [[ $rc -ne 0 ]]; then
		result="FAILED (exit $rc)"
	fi
	printf '%-13s %-17s execs %-10s exec/s %-6s new corpus %-5s%s\n' "$t" "$result" \
		"${execs:-?}" "${rate:-?}" "$((corpus_after - corpus_before))" \
		"${crashes:+ crash: $crashes}" >"$dir/summary.txt"
}

echo "run-fuzzers: $per_target per target, $jobs at a time; work in $work"
for t in "${targets[@]}"; do
	while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
	echo "run-fuzzers: fuzz_$t (log: $work/$t/log.txt)"
	run_target "$t" &
done
wait
echo
status=0
for t in "${targets[@]}"; do
	cat "$work/$t/summary.txt"
	grep -q FAILED "$work/$t/summary.txt" && status=1
done
exit $status
