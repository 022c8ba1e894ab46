#!/usr/bin/env bash
# Install the system commands the scripts call that a minimal Debian system lacks (the
# rows of scripts/host-tools.txt installed by this script; Docker, debootstrap and
# chromium have bootstrap scripts of their own). A present command is never reinstalled.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '[tools] %s\n' "$*" >&2; }

missing=()
while read -r command package installer; do
  case "$command" in ''|'#'*) continue ;; esac
  [ "$installer" = scripts/ensure-tools.sh ] || continue
  command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done < "$root/scripts/host-tools.txt"
[ "${#missing[@]}" -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | paste -sd' ' -)
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "missing system packages: $packages (install them, e.g. apt-get install $packages, and retry)"
  exit 1
fi
log "installing $packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $packages >/dev/null
