#!/usr/bin/env bash
# Installs what is missing, then configures and builds mcr in ./build (or
# $MCR_BUILD_DIR). Extra arguments go to meson setup, e.g. -Dwerror=true.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
build=${MCR_BUILD_DIR:-build}
if [[ -f $build/build.ninja ]]; then
	[[ $# -eq 0 ]] || meson configure "$build" "$@"
else
	meson setup "$build" "$@"
fi
ninja -C "$build"
