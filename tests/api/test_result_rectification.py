"""A criticism (通报批评) asks the unit it names to rectify (限期整改, Jiangsu 004_…; 条例 Art. 19): at issue the
unit's contact gets the to-do 报送整改情况 and a message, with the deadline (the draft's own, else 15 working days);
the unit reports through the results' workflow, the office accepts or returns it with a reason (a to-do and a
message back to the unit); the deadline is a milestone on the deadline ladder, whose reminders, pressing and
report to the principal leader reach a late unit; every step is on the timeline and in the audit trail. The
refusals: wrong role, another unit, the other county, the wrong state, bad input naming the field."""
import re

import pytest

from conftest import wait_for
from itemlib import day
from workflow_drivers import ResultDriver, beijing_date, result_body, result_inbox as inbox, result_todos as todos

REPORT = "已对照通报逐项整改：主干道信号灯配时优化完成，拥堵路段通行时间下降三成。"


@pytest.fixture(scope="module")
def d(server):
    return ResultDriver(server)


def milestones(d, oid):
    r = d.c("gc_office").get(f"/api/v1/milestones?owner_kind=result&owner_id={oid}")
    assert r.status == 200, r
    return r.json["milestones"]


def issued_criticism(d, **kw):
    oid = d.create("criticism", **kw)["id"]
    d.act(oid, "gc_office", "submit", {})
    d.act(oid, "gc_principal", "approve", {})
    return d.act(oid, "gc_office", "issue", {}).json


OTHERS = ("gc_contact2", "gc_head2", "gc_town", "ap_office", "ap_contact", "ap_head")


