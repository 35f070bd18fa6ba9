# Shared by the image builds: the guest kernel and the small initramfs that loads the virtio drivers.
# Sourced, not run. Needs: apt-get (Debian's repositories), dpkg-deb, busybox (static), gzip.

# The Debian cloud kernel: small, virtio as modules, booted by QEMU microvm and Firecracker.
KERNEL_PACKAGE="${KERNEL_PACKAGE:-linux-image-cloud-amd64}"
# Load order matters: each module after the ones it depends on.
VIRTIO_MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio drivers/block/virtio_blk net/core/failover drivers/net/net_failover drivers/net/virtio_net net/vmw_vsock/vsock net/vmw_vsock/vmw_vsock_virtio_transport_common net/vmw_vsock/vmw_vsock_virtio_transport"

# The guest scripts beside this build directory.
GUEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../guest" && pwd)"

die() { echo "build: $*" >&2; exit 1; }

# fetch_kernel DIR: downloads the kernel package into DIR and unpacks it; prints the kernel release.
# Through apt when this host's sources have Debian's cloud kernel; otherwise (an Ubuntu CI runner, say)
# straight from Debian's archive, found in its Packages index.
fetch_kernel() {
  local dir="$1" pkg
  mkdir -p "$dir/deb" "$dir/x"
  pkg=$(apt-cache depends "$KERNEL_PACKAGE" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [ -n "$pkg" ]; then
    (cd "$dir/deb" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
  else
    fetch_kernel_from_archive "$dir/deb"
  fi
  dpkg-deb -x "$(ls "$dir"/deb/linux-image-*.deb | head -1)" "$dir/x"
  basename "$(ls -d "$dir"/x/lib/modules/*)"
}

# fetch_kernel_from_archive DIR: the cloud kernel .deb from DEBIAN_MIRROR's DEBIAN_SUITE Packages index.
fetch_kernel_from_archive() {
  local dir="$1" mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}" suite="${DEBIAN_SUITE:-bookworm}"
  local index="$dir/Packages"
  command -v curl >/dev/null && command -v xz >/dev/null || die "curl and xz are needed to fetch the kernel"
  curl -fsSL --retry 3 "$mirror/dists/$suite/main/binary-amd64/Packages.xz" | xz -d >"$index" \
    || die "cannot read $mirror/dists/$suite/main/binary-amd64/Packages.xz"
  local meta real file
  meta=$(awk -v p="$KERNEL_PACKAGE" '$1=="Package:" {keep=($2==p)} keep && $1=="Depends:" {print $2; exit}' "$index")
  real=$(printf '%s' "$meta" | tr -d ',')
  [ -n "$real" ] || die "$KERNEL_PACKAGE is not in $mirror $suite"
  file=$(awk -v p="$real" '$1=="Package:" {keep=($2==p)} keep && $1=="Filename:" {print $2; exit}' "$index")
  [ -n "$file" ] || die "$real has no Filename in $mirror $suite"
  curl -fsSL --retry 3 -o "$dir/$(basename "$file")" "$mirror/$file" || die "download of $mirror/$file failed"
}

# find_busybox: the static busybox (the busybox-static package) to put in the initramfs.
find_busybox() {
  [ -x /bin/busybox ] || die "no busybox: apt-get install busybox-static"
  if command -v ldd >/dev/null && ldd /bin/busybox >/dev/null 2>&1; then
    die "/bin/busybox is dynamically linked: apt-get install busybox-static"
  fi
  echo /bin/busybox
}

# add_program ROOT FILE: copies the host program FILE into the tree ROOT at the same path, with the shared
# libraries and the loader it needs (as ldd lists them).
add_program() {
  local root="$1" file="$2" lib
  [ -x "$file" ] || die "$file is not an executable on this host"
  install -D -m 0755 "$file" "$root$file"
  for lib in $(ldd "$file" 2>/dev/null | grep -o '/[^ ]*'); do
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

# build_initramfs KERNEL_DIR RELEASE INIT OUT [PROGRAMS]: a gzip'd newc cpio with busybox, the virtio modules
# (and their load order), the shared start guest/boot.sh and guest/warm.sh, INIT as /init, and the host
# programs PROGRAMS (absolute paths, space-separated) with their libraries.
build_initramfs() {
  local kdir="$1" release="$2" init="$3" out="$4" programs="${5:-}" p
  local root
  root=$(mktemp -d)
  mkdir -p "$root"/bin "$root"/lib/modules "$root"/proc "$root"/sys "$root"/dev "$root"/run "$root"/tmp "$root"/newroot
  cp "$(find_busybox)" "$root/bin/busybox"
  for m in $VIRTIO_MODULES; do
    local ko="$kdir/x/lib/modules/$release/kernel/$m.ko"
    [ -f "$ko" ] || die "module $m.ko is not in kernel $release"
    cp "$ko" "$root/lib/modules/"
    basename "$m" >>"$root/lib/modules/load-order"
  done
  cp "$GUEST_DIR/boot.sh" "$root/lib/agentgate-boot.sh"
  cp "$GUEST_DIR/warm.sh" "$root/lib/agentgate-warm.sh"
  for p in $programs; do add_program "$root" "$p"; done
  cp "$init" "$root/init"
  chmod 0755 "$root/init"
  (cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -9) >"$out"
  rm -rf "$root"
}

# verify_download VERSIONS NAME DEST: fetches tools.NAME.url from VERSIONS into DEST and checks it
# against tools.NAME.sha256 before anything uses it; a mismatch removes DEST and fails the build.
verify_download() {
  local versions="$1" name="$2" dest="$3" url sum
  url=$(jq -r --arg n "$name" '.tools[$n].url // empty' "$versions")
  sum=$(jq -r --arg n "$name" '.tools[$n].sha256 // empty' "$versions")
  [ -n "$url" ] || die "$versions: tools.$name.url is missing"
  [[ "$sum" =~ ^[0-9a-f]{64}$ ]] || die "$versions: tools.$name.sha256 is not a sha256"
  curl -fsSL --retry 3 -o "$dest" "$url" || die "download of $name failed: $url"
  local got
  got=$(sha256sum "$dest" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    rm -f "$dest"
    die "$name: sha256 mismatch for $url (expected $sum, got $got)"
  fi
}

# install_pinned VERSIONS NAME ROOT WORK: fetches tools.NAME into WORK through verify_download (so nothing
# is installed unless its sha256 matches) and installs the program into the tree ROOT, mode 0755 and owned
# by whoever runs the build (root), as tools.NAME.archive says:
#   tar.gz  a gzipped tarball with the program NAME at its root; installTo is the directory it goes in
#   binary  the program itself; installTo is its path
install_pinned() {
  local versions="$1" name="$2" root="$3" work="$4" archive to
  archive=$(jq -r --arg n "$name" '.tools[$n].archive // empty' "$versions")
  to=$(jq -r --arg n "$name" '.tools[$n].installTo // empty' "$versions")
  [[ "$to" == /* ]] || die "$versions: tools.$name.installTo is not an absolute path"
  case "$archive" in
    tar.gz)
      verify_download "$versions" "$name" "$work/$name.tar.gz"
      mkdir -p "$work/$name.x"
      tar -xzf "$work/$name.tar.gz" -C "$work/$name.x" --no-same-owner "$name" \
        || die "$name: cannot unpack $name from the root of its tarball"
      install -D -m 0755 "$work/$name.x/$name" "$root$to/$name"
      rm -rf "$work/$name.tar.gz" "$work/$name.x"
      ;;
    binary)
      verify_download "$versions" "$name" "$work/$name.bin"
      install -D -m 0755 "$work/$name.bin" "$root$to"
      rm -f "$work/$name.bin"
      ;;
    *) die "$versions: tools.$name.archive is '$archive', not tar.gz or binary" ;;
  esac
}

# bake_warm_disk CLI DIR DISK [WARM_ARGS...]: bakes one repository into DIR with `agentgate warm` (the
# action's CLI at CLI; WARM_ARGS are its --repo, --ref, --setup and --policy) and packs DIR into the ext4
# warm disk DISK.
bake_warm_disk() {
  local cli="$1" dir="$2" disk="$3"
  shift 3
  echo "build: baking the warm disk ($*)"
  node "$cli" warm "$@" --into "$dir" --disk "$disk" || die "the warm bake failed"
}

# write_manifest OUT VERSIONS DIGEST KERNEL OFFLINE SIZE_MIB USED_KIB [WARM]: the image's manifest.json.
# Its `tools` are the versions of VERSIONS' upstream tools the image carries: all of them, or none
# offline. WARM (JSON, default null) describes the baked warm disk.
write_manifest() {
  local out="$1" versions="$2" digest="$3" kernel="$4" offline="$5" size_mib="$6" used_kib="$7" warm="${8:-null}"
  jq -n --arg digest "sha256:$digest" --arg kernel "$kernel" --argjson offline "$offline" \
    --argjson sizeMib "$size_mib" --argjson usedKib "$used_kib" --slurpfile versions "$versions" \
    --argjson warm "$warm" \
    '{image: "rootfs.ext4", digest: $digest, kernel: $kernel, offline: $offline, sizeMib: $sizeMib,
      usedKib: $usedKib, tools: (if $offline then {} else ($versions[0].tools | map_values(.version)) end),
      debian: $versions[0].debian} + (if $warm == null then {} else {warm: $warm} end)' >"$out"
}
