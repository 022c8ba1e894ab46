#!/usr/bin/env bash
# molecule-all.sh SCENARIO... : run `molecule test` for each scenario, MOLECULE_JOBS at a
# time (default 2). Scenarios are independent (own containers, network and subnets), and
# much of their time is spent waiting (systemd boots, rollback timers, probe timeouts), so
# two at once finish well before two in a row. Each scenario's output goes to
# .cache/molecule-logs/<scenario>.log; a failed scenario's log is printed in full.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${MOLECULE_JOBS:-2}
logs=$root/.cache/molecule-logs
mkdir -p "$logs"
[ "$#" -gt 0 ] || { echo "usage: $0 SCENARIO..." >&2; exit 2; }

# Longest first, so the last scenario to start is a short one.
order=(lockout hostile docker firewall compose legacy_services audit listening_ports smoke)
scenarios=()
for s in "${order[@]}"; do
  for wanted in "$@"; do [ "$wanted" = "$s" ] && scenarios+=("$s"); done
done
for wanted in "$@"; do
  case " ${order[*]} " in *" $wanted "*) ;; *) scenarios+=("$wanted") ;; esac
done

run_one() {
  local scenario=$1 start rc=0
  start=$(date +%s)
  echo "== molecule scenario $scenario: started"
  # Container and network names are per scenario, not per checkout: a lock per scenario
  # lets several checkouts on one machine share the engine without tearing down each
  # other's containers (flock is util-linux, in every Debian system).
  flock "/tmp/portwarden-molecule-$scenario.lock" \
    molecule test -s "$scenario" >"$LOGS/$scenario.log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "== molecule scenario $scenario: passed in $(( $(date +%s) - start )) s"
  else
    echo "== molecule scenario $scenario: FAILED (rc $rc) after $(( $(date +%s) - start )) s; its log follows"
    cat "$LOGS/$scenario.log"
    echo "== end of the $scenario log"
  fi
  return "$rc"
}
export -f run_one
export LOGS=$logs

if printf '%s\n' "${scenarios[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$1"' _ {}; then
  echo "== molecule: ${#scenarios[@]} scenario(s) passed"
else
  echo "== molecule: at least one scenario failed (logs in $logs)" >&2
  exit 1
fi
