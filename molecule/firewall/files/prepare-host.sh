#!/bin/sh
# Prepare a firewalled test host: $1 is the backend it must end up with, then flags
# "iptables_legacy" (switch iptables to the legacy front-end) and "legacy_leftover"
# (plant an iptables-legacy chain next to nftables). Starts the test listener, plants the
# rules that belong to others and records them before converge.
set -eu
here=/usr/local/lib/fw-test
backend=$1
shift
for flag in "$@"; do
  case "$flag" in
    iptables_legacy)
      update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
      update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null ;;
    legacy_leftover)
      iptables-legacy -w -N LEGACY-LEFTOVER ;;
  esac
done
cp "$here/fw-listen.service" /etc/systemd/system/fw-listen.service
systemctl daemon-reload
systemctl enable --now fw-listen.service
sh "$here/plant-foreign.sh" "$backend"
sh "$here/foreign-rules.sh" "$backend" > /root/fw-foreign.before
sh "$here/foreign-rules.sh" "$backend" nft > /root/fw-foreign-nft.before
