"""No request runs away (docs/internals/store.md, "A request's deadline"): a statement of an HTTP request that
runs longer than db_statement_timeout_ms is cut off — SQLite checks it as it runs, PostgreSQL by its
statement_timeout — and the request answers 503 with a message a person understands, having changed nothing;
SIGTERM stops the server within seconds while a request's statement runs; and a search with more matches
than ledger_search_bound sorted by due date or number reads the newest bound of them instead of probing
the search index row by row (docs/internals/ledger.md, "Search").

A long statement without minutes of data: on SQLite the test hook test_statement_pause_ms (with the test
clock only) makes a request's statements that run past 1,000 steps of SQLite's machine wait (a page of 50 rows,
a registration's INSERT inside its transaction), watching the deadline and the stop; on PostgreSQL another connection holds a lock the request's statement waits for.
The requests that must be cut off go to a second server on the same database, whose setup needs none of
that."""
import csv
import io
import threading
import time
from urllib.parse import quote

from conftest import BACKEND, Client, Server, TxHeld, run_cli, sql_run, wait_for
from itemlib import Items, day

WORD = "璇玑"  # in no demo item


def token_client(srv, user):
    c = Client(srv.url)
    c.token = run_cli("token", "create", user, "--name", "deadline", db=srv.db).stdout.strip()
    return c


def walk(client, **params):
    params.setdefault("per_page", 2)
    out, first, after = [], None, None
    while True:
        q = dict(params, **({"after": after} if after else {}))
        r = client.get("/api/v1/items?" + "&".join(f"{k}={quote(str(v))}" for k, v in q.items()))
        assert r.status == 200, r
        first = first or r.json
        out += [i["id"] for i in r.json["items"]]
        after = r.json["next"]
        if not after:
            return out, first


def changes(db):
    """What a request could have changed: the items, the audit records (sealed and queued), the scope rows."""
    return sql_run(db, ["SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) "
                        "FROM audit_queue), (SELECT COUNT(*) FROM item_scope), (SELECT MAX(version) FROM items)"])


def slow_statements(db):
    """Another connection that makes the second server's statements on the items wait (PostgreSQL: a lock on
    the table, which every read and write of the items needs; SQLite: nothing, the test hook does it)."""
    if BACKEND == "postgres":
        return TxHeld(db, pg_statements=["LOCK TABLE items IN ACCESS EXCLUSIVE MODE"])
    return None


def slow_server(db, timeout_ms, extra=()):
    args = ["--set", f"db_statement_timeout_ms={timeout_ms}", *extra]
    if BACKEND != "postgres":
        args += ["--set", "test_statement_pause_ms=600000"]
    # ready: the liveness check, which reads nothing (the health check's statements would wait too)
    return Server(db, extra_args=args, settle=False, env={"DUCHA_SCHEDULER": "false"}, ready="/api/v1/health/live")


def test_a_search_over_the_bound_sorted_by_number_or_due_reads_the_newest_bound(backend):
    """ledger_search_bound=3 on the second server: a word with 5 matches in the county sorted by number, due date
    or update answers the newest 3 matches in that order (what the first server, bound 500, answers for all 5,
    without the other two), every one once through the cursor, with the total 3 said to be bounded; sorted by id
    (newest first) every match still comes. An export sorted by number holds every match, newest first."""
    db = backend.new_db()
    a = Server(db)
    b = Server(db, extra_args=["--set", "ledger_search_bound=3"], settle=False, env={"DUCHA_SCHEDULER": "false"})
    try:
        it = Items(a)
        made = [it.create(title=f"{WORD}排序第{k}项", due_date=day(40 - 7 * k % 30)) for k in range(5)]
        newest = sorted((i["id"] for i in made), reverse=True)[:3]
        full, bounded = token_client(a, "gc_office"), token_client(b, "gc_office")
        for sort in ("number", "-number", "due", "-due", "updated", "-updated"):
            every, first = walk(full, q=WORD, sort=sort)
            assert sorted(every) == sorted(i["id"] for i in made) and first["total_exact"], (sort, first)
            got, first = walk(bounded, q=WORD, sort=sort)
            assert got == [i for i in every if i in newest], (sort, got, every, newest)
            assert (first["total"], first["total_exact"], first["counts"], first["ranked"], first["sort"]) == \
                (3, False, {}, False, sort), first
        got, first = walk(bounded, q=WORD, sort="number", state="draft")
        assert (sorted(got), first["total_exact"]) == (sorted(newest), False)
        got, first = walk(bounded, q=WORD, sort="-created")
        assert got == sorted((i["id"] for i in made), reverse=True) and not first["total_exact"], "newest first: all"
        r = bounded.get(f"/api/v1/items/export.csv?q={quote(WORD)}&sort=number")
        assert r.status == 200, r
        rows = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8-sig"), newline="")))
        titles = {i["id"]: i["title"] for i in made}
        assert [row["督办事项"] for row in rows] == [titles[i] for i in sorted(titles, reverse=True)]
    finally:
        b.stop()
        a.stop()


