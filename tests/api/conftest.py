"""API test harness: starts the real `ducha serve` (the ASan build) on a free loopback port with a
fresh copy of the demo database, on SQLite or (DUCHA_TEST_BACKEND=postgres) on a real PostgreSQL
server started by scripts/pg.sh, and talks to it over HTTP. Every server's stderr is checked for
sanitizer reports when it stops, and every response the Client receives is checked against
docs/openapi.yaml (tests/api/contract.py): an undocumented route, status, field or type fails the test."""
import atexit
import collections
import http.client
import http.cookiejar
import itertools
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
import weakref

import pytest

import contract

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from free_port import free_port  # noqa: E402 — tests/support is on the path only now; tests import it from here
BIN = os.environ.get("DUCHA_BIN", os.path.join(ROOT, "build", "asan", "ducha"))
BACKEND = os.environ.get("DUCHA_TEST_BACKEND", "sqlite")
PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
PASSWORD = "Demo2026"
# the same sanitizer settings as `make test`, also when pytest is run by hand
os.environ.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(ROOT, "tests", "lsan.supp"))
os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:quarantine_size_mb=16")
# the cheapest argon2id for the demo users and every user a test creates: a sign-in at the default cost
# (64 MiB, 2 passes) took a third of a second under load, half the time of the suite; the default cost
# itself is tested in test_password_cost.py
os.environ.setdefault("DUCHA_PASSWORD_HASH_COST", "minimal")
os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
# documents in a TrueType CJK font (WenQuanYi Zen Hei, scripts/deps.sh): cairo subsets the default Noto CJK fonts
# (CFF outlines) by copying each font's whole 16-23 MB CFF table for every document, which under the sanitizers
# was 40 % of the CPU of the 32 files that render PDFs (315 → 184 CPU-s, alone, SQLite, 2026-12-04); a TrueType
# font is subset glyph by glyph. The default fonts are rendered by test_documents_pdf (docs_util.render: its golden
# images) and test_item_documents (its server's env=DEFAULT_FONTS); child_env leaves a None unset
FONT_KEYS = ("DUCHA_FONT_TITLE", "DUCHA_FONT_BODY", "DUCHA_FONT_HEADING")
for _k in FONT_KEYS:
    os.environ.setdefault(_k, "WenQuanYi Zen Hei")
DEFAULT_FONTS = {k: None for k in FONT_KEYS}  # env= of Server/run_cli: the configuration's default fonts


def child_env(*layers):
    """A child process's environment: the layers merged in order, a key whose value is None left unset."""
    e = {}
    for layer in layers:
        e.update(layer or {})
    return {k: v for k, v in e.items() if v is not None}


def _midnight_shift():
    """DUCHA_TEST_MIDNIGHT_IN=s (`make test-midnight`): the run's clock is set so that Beijing midnight (16:00
    UTC) comes s seconds after the run starts, as if the machine's clock had read 16:00 UTC minus s then: every
    server's test clock is preset to it (Server) and the tests' dates count from it (run_now: itemlib.today,
    day(n), ServerClock, pinned_clock). How a few files are shown to pass when a run crosses a Beijing day."""
    ahead = os.environ.get("DUCHA_TEST_MIDNIGHT_IN")
    if not ahead:
        return 0
    now = int(time.time())
    midnight = now // 86400 * 86400 + 16 * 3600
    while midnight - int(ahead) < now:
        midnight += 86400
    # whole seconds, as the server adds its test_clock_offset to its whole seconds: the tests' date and the
    # server's then turn at the same instant (a fraction would show the server's new day up to a second late)
    return midnight - int(ahead) - now


TEST_SHIFT = _midnight_shift()


def run_now():
    """The run's clock in Unix seconds: the machine's, or DUCHA_TEST_MIDNIGHT_IN's. What a server's test clock
    shows when no test moved it, and what the tests' dates and clock moves count from."""
    return time.time() + TEST_SHIFT


