# The warm disk (sourced, POSIX sh: by the image's init and by the test guest's). When the launcher gives
# the VM a warm disk (/dev/vdc: one repository's baked mirror and setup cache, shared read-only by every
# VM), warm_mount mounts it at /var/lib/agentgate/warm and sets WARM_ENV, the variables the job gets:
#   GIT_ALTERNATE_OBJECT_DIRECTORIES  every git of the job borrows the mirror's objects, so a checkout
#                                     (actions/checkout's fetch, or a clone) fetches only newer commits
#   AGENTGATE_WARM_DIR                the action restores the setup from the baked cache
# No disk, or one that does not mount: WARM_ENV is empty and the job starts cold.
AGENTGATE_WARM=/var/lib/agentgate/warm

warm_mount() {
  WARM_ENV=""
  [ -b /dev/vdc ] || return 0
  mkdir -p "$AGENTGATE_WARM"
  if ! mount -t ext4 -o ro,noload,nodev,nosuid,noexec /dev/vdc "$AGENTGATE_WARM"; then
    echo "agentgate: cannot mount the warm disk /dev/vdc: the job starts cold" >&2
    return 0
  fi
  if [ -d "$AGENTGATE_WARM/repo.git/objects" ]; then
    WARM_ENV="GIT_ALTERNATE_OBJECT_DIRECTORIES=$AGENTGATE_WARM/repo.git/objects"
  fi
  WARM_ENV="$WARM_ENV AGENTGATE_WARM_DIR=$AGENTGATE_WARM"
}
