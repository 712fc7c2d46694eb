# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Docker engine from Debian (docker.io 20.10, API 1.41), no bridge/iptables:
# containers need --network none (or host). Image selfheal/busybox:1 is made
# with docker import from busybox-static. Sourced by scripts/services.sh.

DOCKERD_PIDFILE=$SELFHEAL_RUN/dockerd.pid
DOCKERD_LOG=$SELFHEAL_LOGS/dockerd.log
DOCKER_APT_PACKAGES=(docker.io busybox-static)
BUSYBOX_ROOTFS_TAR=$SELFHEAL_CACHE/busybox-rootfs.tar

docker_cli() {
  local c
  for c in "${SELFHEAL_DOCKER_CLI:-}" /usr/local/bin/docker /usr/bin/docker; do
    [[ -n $c && -x $c ]] && { printf '%s\n' "$c"; return 0; }
  done
  return 1
}

# d ARGS...: the docker client against our socket.
d() {
  local cli
  cli=$(docker_cli) || die docker "" "no docker client found (/usr/local/bin/docker or /usr/bin/docker)"
  DOCKER_HOST=unix://$SELFHEAL_DOCKER_SOCKET "$cli" "$@"
}

docker_address() {
  printf 'unix://%s' "$SELFHEAL_DOCKER_SOCKET"
}

docker_installed() {
  command -v dockerd >/dev/null && [[ -x /bin/busybox ]] && docker_cli >/dev/null
}

docker_ping() {
  curl -sf -o /dev/null --max-time 3 --unix-socket "$SELFHEAL_DOCKER_SOCKET" http://localhost/_ping
}

# docker_pid: pid of the dockerd that we started, or fails.
docker_pid() {
  read_pidfile "$DOCKERD_PIDFILE" "dockerd"
}

docker_preflight() { :; }

docker_start() {
  if docker_ping; then
    say docker "a Docker engine not started by selfheal already answers on $SELFHEAL_DOCKER_SOCKET; using it"
    return 0
  fi
  local args=(--bridge=none --iptables=false --ip-masq=false -H "unix://$SELFHEAL_DOCKER_SOCKET")
  if [[ -n ${SELFHEAL_DOCKER_STORAGE_DRIVER:-} ]]; then
    args+=("--storage-driver=$SELFHEAL_DOCKER_STORAGE_DRIVER")
  fi
  start_bg docker "$DOCKERD_PIDFILE" "$DOCKERD_LOG" dockerd "${args[@]}"
}

docker_wait() {
  local pid=""
  if ! docker_ping; then
    pid=$(docker_pid) || die docker "$DOCKERD_LOG" "dockerd is not running (no live pid in $DOCKERD_PIDFILE)"
  fi
  wait_for docker "$DOCKERD_LOG" "$SELFHEAL_START_TIMEOUT" "$pid" docker_ping
  docker_ensure_image
}

# Builds $BUSYBOX_ROOTFS_TAR: /bin/busybox (static) plus a symlink per applet,
# /etc/passwd, /etc/group and an empty /tmp.
busybox_rootfs_tar() {
  [[ -s $BUSYBOX_ROOTFS_TAR ]] && return 0
  local root p
  root=$(mktemp -d "$SELFHEAL_CACHE/busybox-rootfs.XXXXXX")
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,var/run}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  while read -r p; do
    [[ -z $p || $p == bin/busybox ]] && continue
    mkdir -p "$root/$(dirname "$p")"
    ln -sf /bin/busybox "$root/$p"
  done < <(/bin/busybox --list-full)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$BUSYBOX_ROOTFS_TAR.tmp" .
  mv "$BUSYBOX_ROOTFS_TAR.tmp" "$BUSYBOX_ROOTFS_TAR"
  rm -rf "$root"
}

docker_ensure_image() {
  if d image inspect "$SELFHEAL_DOCKER_IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  with_lock "$SELFHEAL_CACHE/.busybox.lock" 120 busybox_rootfs_tar \
    || die docker "" "could not build $BUSYBOX_ROOTFS_TAR"
  d import --change 'CMD ["sh"]' "$BUSYBOX_ROOTFS_TAR" "$SELFHEAL_DOCKER_IMAGE" >>"$DOCKERD_LOG" 2>&1 \
    || die docker "$DOCKERD_LOG" "docker import of $SELFHEAL_DOCKER_IMAGE failed"
  say docker "imported image $SELFHEAL_DOCKER_IMAGE from $BUSYBOX_ROOTFS_TAR"
}

docker_stop() {
  local pid
  if pid=$(docker_pid); then
    # dockerd stops its containers (10 s grace each, in parallel) and its
    # containerd before it exits.
    stop_pid docker "$pid" 60
    say docker "stopped dockerd (pid $pid)"
  elif docker_ping; then
    say docker "the Docker engine on $SELFHEAL_DOCKER_SOCKET was not started by selfheal; left running"
  else
    say docker "not running"
  fi
  rm -f "$DOCKERD_PIDFILE"
}

docker_status() {
  local pid
  if pid=$(docker_pid); then
    if docker_ping; then
      printf 'docker    running  pid %-8s %s (image %s: %s)\n' "$pid" "$(docker_address)" "$SELFHEAL_DOCKER_IMAGE" \
        "$(d image inspect "$SELFHEAL_DOCKER_IMAGE" >/dev/null 2>&1 && echo present || echo missing)"
    else
      printf 'docker    starting pid %-8s %s (not answering yet)\n' "$pid" "$(docker_address)"
    fi
  elif docker_ping; then
    printf 'docker    running  (not started by selfheal) %s\n' "$(docker_address)"
  else
    printf 'docker    stopped\n'
  fi
}
