# The start every initramfs init shares (sourced by busybox sh as /lib/agentgate-boot.sh): busybox's
# applets, the kernel's filesystems, the init marker the host times launch -> init by, and the virtio
# (and vsock) drivers in the order build_initramfs recorded in /lib/modules/load-order.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "AGENTGATE-INIT $(cut -d' ' -f1 /proc/uptime)"
while read -r m; do
  insmod "/lib/modules/$m.ko" 2>/dev/null
done </lib/modules/load-order
