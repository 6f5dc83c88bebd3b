"""Several ducha nodes on one PostgreSQL database (issue 3): shared sessions, gap-free numbers under
concurrency across nodes, `ducha migrate-data` from SQLite, and recovery when the PostgreSQL server
crashes during a write load. Runs only with DUCHA_TEST_BACKEND=postgres (make test-api-pg)."""
import concurrent.futures
import datetime
import json
import os
import re
import sqlite3
import subprocess
import threading
import time
import shutil
import urllib.error

import pytest

from conftest import (BACKEND, BIN, ROOT, Server, TEST_AUDIT_KEY, TEST_SECRET_KEY, free_port, iso_utc, run_cli, scan,
                      scratch_dir, server_now, wait_for)
from itemlib import BEIJING, Items, day, pinned_clock

NUM = re.compile(r"(.)督〔(\d{4})〕(\d+)号")

pytestmark = pytest.mark.skipif(BACKEND != "postgres",
                                reason="multi-node tests need PostgreSQL (DUCHA_TEST_BACKEND=postgres)")

PG_SH = os.path.join(ROOT, "scripts", "pg.sh")


def psql(url, sql):
    """Runs sql on url; returns stdout (unaligned, tuples only)."""
    p = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.fixture(scope="module")
def nodes(backend):
    """Two `ducha serve` processes on one database, and one test clock (a setting of the database) pinned
    at the coming 10:00 in Beijing (itemlib.pinned_clock): the numbering year a test reads before its
    registrations (numbering_year) is still the year of their numbers, also on New Year's Eve."""
    db = backend.new_db()
    a = Server(db, clock=pinned_clock())
    b = Server(db)
    yield a, b, db
    a.stop()
    b.stop()


def test_nodes_starting_together_on_an_empty_database_migrate_it_once(backend):
    db = backend.new_db(empty=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
        servers = list(ex.map(lambda _: Server(db), range(3)))
    try:
        for s in servers:
            assert s.client().get("/api/v1/health").status == 200
        rows = psql(db, "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version").split()
        assert rows and all(r.endswith("|1") for r in rows), rows
        assert "7|1" in rows
    finally:
        for s in servers:
            s.stop()


def test_both_nodes_report_postgres(nodes):
    a, b, _ = nodes
    for s in (a, b):
        r = s.client().get("/api/v1/health")
        assert r.status == 200 and r.json["db"] == "postgres"


def test_session_created_on_one_node_is_valid_on_the_other(nodes, unique):
    a, b, _ = nodes
    c = a.client("gc_admin")
    c.base = b.url  # same cookie and CSRF token, other node
    r = c.get("/api/v1/session")
    assert r.status == 200 and r.json["user"]["username"] == "gc_admin"
    # a write through the other node passes the CSRF check of the shared session…
    gc = c.unit_id("gc")
    r = c.post("/api/v1/units", {"code": f"x-{unique}", "name": "跨节点", "kind": "department", "parent_id": gc})
    assert r.status == 201, r
    # …and without the token it is refused there too
    r = c.post("/api/v1/units", {"code": f"y-{unique}", "name": "跨节点2", "kind": "department", "parent_id": gc},
               csrf=False)
    assert r.status == 403
    c.base = a.url
    assert c.get(f"/api/v1/units/{gc}").status == 200
    # signing out through B ends the session on A too
    c.base = b.url
    assert c.delete("/api/v1/session").status == 204
    c.base = a.url
    assert c.get("/api/v1/session").status == 401


def test_login_failures_count_across_nodes(nodes, unique):
    """Sign-in throttling (docs/security.md) keeps its counts in the database: failures on one node make
    the other wait too. The waits are counted on the test clock, which the nodes share."""
    a, b, _ = nodes
    admin = a.client("gc_admin")
    gc = admin.unit_id("gc")
    name = f"lk{unique}"
    r = admin.post("/api/v1/users", {"username": name, "name": "限速测试", "unit_id": gc,
                                     "password": "Lockout2026x", "roles": []})
    assert r.status == 201, r

    def advance(seconds):
        now = a.client().get("/api/v1/health").json["time"]
        t = datetime.datetime.fromisoformat(now.replace("Z", "+00:00")) + datetime.timedelta(seconds=seconds)
        assert a.client("admin").put("/api/v1/admin/clock", {"now": t.strftime("%Y-%m-%dT%H:%M:%SZ")}).status == 200

    # wrong passwords alternating between the nodes, each wait sat out on the shared clock, until the
    # wait is a minute (the clock ticks with real time: a wait of a few seconds could run out before the
    # checks below on a slow run): every 429 after a failure on the other node shows that the count is shared
    seen = []
    for i in range(40):
        r = (a, b)[i % 2].client().post("/api/v1/session", {"username": name, "password": "wrong"})
        assert r.status in (401, 429), r
        seen.append(r.status)
        if r.status == 429:
            if int(r.headers["Retry-After"]) >= 60:
                break
            advance(int(r.headers["Retry-After"]))
    assert seen[0] == 401 and seen[-1] == 429 and int(r.headers["Retry-After"]) >= 60, seen
    # the right password waits on both nodes, and passes on both once the wait is over
    for s in (a, b):
        r = s.client().post("/api/v1/session", {"username": name, "password": "Lockout2026x"})
        assert r.status == 429 and int(r.headers["Retry-After"]) >= 30, r
    advance(int(r.headers["Retry-After"]))
    for s in (a, b):
        assert s.client().post("/api/v1/session", {"username": name, "password": "Lockout2026x"}).status == 200


def numbering_year(srv):
    """The Beijing year of the server's (test) clock: the year of the numbers it gives now."""
    return datetime.datetime.fromtimestamp(server_now(srv), BEIJING).year


def test_counter_probe_refusals(nodes):
    a, _, _ = nodes
    assert a.client("gc_office").post("/api/v1/admin/counters/test.x").status == 403
    assert a.client("admin").post("/api/v1/admin/counters/items.2026").status == 422


def test_200_concurrent_registrations_across_two_nodes_get_distinct_gap_free_numbers(nodes):
    a, b, db = nodes
    clients = [a.client("gc_office"), b.client("gc_office")]
    lead = clients[0].unit_id("gc-jt")
    year = numbering_year(a)  # the clock is pinned: the year of the numbers registered below

    def seqs():
        return sorted(int(x) for x in psql(db, f"SELECT num_seq FROM items WHERE number LIKE '古督%' "
                                               f"AND num_year = {year}").split())

    before = seqs()
    assert before == list(range(1, len(before) + 1))

    def register(i):
        r = clients[i % 2].post("/api/v1/items", {"title": f"跨节点立项{i}", "source_kind": "instruction",
                                                  "lead_unit_id": lead, "due_date": day(30), "submit": True})
        return r

    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        results = list(ex.map(register, range(200)))
    elapsed = time.time() - t0
    assert all(r.status == 201 for r in results), [r for r in results if r.status != 201][:3]
    numbers = [r.json["number"] for r in results]
    assert len(set(numbers)) == 200
    got = sorted(int(NUM.fullmatch(n).group(3)) for n in numbers)
    assert got == list(range(len(before) + 1, len(before) + 201)), "numbers repeat or skip"
    assert seqs() == list(range(1, len(before) + 201))
    print(f"\n200 registrations through 2 nodes, 16 threads: {elapsed:.2f}s ({200 / elapsed:.0f}/s)")
    r = a.client("admin").get("/api/v1/audit/verify")
    assert r.status == 200 and r.json["ok"], r


def test_numbers_taken_at_the_commit_reach_every_text_under_concurrency(nodes):
    """The number is taken by the last statement of the submit's transaction (counter_next_late): 120 registrations
    with submit through two nodes at once get numbers without gap or repeat, and each one's timeline entry, audit
    record, to-dos and messages carry its own number — never another's, never the token that stood for it."""
    a, b, db = nodes
    clients = [a.client("gc_office"), b.client("gc_office")]
    lead = clients[0].unit_id("gc-jt")
    year = numbering_year(a)  # the clock is pinned: the year of the numbers registered below
    before = int(psql(db, f"SELECT COUNT(*) FROM items WHERE number LIKE '古督%' AND num_year = {year}"))

    def register(i):
        return clients[i % 2].post("/api/v1/items", {"title": f"提交即编号{i}", "source_kind": "instruction",
                                                     "lead_unit_id": lead, "due_date": day(30), "submit": True})

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as ex:
        results = list(ex.map(register, range(120)))
    assert all(r.status == 201 for r in results), [r for r in results if r.status != 201][:3]
    mine = {r.json["id"]: r.json["number"] for r in results}
    got = sorted(int(NUM.fullmatch(n).group(3)) for n in mine.values())
    assert got == list(range(before + 1, before + 121)), "numbers repeat or skip"
    ids = ",".join(str(i) for i in mine)
    rows = psql(db, f"SELECT id, number FROM items WHERE id IN ({ids})").split()
    assert dict((int(x.split("|")[0]), x.split("|")[1]) for x in rows) == mine
    # the submit's timeline entry
    ev = psql(db, f"SELECT item_id, data FROM item_events WHERE action = 'submit' AND item_id IN ({ids})").splitlines()
    assert len(ev) == 120
    for line in ev:
        iid, data = line.split("|", 1)
        assert json.loads(data)["number"] == mine[int(iid)], line
    # the deputy director's to-do and every message about the items (inbox, e-mail, SMS rows)
    todos = psql(db, f"SELECT object_id, number FROM todos WHERE kind = 'item' AND object_id IN ({ids})").split()
    assert len(todos) >= 120 and all(mine[int(t.split("|")[0])] == t.split("|")[1] for t in todos), todos[:3]
    msgs = psql(db, "SELECT object_id, replace(subject || ' ' || body, chr(10), ' ') FROM outbox WHERE object_type = 'item' AND "
                    f"channel <> 'webhook' AND object_id IN ({ids})").splitlines()
    assert {int(m.split("|")[0]) for m in msgs} == set(mine)
    for m in msgs:
        iid, text = m.split("|", 1)
        assert mine[int(iid)] in text, m
    # the audit records (sealed or waiting): each item's submit names its number
    a.client("admin").get("/api/v1/audit/verify")  # seals what waits
    aud = psql(db, "SELECT object_id, summary FROM audit_log WHERE action = 'item.submit' AND object_type = 'item' "
                   f"AND object_id IN ({','.join(repr(str(i)) for i in mine)})").splitlines()
    assert len(aud) == 120
    for line in aud:
        iid, summary = line.split("|", 1)
        assert json.loads(summary)["body"]["number"] == mine[int(iid)], line
    # the token never reached the database
    for table, col in (("item_events", "data"), ("todos", "number"), ("outbox", "body"), ("audit_log", "summary"),
                       ("audit_queue", "summary"), ("items", "number")):
        assert psql(db, f"SELECT COUNT(*) FROM {table} WHERE {col} LIKE '%' || chr(57344) || '%'").strip() == "0", table
    r = a.client("admin").get("/api/v1/audit/verify")
    assert r.status == 200 and r.json["ok"], r


def test_test_counter_numbers_across_two_nodes_are_gap_free(nodes, unique):
    a, b, db = nodes
    name = f"test.{unique}"
    clients = [a.client("admin"), b.client("admin")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(lambda i: clients[i % 2].post(f"/api/v1/admin/counters/{name}"), range(60)))
    assert all(r.status == 200 for r in results), [r for r in results if r.status != 200][:5]
    assert sorted(r.json["value"] for r in results) == list(range(1, 61))
    n = psql(db, f"SELECT COUNT(DISTINCT object_id) FROM audit_log WHERE action = 'counter.next' "
                 f"AND summary LIKE '%\"{name}\"%'")
    assert int(n) == 60


def test_a_job_is_claimed_exactly_once_across_nodes(nodes, unique):
    a, b, db = nodes
    clients = [a.client("admin"), b.client("admin")]
    keys = [f"test.remind.{unique}.{k}" for k in range(5)]

    def claim(i):
        r = clients[i % 2].post(f"/api/v1/admin/claims/{keys[i % 5]}")
        assert r.status == 200, r
        return r.json["key"], r.json["won"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as ex:
        results = list(ex.map(claim, range(60)))
    for k in keys:
        assert sum(1 for key, won in results if key == k and won) == 1, k
    assert int(psql(db, f"SELECT COUNT(*) FROM job_claims WHERE key LIKE 'test.remind.{unique}.%'")) == 5
    assert clients[0].post("/api/v1/admin/claims/real.job").status == 422
    assert a.client("gc_office").post(f"/api/v1/admin/claims/{keys[0]}").status == 403


# ---- migrate-data ----

# the ledger's tables derived by triggers (migrations 0050, 0054): rebuilt on the target after the copy
# (counter rows that came to 0 on the source are not made again); the SQLite search index (FTS5, tokenizer
# 'ducha') cannot be read here: `ducha ledger check`
DERIVED = ("item_fts", "item_search", "item_count_deltas", "item_scope_refresh", "item_scope_queue", "item_counts",
           "item_figs", "figure_count")


def number(v):
    # a whole REAL (0.0) reads back from PostgreSQL's JSON as 0: the same number, one spelling
    return int(v) if isinstance(v, float) and v.is_integer() else v


def row_json(row):
    return json.dumps({k: number(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False)


def sqlite_tables(path):
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%'") if not r[0].startswith(DERIVED)]
        out = {}
        for t in names:
            cur = con.execute(f'SELECT * FROM "{t}"')
            cols = [d[0] for d in cur.description]
            out[t] = sorted(row_json(dict(zip(cols, row))) for row in cur)
        return out
    finally:
        con.close()


def pg_tables(url):
    # tables, not their partitions (item_events and outbox are partitioned by month on PostgreSQL)
    names = psql(url, "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                      "AND relkind IN ('r', 'p') AND NOT relispartition").split()
    names = [t for t in names if not t.startswith(DERIVED)]
    out = {}
    for t in names:
        rows = json.loads(psql(url, f'SELECT COALESCE(json_agg(x), \'[]\') FROM "{t}" x'))
        out[t] = sorted(row_json(r) for r in rows)
    return out


# the ledger's counters and figures, as sums of the kept rows and the deltas not yet folded
DERIVED_SUMS = (
    "SELECT unit_id, dim, key, SUM(n) FROM (SELECT unit_id, dim, key, n FROM item_counts UNION ALL "
    "SELECT unit_id, dim, key, n FROM item_count_deltas) x GROUP BY unit_id, dim, key HAVING SUM(n) <> 0",
    "SELECT office_path, own, unit_id, month, SUM(registered), SUM(completed), SUM(on_time), SUM(ov_in), SUM(ov_out), "
    "SUM(done_days) FROM (SELECT office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out, "
    "done_days FROM figure_counts UNION ALL SELECT office_path, own, unit_id, month, registered, completed, on_time, "
    "ov_in, ov_out, done_days FROM figure_count_deltas) x GROUP BY office_path, own, unit_id, month "
    "HAVING SUM(registered) <> 0 OR SUM(completed) <> 0 OR SUM(on_time) <> 0 OR SUM(ov_in) <> 0 OR SUM(ov_out) <> 0 "
    "OR SUM(done_days) <> 0",
    "SELECT item_id, unit_id, own, office_path, reg_m, done_m, on_time, ovin_m, ovout_m, done_days FROM item_figs")


def derived_rows(sql, sqlite=None, pg=None):
    """The rows of sql as sorted lists of text, on a SQLite file or a PostgreSQL URL."""
    if sqlite:
        con = sqlite3.connect(sqlite)
        try:
            rows = [["" if v is None else str(v) for v in r] for r in con.execute(sql)]
        finally:
            con.close()
    else:
        p = subprocess.run(["psql", "-X", "-Atq", "-F", "\t", "-v", "ON_ERROR_STOP=1", pg, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        rows = [line.split("\t") for line in p.stdout.splitlines() if line]
    assert rows, sql
    return sorted(rows)


def test_migrate_data_round_trip_from_sqlite(backend, unique):
    tmp = scratch_dir("ducha-mig-")
    try:
        src = os.path.join(tmp, "county.db")
        run_cli("demo", db=src)
        # some history on the source: a unit moved under a newer one (its parent id is larger than its own)
        s = Server(src)
        try:
            c = s.client("gc_admin")
            gc = c.unit_id("gc")
            old = c.post("/api/v1/units", {"code": f"old-{unique}", "name": "旧单位", "kind": "department",
                                           "parent_id": gc}).json
            new = c.post("/api/v1/units", {"code": f"new-{unique}", "name": "新单位", "kind": "department",
                                           "parent_id": gc}).json
            assert c.patch(f"/api/v1/units/{old['id']}", {"parent_id": new["id"]}).status == 200
            # texts for every rule of the search tokens (base/grams.h): the copy's search documents are made
            # in C (db_search_load), the triggers' in PL/pgSQL (item_search_words)
            it = Items(s)
            jt = it.unit("gc-jt")
            it.send(it.create(title=f"ＡＢ１２ Water-Supply 交通运输「改造」é单 k{unique}", co=("gc-cz",),
                              requirement="第1期：" + "x" * 70 + " 交 通 运输、ÀÉ 😀水电 \\ 'q' \"d\"\t" + "治理 " * 300))
            it.create(title="单", requirement="。")
        finally:
            s.stop()
        dst = backend.new_db(empty=True)
        p = run_cli("migrate-data", "--from", f"sqlite:{src}", "--to", dst, db=dst)
        assert "copied" in p.stderr
        # the derived tables filled set by set (ledger_fill_part) hold what SQLite's triggers kept row by row: the
        # counters (kept rows plus deltas, zero sums aside) and the bulletin figures' rows and counters
        for sql in DERIVED_SUMS:
            assert derived_rows(sql, sqlite=src) == derived_rows(sql, pg=dst), sql
        # and the planner has statistics of the copied rows (ANALYZE after the commit)
        assert int(psql(dst, "SELECT COUNT(*) FROM pg_stats WHERE tablename IN ('items', 'item_tracks', "
                             "'item_scope', 'item_figs') AND attname = 'item_id' OR tablename = 'items' "
                             "AND attname = 'id'")) == 4
        # every item's search document is the one the triggers make (words and scope), after the copy and
        # after a `ducha ledger rebuild` of the live database (its GIN index kept)
        docs = ("SELECT COUNT(*) FILTER (WHERE g.tsv IS NOT DISTINCT FROM item_search_words(i.number, i.title, "
                "i.requirement) || item_search_scope(i.id)) || ' ' || COUNT(*) FROM items i "
                "LEFT JOIN item_search g ON g.item_id = i.id")
        total = psql(dst, "SELECT COUNT(*) FROM items").strip()
        assert int(total) > 2 and psql(dst, docs).split() == [total, total]
        query = f"water <-> supply & ab12 & 运输 & 治理 & k{unique.lower()} & '@{jt}'"
        found = psql(dst, f"SELECT string_agg(item_id::text, ',') FROM item_search WHERE tsv @@ $${query}$$").strip()
        assert found and "," not in found, found
        assert "rebuilt the scope rows" in run_cli("ledger", "rebuild", db=dst).stdout
        assert psql(dst, docs).split() == [total, total]
        a, b = sqlite_tables(src), pg_tables(dst)
        assert set(a) == set(b)
        for t in a:
            if t == "schema_migrations":  # applied_at differs: each database was migrated on its own
                assert len(a[t]) == len(b[t])
                continue
            assert len(a[t]) == len(b[t]), t
            assert a[t] == b[t], f"content of {t} differs"
        p = run_cli("audit", "verify", db=dst)
        assert "audit chain ok" in p.stdout
        for db in (src, dst):  # the ledger's counters match a recount on both sides
            assert "differences 0" in run_cli("ledger", "check", db=db).stdout
        # the keys, indexes and references dropped for the load are all back, partitions included
        def catalog(url):
            # every table and partition with its index definitions (names aside: a partition's index is
            # named by the server), and the tables' keys and references
            return psql(url, "SELECT c.relname || ':' || COALESCE(string_agg(q.d, ',' ORDER BY q.d), '') "
                             "FROM pg_class c LEFT JOIN LATERAL (SELECT regexp_replace(pg_get_indexdef(x.indexrelid), "
                             "'INDEX \\S+ ON (ONLY )?\\S+', 'INDEX ON') AS d FROM pg_index x "
                             "WHERE x.indrelid = c.oid) q ON true "
                             "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
                             "GROUP BY c.relname ORDER BY 1") + \
                psql(url, "SELECT conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(co.oid) "
                          "FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid "
                          "WHERE co.connamespace = current_schema()::regnamespace AND co.contype IN ('f', 'p', 'u') "
                          "AND NOT c.relispartition ORDER BY 1")
        fresh = backend.new_db(empty=True)
        run_cli("init", db=fresh)
        assert catalog(dst) == catalog(fresh)
        # a second run refuses the target that now holds data, and changes nothing
        before = psql(dst, "SELECT COUNT(*) FROM units")
        p = run_cli("migrate-data", "--from", f"sqlite:{src}", "--to", dst, db=dst, check=False)
        assert p.returncode != 0 and "not empty" in p.stderr
        assert psql(dst, "SELECT COUNT(*) FROM units") == before
        # the identity sequences were moved past the copied ids: new rows get fresh ids
        s = Server(dst)
        try:
            c = s.client("gc_admin")
            r = c.post("/api/v1/units", {"code": f"after-{unique}", "name": "迁移后新建", "kind": "department",
                                         "parent_id": c.unit_id("gc")})
            assert r.status == 201 and r.json["id"] > new["id"], r
        finally:
            s.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_migrate_data_run_again_after_a_failed_fill_fills_the_copy(backend):
    """The copy commits with the mark of an unfinished fill (migrate_data_fill); the fill's parts commit each on
    their own connection. A part that fails leaves the copy, its keys and triggers whole, and the mark; the same
    command run again fills every derived table again instead of copying."""
    tmp = scratch_dir("ducha-mig-")
    try:
        src = os.path.join(tmp, "county.db")
        run_cli("demo", db=src)
        dst = backend.new_db(empty=True)
        # a figures' row the target refuses (the scope rows and the search documents do not write there)
        run_cli("init", db=dst)
        # (the start of `init` took the to-dos' rebuild request that the migrations leave: put back, the target
        # holds what the migrations alone insert)
        psql(dst, "INSERT INTO settings (key, value) VALUES ('todos_rebuild', '1')")
        psql(dst, "ALTER TABLE item_figs ADD CONSTRAINT refused CHECK (false)")
        p = run_cli("migrate-data", "--from", f"sqlite:{src}", "--to", dst, db=dst, check=False)
        assert p.returncode != 0 and "run the same migrate-data again" in p.stderr, p.stderr
        assert "figures failed" in p.stderr, p.stderr
        items = psql(dst, "SELECT COUNT(*) FROM items").strip()
        assert int(items) > 2
        assert psql(dst, "SELECT COUNT(*) FROM migrate_data_fill").strip() == "1"
        assert psql(dst, "SELECT COUNT(*) FROM item_figs").strip() == "0"
        # the copy's keys, references and triggers are all back (the failed part's tables' too)
        assert psql(dst, "SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'").strip() == "0"
        keys = ("SELECT COUNT(*) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace "
                "AND contype IN ('p', 'f')")
        fresh = backend.new_db(empty=True)
        run_cli("init", db=fresh)
        assert psql(dst, keys) == psql(fresh, keys)
        # a node does not start on it
        p = run_cli("serve", "--listen", f"127.0.0.1:{free_port()}", db=dst, check=False)
        assert p.returncode != 0 and "run the same migrate-data again" in p.stderr, p.stderr
        # the cause put right, the same command fills the derived tables again
        psql(dst, "ALTER TABLE item_figs DROP CONSTRAINT refused")
        p = run_cli("migrate-data", "--from", f"sqlite:{src}", "--to", dst, db=dst)
        assert "filling the ledger's derived tables again" in p.stderr and "filled" in p.stderr, p.stderr
        assert psql(dst, "SELECT COUNT(*) FROM items").strip() == items
        assert psql(dst, "SELECT COUNT(*) FROM migrate_data_fill").strip() == "0"
        for sql in DERIVED_SUMS:
            assert derived_rows(sql, sqlite=src) == derived_rows(sql, pg=dst), sql
        assert "differences 0" in run_cli("ledger", "check", db=dst).stdout
        assert psql(dst, keys) == psql(fresh, keys)
        # finished: a third run refuses the target
        p = run_cli("migrate-data", "--from", f"sqlite:{src}", "--to", dst, db=dst, check=False)
        assert p.returncode != 0 and "not empty" in p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_migrate_data_bad_arguments(backend):
    dst = backend.new_db(empty=True)
    p = run_cli("migrate-data", "--from", "sqlite:/nonexistent-dir/x.db", "--to", dst, db=dst, check=False)
    assert p.returncode != 0 and "source" in p.stderr
    assert not os.path.exists("/nonexistent-dir")
    p = run_cli("migrate-data", "--to", dst, db=dst, check=False)
    assert p.returncode != 0 and "usage" in p.stderr


# ---- crash of the PostgreSQL server during a write load ----

@pytest.fixture
def own_pg(backend):
    """A PostgreSQL server of its own (this test kills it), with the demo data (restored, Backend.demo_into)."""
    d = scratch_dir("ducha-pgkill-")
    url = subprocess.run([PG_SH, "start", d], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    backend.demo_into(url)
    yield d, url
    subprocess.run([PG_SH, "stop", d], capture_output=True)
    subprocess.run([PG_SH, "destroy", d], capture_output=True)
    shutil.rmtree(d, ignore_errors=True)


def test_nodes_recover_after_postgres_crash_and_lose_no_acknowledged_write(own_pg, unique):
    d, url = own_pg
    a, b = Server(url), Server(url)
    try:
        clients = [a.client("gc_admin"), b.client("gc_admin")]
        gc = clients[0].unit_id("gc")
        acked, failed = [], []
        lock = threading.Lock()
        stop = threading.Event()

        def worker(w):
            c = clients[w % 2]
            i = 0
            while not stop.is_set():
                code = f"k{unique}-{w}-{i}"
                i += 1
                try:
                    r = c.post("/api/v1/units", {"code": code, "name": f"压测{w}-{i}", "kind": "department",
                                                 "parent_id": gc})
                    status = r.status
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    status = 0
                with lock:
                    (acked if 200 <= status < 300 else failed).append((code, status, time.time()))
                if status != 201:
                    time.sleep(0.05)

        offices = [a.client("gc_office"), b.client("gc_office")]
        lead = offices[0].unit_id("gc-jt")
        items_acked, items_failed = [], []

        def registrar(w):  # item registrations: the numbers must stay gap-free through the crash
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    r = offices[w % 2].post("/api/v1/items", {"title": f"崩溃测试{w}-{i}", "source_kind": "instruction",
                                                              "lead_unit_id": lead, "due_date": day(30), "submit": True})
                    status, number = r.status, (r.json or {}).get("number")
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    status, number = 0, None
                with lock:
                    if status == 201:
                        items_acked.append(number)
                    else:
                        items_failed.append(status)
                if status != 201:
                    time.sleep(0.05)

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
        threads += [threading.Thread(target=registrar, args=(w,)) for w in range(2)]
        for t in threads:
            t.start()
        # the load is under way on both kinds of write before the kill (not a fixed time: a slow start would
        # leave nothing acknowledged)
        assert wait_for(lambda: len({x[0].split("-")[1] for x in acked}) == 4 and items_acked, 60), (acked, items_failed)
        before_kill = len(acked)
        t_kill = time.time()
        subprocess.run([PG_SH, "kill", d], check=True, capture_output=True)
        time.sleep(1)
        subprocess.run([PG_SH, "restart", d], check=True, capture_output=True, timeout=120)
        t_up = time.time()
        # keep writing until both nodes have acknowledged writes again (they must recover on their own; a
        # generous deadline on a loaded machine, left as soon as they have)
        deadline = time.time() + 90
        while time.time() < deadline:
            with lock:
                recovered = [x for x in acked if x[2] > t_up]
            if len({x[0].split("-")[1] for x in recovered}) >= 4:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=90)
        first_ok_after = min((x[2] for x in acked if x[2] > t_up), default=None)
        statuses = {}
        for x in failed:
            statuses[x[1]] = statuses.get(x[1], 0) + 1
        print(f"\nacknowledged {len(acked)} ({before_kill} before the kill), refused {len(failed)} {statuses}; "
              f"first 2xx {first_ok_after - t_up if first_ok_after else -1:.2f}s after restart "
              f"({t_up - t_kill:.1f}s outage)")
        assert before_kill > 0
        assert first_ok_after is not None, "no node recovered"
        # every worker (both nodes) wrote again after the restart
        assert len({x[0].split("-")[1] for x in acked if x[2] > t_up}) == 4
        # every acknowledged write is in the database
        codes = set(psql(url, f"SELECT code FROM units WHERE code LIKE 'k{unique}-%'").split())
        missing = [x[0] for x in acked if x[0] not in codes]
        assert not missing, missing[:10]
        # nothing half-applied: every unit of the load (acknowledged or not) has its path and its audit record.
        # The unit's transaction writes the record into audit_queue; each node's sealer moves it into audit_log
        # shortly after the commit (docs/security.md), later when the sealer is behind (a loaded machine, a
        # sealer pass that failed in the outage): so first once in either, then once in audit_log when sealed
        def unit_records(trail):
            return psql(url, f"SELECT u.id, u.path, (SELECT COUNT(*) FROM {trail} l WHERE l.action = 'unit.create' "
                             f"AND l.object_id = CAST(u.id AS TEXT)) FROM units u WHERE u.code LIKE 'k{unique}-%'")

        def check_records(rows):
            for line in rows.split():
                uid, path, n = line.split("|")
                assert path.endswith(f"/{uid}/") and n == "1", line

        waiting = int(psql(url, "SELECT COUNT(*) FROM audit_queue"))
        check_records(unit_records("(SELECT action, object_id FROM audit_log UNION ALL "
                                   "SELECT action, object_id FROM audit_queue)"))
        assert wait_for(lambda: psql(url, "SELECT COUNT(*) FROM audit_queue").strip() == "0", 60)
        check_records(unit_records("audit_log"))
        print(f"audit records waiting for the sealer after the load: {waiting}")
        # item numbers: every acknowledged one is there, and the sequence has neither gaps nor repeats
        # in each year the acknowledged numbers fall in (read from the numbers: New Year's midnight may come
        # during the load, and the numbering restarts at 1 in the new year)
        assert items_acked
        for year in sorted({NUM.fullmatch(n).group(2) for n in items_acked}):
            nums = psql(url, f"SELECT number, num_seq FROM items WHERE number LIKE '古督%' AND num_year = {year}").split()
            seqs = sorted(int(x.split("|")[1]) for x in nums)
            assert seqs == list(range(1, len(seqs) + 1)), f"gap or repeat in item numbers of {year}"
            have = {x.split("|")[0] for x in nums}
            assert all(n in have for n in items_acked if NUM.fullmatch(n).group(2) == year)
            print(f"items of {year}: numbers 1..{len(seqs)} gap-free")
        print(f"items: {len(items_acked)} registered, {len(items_failed)} refused")
        r = clients[0].get("/api/v1/audit/verify")
        assert r.status == 200 and r.json["ok"], r
        p = run_cli("audit", "verify", db=url)
        assert "audit chain ok" in p.stdout
    finally:
        a.stop()
        b.stop()


# ---- the scale-out layout of docs/deployment.md ----

@pytest.mark.skipif(not shutil.which("nginx") or not shutil.which("openssl"),
                    reason="nginx and openssl are needed (scripts/deps.sh --bench)")
def test_deployment_doc_layout_with_replica_and_failover():
    """scripts/deploy-check.sh: primary + pg_basebackup replica, two nodes behind nginx TLS, failover
    by pg_ctl promote. It uses the release binary when built, else the test binary."""
    rel = os.path.join(ROOT, "build", "ducha")
    binary = rel if os.path.exists(rel) and os.path.getmtime(rel) >= os.path.getmtime(BIN) else BIN
    p = subprocess.run([os.path.join(ROOT, "scripts", "deploy-check.sh"), binary], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "deploy-check: all steps passed" in p.stdout
    assert "ERROR: AddressSanitizer" not in p.stdout + p.stderr


# ---- readiness, start-up and the synchronous-commit bound (issue 16) ----

def health(server):
    return server.client().get("/api/v1/health")



def test_readiness_follows_the_database_and_liveness_does_not(own_pg):
    d, url = own_pg
    s = Server(url)
    try:
        assert health(s).status == 200
        subprocess.run([PG_SH, "kill", d], check=True, capture_output=True)
        r = health(s)
        assert r.status == 503 and r.error["code"] == "unavailable" and "无法连接" in r.error["message"]
        assert s.client().get("/api/v1/health/live").status == 200
        subprocess.run([PG_SH, "restart", d], check=True, capture_output=True, timeout=120)
        assert wait_for(lambda: health(s).status == 200)
        # a database that accepts no writes (a standby, or read-only by configuration) is not ready
        psql(url, "ALTER DATABASE ducha SET default_transaction_read_only = on")
        s2 = Server(url, ready="/api/v1/health/live")  # new sessions are read-only; the schema is current
        try:
            r = health(s2)
            assert r.status == 503 and r.error["code"] == "unavailable" and "只读" in r.error["message"], r
            assert s2.client().get("/api/v1/health/live").status == 200
        finally:
            s2.stop()
            psql(url.rsplit("/", 1)[0] + "/postgres", "ALTER DATABASE ducha SET default_transaction_read_only = off")
    finally:
        s.stop()


def test_a_node_started_before_postgres_waits_for_it(own_pg):
    d, url = own_pg
    subprocess.run([PG_SH, "stop", d], check=True, capture_output=True)
    holder = {}

    def start():
        holder["s"] = Server(url)

    t = threading.Thread(target=start)
    t.start()
    try:
        time.sleep(4)  # the node is retrying, not exiting
        assert "s" not in holder and t.is_alive()
        subprocess.run([PG_SH, "start", d], check=True, capture_output=True, timeout=120)
        t.join(timeout=60)
        assert "s" in holder, "the node did not come up after PostgreSQL started"
        s = holder["s"]
        assert health(s).status == 200
        assert "database not ready" in s.output() and "trying again" in s.output()
        s.stop()
    finally:
        t.join(timeout=1)


def test_a_node_on_an_unmigrated_read_only_database_says_so(backend):
    db = backend.new_db(empty=True)
    psql(db, f"ALTER DATABASE \"{db.rsplit('/', 1)[1]}\" SET default_transaction_read_only = on")
    p = run_cli("init", db=db, check=False)
    assert p.returncode != 0 and "read-only" in p.stderr and "primary" in p.stderr, p.stderr
    assert "is the database reachable" not in p.stderr


def set_synchronous_standby_names(admin_url, value):
    """ALTER SYSTEM and reload, then wait until the postmaster has read it (a new session shows it): pg_reload_conf()
    only sends the signal, and on a busy machine a write sent at once was still committed under the old setting. The
    postmaster signals its sessions as it reads the file, so the node's pooled sessions take it at their next command."""
    if value is None:
        psql(admin_url, "ALTER SYSTEM RESET synchronous_standby_names")
    else:
        psql(admin_url, f"ALTER SYSTEM SET synchronous_standby_names = '{value}'")
    psql(admin_url, "SELECT pg_reload_conf()")
    assert wait_for(lambda: psql(admin_url, "SHOW synchronous_standby_names").strip() == (value or ""), 30)


def test_a_commit_waiting_for_a_missing_synchronous_standby_is_bounded(own_pg, unique):
    """synchronous_standby_names names a standby that is not there: a COMMIT would wait for ever
    (statement_timeout does not end it). The node cancels it after db_commit_timeout_ms and answers
    503; the other writers are not stuck behind it, and writes flow again once the setting is fixed."""
    d, url = own_pg
    s = Server(url, env={"DUCHA_DB_COMMIT_TIMEOUT_MS": "1500"})
    admin_url = url.replace("ducha@", "postgres@").rsplit("/", 1)[0] + "/postgres"
    try:
        c = s.client("gc_admin")
        gc = c.unit_id("gc")
        set_synchronous_standby_names(admin_url, "db2")
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
            rs = list(ex.map(lambda i: c.post("/api/v1/units", {"code": f"s{unique}-{i}", "name": "同步提交",
                                                                "kind": "department", "parent_id": gc}), range(4)))
        elapsed = time.time() - t0
        assert all(r.status == 503 and r.error["code"] == "unavailable" for r in rs), rs
        assert elapsed < 20, elapsed
        assert "COMMIT waited more than 1500 ms" in s.output()
        set_synchronous_standby_names(admin_url, None)
        r = c.post("/api/v1/units", {"code": f"s{unique}-after", "name": "恢复后", "kind": "department", "parent_id": gc})
        assert r.status == 201, r
        assert c.get("/api/v1/audit/verify").status in (200, 403)
        p = run_cli("audit", "verify", db=url)
        assert "audit chain ok" in p.stdout
    finally:
        set_synchronous_standby_names(admin_url, None)
        s.stop()


# ---- pgbouncer in transaction pooling mode ----

@pytest.fixture
def pgbouncer(own_pg):
    """pgbouncer (Debian 12: 1.18, no protocol-level prepared statements) in transaction pooling mode
    in front of own_pg, with fewer server connections than the nodes' pools together."""
    d, url = own_pg
    m = re.match(r"postgres://ducha@127\.0\.0\.1:(\d+)/ducha", url)
    pg_port = m.group(1)
    w = scratch_dir("ducha-bouncer-")
    port = free_port()
    with open(os.path.join(w, "pgbouncer.ini"), "w") as f:
        f.write(f"""[databases]
ducha = host=127.0.0.1 port={pg_port} dbname=ducha
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {w}/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 4
ignore_startup_parameters = extra_float_digits
logfile = {w}/pgbouncer.log
pidfile = {w}/pgbouncer.pid
""")
    with open(os.path.join(w, "users.txt"), "w") as f:
        f.write('"ducha" ""\n')
    subprocess.run(["chown", "-R", "postgres:", w], check=True)
    proc = subprocess.Popen(["runuser", "-u", "postgres", "--", "pgbouncer", os.path.join(w, "pgbouncer.ini")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bouncer = f"postgres://ducha@127.0.0.1:{port}/ducha"
    assert wait_for(lambda: subprocess.run(["psql", "-X", "-Atq", bouncer, "-c", "SELECT 1"],
                                           capture_output=True).returncode == 0, 60)
    yield url, bouncer
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(w, ignore_errors=True)


@pytest.mark.skipif(not shutil.which("pgbouncer") and not os.path.exists("/usr/sbin/pgbouncer"),
                    reason="pgbouncer is installed by scripts/deps.sh")
def test_two_nodes_behind_pgbouncer_in_transaction_mode(pgbouncer, unique):
    direct, bouncer = pgbouncer
    env = {"DUCHA_DB_PREPARE": "false"}
    a, b = Server(bouncer, env=env), Server(bouncer, env=env)
    try:
        offices = [a.client("gc_office"), b.client("gc_office")]
        admins = [a.client("gc_admin"), b.client("gc_admin")]
        lead = offices[0].unit_id("gc-jt")
        gc = admins[0].unit_id("gc")

        def work(i):
            if i % 2:
                r = offices[i % 4 // 2].post("/api/v1/items", {"title": f"连接池{i}", "source_kind": "instruction",
                                                               "lead_unit_id": lead, "due_date": day(30), "submit": True})
            else:
                r = admins[i % 4 // 2].post("/api/v1/units", {"code": f"b{unique}-{i}", "name": f"连接池{i}",
                                                              "kind": "department", "parent_id": gc})
            return r.status, r

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as ex:
            rs = list(ex.map(work, range(120)))
        assert all(st == 201 for st, _ in rs), [r for st, r in rs if st != 201][:3]
        # reads of every kind, through the pool
        for c in offices:
            assert c.get("/api/v1/items?limit=20").status == 200
        items = [r.json for st, r in rs if r.json.get("number")]
        for it in items[:5]:
            assert offices[1].get(f"/api/v1/items/{it['id']}").status == 200
        n = int(psql(direct, f"SELECT COUNT(*) FROM units WHERE code LIKE 'b{unique}-%'"))
        assert n == 60
        # the lock_timeout and statement_timeout still apply (set per transaction)
        assert a.client().get("/api/v1/health").status == 200
        p = run_cli("audit", "verify", db=direct)
        assert "audit chain ok" in p.stdout
        # the server saw no named prepared statement from the nodes
        assert "prepared statement" not in a.output() + b.output()
    finally:
        a.stop()
        b.stop()


# ---- database TLS: sslmode=verify-full against a loopback certificate ----

def make_ca_and_cert(d, cn_ip="127.0.0.1"):
    """A test CA and a server certificate for IP 127.0.0.1 signed by it; returns (ca, crt, key)."""
    def ossl(*a):
        subprocess.run(["openssl", *a], check=True, capture_output=True, cwd=d)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ducha test CA",
         "-keyout", "ca.key", "-out", "ca.crt")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn_ip}", "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write(f"subjectAltName = IP:{cn_ip}\n")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
         "-extfile", "ext.cnf", "-out", "server.crt")
    return [os.path.join(d, x) for x in ("ca.crt", "server.crt", "server.key")]


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is needed")
def test_database_tls_verify_full(own_pg):
    d, url = own_pg
    w = scratch_dir("ducha-tls-")
    try:
        ca, crt, key = make_ca_and_cert(w)
        data = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-Atq", url.replace("ducha@", "postgres@"),
                               "-c", "SHOW data_directory"], capture_output=True, text=True, check=True).stdout.strip()
        for src, name in ((crt, "server.crt"), (key, "server.key")):
            shutil.copy(src, os.path.join(data, name))
            subprocess.run(["chown", "postgres:", os.path.join(data, name)], check=True)
            os.chmod(os.path.join(data, name), 0o600)
        admin = url.replace("ducha@", "postgres@")
        psql(admin, "ALTER SYSTEM SET ssl = on")
        psql(admin, "SELECT pg_reload_conf()")
        good = f"{url}?sslmode=verify-full&sslrootcert={ca}"
        assert wait_for(lambda: subprocess.run(["psql", "-X", "-Atq", good, "-c", "SELECT 1"],
                                               capture_output=True).returncode == 0, 60)
        s = Server(good)
        try:
            assert health(s).status == 200
            r = s.client("gc_admin").post("/api/v1/units", {"code": f"tls-{time.time_ns()}", "name": "加密连接",
                                                            "kind": "department", "parent_id": s.client("gc_admin").unit_id("gc")})
            assert r.status == 201
            # the node's sessions are encrypted
            n = psql(admin, "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                            "WHERE a.application_name = 'ducha' AND s.ssl")
            assert int(n) >= 1
        finally:
            s.stop()
        # a server whose certificate does not match the name, or another CA: refused, with the reason
        other = scratch_dir("ducha-tls2-")
        try:
            other_ca, _, _ = make_ca_and_cert(other)
            p = run_cli("init", db=f"{url}?sslmode=verify-full&sslrootcert={other_ca}", check=False)
            assert p.returncode != 0 and "certificate verify failed" in p.stderr, p.stderr
            p = run_cli("init", db=f"{url.replace('127.0.0.1', 'localhost')}?sslmode=verify-full&sslrootcert={ca}",
                        check=False)
            assert p.returncode != 0 and "does not match host name" in p.stderr, p.stderr
        finally:
            shutil.rmtree(other, ignore_errors=True)
    finally:
        shutil.rmtree(w, ignore_errors=True)


# ---- e-mail claimed by a node that dies ----

def test_emails_claimed_by_a_killed_node_are_sent_by_another_within_the_lease(backend):
    """Node A claims e-mails and hangs in SMTP (a server that never answers); A is killed. Node B, with a
    working SMTP server, leaves them while A's 30 s lease runs and sends them once it has run out, not
    after 300 s, each exactly once. The lease is counted on the test clock: B starts an hour before A's
    claim (the lease cannot run out while B starts, however slow the machine), then the clock moves 31 s
    past the claim."""
    import socket
    from test_deadlines import SmtpSink, set_clock
    stall = socket.socket()
    stall.bind(("127.0.0.1", 0))
    stall.listen(16)  # accepts connections, never greets
    smtp = SmtpSink()
    db = backend.new_db()
    # the clock set before the start: no reminder of the demo data's today is queued by a first pass
    a = Server(db, env={"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{stall.getsockname()[1]}"},
               clock="2026-03-04T10:00:00+08:00")
    b = None
    try:
        admin = set_clock(a, "2026-03-04T10:00:00+08:00")
        for i in range(3):
            r = admin.post("/api/v1/admin/notifications/test", {"username": "gc_office", "subject": f"接管{i}",
                                                                "urgent": True})
            assert r.status == 202, r
        assert wait_for(lambda: psql(db, "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND state = 'sending' "
                                         "AND subject LIKE '接管%'") != "0\n", 60), \
            psql(db, "SELECT subject, channel, state, lease_until, claimed_by FROM outbox") + a.output()[-2000:]
        claimed_by = server_now(a)  # A claimed them at this instant of its clock or before
        a.proc.kill()
        a.proc.wait()
        b = Server(db, env={"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}"}, clock=iso_utc(claimed_by - 3600))
        # B's first pass is done: it leaves A's claims alone while A's lease runs (and the e-mails A had not
        # claimed yet are not due on B's clock)
        assert smtp.messages() == [] and psql(db, "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND "
                                                  "state = 'sending' AND subject LIKE '接管%'") != "0\n"
        # 31 s after A's claims: the lease is over, B sends them (a lease of 300 s would still hold them)
        set_clock(b, iso_utc(claimed_by + 31))
        assert wait_for(lambda: len(smtp.messages()) >= 3, 45), psql(db, "SELECT state, lease_until, claimed_by FROM "
                                                                          "outbox WHERE channel = 'email'")
        # each recorded sent (after the receiver had it), and another pass, done when it returns, sends none again
        assert wait_for(lambda: psql(db, "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND state = 'sent' "
                                         "AND subject LIKE '接管%'") == "3\n")
        scan(b)
        assert len(smtp.messages()) == 3
    finally:
        a.stop(check=False)
        if b:
            b.stop()
        smtp.stop()
        stall.close()


# ---- monthly partitions (migration 0042) ----

def month_after(m, n=1):
    """The first day of the n-th month after the month of date m."""
    m = m.replace(day=1)
    for _ in range(n):
        m = (m + datetime.timedelta(days=32)).replace(day=1)
    return m


def migration_months(db, version, table):
    """The monthly partitions of table as its migration made them: the month the migration ran in and the
    two after it. That month is read from the database (schema_migrations), never from the date the test
    runs on: the template database is made when the suite starts, and a suite running across the end of a
    month would otherwise look for the partitions of a month the migration never saw."""
    applied = psql(db, f"SELECT applied_at FROM schema_migrations WHERE version = {version}").strip()
    at = datetime.date.fromisoformat(applied[:10])
    parts = psql(db, f"SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                     f"WHERE i.inhparent = '{table}'::regclass").split()
    months = sorted(p for p in parts if p != f"{table}_default")
    # the month of the migration's now() (in the database server's time zone) is that of the applied_at
    # written after it (UTC), or next to it when a month ended in between or the zones differ; a later
    # migration's call may have added the month after
    this = at.replace(day=1)
    before = (this - datetime.timedelta(days=1)).replace(day=1)
    first = next((m for m in (this, before, month_after(this)) if months[:1] == [f"{table}_{m:%Y_%m}"]), None)
    assert first is not None and f"{table}_default" in parts, (applied, parts)
    assert months[:3] == [f"{table}_{month_after(first, i):%Y_%m}" for i in range(3)] and len(months) <= 4, months
    return first


def test_item_events_and_outbox_are_partitioned_by_month(backend):
    db = backend.new_db()
    for t in ("item_events", "outbox"):
        assert psql(db, f"SELECT relkind FROM pg_class WHERE relname = '{t}'").strip() == "p"
        nxt = month_after(migration_months(db, 42, t))
    # a row of next month lands in its month's partition, one of the distant future in the default
    psql(db, f"INSERT INTO item_events (item_id, at, actor, kind, action) SELECT id, '{nxt}T01:00:00Z', "
             f"'part-a', 'comment', 'comment' FROM items ORDER BY id LIMIT 1")
    psql(db, "INSERT INTO item_events (item_id, at, actor, kind, action) SELECT id, '2040-01-01T01:00:00Z', "
             "'part-b', 'comment', 'comment' FROM items ORDER BY id LIMIT 1")
    where = dict(line.split("|") for line in psql(db, "SELECT actor, tableoid::regclass FROM item_events "
                                                      "WHERE actor LIKE 'part-%'").split())
    assert where == {"part-a": f"item_events_{nxt:%Y_%m}", "part-b": "item_events_default"}, where
    # ids stay unique and increasing across partitions
    ids = [int(x) for x in psql(db, "SELECT id FROM item_events WHERE actor LIKE 'part-%' ORDER BY actor").split()]
    assert ids[0] < ids[1]
    # the coming months are created ahead (the hourly retention pass calls this), idempotently: after the
    # pass's own call (months 0…2 of now, which the template made when the suite started, maybe in the month
    # before), months 3…5 of item_events, outbox and audit_log. One transaction, so that now() is one
    # instant for the three calls, also at the end of a month
    made = psql(db, "BEGIN; SELECT ducha_partitions_ahead(2); SELECT ducha_partitions_ahead(5); "
                    "SELECT ducha_partitions_ahead(5); COMMIT").split()
    assert [int(x) for x in made[1:]] == [9, 0], made
    # the timeline reads through the partitions
    iid = psql(db, "SELECT item_id FROM item_events WHERE actor = 'part-a'").strip()
    assert int(psql(db, f"SELECT COUNT(*) FROM item_events WHERE item_id = {iid}")) >= 2


def test_the_audit_trail_is_partitioned_by_month_and_verifies_across_partitions(backend):
    """Migration 0043: audit_log by month like item_events; the sealer writes into this month's
    partition, older records stay in the default one, and the chain verifies across them."""
    db = backend.new_db()
    assert psql(db, "SELECT relkind FROM pg_class WHERE relname = 'audit_log'").strip() == "p"
    migration_months(db, 43, "audit_log")
    # the keys partitioning allows: seq and mac with the month column
    keys = psql(db, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'audit_log'::regclass "
                    "AND indisunique")
    assert "(seq, at)" in keys and "(mac, at)" in keys, keys
    # records sealed now (this month's partition) and with the test clock years ahead (no partition
    # of their own yet: the default one), in one chain
    s = Server(db)
    try:
        for _ in range(3):
            s.client("gc_office")  # each sign-in is an audit record
        r = s.client("admin").put("/api/v1/admin/clock", {"now": "2040-03-04T10:00:00+08:00"})
        assert r.status == 200, r.json
        for _ in range(2):
            s.client("gc_office")
        admin = s.client("admin")
        for _ in range(200):
            v = admin.get("/api/v1/audit/verify").json
            if v["pending"] == 0:
                break
            time.sleep(0.05)
        assert v["pending"] == 0, v
    finally:
        s.stop()
    where = psql(db, "SELECT tableoid::regclass, COUNT(*) FROM audit_log GROUP BY 1 ORDER BY 1").split()
    months = dict(x.split("|") for x in where)
    # the sign-ins of now are in the partition of their own month (read from each record, not from the
    # date after the server stopped, which may be a month later)
    own = int(psql(db, "SELECT COUNT(*) FROM audit_log WHERE at < '2040' AND "
                       "tableoid::regclass::text = 'audit_log_' || replace(substr(at, 1, 7), '-', '_')"))
    assert own >= 3, (own, months)
    assert int(months.get("audit_log_default", 0)) >= 2, months  # the chain spans partitions
    total = int(psql(db, "SELECT COUNT(*) FROM audit_log"))
    seqs = psql(db, "SELECT MIN(seq), MAX(seq), COUNT(DISTINCT seq) FROM audit_log").strip().split("|")
    assert [int(x) for x in seqs] == [1, total, total]
    run_cli("audit", "verify", db=db)  # exit 0: every record, in seq order across the partitions
    # a sealed record cannot be sealed twice, partitioned or not
    dup = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db, "-c",
                          "INSERT INTO audit_log SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1"],
                         capture_output=True, text=True)
    assert dup.returncode != 0 and "duplicate key" in dup.stderr, dup.stderr


class RowLock:
    """A psql session that holds row locks in an open transaction, as an action does between its
    statements (it locks its object's row first, then changes the object's milestones)."""

    def __init__(self, url):
        self.p = subprocess.Popen(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.n = 0

    def run(self, sql):
        """Runs sql in the session and waits for it to finish (a marker line after it)."""
        self.n += 1
        mark = f"done-{self.n}"
        self.p.stdin.write(f"{sql};\nSELECT '{mark}';\n")
        self.p.stdin.flush()
        lines = []
        while True:
            line = self.p.stdout.readline()
            assert line, "psql ended: " + "".join(lines)
            if line.strip() == mark:
                return "".join(lines)
            lines.append(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def test_the_ladder_scan_never_waits_for_an_item_an_action_holds(backend):
    """The deadlock of an item action (its item's row, then its milestones) and the ladder scan (a due
    milestone, then rows of its item: the timeline's reference to the item waits for the action's row
    lock) is gone: the scan takes the owner's row first without waiting (SKIP LOCKED), so while an
    action holds the item the scan leaves that item's milestones for its next pass and finishes (before
    the fix it waited for the action, which then waited for the milestone the scan held: 40P01, or
    503 "催办扫描：数据库繁忙" after the lock timeout). The action then changes the milestones without
    waiting, and the next pass takes the steps, once."""
    db = backend.new_db()
    srv = Server(db)
    try:
        office = srv.client("gc_office")
        assert srv.client("admin").put("/api/v1/admin/clock", {"now": "2026-03-02T09:00:00+08:00"}).status == 200
        office = srv.client("gc_office")
        body = {"title": "城区道路积水点整治", "requirement": "排查并整治积水点", "source_kind": "leader_assigned",
                "lead_unit_id": office.unit_id("gc-jt"), "due_date": "2026-06-30",
                "leader_id": srv.client("gc_leader").user["id"]}
        r = office.post("/api/v1/items", body)
        assert r.status == 201, r
        iid = r.json["id"]
        for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                             ("gc_office", "assign")):
            r = srv.client(user).post(f"/api/v1/items/{iid}/actions/{action}", {})
            assert r.status == 200, (user, action, r)
    finally:
        srv.stop()
    steps = f"SELECT COUNT(*) FROM milestone_steps s JOIN milestones m ON m.id = s.milestone_id " \
            f"WHERE m.owner_kind = 'item' AND m.owner_id = {iid}"
    assert psql(db, steps).strip() == "0"
    late = "2026-03-12T09:00:00+08:00"  # receipt, deployment and first feedback are due by then
    action = RowLock(db)
    try:
        action.run(f"BEGIN; SELECT id FROM items WHERE id = {iid} FOR UPDATE")
        # a pass while the action holds the item: it finishes without waiting (a scan that waited would fail
        # after the 5 s lock timeout, twice: ctx_tx runs it again once) and leaves
        # the item's milestones as they were
        p = run_cli("scan", "--now", late, db=db, env={"DUCHA_DB_BUSY_TIMEOUT_MS": "5000"})
        assert "ladder steps" in p.stdout, p.stdout + p.stderr
        assert psql(db, steps).strip() == "0"
        assert int(psql(db, f"SELECT COUNT(*) FROM milestones WHERE owner_kind = 'item' AND owner_id = {iid} "
                            f"AND next_at <= extract(epoch FROM TIMESTAMPTZ '{late}')")) >= 3
        # the action goes on to its milestones: nothing of the scan is in its way
        action.run(f"UPDATE milestones SET version = version + 1 WHERE owner_kind = 'item' AND owner_id = {iid}")
        action.run("COMMIT")
    finally:
        action.close()
    run_cli("scan", "--now", late, db=db)
    taken = int(psql(db, steps))
    assert taken >= 3
    run_cli("scan", "--now", late, db=db)  # once: a second pass at the same time takes nothing more
    assert int(psql(db, steps)) == taken


def test_a_calendar_change_on_one_node_reaches_the_other(nodes):
    """Each node keeps the working-day calendar in memory and checks its version at most every 2 s (not
    once per request): the node that changes the calendar computes with it at once, the other within a
    few seconds (polled here, bounded generously)."""
    a, b, _ = nodes
    q = "/api/v1/calendar/workdays?from=2031-01-08&add=1"  # a Wednesday of a year no other test touches
    on_a, on_b = a.client("gc_office"), b.client("gc_office")
    assert on_b.get(q).json["date"] == "2031-01-09"  # node b has the calendar cached now
    admin = a.client("admin")
    r = admin.put("/api/v1/calendar/2031", {"days": [{"day": "2031-01-09", "kind": "holiday", "name": "测试"}]})
    assert r.status == 200, r
    try:
        assert on_a.get(q).json["date"] == "2031-01-10"  # at once where it was changed
        assert wait_for(lambda: on_b.get(q).json["date"] == "2031-01-10", timeout=30), "node b kept the old calendar"
    finally:
        assert admin.put("/api/v1/calendar/2031", {"days": []}).status == 200
    assert wait_for(lambda: on_b.get(q).json["date"] == "2031-01-09", timeout=30)


RUNNING = "('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')"


def wait_for_lock_wait(su, where):
    """Until a backend of the database matching `where` waits for a row lock: the server's state decides,
    not a time (the bound only ends a broken run)."""
    q = f"SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND {where}"
    assert wait_for(lambda: psql(su, q).strip() != "0", 60), psql(su, "SELECT pid, state, wait_event_type, query "
                                                                       "FROM pg_stat_activity")


def test_a_lights_chunk_run_again_after_a_deadlock_counts_its_rows_once(backend):
    """ctx_tx runs a chunk of the stored lights' refresh again when PostgreSQL aborts it for a deadlock;
    `ducha ledger lights` then reports each recoloured row once (before the fix the rows the aborted
    attempt had recoloured were counted a second time). The deadlock is provoked in a fixed order, the
    refresh being the last to wait so that its deadlock check (1 s) finds the cycle, never B's (60 s):
    B holds a track row of a running item; C holds the scope rows of another; the refresh locks
    ledger_light_dates, waits for C; B asks for ledger_light_dates; C commits; the refresh recolours the
    scope rows, then asks for B's track row: 40P01 for the refresh, which rolls back and runs again."""
    db = backend.new_db()
    su = db.replace("ducha@", "postgres@")
    # the rows whose light the refresh computes (red, yellow or green: never 'none')
    rows = f"item_id IN (SELECT id FROM items WHERE state IN {RUNNING} AND due_date IS NOT NULL) AND state IN {RUNNING}"
    with_tracks = psql(db, f"SELECT DISTINCT item_id FROM item_tracks WHERE {rows} ORDER BY item_id").split()
    scoped = psql(db, f"SELECT DISTINCT item_id FROM item_scope WHERE {rows} ORDER BY item_id").split()
    assert with_tracks and len(scoped) >= 2, "the demo data has running items with due dates and tracks"
    y = with_tracks[0]
    x = next(i for i in scoped if i != y)
    # every stored light of the running items is wrong ('none') and a refresh over all due dates is pending
    wrong = sum(int(psql(db, f"WITH u AS (UPDATE {t} SET light = 'none' WHERE {rows} RETURNING 1) "
                             f"SELECT COUNT(*) FROM u")) for t in ("item_scope", "item_tracks"))
    psql(db, "UPDATE ledger_light_dates SET today = '2000-01-01', yellow = '2000-01-01', pending_after = 0, "
             "pending_lo_today = '0000-00-00', pending_hi_today = '9999-12-31', pending_lo_yellow = '0000-00-00', "
             "pending_hi_yellow = '9999-12-31' WHERE id = 1")
    b, c = RowLock(su), RowLock(db)
    refresh = None
    try:
        b.run("SET deadlock_timeout = '60s'")
        b_pid = b.run("SELECT pg_backend_pid()").strip()
        b.run(f"BEGIN; SELECT 1 FROM item_tracks WHERE item_id = {y} FOR UPDATE")
        c.run(f"BEGIN; SELECT 1 FROM item_scope WHERE item_id = {x} FOR UPDATE")
        e = dict(os.environ, DUCHA_SECRET_KEY=TEST_SECRET_KEY, DUCHA_AUDIT_KEY=TEST_AUDIT_KEY,
                 DUCHA_DATA_DIR=scratch_dir("ducha-cli-"), DUCHA_DB_BUSY_TIMEOUT_MS="60000")
        refresh = subprocess.Popen([BIN, "ledger", "lights", "--db", db], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=e)
        wait_for_lock_wait(su, "query LIKE 'UPDATE item_scope SET light%'")
        # B asks for the row the refresh holds (and commits as soon as it has it)
        b.p.stdin.write("UPDATE ledger_light_dates SET id = id WHERE id = 1;\nCOMMIT;\nSELECT 'b-done';\n")
        b.p.stdin.flush()
        wait_for_lock_wait(su, f"pid = {b_pid}")
        c.run("COMMIT")
        out, err = refresh.communicate(timeout=120)
        assert refresh.returncode == 0, out + err
        assert "attempt 1 of the transaction rolled back" in err, err
        while b.p.stdout.readline().strip() != "b-done":
            pass
    finally:
        if refresh and refresh.poll() is None:
            refresh.kill()
        b.close()
        c.close()
    m = re.search(r"(\d+) rows changed colour", out)
    assert m, out
    assert int(m.group(1)) == wrong, (out, wrong)
    assert psql(db, f"SELECT (SELECT COUNT(*) FROM item_scope WHERE light = 'none' AND {rows}) + "
                    f"(SELECT COUNT(*) FROM item_tracks WHERE light = 'none' AND {rows})").strip() == "0"
    p = run_cli("ledger", "check", db=db, check=False)
    assert p.returncode == 0 and "differences 0" in p.stdout, p.stdout + p.stderr


def test_database_connections_carry_tcp_keepalives_and_drop_a_dead_peer():
    """TCP keepalives (docs/deployment.md): every connection a node opens to PostgreSQL has the keepalive
    timer on (idle 30 s), and when the database host stops answering — loopback taken down in a network
    namespace of the test's own, PostgreSQL and the node inside it — the node's idle connections are
    dropped within the documented minute, not after the kernel's two hours; when the network is back the
    node answers again on new connections."""
    ns = subprocess.Popen(["unshare", "-n", "sh", "-c", "ip link set lo up && exec sleep 600"])
    inside = ["nsenter", "-t", str(ns.pid), "-n"]
    pgdir = scratch_dir("ducha-ka-pg-")
    srv = None
    try:
        # nsenter before unshare has made the namespace would enter this one (and PostgreSQL would listen outside)
        own = os.readlink("/proc/self/ns/net")

        def ready():
            try:
                if os.readlink(f"/proc/{ns.pid}/ns/net") == own:
                    return False
            except OSError:
                return False
            return subprocess.run(inside + ["ip", "-o", "link", "show", "lo"], capture_output=True,
                                  text=True).stdout.count("UP") > 0
        assert wait_for(ready, 10)
        url = subprocess.run(inside + [PG_SH, "start", pgdir], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
        pg_port = url.rsplit(":", 1)[1].split("/")[0]
        data = scratch_dir("ducha-ka-data-")
        env = dict(os.environ, DUCHA_SECRET_KEY=TEST_SECRET_KEY, DUCHA_AUDIT_KEY=TEST_AUDIT_KEY, DUCHA_DATA_DIR=data,
                   DUCHA_PASSWORD_HASH_COST="minimal")
        port = free_port()
        log = open(os.path.join(data, "serve.log"), "w+")
        srv = subprocess.Popen(inside + [BIN, "serve", "--db", url, "--listen", f"127.0.0.1:{port}"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)

        def health():
            return subprocess.run(inside + ["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                                            f"http://127.0.0.1:{port}/api/v1/health"], capture_output=True,
                                  text=True).stdout

        assert wait_for(lambda: health() == "200", 120), open(log.name).read()

        def conns():
            """The node's established connections to PostgreSQL: (local port, timer)."""
            out = subprocess.run(inside + ["ss", "-tnoiH", "state", "established", f"( dport = :{pg_port} )"],
                                 capture_output=True, text=True, check=True).stdout
            return re.findall(r"127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:\d+.*?(timer:\([^)]*\))", out, re.S)

        # idle connections wait on the keepalive timer, at most 30 s away
        def idle():
            c = conns()
            return c if c and all(t.startswith("timer:(keepalive,") for _, t in c) else None
        found = wait_for(idle, 20)
        assert found, conns()
        for _, timer in found:
            left = timer.split(",")[1]
            secs = float(left[:-3]) / 1000 if left.endswith("ms") else float(re.sub(r"[a-z]+$", "", left))
            assert secs <= 30, timer
        # the database host goes silent: packets to it are lost, nothing answers, nothing closes
        t0 = time.time()
        subprocess.run(inside + ["ip", "link", "set", "lo", "down"], check=True)
        assert wait_for(lambda: not conns(), 70, 1), conns()
        took = time.time() - t0
        print(f"\ndead database host: the node's connections dropped after {took:.0f} s")
        assert took <= 60, took
        # back: the node connects again and answers
        subprocess.run(inside + ["ip", "link", "set", "lo", "up"], check=True)
        assert wait_for(lambda: health() == "200", 60), open(log.name).read()[-2000:]
    finally:
        if srv:
            srv.terminate()
            srv.wait(30)
            text = open(log.name).read()
            assert "AddressSanitizer" not in text and "runtime error:" not in text, text[-3000:]
        subprocess.run(inside + [PG_SH, "destroy", pgdir], capture_output=True, timeout=120)
        ns.kill()
        ns.wait()
