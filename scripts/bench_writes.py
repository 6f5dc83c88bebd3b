#!/usr/bin/env python3
"""Write load for make bench: N clients register items (create + submit, which numbers them) and move
them on (withdraw with a reason) for a fixed time, on keep-alive connections with a bearer token.
Prints the write rate and the number of errors; exits 1 on any error. Usage:
  bench_writes.py BASE_URL TOKEN [CLIENTS] [SECONDS]"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

base, token = sys.argv[1], sys.argv[2]
clients = int(sys.argv[3]) if len(sys.argv) > 3 else 8
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 30
u = urllib.parse.urlparse(base)
H = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}


def call(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=H)
    r = conn.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None)


conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
status, units = call(conn, "GET", "/api/v1/units?kind=department&limit=5")
lead = units["units"][0]["id"]
body = {"title": "压测督办事项：推进城乡道路改造", "requirement": "按期完成并报送办理情况。", "source_kind": "meeting",
        "lead_unit_id": lead, "due_date": "2027-06-30"}
writes = [0] * clients
errors = [0] * clients
samples = []
lock = threading.Lock()
stop = time.time() + seconds


def worker(k):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    lat = []
    while time.time() < stop:
        for method, path, b, ok in (("POST", "/api/v1/items", body, 201),):
            t0 = time.perf_counter()
            st, item = call(c, method, path, b)
            lat.append(time.perf_counter() - t0)
            if st != ok:
                errors[k] += 1
                continue
            writes[k] += 1
            for action, ab in (("submit", {}), ("withdraw", {"reason": "压测撤销"})):
                t0 = time.perf_counter()
                st, _ = call(c, "POST", f"/api/v1/items/{item['id']}/actions/{action}", ab)
                lat.append(time.perf_counter() - t0)
                if st == 200:
                    writes[k] += 1
                else:
                    errors[k] += 1
    with lock:
        samples.extend(lat)


threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - t0
samples.sort()
p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000 if samples else 0
print()
print(f"writes: {clients} clients for {elapsed:.0f} s: {sum(writes)} writes ({sum(writes) / elapsed:.0f}/s), "
      f"{sum(errors)} errors, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms")
sys.exit(1 if sum(errors) else 0)
