# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Read inet sockets from the kernel through NETLINK_SOCK_DIAG (inet_diag), stdlib only.

One dump per address family and protocol; every datagram the kernel sends is decoded in
place with ``struct.unpack_from`` so that ten thousand sockets cost a few milliseconds.
"""

from __future__ import annotations

import collections
import errno as _errno
import os
import socket
import struct

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300

# Kernel socket states (include/net/tcp_states.h); an unconnected UDP socket is TCP_CLOSE.
TCP_ESTABLISHED = 1
TCP_CLOSE = 7
TCP_LISTEN = 10

INET_DIAG_SKV6ONLY = 11

# struct nlmsghdr: len, type, flags, seq, pid
_NLMSGHDR = struct.Struct("=IHHII")
# struct inet_diag_req_v2 without its sockid: family, protocol, ext, pad, states
_REQ_V2 = struct.Struct("=BBBxI")
# struct inet_diag_msg: family, state, timer, retrans, sockid {sport, dport (both big endian),
# src[16], dst[16], if, cookie[2]}, expires, rqueue, wqueue, uid, inode
_DIAG_MSG = struct.Struct("=BBxx2s2s16s16sI8sIIIII")
# struct rtattr: len, type
_RTATTR = struct.Struct("=HH")
_INT = struct.Struct("=i")

_SOCKID_LEN = 48
_REQUEST_LEN = _NLMSGHDR.size + _REQ_V2.size + _SOCKID_LEN
_HEADER_LEN = _NLMSGHDR.size
_MSG_LEN = _DIAG_MSG.size

# The kernel never puts more than 32 KiB into one dump datagram (netlink_dump caps
# max_recvmsg_len); a 64 KiB buffer therefore always holds a whole datagram.
RECV_BUFFER = 65536
RECV_TIMEOUT = 10.0
DUMP_ATTEMPTS = 3

DiagSocket = collections.namedtuple("DiagSocket", "family state port address ifindex uid inode v6only")
DiagSocket.__doc__ = """One socket as the kernel reports it.

family: socket.AF_INET or socket.AF_INET6; state: kernel state number; port: local port;
address: local address as packed bytes (4 or 16); ifindex: bound device or IPv6 scope
(0 when none); uid: socket owner uid; inode: socket inode; v6only: bool for IPv6 sockets
when the source knows it, else None.
"""


class SockDiagError(Exception):
    """The kernel refused a sock_diag dump, or its answer could not be decoded.

    ``errno`` carries the kernel's error number when there is one, else None.
    """

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class DumpInterrupted(SockDiagError):
    """The socket tables changed during the dump (NLM_F_DUMP_INTR); the dump must be redone."""


def build_request(family: int, protocol: int, states: int, seq: int = 1) -> bytes:
    """Return the SOCK_DIAG_BY_FAMILY dump request for one family and protocol.

    ``states`` is a bit mask of kernel states (``1 << TCP_LISTEN`` ...).
    """
    header = _NLMSGHDR.pack(_REQUEST_LEN, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    return header + _REQ_V2.pack(family, protocol, 0, states) + bytes(_SOCKID_LEN)


def _v6only(data, start: int, end: int):
    """Return INET_DIAG_SKV6ONLY from the attributes in data[start:end], or None when absent."""
    found = None
    while start + 4 <= end:
        length, kind = _RTATTR.unpack_from(data, start)
        if length < 4 or start + length > end:
            raise SockDiagError("malformed attribute at offset %d" % start)
        if kind == INET_DIAG_SKV6ONLY and length >= 5:
            found = data[start + 4] != 0
        start += (length + 3) & ~3
    return found


def decode(data, out: list, seq: int | None = None) -> bool:
    """Decode one netlink datagram (bytes-like) and append a DiagSocket per socket to ``out``.

    Returns True once the end of the dump (NLMSG_DONE) has been seen. Messages for another
    sequence number are skipped when ``seq`` is given. Raises SockDiagError on a kernel
    error reply or on bytes that are not a well-formed sock_diag answer.
    """
    data = memoryview(data).cast("B")
    size = len(data)
    if size == 0:
        raise SockDiagError("empty netlink datagram")
    offset = 0
    unpack_header = _NLMSGHDR.unpack_from
    unpack_msg = _DIAG_MSG.unpack_from
    ntohs_bytes = int.from_bytes
    while offset < size:
        if size - offset < _HEADER_LEN:
            raise SockDiagError("truncated netlink header at offset %d" % offset)
        length, kind, flags, msg_seq, dummy = unpack_header(data, offset)
        if length < _HEADER_LEN or offset + length > size:
            raise SockDiagError("bad netlink message length %d at offset %d" % (length, offset))
        body = offset + _HEADER_LEN
        end = offset + length
        offset += (length + 3) & ~3
        if seq is not None and msg_seq != seq:
            continue
        if flags & NLM_F_DUMP_INTR:
            raise DumpInterrupted("socket tables changed during the dump", _errno.EAGAIN)
        if kind == NLMSG_DONE:
            if end - body >= 4:
                status = _INT.unpack_from(data, body)[0]
                if status < 0:
                    raise SockDiagError("dump failed: %s" % os.strerror(-status), -status)
            return True
        if kind == NLMSG_ERROR:
            if end - body < 4:
                raise SockDiagError("truncated netlink error message")
            status = _INT.unpack_from(data, body)[0]
            if status == 0:
                continue
            code = -status if status < 0 else status
            raise SockDiagError("kernel refused the dump: %s" % os.strerror(code), code)
        if kind != SOCK_DIAG_BY_FAMILY:
            continue
        if end - body < _MSG_LEN:
            raise SockDiagError("truncated inet_diag_msg at offset %d" % body)
        family, state, sport, _dport, src, _dst, ifindex, _cookie, _exp, _rq, _wq, uid, inode = unpack_msg(data, body)
        if family == socket.AF_INET:
            address = src[:4]
            v6only = None
        elif family == socket.AF_INET6:
            address = src
            v6only = _v6only(data, body + _MSG_LEN, end)
        else:
            raise SockDiagError("unexpected address family %d in inet_diag_msg" % family)
        out.append(DiagSocket(family, state, ntohs_bytes(sport, "big"), address, ifindex, uid, inode, v6only))
    return False


def _dump_once(sock, family: int, protocol: int, states: int, seq: int) -> list:
    sock.send(build_request(family, protocol, states, seq))
    buffer = bytearray(RECV_BUFFER)
    view = memoryview(buffer)
    found: list = []
    while True:
        received = sock.recv_into(buffer)
        if decode(view[:received], found, seq):
            return found


def dump(family: int, protocol: int, states: int, sock=None) -> list:
    """Dump every socket of one family/protocol in the given states; return DiagSockets.

    Opens (and closes) a NETLINK_SOCK_DIAG socket unless one is handed in. A dump the
    kernel flags as interrupted (tables changed meanwhile) is redone a few times.
    """
    own = sock is None
    try:
        if own:
            sock = open_socket()
        for attempt in range(1, DUMP_ATTEMPTS + 1):
            try:
                return _dump_once(sock, family, protocol, states, attempt)
            except DumpInterrupted:
                continue
        raise SockDiagError("socket tables kept changing during %d dumps" % DUMP_ATTEMPTS, _errno.EAGAIN)
    except OSError as exc:
        raise SockDiagError("sock_diag dump failed: %s" % exc, exc.errno)
    finally:
        if own and sock is not None:
            sock.close()


def open_socket():
    """Open a NETLINK_SOCK_DIAG socket with a receive timeout; raise SockDiagError when impossible."""
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    except (OSError, AttributeError) as exc:
        raise SockDiagError("cannot open a NETLINK_SOCK_DIAG socket: %s" % exc, getattr(exc, "errno", None))
    sock.settimeout(RECV_TIMEOUT)
    return sock
