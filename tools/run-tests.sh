#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the unit, golden-pcap
# and lab suites, and ends with one line "N passed, N failed[, N skipped]".
# Lab tests need root; without it they are skipped, and said so.
#   tools/run-tests.sh [--suite NAME]... [meson test args]
set -uo pipefail
cd "$(dirname "$0")/.."

werror=()
[[ ${CI:-} == true ]] && werror=(-Dwerror=true)
tools/build.sh "${werror[@]}" || { echo "0 passed, 1 failed"; exit 1; }

build=${MCR_BUILD_DIR:-build}
# Unit suites run in parallel; lab tests are marked is_parallel: false.
meson test -C "$build" --print-errorlogs "$@"
status=$?
/usr/bin/python3 tools/test-summary.py "$build/meson-logs/testlog.json" || status=1
exit $status