TEST_SECRET_KEY = "ducha-test-secret-key"
TEST_AUDIT_KEY = "ducha-test-audit-key-0123456789"


_scratch = []


def scratch_dir(prefix):
    """A new temporary directory (in /tmp), removed when the test run ends, also after a failed or interrupted
    one (atexit), unless a test removed it before: every temporary directory of tests/api comes from here (runs
    used to leave one in /tmp per CLI database, server that failed its checks and drill)."""
    d = tempfile.mkdtemp(prefix=prefix)
    _scratch.append(d)
    return d


@atexit.register
def _remove_scratch():
    for d in _scratch:
        shutil.rmtree(d, ignore_errors=True)


_cli_data_dirs = {}


def run_cli(*args, db, stdin=None, check=True, env=None):
    """Runs `ducha ARGS --db DB` with the servers' seal and audit keys; returns CompletedProcess (text). The
    data directory (checkpoint file, …) is one temporary directory per database unless env names one."""
    data = _cli_data_dirs.setdefault(db, None) or scratch_dir("ducha-cli-")
    _cli_data_dirs[db] = data
    e = child_env(os.environ, dict(DUCHA_SECRET_KEY=TEST_SECRET_KEY, DUCHA_AUDIT_KEY=TEST_AUDIT_KEY,
                                   DUCHA_DATA_DIR=data), env)
    p = subprocess.run([BIN, *args, "--db", db], input=stdin, capture_output=True, text=True, env=e, timeout=300)
    assert "ERROR: AddressSanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    if check:
        assert p.returncode == 0, f"ducha {' '.join(args)} failed: {p.stderr}"
    return p


