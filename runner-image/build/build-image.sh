#!/usr/bin/env bash
# Builds the agentgate runner image without a Docker engine: a Debian root filesystem from
# debootstrap (minbase) with the runner's tools, turned into an ext4 image by mkfs.ext4 -d (no mount),
# plus the guest kernel and its initramfs.
#
#   sudo runner-image/build/build-image.sh OUT_DIR [--offline] [--size-mib N]
#        [--warm-repo URL|DIR [--warm-ref REF] [--warm-setup CMD] [--warm-policy FILE]]
#
# --offline leaves out the tools that come from upstream releases (the Actions runner, gitleaks,
# opengrep), so the image builds and boots with nothing but Debian's repositories. Without it each
# download is checked against the sha256 in runner-image/versions.json before it is used.
#
# --warm-repo bakes one repository into OUT_DIR/warm.ext4, the warm disk every VM mounts read-only: its
# mirror at REF (default HEAD) and its setup's cache (the setup run in the sandbox, with the policy's
# setup network only), through `agentgate warm --disk` (node and the built action/dist). Its jobs then
# fetch only the commits since the bake. `agentgate runner launch --warm-repo` rebakes it on a schedule.
#
# Writes OUT_DIR/rootfs.ext4 (the read-only base every VM's layer sits on), OUT_DIR/vmlinuz,
# OUT_DIR/initrd.gz, OUT_DIR/manifest.json (the image's sha256, what it carries) and, with --warm-repo,
# OUT_DIR/warm.ext4.
# Needs root (debootstrap), and: debootstrap, e2fsprogs, jq, curl, busybox-static, apt (for the kernel).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
versions="$here/../versions.json"

out=""
offline=false
extra_mib=4096
warm_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --offline) offline=true ;;
    --size-mib) extra_mib="${2:?--size-mib needs a number}"; shift ;;
    --warm-repo|--warm-ref|--warm-setup|--warm-policy)
      warm_args+=("--${1#--warm-}" "${2:?$1 needs a value}"); shift ;;
    -*) die "unknown option $1" ;;
    *) out="$1" ;;
  esac
  shift
done
[ -n "$out" ] || die "usage: build-image.sh OUT_DIR [--offline] [--size-mib N] [--warm-repo URL|DIR ...]"
cli="$here/../../action/dist/cli.js"
if [ ${#warm_args[@]} -gt 0 ]; then
  printf '%s\n' "${warm_args[@]}" | grep -qx -- --repo || die "--warm-ref, --warm-setup and --warm-policy need --warm-repo"
  command -v node >/dev/null || die "node is missing (--warm-repo bakes with agentgate warm)"
  [ -f "$cli" ] || die "$cli is missing (--warm-repo bakes with agentgate warm)"
fi
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root: run with sudo"
for tool in debootstrap mkfs.ext4 jq sha256sum; do command -v "$tool" >/dev/null || die "$tool is missing"; done
[ "$offline" = true ] || command -v curl >/dev/null || die "curl is missing (or build with --offline)"

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
started=$(date +%s)

suite=$(jq -r .debian.suite "$versions")
mirror=$(jq -r .debian.mirror "$versions")
packages=$(jq -r '.debian.packages | join(",")' "$versions")
echo "build: debootstrap $suite (minbase) with $packages"
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

chroot "$root" useradd --create-home --uid 1001 --shell /bin/bash runner

if [ "$offline" = false ]; then
  verify_download "$versions" actions-runner "$work/runner.tgz"
  install -d -o 1001 -g 1001 "$root/opt/actions-runner"
  tar -xzf "$work/runner.tgz" -C "$root/opt/actions-runner"
  chown -R 1001:1001 "$root/opt/actions-runner"
  chroot "$root" /opt/actions-runner/bin/installdependencies.sh >/dev/null 2>&1 || true

  # The gates' engines, the same releases the action installs on GitHub-hosted runners.
  install_pinned "$versions" gitleaks "$root" "$work"
  install_pinned "$versions" opengrep "$root" "$work"
else
  echo "build: --offline: leaving out $(jq -r '.tools | keys_unsorted | join(", ")' "$versions")"
fi

install -m 0755 "$here/../guest/agentgate-init.sh" "$root/sbin/agentgate-init"
install -D -m 0644 "$here/../guest/warm.sh" "$root/usr/lib/agentgate/warm.sh"
# Nothing of the build host or the package caches goes into the image.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/* "$root"/root/.cache
: >"$root/etc/machine-id"

used_kib=$(du -sk "$root" | cut -f1)
size_mib=$(( used_kib / 1024 + used_kib / 4096 + extra_mib ))
rm -f "$out/rootfs.ext4"
mkfs.ext4 -q -F -L agentgate-root -E root_owner=0:0 -d "$root" "$out/rootfs.ext4" "${size_mib}M"

release=$(fetch_kernel "$work/kernel")
cp "$work/kernel/x/boot/vmlinuz-$release" "$out/vmlinuz"
build_initramfs "$work/kernel" "$release" "$here/../guest/initramfs-init.sh" "$out/initrd.gz"

digest=$(sha256sum "$out/rootfs.ext4" | cut -d' ' -f1)
warm_json=null
rm -f "$out/warm.ext4"
if [ ${#warm_args[@]} -gt 0 ]; then
  bake_warm_disk "$cli" "$work/warm" "$out/warm.ext4" "${warm_args[@]}"
  warm_json=$(jq -c '{image: "warm.ext4", repository, commit, bakedAt, setup}' "$work/warm/warm.json")
fi
write_manifest "$out/manifest.json" "$versions" "$digest" "$release" "$offline" "$size_mib" "$used_kib" "$warm_json"
echo "build: $out/rootfs.ext4 (${size_mib} MiB, ${used_kib} KiB used), kernel $release, $(( $(date +%s) - started )) s"
echo "build: digest sha256:$digest"
