#!/bin/sh
# Make the workload image from this host's own python3 and its libraries (no registry is
# reachable), then start the published containers, restarted by Docker when it restarts.
#   workload.sh NAME:HOSTPORT...
set -eu
image=pw-workload:local
if ! docker image inspect "$image" >/dev/null 2>&1; then
  rootfs=$(mktemp -d)
  python=$(readlink -f /usr/bin/python3)
  for library in $(ldd "$python" | grep -o '/[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
  done
  mkdir -p "$rootfs/usr/bin" "$rootfs/usr/lib" "$rootfs/tmp"
  cp -L "$python" "$rootfs/usr/bin/python3"
  cp -a "/usr/lib/$(basename "$python")" "$rootfs/usr/lib/"
  rm -rf "$rootfs/usr/lib/$(basename "$python")/test"
  cp "$(dirname "$0")/banner.py" "$rootfs/banner.py"
  tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
  rm -rf "$rootfs"
fi
for spec in "$@"; do
  name=${spec%%:*}
  port=${spec#*:}
  docker inspect "$name" >/dev/null 2>&1 \
    || docker run -d --restart always --name "$name" -p "$port:8000" "$image" /usr/bin/python3 /banner.py "$name" >/dev/null
done
