# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Commit-confirmed changes on the host: arm a rollback, restart its countdown, disarm it.

A rollback is a directory ``<base_dir>/<token>/`` holding a restore **plan** and a small
stand-alone **watchdog** script (stdlib only, so it runs when the Ansible connection and
the module that armed it are long gone). The plan knows nothing about firewalls::

    {
      "scope": "firewall",                # one pending rollback per scope
      "description": "...",                # for messages
      "files": ["/etc/nftables.d/portwarden.nft", ...],   # snapshotted at arm time,
                                           # restored byte for byte (absent ones removed)
      "restore_files": "before" | "after", # before or after the steps run
      "payloads": {"ruleset": "text"},     # written into the directory for the steps
      "steps": [{"argv": ["/usr/sbin/nft", "-f", {"payload": "ruleset"}],
                 "stdin": None | {"payload": "name"}, "ok_rc": [0]}],
      "commit": [{"path": "/etc/nftables.d/portwarden.nft", "payload": "boot.nft" | None,
                  "mode": 0o640}],        # written (None: removed) only when disarmed
      "meta": {...},                       # opaque, handed back by status()
    }

The watchdog sleeps until the deadline (a ``CLOCK_MONOTONIC`` value in the file
``deadline``, read again on every wake-up, so ``restart()`` can move it), then takes the
directory's lock and, unless the rollback was disarmed meanwhile, restores the files, runs
the steps and writes ``result.json``. ``disarm()`` takes the same lock and writes the
commit files (what the change keeps only once confirmed, such as boot files), so a
rollback either fires completely or not at all, and a disarm that comes too late learns
that it fired.

Where systemd runs, the watchdog is a transient service (``systemd-run``), a child of PID 1
that no SSH session, cgroup or logind policy can take down with it; elsewhere it is a
detached process in its own session (``setsid``), which no SIGHUP of the session reaches.
``arm()`` returns only once the watchdog has reported in.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from ansible_collections.portwarden.hardening.plugins.module_utils._atomic import write_atomic as _write
from ansible_collections.portwarden.hardening.plugins.module_utils._constants import ROLLBACK_DIR

DEFAULT_DIR = ROLLBACK_DIR
UNIT_PREFIX = "portwarden-rollback-"
# Fired rollbacks stay for post-mortems; older ones are removed by the next arm().
KEEP_FIRED_SECONDS = 7 * 24 * 3600
STARTUP_WAIT = 10.0
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

WATCHDOG = r'''# portwarden rollback watchdog: restores a snapshot unless disarmed in time.
# Written by portwarden.hardening (module_utils/firewall/_rollback.py); stdlib only on purpose.
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time

SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def path(directory, name):
    return os.path.join(directory, name)


def write_atomic(target, data, mode=0o600, owner=None):
    # A copy of module_utils/_atomic.write_atomic (this script runs without module_utils),
    # except that a failed chown is ignored: a restore must not stop over an owner.
    # mkstemp: O_CREAT|O_EXCL with an unpredictable name, so no planted file or symlink is
    # followed; fchmod on the descriptor, never chmod through a path.
    handle, temporary = tempfile.mkstemp(prefix=".portwarden-", dir=os.path.dirname(target) or ".")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if owner is not None:
                try:
                    os.fchown(stream.fileno(), owner[0], owner[1])
                except OSError:
                    pass
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.rename(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read_bytes(target):
    handle = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(handle, "rb") as stream:
        return stream.read()


def open_lock(directory):
    handle = os.open(path(directory, "lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    return os.fdopen(handle, "r+b")


def settled(directory):
    return (not os.path.exists(path(directory, "plan.json"))
            or os.path.exists(path(directory, "disarmed"))
            or os.path.exists(path(directory, "result.json")))


def deadline(directory):
    try:
        return float(read_bytes(path(directory, "deadline")).decode("ascii").strip())
    except (OSError, ValueError):
        # An unreadable deadline must not keep an unconfirmed change alive.
        return 0.0


def restore_files(directory, plan, report):
    for item in plan["files"]:
        target = item["path"]
        try:
            if item["saved"] is None:
                if os.path.lexists(target):
                    os.unlink(target)
                    report.append({"file": target, "action": "removed"})
                continue
            data = read_bytes(path(directory, item["saved"]))
            parent = os.path.dirname(target)
            if parent and not os.path.isdir(parent):
                os.makedirs(parent, 0o755)
            write_atomic(target, data, item["mode"], owner=(item["uid"], item["gid"]))
            report.append({"file": target, "action": "restored"})
        except OSError as error:
            report.append({"file": target, "action": "failed", "error": str(error)})


def resolve(directory, value):
    if isinstance(value, dict):
        return path(path(directory, "payloads"), value["payload"])
    return value


def run_steps(directory, plan, report):
    env = dict(os.environ, PATH=SAFE_PATH, LANG="C", LC_ALL="C")
    for step in plan["steps"]:
        argv = [resolve(directory, arg) for arg in step["argv"]]
        stdin = None
        try:
            if step.get("stdin"):
                stdin = open(resolve(directory, step["stdin"]), "rb")
            done = subprocess.run(argv, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                  timeout=step.get("timeout", 300))
            output = done.stdout.decode("utf-8", "replace").strip()[-2000:]
            ok = done.returncode in step.get("ok_rc", [0])
            report.append({"argv": argv, "rc": done.returncode, "ok": ok, "output": output})
        except (OSError, subprocess.SubprocessError) as error:
            report.append({"argv": argv, "rc": None, "ok": False, "output": str(error)})
        finally:
            if stdin is not None:
                stdin.close()


def put_back_held(directory, plan, report):
    # Files the change wrote and that were put back to the snapshot until it is confirmed
    # (hold()): steps written for the changed state find it again before they run.
    for item in plan.get("held", []):
        try:
            if item["payload"] is None:
                if os.path.lexists(item["path"]):
                    os.unlink(item["path"])
            else:
                write_atomic(item["path"], read_bytes(path(path(directory, "payloads"), item["payload"])), item["mode"])
        except OSError as error:
            report.append({"file": item["path"], "action": "failed", "error": "putting the changed file back: %s" % error})


def rebooted(directory):
    # The host restarted since the rollback was armed: what runs now was loaded at boot from
    # the boot files, which held the snapshot (commit files and held files are written only
    # at the confirmation).
    try:
        armed_boot = json.loads(read_bytes(path(directory, "armed.json")).decode("utf-8")).get("boot_id")
        return bool(armed_boot) and boot_id() != armed_boot
    except (OSError, ValueError, AttributeError):
        return False


def boot_id():
    # Same as boot_id() in _rollback.py: the kernel's boot id and when PID 1 started.
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            kernel = handle.read().strip()
        with open("/proc/1/stat") as handle:
            started = handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""
    return "%s/%s" % (kernel, started)


def fire(directory):
    plan = json.loads(read_bytes(path(directory, "plan.json")).decode("utf-8"))
    report = []
    started = time.time()
    if rebooted(directory):
        # Only the files: the running firewall was booted from the snapshot already, and
        # steps written for the changed state (ufw's) would add its rules twice.
        restore_files(directory, plan, report)
        report.append({"note": "the host restarted before the change was confirmed and booted the previous "
                               "configuration; the files were restored, the running firewall left as booted"})
    elif plan.get("restore_files", "before") == "after":
        put_back_held(directory, plan, report)
        run_steps(directory, plan, report)
        restore_files(directory, plan, report)
    else:
        restore_files(directory, plan, report)
        run_steps(directory, plan, report)
    ok = all(item.get("ok", item.get("action") != "failed") for item in report)
    result = {"ok": ok, "fired_at": started, "seconds": round(time.time() - started, 3), "report": report}
    write_atomic(path(directory, "result.json"), (json.dumps(result, indent=1, sort_keys=True) + "\n").encode())
    return ok


def main():
    directory = sys.argv[1]
    immediately = sys.argv[2:] in (["--now"], ["--again"])
    # --again restores once more after a rollback that fired while the change was still
    # being applied (the apply may have put parts of the change back in).
    again = sys.argv[2:] == ["--again"]
    if not immediately:
        write_atomic(path(directory, "pid"), ("%d\n" % os.getpid()).encode())
        while not settled(directory):
            remaining = deadline(directory) - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(remaining, 0.2))
    if not os.path.isdir(directory):
        return 0
    with open_lock(directory) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if again and os.path.exists(path(directory, "result.json")) and not os.path.exists(path(directory, "disarmed")):
            return 0 if fire(directory) else 1
        if settled(directory):
            return 0
        return 0 if fire(directory) else 1


if __name__ == "__main__":
    sys.exit(main())
'''


class RollbackError(Exception):
    """Arming, disarming or reading a rollback failed; the message says why."""


def _path(directory, name):
    return os.path.join(directory, name)


def _read_bytes(target) -> bytes:
    """Read without following a symlink planted in place of one of our files."""
    handle = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(handle, "rb") as stream:
        return stream.read()


def _read(target):
    try:
        return _read_bytes(target).decode("utf-8")
    except (OSError, ValueError):
        return None


def _read_json(target):
    text = _read(target)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _which(name):
    return shutil.which(name, path=os.environ.get("PATH", "") + ":" + SAFE_PATH)


def boot_id(proc="/proc") -> str:
    """Which boot this is: the kernel's boot id and the start time of PID 1.

    A container restart keeps the kernel (and its boot id) but starts a new PID 1, and
    either one changing means everything running was started again from the boot files.
    """
    kernel = (_read(proc + "/sys/kernel/random/boot_id") or "").strip()
    try:
        started = (_read(proc + "/1/stat") or "").rsplit(")", 1)[1].split()[19]
    except IndexError:
        return ""
    return "%s/%s" % (kernel, started)


def systemd_running(root="/") -> bool:
    """sd_booted(): systemd is PID 1 when this directory exists."""
    return os.path.isdir(os.path.join(root, "run/systemd/system"))


def new_token() -> str:
    return "%s-%s" % (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), os.urandom(3).hex())


def _directory(base_dir, token) -> str:
    if not token or "/" in token or token.startswith("."):
        raise RollbackError("invalid rollback token %r" % (token,))
    return os.path.join(base_dir, token)


def watchdog_pid(directory):
    """PID of the watchdog of ``directory`` when it still runs, else None."""
    text = _read(_path(directory, "pid"))
    try:
        pid = int((text or "").strip())
    except ValueError:
        return None
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().split(b"\0")
    except OSError:
        return None
    return pid if directory.encode() in cmdline else None


def _state(directory) -> str:
    if not os.path.isdir(directory):
        return "unknown"
    if os.path.exists(_path(directory, "result.json")):
        return "fired"
    if os.path.exists(_path(directory, "disarmed")) or not os.path.exists(_path(directory, "plan.json")):
        return "disarmed"
    return "armed"


def _remaining(directory):
    try:
        return max(0.0, round(float(_read(_path(directory, "deadline")) or "") - time.monotonic(), 3))
    except ValueError:
        return 0.0


def status(token, base_dir=DEFAULT_DIR) -> dict:
    """What became of a rollback: armed (with seconds remaining), fired (with the result), disarmed, unknown."""
    directory = _directory(base_dir, token)
    state = _state(directory)
    info = {"token": token, "state": state}
    if state == "unknown":
        return info
    record = _read_json(_path(directory, "armed.json")) or {}
    info.update(scope=record.get("scope"), method=record.get("method"), meta=record.get("meta"))
    if state == "armed":
        info["remaining"] = _remaining(directory)
        info["watchdog_alive"] = watchdog_pid(directory) is not None and record.get("boot_id") == boot_id()
    if state == "fired":
        info["result"] = _read_json(_path(directory, "result.json"))
    if state == "disarmed":
        info["committed"] = (_read_json(_path(directory, "disarmed")) or {}).get("committed", [])
    return info


def _snapshot(directory, paths) -> list:
    os.makedirs(_path(directory, "files"), 0o700)
    files = []
    for number, target in enumerate(paths):
        item = {"path": target, "saved": None, "mode": 0o600, "uid": 0, "gid": 0}
        try:
            with open(target, "rb") as handle:
                data = handle.read()
                info = os.fstat(handle.fileno())
        except FileNotFoundError:
            files.append(item)
            continue
        item.update(saved="files/%03d" % number, mode=info.st_mode & 0o7777, uid=info.st_uid, gid=info.st_gid)
        _write(_path(directory, item["saved"]), data)
        files.append(item)
    return files


