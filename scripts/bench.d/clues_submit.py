#!/usr/bin/env python3
"""The public clue form's client for make bench (scripts/bench.d/clues.sh).

  clues_submit.py one BASE
      one clue through the public form, the challenge solved here; prints its tracking code.
  clues_submit.py load BASE RATE SECONDS SOLVER FLOOD_CMD LEDGER_CMD OUTDIR
      RATE valid clues per second for SECONDS, each from its own client address (X-Forwarded-For: the
      server must trust 127.0.0.1 as its proxy), while FLOOD_CMD (one address flooding the same endpoint)
      and LEDGER_CMD (the office's ledger) run. The challenges are fetched and solved before the clock
      starts (SOLVER: pow_solve, two at a time), as each phone solves its own before it submits. The two
      commands' outputs go to OUTDIR/flood2.txt and OUTDIR/ledger-load.txt. Prints
      "sent ok rate p50_ms p99_ms late_ms errors" of the submissions.
  clues_submit.py serial BASE N SOLVER [AREA]
      N valid clues one after the other on one connection, each from its own address (X-Forwarded-For, as
      load), the challenges solved beforehand; AREA: a word of the area's name (城关镇; 古城县 on `ducha gen`
      data). What one valid submission costs the server, the machine otherwise idle: prints
      "n ok p50_ms mean_ms p90_ms".
  CLUE_PHOTO=FILE (any mode): each clue carries that JPEG as its photo. With CLUE_DB (the server's SQLite
      database, read only) load then waits until the photo worker has stored every photo, and prints how long
      after the last answer that was and the server's CPU per submission until then (the worker's share in it).
"""
import hashlib
import http.client
import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time
import urllib.parse

FIELDS = {"category": "safety", "place": "解放路"}
PHOTO = open(os.environ["CLUE_PHOTO"], "rb").read() if os.environ.get("CLUE_PHOTO") else b""  # a JPEG file's bytes


def connection(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def call(conn, method, path, body=None, ctype="application/json", addr=None):
    headers = {"Content-Type": ctype} if body is not None else {}
    if addr:
        headers["X-Forwarded-For"] = addr
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None)


def clue_body(area, token, solution, i):
    fields = dict(FIELDS, area_id=area, challenge=token, solution=solution,
                  description=f"基准测试第{i}条：解放路井盖破损缺失，夜间有行人跌倒，反映两周无人处理。")
    b = f"----bench{i}"
    body = "".join(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in fields.items())
    photo = b""
    if PHOTO:  # a photo with each clue
        photo = (f"--{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n"
                 "Content-Type: image/jpeg\r\n\r\n").encode() + PHOTO + b"\r\n"
    return body.encode() + photo + f"--{b}--\r\n".encode(), "multipart/form-data; boundary=" + b


def area_of(conn, addr=None, word="城关镇"):
    """The area the clues name: word's (城关镇, a township of the demo's 古城县), else 古城县 itself (`ducha gen`'s
    database, which make bench measures, has the county but not its townships)."""
    _, form = call(conn, "GET", "/api/v1/public/clue-form", addr=addr)
    for w in (word, "古城县"):
        for a in form["areas"]:
            if w in a["name"]:
                return a["id"]
    raise SystemExit(f"the public form offers no area named {word} or 古城县")


def challenge(conn, addr=None):
    status, ch = call(conn, "POST", "/api/v1/public/challenges", json.dumps({"form": "clue"}).encode(), addr=addr)
    if status != 200 and status != 201:
        raise SystemExit(f"challenge: HTTP {status}")
    return ch


def one(base):
    conn = connection(base)
    area, ch = area_of(conn), challenge(conn)
    n = 0
    while int.from_bytes(hashlib.sha256(f"{ch['token']}:{n}".encode()).digest(), "big") >> (256 - ch["bits"]):
        n += 1
    body, ctype = clue_body(area, ch["token"], n, 0)
    print(call(conn, "POST", "/api/v1/public/clues", body, ctype)[1]["tracking_code"])


def address(i):  # one client address per submission, in 10.0.0.0/8
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


