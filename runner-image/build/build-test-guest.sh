#!/usr/bin/env bash
# Builds the small guest the tests and the benchmark boot: the Debian cloud kernel and a busybox
# initramfs whose init is guest/probe-init.sh; and, on the same kernel, initrd-warm.gz, whose init
# (guest/warm-probe-init.sh) runs a job's checkout from the warm disk with this host's git. Fast (seconds)
# and offline but for Debian's repositories.
#   runner-image/build/build-test-guest.sh OUT_DIR
# Writes OUT_DIR/vmlinuz, OUT_DIR/initrd.gz, OUT_DIR/initrd-warm.gz and OUT_DIR/kernel-release.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
out="${1:?usage: build-test-guest.sh OUT_DIR}"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
release=$(fetch_kernel "$work/kernel")
cp "$work/kernel/x/boot/vmlinuz-$release" "$out/vmlinuz"
build_initramfs "$work/kernel" "$release" "$here/../guest/probe-init.sh" "$out/initrd.gz"
git=$(command -v git) || die "git is missing"
build_initramfs "$work/kernel" "$release" "$here/../guest/warm-probe-init.sh" "$out/initrd-warm.gz" "$git"
echo "$release" >"$out/kernel-release"
echo "test guest: kernel $release, initramfs $(stat -c %s "$out/initrd.gz") bytes in $out"
