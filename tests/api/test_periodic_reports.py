"""Periodic reports as structured forms (issue 12; 江苏 004: 30日内报告贯彻落实情况, quarterly reports by 7/15, 10/15
and 1/15, monthly progress summaries of ongoing work; "最多报一次"). The form is pre-filled with what ducha holds
(the item, the obligation and its period, the track's milestones, percent and overdue state, the unit's previous
report); the unit's progress report carries the form and closes the obligation; the office hears of a late one;
the roll-up per level counts what a recount of the milestones gives, and exports XLSX. Refusals: another unit,
another county, a unit reading the roll-up, the wrong state, bad input naming the field."""
import io
import json

import openpyxl
import pytest

from conftest import uniq
from test_deadlines_items import world_at

FORM = {"problems": "部分路段涉及管线迁改，进度滞后", "next_steps": "4月底前完成管线迁改", "support": "请住建局协调管线单位"}


@pytest.fixture
def march(backend):
    with world_at(backend, "2026-03-02T09:00:00+08:00") as w:  # a Monday
        yield w


def ongoing(w, co=()):
    """An ongoing work item (常态化工作: a periodic report each month), received by gc-jt."""
    iid = w.item(co=co, title=f"常态化工作：城区环境卫生整治{uniq()}", kind="ongoing", due_date="2026-12-31")
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
    return iid


def form(w, iid, user="gc_contact", **q):
    qs = "&".join(f"{k}={v}" for k, v in q.items())
    r = w.c(user).get(f"/api/v1/items/{iid}/report-form" + ("?" + qs if qs else ""))
    assert r.status == 200, r
    return r.json


def report(w, iid, user="gc_contact", expect=201, **body):
    r = w.c(user).post(f"/api/v1/items/{iid}/reports", {"text": "本月完成主次干道保洁", "percent": 30, **body})
    assert r.status == expect, r
    return r


def own_milestones(w, iid, unit="gc-jt"):
    uid = w.unit(unit)
    return [m for m in w.milestones(iid) if m["unit_id"] == uid]


def test_the_form_is_prefilled_with_what_the_system_holds(march):
    w = march
    iid = ongoing(w)
    # the first report is the first feedback: the form says so, and what it asks for is only what changed
    f = form(w, iid)
    assert f["obligation"]["kind"] == "first_feedback" and f["can_submit"] is True, f
    report(w, iid, percent=20, **FORM)
    f = form(w, iid)
    item = w.c("gc_office").get(f"/api/v1/items/{iid}").json
    ms = own_milestones(w, iid)
    # the item, the unit, the percent, the milestones, as the item and milestone APIs say
    assert (f["item"]["id"], f["item"]["number"], f["item"]["title"], f["item"]["due_date"]) == (
        iid, item["number"], item["title"], item["due_date"])
    track = [t for t in item["tracks"] if t["unit_id"] == w.unit("gc-jt")][0]
    assert (f["unit"]["id"], f["track_id"], f["percent"]) == (w.unit("gc-jt"), track["id"], 20)
    assert [(m["id"], m["kind"], m["seq"], m["due_date"], m["state"]) for m in f["milestones"]] == sorted(
        [(m["id"], m["kind"], m["seq"], m["due_date"], m["state"]) for m in ms], key=lambda x: (x[3], x[0]))
    # the obligation the next report answers: the earliest open periodic report, monthly, over the month since
    # the assignment
    periodic = sorted((m for m in ms if m["kind"] == "periodic_report" and m["state"] == "open"),
                      key=lambda m: m["due_date"])
    ob = f["obligation"]
    assert (ob["milestone_id"], ob["kind"], ob["form_kind"], ob["due_date"]) == (
        periodic[0]["id"], "periodic_report", "monthly", periodic[0]["due_date"]), ob
    assert ob["label"] == "月度进展报告" and ob["period_from"] == "2026-03-02" and ob["period_to"] == ob["due_date"]
    assert ob["overdue"] is False and f["overdue"] is False
    # the previous report as the reports API has it, and the draft carries its problems, next steps and support
    prev = w.c("gc_contact").get(f"/api/v1/items/{iid}/reports").json["reports"][0]
    assert f["previous"][0]["id"] == prev["id"] and f["previous"][0]["text"] == prev["text"]
    assert {k: f["draft"][k] for k in FORM} == FORM and f["draft"]["percent"] == 20 and f["draft"]["text"] == ""
    # the office reads the form but does not fill it
    assert form(w, iid, "gc_office")["can_submit"] is False


