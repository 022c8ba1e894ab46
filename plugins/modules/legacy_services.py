#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: legacy_services
short_description: Find and disable Telnet, rsh, TFTP and other legacy network services by every mechanism that starts them
version_added: 0.1.0
description:
  - Looks for each service of the collection's legacy catalog (telnet, rsh, rlogin, rexec, tftp, talk/ntalk, finger,
    the inetd internal services echo/discard/daytime/chargen/time, plaintext ftp, NIS, rstatd/rusersd/rwalld, uucp,
    and the C(review) services rpcbind, snmpd, avahi, cups, xinetd and inetd) through every mechanism that can start
    it - systemd service, socket and template units, SysV init scripts on hosts without systemd, C(inetd.conf) entries
    (openbsd-inetd and inetutils-inetd, including C(/etc/inetd.d)), xinetd service blocks (C(/etc/xinetd.conf) and
    its C(include)/C(includedir) files) - and through the sockets that listen on its ports.
  - With O(state=disabled) it disables each selected service it finds on every mechanism - units are stopped,
    disabled and masked (sockets before services), inetd entries are commented out with the marker
    C(#<portwarden-off>#) and inetd is told once to reread its configuration, xinetd blocks get C(disable = yes) and
    xinetd rereads once - and then checks the listening sockets again. When a selected service still listens after
    the settle time the module fails and names the socket, the process and its unit.
  - Every other byte of the inetd and xinetd files is kept; removing the marker restores an inetd line exactly.
  - Everything is read before anything changes, and bad input (an unknown service name, an xinetd file it cannot
    parse) fails the task with nothing changed.
author:
  - portwarden maintainers (@portwarden)
options:
  services:
    description:
      - The services to disable - catalog names, their aliases (for example C(shell) for C(rsh), C(vsftpd) for C(ftp)),
        or the group names C(legacy) (every legacy entry) and C(review) (every review entry).
      - Review services (rpcbind, snmpd, avahi, cups, xinetd, inetd) are often needed; they are always reported when
        found and disabled only when named here.
      - Every catalog service is inspected and reported whatever this says; this only chooses what gets disabled.
    type: list
    elements: str
    default: [legacy]
  keep:
    description:
      - Services to leave alone even when O(services) selects them (for example C(tftp) on a boot server).
      - Found kept services are returned in RV(kept).
    type: list
    elements: str
    default: []
  state:
    description:
      - C(disabled) disables the selected services that are found.
      - C(audit) only reports; the host is never changed.
    type: str
    choices: [disabled, audit]
    default: disabled
  remove_packages:
    description:
      - Also remove the packages of the disabled services (apt hosts only), after C(apt-get -s remove) shows that
        nothing outside those packages would go with them. A service whose removal would take other packages along
        keeps its packages (its units stay masked), with the reason in C(package_removal.kept) of its RV(services) entry.
      - Package names the package manager does not know are returned in C(package_removal.unknown) of the service's
        RV(services) entry and warned about, never skipped silently.
    type: bool
    default: false
  settle_timeout:
    description:
      - Seconds to wait, after acting, for the disabled services' sockets to close (inetd and xinetd close theirs
        asynchronously after rereading their configuration).
    type: float
    default: 10
extends_documentation_fragment:
  - portwarden.hardening._attributes
attributes:
  check_mode:
    details:
      - Reports what would be stopped, masked, commented out and removed, with diffs, and changes nothing.
  diff_mode:
    support: full
    details:
      - Before and after of every inetd and xinetd file that changes, of the unit states, and of the packages removed.
  idempotent:
    details:
      - Masked units, marked inetd lines and C(disable = yes) blocks are left as they are; a second run reports
        C(changed=false).
notes:
  - Masking is the default remedy because a package upgrade re-enables a merely disabled unit; masking a unit whose
    file an administrator placed in C(/etc/systemd/system) is impossible, so such a unit is stopped and disabled.
  - Debian's C(update-inetd --enable), which package upgrades run, only acts on its own C(#<off>#) marker, so the
    entries this module comments out stay off across upgrades.
  - Run with C(become=true).
seealso:
  - module: portwarden.hardening.listening_ports
  - module: portwarden.hardening.port_audit
"""

EXAMPLES = r"""
- name: Disable every legacy service, wherever it is started from
  portwarden.hardening.legacy_services:
  become: true

- name: Report only, and show what would be disabled
  portwarden.hardening.legacy_services:
    state: audit
  register: legacy

- name: Fail a scheduled check when any legacy service is found
  ansible.builtin.assert:
    that: legacy.found | difference(legacy.review) | length == 0
    fail_msg: "legacy services found: {{ legacy.found | difference(legacy.review) | join(', ') }}"

- name: Disable the legacy services and rpcbind, keep TFTP on this boot server, remove packages where safe
  portwarden.hardening.legacy_services:
    services: [legacy, rpcbind]
    keep: [tftp]
    remove_packages: true
  become: true
