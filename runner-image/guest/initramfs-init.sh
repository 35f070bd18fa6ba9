#!/bin/busybox sh
# The runner image's initramfs: load the virtio drivers, mount the VM's root (its copy-on-write layer
# over the image) and hand over to the image's own init.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "AGENTGATE-INIT $(cut -d' ' -f1 /proc/uptime)"
for m in virtio_ring virtio virtio_mmio virtio_blk failover net_failover virtio_net vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport; do
  insmod "/lib/modules/$m.ko" 2>/dev/null
done
if ! mount -t ext4 -o rw /dev/vda /newroot; then
  echo "agentgate: cannot mount the root disk /dev/vda" >&2
  reboot -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/agentgate-init
