# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Carry the bulky part of a module result to the controller as one JSON text.

Why: on its way back, every value of a module result is handled one by one in Python -
``AnsibleModule.exit_json`` copies the whole result in ``remove_values`` (to mask no_log
values) and encodes it with a per-container hook, and the controller decodes it with a
per-mapping hook. For 10,000 socket items (about 180,000 values) that took longer than
finding the sockets. A string is one value to each of those steps, and the plain C JSON
encoder and decoder do the rest.

The module packs only when its action plugin asked for it (``PACK_OPTION``, which the
action plugin sets and removes again), so the result a task sees is the same either way;
without the action plugin (an async task, a direct call) nothing is packed. It also packs
only when it has no no_log values: ``remove_values`` would still mask such a value inside
the text, but could not replace a whole value with its placeholder as it does otherwise.
"""

from __future__ import annotations

import json

# The hidden module option that asks for packing; set only by the action plugin.
PACK_OPTION = "_pack_result"
PACK_OPTION_SPEC = {"type": "bool", "default": False}
# The result key that holds the packed values.
PACKED_KEY = "_packed_result"


def result_values(module, values: dict) -> dict:
    """Keyword arguments for exit_json/fail_json carrying ``values``: packed when asked and safe."""
    if module.params.get(PACK_OPTION) and not module.no_log_values:
        return {PACKED_KEY: json.dumps(values, separators=(",", ":"))}
    return values


def unpack(result: dict) -> dict:
    """Put packed values back where the module would have returned them (in place; returns ``result``).

    ``ansible_facts`` are merged into the facts already there (the interpreter discovery
    adds one). Raises ValueError when the packed text is not a JSON object.
    """
    text = result.pop(PACKED_KEY, None)
    if text is None:
        return result
    if not isinstance(text, str):
        raise ValueError("the packed module result is not a text")
    values = json.loads(text)
    if not isinstance(values, dict):
        raise ValueError("the packed module result is not a JSON object")
    facts = values.pop("ansible_facts", None)
    result.update(values)
    if facts:
        result.setdefault("ansible_facts", {}).update(facts)
    return result
