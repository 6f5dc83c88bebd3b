"""sqlmap (the Debian package) against every parameterised route: each path parameter, query parameter and
JSON body member of the request the route's access declaration describes (the same requests as the
authorization matrix), sent by a principal the declaration lets in. Every finding fails the test; the
number of requests sqlmap sent is reported. `make test-security` runs it (DUCHA_TEST_BACKEND=postgres
for PostgreSQL); the release build answers (sqlmap sends tens of thousands of requests)."""
import json
import os
import re
import shutil
import subprocess
import time

import pytest

import api_conftest
from conftest import BACKEND, ROOT, Server
from test_authz_matrix import PRINCIPALS, RELATIONS, USER, Declaration, World, resolve, routes

RELEASE = os.path.join(ROOT, "build", "ducha")
DBMS = {"postgres": "PostgreSQL", "sqlite": "SQLite"}[BACKEND]


def first_allowed(decl):
    for p in PRINCIPALS:
        if decl.expect.get((p, "own")) in ("A", "R"):
            return p
    return None


@pytest.fixture(scope="module")
def world(backend):
    if not shutil.which("sqlmap"):
        pytest.fail("sqlmap is missing: `make test-security` installs it (scripts/deps.sh --security)")
    asan, api_conftest.BIN = api_conftest.BIN, RELEASE
    try:
        s = Server(backend.new_db(), env={"DUCHA_LOG_LEVEL": "warn", "DUCHA_LOGIN_FREE_ATTEMPTS": "1000000",
                                          "DUCHA_MAX_CONNECTIONS": "2000"})
    finally:
        api_conftest.BIN = asan
    w = World(s)
    yield w
    s.stop()


def targets():
    """Every route with something to inject: (route, declaration); the session routes last (they may end
    the sessions the others use)."""
    out = []
    for r in routes():
        d = Declaration(r["access"])
        if "{" in r["pattern"] or d.query or d.body:
            out.append((r, d))
    return sorted(out, key=lambda t: t[0]["pattern"].startswith("/api/v1/session"))


def test_no_route_is_injectable(world, tmp_path):
    found, report, requests = [], [], 0
    started = time.time()
    for r, decl in targets():
        principal = first_allowed(decl)
        if principal is None:
            continue
        path, body = resolve(world, r, decl, principal, "own", decl.fresh)
        # path parameters: marked for injection (*) where their value sits
        parts = r["pattern"].split("/")
        real = path.split("?")[0].split("/")
        marked = "/".join(p + "*" if "{" in t else p for p, t in zip(real, parts))
        if "?" in path:
            marked += "?" + path.split("?", 1)[1]
        client = world.probe(principal)
        cookie = "; ".join(f"{k.name}={k.value}" for k in client.jar)
        out = str(tmp_path / f"out{len(report)}")
        traffic = str(tmp_path / f"traffic{len(report)}.txt")
        headers = f"X-CSRF-Token: {client.csrf}" + (f"\nContent-Type: {decl.type}" if body is not None else "")
        cmd = ["sqlmap", "-u", world.s.url + marked, "--method", r["method"], "--batch", "--dbms", DBMS,
               "--level", "1", "--risk", "1", "--technique", "BEUS", "--threads", "4", "--output-dir", out,
               "--cookie", cookie, "--headers", headers, "--disable-coloring", "--flush-session", "-v", "1",
               "--skip-waf", "--ignore-code", "401,403,404,409,413,415,422,429", "-t", traffic]
        if body is not None:
            cmd += ["--data", body]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        text = p.stdout + p.stderr
        n = open(traffic, errors="replace").read().count("HTTP request [#") if os.path.exists(traffic) else 0
        requests += n
        vulnerable = re.findall(r"(?:parameter|Parameter) '([^']+)' (?:is|appears to be) '?([^']*)'? injectable", text)
        line = f"{r['method']} {r['pattern']} as {principal}: {n} requests"
        if "identified the following injection point" in text or vulnerable:
            found.append(line + f": INJECTABLE {vulnerable}\n{text[-2000:]}")
        report.append(line)
    summary = (f"sqlmap ({DBMS}, techniques BEUS, level 1): {len(report)} parameterised routes, {requests} requests, "
               f"{len(found)} injectable, {time.time() - started:.0f} s")
    print("\n" + "\n".join(report) + "\n" + summary)
    with open(os.path.join(ROOT, "build", "sqlmap-report.txt"), "a") as f:
        f.write(summary + "\n")
    assert found == [], "\n\n".join(found)
    assert len(report) >= 30
