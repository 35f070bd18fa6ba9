# Shared by the image builds: the guest kernel and the small initramfs that loads the virtio drivers.
# Sourced, not run. Needs: apt-get (Debian's repositories), dpkg-deb, busybox (static), gzip.

# The Debian cloud kernel: small, virtio as modules, booted by QEMU microvm and Firecracker.
KERNEL_PACKAGE="${KERNEL_PACKAGE:-linux-image-cloud-amd64}"
# Load order matters: each module after the ones it depends on.
VIRTIO_MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio drivers/block/virtio_blk net/core/failover drivers/net/net_failover drivers/net/virtio_net net/vmw_vsock/vsock net/vmw_vsock/vmw_vsock_virtio_transport_common net/vmw_vsock/vmw_vsock_virtio_transport"

die() { echo "build: $*" >&2; exit 1; }

# fetch_kernel DIR: downloads the kernel package into DIR and unpacks it; prints the kernel release.
fetch_kernel() {
  local dir="$1"
  mkdir -p "$dir/deb" "$dir/x"
  local pkg
  pkg=$(apt-cache depends "$KERNEL_PACKAGE" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  [ -n "$pkg" ] || die "cannot resolve $KERNEL_PACKAGE (run 'apt-get update' first)"
  (cd "$dir/deb" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
  dpkg-deb -x "$dir"/deb/"$pkg"_*.deb "$dir/x"
  basename "$(ls -d "$dir"/x/lib/modules/*)"
}

# find_busybox: the static busybox (Debian's busybox-static) to put in the initramfs.
find_busybox() {
  [ -x /bin/busybox ] || die "no busybox: apt-get install busybox-static"
  echo /bin/busybox
}

# build_initramfs KERNEL_DIR RELEASE INIT OUT: a gzip'd newc cpio with busybox, the virtio modules
# and INIT as /init.
build_initramfs() {
  local kdir="$1" release="$2" init="$3" out="$4"
  local root
  root=$(mktemp -d)
  mkdir -p "$root"/bin "$root"/lib/modules "$root"/proc "$root"/sys "$root"/dev "$root"/run "$root"/tmp "$root"/newroot
  cp "$(find_busybox)" "$root/bin/busybox"
  for m in $VIRTIO_MODULES; do
    local ko="$kdir/x/lib/modules/$release/kernel/$m.ko"
    [ -f "$ko" ] || die "module $m.ko is not in kernel $release"
    cp "$ko" "$root/lib/modules/"
  done
  cp "$init" "$root/init"
  chmod 0755 "$root/init"
  (cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -9) >"$out"
  rm -rf "$root"
}
