"""The bulletin figures from the kept counters (migration 0054, docs/internals/ledger.md): after a mix of
actions over several months — registrations, completions on time and late (one a little after local midnight,
still the day before in UTC), a suspension, a withdrawal, an extension of the due date, a unit moved to
another parent — every figure of bulletins and of the statistics, for whole months, periods cut inside
months at either end, a period ending today and several scopes, equals a recount from the items as
the API shows them; the statistics' days to complete (平均办结天数: calendar days from 交办 to 办结, kept beside
the counters, migration 0190) equal a recount for months, quarters and the year — a completion returned by the
office once, an item of the unit that moves, an archived item —, and the same without usable counters; and
`ducha ledger check` finds the counters equal to a recount from items and tracks."""
import datetime

import pytest

from conftest import Client, Server, run_cli, sql_run
from itemlib import Items, clock

TZ = datetime.timezone(datetime.timedelta(hours=8))
FIGURES = ("registered", "completed", "completed_on_time", "overdue")
DAYS = ("completed_days", "average_days")


USERS = ("admin", "gc_office", "gc_deputy", "gc_director", "gc_leader", "gc_contact", "gc_head")


def sign_in_with_tokens(srv, it):
    """API tokens for the users: a jump of the test clock ends sessions, not tokens."""
    for u in USERS:
        c = Client(srv.url)
        c.token = run_cli("token", "create", u, "--name", "test", db=srv.db).stdout.strip()
        it.clients[u] = c


def assign(it, **kw):
    x = it.create(**kw)
    for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                         ("gc_office", "assign")):
        it.act(x["id"], user, action, {})
    return x["id"]


def complete(it, iid, contact="gc_contact", head="gc_head", received=False):
    if not received:
        it.act(iid, contact, "receive", {})
    it.act(iid, contact, "report", {"text": "已完成", "percent": 100})
    it.act(iid, contact, "request_completion", {"text": "已按要求办结"})
    it.act(iid, head, "sign", {})
    it.act(iid, "gc_office", "verify", {"grade": "良好"})


@pytest.fixture(scope="module")
def world(backend):
    # of its own: a unit moves and the clock runs over months, from the start (the scheduler's first pass too)
    srv = Server(backend.new_db(), clock="2025-01-10T10:00:00+08:00")
    it = Items(srv)
    sign_in_with_tokens(srv, it)
    try:
        clock(it.server, "2025-01-10T10:00:00+08:00")
        a = assign(it, title="城区道路信号灯配时优化", due_date="2025-01-20")
        b = assign(it, title="老旧小区雨污分流改造", lead="gc-zj", co=("gc-jt",), due_date="2025-02-15")
        c = assign(it, title="小型水库除险加固", lead="gc-sw", due_date="2025-03-31")
        d = assign(it, title="农贸市场提升改造", due_date="2025-01-31")
        assign(it, title="集贸市场消防通道整治", lead="gc-zj", co=("gc-jt", "gc-sw"), due_date="2025-02-05")
        e = assign(it, title="燃气管道老化更新", lead="gc-zj", due_date="2025-02-28")
        f = assign(it, title="农村饮水安全巩固", lead="gc-sw", co=("gc-jt",), due_date="2025-06-30")
        h = assign(it, title="城区排水管网清淤", lead="gc-sw", due_date="2025-02-25")
        r = it.c("admin").post("/api/v1/users", {"username": "gc_sw_head", "name": "钱水利", "unit_id": it.unit("gc-sw"),
                                                 "password": "Demo2026", "must_change_password": False,
                                                 "roles": [{"role": "head", "unit_id": it.unit("gc-sw")}]})
        assert r.status == 201, r
        it.clients["gc_sw_head"] = Client(srv.url)
        it.clients["gc_sw_head"].token = run_cli("token", "create", "gc_sw_head", "--name", "test",
                                                 db=srv.db).stdout.strip()
        # 31 January, 23:30 in Beijing: d completed on its due date (on time)
        clock(it.server, "2025-01-31T23:30:00+08:00")
        complete(it, d)
        # 1 February, 00:30 in Beijing (still 31 January in UTC): a completed late, in February
        clock(it.server, "2025-02-01T00:30:00+08:00")
        complete(it, a)
        clock(it.server, "2025-02-10T10:00:00+08:00")
        it.act(e, "gc_leader", "suspend", {"reason": "等待管线迁改"})
        r = it.c("gc_office").post(f"/api/v1/items/{f}/actions/withdraw", {"reason": "上级已撤销该任务"})
        assert r.status == 200, r
        g = assign(it, title="背街小巷路面修复", due_date="2025-02-20")
        # h's completion signed by 水利局, then returned by the office (it counts once completed again)
        it.act(h, "gc_sw_head", "receive", {})
        it.act(h, "gc_sw_head", "report", {"text": "已清淤", "percent": 100})
        it.act(h, "gc_sw_head", "request_completion", {"text": "已按要求办结"})
        it.act(h, "gc_sw_head", "sign", {})
        it.act(h, "gc_office", "return", {"reason": "尚有两处管段未清淤"})
        # the due date of b moves (an extension decided by the office)
        it.act(b, "gc_contact", "receive", {})
        it.act(b, "gc_contact", "request_extension", {"reason": "征地未完成", "new_date": "2025-03-15"})
        it.act(b, "gc_office", "decide_extension", {"approve": True})
        clock(it.server, "2025-03-05T10:00:00+08:00")
        complete(it, g)
        complete(it, h, contact="gc_sw_head", head="gc_sw_head", received=True)  # 54 days, late
        it.act(d, "gc_office", "archive", {})
        # 水利局 moves under 住建局: its tracks' paths, and with them the scopes they count in
        r = it.c("admin").patch(f"/api/v1/units/{it.unit('gc-sw')}", {"parent_id": it.unit("gc-zj")})
        assert r.status == 200, r
        assign(it, title="河道清淤疏浚", lead="gc-sw", due_date="2025-03-10")
        clock(it.server, "2025-03-20T10:00:00+08:00")
        yield {"srv": srv, "it": it}
    finally:
        srv.stop()