def test_the_unit_reports_and_the_office_reviews(d):
    due = day(20)
    obj = issued_criticism(d, rectify_due=due)
    oid = obj["id"]
    assert obj["state"] == "issued" and obj["rectification"] == {"due_date": due, "text": None, "reported_at": None,
                                                                 "escalated": False, "attachments": []}
    # at issue: the contact holds the to-do, due on the deadline, and is told; the head is told; nobody else
    got = todos(d, "gc_contact", oid)
    assert [(t["label"], t["task"], t["due_date"], t["link"]) for t in got] == [
        ("报送整改情况", "report_rectification", due, f"/results/{oid}")], got
    assert got[0]["part"]["kind"] == "target" and got[0]["title"] == obj["title"]
    assert todos(d, "gc_head", oid) == [] and todos(d, "gc_office", oid) == []
    todo_msg = [m for m in inbox(d, "gc_contact", oid) if "报送整改情况" in m["subject"]]
    assert len(todo_msg) == 1 and due in todo_msg[0]["subject"] and obj["number"] in todo_msg[0]["subject"], todo_msg
    assert obj["content"] in todo_msg[0]["body"]
    assert [m["subject"] for m in inbox(d, "gc_head", oid)] == [f"【通报批评】{obj['number']}《{obj['title']}》"]
    for u in OTHERS:
        assert todos(d, u, oid) == [] and inbox(d, u, oid) == [], u
    # the deadline is a milestone at the unit, on the ladder
    ms = milestones(d, oid)
    assert [(m["kind"], m["kind_label"], m["due_date"], m["state"], m["unit_id"], m["result_id"]) for m in ms] == [
        ("rectification", "报送整改情况时限", due, "open", d.it.unit("gc-jt"), oid)], ms
    assert d.get(oid, "gc_contact")["allowed_actions"] == ["report_rectification"]
    assert d.get(oid, "gc_head")["allowed_actions"] == ["report_rectification"]
    assert d.get(oid)["allowed_actions"] == []

    # refusals, each changing nothing: the office and the leaders cannot report for the unit; another unit and
    # the other county do not see it; a blank report names the field; the office cannot review before a report
    for u in ("gc_office", "gc_principal", "gc_leader"):
        r = d.act(oid, u, "report_rectification", {"rectification": REPORT}, expect=403)
        assert "您的角色不能" in r.error["message"], (u, r)
    for u in ("gc_contact2", "ap_contact", "ap_office"):
        d.act(oid, u, "report_rectification", {"rectification": REPORT}, expect=404)
    for body in ({}, {"rectification": ""}):
        r = d.act(oid, "gc_contact", "report_rectification", body, expect=422)
        assert r.json["error"]["field"] == "rectification" and "整改情况" in r.error["message"], r
    r = d.act(oid, "gc_contact", "report_rectification", {"rectification": 5}, expect=422)
    assert r.json["error"]["field"] == "rectification" and "整改情况" in r.error["message"], r
    r = d.act(oid, "gc_office", "accept_rectification", {}, expect=409)
    assert r.error["message"] == "「整改情况审核通过」只能在「整改情况待审核」状态下进行，当前状态为「已印发」"
    after = d.get(oid)
    assert (after["state"], after["version"], after["rectification"]["text"]) == ("issued", obj["version"], None)

    # the unit reports: the office must review it, the contact's to-do is gone, the milestone done in time
    told = len(inbox(d, "gc_office", oid))
    rep = d.act(oid, "gc_contact", "report_rectification", {"rectification": REPORT}).json
    assert rep["state"] == "reviewing" and rep["state_label"] == "整改情况待审核"
    assert rep["rectification"]["text"] == REPORT and rep["rectification"]["reported_at"]
    assert todos(d, "gc_contact", oid) == []
    assert [t["label"] for t in todos(d, "gc_office", oid)] == ["整改情况待审核"]
    assert len(inbox(d, "gc_office", oid)) == told + 1
    assert [(m["state"], m["done_late"]) for m in milestones(d, oid)] == [("done", False)]
    r = d.act(oid, "gc_contact", "accept_rectification", {}, expect=403)
    r = d.act(oid, "gc_contact", "report_rectification", {"rectification": REPORT}, expect=409)
    assert "只能在「已印发」状态下进行" in r.error["message"]

    # returned with a reason: the contact's to-do again, its message and the head's carry the reason; the same
    # deadline on a new milestone
    r = d.act(oid, "gc_office", "return_rectification", {}, expect=422)
    assert r.json["error"]["field"] == "reason"
    contact_before, head_before = len(inbox(d, "gc_contact", oid)), len(inbox(d, "gc_head", oid))
    back = d.act(oid, "gc_office", "return_rectification", {"reason": "缺少整改前后的通行数据"}).json
    assert back["state"] == "issued" and back["rectification"]["text"] == REPORT
    assert [t["label"] for t in todos(d, "gc_contact", oid)] == ["报送整改情况"] and todos(d, "gc_office", oid) == []
    for u, n in (("gc_contact", contact_before), ("gc_head", head_before)):
        new = inbox(d, u, oid)[: len(inbox(d, u, oid)) - n]
        assert len(new) == 1 and "缺少整改前后的通行数据" in new[0]["body"], (u, new)
    assert [(m["seq"], m["due_date"], m["state"]) for m in milestones(d, oid)] == [(1, due, "done"), (2, due, "open")]

    # reported again and accepted: closed, the unit told, nothing left to do or open
    d.act(oid, "gc_contact", "report_rectification", {"rectification": REPORT + "附通行数据对比。"})
    contact_before, head_before = len(inbox(d, "gc_contact", oid)), len(inbox(d, "gc_head", oid))
    done = d.act(oid, "gc_office", "accept_rectification", {"text": "整改到位，予以销号"}).json
    assert done["state"] == "closed" and done["closed_at"] and done["follow_up"] == "整改到位，予以销号"
    assert done["rectification"]["text"].endswith("附通行数据对比。")
    for u, n in (("gc_contact", contact_before), ("gc_head", head_before)):
        new = inbox(d, u, oid)[: len(inbox(d, u, oid)) - n]
        assert len(new) == 1 and "整改情况审核通过" in new[0]["body"], (u, new)
    for u in ("gc_contact", "gc_head", "gc_office"):
        assert todos(d, u, oid) == [], u
    assert all(m["state"] != "open" for m in milestones(d, oid))
    # the unit still sees its record, with the rectification
    assert d.get(oid, "gc_head")["rectification"]["text"].endswith("附通行数据对比。")

    # the timeline and the audit trail: every step, by whom
    ev = d.c("gc_office").get(f"/api/v1/results/{oid}/events").json["events"]
    steps = [(e["action"], e["actor"]) for e in ev if e["action"] not in ("create",)]
    assert steps == [("submit", "gc_office"), ("approve", "gc_principal"), ("issue", "gc_office"),
                     ("report_rectification", "gc_contact"), ("return_rectification", "gc_office"),
                     ("report_rectification", "gc_contact"), ("accept_rectification", "gc_office")], steps
    assert ev[3]["data"]["rectify_due"] == due and ev[4]["data"]["late"] is False
    audit = d.c("gc_office").get(f"/api/v1/audit?object_type=result&object_id={oid}&limit=50").json["records"]
    acts = sorted((a["action"], a["actor"]) for a in audit)
    assert acts == sorted([("result.create", "gc_office"), ("result.submit", "gc_office"),
                           ("result.approve", "gc_principal"), ("result.issue", "gc_office"),
                           ("result.report_rectification", "gc_contact"), ("result.return_rectification", "gc_office"),
                           ("result.report_rectification", "gc_contact"),
                           ("result.accept_rectification", "gc_office")]), acts


def test_the_deadline_from_the_rule_and_the_drafts_own(d):
    """Without a date of its own the deadline is 15 working days after the issue (the working-day calendar); a
    date of its own is a criticism's only, a real day, not in the past (422 naming rectify_due, nothing
    changed); a praise asks nothing of its unit."""
    obj = issued_criticism(d)
    want = d.c("gc_office").get(f"/api/v1/calendar/workdays?from={beijing_date(obj['issued_at'])}&add=15").json["date"]
    assert obj["rectification"]["due_date"] == want
    assert [t["due_date"] for t in todos(d, "gc_contact", obj["id"])] == [want]
    assert [m["due_date"] for m in milestones(d, obj["id"])] == [want]

    c = d.c("gc_office")
    base = d.base_item()["id"]
    before = c.get("/api/v1/results?per_page=1").json["total"]
    for kind, value, words in (("praise", day(10), "只有通报批评"), ("criticism", "2026-13-01", "YYYY-MM-DD"),
                               ("criticism", "明天", "YYYY-MM-DD"), ("criticism", day(-1), "不能早于今天")):
        r = c.post("/api/v1/results", result_body(d.it, kind, base, rectify_due=value))
        assert r.status == 422 and r.json["error"]["field"] == "rectify_due" and words in r.error["message"], r
        assert "整改时限" in r.error["message"]
    assert c.get("/api/v1/results?per_page=1").json["total"] == before
    draft = d.create("criticism", rectify_due=day(30))
    assert draft["rectification"]["due_date"] == day(30)
    r = c.patch(f"/api/v1/results/{draft['id']}", {"rectify_due": "2026-02-30"})
    assert r.status == 422 and r.json["error"]["field"] == "rectify_due", r
    assert d.get(draft["id"])["rectification"]["due_date"] == day(30)
    assert c.patch(f"/api/v1/results/{draft['id']}", {"rectify_due": day(25)}).json["rectification"]["due_date"] == day(25)
    assert c.patch(f"/api/v1/results/{draft['id']}", {"rectify_due": None}).json["rectification"]["due_date"] is None

    praise = d.create("praise")["id"]
    d.act(praise, "gc_office", "submit", {})
    d.act(praise, "gc_principal", "approve", {})
    p = d.act(praise, "gc_office", "issue", {}).json
    assert p["rectification"] is None and p["allowed_actions"] == [] and milestones(d, praise) == []
    assert todos(d, "gc_contact", praise) == []
    r = d.act(praise, "gc_contact", "report_rectification", {"rectification": REPORT}, expect=409)
    assert r.error["message"] == "只有限期整改的通报批评需要报送整改情况"


def test_the_office_sets_the_working_days(d):
    """The 15 working days are the government's setting (结果运用设置): its office and leaders read it, its office
    changes it (1…60, 422 naming rectify_workdays, audited with before and after); a criticism issued without a
    date of its own then gets that many working days; the units, another county's office and the administrator do
    not touch this county's setting."""
    c = d.c("gc_office")
    s = c.get("/api/v1/results/settings")
    assert s.status == 200 and (s.json["rectify_workdays"], s.json["default_rectify_workdays"]) == (15, 15), s
    assert s.json["government"]["name"] == "古城县人民政府" and s.json["saved"] is False
    assert d.c("gc_principal").get("/api/v1/results/settings").json["rectify_workdays"] == 15
    for u in ("gc_contact", "gc_head"):
        r = d.c(u).get("/api/v1/results/settings")
        assert r.status == 403 and "结果运用设置" in r.error["message"], (u, r)
    assert d.c("admin").get("/api/v1/results/settings").status == 403
    # refusals change nothing: the leaders and the units may not; bad values name the field
    for u in ("gc_principal", "gc_leader", "gc_contact"):
        assert d.c(u).put("/api/v1/results/settings", {"rectify_workdays": 10}).status == 403, u
    for body in ({"rectify_workdays": 0}, {"rectify_workdays": 61}, {"rectify_workdays": "十"}, {}):
        r = c.put("/api/v1/results/settings", body)
        assert r.status == 422 and r.json["error"]["field"] == "rectify_workdays", (body, r)
        assert "通报批评整改时限" in r.error["message"], r
    assert c.get("/api/v1/results/settings").json["saved"] is False
    # the office sets 10; the next criticism without a date gets 10 working days; another county keeps 15
    r = c.put("/api/v1/results/settings", {"rectify_workdays": 10})
    assert r.status == 200 and (r.json["rectify_workdays"], r.json["saved"]) == (10, True), r
    assert d.c("ap_office").get("/api/v1/results/settings").json["rectify_workdays"] == 15
    audit = [a for a in c.get("/api/v1/audit?action=results.settings&limit=5").json["records"] if a["action"] == "results.settings"]
    assert audit and audit[0]["actor"] == "gc_office", audit
    assert (audit[0]["summary"]["before"]["rectify_workdays"], audit[0]["summary"]["after"]["rectify_workdays"]) == (15, 10)
    try:
        obj = issued_criticism(d)
        want = c.get(f"/api/v1/calendar/workdays?from={beijing_date(obj['issued_at'])}&add=10").json["date"]
        assert obj["rectification"]["due_date"] == want
        assert [m["due_date"] for m in milestones(d, obj["id"])] == [want]
        ev = c.get(f"/api/v1/results/{obj['id']}/events").json["events"]
        assert next(e for e in ev if e["action"] == "issue")["data"]["rectify_workdays"] == 10
    finally:
        assert c.put("/api/v1/results/settings", {"rectify_workdays": 15}).status == 200


def test_the_scorecard_drill_down_shows_the_rectification(d):
    """The point a criticism costs its unit (criticised) shows, in the scorecard's drill-down, what the unit did
    about it as it stands now: awaited, under review, accepted; a praise's line shows nothing of the kind."""
    year = int(beijing_date(issued_criticism(d)["issued_at"])[:4])
    waiting = issued_criticism(d, rectify_due=day(12))["id"]
    review = issued_criticism(d, rectify_due=day(12))["id"]
    d.act(review, "gc_contact", "report_rectification", {"rectification": REPORT})
    accepted = issued_criticism(d)["id"]
    d.act(accepted, "gc_contact", "report_rectification", {"rectification": REPORT})
    d.act(accepted, "gc_office", "accept_rectification", {})
    c = d.c("gc_office")
    for card in c.get(f"/api/v1/scorecards?year={year}").json["scorecards"]:  # the demo's draft: draw our own
        if card["state"] == "draft":
            assert c.post(f"/api/v1/scorecards/{card['id']}/actions/withdraw", {"reason": "测试重新计算"}).status == 200
    r = c.post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    jt = next(u for u in r.json["units"] if u["code"] == "gc-jt")["unit_id"]
    lines = c.get(f"/api/v1/scorecards/{r.json['id']}/units/{jt}").json["lines"]
    got = {ln["result_id"]: ln["rectification"] for ln in lines if ln["rule"] == "criticised"}
    assert {k: (v["state"], v["label"], v["due_date"], v["overdue"]) for k, v in got.items() if k in (waiting, review)} == {
        waiting: ("issued", "待报送整改情况", day(12), False), review: ("reviewing", "整改情况待审核", day(12), False)}
    assert got[accepted]["label"] == "整改情况已审核通过" and got[accepted]["state"] == "closed"
    assert all(ln["rectification"] is None for ln in lines if ln["rule"] != "criticised")