def test_submitting_closes_the_obligation_and_is_audited(march):
    w = march
    iid = ongoing(w)
    report(w, iid, percent=10)  # first feedback
    ob = form(w, iid)["obligation"]
    r = report(w, iid, percent=40, **FORM)
    rid = r.json["report_id"]
    done = [m for m in own_milestones(w, iid) if m["id"] == ob["milestone_id"]][0]
    assert done["state"] == "done" and done["light"] == "done", done
    rep = [x for x in w.c("gc_office").get(f"/api/v1/items/{iid}/reports").json["reports"] if x["id"] == rid][0]
    assert {k: rep[k] for k in FORM} == FORM and rep["milestone_id"] == ob["milestone_id"] and rep["percent"] == 40
    # the next form asks for the next month
    nxt = form(w, iid)["obligation"]
    assert nxt["kind"] == "periodic_report" and nxt["due_date"] > ob["due_date"]
    assert nxt["period_from"] == ob["due_date"]
    # audited with the item's action
    r = w.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}&limit=100")
    assert r.status == 200, r
    recs = [e for e in r.json["records"] if e["action"] == "item.report"]
    assert len(recs) == 2 and FORM["problems"] in json.dumps(recs[0]["summary"], ensure_ascii=False), recs


def late_notices(w, iid):
    """The office's messages about a late report on the item (the whole inbox, page by page: the scheduler's
    pass after a jump of the clock writes many others)."""
    got, before = [], 0
    while True:
        r = w.c("gc_office").get("/api/v1/inbox?limit=200" + (f"&before={before}" if before else ""))
        assert r.status == 200, r
        page = r.json["messages"]
        got += [m for m in page if m["object_type"] == "item" and m["object_id"] == iid
                and m["subject"].startswith("【逾期报送】")]
        if len(page) < 200:
            return got
        before = page[-1]["id"]


def test_a_late_report_is_flagged_and_the_office_is_told(march):
    w = march
    iid = ongoing(w)
    report(w, iid, percent=10)
    ob = form(w, iid)["obligation"]
    # the monthly report of an item assigned on 2 March falls on 2 April; on the day it is not overdue yet
    assert ob["due_date"] == "2026-04-02", ob
    w.clock("2026-04-02T09:00:00+08:00")
    assert form(w, iid)["obligation"]["overdue"] is False
    w.clock("2026-04-06T09:00:00+08:00")
    late = form(w, iid)["obligation"]
    assert (late["milestone_id"], late["overdue"], late["days_overdue"]) == (ob["milestone_id"], True, 4), late
    report(w, iid, percent=35, **FORM)
    done = [m for m in own_milestones(w, iid) if m["id"] == ob["milestone_id"]][0]
    assert done["state"] == "done" and done["light"] == "done_late", done
    msgs = late_notices(w, iid)
    assert len(msgs) == 1 and "2026-04-02" in msgs[0]["subject"] and msgs[0]["link"] == f"/items/{iid}", msgs
    # a report on time tells the office nothing
    report(w, iid, percent=40)  # answers May's, due 2 May, on time
    assert len(late_notices(w, iid)) == 1


def recount(w, user, scope_id, frm, to, today):
    """The roll-up counted again from the milestones API of every item the reader sees, grouped by the unit one
    level below the scope (from the units API's paths)."""
    c = w.c(user)
    units = c.get(f"/api/v1/units/{scope_id}/subtree").json["units"]
    path = {u["id"]: u["path"] for u in units}
    kids = [u for u in units if u.get("parent_id") == scope_id]
    items, page = [], 1
    while True:
        r = c.get(f"/api/v1/items?per_page=100&page={page}")
        assert r.status == 200, r
        items += r.json["items"]
        if len(r.json["items"]) < 100:
            break
        page += 1
    rows = []
    for it in items:
        for m in w.milestones(it["id"], user):
            if (m["kind"] in ("implementation_report", "periodic_report") and m["state"] != "cancelled"
                    and frm <= m["due_date"] <= to and m["unit_id"] in path):
                rows.append(m)

    def counts(ms):
        done = [m for m in ms if m["state"] == "done"]
        return {"due": len(ms), "submitted": len(done),
                "late": sum(1 for m in done if m["light"] == "done_late"),
                "on_time": sum(1 for m in done if m["light"] != "done_late"),
                "missed": sum(1 for m in ms if m["state"] == "open" and m["due_date"] < today),
                "open": sum(1 for m in ms if m["state"] == "open" and m["due_date"] >= today)}
    groups = {k["id"]: counts([m for m in rows if path[m["unit_id"]].startswith(k["path"])]) for k in kids}
    return counts(rows), groups


