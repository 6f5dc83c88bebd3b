#!/usr/bin/env python3
"""What one refused public request costs the server (issue 18): CPU microseconds per 429.

  refusal_cost.py BIN DB [N] [--set key=value ...]

Starts `BIN serve` on the database with the default limits (log_level info, as in production, its log
to a file), spends the address's burst on the public submission endpoint, then sends N (10,000) more
flooding submissions from the same address, each on its own connection as a flooding client does
once the server closes it, in 8 parallel streams, and reads the server's user + system CPU time
from /proc/<pid>/stat before and after. Prints the answers seen (0: closed at accept, unanswered) and the CPU per request.
The client's own CPU is not counted (it is another process)."""
import os
import socket
import subprocess
import sys
import threading
import time

BODY = b'--b\r\nContent-Disposition: form-data; name="description"\r\n\r\nflood\r\n--b--\r\n'


def request(port):
    return (b"POST /api/v1/public/clues HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n" % (port, len(BODY))) + BODY


def send_one(port, req):
    """The status of the answer; 0 when the server closed the connection unanswered (at accept)."""
    try:
        return answer(port, req)
    except OSError:
        return 0


def answer(port, req):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data and b"Connection: close" not in data.split(b"\r\n\r\n")[0]:
            head, _, rest = data.partition(b"\r\n\r\n")
            cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if cl and len(rest) >= int(cl[0].split(b":")[1]):
                break
    s.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


def cpu_ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])  # utime + stime (fields 14 and 15)


def main():
    binary, db = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    n = int(rest.pop(0)) if rest and rest[0].isdigit() else 10000
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    log = open(os.path.join(os.path.dirname(os.path.abspath(db)), "refusal_cost.log"), "w")
    srv = subprocess.Popen([binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--set", "scheduler=false",
                            *rest], stdout=log, stderr=log)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)
        req = request(port)
        for _ in range(20):  # the burst, and the first refusals
            answer(port, req)
        statuses = {}
        lock = threading.Lock()

        def stream(k):
            seen = {}
            for _ in range(k):
                st = send_one(port, req)
                seen[st] = seen.get(st, 0) + 1
            with lock:
                for st, c in seen.items():
                    statuses[st] = statuses.get(st, 0) + c

        hz = os.sysconf("SC_CLK_TCK")
        t0, c0 = time.monotonic(), cpu_ticks(srv.pid)
        threads = [threading.Thread(target=stream, args=(n // 8,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t1, c1 = time.monotonic(), cpu_ticks(srv.pid)
        sent = n // 8 * 8
        print(f"answers {statuses}; {sent} requests in {t1 - t0:.1f} s; server CPU {(c1 - c0) / hz:.2f} s = "
              f"{(c1 - c0) / hz / sent * 1e6:.0f} µs per request; log {log.tell()} bytes")
    finally:
        srv.terminate()
        srv.wait()


if __name__ == "__main__":
    main()