def _launch(directory, token, python, use_systemd, wait):
    """Start the watchdog and wait until it reports in; returns (method, unit or None, note)."""
    argv = [python, _path(directory, "watchdog.py"), directory]
    note = None
    systemd_run = _which("systemd-run") if use_systemd else None
    if systemd_run:
        unit = UNIT_PREFIX + token
        # --no-block and no default dependencies: a host whose boot or shutdown is stuck
        # must not hang the apply; the watchdog reporting in is what counts.
        try:
            done = subprocess.run(
                [systemd_run, "--quiet", "--collect", "--no-block", "--unit=%s" % unit, "--property=Type=exec",
                 "--property=DefaultDependencies=no", "--description=portwarden rollback %s" % token, "--"] + argv,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=wait, check=False,
            )
            output, rc = done.stdout.decode("utf-8", "replace").strip(), done.returncode
        except subprocess.TimeoutExpired:
            output, rc = "systemd-run did not return within %.0f s" % wait, None
        if rc == 0 and _wait_for_watchdog(directory, wait):
            return "systemd", unit, None
        if rc == 0:
            output = "it did not report in within %.0f s" % wait
        note = "the systemd unit did not start (%s); the watchdog runs as a detached process instead" % (
            output or "systemd-run rc=%s" % rc)
        systemctl = _which("systemctl")
        if systemctl:
            try:
                subprocess.run([systemctl, "stop", "--no-block", unit + ".service"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=wait, check=False)
            except subprocess.TimeoutExpired:
                pass
    with open(os.devnull, "r+b") as null:
        subprocess.Popen(argv, stdin=null, stdout=null, stderr=null, close_fds=True, cwd="/", start_new_session=True)
    if not _wait_for_watchdog(directory, wait):
        raise RollbackError("the rollback watchdog did not start within %.0f s" % wait)
    return "detached", None, note


def _wait_for_watchdog(directory, wait) -> bool:
    until = time.monotonic() + wait
    while time.monotonic() < until:
        if watchdog_pid(directory) is not None:
            return True
        time.sleep(0.02)
    return False


def _kill(directory) -> None:
    pid = watchdog_pid(directory)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass


def tokens(base_dir=DEFAULT_DIR) -> list:
    try:
        names = os.listdir(base_dir)
    except FileNotFoundError:
        return []
    return sorted(name for name in names if not name.startswith(".") and os.path.isdir(_path(base_dir, name)))


def _tidy(base_dir) -> None:
    """Remove disarmed leftovers and fired rollbacks older than KEEP_FIRED_SECONDS."""
    now = time.time()
    for token in tokens(base_dir):
        directory = _path(base_dir, token)
        state = _state(directory)
        if state == "disarmed" or (state == "fired" and now - os.path.getmtime(_path(directory, "result.json")) > KEEP_FIRED_SECONDS):
            shutil.rmtree(directory, ignore_errors=True)


def settle_earlier(scope, base_dir=DEFAULT_DIR, python=None, check_mode=False) -> list:
    """Deal with rollbacks of ``scope`` that earlier runs armed and never confirmed.

    One whose watchdog still counts down means another run is in its confirmation window:
    refuse (RollbackError), its snapshot is the state to go back to, and nothing may be
    applied or persisted over it. One whose watchdog is gone (the host rebooted, the
    process was killed) is an unconfirmed change nobody will confirm any more: restore it
    now. Returns one dict per rollback settled: ``token``, ``description``, ``action``
    (``restored``; in check mode ``would restore`` or ``pending``), ``ok`` and ``message``.
    """
    settled = []
    for token in tokens(base_dir):
        directory = _path(base_dir, token)
        if _state(directory) != "armed":
            continue
        record = _read_json(_path(directory, "armed.json")) or {}
        if record.get("scope") != scope:
            continue
        what = "%s, %s" % (token, record.get("description") or scope)
        alive = watchdog_pid(directory) is not None and record.get("boot_id") == boot_id()
        item = {"token": token, "description": record.get("description") or scope, "ok": None}
        if alive:
            message = ("a rollback armed by an earlier run (%s) is still counting down (%.0f s left); wait until it "
                       "is confirmed or has fired, then run again" % (what, _remaining(directory)))
            if not check_mode:
                raise RollbackError(message)
            settled.append(dict(item, action="pending", message=message))
            continue
        if check_mode:
            settled.append(dict(item, action="would restore", message=(
                "an unconfirmed change from an earlier run (%s) whose watchdog is gone would be rolled back now" % what)))
            continue
        done = fire_now(token, base_dir=base_dir, python=python)
        ok = bool((done.get("result") or {}).get("ok"))
        settled.append(dict(item, action="restored", ok=ok, message=(
            "an unconfirmed change from an earlier run (%s) whose watchdog was gone has been rolled back now%s"
            % (what, "" if ok else " (with errors)"))))
    return settled


def arm(plan, timeout, base_dir=DEFAULT_DIR, python=None, use_systemd=None, startup_wait=STARTUP_WAIT, lead_time=0) -> dict:
    """Snapshot the plan's files, write the plan and start the watchdog; see the module docstring.

    The first countdown is ``lead_time + timeout``: room for the change itself, which may
    take a while (ufw); the caller restart()s the countdown once the change is in.
    """
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise RollbackError("the rollback timeout must be a positive number of seconds, got %r" % (timeout,))
    python = python or sys.executable
    if use_systemd is None:
        use_systemd = systemd_running()
    os.makedirs(base_dir, 0o700, exist_ok=True)
    _tidy(base_dir)
    earlier = [item["message"] for item in settle_earlier(plan["scope"], base_dir=base_dir, python=python)]

    token = new_token()
    directory = _directory(base_dir, token)
    os.makedirs(directory, 0o700)
    try:
        files = _snapshot(directory, plan.get("files", []))
        os.makedirs(_path(directory, "payloads"), 0o700)
        for name, text in sorted((plan.get("payloads") or {}).items()):
            if "/" in name or name.startswith("."):
                raise RollbackError("invalid payload name %r" % name)
            _write(_path(_path(directory, "payloads"), name), text)
        stored = {
            "commit": plan.get("commit", []),
            "files": files,
            "restore_files": plan.get("restore_files", "before"),
            "steps": plan.get("steps", []),
        }
        # Long enough for the watchdog to start; the countdown proper starts once it runs.
        _write(_path(directory, "deadline"), "%.6f\n" % (time.monotonic() + timeout + startup_wait + 1))
        _write(_path(directory, "watchdog.py"), WATCHDOG, mode=0o700)
        _write(_path(directory, "plan.json"), json.dumps(stored, indent=1, sort_keys=True) + "\n")
        record = {
            "scope": plan["scope"],
            "description": plan.get("description"),
            "meta": plan.get("meta"),
            "method": None,
            "unit": None,
            "boot_id": boot_id(),
            "timeout": timeout,
        }
        # Written before the watchdog starts, so settle_earlier() always knows the scope.
        _write(_path(directory, "armed.json"), json.dumps(record, indent=1, sort_keys=True) + "\n")
        method, unit, note = _launch(directory, token, python, use_systemd, startup_wait / 2.0)
        # The countdown starts once the watchdog runs: starting it may have taken seconds.
        _write(_path(directory, "deadline"), "%.6f\n" % (time.monotonic() + lead_time + timeout))
        record.update(method=method, unit=unit)
        _write(_path(directory, "armed.json"), json.dumps(record, indent=1, sort_keys=True) + "\n")
    except BaseException:
        _write(_path(directory, "disarmed"), "")
        _kill(directory)
        shutil.rmtree(directory, ignore_errors=True)
        raise
    notes = earlier + ([note] if note else [])
    return {"token": token, "dir": directory, "timeout": timeout, "method": method, "unit": unit, "notes": notes}


def restart(token, timeout, base_dir=DEFAULT_DIR) -> dict:
    """Start the countdown again from now (after a slow apply). Returns status().

    A state other than ``armed`` means the rollback fired while the change was applied (see
    fire_now(again=True)).
    """
    directory = _directory(base_dir, token)
    if _state(directory) == "unknown":
        return status(token, base_dir)
    lock = _locked(directory)
    try:
        if _state(directory) == "armed":
            _write(_path(directory, "deadline"), "%.6f\n" % (time.monotonic() + timeout))
    finally:
        lock.close()
    return status(token, base_dir)


def hold(token, paths, base_dir=DEFAULT_DIR) -> list:
    """Keep what the change wrote to ``paths`` until it is confirmed; put the snapshot back now.

    For tools that write their own boot configuration as they apply (ufw, firewalld): the
    running firewall keeps the change, the files go back to the snapshot taken at arm time,
    and the change's version of each file becomes a commit file, written by disarm(). A
    reboot before the confirmation boots the previous configuration. When the rollback
    fires, the held files are put back first for steps that expect the changed state
    (``restore_files: after``), then the snapshot is restored as usual. Returns the paths
    whose content was held (those the change had modified).
    """
    directory = _directory(base_dir, token)
    lock = _locked(directory)
    try:
        if _state(directory) != "armed":
            raise RollbackError("rollback %s is no longer armed" % token)
        plan = json.loads(_read_bytes(_path(directory, "plan.json")).decode("utf-8"))
        snapshot = {item["path"]: item for item in plan["files"]}
        held = []
        for number, target in enumerate(sorted(paths)):
            if target not in snapshot:
                raise RollbackError("%s was not snapshotted when the rollback was armed" % target)
            saved = snapshot[target]
            try:
                with open(target, "rb") as handle:
                    data = handle.read()
                    mode = os.fstat(handle.fileno()).st_mode & 0o7777
            except FileNotFoundError:
                data, mode = None, saved["mode"]
            before = _read_bytes(_path(directory, saved["saved"])) if saved["saved"] else None
            if data == before:
                continue
            name = None
            if data is not None:
                name = "held-%03d" % number
                _write(_path(_path(directory, "payloads"), name), data)
            plan.setdefault("held", []).append({"path": target, "payload": name, "mode": mode})
            plan.setdefault("commit", []).append({"path": target, "payload": name, "mode": mode})
            held.append(target)
        _write(_path(directory, "plan.json"), json.dumps(plan, indent=1, sort_keys=True) + "\n")
        for target in held:
            saved = snapshot[target]
            if saved["saved"] is None:
                if os.path.lexists(target):
                    os.unlink(target)
            else:
                _write(target, _read_bytes(_path(directory, saved["saved"])), saved["mode"])
                try:
                    os.chown(target, saved["uid"], saved["gid"])
                except OSError:
                    pass
    finally:
        lock.close()
    return held


def _locked(directory):
    handle = os.fdopen(os.open(_path(directory, "lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600), "r+b")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _commit(directory) -> list:
    """Write the files the change keeps only once confirmed (boot files); atomic each."""
    record = _read_json(_path(directory, "plan.json")) or {}
    written = []
    for item in record.get("commit", []):
        if item.get("payload") is None:
            if os.path.lexists(item["path"]):
                os.unlink(item["path"])
                written.append(item["path"])
            continue
        data = _read_bytes(_path(_path(directory, "payloads"), item["payload"]))
        os.makedirs(os.path.dirname(item["path"]) or "/", 0o755, exist_ok=True)
        _write(item["path"], data, item.get("mode", 0o640))
        written.append(item["path"])
    return written


def disarm(token, base_dir=DEFAULT_DIR) -> dict:
    """Confirm the change: write its commit files, and the rollback will not fire.

    A rollback that fired already says so instead. When a commit file cannot be written the
    rollback stays armed (and fires), so a host never keeps a change half committed. The
    directory stays, marked disarmed, until the next arm() tidies up, so a confirmation
    whose answer was lost on the way can still be read back with status().
    """
    directory = _directory(base_dir, token)
    if _state(directory) == "unknown":
        return {"token": token, "state": "unknown"}
    lock = _locked(directory)
    try:
        state = _state(directory)
        if state != "armed":
            return status(token, base_dir)
        try:
            committed = _commit(directory)
        except OSError as error:
            raise RollbackError("writing the confirmed files failed, so the rollback stays armed: %s" % error) from None
        _write(_path(directory, "disarmed"), json.dumps({"at": time.time(), "committed": committed}) + "\n")
        _kill(directory)
    finally:
        lock.close()
    for name in ("files", "payloads"):
        shutil.rmtree(_path(directory, name), ignore_errors=True)
    return {"token": token, "state": "disarmed", "committed": committed}


def fire_now(token, base_dir=DEFAULT_DIR, python=None, again=False) -> dict:
    """Restore immediately (the change failed half-way, or its watchdog is gone).

    ``again``: restore even when the rollback fired already - it fired while the change was
    still being applied, so the change may have been put back in after the restore.
    """
    directory = _directory(base_dir, token)
    state = _state(directory)
    if state == "armed" or (again and state == "fired"):
        subprocess.run([python or sys.executable, _path(directory, "watchdog.py"), directory, "--again" if again else "--now"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        _kill(directory)
    return status(token, base_dir)