def test_the_rollup_counts_equal_a_recount_and_carry_the_forms(march):
    w = march
    a, b = ongoing(w, co=["gc-zj"]), ongoing(w)
    for iid in (a, b):
        report(w, iid, percent=10)
    report(w, a, percent=30, **FORM)  # April's, early
    w.clock("2026-04-06T09:00:00+08:00")
    report(w, b, percent=25, problems="资金未到位")  # April's, late
    r = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-04-01&to=2026-04-30")
    assert r.status == 200, r
    ru = r.json
    scope = ru["scope"]["id"]
    assert ru["scope"]["name"] == "古城县人民政府" and (ru["from"], ru["to"]) == ("2026-04-01", "2026-04-30"), ru
    total, groups = recount(w, "gc_office", scope, "2026-04-01", "2026-04-30", "2026-04-06")
    assert {k: ru["totals"][k] for k in total} == total
    assert ru["totals"]["due"] == ru["totals"]["submitted"] + ru["totals"]["missed"] + ru["totals"]["open"]
    for g in ru["groups"]:
        assert {k: g[k] for k in total} == groups[g["unit_id"]], g
    jt = [g for g in ru["groups"] if g["unit_id"] == w.unit("gc-jt")][0]
    assert jt["submitted"] >= 2 and jt["late"] >= 1, jt
    zj = [g for g in ru["groups"] if g["unit_id"] == w.unit("gc-zj")][0]
    assert zj["missed"] >= 1, zj  # gc-zj owed April's report on item a and did not send it
    # the forms: each of ours with its status and text
    mine = {(x["item_id"], x["unit_id"]): x for x in ru["reports"] if x["item_id"] in (a, b)}
    fa = mine[(a, w.unit("gc-jt"))]
    assert (fa["status"], fa["problems"], fa["next_steps"], fa["support"], fa["percent"]) == (
        "on_time", FORM["problems"], FORM["next_steps"], FORM["support"], 30), fa
    assert fa["label"] == "月度进展报告" and fa["group_id"] == w.unit("gc-jt")
    fb = mine[(b, w.unit("gc-jt"))]
    assert (fb["status"], fb["problems"], fb["text"]) == ("late", "资金未到位", "本月完成主次干道保洁"), fb
    mz = mine[(a, w.unit("gc-zj"))]
    assert (mz["status"], mz["text"], mz["report_id"]) == ("missed", None, None), mz
    # the kind filter: the monthly reports of a and b are monthly, none of them quarterly (that the quarterly filter
    # finds a quarterly report: test_each_kind_of_form_follows_its_schedule; an empty answer passed here before)
    m = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-04-01&to=2026-04-30&kind=monthly").json
    assert {x["item_id"] for x in m["reports"]} >= {a, b} and {x["form_kind"] for x in m["reports"]} == {"monthly"}
    q = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-04-01&to=2026-04-30&kind=quarterly").json
    assert not any(x["item_id"] in (a, b) for x in q["reports"]), q["reports"]
    # the city office sees the counties, the county's row equal to the county's totals
    city = w.c("lc_office").get("/api/v1/periodic-reports?from=2026-04-01&to=2026-04-30")
    assert city.status == 200, city
    gc = [g for g in city.json["groups"] if g["unit_id"] == scope][0]
    assert {k: gc[k] for k in total} == {k: ru["totals"][k] for k in total}, gc
    assert any(x["item_id"] == a and x["group_id"] == scope for x in city.json["reports"])
    # the city office reads the county's roll-up too
    assert w.c("lc_office").get(f"/api/v1/periodic-reports?unit_id={scope}&from=2026-04-01&to=2026-04-30").json[
        "totals"] == ru["totals"]
    # the page of forms
    p = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-04-01&to=2026-04-30&limit=1&offset=1").json
    assert len(p["reports"]) == min(1, max(0, ru["totals"]["due"] - 1)) and p["reports"][0] == ru["reports"][1]


