#!/usr/bin/env bash
# wait-systemd.sh CONTAINER... : wait until systemd inside each container has finished
# booting (running or degraded). Right after `docker run`/`docker restart` the D-Bus socket
# does not exist yet and systemctl fails at once, so retry until a deadline.
set -euo pipefail
deadline=$((SECONDS + ${PORTWARDEN_BOOT_TIMEOUT:-180}))
for container in "$@"; do
  while :; do
    state=$(docker exec "$container" systemctl is-system-running --wait 2>/dev/null || true)
    case "$state" in
      running|degraded) echo "$container: $state"; break ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$container: systemd did not finish booting (state: ${state:-no answer})" >&2
      exit 1
    fi
    sleep 1
  done
done