"""

RETURN = r"""
found:
  description: Services with something that can start them (an enabled unit or entry) or a socket listening on their ports.
  returned: always
  type: list
  elements: str
  sample: [telnet, rsh, tftp, xinetd]
disabled:
  description: Selected services this run disabled (in check mode, would disable).
  returned: always
  type: list
  elements: str
  sample: [telnet, rsh, tftp]
kept:
  description: Found services left alone because O(keep) names them.
  returned: always
  type: list
  elements: str
  sample: [tftp]
review:
  description: Found C(review) services that were not selected, for a human to decide on.
  returned: always
  type: list
  elements: str
  sample: [rpcbind, xinetd]
reloads:
  description: How inetd or xinetd was told to reread its configuration (at most once each).
  returned: always
  type: list
  elements: str
  sample: [systemctl reload inetd.service]
still_listening:
  description: Sockets of selected services that still listened after the settle time; the module fails when this is not empty.
  returned: always
  type: list
  elements: dict
  sample: [{service: telnet, protocol: tcp, family: ipv4, address: 0.0.0.0, port: 23, process: inetd, pid: 35, unit: inetd.service}]
services:
  description: Per catalog service, what was seen and what was done.
  returned: always
  type: dict
  contains:
    kind:
      description: C(legacy) (disabled by default) or C(review) (disabled only when named).
      type: str
      sample: legacy
    description:
      description: Why the service is a risk.
      type: str
    ports:
      description: Its fixed ports as C(port/protocol); empty for RPC services.
      type: list
      elements: str
      sample: [23/tcp]
    cis:
      description: The CIS benchmark item it maps to (C(benchmark), C(item), C(title)).
      type: dict
      sample: {benchmark: CIS Debian Linux 12 Benchmark v1.1.0, item: 2.1.16, title: Ensure tftp server services are not in use}
    packages:
      description: Its package names for the host's distribution family.
      type: list
      elements: str
      sample: [tftpd-hpa, atftpd, tftpd]
    selected:
      description: Whether O(services) selects it (and O(keep) does not keep it).
      type: bool
    kept:
      description: Whether O(keep) names it.
      type: bool
    status:
      description: C(found) (something can start it or it listens), C(disabled) (only masked units, marked or
        disabled entries are left), or C(absent).
      type: str
      sample: found
    mechanisms:
      description: Each unit, init script, inetd entry and xinetd block that belongs to it, with its state and
        C(needs) (the steps that would disable it; empty when already disabled).
      type: list
      elements: dict
      sample: [{type: inetd, path: /etc/inetd.conf, line: 25, entry: "telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/telnetd",
                state: enabled, needs: [comment out]}]
    listening:
      description: Sockets seen listening on its ports (or owned by its programs) before acting.
      type: list
      elements: dict
    actions:
      description: What this run did (or, in check mode, would do).
      type: list
      elements: str
      sample: [stop vsftpd.service, disable vsftpd.service, mask vsftpd.service]
    package_removal:
      description: With O(remove_packages), per package decision - C(installed), C(absent), C(unknown), C(remove) and
        C(kept) (package -> reason).
      returned: when O(remove_packages=true) and the service has packages for this family
      type: dict
      sample: {installed: [rpcbind], absent: [], unknown: [], remove: [], kept: {rpcbind: "removing rpcbind would also remove nfs-common"}}
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy._legacy_services import (
    Host,
    LegacyServicesError,
    describe,
    run,
    select,
)

_ENVIRONMENT = {"LANG": "C", "LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": ""}


def _runner(module):
    def run_command(argv):
        return module.run_command(argv, environ_update=_ENVIRONMENT)
    return run_command


def _writer(module):
    def write(path, data):
        handle, temporary = tempfile.mkstemp(prefix=".portwarden-", dir=os.path.dirname(path))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # atomic_move keeps the destination's owner, mode and SELinux context.
        module.atomic_move(temporary, path)
    return write


def main():
    module = AnsibleModule(
        argument_spec=dict(
            services=dict(type="list", elements="str", default=["legacy"]),
            keep=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["disabled", "audit"], default="disabled"),
            remove_packages=dict(type="bool", default=False),
            settle_timeout=dict(type="float", default=10.0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        acting, kept = select(params["services"], params["keep"])
        if params["settle_timeout"] < 0:
            raise LegacyServicesError("settle_timeout must be 0 or more, got %s" % params["settle_timeout"])
        host = Host(_runner(module), write=_writer(module))
        result = run(host, acting, kept, state=params["state"], check_mode=module.check_mode,
                     remove_packages=params["remove_packages"], settle_timeout=params["settle_timeout"])
    except LegacyServicesError as exc:
        module.fail_json(msg=str(exc))
    diff = result.pop("diff")
    errors = result.pop("errors")
    for warning in result.pop("warnings"):
        module.warn(warning)
    if module._diff and diff:
        result["diff"] = diff
    if errors:
        module.fail_json(msg="; ".join(errors), **result)
    if result["still_listening"]:
        module.fail_json(msg="still listening after disabling: %s" % "; ".join(
            "%s: %s" % (item["service"], describe(item)) for item in result["still_listening"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
