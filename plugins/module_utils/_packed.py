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

The module packs only when its action plugin asked for it through the environment
(``PACK_ENV``; an environment variable rather than a module option, so that nothing
internal appears in the module's documentation or its ``invocation``), so the result a
task sees is the same either way; without the action plugin (an async task, a direct
call) nothing is packed. It also packs
only when it has no no_log values: ``remove_values`` would still mask such a value inside
the text, but could not replace a whole value with its placeholder as it does otherwise.

The packed text comes from the managed host, so it is hostile input. ansible-core cleans a
module result (``add_host``, ``add_group``, ``_ansible_*``, unsafe facts) before an action
plugin sees it, but the text inside was not cleaned: ``unpack`` accepts only the keys and
facts the module declares, and refuses text that is not valid Unicode.
"""

from __future__ import annotations

import json
import os

# The environment variable through which the action plugin asks for packing ("1").
PACK_ENV = "PORTWARDEN_PACK_RESULT"
# The result key that holds the packed values.
PACKED_KEY = "_packed_result"
# ansible-core's internal keys; a module result may never carry them (ansible.constants).
_INTERNAL_PREFIX = "_ansible_"


class PackedError(ValueError):
    """The packed text cannot be accepted at all (not JSON, not an object, not valid Unicode)."""


def result_values(module, values: dict) -> dict:
    """Keyword arguments for exit_json/fail_json carrying ``values``: packed when asked and safe."""
    if os.environ.get(PACK_ENV) == "1" and not module.no_log_values:
        return {PACKED_KEY: json.dumps(values, separators=(",", ":"))}
    return values


def _check_unicode(text: str, values) -> None:
    """Refuse lone surrogates: raw in the text (undecodable bytes) or escaped (``\\udc80``)."""
    try:
        text.encode("utf-8")
        # Only an escape can still produce a lone surrogate; most texts carry none worth re-checking.
        if "\\ud" in text or "\\uD" in text:
            json.dumps(values, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise PackedError("the packed module result is not valid UTF-8") from None


def _strip_internal(value, dropped: list, where: str) -> None:
    """Remove ``_ansible_*`` keys at any depth (in place), noting where."""
    if isinstance(value, dict):
        for key in [key for key in value if isinstance(key, str) and key.startswith(_INTERNAL_PREFIX)]:
            del value[key]
            dropped.append("%s.%s" % (where, key))
        for key, inner in value.items():
            if isinstance(inner, (dict, list)):
                _strip_internal(inner, dropped, "%s.%s" % (where, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            if isinstance(inner, (dict, list)):
                _strip_internal(inner, dropped, "%s[%d]" % (where, index))


def unpack(result: dict, keys, facts=(), clean_facts=None) -> list:
    """Put the packed values back where the module would have returned them, in place.

    Only ``keys`` (the module's documented result keys that it packs) are taken, and of
    ``ansible_facts`` only the fact names in ``facts``, then passed through ``clean_facts``
    (ansible-core's, on the controller). Everything else - ``add_host``, ``add_group``,
    ``_ansible_*`` at any depth, undeclared keys and facts - is dropped. Returns the list of
    what was dropped, for a warning. Raises PackedError when the text is not a JSON object
    or not valid Unicode; then nothing was merged.
    """
    text = result.pop(PACKED_KEY, None)
    if text is None:
        return []
    if not isinstance(text, str):
        raise PackedError("the packed module result is not a text")
    try:
        values = json.loads(text)
    except ValueError as error:
        raise PackedError("the packed module result is not JSON: %s" % error) from None
    if not isinstance(values, dict):
        raise PackedError("the packed module result is not a JSON object")
    _check_unicode(text, values)
    dropped = [key for key in values if key not in keys]
    for key in dropped:
        del values[key]
    # A key can also be spelled with JSON escapes of ASCII ("_\u0061nsible_"); look deeper only then.
    if _INTERNAL_PREFIX in text or "\\u00" in text:
        _strip_internal(values, dropped, "")
        dropped = [where.lstrip(".") for where in dropped]
    packed_facts = values.pop("ansible_facts", None)
    if packed_facts is not None:
        if not isinstance(packed_facts, dict):
            dropped.append("ansible_facts")
            packed_facts = {}
        for name in [name for name in packed_facts if name not in facts]:
            del packed_facts[name]
            dropped.append("ansible_facts.%s" % name)
        if clean_facts is not None and packed_facts:
            cleaned = clean_facts(packed_facts)
            dropped.extend("ansible_facts.%s" % name for name in packed_facts if name not in cleaned)
            packed_facts = cleaned
    result.update(values)
    if packed_facts:
        result.setdefault("ansible_facts", {}).update(packed_facts)
    return dropped
