#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: port_audit
short_description: Compare listening sockets with the allowlist and report drift
version_added: 0.1.0
description:
  - Compares every listening TCP socket and bound UDP socket on the host with the allowlist and returns the drift
    in three lists - C(unexpected) (listening, not allowed), C(missing) (required, not listening) and
    C(mismatched) (allowed port, wrong owner).
  - Sockets come from O(listening) when given (the C(portwarden_listening) fact of
    M(portwarden.hardening.listening_ports)), otherwise the module reads them itself with the same code as
    M(portwarden.hardening.listening_ports) (netlink sock_diag, /proc as a fallback; Python standard library only).
  - A socket is allowed when an entry has its protocol and a port range holding its port. The bind address is
    not compared with the entry's C(sources); sources limit who may connect and are enforced by the firewall.
  - A dual-stack C(::) socket (IPv6 wildcard with C(IPV6_V6ONLY) off) is reachable over IPv4 too and is reported
    with C(exposed_families=[ipv4, ipv6]); an IPv6-only C(::) socket over IPv6 only.
  - Loopback sockets are not exposure; with O(ignore_loopback) they are neither unexpected nor mismatched, and do not
    satisfy a C(required) entry (a required port listening on loopback only is reported missing, saying so).
  - Owner rules - when every entry that allows a socket names a C(process) and none matches the owner, the socket
    is mismatched. C(process) as a path (C(/usr/sbin/sshd)) matches the real executable (C(/proc/PID/exe)) only;
    a bare name matches the process name (also when the kernel truncated it to 15 characters) or the executable's
    base name; a name ending in C(.service) or C(.socket) matches the systemd unit of the system manager.
    A socket whose owner cannot be found (for example one owned from another PID namespace) cannot prove the match
    and is mismatched with the reason C(owner unknown).
  - Severity - C(critical) for an unexpected listener on a known legacy-service port (echo, discard, systat,
    daytime, qotd, chargen, ftp, telnet, time, tftp/udp, finger, rpcbind, rexec, rlogin, rsh, talk, ntalk,
    uucp); C(high) for any other unexpected listener or wrong owner on a wildcard address; C(medium) on a specific
    address, for an unknown owner, and for a missing required port.
  - Each finding lists the controls it maps to - CIS Benchmark "Ensure only approved services are listening on a
    network interface" and "Ensure firewall rules exist for all open ports", NIST SP 800-53 CM-7 and SC-7(5), and
    the DISA STIG PPSM requirement (SRG-OS-000096-GPOS-00050); a missing required port maps to NIST SP 800-53 CM-6.
  - Published ports - a port that a container runtime publishes with DNAT (Docker, Podman, CNI hostPort, Kubernetes
    NodePort) is exposure even when no process on the host listens on it. With O(audit_published) such ports are
    compared with the allowlist like listeners; an unallowed one is C(unexpected) with a reason that says which
    container published it (C(published by container web (81b4a71d6718) to 172.18.0.2:8000)), and carries
    C(published). An entry's C(process) matches a published port by its container name. The listener of a userland
    proxy (C(docker-proxy)) for a published port is the same exposure and is counted once, as the published port.
  - The live firewall - with O(firewall) other than V(none), the module reads the rules the kernel really has
    (C(nft -j list ruleset), C(iptables-save)/C(ip6tables-save), C(ufw status verbose) with, on an active ufw,
    C(iptables-save -t filter)/C(ip6tables-save -t filter) for ufw's before-rules, C(firewall-cmd
    --get-default-zone), C(--list-all-zones) and C(--info-service) for the services its zones name) and reports in
    RV(firewall) whether portwarden's table, chain, ufw rules or zone is loaded and equal to what the allowlist renders
    (findings C(missing), C(modified), C(disabled)), and whether a foreign rule in INPUT accepts everything before
    portwarden's chain or among ufw's before-rules (C(accept_all)). Each such finding makes the host non-compliant.
    RV(effective) then gives every exposed listener and published port its verdict - C(exposed) (anyone),
    C(sources) (the declared sources only), C(blocked) (listening or published, but dropped), or C(unknown) (the live
    rules could not be read, e.g. firewalld runs but its zones cannot be listed). A port a ufw before-rule accepts
    (DHCP client, multicast DNS, UPnP) is C(exposed), or C(sources) for the rule's source, whatever the listed rules
    say.
  - The module never changes the host; C(changed) is always C(false).
author:
  - portwarden maintainers (@portwarden)
