#!/usr/bin/env bash
# Make sure a headless browser is on the controller: `make unit` (the 1,000-host report and
# its filter box, tests/unit/plugins/module_utils/test_reports_browser.py) and the audit
# scenario open the HTML fleet report in Debian's chromium. Prints the binary path.
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }

for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "chromium is not installed and cannot be installed automatically (needs root and apt-get)."
  exit 1
fi
log "installing Debian's chromium (headless use only) ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium
