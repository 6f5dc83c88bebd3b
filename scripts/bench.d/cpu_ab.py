#!/usr/bin/env python3
"""Server CPU per request of the province's pages, two builds side by side (issue 13).

  cpu_ab.py DB BIN_A [BIN_B] [--pages first,county,...] [--rounds 3] [--seconds 5] [--conns 32]
            [--port 22100] [--deep-pages 100]

Starts each binary as a server on the same database (SQLite file or PostgreSQL URL; release builds, the
scheduler off), then for every page and round runs `wrk -t2 -cCONNS -dSECONDS` against each server in turn
(the order swapped every round) and reads the server's user + system CPU time from /proc/<pid>/stat before
and after: CPU milliseconds per completed request. The machine is shared and noisy: requests per second vary
with the load far more than the CPU a request costs, and only builds measured alternately in one run compare.
Prints one line per page and build (each round's figure and their median) and the load average; checks that
both builds answer each page with the same bytes.

The pages are those of scripts/bench-province.sh: a user with `office` at the root (prov_office) and the
county office (gc_office), their bearer tokens created in the database; `me` is the credential check alone
(GET /api/v1/session: the token, the principal and a small answer).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

PAGES = {
    "first": ("P", "/api/v1/items?state=in_progress&per_page=50"),
    "deep": ("P", "/api/v1/items?state=in_progress&per_page=50&after={after}"),
    "search_common": ("P", "/api/v1/items?q=%E4%BA%A4%E9%80%9A&per_page=50"),
    "search_rare": ("P", "/api/v1/items?q=%E5%8F%A4%E6%A0%91%E5%90%8D%E6%9C%A8&per_page=50"),
    "red": ("P", "/api/v1/items?light=red&per_page=50"),
    "county": ("C", "/api/v1/items?state=in_progress&per_page=50"),
    "overview": ("P", "/api/v1/items/overview"),
    "workbench": ("P", "/api/v1/todos?limit=50"),
    "item": ("P", "/api/v1/items/{item}"),
    "me": ("P", "/api/v1/session"),
}


def cpu_ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])  # utime + stime (fields 14 and 15)


def get(url, header):
    req = urllib.request.Request(url, headers=dict([header.split(": ", 1)]))
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


def serve(binary, db, port, log):
    p = subprocess.Popen([binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--set", "log_level=warn",
                          "--set", "scheduler=false"], stdout=log, stderr=log)
    for _ in range(1200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).read()
            return p
        except OSError:
            if p.poll() is not None:
                sys.exit(f"{binary} serve exited with {p.returncode}")
            time.sleep(0.1)
    sys.exit(f"{binary} serve did not answer")


def wrk(url, header, conns, seconds):
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "-H", header, url], capture_output=True,
                         text=True, check=True).stdout
    reqs = int(out.split(" requests in ")[0].split()[-1])
    bad = [l for l in out.splitlines() if "Non-2xx" in l or "Socket errors" in l]
    return reqs, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("bins", nargs="+")
    ap.add_argument("--pages", default="first,deep,search_common,search_rare,red,county,overview,workbench,item")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--port", type=int, default=22100)
    ap.add_argument("--deep-pages", type=int, default=100)
    a = ap.parse_args()
    hz = os.sysconf("SC_CLK_TCK")
    tok = {}
    for who, user in (("P", "prov_office"), ("C", "gc_office")):
        t = subprocess.run([a.bins[0], "token", "create", user, "--db", a.db, "--name", "cpu-ab"], capture_output=True,
                           text=True, check=True).stdout.strip()
        tok[who] = f"Authorization: Bearer {t}"
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"cpu_ab.{os.getpid()}.log"), "w")
    srv = [serve(b, a.db, a.port + i, log) for i, b in enumerate(a.bins)]
    base = [f"http://127.0.0.1:{a.port + i}" for i in range(len(a.bins))]
    try:
        fill = {"after": "", "item": ""}
        pages = a.pages.split(",")
        if "deep" in pages:
            after = ""
            for _ in range(a.deep_pages):
                d = json.loads(get(base[0] + "/api/v1/items?state=in_progress&per_page=200" +
                                   (f"&after={after}" if after else ""), tok["P"]))
                after = d["next"] or ""
            fill["after"] = after
        d = json.loads(get(base[0] + "/api/v1/items?state=in_progress&per_page=1", tok["P"]))
        fill["item"] = str(d["items"][0]["id"])
        print(f"load average before: {open('/proc/loadavg').read().split()[:3]}", flush=True)
        for name in pages:
            who, path = PAGES[name]
            path = path.format(**fill)
            bodies = [get(b + path, tok[who]) for b in base]
            same = all(x == bodies[0] for x in bodies)
            figs = [[] for _ in a.bins]
            rps = [[] for _ in a.bins]
            for r in range(a.rounds):
                order = list(range(len(a.bins)))
                if r % 2:
                    order.reverse()
                for i in order:
                    t0 = cpu_ticks(srv[i].pid)
                    w0 = time.monotonic()
                    n, bad = wrk(base[i] + path, tok[who], a.conns, a.seconds)
                    dt = time.monotonic() - w0
                    t1 = cpu_ticks(srv[i].pid)
                    if bad:
                        print(f"  {name} build {i}: {' '.join(bad)}", flush=True)
                    figs[i].append((t1 - t0) * 1000.0 / hz / max(n, 1))
                    rps[i].append(n / dt)
            for i, b in enumerate(a.bins):
                print(f"{name:14} {chr(65 + i)} cpu ms/req " + " ".join(f"{x:.3f}" for x in figs[i]) +
                      f"  median {statistics.median(figs[i]):.3f}   req/s " + " ".join(f"{x:.0f}" for x in rps[i]) +
                      f"  ({len(bodies[i])} bytes{'' if same else ', BODIES DIFFER'})", flush=True)
        print(f"load average after: {open('/proc/loadavg').read().split()[:3]}", flush=True)
    finally:
        for p in srv:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
