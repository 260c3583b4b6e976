#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the unit, golden-pcap
# and lab suites, then the unit suites again under ASan + UBSan (with
# LeakSanitizer), and ends with one line "N passed, N failed[, N skipped]".
# Lab tests need root; without it they are skipped, and said so.
#   tools/run-tests.sh [--no-sanitize] [meson test args]
set -uo pipefail
cd "$(dirname "$0")/.."

sanitize=1
if [[ ${1:-} == --no-sanitize ]]; then
	sanitize=0
	shift
fi
werror=()
[[ ${CI:-} == true ]] && werror=(-Dwerror=true)
tools/build.sh "${werror[@]}" || { echo "0 passed, 1 failed"; exit 1; }

build=${MCR_BUILD_DIR:-build}
logs=("$build/meson-logs/testlog.json")
# Unit suites run in parallel; lab tests are marked is_parallel: false.
# The benchmark smoke run (suite bench, ~3 min at full load) is left out:
# meson test -C build --suite bench.
meson test -C "$build" --print-errorlogs --no-suite bench "$@"
status=$?

if [[ $sanitize == 1 ]]; then
	asan=${MCR_ASAN_BUILD_DIR:-build-asan}
	[[ -f $asan/build.ninja ]] ||
		meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false \
			-Dlab_tests=false "${werror[@]}" >/dev/null
	if ninja -C "$asan" >"$asan.log" 2>&1; then
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			meson test -C "$asan" --suite unit --print-errorlogs || status=1
		logs+=("$asan/meson-logs/testlog.json")
	else
		tail -20 "$asan.log"
		echo "sanitizer build failed"
		status=1
	fi
fi

/usr/bin/python3 tools/test-summary.py "${logs[@]}" || status=1
exit $status
