#!/bin/sh
# Runs inside the image root (chroot or docker build). "install" adds the packages
# (registry path); "finalize" only applies the container tweaks (debootstrap path,
# where debootstrap already installed them).
set -eu
here=$(dirname "$0")
if [ "${1:-}" = install ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(grep -v '^#' "$here/packages.txt") >/dev/null
fi
# Units that cannot work in a container and only slow boot down or fail.
for unit in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
            getty@tty1.service systemd-remount-fs.service systemd-modules-load.service \
            sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount; do
  ln -sf /dev/null "/etc/systemd/system/$unit"
done
# Each container gets its own machine id at boot.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
apt-get clean
rm -rf /var/lib/apt/lists/*
