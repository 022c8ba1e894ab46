#!/usr/bin/env bash
# Make sure a Docker engine answers. A running daemon is reused; on a bare Debian
# machine (as root) Debian's docker.io is installed and dockerd started in the background.
set -euo pipefail

log() { printf '[docker] %s\n' "$*" >&2; }

# Every systemd container takes several inotify instances from the engine's user (root);
# with two Molecule scenarios at once (or the 20-host benchmark fleet) the kernel default
# of 128 runs out and systemd exits at boot. Raise it (never lower it) when we may.
raise_inotify() {
  local instances
  instances=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)
  if [ "$instances" -lt 1024 ] && [ -w /proc/sys/fs/inotify/max_user_instances ]; then
    log "raising fs.inotify.max_user_instances from $instances to 1024 (systemd containers need them)"
    echo 1024 > /proc/sys/fs/inotify/max_user_instances || true
  fi
}
raise_inotify

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "No Docker engine is running and none can be installed automatically."
    log "Start a Docker daemon (or install docker.io as root on Debian/Ubuntu) and retry."
    exit 1
  fi
  log "installing Debian's docker.io (engine) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    log "dockerd is installed but not running, and starting it needs root."
    exit 1
  fi
  log "starting dockerd in the background (log: /var/log/dockerd.log) ..."
  # setsid: the daemon must outlive this script and the make run that called it.
  setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "engine is up."
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/dockerd.log"
exit 1
