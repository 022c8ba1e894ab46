"""Bind the sockets named on the command line and answer every TCP client with a banner.

Used by the demo fleet to stand in for real daemons: run through a symlink named after
the daemon (/usr/local/sbin/nginx -> this script's interpreter) so the kernel reports that
name as the owning process. Arguments: tcp:ADDR:PORT, tcp6:ADDR:PORT, udp:ADDR:PORT.
"""
import selectors
import socket
import sys

selector = selectors.DefaultSelector()
for spec in sys.argv[1:]:
    kind, rest = spec.split(":", 1)
    address, port = rest.rsplit(":", 1)
    family = socket.AF_INET6 if kind.endswith("6") else socket.AF_INET
    sock_type = socket.SOCK_DGRAM if kind.startswith("udp") else socket.SOCK_STREAM
    sock = socket.socket(family, sock_type)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        # A dual-stack socket, as most daemons open for "::".
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((address.strip("[]"), int(port)))
    if sock_type == socket.SOCK_STREAM:
        sock.listen(16)
    selector.register(sock, selectors.EVENT_READ)

while True:
    for key, _events in selector.select():
        sock = key.fileobj
        if sock.type == socket.SOCK_STREAM:
            client, _peer = sock.accept()
            client.sendall(b"hello from %s\n" % socket.gethostname().encode())
            client.close()
        else:
            data, peer = sock.recvfrom(2048)
            sock.sendto(data, peer)