class Backend:
    """Creates databases holding the demo data: templates made once, copied for each server. Two templates:
    the demo data as `ducha demo` leaves it, and the same after one scheduler pass (`ducha scan`), which the
    `server` and `fresh_server` fixtures start from — their server's first pass, which a test waits for
    (Server, settle), then finds the day's ladder steps done and takes a few milliseconds instead of most
    of a second on PostgreSQL. A test that starts its server with a clock of its own (preset_clock) takes
    the plain template, on which no pass has run on the real date."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.n = 0
        self.dump = None
        self._admin, self._admin_lock = None, threading.Lock()
        if BACKEND == "postgres":
            self.pgdir = os.path.join(tmp, "pg")
            # no WAL flush at each commit (PG_DURABLE=0): no test crashes this cluster (the crash tests start
            # durable clusters of their own), and the flushes were the cost of every write of the suite
            out = subprocess.run([os.path.join(ROOT, "scripts", "pg.sh"), "start", self.pgdir],
                                 capture_output=True, text=True, check=True, env=dict(os.environ, PG_DURABLE="0"))
            self.pg_url = out.stdout.strip().splitlines()[-1]
            self.template = self._pg_create("ducha_tmpl", template=None)
            run_cli("demo", db=self.template)
            self._psql("ALTER DATABASE ducha_tmpl WITH ALLOW_CONNECTIONS false")
            self.scanned = self._pg_create("ducha_tmpl_scanned", template="ducha_tmpl")
            run_cli("scan", db=self.scanned)
            self._psql("ALTER DATABASE ducha_tmpl_scanned WITH ALLOW_CONNECTIONS false")
        else:
            self.template = os.path.join(tmp, "template.db")
            run_cli("demo", db=self.template)
            self.scanned = os.path.join(tmp, "template-scanned.db")
            shutil.copy(self.template, self.scanned)
            run_cli("scan", db=self.scanned)

    def _psql(self, sql):
        """Runs sql in the suite's one administrative psql session (a psql process and its PostgreSQL session cost
        a tenth of a CPU second each, and every test database was a new pair); raises if it fails."""
        with self._admin_lock:
            if self._admin is None or self._admin.poll() is not None:
                self._admin = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.pg_url],
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT, text=True)
            p, out = self._admin, []
            p.stdin.write(sql + ";\n\\echo __done__\n")
            p.stdin.flush()
            for line in p.stdout:
                if line.strip() == "__done__":
                    return
                out.append(line)
            p.wait()
            raise RuntimeError(f"psql failed ({p.returncode}) on {sql}: {''.join(out)}")

    def _pg_create(self, name, template):
        # FILE_COPY: the template's files copied as they are, where PostgreSQL 15's default (WAL_LOG) writes every
        # block of them through the WAL too (a test database: 0.17 CPU seconds instead of 0.27)
        self._psql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else "")
                   + " OWNER ducha")
        return self.pg_url.rsplit("/", 1)[0] + "/" + name

    def demo_into(self, url):
        """Loads the demo data, as `ducha demo` leaves it, into the database url (PostgreSQL: the `ducha` database
        of a server a test starts for itself, scripts/pg.sh): a pg_dump of the plain template, made once per suite,
        restored as the superuser (`ducha demo` there took 20 s at load 20 and 83 s at load 31, the restore a
        quarter of that, and the same demo data, the audit trail included)."""
        assert BACKEND == "postgres"
        if self.dump is None:
            dump = os.path.join(self.tmp, "demo.dump")
            subprocess.run([os.path.join(PG_BIN, "pg_dump"), "-Fc", "-f", dump, self.new_db()], check=True,
                           capture_output=True)
            self.dump = dump
        subprocess.run([os.path.join(PG_BIN, "pg_restore"), "-d", url.replace("://ducha@", "://postgres@", 1),
                        self.dump], check=True, capture_output=True)

    def new_db(self, empty=False, scanned=False):
        """A fresh database URL: a copy of the demo template (scanned: the one a scheduler pass has run on
        when the suite started), or empty."""
        self.n += 1
        if BACKEND == "postgres":
            tmpl = None if empty else "ducha_tmpl_scanned" if scanned else "ducha_tmpl"
            return self._pg_create(f"t{self.n}_{uuid.uuid4().hex[:6]}", tmpl)
        path = os.path.join(self.tmp, f"db{self.n}.db")
        if not empty:
            shutil.copy(self.scanned if scanned else self.template, path)
        return path

    def close(self):
        if BACKEND == "postgres":
            if self._admin is not None and self._admin.poll() is None:
                self._admin.communicate("\\q\n", timeout=60)
            # destroy, not only stop: the cluster may live in a shadow dir outside tmp (see scripts/pg.sh)
            subprocess.run([os.path.join(ROOT, "scripts", "pg.sh"), "destroy", self.pgdir], capture_output=True)


@pytest.fixture(scope="session")
def backend():
    tmp = scratch_dir("ducha-test-")
    b = Backend(tmp)
    yield b
    b.close()
    shutil.rmtree(tmp, ignore_errors=True)


def preset_clock(db, now):
    """Sets the test clock of database db to the ISO instant now before a server starts on it, so that its
    scheduler's first pass already runs then — set through the API after the start, the first pass has run
    on the real date and queued the demo data's reminders of today (e-mails, at office hours)."""
    import datetime
    offset = int(datetime.datetime.fromisoformat(now).timestamp() - time.time())
    put_setting(db, "test_clock_offset", str(offset))


