#!/usr/bin/env bash
# `make bench`: benchmarks on local containers; figures go to BENCHMARKS.md and
# bench/charts/*.png (raw samples in bench/results/, not committed). Never part of `make test`.
#
#   make bench                    full run: about 30 minutes on a quiet 2-core machine, over an hour on a
#                                 loaded one (listen_ports_facts alone needs 3-25 min at 10,000 sockets)
#   BENCH_QUICK=1 make bench      smoke run: small sizes, results in bench/results/quick/
#   BENCH_ONLY=firewall make bench  rerun one measure (gathering, roundtrip, profile, firewall, fleet, report, nochange);
#                                 the report is rebuilt from the newest results of each
#
# Containers carry the label portwarden.bench=true and are removed on exit, failure or
# interrupt included.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=$root/.cache/bench-venv
log() { printf '[bench] %s\n' "$*" >&2; }

# `make bench` has done these already; a direct bench/run.sh does them here.
if [ ! -x .venv/bin/ansible-playbook ] || [ ! -e .cache/collections/ansible_collections/portwarden/hardening ]; then
  make -s collection
fi
if ! docker image inspect portwarden/base:bookworm >/dev/null 2>&1; then
  make -s images
fi

stamp=$venv/.installed-$(sha256sum bench/requirements.txt | cut -c1-12)
if [ ! -e "$stamp" ]; then
  log "creating the bench venv $venv"
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  touch "$stamp"
fi

# Every systemd container takes several inotify instances from the engine's user (root);
# with 20 bench hosts next to other containers the kernel default (128) runs out and
# systemd exits at boot with status 255. Raise it (never lower it) when we may.
instances=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)
if [ "$instances" -lt 1024 ]; then
  if [ -w /proc/sys/fs/inotify/max_user_instances ]; then
    log "raising fs.inotify.max_user_instances from $instances to 1024 (systemd containers need them)"
    echo 1024 > /proc/sys/fs/inotify/max_user_instances
  else
    log "fs.inotify.max_user_instances is $instances; the 20-host fleet may not boot (raise it to 1024 as root)"
  fi
fi

cleanup() {
  local ids
  ids=$(docker ps -aq --filter label=portwarden.bench=true 2>/dev/null || true)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
  docker network rm pw-bench >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup   # whatever an interrupted run left behind

start=$(date +%s)
"$venv/bin/python" bench/bench.py
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  "$venv/bin/python" bench/report.py --results bench/results/quick --out bench/results/quick/BENCHMARKS.md --charts bench/results/quick/charts
  log "quick run done in $(( $(date +%s) - start )) s: bench/results/quick/BENCHMARKS.md (BENCHMARKS.md untouched)"
else
  "$venv/bin/python" bench/report.py --results bench/results/full --out BENCHMARKS.md --charts bench/charts
  log "done in $(( $(date +%s) - start )) s: BENCHMARKS.md and bench/charts/"
fi
