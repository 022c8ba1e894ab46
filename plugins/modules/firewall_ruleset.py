#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: firewall_ruleset
short_description: Build the firewall model from the allowlist and render a backend's ruleset on the controller
version_added: 0.1.0
description:
  - Runs on the controller only (an action plugin; no host is contacted). The step of the
    C(portwarden.hardening.firewall) role between the probe and M(portwarden.hardening.firewall_apply).
  - Reads the host's effective allowlist - C(portwarden_allowlist) and every C(portwarden_allowlist__*) variable,
    composed as the P(portwarden.hardening.effective_allowlist#lookup) lookup does - or O(allowlist), normalises it,
    warns about entries that say something else than was meant (as the P(portwarden.hardening.allowlist_doubts#filter)
    filter does), adds the management connection when the allowlist does not let it in, builds the firewall model
    (P(portwarden.hardening.firewall_model#filter)) and renders each of O(templates) with it.
  - Returns only the rendered texts and a few counts. Variables are templated only when they hold a template, and
    neither the allowlist nor the model is stored as an Ansible value, so an allowlist of thousands of entries costs
    about a second here instead of tens of seconds of variable handling.
  - Refuses an allowlist that lets nothing in, which would close every port, the one Ansible connects through
    included, unless O(allow_empty) is true.
options:
  allowlist:
    description:
      - The allowlist, as written or already normalised (P(portwarden.hardening.allowlist#filter)).
      - Omit it to compose the host's allowlist variables here; that is cheaper than passing a large list, which
        Ansible would template value by value first.
    type: raw
  templates:
    description:
      - The templates to render, found on the usual C(templates) search path (the role's own first).
      - Each template reads the model as C(__portwarden_firewall_model) and O(templates[].family) as
        C(__portwarden_family), besides every variable of the host.
    type: list
    elements: dict
    required: true
    suboptions:
      part:
        description: The key of the rendered text in RV(rendered), such as V(content).
        type: str
        required: true
      src:
        description: The template file, relative to C(templates).
        type: str
        required: true
      family:
        description: V(ipv4), V(ipv6) or null, handed to the template.
        type: str
      view:
        description:
          - Also hand the template C(__portwarden_firewall_view), parts of the model already written in one backend's
            syntax (V(nftables) - the sets' elements). Formatting thousands of elements with filters from the model costs
            far more; the collection's nftables template uses the view when it is given.
          - The template must give the same text without it, as the P(portwarden.hardening.role_template#lookup)
            lookup renders it.
        type: str
        choices: [nftables]
  management:
    description:
      - The management connection to keep open, as M(portwarden.hardening.firewall_probe) found it on the host
        (C(session), C(sshd_ports)), with C(connection_port) and C(remote) as M(portwarden.hardening.management_connection)
        takes them. Omit it to keep nothing open beyond the allowlist.
      - The values come from the managed host and are checked one by one; a malformed one fails the task.
      - Ports the allowlist does not let the controller reach are added to the model, open to the controller's
        address only (to anyone when no session was found), with a warning that names them.
    type: dict
    suboptions:
      session:
        description: The SSH session Ansible runs over (C(client_address), C(server_port)), or null.
        type: raw
      sshd_ports:
        description: The TCP ports sshd listens on, proven by its owner.
        type: raw
        default: []
      connection_port:
        description: The port the controller connects to (C(ansible_port)), when it is known.
        type: int
      remote:
        description: Whether the controller reaches the host over the network (V(false) for C(local) or C(docker exec)).
        type: bool
        default: true
  allow_empty:
    description: Render a ruleset that lets nothing in, instead of failing.
    type: bool
    default: false
extends_documentation_fragment:
  - portwarden.hardening._attributes.controller
notes:
  - Templates are rendered without a copy of every host variable first, as the
    P(portwarden.hardening.role_template#lookup) lookup does; a template must not change the variables it reads.
seealso:
  - module: portwarden.hardening.firewall_probe
  - module: portwarden.hardening.firewall_apply
  - plugin: portwarden.hardening.firewall_model
    plugin_type: filter
author:
  - portwarden maintainers (@portwarden)
"""

EXAMPLES = r"""
- name: Render the nftables ruleset from the host's allowlist variables
  portwarden.hardening.firewall_ruleset:
    templates:
      - {part: content, src: etc/nftables.d/portwarden.nft.j2}
  register: ruleset

- name: Apply it
  portwarden.hardening.firewall_apply:
    backend: nftables
    content: "{{ ruleset.rendered.content }}"
"""

RETURN = r"""
rendered:
  description: The rendered text of each template, by its O(templates[].part).
  returned: success
  type: dict
  sample: {content: "table inet portwarden {}\ndelete table inet portwarden\n..."}
entry_count:
  description: How many entries the model holds, the management connection's included.
  returned: success
  type: int
  sample: 12
empty:
  description: Whether the model lets nothing in (only with O(allow_empty)).
  returned: success
  type: bool
  sample: false
kept:
  description: The management ports added to the model, each with C(port), C(source) (null for anyone) and C(reasons).
  returned: success
  type: list
  elements: dict
  sample: [{port: 2222, source: 192.0.2.7, reasons: [the SSH session Ansible runs over]}]
"""
