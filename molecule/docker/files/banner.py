# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The workload inside each container: on TCP 8000, greet with "portwarden <name>" and close."""
import socket
import sys

NAME = sys.argv[1] if len(sys.argv) > 1 else "workload"

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 8000))
    server.listen(16)
    while True:
        connection, _peer = server.accept()
        with connection:
            connection.sendall(("portwarden %s\n" % NAME).encode())
