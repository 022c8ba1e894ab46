#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: listening_ports
short_description: Gather every listening TCP and bound UDP socket, IPv4 and IPv6, with its owner
version_added: 0.1.0
description:
  - Sets the fact C(portwarden_listening) to one item per socket - every TCP socket in LISTEN state and every UDP
    socket that is bound and unconnected - with its protocol, family, normalised address, port, exposure and owning
    processes (pid, process name, executable, user, systemd unit). With O(set_facts=false) the same items are
    returned as RV(listening) instead.
  - Command lines are returned once per owning process, not once per socket, in
    C(portwarden_listening_owners) (RV(owners) with O(set_facts=false)), each cut to 4 KiB with a C(truncated)
    flag, so one process with a huge command line and many sockets cannot blow up the result.
  - Reads the kernel directly, with the target's Python standard library only; C(ss), C(netstat) and C(lsof) are not
    needed. Sockets come from netlink C(sock_diag) (inet_diag), one dump per protocol and family; when the kernel
    refuses that, from C(/proc/net/tcp), C(tcp6), C(udp) and C(udp6). The source used is returned as RV(method).
  - Owners come from one pass over C(/proc/*/fd) that only looks for the sockets found. A socket that several
    processes share (a pre-fork server such as nginx) is one item listing every holder in C(pids).
  - An owner that cannot be read - a process outside this pid namespace (such as Docker's embedded DNS resolver on
    C(127.0.0.11)), or another user's process when the module runs unprivileged - is reported as null, never as C(0)
    or an empty string, and its socket is still reported. Run with C(become=true) to see every owner.
  - Published ports - every port that a container runtime publishes with DNAT (Docker, Podman, CNI hostPort,
    Kubernetes NodePort and hostPort) - are set in the fact C(portwarden_published), one item per protocol, family,
    address and port, with the target address and port and, when Docker's API answers on its unix socket, the
    container's name and id. They come from the kernel's NAT rules (C(iptables-save) for iptables-nft and
    iptables-legacy, C(nft -j list ruleset) for native nftables), so they are found with Docker's userland proxy on
    and off. A port that only a userland proxy serves (no DNAT rule, for example IPv6 without C(ip6tables)) is
    taken from Docker's API with RV(ansible_facts.portwarden_published[].via=proxy). See O(published).
  - "Addresses are normalised: C(127.0.0.53%lo) becomes address C(127.0.0.53) with interface C(lo), and the C(*)
    that C(ss) prints for a dual-stack socket is C(::) with C(dual_stack=true)."
author:
  - portwarden maintainers (@portwarden)
options:
  protocols:
    description:
      - Which transport protocols to report.
    type: list
    elements: str
    choices: [tcp, udp]
    default: [tcp, udp]
  families:
    description:
      - Which address families to report.
    type: list
    elements: str
    choices: [ipv4, ipv6]
    default: [ipv4, ipv6]
  include_loopback:
    description:
      - Whether to report sockets reachable only from this host (C(exposure=loopback)).
      - Those are sockets bound to C(127.0.0.0/8), C(::1) or C(::ffff:127.0.0.0/104), and any socket bound to the
        C(lo) device.
    type: bool
    default: true
  resolve_owners:
    description:
      - Whether to find the processes that hold each socket.
      - When false, C(/proc/*/fd) is not read and every owner field is null.
    type: bool
    default: true
  fields:
    description:
      - The keys each item carries, when only some are needed; default every key.
      - Items keep the documented key order whatever the order here; keys left out are absent, not null. There is
        still one item per socket.
      - Ansible handles every value of a result one by one on its way to the controller and into the facts, so the
        time a task takes above the gathering grows with items times keys (10,000 sockets with every key are about
        180,000 values). A scheduled job that needs C(protocol), C(address), C(port) and C(process) finishes
        markedly faster asking for just those.
      - When no owner key (C(pid), C(pids), C(process), C(exe), C(cmdline), C(user), C(uid), C(unit)) is asked
        for, C(/proc/*/fd) is not read.
      - C(cmdline) asks for the per-process entries (C(portwarden_listening_owners) or RV(owners)); items never
        carry it.
    type: list
    elements: str
    choices: [protocol, family, address, interface, port, v6only, exposure, dual_stack, inode, pid, pids, process, exe, cmdline, user, uid, unit]
  published:
    description:
      - Whether to gather the ports published by DNAT into C(portwarden_published) (or RV(published) with
        O(set_facts=false)).
      - Reads C(iptables-save), C(ip6tables-save) (the nft and legacy variants, legacy only when its nat table
        exists), C(nft -j list ruleset) and Docker's API on C(/run/docker.sock), each when present.
    type: bool
    default: true
  set_facts:
    description:
      - Whether to set the fact C(portwarden_listening).
      - When false, the items are returned as RV(listening) in the task result instead; register it. Ansible copies
        and cleans all of a host's facts again for every later task on that host, which with thousands of sockets
        costs a noticeable fraction of a second per task; a registered result does not.
    type: bool
    default: true
extends_documentation_fragment:
  - portwarden.hardening._attributes
attributes:
  check_mode:
    details:
      - The module only reads; check mode gathers the same facts.
  facts:
    description: Action returns an C(ansible_facts) dictionary that will update existing host facts.
    support: full
notes:
  - Under the C(/proc/net) fallback the kernel does not say which device a socket is bound to or whether an IPv6
    socket is v6only, so RV(ansible_facts.portwarden_listening[].interface) and
    RV(ansible_facts.portwarden_listening[].v6only) are null there, and RV(ansible_facts.portwarden_listening[].dual_stack)
    is inferred (an IPv6 wildcard counts as dual-stack unless an IPv4 wildcard socket holds the same port or
    C(net.ipv6.bindv6only) is 1), which errs on the side of reporting exposure.
  - The process name is the kernel's C(comm) (at most 15 characters), as C(ss -p) and C(ps) show it.
  - On hosts with thousands of sockets most of a task's time is Ansible carrying the result, not the gathering. To
    make it cheaper - ask for fewer O(fields); use O(set_facts=false) and a registered result when no fact is needed;
    set C(inject_facts_as_vars=false) in C(ansible.cfg), which spares a second copy of every fact (they stay
    available as C(ansible_facts.portwarden_listening)).
seealso:
  - module: portwarden.hardening.port_audit
  - module: community.general.listen_ports_facts
"""

EXAMPLES = r"""
- name: Gather every listening socket with its owner
  portwarden.hardening.listening_ports:
  become: true

- name: Show what is reachable from the network over TCP
  ansible.builtin.debug:
    msg: "{{ item.address }}:{{ item.port }} {{ item.process | default('?', true) }} ({{ item.unit | default('no unit', true) }})"
  loop: "{{ ansible_facts.portwarden_listening | selectattr('protocol', 'eq', 'tcp') | rejectattr('exposure', 'eq', 'loopback') }}"
  loop_control:
    label: "{{ item.address }}:{{ item.port }}"

- name: Gather exposed UDP sockets only, without reading /proc/*/fd
  portwarden.hardening.listening_ports:
    protocols: [udp]
    include_loopback: false
    resolve_owners: false
  register: udp_listening

- name: Record what listens on TCP, nightly, with just the keys a report needs and no fact
  portwarden.hardening.listening_ports:
    protocols: [tcp]
    fields: [protocol, address, port, process]
    set_facts: false
  register: tcp_listening

- name: Show which programs listen on TCP
  ansible.builtin.debug:
    msg: "{{ tcp_listening.listening | map(attribute='process') | reject('none') | unique | sort }}"

- name: Fail when an IPv6 wildcard socket also exposes IPv4
  ansible.builtin.assert:
    that: udp_listening.ansible_facts.portwarden_listening | selectattr('dual_stack') | list | length == 0
    fail_msg: "dual-stack UDP sockets: {{ udp_listening.ansible_facts.portwarden_listening | selectattr('dual_stack') | map(attribute='port') }}"
"""

RETURN = r"""
method:
  description: Where the sockets came from - C(netlink) (sock_diag) or C(procfs) (C(/proc/net) fallback).
  returned: always
  type: str
  sample: netlink
published_sources:
  description: Which readers of published ports answered - C(iptables-nft), C(iptables-legacy), C(nftables), C(docker-api).
  returned: when O(published=true)
  type: list
  elements: str
  sample: [docker-api, iptables-nft, nftables]
published:
  description:
    - The published items, as in RV(ansible_facts.portwarden_published), when O(set_facts=false).
  returned: when O(published=true) and O(set_facts=false)
  type: list
  elements: dict
  sample:
    - {protocol: tcp, family: ipv4, address: 0.0.0.0, port: 8080, container_name: web}
listening:
  description:
    - The items, as in RV(ansible_facts.portwarden_listening), when O(set_facts=false).
  returned: when O(set_facts=false)
  type: list
  elements: dict
  sample:
    - {protocol: tcp, address: "::", port: 22, process: sshd}
owners:
  description:
    - The owning processes, as in RV(ansible_facts.portwarden_listening_owners), when O(set_facts=false).
  returned: when O(set_facts=false) and O(fields) includes C(cmdline) (the default)
  type: list
  elements: dict
  sample:
    - {pid: 812, process: sshd, exe: /usr/sbin/sshd, cmdline: "sshd: /usr/sbin/sshd -D", truncated: false,
       user: root, uid: 0, unit: ssh.service}
ansible_facts:
  description: The facts set by this module.
  returned: when O(set_facts=true)
  type: dict
  contains:
    portwarden_published:
      description:
        - One item per port published by DNAT and aimed at this host, sorted by protocol, port, family and address.
        - A load-balanced port (a NodePort with several endpoints) is one item listing every endpoint in C(targets).
        - A DNAT to a Kubernetes ClusterIP, or to any address that is not this host's, is not a published port.
      returned: when O(published=true) and O(set_facts=true)
      type: list
      elements: dict
      contains:
        protocol:
          description: Transport protocol, C(tcp) or C(udp).
          type: str
          sample: tcp
        family:
          description: Address family of the external address.
          type: str
          sample: ipv4
        address:
          description: The external address the port is published on; C(0.0.0.0) or C(::) for every address.
          type: str
          sample: 0.0.0.0
        port:
          description: The external port.
          type: int
          sample: 8080
        exposure:
          description: C(wildcard), C(address) or C(loopback), as for listening sockets.
          type: str
          sample: wildcard
        target_address:
          description: Where the connection is sent (the container's address); the first endpoint when there are several.
          type: str
          sample: 172.18.0.2
        target_port:
          description: The port it is sent to.
          type: int
          sample: 8000
        targets:
          description: Every endpoint, C(address:port) (C([address]:port) for IPv6).
          type: list
          elements: str
          sample: ["172.18.0.2:8000"]
        source:
          description: Who made the rule, from its chain names - C(docker), C(podman), C(cni), C(kubernetes) or C(other).
          type: str
          sample: docker
        via:
          description: C(dnat) for a NAT rule (the forward path), C(proxy) for a port only a userland proxy serves (the input path).
          type: str
          sample: dnat
        container_name:
          description: The container's name from Docker's API; null without one.
          type: str
          sample: web
        container_id:
          description: The container's id from Docker's API; null without one.
          type: str
          sample: 81b4a71d67186d458f97373206a50cd6f3f221729fc954a6bbae6ebcf74a1557
    portwarden_listening:
      description:
        - One item per socket, sorted by protocol, port, family, address, interface and inode.
        - Each item carries every key below, or those named in O(fields).
      returned: when O(set_facts=true)
      type: list
      elements: dict
      contains:
        protocol:
          description: Transport protocol.
          type: str
          returned: unless O(fields) leaves it out
          sample: tcp
        family:
          description: Address family.
          type: str
          returned: unless O(fields) leaves it out
          sample: ipv6
        address:
          description:
            - The bound address as the kernel has it, without a C(%interface) scope; C(0.0.0.0) or C(::) for a wildcard.
            - IPv4-mapped IPv6 addresses are written as C(::ffff:a.b.c.d).
          type: str
          returned: unless O(fields) leaves it out
          sample: "::"
        interface:
          description:
            - The device the socket is bound to (C(SO_BINDTODEVICE)) or, for a link-local address, its scope; null
              when there is none or under the C(procfs) method.
          type: str
          returned: unless O(fields) leaves it out
          sample: lo
        port:
          description: Local port.
          type: int
          returned: unless O(fields) leaves it out
          sample: 22
        v6only:
          description:
            - For IPv6 sockets, whether IPV6_V6ONLY is set; null for IPv4 and under the C(procfs) method.
          type: bool
          returned: unless O(fields) leaves it out
          sample: false
        exposure:
          description:
            - C(loopback) when reachable from this host only, C(wildcard) when bound to every address, C(address)
              when bound to one address.
          type: str
          returned: unless O(fields) leaves it out
          sample: wildcard
        dual_stack:
          description: True for an IPv6 wildcard socket that also accepts IPv4 (v6only off), so it exposes IPv4 too.
          type: bool
          returned: unless O(fields) leaves it out
          sample: true
        inode:
          description: Socket inode; identifies the socket.
          type: int
          returned: unless O(fields) leaves it out
          sample: 56896
        pid:
          description:
            - The owning process - for a shared socket, the one the other holders descend from; null when no
              readable process holds the socket.
          type: int
          returned: unless O(fields) leaves it out
          sample: 812
        pids:
          description: Every readable process holding the socket, ascending; empty when none.
          type: list
          elements: int
          returned: unless O(fields) leaves it out
          sample: [812, 813, 814]
        process:
          description:
            - Name (C(comm)) of RV(ansible_facts.portwarden_listening[].pid); null without an owner.
            - The process sets its own name; it proves nothing about what the process is.
          type: str
          returned: unless O(fields) leaves it out
          sample: sshd
        exe:
          description:
            - The real executable of the owning process (C(/proc/PID/exe)); null without an owner or when it cannot
              be read (another user's process in an unprivileged run).
          type: str
          returned: unless O(fields) leaves it out
          sample: /usr/sbin/sshd
        user:
          description: User name of the owning process's effective uid; null without an owner or without a name.
          type: str
          returned: unless O(fields) leaves it out
          sample: root
        uid:
          description: Effective uid of the owning process; null without an owner.
          type: int
          returned: unless O(fields) leaves it out
          sample: 0
        unit:
          description:
            - The systemd unit of the owning process, from its cgroup (C(ssh.service), C(session-3.scope)); null
              without an owner, outside any unit, or when systemd does not manage the host.
          type: str
          returned: unless O(fields) leaves it out
          sample: ssh.service
    portwarden_listening_owners:
      description:
        - One entry per owning process, ascending by pid, for the command lines the items do not repeat.
      returned: when O(set_facts=true) and O(fields) includes C(cmdline) (the default)
      type: list
      elements: dict
      contains:
        pid:
          description: The process.
          type: int
          sample: 812
        process:
          description: Its name (C(comm)).
          type: str
          sample: sshd
        exe:
          description: Its real executable, or null.
          type: str
          sample: /usr/sbin/sshd
        cmdline:
          description: Its command line, arguments joined by spaces, at most 4 KiB; null when empty.
          type: str
          sample: "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"
        truncated:
          description: Whether RV(ansible_facts.portwarden_listening_owners[].cmdline) was cut to 4 KiB.
          type: bool
          sample: false
        user:
          description: Its user name, or null.
          type: str
          sample: root
        uid:
          description: Its effective uid.
          type: int
          sample: 0
        unit:
          description:
            - Its systemd unit; a unit of a user's own systemd manager is named with it
              (C(user@1000.service/ssh.service)).
          type: str
          sample: ssh.service
  sample:
    portwarden_listening:
      - protocol: tcp
        family: ipv6
        address: "::"
        interface: null
        port: 22
        v6only: false
        exposure: wildcard
        dual_stack: true
        inode: 56896
        pid: 812
        pids: [812]
        process: sshd
        exe: /usr/sbin/sshd
        user: root
        uid: 0
        unit: ssh.service
    portwarden_listening_owners:
      - pid: 812
        process: sshd
        exe: /usr/sbin/sshd
        cmdline: "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"
        truncated: false
        user: root
        uid: 0
        unit: ssh.service
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils._packed import result_values
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._published_host import gather_published
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets import (
    FAMILIES,
    ITEM_FIELDS,
    OWNER_FIELDS,
    PROTOCOLS,
    SocketsError,
    choose_fields,
    gather,
    select_fields,
    split_owners,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "protocols": dict(type="list", elements="str", choices=list(PROTOCOLS), default=list(PROTOCOLS)),
            "families": dict(type="list", elements="str", choices=list(FAMILIES), default=list(FAMILIES)),
            "include_loopback": dict(type="bool", default=True),
            "resolve_owners": dict(type="bool", default=True),
            "fields": dict(type="list", elements="str", choices=list(ITEM_FIELDS)),
            "published": dict(type="bool", default=True),
            "set_facts": dict(type="bool", default=True),
        },
        supports_check_mode=True,
    )
    try:
        fields = choose_fields(module.params["fields"])
        listening, method = gather(
            protocols=module.params["protocols"],
            families=module.params["families"],
            include_loopback=module.params["include_loopback"],
            # Without an owner key to return, /proc/*/fd need not be read at all.
            resolve_owners=module.params["resolve_owners"] and any(field in OWNER_FIELDS for field in fields),
        )
    except SocketsError as error:
        module.fail_json(msg=str(error))
    else:
        listening = select_fields(listening, fields)
        owners = split_owners(listening) if "cmdline" in fields else None
        facts = {"portwarden_listening": listening}
        extra = {}
        if module.params["published"]:
            facts["portwarden_published"], extra["published_sources"] = gather_published()
        if module.params["set_facts"]:
            values = {"ansible_facts": facts}
            if owners is not None:
                facts["portwarden_listening_owners"] = owners
        else:
            values = {"listening": listening}
            if owners is not None:
                values["owners"] = owners
            if "portwarden_published" in facts:
                values["published"] = facts["portwarden_published"]
        module.exit_json(changed=False, method=method, **dict(extra, **result_values(module, values)))


if __name__ == "__main__":
    main()
