# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The action plugin behind modules whose results are large (listening_ports, port_audit).

It runs the module as ``ansible.builtin.normal`` would, asking it to pack its bulky values
into one JSON text (see ``module_utils/_packed.py`` for why), and unpacks them, so the
task result is exactly what the module alone would return - only cheaper to carry.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.portwarden.hardening.plugins.module_utils._packed import PACK_OPTION, unpack


class PackedResultAction(ActionBase):
    """Run the module of the same name; unpack what it packed."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(PackedResultAction, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect

        wrap_async = self._task.async_val and not self._connection.has_native_async
        module_args = dict(self._task.args)
        # An async job's result is read later by async_status, which never passes through
        # here to unpack it: such a module returns its values as they are.
        if not self._task.async_val:
            module_args[PACK_OPTION] = True
        result = merge_hash(result, self._execute_module(module_args=module_args, task_vars=task_vars, wrap_async=wrap_async))

        invocation = result.get("invocation")
        if isinstance(invocation, dict) and isinstance(invocation.get("module_args"), dict):
            invocation["module_args"].pop(PACK_OPTION, None)
        try:
            unpack(result)
        except ValueError as error:
            result = {"failed": True, "msg": "the module's packed result could not be read: %s" % error}

        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
