#!/usr/bin/env bash
# Builds the Debian package mcr_<version>_<arch>.deb from this checkout with
# `dpkg-buildpackage -b -us -uc` (debian/, debhelper compat 13) and runs
# lintian on it. The build happens in a copy of the tree under OUT (default
# build-deb), so the checkout gets no debian/tmp or obj-* folders; the .deb
# lands in OUT. Only the installed programs are compiled (-Dtests=disabled).
#   tools/build-deb.sh [OUT]
# Then, as root: apt install ./build-deb/mcr_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
out=$(realpath -m "${1:-build-deb}")

tools/install-deps.sh
rm -rf "$out/src" "$out"/mcr_* "$out"/mcr-dbgsym_*
mkdir -p "$out/src"
# The tree as git sees it (tracked and new files), without build folders.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		tar -C "$src" --null -T - -cf - | tar -C "$out/src" -xf -
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$out/src" -xf -
fi

start=$(date +%s)
(cd "$out/src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -30 "$out/build.log"
	echo "build-deb: dpkg-buildpackage failed (log: $out/build.log)"
	exit 1
}
echo "build-deb: built in $(($(date +%s) - start)) s"
rm -rf "$out/src"
deb=$(ls "$out"/mcr_*.deb)
# lintian's errors fail the build; its warnings are printed.
lintian --fail-on error --tag-display-limit 0 "$deb" || {
	echo "build-deb: lintian reports errors"
	exit 1
}
echo "build-deb: $deb"
