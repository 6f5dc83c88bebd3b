"""The burden index by quarter and by month, and below the first level (基层减负, issue 12): GET /api/v1/burden with
quarter= or month= counts the records of that period only (an item assigned and pressed now moves its month and its
quarter and no other; the months and the quarters add up to the year); unit_id goes down to the units right below a
unit (each with those below it) and the unit itself as 本级 with its own records alone, for whoever reads items
there (another county's unit: 404); bad periods are refused naming the parameter; the XLSX follows the same query."""
import datetime
import io

import openpyxl
import pytest

from itemlib import Items

FIGS = ("notices", "presses", "reminders", "reports", "tasks", "visits")


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def burden(it, user, **q):
    qs = "&".join(f"{k}={v}" for k, v in q.items())
    r = it.c(user).get(f"/api/v1/burden?{qs}")
    assert r.status == 200, r
    return r.json


def row(b, code):
    return [u for u in b["units"] if u["code"] == code][0]


def local_month(iso):
    """The month (China time, UTC+8) of an instant the API gave."""
    t = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    return t.year, t.month


def test_a_record_moves_its_month_and_quarter_only_and_the_periods_add_up(it):
    item = it.bring("in_progress", title="减负分期测试：背街小巷路灯修复")
    it.act(item["id"], "gc_office", "press", {"text": "请本周内报送进展"})
    year, month = local_month(it.c("gc_office").get(f"/api/v1/items/{item['id']}").json["created_at"])
    quarter = (month - 1) // 3 + 1
    whole = burden(it, "gc_office", year=year)
    b_m = burden(it, "gc_office", year=year, month=month)
    b_q = burden(it, "gc_office", year=year, quarter=quarter)
    assert b_m["period"] | {"label": None} == {"year": year, "quarter": None, "month": month, "label": None,
                                               "from": f"{year}-{month:02d}-01", "to": b_m["period"]["to"]}
    assert b_m["period"]["label"] == f"{year}年{month}月"
    assert b_q["period"]["label"] == f"{year}年第{'一二三四'[quarter - 1]}季度"
    assert b_q["period"]["from"] == f"{year}-{quarter * 3 - 2:02d}-01"
    assert whole["period"]["label"] == f"{year}年" and whole["period"]["to"] == f"{year}-12-31"
    # the item's notice, report and press are in its month and its quarter
    for b in (b_m, b_q):
        jt = row(b, "gc-jt")
        assert jt["notices"] >= 1 and jt["presses"] >= 1 and jt["reports"] >= 1, jt
    # the months add up to the year, and so do the quarters (every unit, every figure but inspections, whose year is
    # the inspection's own)
    months = [burden(it, "gc_office", year=year, month=m) for m in range(1, 13)]
    quarters = [burden(it, "gc_office", year=year, quarter=q) for q in range(1, 5)]
    for u in whole["units"]:
        for f in FIGS:
            assert sum(row(b, u["code"])[f] for b in months) == u[f], (u["code"], f)
            assert sum(row(b, u["code"])[f] for b in quarters) == u[f], (u["code"], f)
    # another month and another quarter do not have it: adding one more press moves only this month
    other_m = burden(it, "gc_office", year=year, month=month % 12 + 1)
    other_q = burden(it, "gc_office", year=year, quarter=quarter % 4 + 1)
    it.act(item["id"], "gc_office", "press", {"text": "再次催办"})
    assert row(burden(it, "gc_office", year=year, month=month), "gc-jt")["presses"] == row(b_m, "gc-jt")["presses"] + 1
    assert row(burden(it, "gc_office", year=year, quarter=quarter), "gc-jt")["presses"] == row(b_q, "gc-jt")["presses"] + 1
    assert burden(it, "gc_office", year=year, month=month % 12 + 1) == other_m
    assert burden(it, "gc_office", year=year, quarter=quarter % 4 + 1) == other_q
    # a unit sees its own row for a period too
    mine = burden(it, "gc_contact", year=year, month=month)
    assert mine["own_only"] is True and [u["code"] for u in mine["units"]] == ["gc-jt"]