def obligation(w, iid):
    ob = form(w, iid)["obligation"]
    return (ob["kind"], ob["form_kind"], ob["label"], ob["due_date"], ob["period_from"], ob["period_label"])


def test_each_kind_of_form_follows_its_schedule(march):
    """Each kind of report falls due on the day its source sets, counted here from the assignment on Monday 2 March
    2026 (not read back from the milestones): quarterly reports of annual key work on 15 July, 15 October and 15
    January, the monthly report of ongoing work a month on (2 April, then 6 May), the implementation report of a
    meeting's decision within 30 days (1 April); each form names its kind, day and period, and answering it moves the
    form to the next. The roll-up's kind filter finds the quarterly report."""
    w = march
    annual = w.item(title=f"年度重点工作：老旧小区改造{uniq()}", kind="annual", due_date="2026-12-31")
    assert w.c("gc_contact").post(f"/api/v1/items/{annual}/actions/receive", {}).status == 200
    assert form(w, annual)["obligation"]["kind"] == "first_feedback"
    # each report answers the obligation the form names and moves it to the next one
    for iid, expected in (
            (annual, [("quarterly", "季度进展报告", "2026-07-15", "2026-03-02", "2026年第二季度"),
                      ("quarterly", "季度进展报告", "2026-10-15", "2026-07-15", "2026年第三季度"),
                      ("quarterly", "季度进展报告", "2027-01-15", "2026-10-15", "2026年第四季度")]),
            (ongoing(w), [("monthly", "月度进展报告", "2026-04-02", "2026-03-02", "2026年3月2日至2026年4月2日"),
                          ("monthly", "月度进展报告", "2026-05-06", "2026-04-02", "2026年4月2日至2026年5月6日")])):
        for n, want in enumerate(expected):
            report(w, iid, percent=10 * (n + 1))
            assert obligation(w, iid) == ("periodic_report", *want), (iid, n)
    meeting = w.item(title=f"县政府常务会议议定事项{uniq()}", source_kind="meeting", due_date="2026-06-30")
    assert w.c("gc_contact").post(f"/api/v1/items/{meeting}/actions/receive", {}).status == 200
    report(w, meeting, percent=10)
    kind, fk, label, due, frm, _ = obligation(w, meeting)
    assert (kind, fk, label, due, frm) == ("implementation_report", "implementation", "贯彻落实情况报告（30日内）",
                                           "2026-04-01", "2026-03-02")
    # the kind filter finds the quarterly reports of the annual item, and only quarterly ones
    q = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-07-01&to=2026-07-31&kind=quarterly")
    assert q.status == 200, q
    mine = [x for x in q.json["reports"] if x["item_id"] == annual]
    assert [(x["form_kind"], x["due_date"]) for x in mine] == [("quarterly", "2026-07-15")], q.json["reports"]
    assert {x["form_kind"] for x in q.json["reports"]} == {"quarterly"}


def test_the_xlsx(march):
    w = march
    iid = ongoing(w)
    report(w, iid, percent=10)
    report(w, iid, percent=30, **FORM)
    ru = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-04-01&to=2026-04-30").json
    r = w.c("gc_office").get("/api/v1/periodic-reports/export.xlsx?from=2026-04-01&to=2026-04-30")
    assert r.status == 200 and "spreadsheetml" in r.headers["Content-Type"], r
    wb = openpyxl.load_workbook(io.BytesIO(r.raw))
    assert wb.sheetnames == ["汇总", "报告内容"]
    s1, s2 = wb["汇总"], wb["报告内容"]
    assert s1["A1"].value == "古城县人民政府定期报告汇总（2026-04-01至2026-04-30）"
    assert [c.value for c in s1[2]] == ["单位", "应报", "已报", "按时报送", "逾期报送", "逾期未报", "未到期"]
    keys = ("due", "submitted", "on_time", "late", "missed", "open")
    rows = {row[0].value: [c.value for c in row[1:]] for row in s1.iter_rows(min_row=3)}
    for g in ru["groups"]:
        assert rows[g["unit_name"]] == [g[k] for k in keys], g
    assert rows["合计"] == [ru["totals"][k] for k in keys]
    lines = [[c.value for c in row] for row in s2.iter_rows(min_row=3)]
    assert len(lines) == ru["totals"]["due"]
    mine = [x for x in lines if x[2] == ru["reports"][0]["title"] or x[7] == "本月完成主次干道保洁"]
    got = [x for x in lines if x[9] == FORM["problems"]]
    assert len(got) == 1 and mine, lines[:3]
    row = got[0]
    assert (row[0], row[3], row[5], row[7], row[8], row[10], row[11]) == (
        "古城县交通运输局", "月度进展报告", "按时报送", "本月完成主次干道保洁", 30, FORM["next_steps"], FORM["support"])


