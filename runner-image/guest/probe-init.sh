#!/bin/busybox sh
# The init of the test guest (kernel + busybox initramfs). It checks, from inside the VM, what the
# launcher promises: the JIT config arrives on the config drive (not the kernel command line), the
# network reaches only the forwarded endpoint, and writes go to the VM's own layer. It prints one
# result line the host reads from the serial console, then powers off.
. /lib/agentgate-boot.sh

# http_get HOST PORT: the body of GET / (HTTP/1.0 over nc). The poll stops as soon as a body has
# arrived: QEMU's forward does not always pass the server's close on to the guest. (busybox wget
# resolves even IP literals through NSS, which a static binary without /etc/nsswitch.conf cannot do.)
http_get() {
  printf 'GET / HTTP/1.0\r\n\r\n' | nc "$1" "$2" >/tmp/response 2>/tmp/response.err &
  pid=$!
  i=0
  while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do
    sed '1,/^\r*$/d' /tmp/response | grep -q . && break
    sleep 0.1
    i=$((i + 1))
  done
  kill $pid 2>/dev/null
  sed '1,/^\r*$/d' /tmp/response | head -c 200
}

json_str() { printf '"%s"' "$(printf '%s' "$1" | tr -d '"\\\n\r')"; }

# The config drive: a tar archive on the second disk.
mkdir -p /run/agentgate
jit_sha=""
if tar -xf /dev/vdb -C /run/agentgate 2>/dev/null && [ -s /run/agentgate/jitconfig ]; then
  jit_sha=$(sha256sum /run/agentgate/jitconfig | cut -d' ' -f1)
fi
cmdline_has_jit=false
if [ -s /run/agentgate/jitconfig ] && grep -qF "$(head -c 24 /run/agentgate/jitconfig)" /proc/cmdline; then
  cmdline_has_jit=true
fi

# The network: up when the VM has a NIC (QEMU's restricted user network).
allowed_body=""
denied_result="no-network"
if [ -e /sys/class/net/eth0 ]; then
  ip link set lo up
  ip link set eth0 up
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
  allowed=$(sed -n 's/.*"allowed":"\([^"]*\)".*/\1/p' /run/agentgate/probe.json 2>/dev/null)
  denied=$(sed -n 's/.*"denied":"\([^"]*\)".*/\1/p' /run/agentgate/probe.json 2>/dev/null)
  [ -n "$allowed" ] && allowed_body=$(http_get "${allowed%:*}" "${allowed##*:}")
  if [ -n "$denied" ]; then
    out=$(http_get "${denied%:*}" "${denied##*:}")
    if [ -n "$out" ]; then denied_result="reached:$(printf '%s' "$out" | head -c 60)"; else denied_result="blocked"; fi
  fi
fi

# The writable layer: write a marker to the first disk and read it back.
marker="agentgate-probe-$(cat /proc/sys/kernel/random/uuid)"
printf '%s' "$marker" | dd of=/dev/vda bs=512 seek=8 conv=notrunc 2>/dev/null
readback=$(dd if=/dev/vda bs=512 skip=8 count=1 2>/dev/null | head -c ${#marker})
[ "$readback" = "$marker" ] && wrote=true || wrote=false

echo "AGENTGATE-RESULT {\"jitSha256\":$(json_str "$jit_sha"),\"cmdlineHasJit\":$cmdline_has_jit,\"allowedBody\":$(json_str "$allowed_body"),\"denied\":$(json_str "$denied_result"),\"wroteLayer\":$wrote,\"uptime\":$(json_str "$(cut -d' ' -f1 /proc/uptime)")}"
reboot -f  # QEMU (-no-reboot) and Firecracker both end the VM on a guest reboot
