# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Published ports from real and upstream-shaped NAT rules (iptables-nft, iptables-legacy, nftables)."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _published, _published_iptables, _published_nft
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _published_host

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "published")
NODE = "172.31.99.10"


def read(name: str) -> str:
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def summary(items: list) -> list:
    return [(i["protocol"], i["address"], i["port"], i["targets"], i["source"]) for i in items]


@pytest.mark.parametrize("fixture, family, local, expected", [
    ("docker-iptables-nft.v4", "ipv4", {"127.0.0.1"}, [
        ("tcp", "0.0.0.0", 18016, ["172.17.0.4:8000"], "docker"),
        ("udp", "127.0.0.1", 18017, ["172.17.0.4:8001"], "docker"),
    ]),
    ("docker-ip6tables.v6", "ipv6", set(), [
        ("tcp", "::", 18016, ["[fd00:dead:beef::2]:8000"], "docker"),
    ]),
    # ClusterIPs (10.96.x) are not this host's: only the NodePort and the hostPort are exposure,
    # and a NodePort with two endpoints is one item.
    ("kube-proxy-iptables.v4", "ipv4", {NODE}, [
        ("tcp", "0.0.0.0", 8443, ["10.244.1.9:443"], "cni"),
        ("tcp", "0.0.0.0", 30080, ["10.244.1.5:8080", "10.244.2.7:8080"], "kubernetes"),
    ]),
    ("netavark-iptables-nft.v4", "ipv4", {"192.0.2.15"}, [
        ("tcp", "0.0.0.0", 8080, ["10.88.0.2:80"], "podman"),
        ("udp", "192.0.2.15", 5353, ["10.88.0.2:53"], "podman"),
    ]),
    ("netavark-iptables-legacy.v4", "ipv4", set(), [
        ("tcp", "0.0.0.0", 8080, ["10.88.0.2:80"], "podman"),
    ]),
])
def test_iptables_save_gives_every_published_port(fixture, family, local, expected):
    assert summary(_published.published_items(_published_iptables.from_iptables_save(read(fixture), family), local)) == expected


def test_nft_json_follows_verdict_maps_numgen_and_sets():
    items = _published.published_items(_published_nft.from_nft_json(read("kube-proxy-netavark.nft.json")),
                                       {NODE, "192.0.2.15"})
    assert summary(items) == [
        ("tcp", "::", 2222, ["[fd00:88::2]:22"], "other"),
        ("tcp", "::", 4000, ["[fd00:88::2]:22"], "other"),
        ("tcp", "::", 4001, ["[fd00:88::2]:22"], "other"),
        ("tcp", "0.0.0.0", 8080, ["10.88.0.2:80"], "podman"),
        ("tcp", NODE, 30080, ["10.244.1.5:8080", "10.244.2.7:8080"], "kubernetes"),
        ("udp", "192.0.2.15", 5353, ["10.88.0.2:53"], "podman"),
    ]


def test_iptables_nft_translation_in_nft_json_is_left_to_iptables_save():
    # Docker's DNAT is an xt expression in nft's JSON, without its destination.
    assert _published_nft.from_nft_json(read("docker-iptables-nft.nft.json")) == []


def test_a_cluster_ip_is_not_exposure_without_the_local_address():
    raw = _published_iptables.from_iptables_save(read("kube-proxy-iptables.v4"), "ipv4")
    with_cluster_ip = _published.published_items(raw, {NODE, "10.96.14.7"})
    assert ("tcp", "10.96.14.7", 80) in [(i["protocol"], i["address"], i["port"]) for i in with_cluster_ip]
    assert ("tcp", "10.96.14.7", 80) not in [(i["protocol"], i["address"], i["port"])
                                             for i in _published.published_items(raw, {NODE})]


@pytest.mark.parametrize("text", [
    "",
    "*nat\n-A PREROUTING -p tcp --dport 99999 -j DNAT --to-destination 10.0.0.1:80\nCOMMIT\n",
    "*nat\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination not-an-address\nCOMMIT\n",
    "*nat\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 'unterminated\nCOMMIT\n",
    "*nat\n-A PREROUTING -j LOOP\n-A LOOP -j PREROUTING\nCOMMIT\n",
    "*filter\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1:80\nCOMMIT\n",
    "*nat\n-A PREROUTING -d 10.0.0.0/8 -j DNAT --to-destination 10.0.0.1\nCOMMIT\n",
])
def test_hostile_or_irrelevant_iptables_text_gives_nothing(text):
    assert _published.published_items(_published_iptables.from_iptables_save(text, "ipv4"), set()) == []


