"""Periodic statistics (督查督办统计, issue 12): by month and by quarter for the government of the user, the figures
a bulletin for each period counts (registered, completed, on time with the rate, overdue at the period's end) per
unit and in total, and the year so far; the periods add up to the year; an item assigned now counts in this
month; XLSX; the totals alone (units=false, the overview's chart); refusals (a unit, the administrator, a period that is not
one, a units that is neither true nor false, a year not begun)."""
import io

import openpyxl
import pytest

from itemlib import Items, day

FIGS = ("registered", "completed", "completed_on_time", "overdue")


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def stats(it, user="gc_office", **q):
    qs = "&".join(f"{k}={v}" for k, v in q.items())
    r = it.c(user).get("/api/v1/statistics" + ("?" + qs if qs else ""))
    assert r.status == 200, r
    return r.json


def test_the_periods_add_up_to_the_year_and_match_a_bulletin(it):
    s = stats(it)
    year = s["year"]
    assert s["government"]["name"] == "古城县人民政府" and s["period"] == "month"
    months = [p["key"] for p in s["periods"]]
    assert months == [f"{year}-{m:02d}" for m in range(1, len(months) + 1)] and months[-1][:7] == s["to"][:7]
    for k in ("registered", "completed", "completed_on_time"):
        assert sum(p["totals"][k] for p in s["periods"]) == s["totals"][k], k
    q = stats(it, period="quarter", year=year)
    assert len(q["periods"]) == (len(months) + 2) // 3 and q["periods"][0]["label"] == "第一季度"
    for k in ("registered", "completed"):
        assert sum(p["totals"][k] for p in q["periods"]) == s["totals"][k], k
    # the year so far per unit is what a bulletin for the same period counts (test_bulletins recounts those)
    r = it.c("gc_office").post("/api/v1/bulletins", {"period_from": s["from"], "period_to": s["to"]})
    assert r.status == 201, r
    bul = {u["unit_id"]: u for u in r.json["figures"]["units"]}
    assert {u["unit_id"] for u in s["units"]} == set(bul)
    for u in s["units"]:
        assert all(u[k] == bul[u["unit_id"]][k] for k in FIGS), (u, bul[u["unit_id"]])
        done = u["completed"]
        assert u["on_time_rate"] == (None if not done else round(u["completed_on_time"] * 100 / done)), u


def test_every_period_is_the_bulletin_of_that_period(it):
    """Each month and quarter (read together from the kept counters) holds what a bulletin drafted for that period
    counts: per unit and in total, registered, completed, on time and overdue at the period's end — the months
    before the year too (what is still overdue from them), the current month up to today, and last year."""
    s = stats(it)
    q = stats(it, period="quarter", year=s["year"])
    last = stats(it, year=s["year"] - 1)
    checks = [s["periods"][0], s["periods"][-1], q["periods"][-1], last["periods"][5], last["periods"][-1]]
    if len(s["periods"]) > 2:
        checks.append(s["periods"][-2])
    for p in checks:
        r = it.c("gc_office").post("/api/v1/bulletins", {"period_from": p["from"], "period_to": p["to"]})
        assert r.status == 201, r
        fig = r.json["figures"]
        assert {k: p["totals"][k] for k in FIGS} == {k: fig["totals"][k] for k in FIGS}, (p["key"], p["totals"])
        assert [(u["unit_id"], *(u[k] for k in FIGS)) for u in p["units"]] == [
            (u["unit_id"], *(u[k] for k in FIGS)) for u in fig["units"]], p["key"]
        assert it.c("gc_office").post(f"/api/v1/bulletins/{r.json['id']}/actions/withdraw",
                                      {"reason": "统计核对"}).status == 200


