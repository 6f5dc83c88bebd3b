"""The counts of GET /api/v1/todos (per kind and per light) come from todo_lights (migration 0058): a row per
assignee, kind and light by the stored light dates, kept with todo_counts in the transaction of every change and
recoloured when ledger_lights_refresh moves the dates (a day passing, the clock moved). After registrations,
transitions, withdrawals, days passing and a rebuild, the table equals a recount from todo_counts and the counts
equal a recount of the pages; while the stored dates are not today's, the counts are summed from todo_counts
by today's dates instead, and still equal the pages."""
import datetime
import threading
import time

import pytest

from conftest import BACKEND, Server, TxHeld, put_setting, run_cli, server_now, sql_run
from itemlib import Items

FMT = "%Y-%m-%dT%H:%M:%SZ"
USERS = ("gc_office", "gc_contact", "gc_secretary", "gc_head", "gc_leader", "ap_office")

# todo_lights counts (summed over their shards, migration 0270; not 0) that differ from a recount of todo_counts by
# the stored dates: one statement, one snapshot, however the scheduler writes meanwhile
DIFF = ("WITH want AS (SELECT t.assignee, t.kind, CASE WHEN t.due_key = '9999-12-31' THEN 'none' "
        "WHEN t.due_key < d.today THEN 'red' WHEN t.due_key <= d.yellow THEN 'yellow' ELSE 'green' END AS light, "
        "SUM(t.n) AS n FROM todo_counts t, todo_light_dates d WHERE d.id = 1 GROUP BY t.assignee, t.kind, 3 "
        "HAVING SUM(t.n) <> 0), "
        "have AS (SELECT assignee, kind, light, SUM(n) AS n FROM todo_lights GROUP BY 1, 2, 3 HAVING SUM(n) <> 0) "
        "SELECT 'want', w.* FROM (SELECT * FROM want EXCEPT SELECT * FROM have) w "
        "UNION ALL SELECT 'have', h.* FROM (SELECT * FROM have EXCEPT SELECT * FROM want) h")


def walk(c):
    """Every to-do of the user (the pages walked) and the counts of the same moment (read again until a second
    walk lists the same: the scheduler may hand over a to-do between two reads)."""
    for _ in range(50):
        lists = []
        for _ in range(2):
            out, after = [], None
            while True:
                r = c.get("/api/v1/todos?limit=20" + (f"&after={after}" if after else ""))
                assert r.status == 200, r
                out += r.json["todos"]
                counts = r.json["counts"]
                after = r.json["next"]
                if not after:
                    break
            lists.append((out, counts))
        (a, ca), (b, cb) = lists
        if [t["id"] for t in a] == [t["id"] for t in b] and ca == cb:
            return a, ca
    raise AssertionError("the to-dos kept changing")


def recount(todos):
    kinds, lights = {}, {"red": 0, "yellow": 0, "green": 0, "none": 0}
    for t in todos:
        kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
        lights[t["light"]] += 1
    return {"total": len(todos), "by_kind": kinds, "by_light": lights}


def check(it, db, users=USERS):
    """todo_lights equals its recount from todo_counts, and each user's counts equal their pages."""
    assert sql_run(db, [DIFF]) == []
    seen = 0
    for u in users:
        todos, counts = walk(it.c(u))
        assert counts == recount(todos), u
        seen += len(todos)
    return seen


def move_clock(it, srv, days):
    now = datetime.datetime.fromtimestamp(server_now(srv), datetime.timezone.utc) + datetime.timedelta(days=days)
    r = it.c("admin").put("/api/v1/admin/clock", {"now": now.strftime(FMT)})
    assert r.status == 200, r
    it.clients.clear()  # the sessions look idle across the move


def test_counts_per_light_are_kept_and_move_with_the_days(backend):
    db = backend.new_db(scanned=True)
    srv = Server(db)
    try:
        it = Items(srv)
        assert check(it, db) > 0, "the demo data waits on people"
        # drafts due soon and later (the office's to-dos: red, yellow and green as the days pass), registered,
        # sent, received, withdrawn
        made = [it.create(title=f"整治背街小巷环境卫生第{i}批", due_date=it.day(d))["id"]
                for i, d in enumerate((1, 2, 4, 9, 15, 30, 45, 90))]
        for i in made[:5]:
            it.act(i, "gc_office", "submit")
        check(it, db)
        it.act(made[0], "gc_office", "withdraw", {"reason": "重复立项"})
        check(it, db)
        lights = {}
        for days in (1, 3, 8, 20):  # the dates move: yellow turns red, green turns yellow
            move_clock(it, srv, days)
            check(it, db)
            lights[days] = walk(it.c("gc_office"))[1]["by_light"]
        assert lights[20]["red"] > lights[1]["red"], lights
        # a rebuild recounts them
        run_cli("todos", "rebuild", db=db)
        check(it, db)
    finally:
        srv.stop()


def test_counts_while_the_stored_dates_are_not_todays(backend):
    """Between midnight and the scheduler's next pass the stored dates are yesterday's: the counts are then
    summed from todo_counts by today's dates. The test clock is moved in the settings, not through the API (which
    refreshes the lights), on a server without the scheduler."""
    db = backend.new_db(scanned=True)
    srv = Server(db, env={"DUCHA_SCHEDULER": "false"})
    try:
        it = Items(srv)
        for i, d in enumerate((1, 2, 3, 6, 12)):
            it.create(title=f"清理河道漂浮垃圾第{i}段", due_date=it.day(d))
        run_cli("ledger", "lights", db=db)
        before = walk(it.c("gc_office"))
        stored = sql_run(db, ["SELECT today FROM todo_light_dates WHERE id = 1"])
        rows = sql_run(db, ["SELECT value FROM settings WHERE key = 'test_clock_offset'"])
        offset = int(rows[0][0]) if rows else 0
        put_setting(db, "test_clock_offset", str(offset + 5 * 86400))
        it.clients.clear()
        after = walk(it.c("gc_office"))
        # the stored dates stayed behind, and the counts follow today's dates all the same
        assert sql_run(db, ["SELECT today FROM todo_light_dates WHERE id = 1"]) == stored
        assert after[1] == recount(after[0])
        assert after[1]["by_light"]["red"] > before[1]["by_light"]["red"], (before[1], after[1])
        assert sql_run(db, [DIFF]) == []
    finally:
        srv.stop()


