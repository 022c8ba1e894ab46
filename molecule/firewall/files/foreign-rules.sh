#!/bin/sh
# Print every part of the host firewall that is not portwarden's, in a stable form
# (no counters), so a run can be shown to leave it byte-for-byte alone. Excluded: our
# own table and chain, and what the backend under test owns by design (ufw's chains and
# INPUT policy, firewalld's table). A second argument "nft" prints the nftables tables only.
backend=${1:-nftables}
nft list tables | sort | while read -r _ family name; do
  case "$family $name" in
    "inet portwarden"|"inet firewalld") continue ;;
    # iptables-nft's tables: compared through iptables -S below, without our chain.
    "ip filter"|"ip6 filter"|"ip nat"|"ip6 nat"|"ip mangle"|"ip6 mangle"|"ip raw"|"ip6 raw") continue ;;
  esac
  nft -s list table "$family" "$name"
done
[ "${2:-}" = nft ] && exit 0
for tool in iptables ip6tables; do
  for table in filter nat; do
    echo "== $tool -t $table"
    "$tool" -w -t "$table" -S 2>/dev/null | grep -v -e 'PORTWARDEN' | {
      if [ "$backend" = ufw ]; then grep -v -e ufw -e "^-P " || true; else cat; fi
    }
  done
done
