#!/usr/bin/env bash
# The long soak (10 minutes by default; CI runs the 20-second version with
# the other lab tests): traffic through mcr with continuous rule churn and
# reloads, then loss, memory and counter checks (test/lab/test_soak.py).
#   tools/run-soak.sh [SECONDS [PPS_PER_FLOW]]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh >/dev/null
cd test/lab
MCR_SOAK_SECONDS=${1:-600} MCR_SOAK_RATE=${2:-2000} MCR_SOURCE_DIR=$PWD/../.. MCR_BUILD_DIR=${MCR_BUILD_DIR:-$PWD/../../build} \
	exec /usr/bin/python3 -m unittest -v test_soak
