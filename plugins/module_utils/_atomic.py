# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The one atomic file write every writer in the collection uses.

A reader (or a boot that happens in between) sees either the old or the new file, never
half of one. The rollback watchdog (``_rollback.WATCHDOG``) keeps a copy of this function
in its own text, because it runs as a standalone script without module_utils.
"""

from __future__ import annotations

import os
import tempfile


def write_atomic(path, data, mode=0o600, owner=None, make_dirs=False) -> None:
    """Replace ``path`` with ``data`` (bytes, or text written as UTF-8) in one rename.

    ``mode`` and ``owner`` (uid, gid) are set on the temporary file's descriptor before the
    rename: a chmod by name would follow a symlink swapped in meanwhile, and mkstemp
    (O_CREAT|O_EXCL, unpredictable name) never follows a planted one. ``make_dirs``: create
    missing parent directories (mode 0755) first.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = os.path.dirname(path) or "."
    if make_dirs:
        os.makedirs(directory, mode=0o755, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".portwarden-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if owner is not None:
                os.fchown(stream.fileno(), owner[0], owner[1])
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.rename(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