@pytest.mark.skipif(BACKEND != "postgres", reason="the shards of the counts are PostgreSQL's (SQLite writes shard 0)")
def test_writers_on_many_connections_count_in_shards(backend):
    """Every registration gives 古城县's 督查室 a to-do and its submit or withdrawal takes it back: writers at once
    used to queue on one row of todo_counts and of todo_lights held through each other's COMMIT. Each connection now
    writes its own shard (migration 0270): 8 writers at once leave the office's counts in more than one shard,
    some of them below zero (given on one connection, taken on another), and the sums still equal the to-dos
    themselves, the lights' recount and each user's pages."""
    db = backend.new_db()
    srv = Server(db)
    try:
        it = Items(srv)
        check(it, db)
        errors = []

        def writer(w):
            mine = Items(srv)
            try:
                for k in range(6):
                    i = mine.create(title=f"整治背街小巷环境卫生第{w}-{k}批", due_date=mine.day(3 + k))["id"]
                    mine.act(i, "gc_office", "submit")
                    if k % 2:
                        mine.act(i, "gc_office", "withdraw", {"reason": "重复立项"})
            except Exception as e:  # reported by the main thread (whatever it is: a thread's death is silent)
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert not errors, errors[0]
        shards = sql_run(db, ["SELECT COUNT(DISTINCT shard), COUNT(*) FILTER (WHERE n < 0) FROM todo_counts"])
        assert int(shards[0][0]) > 1 and int(shards[0][1]) > 0, shards
        assert sql_run(db, ["SELECT assignee, kind, due_key, SUM(n) FROM todo_counts GROUP BY 1, 2, 3 "
                            "HAVING SUM(n) <> 0 EXCEPT SELECT assignee, kind, due_key, COUNT(*) FROM todos "
                            "GROUP BY 1, 2, 3"]) == []
        assert sql_run(db, ["SELECT assignee, kind, due_key, COUNT(*) FROM todos GROUP BY 1, 2, 3 EXCEPT "
                            "SELECT assignee, kind, due_key, SUM(n) FROM todo_counts GROUP BY 1, 2, 3"]) == []
        check(it, db)
    finally:
        srv.stop()


def rebuild_beside(db, held, then):
    """Starts `ducha todos rebuild` while the transaction held holds what it holds, waits until the rebuild waits
    for a lock, runs the statement then in the held transaction (which must go through at once) and commits it;
    returns the rebuild's CompletedProcess."""
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("p", run_cli("todos", "rebuild", db=db, check=False)))
    t.start()
    waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    for _ in range(600):
        if sql_run(db, [waiting]) == [("1",)]:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the rebuild never waited for the held transaction")
    held.psql.stdin.write(f"{then};\n\\echo done\n")
    held.psql.stdin.flush()
    assert held.psql.stdout.readline().strip() == "done"
    held.release()
    t.join(300)
    return out["p"]


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite's writers are serialised: no deadlock to meet")
def test_a_rebuild_waits_holding_nothing_a_writer_wants(backend):
    """A writer changes two objects' to-dos in one transaction (the ladder's pass over a hundred of them), one
    before the rebuild starts and one while it waits; another holds an object's row and then wants one the
    rebuild visited earlier (an action that moves a parent). The rebuild used to wait for the first while
    holding what the writer wanted next: PostgreSQL's deadlock, the rebuild aborted and run again (and given up
    after three). Now it deletes and recounts holding the writers of to-dos off, taken before anything else,
    and takes a batch's objects without waiting, syncing one another transaction holds alone afterwards: the
    writer's second statement goes through at once, the rebuild meets no deadlock, and the counts come out
    right."""
    db = backend.new_db()
    first, last = (sql_run(db, [f"SELECT id FROM todos WHERE kind = 'item' ORDER BY ctid {o} LIMIT 1"])[0][0]
                   for o in ("DESC", "ASC"))  # the DELETE of a kind's rows meets the first after the last
    held = TxHeld(db, [f"UPDATE todos SET label = label WHERE id = {first}"])
    p = rebuild_beside(db, held, f"UPDATE todos SET label = label WHERE id = {last}")
    assert p.returncode == 0 and "deadlock" not in p.stderr, p.stderr
    low, high = sql_run(db, ["SELECT MIN(object_id), MAX(object_id) FROM todos WHERE kind = 'item'"])[0]
    held = TxHeld(db, [f"UPDATE items SET version = version WHERE id = {high}"])
    p = rebuild_beside(db, held, f"UPDATE items SET version = version WHERE id = {low}")
    assert p.returncode == 0 and "deadlock" not in p.stderr, p.stderr
    assert sql_run(db, ["SELECT assignee, kind, due_key, COUNT(*) FROM todos GROUP BY 1, 2, 3 EXCEPT "
                        "SELECT assignee, kind, due_key, SUM(n) FROM todo_counts GROUP BY 1, 2, 3"]) == []
    assert sql_run(db, [DIFF]) == []
