# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Render one template file to text the way ansible.builtin.template's lookup does, without
deep-copying every host variable first (the role_template lookup and the firewall_ruleset
action both render through here).

The template reads the variables through a layer that holds only the ``template_*``
variables and the caller's own; with an allowlist of thousands of entries the copy that
the builtin lookup makes costs most of a second per template.
"""

from __future__ import annotations

import datetime
import os
import pwd
import time
from collections import ChainMap

from ansible import constants
from ansible.template import trust_as_template


def template_vars(term: str, path: str) -> dict:
    """The variables ansible.builtin.template's lookup adds for a template (ansible-core 2.19)."""
    info = os.stat(path)
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = info.st_uid
    managed = constants.config.get_config_value("DEFAULT_MANAGED_STR").format(
        host="{{ template_host }}", uid="{{ template_uid }}", file="{{ template_path }}")
    return {
        "template_host": os.uname()[1],
        "template_path": term,
        "template_mtime": datetime.datetime.fromtimestamp(info.st_mtime),
        "template_uid": owner,
        "template_run_date": datetime.datetime.now(),
        "template_destpath": None,
        "template_fullpath": path,
        "ansible_managed": trust_as_template(time.strftime(managed, time.localtime(info.st_mtime))),
    }


def render(templar, loader, term: str, path: str, variables, extra=None) -> str:
    """The text of the template at ``path`` (found for ``term``), rendered over ``variables`` and ``extra``."""
    text = trust_as_template(loader.get_text_file_contents(path))
    searchpath = [os.path.dirname(path)]
    for directory in variables.get("ansible_search_path", []):
        searchpath += [os.path.join(directory, "templates"), directory]
    layer = template_vars(term, path)
    if "ansible_managed" in variables:  # a user's own ansible_managed wins, as with the builtin lookup
        del layer["ansible_managed"]
    layer.update(extra or {})
    engine = templar.copy_with_new_env(available_variables=ChainMap(layer, variables), searchpath=searchpath)
    return engine.template(text, escape_backslashes=False)