def test_below_the_first_level(it):
    admin = it.c("gc_admin")
    jt = it.unit("gc-jt")
    sub = admin.post("/api/v1/units", {"code": "gc-jt-gl", "name": "古城县交通运输局公路管理所", "kind": "office",
                                       "parent_id": jt})
    assert sub.status == 201, sub
    year = burden(it, "gc_office")["year"]
    top = burden(it, "gc_office", year=year)
    assert row(top, "gc-jt")["has_children"] is True and row(top, "gc-zj")["has_children"] is False
    # an item led by the new office: its notice is the office's, inside 交通运输局's total above
    it.bring("assigned", title="减负下级测试：国省干线养护", lead="gc-jt-gl")
    down = burden(it, "gc_office", year=year, unit_id=jt)
    assert down["unit"] == {"id": jt, "name": "古城县交通运输局"} and down["own_only"] is False
    codes = {u["code"]: u for u in down["units"]}
    assert set(codes) == {"gc-jt-gl", "gc-jt"}, codes
    assert codes["gc-jt"]["name"] == "古城县交通运输局（本级）" and codes["gc-jt"]["has_children"] is False
    assert codes["gc-jt-gl"]["notices"] == 1 and codes["gc-jt-gl"]["has_children"] is False
    # 本级 and the office below add up to 交通运输局's row one level up
    above = row(burden(it, "gc_office", year=year), "gc-jt")
    for f in FIGS + ("inspections",):
        assert codes["gc-jt"][f] + codes["gc-jt-gl"][f] == above[f], f
    # the office itself, which has nothing below: its own row, whole
    leaf = burden(it, "gc_office", year=year, unit_id=codes["gc-jt-gl"]["unit_id"])
    assert [u["code"] for u in leaf["units"]] == ["gc-jt-gl"] and leaf["units"][0]["notices"] == 1
    # the bureau's own users may go down into it too; another county's office may not (404, nothing said)
    assert {u["code"] for u in burden(it, "gc_contact", year=year, unit_id=jt)["units"]} == {"gc-jt-gl", "gc-jt"}
    r = it.c("ap_office").get(f"/api/v1/burden?year={year}&unit_id={jt}")
    assert r.status == 404 and "gc-jt" not in r.raw.decode() and "交通运输局" not in r.raw.decode(), r
    r = it.c("gc_office").get(f"/api/v1/burden?year={year}&unit_id=99999999")
    assert r.status == 404, r
    # the XLSX of the same query: the office's and 本级's rows, the title naming the unit and the period
    x = it.c("gc_office").get(f"/api/v1/burden/export.xlsx?year={year}&unit_id={jt}&quarter=1")
    assert x.status == 200, x
    wb = openpyxl.load_workbook(io.BytesIO(x.raw))
    assert wb["各单位"]["A1"].value == f"古城县交通运输局下属单位{year}年第一季度基层负担（减负）统计"
    names = {r[1] for r in wb["各单位"].iter_rows(min_row=3, values_only=True) if r[1]}
    assert names == {"古城县交通运输局公路管理所", "古城县交通运输局（本级）"}, names


@pytest.mark.parametrize("q,status,field", [
    ("quarter=2&month=5", 422, "month"),
    ("quarter=5", 400, None),
    ("month=13", 400, None),
    ("month=x", 400, None),
    ("unit_id=-1", 400, None),
])
def test_bad_periods_are_refused(it, q, status, field):
    r = it.c("gc_office").get(f"/api/v1/burden?{q}")
    assert r.status == status and r.error["message"], r
    if field:
        assert r.error.get("field") == field and "季度" in r.error["message"], r
    x = it.c("gc_office").get(f"/api/v1/burden/export.xlsx?{q}")
    assert x.status == status, x