def local(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(TZ).date().isoformat() \
        if iso else None


def ledger(it):
    """The items of 古城县's office as the API shows them, with their tracks' unit paths."""
    c = it.c("gc_office")
    out, page = [], 1
    while True:
        r = c.get(f"/api/v1/items?per_page=200&page={page}")
        out += [c.get(f"/api/v1/items/{x['id']}").json for x in r.json["items"]]
        if len(r.json["items"]) < 200:
            break
        page += 1
    paths = {}
    for item in out:
        for t in item["tracks"]:
            if t["unit_id"] not in paths:
                paths[t["unit_id"]] = c.get(f"/api/v1/units/{t['unit_id']}").json["path"]
    return [x for x in out if x["office_unit_id"] == it.unit("gc-dcs")], paths


def recount(items, paths, scope_path, period_from, period_to, today):
    """The bulletin's definitions: registered = assigned within the period; completed = completed within it
    (on time: on or before the due date); overdue at the period's end (today, when earlier) = due before
    that day, assigned by the period's end, not suspended and not completed by the end of that day."""
    as_of = min(period_to, today)
    totals, units = dict.fromkeys(FIGURES + DAYS[:1], 0), {}
    for item in items:
        if item["state"] == "withdrawn" or not item["assigned_at"] or local(item["assigned_at"]) > period_to:
            continue
        mine = [t["unit_id"] for t in item["tracks"] if paths[t["unit_id"]].startswith(scope_path)]
        if not mine:
            continue
        closed = local(item["closed_at"])
        done = item["state"] in ("completed", "archived") and closed is not None
        f = {"registered": period_from <= local(item["assigned_at"]) <= period_to,
             "completed": done and period_from <= closed <= period_to,
             "overdue": item["due_date"] < as_of and item["state"] != "suspended" and (closed is None or closed > as_of)}
        f["completed_on_time"] = f["completed"] and closed <= item["due_date"]
        f["completed_days"] = (datetime.date.fromisoformat(closed) - datetime.date.fromisoformat(
            local(item["assigned_at"]))).days if f["completed"] else 0
        for k in FIGURES + DAYS[:1]:
            totals[k] += f[k]
        for u in mine:
            row = units.setdefault(u, dict.fromkeys(FIGURES + DAYS[:1], 0))
            for k in FIGURES + DAYS[:1]:
                row[k] += f[k]
    return totals, units


def average(row):
    """平均办结天数: the days over the completions, to one decimal, half up (None without a completion)."""
    done = row["completed"]
    return (row["completed_days"] * 20 + done) // (2 * done) / 10 if done else None


def figures(f):
    return ({k: f["totals"][k] for k in FIGURES},
            {u["unit_id"]: {k: u[k] for k in FIGURES} for u in f["units"]})


def without_days(counted):
    totals, units = counted
    return ({k: totals[k] for k in FIGURES}, {u: {k: row[k] for k in FIGURES} for u, row in units.items()})


PERIODS = [("2025-01-01", "2025-01-31"), ("2025-01-01", "2025-01-30"), ("2025-01-15", "2025-02-20"),
           ("2025-02-01", "2025-02-28"), ("2025-02-01", "2025-02-01"), ("2024-12-01", "2025-03-19"),
           ("2025-02-02", "2025-03-10"), ("2025-01-01", "2025-03-20"), ("2025-03-01", "2025-03-19")]


def test_bulletin_figures_equal_a_recount_after_a_mix_of_actions(world):
    it = world["it"]
    items, paths = ledger(it)
    assert len(items) >= 9  # and the demo's
    o = it.c("gc_office")
    seen = set()
    for code in ("gc", "gc-jt", "gc-zj"):
        scope = o.get(f"/api/v1/units/{it.unit(code)}").json["path"]
        for period_from, period_to in PERIODS:
            r = o.post("/api/v1/bulletins", {"period_from": period_from, "period_to": period_to,
                                             "scope_unit_id": it.unit(code)})
            assert r.status == 201, r
            got = figures(r.json["figures"])
            assert got == without_days(recount(items, paths, scope, period_from, period_to, "2025-03-20")), \
                (code, period_from, period_to)
            seen.add(tuple(sorted(got[0].items())))
    assert len(seen) > 10  # the periods and scopes differ in what they count
    # the statistics (a bulletin count per month of the year so far)
    s = o.get("/api/v1/statistics?year=2025").json
    gc = o.get(f"/api/v1/units/{it.unit('gc')}").json["path"]
    assert [p["key"] for p in s["periods"]] == ["2025-01", "2025-02", "2025-03"]
    for p in s["periods"]:
        totals, units = without_days(recount(items, paths, gc, p["from"], p["to"], "2025-03-20"))
        assert {k: p["totals"][k] for k in FIGURES} == totals, p["key"]
        assert {u["unit_id"]: {k: u[k] for k in FIGURES} for u in p["units"]} == units, p["key"]
    # a bulletin neither prints nor checks the days again, so its figures do not carry them
    assert not any(k in r.json["figures"]["totals"] for k in DAYS), r.json["figures"]["totals"]


def days_of(s):
    """Each period's and the year's days to complete, in total and per unit, as the statistics answer them."""
    rows = [("year", s["totals"], s["units"])] + [(p["key"], p["totals"], p["units"]) for p in s["periods"]]
    return {key: ({k: t[k] for k in DAYS}, {u["unit_id"]: {k: u[k] for k in DAYS} for u in units})
            for key, t, units in rows}


def test_the_days_to_complete_equal_a_recount(world):
    """平均办结天数 by month, by quarter and for the year so far, per unit and in total: the calendar days from the
    local day assigned to the local day completed of each item completed in the period (the returned completion
    counts once, to its final verification; the archived item as completed), summed and averaged."""
    it = world["it"]
    items, paths = ledger(it)
    o = it.c("gc_office")
    gc = o.get(f"/api/v1/units/{it.unit('gc')}").json["path"]
    seen = set()
    for period in ("month", "quarter"):
        s = o.get(f"/api/v1/statistics?year=2025&period={period}").json
        for key, frm, to, tot, units in [("year", s["from"], s["to"], s["totals"], s["units"])] + [
                (p["key"], p["from"], p["to"], p["totals"], p["units"]) for p in s["periods"]]:
            want_t, want_u = recount(items, paths, gc, frm, to, "2025-03-20")
            assert (tot["completed_days"], tot["average_days"]) == (want_t["completed_days"], average(want_t)), key
            assert {u["unit_id"]: (u["completed_days"], u["average_days"]) for u in units} == {
                u: (w["completed_days"], average(w)) for u, w in want_u.items()}, key
            seen.add((key, tot["completed_days"]))
    # January: d on its due date (21 days); February: a (22 days, completed after local midnight); March: g and the
    # returned h (23 + 54 days: 38.5 on average)
    months = dict(seen)
    assert (months["2025-01"], months["2025-02"], months["2025-03"]) == (21, 22, 77), seen
    s = o.get("/api/v1/statistics?year=2025").json
    assert s["periods"][2]["totals"]["average_days"] == 38.5 and s["totals"]["average_days"] == 30, s["totals"]
    sw = next(u for u in s["periods"][2]["units"] if u["unit_id"] == it.unit("gc-sw"))
    assert (sw["completed"], sw["completed_days"], sw["average_days"]) == (1, 54, 54), sw
    assert next(u for u in s["periods"][0]["units"] if u["unit_id"] == it.unit("gc-sw"))["average_days"] is None


def test_ledger_check_finds_the_counters_equal_to_a_recount(world):
    p = run_cli("ledger", "check", db=world["srv"].db, check=False)
    assert p.returncode == 0 and "differences 0" in p.stdout, p.stdout + p.stderr
    assert "figure rows" in p.stdout and "figure rows 0," not in p.stdout, p.stdout
    # a counter of days that is not the sum of its rows is a difference the check names
    db = world["srv"].db
    sql_run(db, ["INSERT INTO figure_count_deltas (office_path, own, unit_id, month, registered, completed, on_time, "
                 "ov_in, ov_out, done_days) VALUES ('/0/', 0, 0, '2025-03', 0, 0, 0, 0, 0, 1)"])
    try:
        p = run_cli("ledger", "check", db=db, check=False)
        assert "differences 1" in p.stdout and "办结天数 多计 0/0/0/0/0/1" in p.stdout, p.stdout + p.stderr
    finally:
        sql_run(db, ["DELETE FROM figure_count_deltas WHERE office_path = '/0/'",
                     "DELETE FROM figure_counts WHERE office_path = '/0/'"])


def test_without_usable_counters_the_statistics_count_the_items(world):
    """A server whose counters were counted in another zone's months counts each period from the items (the
    recount path): the same figures and days to complete."""
    o = world["it"].c("gc_office")
    kept = [o.get(f"/api/v1/statistics?year=2025&period={p}").json for p in ("month", "quarter")]
    db = world["srv"].db
    sql_run(db, ["UPDATE figure_zone SET minutes = 0 WHERE id = 1"])
    try:
        counted = [o.get(f"/api/v1/statistics?year=2025&period={p}").json for p in ("month", "quarter")]
    finally:
        sql_run(db, ["UPDATE figure_zone SET minutes = 480 WHERE id = 1"])
    assert counted == kept
    assert [days_of(s) for s in counted] == [days_of(s) for s in kept] and kept[0]["totals"]["completed_days"] == 120
