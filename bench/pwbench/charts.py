# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""One PNG per table of BENCHMARKS.md (matplotlib, no display needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {
    "listening_ports": "#1f77b4", "listening_ports_lean": "#aec7e8", "listen_ports_facts": "#d62728", "ss": "#2ca02c", "psutil": "#9467bd",
    "gather": "#17becf", "ping": "#7f7f7f", "port_audit": "#1f77b4", "sets": "#1f77b4", "per_port": "#d62728",
}


def _finish(fig, path: str, note: str) -> None:
    fig.text(0.01, 0.005, note, fontsize=7, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


LOG_FLOOR = 0.005   # seconds: a difference below this (or negative: noise) is drawn as "~0"


def bars(path: str, title: str, groups: list, series: list, ylabel: str, note: str, log: bool = False) -> None:
    """groups: x labels; series: [(name, label, [(median, min, max) or None per group])]."""
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / max(1, len(series))
    for index, (name, label, values) in enumerate(series):
        xs, ys, lo, hi = [], [], [], []
        for group_index, value in enumerate(values):
            if value is None or value[0] is None:
                continue
            median, vmin, vmax = value
            x = group_index + (index - (len(series) - 1) / 2) * width
            if log and median <= LOG_FLOOR:
                # A time difference at or below zero is noise on a loaded machine, not a speed.
                ax.text(x, LOG_FLOOR * 1.15, "~0", ha="center", va="bottom", fontsize=7, color=COLOURS.get(name))
                continue
            xs.append(x)
            ys.append(median)
            low = max(vmin, LOG_FLOOR) if log else vmin
            lo.append(max(0.0, median - low))
            hi.append(max(0.0, vmax - median))
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=label, color=COLOURS.get(name))
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(bottom=LOG_FLOOR)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    _finish(fig, path, note)


def lines(path: str, title: str, xs: list, series: list, xlabel: str, ylabel: str, note: str) -> None:
    """series: [(label, [(median, min, max) or None per x])]."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, values in series:
        points = [(x, v) for x, v in zip(xs, values) if v is not None and v[0] is not None]
        if not points:
            continue
        ax.errorbar([p[0] for p in points], [p[1][0] for p in points],
                    yerr=[[p[1][0] - p[1][1] for p in points], [p[1][2] - p[1][0] for p in points]],
                    marker="o", capsize=3, label=label)
    ax.set_xticks(xs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    _finish(fig, path, note)


def firewall(path: str, sizes: list, rules: dict, apply: dict, note: str) -> None:
    """rules/apply: {"sets": [...], "per_port": [...]} per size; apply values are (median, min, max)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    labels = {"sets": "interval sets (portwarden)", "per_port": "one rule per port"}
    for name in ("sets", "per_port"):
        left.plot(sizes, rules[name], marker="o", label=labels[name], color=COLOURS[name])
        points = [(s, v) for s, v in zip(sizes, apply[name]) if v and v[0] is not None]
        right.errorbar([p[0] for p in points], [p[1][0] for p in points],
                       yerr=[[p[1][0] - p[1][1] for p in points], [p[1][2] - p[1][0] for p in points]],
                       marker="o", capsize=3, label=labels[name], color=COLOURS[name])
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("allowlist entries")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    left.set_yscale("log")
    left.set_ylabel("rules in table inet portwarden")
    left.set_title("Rule count")
    right.set_yscale("log")
    right.set_ylabel("seconds")
    right.set_title("nft -f apply time")
    right.axhline(1.0, color="#999999", linestyle="--", linewidth=1)
    _finish(fig, path, note)


def stacked(path: str, title: str, rows: list, xlabel: str, note: str) -> None:
    """rows: [(bar label, [(segment label, seconds)])] drawn as horizontal stacked bars."""
    fig, ax = plt.subplots(figsize=(13, 2.2 + 0.9 * len(rows)))
    palette = plt.get_cmap("tab20")
    seen = {}
    for row_index, (label, segments) in enumerate(rows):
        left = 0.0
        for segment, seconds in segments:
            colour = seen.setdefault(segment, palette(len(seen) % 20))
            ax.barh(row_index, seconds, left=left, color=colour, label=segment if segment not in ax.get_legend_handles_labels()[1] else None)
            left += seconds
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _finish(fig, path, note)
