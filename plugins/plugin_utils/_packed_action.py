# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The action plugin behind modules whose results are large (listening_ports, port_audit).

It runs the module as ``ansible.builtin.normal`` would, asking it (through the environment
variable ``PACK_ENV``, so the module has no internal option to document) to pack its bulky
values into one JSON text (see ``module_utils/_packed.py`` for why), and unpacks them, so
the task result is exactly what the module alone would return - only cheaper to carry.

The packed text is not cleaned by ansible-core, so only what the module declares is
taken from it: ``PACKED_KEYS`` (documented result keys) and ``PACKED_FACTS`` (documented
fact names), each subclass naming its module's. Anything else is dropped with a warning.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash
from ansible.vars.clean import clean_facts

from ansible_collections.portwarden.hardening.plugins.module_utils._packed import PACK_ENV, PackedError, unpack

display = Display()


class PackedResultAction(ActionBase):
    """Run the module of the same name; unpack what it packed, keeping only declared keys."""

    _supports_check_mode = True
    _supports_async = True

    # The documented result keys the module may carry packed, and the facts it may set.
    PACKED_KEYS: frozenset = frozenset()
    PACKED_FACTS: frozenset = frozenset()

    def _compute_environment_string(self, raw_environment_out=None):
        """The task's environment, plus the request to pack (ansible-core exports it to the module).

        A value the task itself sets for ``PACK_ENV`` is overridden: packing is this plugin's
        decision, since only this plugin unpacks.
        """
        environment = {}
        super(PackedResultAction, self)._compute_environment_string(environment)
        # An async job's result is read later by async_status, which never passes through
        # here to unpack it: such a module returns its values as they are.
        if self._task.async_val:
            environment.pop(PACK_ENV, None)
        else:
            environment[PACK_ENV] = "1"
        if isinstance(raw_environment_out, dict):
            raw_environment_out.clear()
            raw_environment_out.update(environment)
        return self._connection._shell.env_prefix(**environment)

    def run(self, tmp=None, task_vars=None):
        result = super(PackedResultAction, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect

        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_args=dict(self._task.args), task_vars=task_vars,
                                                         wrap_async=wrap_async))
        try:
            dropped = unpack(result, self.PACKED_KEYS, self.PACKED_FACTS, clean_facts)
        except PackedError as error:
            result = {"failed": True, "msg": "the module's packed result could not be read: %s" % error}
        else:
            if dropped:
                display.warning(
                    "%s: the host returned undeclared result keys; dropped: %s"
                    % (self._task.action, ", ".join(sorted(dropped)[:20]) + (" ..." if len(dropped) > 20 else ""))
                )

        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