def test_a_late_unit_meets_the_ladder(d):
    """A rectification not reported by its deadline climbs the deadline ladder as an item's does: the contact
    reminded ahead and on the day, then the leaders pressed, the written notice, the report to the principal
    leader — and the record flagged. Reported late, the report says so. (Last in the module: it moves the clock.)"""
    d.base_item()
    d.it.clients.clear()
    r = d.it.server.client("admin").put("/api/v1/admin/clock", {"now": "2027-03-01T09:00:00+08:00"})
    assert r.status == 200, r
    d.it.clients.clear()
    obj = issued_criticism(d, rectify_due="2027-03-10")
    oid = obj["id"]
    late = milestones(d, oid)[0]["id"]

    def msgs(user, kind):
        got = d.c(user).get("/api/v1/inbox?limit=200").json["messages"]
        return [m for m in got if m["object_type"] == "milestone" and m["object_id"] == late and m["kind"] == kind]

    steps = [("2027-03-08T09:00:00+08:00", {"gc_contact": "reminder"}),  # two working days ahead
             ("2027-03-10T09:00:00+08:00", {"gc_contact": "reminder"}),
             ("2027-03-11T09:00:00+08:00", {"gc_leader": "press"}),
             ("2027-03-15T09:00:00+08:00", {"gc_contact": "notice", "gc_head": "notice", "gc_office": "notice"}),
             ("2027-03-17T09:00:00+08:00", {"gc_principal": "report", "gc_office": "report"})]
    for now, who in steps:
        d.it.clients.clear()
        r = d.it.server.client("admin").put("/api/v1/admin/clock", {"now": now})
        assert r.status == 200, r
        d.it.clients.clear()
        for user, kind in who.items():
            n = 2 if now.startswith("2027-03-10") and kind == "reminder" else 1
            assert wait_for(lambda: len(msgs(user, kind)) >= n, timeout=60), (now, user, kind)
    flagged = wait_for(lambda: d.get(oid)["rectification"]["escalated"], timeout=60)
    assert flagged
    assert all(m["link"] == f"/results/{oid}" for m in msgs("gc_contact", "reminder"))
    ev = d.c("gc_office").get(f"/api/v1/results/{oid}/events").json["events"]
    ladder = [e["data"]["step"] for e in ev if e["action"] == "deadline"]
    assert ladder == ["remind-2", "remind-0", "press", "notice", "report"], ladder
    assert ev[-1]["action"] == "escalate" and ev[-1]["action_label"] == "逾期报告主要领导"
    def audited():
        got = d.c("gc_office").get(f"/api/v1/audit?object_type=result&object_id={oid}&limit=50").json["records"]
        return "result.escalate" in {a["action"] for a in got}
    assert wait_for(audited, timeout=60)  # the audit trail lists what its sealer sealed
    # still the contact's to-do, red; reported late at last
    assert [t["light"] for t in todos(d, "gc_contact", oid)] == ["red"]
    rep = d.act(oid, "gc_contact", "report_rectification", {"rectification": REPORT}).json
    assert rep["state"] == "reviewing"
    ev = d.c("gc_office").get(f"/api/v1/results/{oid}/events").json["events"]
    assert ev[-1]["action"] == "report_rectification" and ev[-1]["data"]["late"] is True
    assert [(m["state"], m["done_late"]) for m in milestones(d, oid)] == [("done", True)]
    assert re.fullmatch(r"古督批〔2027〕\d+号", rep["number"]), rep["number"]