extends_documentation_fragment:
  - portwarden.hardening._attributes
  - portwarden.hardening._allowlist
attributes:
  check_mode:
    details:
      - Returns the same result as without check mode.
  idempotent:
    details:
      - Running it again against the same sockets returns the same result and never reports a change.
options:
  listening:
    description:
      - Socket items to audit, as returned by M(portwarden.hardening.listening_ports) in C(portwarden_listening).
      - Each item needs C(protocol), C(address) and C(port); C(family) and C(exposure) are derived from the address
        when absent.
      - When omitted, the module gathers the sockets itself.
    type: list
    elements: dict
  published:
    description:
      - Published items to audit, as returned by M(portwarden.hardening.listening_ports) in C(portwarden_published).
      - Each item needs C(protocol), C(address) and C(port).
      - When omitted, O(audit_published) is true and O(listening) is omitted too, the module reads the host's NAT
        rules itself; with O(listening) given and this omitted, no published port is audited.
    type: list
    elements: dict
  audit_published:
    description:
      - Compare ports published by DNAT (containers, Kubernetes) with the allowlist too.
    type: bool
    default: true
  firewall:
    description:
      - Read the live firewall and judge each exposure (see the description); V(none) does not.
      - V(auto) finds the backend that holds portwarden's rules (nftables, then iptables, then an active ufw with
        rules commented C(portwarden), then a running firewalld whose O(firewall_zone) applies). When none does, that is a
        C(missing) finding only on a host where portwarden applied a firewall before (its last confirmed copy is in
        O(firewall_state_dir)); a named backend is expected to hold them.
    type: str
    choices: [none, auto, nftables, iptables, ufw, firewalld]
    default: none
  firewall_state_dir:
    description:
      - The firewall role's state directory (C(portwarden_firewall_state_dir)), where it keeps the last confirmed ruleset.
    type: path
    default: /var/lib/portwarden/firewall
  firewall_zone:
    description:
      - The firewalld zone that holds portwarden's rules (the firewall role's C(portwarden_firewall_zone)).
      - With O(firewall=firewalld), or V(auto) on a host where firewalld runs, the rules count as loaded when this
        zone is the default zone or bound to an interface; otherwise they are C(missing). The other backends do not
        use it.
      - 1-17 letters, digits, C(-) or C(_), as firewalld allows.
    type: str
    default: portwarden
  ignore_loopback:
    description:
      - Leave sockets bound to loopback addresses out of the audit.
      - Set to V(false) to report loopback listeners that are not in the allowlist too.
    type: bool
    default: true
  fail_on_drift:
    description:
      - Fail the task when there is drift (after exceptions), with a message summarising it. The result still
        carries every field, so a registered result can be reported on.
    type: bool
    default: false
  exceptions:
    description:
      - Accepted deviations. A finding that an exception covers is returned in RV(accepted), not in RV(drift).
      - An exception is valid through its C(expires) day; from the day after, the finding is drift again and its
        reason says which exception expired.
      - Each entry is a mapping with C(port) (as in the allowlist), C(proto) (default C(tcp)), optional C(address)
        (the exact bind address; default any), optional C(process) (matched like an allowlist entry's), C(reason)
        and C(owner) (both required), and optional C(expires) (a date, C(YYYY-MM-DD)).
      - An exception covers a missing required port when its ports overlap the entry's.
    type: list
    elements: raw
    default: []
  return_listening:
    description:
      - Which socket items to return in RV(listening).
      - V(all) - every item, loopback ones included.
      - V(audited) - the items the audit looked at - without the loopback ones when O(ignore_loopback) is true.
      - V(none) - no RV(listening) at all (RV(listening_count) is still returned). The drift findings carry their
        sockets whatever this says.
      - Ansible handles every value of a result one by one on its way to the controller, so on hosts with thousands
        of sockets the items cost more time than the audit itself; ask only for what is used.
    type: str
    choices: [all, audited, none]
    default: all
  listening_fields:
    description:
      - The keys each item of RV(listening) carries, in the documented item order; default every key the item has.
      - The findings in RV(drift) and RV(accepted) always carry every key.
    type: list
    elements: str
    choices: [protocol, family, address, interface, port, v6only, exposure, dual_stack, inode, pid, pids, process, exe, cmdline, user, uid, unit]
notes:
  - Reading the owners of other users' sockets needs root; run with C(become=true) or owners are unknown and every
    entry with a C(process) reports a mismatch.
seealso:
  - module: portwarden.hardening.listening_ports
"""

EXAMPLES = r"""
- name: Audit the host against the allowlist
  portwarden.hardening.port_audit:
    allowlist:
      - port: 22
        process: sshd
        required: true
        comment: SSH from the bastion
      - port: https
      - port: "8000-8100"
      - port: 123
        proto: udp
  register: audit

- name: Show what drifted
  ansible.builtin.debug:
    msg: "{{ audit.summary.findings }} findings: {{ audit.drift.unexpected | map(attribute='reason') | list }}"

- name: Audit the gathered facts, accept a known deviation until it expires, and fail on the rest
  portwarden.hardening.port_audit:
    allowlist: "{{ portwarden_allowlist }}"
    listening: "{{ portwarden_listening }}"
    exceptions:
      - port: 9100
        address: 10.0.0.5
        process: node_exporter
        reason: Monitoring agent awaiting firewall change CHG-1234
        owner: platform-team
        expires: "2026-06-30"
    fail_on_drift: true

- name: Audit a host with thousands of sockets, returning just what a listener report needs
  portwarden.hardening.port_audit:
    allowlist: "{{ portwarden_allowlist }}"
    return_listening: audited
    listening_fields: [protocol, address, port, exposure, process]
  register: audit
"""

RETURN = r"""
compliant:
  description: True when there is no drift (findings covered by an active exception do not count).
  returned: success
  type: bool
  sample: false
drift:
  description:
    - The findings. Socket findings carry every field of the socket item (C(protocol), C(family), C(address),
      C(interface), C(port), C(v6only), C(exposure), C(dual_stack), C(inode), C(pid), C(pids), C(process),
      C(exe), C(cmdline) (at most 4 KiB), C(truncated) (whether it was cut), C(user), C(uid), C(unit)) plus
      C(reason), C(severity) (C(critical), C(high) or C(medium)), C(controls), C(exposed_families) and
      C(allowlist_entry) (the normalised entry involved, or null).
    - Missing findings carry C(protocol), C(port) and C(ports) of the entry, C(process), C(reason), C(severity),
      C(controls) and C(allowlist_entry).
    - A finding whose exception expired also has C(exception) and C(exception_expired=true).
    - A finding about a published port has no owning process and carries C(published) - C(target_address),
      C(target_port), C(targets), C(source), C(via), C(container_name) and C(container_id) (see RV(published)).
  returned: success
  type: dict
  contains:
    unexpected:
      description: Listening sockets that no allowlist entry allows.
      type: list
      elements: dict
    missing:
      description: Required entries with nothing listening on any of their ports.
      type: list
      elements: dict
    mismatched:
      description: Allowed sockets whose owner is not the expected process, or unknown.
      type: list
      elements: dict
  sample:
    unexpected:
      - protocol: tcp
        family: ipv6
        address: "::"
        port: 23
        exposure: wildcard
        dual_stack: true
        v6only: false
        interface: null
        inode: 48213
        pid: 911
        pids: [911]
        process: inetd
        exe: /usr/sbin/inetd
        cmdline: /usr/sbin/inetd
        truncated: false
        user: root
        uid: 0
        unit: inetd.service
        severity: critical
        reason: "23/tcp is not in the allowlist; inetd (pid 911) listens on all IPv6 and, dual-stack, all IPv4
          addresses (::); port of the legacy service telnet"
        exposed_families: [ipv4, ipv6]
        allowlist_entry: null
        controls:
          - "CIS Benchmark: Ensure only approved services are listening on a network interface"
          - "CIS Benchmark: Ensure firewall rules exist for all open ports"
          - "NIST SP 800-53 CM-7: Least Functionality"
          - "NIST SP 800-53 SC-7(5): Boundary Protection | Deny by Default - Allow by Exception"
          - "DISA STIG SRG-OS-000096-GPOS-00050: restrict ports, protocols and services to those in the PPSM CAL"
    missing: []
    mismatched: []
accepted:
  description:
    - Findings covered by an active exception, each with C(kind) (C(unexpected), C(missing) or C(mismatched)) and
      C(exception) (the normalised exception - C(port), C(proto), C(address), C(process), C(reason), C(owner),
      C(expires)).
  returned: success
  type: list
  elements: dict
  sample: []
summary:
  description:
    - Counts - C(unexpected), C(missing), C(mismatched), C(findings) (their sum), C(critical), C(high), C(medium),
      C(accepted), C(expired_exceptions) (findings whose exception expired), C(unused_exceptions) (exceptions that
      matched nothing), C(audited) (sockets and published ports audited after leaving out loopback), C(published)
      (published ports among them) and C(allowlist_entries).
  returned: success
  type: dict
  sample:
    unexpected: 1
    missing: 0
    mismatched: 0
    findings: 1
    critical: 1
    high: 0
    medium: 0
    accepted: 0
    expired_exceptions: 0
    unused_exceptions: 0
    audited: 4
    published: 0
    allowlist_entries: 3
listening:
  description:
    - Every socket item the audit looked at, loopback ones included (see O(ignore_loopback)); with
      O(return_listening=audited) without the loopback ones the audit left out.
    - Each item carries every key, or those named in O(listening_fields), except C(cmdline) and C(truncated) - a
      command line is carried by the findings in RV(drift) and RV(accepted), not repeated for every socket.
  returned: success, unless O(return_listening=none)
  type: list
  elements: dict
  sample:
    - {protocol: tcp, family: ipv4, address: 0.0.0.0, port: 22, exposure: wildcard, process: sshd}
published:
  description:
    - The published ports the audit looked at, as in the C(portwarden_published) fact of
      M(portwarden.hardening.listening_ports).
  returned: success, when published ports were audited (see O(published))
  type: list
  elements: dict
  sample:
    - {protocol: tcp, family: ipv4, address: 0.0.0.0, port: 8080, exposure: wildcard, target_address: 172.18.0.2,
       target_port: 8000, targets: ["172.18.0.2:8000"], source: docker, via: dnat, container_name: web,
       container_id: 81b4a71d67186d458f97373206a50cd6f3f221729fc954a6bbae6ebcf74a1557}
published_sources:
  description:
    - Which readers of published ports answered - C(iptables-nft), C(iptables-legacy), C(nftables), C(docker-api).
    - C(given) when O(published) was passed.
  returned: success, when published ports were audited (see O(published))
  type: list
  elements: str
  sample: [docker-api, iptables-nft, nftables]
firewall:
  description:
    - The live firewall, when O(firewall) is not V(none) - C(backend), C(loaded), C(enabled) (ufw and firewalld; null
      otherwise), C(forward) (published ports are filtered), C(findings) (each with C(kind) - C(missing),
      C(modified), C(disabled) or C(accept_all) - C(severity) and C(reason)), C(notes) and C(verdicts) (counts of
      RV(effective) by verdict).
  returned: success, when O(firewall) is not V(none)
  type: dict
  sample:
    backend: nftables
    loaded: true
    enabled: null
    forward: true
    findings: []
    notes: []
    verdicts: {exposed: 1, sources: 1, blocked: 2, unknown: 0}
effective:
  description:
    - One item per audited listener and published port that is not loopback - C(protocol), C(family), C(address),
      C(port), C(kind) (C(listening) or C(published)), C(owner) (process or container name), C(verdict) (C(exposed),
      C(sources), C(blocked) or C(unknown)) and C(reason).
  returned: success, when O(firewall) is not V(none)
  type: list
  elements: dict
  sample:
    - {protocol: tcp, family: ipv4, address: 0.0.0.0, port: 9090, kind: published, owner: web-denied,
       verdict: blocked, reason: "published, but the live firewall drops it"}
listening_count:
  description: Number of socket items found (or given), loopback ones included, whatever O(return_listening) says.
  returned: success
  type: int
  sample: 6
method:
  description: Where the sockets came from - C(netlink) or C(procfs) when gathered, C(given) when O(listening) was passed.
  returned: success
  type: str
  sample: netlink
msg:
  description: One line for humans - C(compliant), or the drift counts by kind and severity.
  returned: always
  type: str
  sample: "drift: 1 unexpected, 0 missing, 0 mismatched (1 critical)"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import (
    AllowlistError,
    ensure_allowlist,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._audit_exceptions import parse_exceptions
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._drift import (
    ListeningError,
    compute_drift,
    normalise_listening,
    one_line,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall_host import BACKENDS, DEFAULT_STATE_DIR, check
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewalld import DEFAULT_ZONE, ZONE_NAME
from ansible_collections.portwarden.hardening.plugins.module_utils._packed import result_values
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._published_audit import (
    PublishedError,
    as_audit_items,
    normalise_published,
    without_proxied,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._published_host import gather_published
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets import (
    ITEM_FIELDS,
    SocketsError,
    choose_fields,
    gather,
    select_fields,
)

RETURN_LISTENING = ("all", "audited", "none")
# The result keys that grow with the number of sockets; the action plugin carries them packed.
_BULKY = ("drift", "accepted", "listening", "published", "effective")


def _returned_listening(listening: list, params: dict):
    """The items RV(listening) carries under return_listening and listening_fields; None for none."""
    which = params.get("return_listening") or "all"
    if which == "none":
        return None
    if which == "audited" and params["ignore_loopback"]:
        listening = [item for item in listening if item["exposure"] != "loopback"]
    fields = params.get("listening_fields")
    # Hand-written items may carry keys of their own; only an explicit choice drops them.
    returned = listening if fields is None else select_fields(listening, choose_fields(fields))
    # A command line (up to 4 KiB) per socket would be repeated for every socket of a process;
    # the findings carry it where it matters.
    for item in returned:
        item.pop("cmdline", None)
        item.pop("truncated", None)
    return returned


def run(params: dict) -> dict:
    """The audit without AnsibleModule: parse, gather when needed, compare. Raises ValueError subclasses."""
    allowlist = ensure_allowlist(params["allowlist"], var_name="allowlist")
    exceptions = parse_exceptions(params["exceptions"], var_name="exceptions")
    if params.get("listening_fields") is not None:
        choose_fields(params["listening_fields"])  # a bad field fails before the host is read
    if params["listening"] is None:
        # gather() builds contract items itself; re-checking 10,000 of them (an ipaddress
        # parse each) would take longer than comparing them with the allowlist.
        listening, method = gather()
    else:
        listening, method = normalise_listening(params["listening"]), "given"
    audited = listening
    published = None
    if params.get("audit_published", True) and params.get("published") is not None:
        published, sources = normalise_published(params["published"]), ["given"]
    elif params.get("audit_published", True) and params["listening"] is None:
        # Gathered together with the sockets; given sockets come with their published ports, or none.
        published, sources = gather_published()
    if published is not None:
        audited = without_proxied(listening, published) + as_audit_items(published)
    result = compute_drift(allowlist, audited, exceptions, ignore_loopback=params["ignore_loopback"])
    result.update(listening_count=len(listening), method=method, msg=one_line(result))
    if published is not None:
        result.update(published=published, published_sources=sources)
    if params.get("firewall", "none") != "none":
        audited_items = [item for item in audited if not (params["ignore_loopback"] and item.get("exposure") == "loopback")]
        live = check(allowlist, audited_items, params["firewall"], params.get("firewall_state_dir") or DEFAULT_STATE_DIR,
                     zone=params.get("firewall_zone") or DEFAULT_ZONE)
        result.update(live)
        findings = live["firewall"]["findings"]
        result["summary"]["firewall"] = len(findings)
        if findings:
            result["compliant"] = False
            for finding in findings:
                result["summary"][finding["severity"]] += 1
            result["msg"] = one_line(result) + "; firewall: %s" % ", ".join(sorted({finding["kind"] for finding in findings}))
    returned = _returned_listening(listening, params)
    if returned is not None:
        result["listening"] = returned
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "allowlist": dict(type="list", elements="raw", required=True),
            "listening": dict(type="list", elements="dict"),
            "published": dict(type="list", elements="dict"),
            "audit_published": dict(type="bool", default=True),
            "firewall": dict(type="str", choices=["none"] + list(BACKENDS), default="none"),
            "firewall_state_dir": dict(type="path", default=DEFAULT_STATE_DIR),
            "firewall_zone": dict(type="str", default=DEFAULT_ZONE),
            "ignore_loopback": dict(type="bool", default=True),
            "fail_on_drift": dict(type="bool", default=False),
            "exceptions": dict(type="list", elements="raw", default=[]),
            "return_listening": dict(type="str", choices=list(RETURN_LISTENING), default="all"),
            "listening_fields": dict(type="list", elements="str", choices=list(ITEM_FIELDS)),
        },
        supports_check_mode=True,
    )
    if not ZONE_NAME.match(module.params["firewall_zone"]):
        module.fail_json(msg="firewall_zone must be 1-17 letters, digits, '-' or '_' (a firewalld zone name), got %r"
                         % module.params["firewall_zone"])
    try:
        result = run(module.params)
    except (AllowlistError, ListeningError, PublishedError, SocketsError) as error:
        module.fail_json(msg=str(error))
    else:
        bulky = {key: result.pop(key) for key in _BULKY if key in result}
        if module.params["fail_on_drift"] and not result["compliant"]:
            module.fail_json(changed=False, **dict(result, **result_values(module, bulky)))
        module.exit_json(changed=False, **dict(result, **result_values(module, bulky)))


if __name__ == "__main__":
    main()
