#!/bin/busybox sh
# The init of the warm test guest (kernel + busybox initramfs + this host's git). It does, from inside
# the VM, what a job on a warm runner does first: mount the warm disk the way the image's init does
# (guest/warm.sh), take the job's environment from it, and check the repository out the way
# actions/checkout does (init, fetch of one commit, checkout) from the remote the host forwards. It
# prints one result line the host reads from the serial console, then powers off.
. /lib/agentgate-boot.sh
. /lib/agentgate-warm.sh

json_str() { printf '"%s"' "$(printf '%s' "$1" | tr -d '"\\\n\r')"; }
setting() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" /run/agentgate/job.json 2>/dev/null; }

mkdir -p /run/agentgate /tmp
tar -xf /dev/vdb -C /run/agentgate 2>/dev/null

warm_mount
read_only=false
if [ -n "$WARM_ENV" ] && ! touch "$AGENTGATE_WARM/written-by-a-job" 2>/dev/null; then read_only=true; fi
baked=$(sed -n 's/.*"commit": *"\([0-9a-f]*\)".*/\1/p' "$AGENTGATE_WARM/warm.json" 2>/dev/null)
entries=$(ls "$AGENTGATE_WARM/setup-cache" 2>/dev/null | wc -l)

if [ -e /sys/class/net/eth0 ]; then
  ip link set lo up
  ip link set eth0 up
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
fi

# The job: its environment is what the init gives the runner, and its checkout is actions/checkout's.
mkdir -p /usr/lib/git-core /tmp/home /tmp/job
ln -sf /usr/bin/git /usr/lib/git-core/git
export HOME=/tmp/home PATH=/usr/bin:/bin
# shellcheck disable=SC2086 # NAME=VALUE words without spaces
[ -n "$WARM_ENV" ] && export $WARM_ENV
remote=$(setting remote)
sha=$(setting sha)
cd /tmp/job || exit 1
started=$(cut -d' ' -f1 /proc/uptime)
{
  git -c init.defaultBranch=main init -q . &&
    git remote add origin "$remote" &&
    git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules origin "+$sha:refs/remotes/origin/main" &&
    git checkout -q --force -B main refs/remotes/origin/main
} >/tmp/checkout.log 2>&1
checkout_exit=$?
ended=$(cut -d' ' -f1 /proc/uptime)
counts=$(git count-objects -v 2>/dev/null)
own=$(( $(printf '%s\n' "$counts" | sed -n 's/^count: //p') + $(printf '%s\n' "$counts" | sed -n 's/^in-pack: //p') ))

echo "AGENTGATE-RESULT {\"warm\":$( [ -n "$WARM_ENV" ] && echo true || echo false ),\"readOnly\":$read_only,\"bakedCommit\":$(json_str "$baked"),\"setupEntries\":${entries:-0},\"checkoutExit\":$checkout_exit,\"head\":$(json_str "$(git rev-parse HEAD 2>/dev/null)"),\"subject\":$(json_str "$(git log -1 --format=%s 2>/dev/null)"),\"commits\":$(git rev-list --count HEAD 2>/dev/null || echo 0),\"dirty\":$(git status --porcelain 2>/dev/null | wc -l),\"ownObjects\":$own,\"checkoutSeconds\":$(json_str "$started $ended"),\"log\":$(json_str "$(tail -c 300 /tmp/checkout.log)")}"
reboot -f