def test_an_item_assigned_now_counts_in_this_month(it):
    before = stats(it)
    it.bring("assigned", title="统计：本月交办的事项", due_date=day(40))
    after = stats(it)
    this = lambda s: next(u for u in s["periods"][-1]["units"] if u["code"] == "gc-jt")  # noqa: E731
    assert this(after)["registered"] == this(before)["registered"] + 1
    assert after["periods"][-1]["totals"]["registered"] == before["periods"][-1]["totals"]["registered"] + 1
    # the leaders read the same; another county reads its own
    assert stats(it, "gc_principal")["totals"] == after["totals"]
    assert stats(it, "gc_leader")["totals"] == after["totals"]
    assert stats(it, "ap_office")["government"]["name"] == "安平县人民政府"


def test_the_xlsx(it):
    s = stats(it, period="quarter")
    r = it.c("gc_office").get("/api/v1/statistics/export.xlsx?period=quarter")
    assert r.status == 200, r
    wb = openpyxl.load_workbook(io.BytesIO(r.raw))
    assert wb.sheetnames == ["汇总", "各单位", "交办", "办结", "按期办结", "期末超期未办结", "平均办结天数"]
    assert [c.value for c in wb["汇总"][2]][8] == "平均办结天数" and [c.value for c in wb["各单位"][2]][6] == "平均办结天数"
    rows = list(wb["汇总"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[3], r[4], r[8]) for r in rows] == [
        (p["label"], p["totals"]["registered"], p["totals"]["completed"], p["totals"]["average_days"])
        for p in s["periods"]]
    units = list(wb["各单位"].iter_rows(min_row=3, values_only=True))
    assert [(u[0], u[1], u[6]) for u in units] == [(u["name"], u["registered"], u["average_days"]) for u in s["units"]]
    assert any(u["average_days"] is not None for u in s["units"]), s["units"]  # the demo completes some
    # the sheet per figure: a unit's average in each period it completed something, blank otherwise
    sheet = list(wb["平均办结天数"].iter_rows(min_row=3, values_only=True))
    for u, row in zip(s["units"], sheet):
        per = [next((x["average_days"] for x in p["units"] if x["unit_id"] == u["unit_id"]), None)
               for p in s["periods"]]
        assert (row[0], list(row[1:1 + len(per)])) == (u["name"], per), u


def test_the_totals_alone(it):
    """units=false (the overview's chart): the same totals for every period and the year, by month and by quarter,
    and no unit anywhere; units=true is the whole answer."""
    for period in ("month", "quarter"):
        whole, alone = stats(it, period=period), stats(it, period=period, units="false")
        assert stats(it, period=period, units="true") == whole
        assert whole["units"] and any(p["units"] for p in whole["periods"]), "the demo's units have figures"
        assert alone["units"] == [] and all(p["units"] == [] for p in alone["periods"]), alone
        assert alone["totals"] == whole["totals"], period
        assert [(p["key"], p["from"], p["to"], p["totals"]) for p in alone["periods"]] == \
            [(p["key"], p["from"], p["to"], p["totals"]) for p in whole["periods"]], period
        assert {k: v for k, v in alone.items() if k not in ("units", "periods")} == \
            {k: v for k, v in whole.items() if k not in ("units", "periods")}


def test_refusals(it):
    for u in ("gc_contact", "gc_head", "gc_admin", "admin", "gc_inspector"):
        assert it.c(u).get("/api/v1/statistics").status == 403, u
        assert it.c(u).get("/api/v1/statistics/export.xlsx").status == 403, u
    r = it.c("gc_office").get("/api/v1/statistics?period=week")
    assert r.status == 400 and "（period）" in r.error["message"], r
    for bad in ("no", "1", "FALSE"):
        r = it.c("gc_office").get(f"/api/v1/statistics?units={bad}")
        assert r.status == 400 and "（units）" in r.error["message"], (bad, r)
    assert it.c("gc_contact").get("/api/v1/statistics?units=false").status == 403
    year = stats(it)["year"]
    r = it.c("gc_office").get(f"/api/v1/statistics?year={year + 1}")
    assert r.status == 422 and r.error["field"] == "year", r
