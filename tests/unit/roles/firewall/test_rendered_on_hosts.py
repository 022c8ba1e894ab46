# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The expected template outputs (tests/unit/fixtures/firewall/) checked by the real tools
inside the test host images: ``nft -c`` on Debian 11, 12 and 13, ``iptables-restore
--test`` (iptables-nft and iptables-legacy, with the ipsets created first),
``ufw --dry-run`` and ``firewall-offline-cmd --check-config``.

Skipped when Docker or an image is not available (``make images`` builds them).
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "firewall"
CASES = sorted(path.name for path in FIXTURES.iterdir() if (path / "portwarden.nft").exists())


def image_available(image):
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False).returncode == 0


def in_container(image, script):
    if not image_available(image):
        pytest.skip("image %s is not available (make images)" % image)
    run = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--cap-add", "NET_ADMIN", "-v", "%s:/fixtures:ro" % FIXTURES,
         "--entrypoint", "/bin/sh", image, "-ec", script],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.mark.parametrize("suite", ["bullseye", "bookworm", "trixie"])
def test_nft_accepts_every_rendered_ruleset(suite):
    out = in_container("portwarden/base:%s" % suite, "".join(
        "nft -c -f /fixtures/%s/portwarden.nft && echo ok %s\n" % (case, case) for case in CASES))
    assert out.split() == [word for case in CASES for word in ("ok", case)]


@pytest.mark.parametrize("variant", ["nft", "legacy"])
def test_iptables_restore_accepts_every_rendered_ruleset(variant):
    script = "".join(
        "ipset restore -file /fixtures/{case}/ipset.conf\n"
        "iptables-{variant}-restore --test --noflush /fixtures/{case}/iptables.v4\n"
        "ip6tables-{variant}-restore --test --noflush /fixtures/{case}/iptables.v6\n"
        "ipset destroy\n"
        "echo ok {case}\n".format(case=case, variant=variant) for case in CASES)
    out = in_container("portwarden/firewall-ipset:bookworm", script)
    assert out.split() == [word for case in CASES for word in ("ok", case)]


def test_ufw_accepts_every_rendered_rule():
    script = "".join(
        "grep '^allow ' /fixtures/{case}/ufw.rules | while read -r line; do eval \"ufw --dry-run $line\" >/dev/null; done\n"
        "echo ok {case}\n".format(case=case) for case in CASES)
    out = in_container("portwarden/firewall-ufw:bookworm", script)
    assert out.split() == [word for case in CASES for word in ("ok", case)]


def test_firewalld_accepts_every_rendered_zone():
    script = "".join(
        "rm -rf /tmp/c && mkdir -p /tmp/c/zones && cp /etc/firewalld/firewalld.conf /tmp/c/\n"
        "cp /fixtures/{case}/portwarden.xml /tmp/c/zones/portwarden.xml\n"
        "firewall-offline-cmd --system-config /tmp/c --check-config\n"
        "echo ok {case}\n".format(case=case) for case in CASES)
    out = in_container("portwarden/firewall-firewalld:bookworm", script)
    assert [line for line in out.split("\n") if line.startswith("ok ")] == ["ok %s" % case for case in CASES]
