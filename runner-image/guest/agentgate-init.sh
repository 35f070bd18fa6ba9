#!/bin/bash
# PID 1 of a runner VM (installed as /sbin/agentgate-init). It takes its settings from the config
# drive, states the VM's isolation, opens the one way out (the host's egress proxy), runs the
# GitHub Actions runner for exactly one job as the unprivileged `runner` user, and powers off.
# Whatever happens, the VM ends: the host then deletes its writable layer.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname agentgate-runner
. /usr/lib/agentgate/warm.sh

end() {
  local isolation=null
  [ -s /etc/agentgate/isolation.json ] && isolation=$(tr -d '\n' </etc/agentgate/isolation.json)
  echo "AGENTGATE-RESULT {\"runnerExit\":${1:-null},\"isolation\":$isolation}"
  sync
  # A guest reboot ends the VM under both QEMU (-no-reboot) and Firecracker. Never returns.
  busybox reboot -f 2>/dev/null || echo b >/proc/sysrq-trigger
  sleep 10
  exit 1
}

# The config drive: /dev/vdb holds a tar archive with jitconfig, isolation.json and egress.json.
install -d -m 0700 /run/agentgate
tar -xf /dev/vdb -C /run/agentgate 2>/dev/null || { echo "agentgate: no config drive" >&2; end; }
[ -s /run/agentgate/jitconfig ] || { echo "agentgate: the config drive has no jitconfig" >&2; end; }
install -d -m 0755 /etc/agentgate
install -m 0644 /run/agentgate/isolation.json /etc/agentgate/isolation.json

# The way out. QEMU: a NIC on a restricted user network whose only open address is the proxy's
# forward. Firecracker: no NIC; the proxy is reached over vsock through a local socat listener.
proxy=$(jq -r '.proxy // empty' /run/agentgate/egress.json)
if [ -e /sys/class/net/eth0 ]; then
  ip link set lo up
  ip link set eth0 up
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
elif [ -n "$proxy" ] && [ -e /dev/vsock ]; then
  ip link set lo up
  port="${proxy##*:}"
  socat "TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr" "VSOCK-CONNECT:2:${port}" &
fi

# The warm disk, when there is one: the repository baked ahead of the job (see warm.sh).
warm_mount
[ -n "$WARM_ENV" ] && echo "agentgate: warm state: $(jq -c '{repository, commit, bakedAt}' "$AGENTGATE_WARM/warm.json" 2>/dev/null)"

# The runner: exactly one job, as the unprivileged `runner` user, in a clean environment. It reads its
# JIT config from that environment (never argv, where /proc/*/cmdline would show it) and its proxy from
# https_proxy.
[ -x /opt/actions-runner/run.sh ] || { echo "agentgate: no Actions runner in this image (an --offline build)" >&2; end; }
jit=$(cat /run/agentgate/jitconfig)
rm -f /run/agentgate/jitconfig
cd /opt/actions-runner || end
(
  for v in $(compgen -e); do unset "$v" 2>/dev/null; done
  export HOME=/home/runner USER=runner PATH="/usr/local/bin:/usr/bin:/bin" LANG=C.UTF-8 RUNNER_ALLOW_RUNASROOT=0
  export ACTIONS_RUNNER_INPUT_JITCONFIG="$jit"
  # shellcheck disable=SC2086 # WARM_ENV is NAME=VALUE words without spaces
  [ -n "$WARM_ENV" ] && export $WARM_ENV
  if [ -n "$proxy" ]; then
    export https_proxy="$proxy" http_proxy="$proxy" HTTPS_PROXY="$proxy" HTTP_PROXY="$proxy" no_proxy=localhost,127.0.0.1
  fi
  exec setpriv --reuid=runner --regid=runner --init-groups ./run.sh
)
end $?
