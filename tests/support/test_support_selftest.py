"""Self-test of the loopback test servers: scripts/pg.sh, smtp_sink.py, http_sink.py.

Run: /usr/bin/python3 -m pytest -q tests/support/test_support_selftest.py
"""
import json
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_SH = os.path.join(ROOT, "scripts", "pg.sh")
SUPPORT = os.path.join(ROOT, "tests", "support")
PSQL = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"


def pg(cmd, d, check=True):
    return subprocess.run([PG_SH, cmd, d], capture_output=True, text=True, timeout=120, check=check)


def psql(url, sql, check=True):
    return subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                          capture_output=True, text=True, timeout=30, check=check)


def spawn_ready(argv, timeout=15):
    """Start a sink, wait for its 'ready[ PORT]' line, return (proc, port or None)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    line = p.stdout.readline()  # blocks until ready or exit
    if not line.startswith("ready") or time.time() > deadline:
        p.kill()
        raise RuntimeError("%s did not become ready: %r %s" % (argv, line, p.stderr.read()))
    parts = line.split()
    return p, int(parts[1]) if len(parts) > 1 else None


def stop_proc(p):
    p.terminate()
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    return rc


@pytest.fixture
def pgdir():
    d = tempfile.mkdtemp(prefix="ducha-pgtest.", dir="/tmp")
    yield d
    pg("destroy", d, check=False)
    assert os.listdir(d) == []
    os.rmdir(d)


def test_pg_lifecycle(pgdir):
    t0 = time.time()
    url = pg("start", pgdir).stdout.strip()
    assert time.time() - t0 < 30
    m = re.fullmatch(r"postgres://ducha@127\.0\.0\.1:(\d+)/ducha", url)
    assert m, url
    with open(os.path.join(pgdir, "url")) as f:
        assert f.read().strip() == url
    assert pg("url", pgdir).stdout.strip() == url
    assert pg("status", pgdir, check=False).returncode == 0

    assert psql(url, "select 1").stdout.strip() == "1"
    psql(url, "create extension if not exists pg_trgm")
    assert psql(url, "select current_user || ' ' || current_database()").stdout.strip() == "ducha ducha"
    # C.UTF-8 locale: non-ASCII letters are word characters for pg_trgm
    assert float(psql(url, "select similarity('žluťoučký kůň', 'žluťoučká kůň')").stdout) > 0.5
    assert psql(url, "show fsync").stdout.strip() == "on"
    assert psql(url, "show max_connections").stdout.strip() == "200"
    psql(url, "create table t(x int); insert into t select generate_series(1, 1000)")

    # idempotent start: same URL, no second server
    assert pg("start", pgdir).stdout.strip() == url

    # crash: SIGKILL the postmaster; committed data must survive recovery
    pg("kill", pgdir)
    assert pg("status", pgdir, check=False).returncode == 3
    assert psql(url, "select 1", check=False).returncode != 0
    pg("kill", pgdir)  # idempotent
    assert pg("restart", pgdir).stdout.strip() == url  # same port
    assert psql(url, "select count(*) from t").stdout.strip() == "1000"

    # restart of a running server (immediate stop = crash, then recovery)
    psql(url, "insert into t values (0)")
    assert pg("restart", pgdir).stdout.strip() == url
    assert psql(url, "select count(*) from t").stdout.strip() == "1001"

    pg("stop", pgdir)
    assert pg("status", pgdir, check=False).returncode == 3
    assert psql(url, "select 1", check=False).returncode != 0
    pg("stop", pgdir)  # idempotent


def test_pg_errors():
    r = pg("url", "/nonexistent/ducha-pg", check=False)
    assert r.returncode == 1 and "pg.sh:" in r.stderr and r.stderr.count("\n") == 1
    assert pg("stop", "/nonexistent/ducha-pg", check=False).returncode == 0
    r = subprocess.run([PG_SH, "bogus", "/tmp"], capture_output=True, text=True)
    assert r.returncode == 1 and "usage" in r.stderr


def test_smtp_sink(tmp_path):
    d = tmp_path / "mail"
    p, port = spawn_ready([sys.executable, os.path.join(SUPPORT, "smtp_sink.py"),
                           "--port", "0", "--dir", str(d)])
    try:
        msg = EmailMessage()
        msg["From"] = "podatelna@example.cz"
        msg["To"] = "urednik@example.cz"
        msg["Subject"] = "Výzva k odstranění nedostatků"
        msg.set_content("Dobrý den,\nžádost č. 42.\n")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
            s.send_message(msg, to_addrs=["urednik@example.cz", "kopie@example.cz"])
        index = d / "index.jsonl"
        deadline = time.time() + 5
        while not index.exists() and time.time() < deadline:
            time.sleep(0.02)
        recs = [json.loads(line) for line in index.read_text().splitlines()]
        assert len(recs) == 1
        assert recs[0]["mail_from"] == "podatelna@example.cz"
        assert recs[0]["rcpt_tos"] == ["urednik@example.cz", "kopie@example.cz"]
        raw = (d / recs[0]["file"]).read_bytes()
        import email
        import email.policy
        got = email.message_from_bytes(raw, policy=email.policy.default)
        assert got["Subject"] == "Výzva k odstranění nedostatků"
        assert "žádost č. 42." in got.get_content()
        assert not [f for f in os.listdir(d) if f.endswith(".tmp")]
    finally:
        assert stop_proc(p) == 0


def http_call(port, path, body=b"", method="POST"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body, method=method,
                                 headers={"Content-Type": "application/json", "X-Test": "1"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_http_sink_fail_first(tmp_path):
    log = tmp_path / "req.jsonl"
    p, port = spawn_ready([sys.executable, os.path.join(SUPPORT, "http_sink.py"),
                           "--port", "0", "--log", str(log), "--fail-first", "2"])
    try:
        codes = [http_call(port, "/sms/send?id=%d" % i, json.dumps({"to": "+420777000111", "text": "Zpráva %d" % i}).encode())[0]
                 for i in range(3)]
        assert codes == [500, 500, 200]
        recs = [json.loads(line) for line in log.read_text().splitlines()]
        assert [r["status"] for r in recs] == [500, 500, 200]
        assert recs[2]["method"] == "POST" and recs[2]["path"] == "/sms/send?id=2"
        assert recs[2]["headers"]["X-Test"] == "1"
        assert json.loads(recs[2]["body"]) == {"to": "+420777000111", "text": "Zpráva 2"}
    finally:
        assert stop_proc(p) == 0


def test_http_sink_always_fail(tmp_path):
    log = tmp_path / "req.jsonl"
    p, port = spawn_ready([sys.executable, os.path.join(SUPPORT, "http_sink.py"),
                           "--port", "0", "--log", str(log), "--always-fail"])
    try:
        assert [http_call(port, "/x", method="GET", body=None)[0] for _ in range(3)] == [500] * 3
        assert len(log.read_text().splitlines()) == 3
    finally:
        assert stop_proc(p) == 0
