# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.

from __future__ import annotations


class ModuleDocFragment:
    """The attributes every module documents, described once with the common support
    (check mode and idempotence full, no diff, Debian); a module states only what differs
    and the ``details`` that are its own."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and report what it would change without changing the target.
    support: full
  diff_mode:
    description: Returns what changed (or would change in check mode) as a before and after diff in diff mode.
    support: none
  idempotent:
    description: Run twice in a row with the same arguments, the second run reports no change.
    support: full
  platform:
    description: Target operating systems the module runs against.
    support: N/A
    platforms: debian
    details:
      - Debian 11, 12 and 13 (Python 3.9 to 3.13) are tested; the module needs only the Python standard library.
"""

    # Controller-only actions (validate_fleet, firewall_ruleset): no host is contacted, and
    # nothing changes anywhere. The descriptions repeat DOCUMENTATION's on purpose: a fragment
    # cannot refer to another one's text, and ansible-test's yamllint check reads fragments as
    # string literals, so they cannot be put together in Python either.
    CONTROLLER = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and report what it would change without changing the target.
    support: full
    details:
      - Runs the same in check mode; it changes nothing anyway.
  diff_mode:
    description: Returns what changed (or would change in check mode) as a before and after diff in diff mode.
    support: none
  idempotent:
    description: Run twice in a row with the same arguments, the second run reports no change.
    support: full
    details:
      - Never changes anything.
  platform:
    description: Target operating systems the module runs against.
    support: full
    platforms: all
    details:
      - Runs on the controller only (an action plugin); no host is contacted.
"""
