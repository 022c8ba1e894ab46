#!/usr/bin/env bash
# Build (or reuse) the host images the tests and the demo run on.
#   portwarden/base:<suite>      Debian 11/12/13 with systemd, python3, sshd, nftables
#   portwarden/<name>:<suite>    every images/<name>/Dockerfile built FROM that base
# Each image is tagged with a hash of its recipe, so a changed recipe rebuilds it and an
# unchanged one is reused. Base images come FROM debian:<suite> when a registry answers,
# otherwise from Debian's archive with debootstrap + docker import (same result).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
suites=${PORTWARDEN_SUITES:-"bullseye bookworm trixie"}
mirror=${PORTWARDEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { printf '[images] %s\n' "$*" >&2; }

recipe_hash() { cat "$@" | sha256sum | cut -c1-12; }

registry_answers() {
  # One probe per run; a pull that fails fast means "no registry" (the usual CI case).
  if [ -z "${__registry:-}" ]; then
    if timeout 25 docker pull -q "debian:$1" >/dev/null 2>&1; then __registry=yes; else __registry=no; fi
  fi
  [ "$__registry" = yes ]
}

build_base() {
  local suite=$1 tag=$2 rootfs
  if registry_answers "$suite"; then
    log "building $tag FROM debian:$suite"
    docker build -q --build-arg "SUITE=$suite" -t "$tag" "$root/images/base" >/dev/null
    return
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  rootfs=$(mktemp -d /var/tmp/portwarden-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' RETURN
  log "debootstrap $suite -> $tag (a minute or two)"
  debootstrap --variant=minbase \
    --include="$(grep -v '^#' "$root/images/base/packages.txt" | paste -sd, -)" \
    "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
      log "debootstrap failed; last lines of $rootfs.log:"; tail -20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  mkdir -p "$rootfs/tmp/portwarden-image"
  cp "$root/images/base/packages.txt" "$root/images/base/setup.sh" "$rootfs/tmp/portwarden-image/"
  chroot "$rootfs" sh /tmp/portwarden-image/setup.sh finalize
  rm -rf "$rootfs/tmp/portwarden-image"
  tar -C "$rootfs" -c . | docker import -c 'CMD ["/lib/systemd/systemd"]' - "$tag" >/dev/null
}

base_hash=$(recipe_hash "$root/images/base/packages.txt" "$root/images/base/setup.sh" "$root/images/base/Dockerfile")
for suite in $suites; do
  tag="portwarden/base:$suite-$base_hash"
  docker image inspect "$tag" >/dev/null 2>&1 || build_base "$suite" "$tag"
  docker tag "$tag" "portwarden/base:$suite"
done

# Derived images (legacy daemons, probes, ...): FROM the base of the same suite.
for dockerfile in "$root"/images/*/Dockerfile; do
  dir=$(dirname "$dockerfile"); name=$(basename "$dir")
  [ "$name" = base ] && continue
  image_suites=$suites
  [ -f "$dir/suites" ] && image_suites=$(grep -v '^#' "$dir/suites")
  h=$(cd "$dir" && find . -type f | sort | xargs cat | cat - <(echo "$base_hash") | sha256sum | cut -c1-12)
  for suite in $image_suites; do
    tag="portwarden/$name:$suite-$h"
    if ! docker image inspect "$tag" >/dev/null 2>&1; then
      log "building $tag"
      docker build -q --build-arg "BASE=portwarden/base:$suite" -t "$tag" "$dir" >/dev/null
    fi
    docker tag "$tag" "portwarden/$name:$suite"
  done
done
log "ready: $(docker images --format '{{.Repository}}:{{.Tag}}' 'portwarden/*' | grep -v -- '-[0-9a-f]\{12\}$' | sort | paste -sd' ' -)"
