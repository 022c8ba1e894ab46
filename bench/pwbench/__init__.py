# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The `make bench` driver: containers, alternating timers, the four measures and the report."""
