# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.

from __future__ import annotations


class ModuleDocFragment:
    """The hidden option through which a module's action plugin asks for a packed result."""

    DOCUMENTATION = r"""
options:
  _pack_result:
    description:
      - Internal; set by the module's action plugin, which removes it from the result again. Do not set it.
      - When true, the module returns its large values as one JSON text, which the action plugin turns back into
        the documented keys. Ansible handles every value of a module result one by one on its way to the
        controller; one text instead of hundreds of thousands of values saves most of that time.
    type: bool
    default: false
"""