def solve(solver, chs):
    """The solutions, two solvers at a time (the machine's two cores)."""
    halves = [chs[0::2], chs[1::2]]
    procs = [subprocess.Popen([solver], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in halves]
    outs = [p.communicate("".join(f"{c['bits']} {c['token']}\n" for c in h))[0].split() for p, h in zip(procs, halves)]
    sols = [None] * len(chs)
    sols[0::2], sols[1::2] = outs
    return sols


def cpu_of(pid):
    """A process's user + system CPU seconds so far (/proc/PID/stat: all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine():
    """The machine's busy and all CPU seconds so far (/proc/stat), summed over its cores."""
    with open("/proc/stat") as f:
        t = [int(v) for v in f.readline().split()[1:]]
    return (sum(t) - t[3] - t[4]) / os.sysconf("SC_CLK_TCK"), sum(t) / os.sysconf("SC_CLK_TCK")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else 0.0


def load(base, rate, secs, solver, flood_cmd, ledger_cmd, outdir):
    n = int(rate * secs)
    conn = connection(base)
    area = area_of(conn, address(n + 1))
    t = time.monotonic()
    chs = [challenge(conn, address(i)) for i in range(n)]
    r0 = os.times()
    sols = solve(solver, chs)
    r1 = os.times()
    print(f"solving: {(r1.children_user + r1.children_system - r0.children_user - r0.children_system) * 1000 / n:.1f} ms "
          f"of CPU per challenge", file=sys.stderr)
    print(f"prepared {n} challenges ({chs[0]['bits']} bits) in {time.monotonic() - t:.0f} s", file=sys.stderr)
    jobs = queue.Queue()
    for i in range(n):
        jobs.put(i)
    results, lock = [], threading.Lock()
    t0 = time.monotonic() + 0.5

    def worker():
        c = connection(base)
        while True:
            try:
                i = jobs.get_nowait()
            except queue.Empty:
                return
            at = t0 + i / rate
            now = time.monotonic()
            if at > now:
                time.sleep(at - now)
            start = time.monotonic()
            body, ctype = clue_body(area, chs[i]["token"], sols[i], i + 1)
            try:
                status, _ = call(c, "POST", "/api/v1/public/clues", body, ctype, address(i))
            except (OSError, http.client.HTTPException):
                status, c = 0, connection(base)
            end = time.monotonic()
            with lock:
                results.append((status, end - start, start - at, end))

    server = int(os.environ.get("SERVER_PID", "0"))
    s0, c0, m0, w0 = cpu_of(server), cpu_of("self"), machine(), time.monotonic()
    others = [subprocess.Popen(shlex.split(cmd), stdout=open(f"{outdir}/{name}.txt", "w"), stderr=subprocess.STDOUT)
              for cmd, name in ((flood_cmd, "flood2"), (ledger_cmd, "ledger-load"))]
    threads = [threading.Thread(target=worker) for _ in range(32)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    s1, c1 = cpu_of(server), cpu_of("self")
    # the flood's and the ledger's clients: their CPU from the kernel when they end
    used = []
    for p in others:
        ru = os.wait4(p.pid, 0)[2]
        used.append(ru.ru_utime + ru.ru_stime)
    m1, w1 = machine(), time.monotonic()
    last = max(r[3] for r in results)
    if os.environ.get("CLUE_PHOTO") and os.environ.get("CLUE_DB"):
        settled = photos_settled(os.environ["CLUE_DB"])
        s2 = cpu_of(server)
        print(f"photos: every one stored {settled - last:.1f} s after the last answer; ducha's CPU per valid "
              f"submission until then {(s2 - s0) * 1000 / max(sum(200 <= r[0] < 300 for r in results), 1):.2f} ms "
              f"(the photo worker's share in it)", file=sys.stderr)
    ok = [r for r in results if 200 <= r[0] < 300]
    span = last - t0
    v = max(len(ok), 1)
    print(f"CPU during the {w1 - w0:.1f} s window, per valid submission: ducha {(s1 - s0) * 1000 / v:.2f} ms "
          f"(SQLite in it), the submitting client {(c1 - c0) * 1000 / v:.2f} ms, the flooding wrk "
          f"{used[0] * 1000 / v:.2f} ms, the ledger's wrk {used[1] * 1000 / v:.2f} ms; the machine busy "
          f"{(m1[0] - m0[0]) * 1000 / v:.2f} ms of {(m1[1] - m0[1]) * 1000 / v:.2f} "
          f"({100 * (m1[0] - m0[0]) / max(m1[1] - m0[1], 1e-9):.0f} %)", file=sys.stderr)
    ours = ((s1 - s0) + (c1 - c0) + used[0] + used[1]) * 1000 / v
    print(f"The benchmark's own processes took {ours:.2f} ms of CPU per valid submission, the rest of the machine's "
          f"busy time was other processes': with the {os.cpu_count()} cores to itself, this mix would reach about "
          f"{os.cpu_count() * 1000 / max(ours, 1e-9):.0f} valid submissions a second by CPU alone", file=sys.stderr)
    lat = [r[1] * 1000 for r in ok]
    print(f"{len(results)} {len(ok)} {len(ok) / span:.0f} {pct(lat, 0.5):.1f} {pct(lat, 0.99):.1f} "
          f"{pct([r[2] * 1000 for r in results], 0.99):.1f} {len(results) - len(ok)}")


def photos_settled(db, timeout=600):
    """The moment (time.monotonic) the server's photo worker had no photo left waiting in SQLite database db."""
    import sqlite3
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if con.execute("SELECT COUNT(*) FROM clue_photo_raw").fetchone()[0] == 0:
                return time.monotonic()
            time.sleep(0.05)
        raise SystemExit("photos: still waiting after %d s" % timeout)
    finally:
        con.close()


def serial(base, n, solver, word):
    conn = connection(base)
    area = area_of(conn, address(n + 1), word)
    chs = [challenge(conn, address(i)) for i in range(n)]
    sols = solve(solver, chs)
    conn = connection(base)  # the server may have closed the first one while the solver ran
    lat, ok = [], 0
    server = int(os.environ.get("SERVER_PID", "0"))
    if os.environ.get("GO"):  # a file to write once the solving is done (a profiler waiting for the clock)
        with open(os.environ["GO"], "w") as f:
            f.write("go\n")
        time.sleep(1)
    s0, c0, w0 = cpu_of(server), cpu_of("self"), time.monotonic()
    for i in range(n):
        body, ctype = clue_body(area, chs[i]["token"], sols[i], i + 1)
        start = time.monotonic()
        status, _ = call(conn, "POST", "/api/v1/public/clues", body, ctype, address(i))
        lat.append((time.monotonic() - start) * 1000)
        ok += 200 <= status < 300
    s1, c1, w1 = cpu_of(server), cpu_of("self"), time.monotonic()
    print(f"{n} {ok} {pct(lat, 0.5):.2f} {sum(lat) / n:.2f} {pct(lat, 0.9):.2f}")
    print(f"per submission: wall {(w1 - w0) * 1000 / n:.2f} ms, ducha's CPU {(s1 - s0) * 1000 / n:.2f} ms "
          f"(SERVER_PID {server or 'not given'}), the client's {(c1 - c0) * 1000 / n:.2f} ms", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1] == "one":
        one(sys.argv[2])
    elif sys.argv[1] == "serial":
        serial(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else "城关镇")
    else:
        load(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8])
