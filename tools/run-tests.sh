#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the unit, golden-pcap
# and lab suites, then the unit suites again under ASan + UBSan (with
# LeakSanitizer), then the libFuzzer smoke test (suite fuzz: the seeds and
# 20,000 mutations per target, built with clang), and ends with one line
# "N passed, N failed[, N skipped]".
# Lab tests need root; without it they are skipped, and said so.
#   tools/run-tests.sh [--no-sanitize] [--no-fuzz] [meson test args]
#   --no-sanitize  skip the ASan + UBSan build (build-asan)
#   --no-fuzz      skip the fuzz build (build-fuzz)
# The meson test args apply to the first build only.
set -uo pipefail
cd "$(dirname "$0")/.."

sanitize=1
fuzz=1
while [[ $# -gt 0 ]]; do
	case $1 in
	--no-sanitize) sanitize=0; shift ;;
	--no-fuzz) fuzz=0; shift ;;
	*) break ;;
	esac
done
werror=()
[[ ${CI:-} == true ]] && werror=(-Dwerror=true)
tools/build.sh "${werror[@]}" || { echo "0 passed, 1 failed"; exit 1; }

build=${MCR_BUILD_DIR:-build}
logs=("$build/meson-logs/testlog.json")
# Unit suites run in parallel; lab tests are marked is_parallel: false.
# The suite bench is mcr-bench --quick, a smoke run (about 2 minutes of
# full load) whose figures are not asserted: it must complete, also on a
# kernel without multicast routing.
meson test -C "$build" --print-errorlogs "$@"
status=$?

if [[ $sanitize == 1 ]]; then
	asan=${MCR_ASAN_BUILD_DIR:-build-asan}
	# -O0 with line tables only (-g1): the sanitizers instrument every
	# access at any level (none is optimised away at -O0), reports still
	# name file and line, and the build took 1.8 instead of 9.5 minutes on
	# 2 cores at -O2 -g (measured on this project, idle VM).
	[[ -f $asan/build.ninja ]] ||
		meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false \
			-Doptimization=0 -Dcpp_args=-g1 -Dc_args=-g1 \
			-Dlab_tests=false "${werror[@]}" >/dev/null
	# Only what the unit suites run: mcr itself, the tools and the
	# benchmarks are not tested under the sanitizers.
	unit_targets=$(meson introspect "$asan" --tests | /usr/bin/python3 -c '
import json, os, sys
root = os.path.realpath(sys.argv[1])
for t in json.load(sys.stdin):
    if "mcr:unit" in t["suite"]:
        exe = os.path.realpath(t["cmd"][0])
        if exe.startswith(root + "/"):
            print(os.path.relpath(exe, root))' "$asan")
	# shellcheck disable=SC2086 # one target per word
	if [[ -n $unit_targets ]] && ninja -C "$asan" $unit_targets >"$asan.log" 2>&1; then
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			meson test -C "$asan" --suite unit --no-rebuild --print-errorlogs || status=1
		logs+=("$asan/meson-logs/testlog.json")
	else
		tail -20 "$asan.log"
		echo "sanitizer build failed"
		status=1
	fi
fi

# The fuzz smoke test builds only the fuzz targets (with clang; the rest of
# the tree is the GCC builds' job): about a minute from scratch on 2 cores,
# then a few seconds per target (doc/reliability.md, "Running"). Not with
# -Dwerror: warnings are the GCC builds' job too.
build_fuzz_targets() {
	local dir=$1 targets
	if [[ ! -f $dir/build.ninja ]]; then
		CC=clang CXX=clang++ meson setup "$dir" -Dfuzz=true -Dlab_tests=false \
			-Db_lundef=false || return 1
	fi
	targets=$(ninja -C "$dir" -t targets all |
		sed -n 's|^\(test/fuzz/fuzz_[a-z_]*\): .*|\1|p') || return 1
	[[ -n $targets ]] || { echo "$dir has no fuzz targets: configured without -Dfuzz=true?"; return 1; }
	# shellcheck disable=SC2086 # one target per word
	ninja -C "$dir" $targets
}

if [[ $fuzz == 1 ]]; then
	fz=${MCR_FUZZ_BUILD_DIR:-build-fuzz}
	if build_fuzz_targets "$fz" >"$fz.log" 2>&1; then
		meson test -C "$fz" --suite fuzz --no-rebuild --print-errorlogs || status=1
		logs+=("$fz/meson-logs/testlog.json")
	else
		tail -20 "$fz.log"
		echo "fuzz build failed"
		status=1
	fi
fi

/usr/bin/python3 tools/test-summary.py "${logs[@]}" || status=1
exit $status
