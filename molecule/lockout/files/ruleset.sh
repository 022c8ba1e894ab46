#!/bin/sh
# Print a host's firewall state for one backend, so two dumps of the same ruleset compare
# byte for byte: packet and byte counters and save timestamps are left out, nothing else.
# Usage: docker exec -i HOST sh -s BACKEND < ruleset.sh
set -u
backend=$1
stable() {
  sed -E -e '/^# (Generated|Completed)/d' -e 's/\[[0-9]+:[0-9]+\]/[0:0]/g' -e 's/counter packets [0-9]+ bytes [0-9]+/counter/g'
}
case "$backend" in
  nftables)
    nft list ruleset | stable
    ;;
  iptables)
    iptables-save | stable
    ip6tables-save | stable
    if command -v ipset >/dev/null; then ipset save | sort; fi
    ;;
  ufw)
    ufw status verbose
    cat /etc/ufw/user.rules /etc/ufw/user6.rules
    iptables-save -t filter | stable | grep -E '^(:|-A )ufw-user-input' || true
    ip6tables-save -t filter | stable | grep -E '^(:|-A )ufw6-user-input' || true
    ;;
  firewalld)
    echo "default zone: $(firewall-cmd --get-default-zone)"
    firewall-cmd --info-zone=portwarden 2>&1
    cat /etc/firewalld/zones/portwarden.xml 2>&1
    grep '^DefaultZone' /etc/firewalld/firewalld.conf
    ;;
  nftables-ours)
    # Only what portwarden owns: the rest of the ruleset carries Docker's DNS rules, whose
    # ports change when the container restarts.
    nft list table inet portwarden
    ;;
  iptables-ours)
    iptables-save -t filter | stable | grep -E 'PORTWARDEN' || true
    ip6tables-save -t filter | stable | grep -E 'PORTWARDEN' || true
    ;;
  *)
    echo "unknown backend $backend" >&2
    exit 2
    ;;
esac
