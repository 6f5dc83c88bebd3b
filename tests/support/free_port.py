#!/usr/bin/python3
"""A port nobody listens on, for a server to bind shortly after (stdlib only):

    /usr/bin/python3 tests/support/free_port.py      prints it (scripts/pg.sh)
    from free_port import free_port                  (tests/api/conftest.py)

Taken below the range the kernel hands out for port 0 and for outgoing connections (ip_local_port_range): the
tests' sinks (port 0, http_sink.py and smtp_sink.py) and the clients' sockets then never take it between this check
and the server's bind (a sink that did answered another test's readiness probe, and a webhook test read that probe
as a delivery). Two servers that pick the same port are told apart by the bind: the caller starts again on
another port. tests/web/helper.js's freePort picks its ports the same way."""
import random
import socket


def free_port():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(10000, max(low, 10001))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below %d" % low)


if __name__ == "__main__":
    print(free_port())