def test_refusals(march):
    w = march
    iid = ongoing(w)
    # another unit (not responsible) and another county do not see the item's form
    assert w.c("gc_contact").get(f"/api/v1/items/{iid}/report-form").status == 200
    assert w.c("ap_office").get(f"/api/v1/items/{iid}/report-form").status == 404
    other = w.item(title=f"住建局事项{uniq()}", lead_unit_id=w.unit("gc-zj"), kind="ongoing", due_date="2026-12-31")
    assert w.c("gc_contact").get(f"/api/v1/items/{other}/report-form").status == 404
    # a track that is not the item's: 422 naming it
    r = w.c("gc_office").get(f"/api/v1/items/{iid}/report-form?track_id=999999")
    assert r.status == 422 and r.json["error"]["field"] == "track_id" and "责任单位" in r.json["error"]["message"], r
    # another unit cannot submit the form (its track is not there), nor can the office
    assert w.c("gc_office").post(f"/api/v1/items/{iid}/reports", {"text": "x", "percent": 1}).status == 403
    # the wrong state: before receipt (a fresh item's track is assigned, not received)
    fresh = w.item(title=f"未签收事项{uniq()}", kind="ongoing", due_date="2026-12-31")
    r = report(w, fresh, expect=409, **FORM)
    assert "状态" in r.json["error"]["message"], r
    assert w.c("gc_office").get(f"/api/v1/items/{fresh}/reports").json["reports"] == []
    # bad input: a form field too long, named in Chinese; nothing changed
    before = w.c("gc_office").get(f"/api/v1/items/{iid}/reports").json["reports"]
    r = report(w, iid, expect=422, problems="问" * 5001)
    assert r.json["error"]["field"] == "problems" and "存在问题" in r.json["error"]["message"], r
    r = report(w, iid, expect=422, support=3)
    assert r.json["error"]["field"] == "support" and "需协调解决的事项" in r.json["error"]["message"], r
    assert w.c("gc_office").get(f"/api/v1/items/{iid}/reports").json["reports"] == before
    # the roll-up: a unit gets 403, another county's scope 404, bad input 422 naming the member
    for u in ("gc_contact", "gc_head"):
        assert w.c(u).get("/api/v1/periodic-reports").status == 403, u
        assert w.c(u).get("/api/v1/periodic-reports/export.xlsx").status == 403, u
    gc_gov = w.c("gc_office").get("/api/v1/periodic-reports").json["scope"]["id"]
    assert w.c("ap_office").get(f"/api/v1/periodic-reports?unit_id={gc_gov}").status == 404
    r = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-13-01")
    assert r.status == 422 and r.json["error"]["field"] == "from" and "起始日期" in r.json["error"]["message"], r
    r = w.c("gc_office").get("/api/v1/periodic-reports?from=2026-05-01&to=2026-04-01")
    assert r.status == 422 and r.json["error"]["field"] == "to" and "截止日期" in r.json["error"]["message"], r
    r = w.c("gc_office").get("/api/v1/periodic-reports?kind=weekly")
    assert r.status == 422 and r.json["error"]["field"] == "kind", r
    # the default period is this month
    d = w.c("gc_office").get("/api/v1/periodic-reports").json
    assert (d["from"], d["to"]) == ("2026-03-01", "2026-03-31"), d