def put_setting(db, key, value):
    """Writes (value None: deletes) a row of the settings table of database db (a file or a PostgreSQL URL),
    also while a server runs on it: the test clock before a start (preset_clock), the scheduler's test hook
    (test_hold_pass, src/sched/sched.c)."""
    if value is None:
        stmt = "DELETE FROM settings WHERE key = '%s'" % key
    else:
        stmt = ("INSERT INTO settings (key, value) VALUES ('%s', '%s') "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value" % (key, value))
    if BACKEND == "postgres":
        subprocess.run(["psql", "-qAt", "-v", "ON_ERROR_STOP=1", db, "-c", stmt], check=True, capture_output=True)
    else:
        import sqlite3
        con = sqlite3.connect(db, timeout=60)
        try:
            con.execute(stmt)
            con.commit()
        finally:
            con.close()


def sql_run(db, statements):
    """Runs SQL statements on a test database of either backend; returns the rows of the last."""
    if BACKEND == "postgres":
        out = None
        for s in statements:
            p = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", db, "-c", s], capture_output=True,
                               text=True, check=True)
            out = [tuple(line.split("|")) for line in p.stdout.splitlines() if line]
        return out
    import sqlite3
    con = sqlite3.connect(db, timeout=60)
    try:
        out = None
        for s in statements:
            out = [tuple(str(x) for x in r) for r in con.execute(s).fetchall()]
        con.commit()
        return out
    finally:
        con.close()


class TxHeld:
    """A write transaction another connection holds open on db until release(): statements run in it first (SQLite:
    after BEGIN IMMEDIATE, which takes the database's write lock; PostgreSQL: after BEGIN, their row or table locks).
    SQLite's connection has no ducha tokenizer: no statement that touches the items' full-text index."""

    def __init__(self, db, statements=(), pg_statements=None):
        if BACKEND == "postgres":
            self.psql = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
            self.psql.stdin.write("BEGIN;\n" + "".join(f"{s};\n" for s in (
                statements if pg_statements is None else pg_statements)) + "\\echo held\n")
            self.psql.stdin.flush()
            assert self.psql.stdout.readline().strip() == "held"
        else:
            import sqlite3
            self.con = sqlite3.connect(db, isolation_level=None)
            self.con.execute("BEGIN IMMEDIATE")
            for s in statements:
                self.con.execute(s)

    def release(self):
        if BACKEND == "postgres":
            self.psql.communicate("COMMIT;\n", timeout=60)
        else:
            self.con.execute("COMMIT")
            self.con.close()


def scan(srv):
    """One scheduler pass on srv's database at srv's own clock (its test clock as stored), by `ducha scan` with
    srv's settings (mail and SMS gateways, keys): what srv's own next pass would do, done when this returns.
    How a test shows that more passes change nothing, instead of sleeping through a few of the server's
    (a fixed sleep shows nothing when the machine is slow, and costs its seconds when it is not)."""
    env = {k: v for k, v in srv.env.items() if k != "DUCHA_DATA_DIR"}
    env["DUCHA_TEST_CLOCK"] = "true" if srv.test_clock else "false"
    return run_cli("scan", db=srv.db, env=env)


