"""A connection flood on loopback: 10,000 connections, half idle and half trickling one header byte
every few seconds, from 40 loopback addresses (127.0.x.y; each address stays under
connections_per_ip), held open by reconnecting whatever the server closes. Meanwhile a normal client
(127.0.0.1) asks for /api/v1/health and the sign-in page's API every 100 ms: every answer must come
within 1 s. The release build is used (the flood measures the server, not the sanitizers).
Prints the latencies and how many flood connections were open; `make test-security` runs it."""
import os
import resource
import selectors
import socket
import statistics
import subprocess
import time
import urllib.request

import pytest

import api_conftest
from conftest import ROOT, Server

FLOOD = int(os.environ.get("DUCHA_FLOOD", "10000"))
SECONDS = int(os.environ.get("DUCHA_FLOOD_SECONDS", "40"))
RELEASE = os.path.join(ROOT, "build", "ducha")


class Flood:
    """Keeps n connections open against port, reopening those the server closes."""

    def __init__(self, port, n):
        self.port, self.n = port, n
        self.sel = selectors.DefaultSelector()
        self.socks = {}
        self.reopened = 0
        self.k = 0

    def source(self):
        self.k += 1
        i = self.k % 40
        return f"127.0.{10 + i // 200}.{2 + i % 200}"

    def open_one(self, trickle):
        s = socket.socket()
        s.setblocking(False)
        s.bind((self.source(), 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        self.sel.register(s, selectors.EVENT_READ)
        self.socks[s] = {"trickle": trickle, "sent": 0}

    def fill(self):
        trickling = sum(1 for v in self.socks.values() if v["trickle"])
        while len(self.socks) < self.n:
            want_trickle = trickling < self.n // 2
            self.open_one(want_trickle)
            trickling += want_trickle

    def pump(self, timeout):
        """Drops connections the server closed; returns how many."""
        closed = 0
        for key, _ in self.sel.select(timeout):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (ConnectionResetError, BlockingIOError, OSError):
                data = b""
            if not data:
                self.sel.unregister(s)
                del self.socks[s]
                s.close()
                closed += 1
        self.reopened += closed
        return closed

    def trickle(self):
        for s, st in list(self.socks.items()):
            if not st["trickle"]:
                continue
            piece = b"GET /api/v1/health HTTP/1.1\r\n" if st["sent"] == 0 else b"X"
            try:
                s.send(piece)
                st["sent"] += len(piece)
            except (BlockingIOError, OSError):
                pass

    def close(self):
        for s in list(self.socks):
            s.close()


def server_side_open(port):
    """Established connections the server holds on its port (from ss)."""
    out = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"], capture_output=True,
                         text=True).stdout
    return len(out.splitlines())


def timed_get(url):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=5) as r:
        r.read()
        assert r.status == 200
    return time.perf_counter() - t0


@pytest.mark.parametrize("max_connections", ["20000", "2000"])
def test_health_answers_within_a_second_under_a_connection_flood(backend, max_connections):
    if not os.path.exists(RELEASE):
        pytest.fail("build/ducha is missing: `make test-security` builds it")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    assert hard >= FLOOD + 1000, f"ulimit -n {hard} is too small for {FLOOD} connections"
    asan, api_conftest.BIN = api_conftest.BIN, RELEASE
    try:
        s = Server(backend.new_db(), env={"DUCHA_MAX_CONNECTIONS": max_connections, "DUCHA_CONNECTIONS_PER_IP": "300",
                                          "DUCHA_LOG_LEVEL": "warn"})
    finally:
        api_conftest.BIN = asan
    flood = Flood(s.port, FLOOD)
    lat, open_counts, held = [], [], []
    try:
        t0 = time.time()
        while len(flood.socks) < FLOOD and time.time() - t0 < 30:
            flood.fill()
            flood.pump(0.05)
        start = time.time()
        next_trickle = 0.0
        next_count = 0.0
        while time.time() - start < SECONDS:
            flood.pump(0.02)
            flood.fill()
            if time.time() >= next_trickle:
                flood.trickle()
                next_trickle = time.time() + 3
            open_counts.append(len(flood.socks))
            if time.time() >= next_count:
                held.append(server_side_open(s.port))
                next_count = time.time() + 2
            lat.append(timed_get(s.url + "/api/v1/health"))
            time.sleep(0.1)
        lat.sort()
        report = (f"max_connections={max_connections}: {len(lat)} health requests during {SECONDS} s while the "
                  f"flood kept {min(open_counts)}..{max(open_counts)} connections open or opening (half trickling; "
                  f"{flood.reopened} reopened after the server closed them), the server holding "
                  f"{min(held)}..{max(held)}: median {statistics.median(lat) * 1000:.1f} ms, "
                  f"p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms")
        print(report)
        with open(os.path.join(ROOT, "build", "flood-report.txt"), "a") as f:
            f.write(report + "\n")
        assert lat[-1] < 1.0, report
        assert min(open_counts) >= FLOOD * 0.99, report
        if int(max_connections) > FLOOD:
            assert max(held) >= FLOOD * 0.9, report
    finally:
        flood.close()
        s.stop()
