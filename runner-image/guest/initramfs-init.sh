#!/bin/busybox sh
# The runner image's initramfs: load the virtio drivers, mount the VM's root (its copy-on-write layer
# over the image) and hand over to the image's own init.
. /lib/agentgate-boot.sh
if ! mount -t ext4 -o rw /dev/vda /newroot; then
  echo "agentgate: cannot mount the root disk /dev/vda" >&2
  reboot -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/agentgate-init