def test_a_request_past_its_deadline_is_cut_off_and_changes_nothing(backend):
    """The second server cuts a request's statements off after 800 ms: a ledger page and a registration whose
    statements run longer answer 503 with the reason, nothing is changed (the items, the audit trail, the scope
    rows; `ledger check` finds no difference) and the server logs it; the first server, whose timeout is the
    default minute, answers the same requests once the other connection has let go."""
    db = backend.new_db()
    a = Server(db, env={"DUCHA_SCHEDULER": "false"})  # nothing else changes the database meanwhile
    b = slow_server(db, 800)
    held = None
    try:
        office_a, office_b = token_client(a, "gc_office"), token_client(b, "gc_office")
        it = Items(a)
        for k in range(40):  # a page of 50 rows (SQLite: more than 1,000 steps, so that the hook pauses it)
            it.create(title=f"第{k}项待办事项")
        body = {"title": "超时登记的事项", "requirement": "不应被保存", "source_kind": "meeting",
                "lead_unit_id": it.unit("gc-jt"), "due_date": day(30)}
        before = changes(db)
        held = slow_statements(db)
        t0 = time.time()
        for method, path, payload in (("GET", "/api/v1/items?per_page=50", None),
                                      ("POST", "/api/v1/items", body)):
            r = office_b.request(method, path, payload)
            assert r.status == 503 and r.error["code"] == "unavailable", r
            assert "超过 0.8 秒" in r.error["message"] and "已中止" in r.error["message"], r.error
        assert time.time() - t0 < 30, "cut off after the deadline, not after the lock or the pause"
        if held:
            held.release()
            held = None
        assert changes(db) == before
        assert "statement cut off" in b.output(), b.output()[-3000:]
        p = run_cli("ledger", "check", db=db, check=False)
        assert p.returncode == 0 and "differences 0" in p.stdout, p.stdout + p.stderr
        assert office_a.get("/api/v1/items?per_page=50").status == 200
        r = office_a.post("/api/v1/items", body)
        assert r.status == 201, r
    finally:
        if held:
            held.release()
        b.stop()
        a.stop()


def test_sigterm_stops_the_server_while_a_request_statement_runs(backend):
    """SIGTERM while a request's statement runs (a registration; SQLite: its INSERT held by the test hook for ten
    minutes; PostgreSQL: waiting for a lock, with a lock timeout of a minute): the statement is cut off, the
    request answers 503 saying the server is stopping, nothing is registered, and the process exits within
    seconds, cleanly."""
    db = backend.new_db()
    s = slow_server(db, 600000, extra=["--set", "db_busy_timeout_ms=60000"])
    held = None
    try:
        office = token_client(s, "gc_office")
        jt = sql_run(db, ["SELECT id FROM units WHERE code = 'gc-jt'"])[0][0]
        body = {"title": "停止时登记的事项", "requirement": "不应被保存", "source_kind": "meeting",
                "lead_unit_id": int(jt), "due_date": day(30)}
        before = changes(db)
        held = slow_statements(db)
        got = {}
        t = threading.Thread(target=lambda: got.setdefault("r", office.post("/api/v1/items", body)))
        t.start()
        if BACKEND == "postgres":
            waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'ducha' AND wait_event_type = 'Lock'"
            assert wait_for(lambda: sql_run(db, [waiting])[0][0] != "0", timeout=60)
        else:
            assert wait_for(lambda: "pausing" in s.output(), timeout=60), s.output()[-3000:]
        time.sleep(0.3)
        assert t.is_alive() and "r" not in got, "the request is still running"
        t0 = time.time()
        s.stop()  # SIGTERM, and the exit status and the sanitizers' reports checked
        assert time.time() - t0 < 15, time.time() - t0
        t.join(timeout=10)
        r = got.get("r")
        assert r is not None and r.status == 503, r
        assert "服务器正在停止" in r.error["message"], r.error
        if held:
            held.release()
            held = None
        assert changes(db) == before
    finally:
        if held:
            held.release()
        if s.proc.poll() is None:
            s.stop(check=False)