def iso_utc(t):
    """Unix seconds as the ISO instant PUT /api/v1/admin/clock and preset_clock take."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def server_now(srv):
    """The server's (test) clock in Unix seconds, as GET /api/v1/health shows it: an upper bound of the
    instant of anything it did before. Waits counted on the test clock are ended by moving the clock past
    them, never by waiting them out in real time (the test clock ticks with real time)."""
    import datetime
    now = srv.client().get("/api/v1/health").json["time"]
    return int(datetime.datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp())


class Server:
    """One `ducha serve` process. clock: an ISO instant the test clock shows from the start (preset_clock).
    A server whose scheduler runs is handed over once its first pass is done (settle): that pass does what
    the start date brings (the demo data's reminders and ladder steps: to-dos, messages, e-mails), and a test
    that counts them while it runs would see them change under it, at random."""

    def __init__(self, db, extra_args=(), env=None, data_dir=None, test_clock=True, ready="/api/v1/health",
                 clock=None, settle=True):
        self.db = db
        if clock:
            preset_clock(db, clock)
        elif TEST_SHIFT and test_clock:
            put_setting(db, "test_clock_offset", str(TEST_SHIFT))
        self.dir = scratch_dir("ducha-srv-")
        # a secret_key so that seals work (tests without one pass env={"DUCHA_SECRET_KEY": ""})
        # the public pages' limits are off and their challenge easy unless a test sets them (test_clues_public)
        e = child_env(os.environ, {"DUCHA_DATA_DIR": data_dir or self.dir, "DUCHA_SCHEDULER_INTERVAL_S": "1",
                                   "DUCHA_SECRET_KEY": TEST_SECRET_KEY, "DUCHA_AUDIT_KEY": TEST_AUDIT_KEY,
                                   "DUCHA_PUBLIC_SUBMIT_PER_MIN": "0", "DUCHA_PUBLIC_SUBMIT_GLOBAL_PER_S": "0",
                                   "DUCHA_PUBLIC_SUBMIT_ALL_PER_MIN": "0", "DUCHA_PUBLIC_READ_PER_MIN": "0",
                                   "DUCHA_PUBLIC_READ_GLOBAL_PER_S": "0", "DUCHA_PUBLIC_POW_BITS": "8"}, env)
        self.env = e
        self.test_clock = test_clock
        # free_port's port is free when it returns, not necessarily when ducha binds it (other suites run on
        # this machine): if another process took it meanwhile, start again on another port
        for attempt in range(5):
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self.log = open(os.path.join(self.dir, "serve.log"), "w+")
            self.proc = subprocess.Popen([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{self.port}",
                                          *(["--test-clock"] if test_clock else []), *extra_args],
                                         stdout=self.log, stderr=subprocess.STDOUT, env=e)
            if self._wait_ready(ready):
                if settle and ready == "/api/v1/health" and self._scheduler_runs(e, extra_args):
                    self._wait_first_pass()
                return
            if "Address already in use" not in self.output() or attempt == 4:
                raise RuntimeError("ducha serve exited: " + self.output())
            self.log.close()

    def _wait_ready(self, ready):
        """True once `ready` answers; False if the process exited first. A generous deadline (a loaded
        machine, the ASan build) after which the test fails rather than carry on with a server not ready."""
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                body = json.loads(urllib.request.urlopen(self.url + ready, timeout=5).read())
                # ducha's health answers carry its version; anything else is another process on the port
                if isinstance(body, dict) and "version" in body:
                    return True
                raise ValueError("not ducha's answer: %r" % body)
            except Exception:
                if self.proc.poll() is not None:
                    return False
                time.sleep(0.05)
        raise RuntimeError("ducha serve did not start: " + self.output())

    @staticmethod
    def _scheduler_runs(env, extra_args):
        off = ("false", "0", "no", "off")
        return (env.get("DUCHA_SCHEDULER", "true").lower() not in off
                and env.get("DUCHA_LOG_LEVEL", "info") in ("debug", "info")
                and not any(str(a).replace(" ", "").startswith("scheduler=") and str(a).split("=", 1)[1] in off
                            for a in extra_args))

    def _wait_first_pass(self):
        """Waits for the line src/sched/sched.c logs after the first pass (also when it failed: "scheduler
        pass: <error>"). A pass held up longer (an SMTP server that never answers) is left to run."""
        deadline = time.time() + 30
        while "scheduler pass" not in self.output() and time.time() < deadline and self.proc.poll() is None:
            time.sleep(0.02)

    def output(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, check=True):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out = self.output()
        if check:
            assert "ERROR: AddressSanitizer" not in out, out[-5000:]
            assert "runtime error:" not in out, out[-5000:]
            assert "LeakSanitizer" not in out, out[-5000:]
            assert self.proc.returncode == 0, f"exit {self.proc.returncode}: {out[-3000:]}"
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, username=None, password=PASSWORD):
        c = Client(self.url)
        if username:
            c.login(username, password)
        return c


@pytest.fixture(scope="module", autouse=True)
def one_date_per_module():
    """itemlib.today() and day(n) read the clock once per module (before its other fixtures), so that the dates
    a module sends and those it compares afterwards are counted from one reading."""
    import itemlib
    itemlib.READING["today"] = None
    itemlib.READING["today"] = itemlib.today()
    yield
    itemlib.READING["today"] = None


@pytest.fixture(scope="module")
def server(backend):
    """A server on a fresh demo database, shared by the tests of one module."""
    s = Server(backend.new_db(scanned=True))
    yield s
    s.stop()


@pytest.fixture
def data_dir():
    """A data_dir of one test's own, kept while its servers are killed and started again on it."""
    d = scratch_dir("ducha-data-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def fresh_server(backend):
    """A server of its own for one test (for tests that change global state)."""
    s = Server(backend.new_db(scanned=True))
    yield s
    s.stop()


class Clients:
    """A server's signed-in clients, one per demo user (signed in on first use: c(user)), and unit ids by code
    (unit(code), each looked up once in the scope of the user unit_by). The *lib.py drivers build on it."""

    unit_by = "gc_office"

    def __init__(self, server):
        self.server = server
        self.clients = {}
        self._units = {}

    def c(self, user):
        if user not in self.clients:
            self.clients[user] = self.server.client(user)
        return self.clients[user]

    def unit(self, code):
        if code not in self._units:
            self._units[code] = self.c(self.unit_by).unit_id(code)
        return self._units[code]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def error(self):
        return (self.json or {}).get("error", {})

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


def _dropped(conn):
    """True when a kept-alive connection can no longer carry a request: closed here, or readable while no answer
    is awaited (the server closed it: its end-of-file, or a reset)."""
    return conn.sock is None or bool(select.select([conn.sock], [], [], 0)[0])


class Client:
    """An HTTP client with a cookie jar that sends the CSRF token of its session. It keeps its connections alive,
    as a browser does: a connection a request ended is used again by the next one (threads sharing a client each
    take one of their own), if the server has not closed it and it waited less than REUSE_S — well inside the
    server's header_timeout_s (15 s by default, 3 s in test_http_limits), after which the server closes an idle
    connection. A GET or HEAD that finds such a connection closed under it is sent again once on a new one; any
    other request is not (it might have been carried out). A TCP connection per request cost the sanitized server
    0.4 ms of CPU each (accept, epoll, its memory pool, close): GET /api/v1/todos about one object took 0.51 ms of
    its CPU so and 0.12 ms on a kept-alive connection (wrk, one connection); the SQLite suite alone 549 -> 464 CPU-s."""

    REUSE_S = 1.0
    # every client's kept connections, oldest first, (when its last answer was read, client, connection), both
    # weakly: a request of any client first closes those kept longer than REUSE_S. A client that is no longer used
    # would otherwise keep its connection open until the server's header deadline, and a test with hundreds of
    # clients (one per demo user and object kind: test_todos_matrix) reached the server's 256 connections per address
    # on a fast machine: the server closed the next new connection at once ("Remote end closed connection without
    # response"). Weakly, so that a client dropped at once (test_clues_protection's one per request) closes its
    # connection at once, as before
    _kept = collections.deque()
    _kept_lock = threading.Lock()

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.csrf = None
        self.token = None
        self.user = None
        self.idle = []  # connections kept alive: (base, http.client.HTTPConnection, when its last answer was read)

    @classmethod
    def _close_stale(cls, now):
        with cls._kept_lock:
            while cls._kept and now - cls._kept[0][0] >= cls.REUSE_S:
                at, client, conn = cls._kept.popleft()
                client, conn = client(), conn()
                if client is None or conn is None:
                    continue
                for i, (_, c, t) in enumerate(client.idle):
                    if c is conn and t == at:
                        del client.idle[i]
                        conn.close()
                        break

    def _connection(self):
        """A kept-alive connection (and True), or a new one (and False)."""
        self._close_stale(time.monotonic())
        while True:
            with self._kept_lock:
                try:
                    base, conn, at = self.idle.pop()
                except IndexError:
                    break
            if base == self.base and time.monotonic() - at < self.REUSE_S and not _dropped(conn):
                return conn, True
            conn.close()
        u = urllib.parse.urlsplit(self.base)
        return http.client.HTTPConnection(u.hostname, u.port, timeout=60), False

    def _send(self, method, path, data, headers):
        """Sends one request to base (a test may point a client at another server) on a connection of its own;
        the Response."""
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        if data is not None and not req.has_header("Content-type"):
            req.add_unredirected_header("Content-Type", "application/x-www-form-urlencoded")  # as urllib did
        self.jar.add_cookie_header(req)
        retry = method in ("GET", "HEAD")
        while True:
            conn, reused = self._connection()
            try:
                conn.request(method, req.selector, body=data, headers=dict(req.header_items()))
                r = conn.getresponse()
                body = r.read()
                break
            except BaseException as e:
                conn.close()
                # http.client.RemoteDisconnected is a ConnectionResetError
                if not (retry and reused and isinstance(e, (ConnectionResetError, BrokenPipeError))):
                    raise
                retry = False
        self.jar.extract_cookies(r, req)
        if r.will_close:
            conn.close()
        else:
            at = time.monotonic()
            with self._kept_lock:
                self.idle.append((self.base, conn, at))
                self._kept.append((at, weakref.ref(self), weakref.ref(conn)))
        return Response(r.status, r.headers, body)

    def request(self, method, path, body=None, headers=None, raw=None, content_type=None, csrf=True):
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
            if content_type:
                h["Content-Type"] = content_type
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRF-Token", self.csrf)
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        path = urllib.parse.quote(path, safe="/?&=%:,-_.~+")
        resp = self._send(method, path, data, h)
        self.check_contract(method, path, body, raw, content_type, resp)
        return resp

    @staticmethod
    def check_contract(method, path, body, raw, content_type, resp):
        """Every response is checked against docs/openapi.yaml (tests/api/contract.py)."""
        req_json = body if raw is None else None
        if raw is not None and (content_type or "").startswith("application/json"):
            try:
                req_json = json.loads(raw)
            except ValueError:
                req_json = None
        target = urllib.parse.urlsplit(path)
        contract.contract().check(method, urllib.parse.unquote(target.path), resp.status,
                                  resp.headers.get("Content-Type"), resp.raw, req_json=req_json,
                                  req_query=urllib.parse.parse_qs(target.query, keep_blank_values=True))

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, username, password=PASSWORD):
        r = self.post("/api/v1/session", {"username": username, "password": password})
        assert r.status == 200, r
        self.csrf = r.json["csrf_token"]
        self.user = r.json["user"]
        return r

    def unit_id(self, code):
        """Id of a unit by code (searching in the caller's scope)."""
        r = self.get(f"/api/v1/units?q={code}&limit=50")
        assert r.status == 200, r
        for u in r.json["units"]:
            if u["code"] == code:
                return u["id"]
        raise KeyError(code)


def pytest_terminal_summary(terminalreporter):
    for line in contract.summary():
        terminalreporter.write_line(line)


_UNIQ_RUN, _uniq_seq = uuid.uuid4().hex[:3], itertools.count(1)


def uniq():
    """A suffix (8 hex digits) that no other call in this test process returns: a counter after a random
    prefix of the run. A random slice (uuid4().hex[:6]) can repeat — two units, titles or codes would then
    collide once in a few thousand runs, at random."""
    return f"{_UNIQ_RUN}{next(_uniq_seq):05x}"


@pytest.fixture
def unique():
    """A short unique suffix for names created by a test."""
    return uniq()


def cn_date(ymd):
    """A date "YYYY-MM-DD" as messages and documents write it: "2026年3月3日"."""
    y, m, d = (int(x) for x in ymd[:10].split("-"))
    return f"{y}年{m}月{d}日"


def wait_for(pred, timeout=30, step=0.2):
    """Polls pred until it returns something true (returned) or timeout seconds pass (then pred's last
    answer): how a test waits for what a server does in the background, never a fixed sleep."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()
