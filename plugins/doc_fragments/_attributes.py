# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.

from __future__ import annotations

# What each attribute means, written once for both fragments below (a fragment cannot refer
# to another one's text, so the YAML is put together here).
_MEANING = r"""
  check_mode:
    description: Can run in check mode and report what it would change without changing the target.
    support: full{check_mode}
  diff_mode:
    description: Returns what changed (or would change in check mode) as a before and after diff in diff mode.
    support: none
  idempotent:
    description: Run twice in a row with the same arguments, the second run reports no change.
    support: full{idempotent}
  platform:
    description: Target operating systems the module runs against.
{platform}"""


class ModuleDocFragment:
    """The attributes every module documents, described once with the common support
    (check mode and idempotence full, no diff, Debian); a module states only what differs
    and the ``details`` that are its own."""

    DOCUMENTATION = "\noptions: {}\nattributes:" + _MEANING.format(
        check_mode="",
        idempotent="",
        platform=r"""    support: N/A
    platforms: debian
    details:
      - Debian 11, 12 and 13 (Python 3.9 to 3.13) are tested; the module needs only the Python standard library.
""")

    # Controller-only actions (validate_fleet, firewall_ruleset): no host is contacted, and
    # nothing changes anywhere.
    CONTROLLER = "\noptions: {}\nattributes:" + _MEANING.format(
        check_mode="""
    details:
      - Runs the same in check mode; it changes nothing anyway.""",
        idempotent="""
    details:
      - Never changes anything.""",
        platform=r"""    support: full
    platforms: all
    details:
      - Runs on the controller only (an action plugin); no host is contacted.
""")
