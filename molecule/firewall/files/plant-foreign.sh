#!/bin/sh
# Rules that belong to others, planted before converge: the distribution's inet filter
# table (nftables.service), a table of another tool, a Docker-like chain and a
# fail2ban-like chain with its jump from INPUT.
set -eu
if [ "${1:-}" = nftables ]; then
  systemctl enable --now nftables.service
fi
nft -f - <<'NFT'
table inet foreign {
	set banned {
		type ipv4_addr
		elements = { 203.0.113.7 }
	}
	chain input {
		type filter hook input priority filter - 5; policy accept;
		ip saddr @banned drop
		tcp dport 7777 accept
	}
}
NFT
iptables -w -N DOCKER-USER
iptables -w -A DOCKER-USER -j RETURN
iptables -w -N f2b-sshd
iptables -w -A f2b-sshd -s 203.0.113.5/32 -j REJECT --reject-with icmp-port-unreachable
iptables -w -A f2b-sshd -j RETURN
iptables -w -I INPUT 1 -p tcp -m multiport --dports 22 -j f2b-sshd
ip6tables -w -N f2b-sshd
ip6tables -w -A f2b-sshd -s 2001:db8::5/128 -j REJECT
ip6tables -w -A f2b-sshd -j RETURN
ip6tables -w -I INPUT 1 -p tcp -m multiport --dports 22 -j f2b-sshd