@pytest.mark.parametrize("text", ["", "[]", "{\"nftables\": 5}", "{\"nftables\": [{\"rule\": 1}, 7, {\"a\": 1, \"b\": 2}]}",
                                  "not json"])
def test_hostile_nft_json_gives_nothing(text):
    assert _published_nft.from_nft_json(text) == []


def test_a_deep_chain_of_jumps_stops_at_the_depth_limit():
    rules = ["*nat"] + ["-A C%d -j C%d" % (n, n + 1) for n in range(40)]
    rules += ["-A PREROUTING -p tcp --dport 80 -j C0", "-A C40 -j DNAT --to-destination 10.0.0.1:80", "COMMIT"]
    assert _published_iptables.from_iptables_save("\n".join(rules), "ipv4") == []


def test_a_huge_port_range_is_capped():
    text = "*nat\n-A PREROUTING -p tcp -m multiport --dports 1:65535 -j DNAT --to-destination 10.0.0.1\nCOMMIT\n"
    items = _published.published_items(_published_iptables.from_iptables_save(text, "ipv4"), set())
    assert len(items) == _published.MAX_ITEMS
    assert items[0]["target_port"] == items[0]["port"]


def test_contradicting_protocols_on_a_path_do_not_match():
    text = ("*nat\n-A PREROUTING -p tcp --dport 80 -j X\n-A X -p udp --dport 80 -j DNAT --to-destination 10.0.0.1:53\n"
            "-A X -p tcp --dport 81 -j DNAT --to-destination 10.0.0.1:53\nCOMMIT\n")
    assert _published_iptables.from_iptables_save(text, "ipv4") == []


CONTAINERS = [
    {"Id": "81b4a71d6718" + "0" * 52, "Names": ["/web-allowed"],
     "Ports": [{"IP": "0.0.0.0", "PrivatePort": 8000, "PublicPort": 8080, "Type": "tcp"},
               {"IP": "::", "PrivatePort": 8000, "PublicPort": 8080, "Type": "tcp"}],
     "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.18.0.2", "GlobalIPv6Address": ""}}}},
    "hostile", {"Names": "x", "Ports": [{"Type": "tcp", "PublicPort": True, "PrivatePort": 1}], "NetworkSettings": 3},
]


def test_containers_name_the_dnat_item_and_add_proxy_only_bindings():
    text = "*nat\n-A PREROUTING -p tcp --dport 8080 -j DOCKER\n-A DOCKER -p tcp -j DNAT --to-destination 172.18.0.2:8000\nCOMMIT\n"
    items = _published.published_items(_published_iptables.from_iptables_save(text, "ipv4"), set())
    items = _published_host.attach_containers(items, CONTAINERS)
    assert [(i["family"], i["port"], i["via"], i["container_name"], i["container_id"][:12]) for i in items] == [
        ("ipv4", 8080, "dnat", "web-allowed", "81b4a71d6718"),
        ("ipv6", 8080, "proxy", "web-allowed", "81b4a71d6718"),
    ]


def test_local_addresses_come_from_fib_trie_and_if_inet6(tmp_path):
    net = tmp_path / "net"
    net.mkdir()
    (net / "fib_trie").write_text(
        "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 172.17.0.2\n        /32 host LOCAL\n     |-- 172.17.255.255\n"
        "        /32 link BROADCAST\nLocal:\n     |-- 127.0.0.1\n        /32 host LOCAL\n")
    (net / "if_inet6").write_text("fd000070002a00000000000000000002 02 40 00 80     eth0\nzz\n")
    assert _published_host.local_addresses(str(tmp_path)) == {"172.17.0.2", "127.0.0.1", "fd00:70:2a::2"}


def test_docker_api_answers_over_a_unix_socket(tmp_path):
    import socket
    import threading

    path = str(tmp_path / "docker.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    body = json.dumps(CONTAINERS[:1]).encode()

    def answer():
        connection, _address = server.accept()
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                           % (len(body), body))
        connection.close()

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        assert _published_host.docker_containers([str(tmp_path / "missing.sock"), path]) == CONTAINERS[:1]
    finally:
        thread.join(5)
        server.close()


def test_no_docker_socket_means_no_containers(tmp_path):
    assert _published_host.docker_containers([str(tmp_path / "none.sock")]) is None
