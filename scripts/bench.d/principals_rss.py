#!/usr/bin/env python3
"""The principals' process cache at its fullest (issue 13, src/auth/auth.c): the server's resident memory with
one user, then after USERS distinct users each made requests (every slot of the cache filled, by user id).

  principals_rss.py BIN [BIN ...] [--users 2048] [--rounds 2] [--port 22300]

For each binary: a fresh `ducha demo` database in a temporary directory, USERS users added to it by SQL (each
with the office role at a unit of the demo and an API token), `BIN serve` (scheduler off), 200 requests of one
user, then ROUNDS rounds of one `GET /api/v1/session` per user. Prints VmRSS and VmHWM (MB) after each step.
"""
import argparse
import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request


def status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0]) / 1024
    return out


def get(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()
        return r.status


def run(binary, users, rounds, port):
    with tempfile.TemporaryDirectory(prefix="principals-rss-") as tmp:
        db = os.path.join(tmp, "demo.db")
        subprocess.run([binary, "demo", "--db", db], cwd=tmp, check=True, capture_output=True)
        con = sqlite3.connect(db)
        pw = con.execute("SELECT password_hash FROM users WHERE username = 'gc_office'").fetchone()[0]
        units = [r[0] for r in con.execute("SELECT id FROM units ORDER BY id")]
        tokens = []
        for i in range(users):
            cur = con.execute("INSERT INTO users (username, name, unit_id, password_hash, created_at, updated_at) "
                              "VALUES (?, ?, ?, ?, '2026-12-02T00:00:00Z', '2026-12-02T00:00:00Z')",
                              (f"rss{i}", f"测试用户{i}", units[i % len(units)], pw))
            uid = cur.lastrowid
            con.execute("INSERT INTO user_roles (user_id, role, unit_id) VALUES (?, 'office', ?)",
                        (uid, units[i % len(units)]))
            t = secrets.token_hex(24)
            con.execute("INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, 'rss', "
                        "'2026-12-02T00:00:00Z')", (uid, hashlib.blake2b(t.encode(), digest_size=32).hexdigest()))
            tokens.append(t)
        con.commit()
        con.close()
        p = subprocess.Popen([binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--set", "log_level=warn",
                              "--set", "scheduler=false"], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}/api/v1/session"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.1)
            for _ in range(200):
                get(base, tokens[0])
            s = status(p.pid)
            print(f"{binary}: one user: VmRSS {s['VmRSS']:.1f} MB, VmHWM {s['VmHWM']:.1f} MB", flush=True)
            for r in range(rounds):
                for t in tokens:
                    assert get(base, t) == 200
                s = status(p.pid)
                print(f"{binary}: round {r + 1}, {users} users: VmRSS {s['VmRSS']:.1f} MB, VmHWM {s['VmHWM']:.1f} MB",
                      flush=True)
        finally:
            p.terminate()
            p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bins", nargs="+")
    ap.add_argument("--users", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--port", type=int, default=22300)
    a = ap.parse_args()
    for b in a.bins:
        run(os.path.abspath(b), a.users, a.rounds, a.port)
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
