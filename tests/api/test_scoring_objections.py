"""Objections to an issued scorecard (考评异议, issue 12): within the period the year's rule table sets (working
days after the issue), the head of a unit scored objects to one line of its own card — a line counted from the
data or an adjustment of the office — with a reason and evidence; the office gets a to-do and a message and decides:
upheld changes the line (the decision its note), the unit's total and every rank; rejected changes nothing; the unit
is told either way. Refused with the member named: wrong role, another unit's line, another county's card, a line
not on the card, twice for one line, after the period."""
import datetime

import pytest

from conftest import run_now
from itemlib import Items


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def this_year(it):
    r = it.c("gc_office").get("/api/v1/scoring/rules")
    assert r.status == 200, r
    return r.json["year"]


def issue(it, card):
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        r = it.c(user).post(f"/api/v1/scorecards/{card}/actions/{action}", {})
        assert r.status == 200, (action, r)
    return r.json


def card_with_adjustments(it, year, per_unit=3, units=("gc-jt", "gc-zj"), days=None):
    """An issued card of 古城县 for a past year (no data lines: every unit at the base) with `per_unit`
    adjustments of −2 for each of units; the rule table's objection period set first when days is given."""
    office = it.c("gc_office")
    if days is not None:
        r = office.put("/api/v1/scoring/rules", {"year": year, "objection_days": days})
        assert r.status == 200 and r.json["objection_days"] == days, r
    r = office.post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    card, adj = r.json["id"], {}
    for code in units:
        for k in range(per_unit):
            r = office.post(f"/api/v1/scorecards/{card}/adjustments",
                            {"unit_id": it.unit(code), "points": -2, "reason": f"未按要求报送年度总结{k}"})
            assert r.status == 201, r
        adj[code] = [a["id"] for a in r.json["adjustments"]]
    issue(it, card)
    return card, adj


def detail(it, card, code, user="gc_office"):
    r = it.c(user).get(f"/api/v1/scorecards/{card}/units/{it.unit(code)}")
    assert r.status == 200, (user, r)
    return r.json


def inbox_about(it, user, oid):
    msgs = it.c(user).get("/api/v1/inbox?limit=200").json["messages"]
    return [m for m in msgs if m["object_type"] == "objection" and m["object_id"] == oid]


def todos_about(it, user, oid):
    todos = it.c(user).get("/api/v1/todos?kind=objection&limit=200").json["todos"]
    return [t for t in todos if t["object_id"] == oid]


def test_unit_objects_to_a_line_office_upholds_the_card_follows(it):
    """The demo's card of this year, issued: 交通运输局's head objects to one of its deductions; the office upholds
    it, the line is removed with the decision as its note, the total and ranks are counted again, audited, told."""
    year = this_year(it)
    cards = it.c("gc_office").get(f"/api/v1/scorecards?year={year}").json["scorecards"]
    card = [c for c in cards if c["state"] == "draft"][0]["id"]
    r = it.c("gc_office").patch(f"/api/v1/scorecards/{card}", {"refresh": True})
    assert r.status == 200, r
    issued = issue(it, card)
    assert issued["objection_open"] is True and issued["objection_until"] >= issued["issued_at"][:10]

    mine = detail(it, card, "gc-jt", "gc_head")
    assert mine["may_object"] is True
    assert detail(it, card, "gc-jt", "gc_contact")["may_object"] is False  # the head signs for the unit
    assert detail(it, card, "gc-jt")["may_object"] is False
    line = min((ln for ln in mine["lines"] if ln["points"] < 0), key=lambda ln: ln["points"])
    assert line["objection"] is None
    before = {u["unit_id"]: u for u in it.c("gc_office").get(f"/api/v1/scorecards/{card}").json["units"]}

    r = it.c("gc_head").post(f"/api/v1/scorecards/{card}/objections",
                             {"line_id": line["id"], "reason": "该事项已于期限前办结，系系统录入延误",
                              "evidence": "办结报告签收单"})
    assert r.status == 201, r
    obj = r.json
    assert obj["state"] == "pending" and obj["line_id"] == line["id"] and obj["points_before"] == line["points"]
    assert obj["unit"]["code"] == "gc-jt" and obj["evidence"] == "办结报告签收单" and obj["allowed_actions"] == []
    # the office has a to-do and a message; the unit's line shows the objection
    assert [t["task"] for t in todos_about(it, "gc_office", obj["id"])] == ["decide"]
    assert inbox_about(it, "gc_office", obj["id"]), "the office was not told"
    assert detail(it, card, "gc-jt", "gc_head")["lines"][[x["id"] for x in mine["lines"]].index(line["id"])][
        "objection"]["state"] == "pending"
    assert set(it.c("gc_office").get(f"/api/v1/objections/{obj['id']}").json["allowed_actions"]) == {"uphold",
                                                                                                   "reject"}
    # twice for one line: 409 naming it
    r = it.c("gc_head").post(f"/api/v1/scorecards/{card}/objections", {"line_id": line["id"], "reason": "再次"})
    assert r.status == 409 and r.error["field"] == "line_id", r

    # upheld without a reason: 422; with the same points: 422 naming points
    r = it.c("gc_office").post(f"/api/v1/objections/{obj['id']}/actions/uphold", {})
    assert r.status == 422, r
    r = it.c("gc_office").post(f"/api/v1/objections/{obj['id']}/actions/uphold",
                               {"reason": "x", "points": int(line["points"])})
    assert r.status == 422 and r.error["field"] == "points", r
    # the principal reads but does not decide
    assert it.c("gc_principal").post(f"/api/v1/objections/{obj['id']}/actions/uphold", {"reason": "x"}).status == 403
    r = it.c("gc_office").post(f"/api/v1/objections/{obj['id']}/actions/uphold",
                               {"reason": "经核实该事项已按期办结，取消该项扣分"})
    assert r.status == 200, r
    assert r.json["state"] == "upheld" and r.json["points_after"] == 0 and r.json["decision"].startswith("经核实")

    after = detail(it, card, "gc-jt", "gc_head")
    changed = [x for x in after["lines"] if x["id"] == line["id"]][0]
    assert changed["points"] == 0 and "经核实该事项已按期办结" in changed["note"]
    assert changed["objection"]["state"] == "upheld"
    assert after["total"] == pytest.approx(before[it.unit("gc-jt")]["total"] - line["points"])
    assert after["base"] + after["lines_sum"] + after["adjustments_sum"] == pytest.approx(after["total"])
    units = it.c("gc_office").get(f"/api/v1/scorecards/{card}").json["units"]
    for u in units:  # competition ranking over the new totals
        assert u["rank"] == 1 + sum(1 for v in units if v["total"] > u["total"]), u
        if u["unit_id"] != it.unit("gc-jt"):
            assert u["total"] == before[u["unit_id"]]["total"]
    # the to-do is gone; the head and the contact were told; audited; on both timelines
    assert todos_about(it, "gc_office", obj["id"]) == []
    for user in ("gc_head", "gc_contact"):
        told = inbox_about(it, user, obj["id"])
        assert told and "异议成立" in told[-1]["subject"], (user, told)
    assert not inbox_about(it, "gc_head2", obj["id"])
    audit = it.c("gc_office").get(f"/api/v1/audit?object_type=objection&object_id={obj['id']}&limit=50").json
    actions = [a["action"] for a in audit["records"]]
    assert "objection.create" in actions and "objection.uphold" in actions, actions
    card_events = [e["action"] for e in it.c("gc_office").get(f"/api/v1/scorecards/{card}/events").json["events"]]
    assert "objection" in card_events and "objection_upheld" in card_events
    # a decided objection is decided
    r = it.c("gc_office").post(f"/api/v1/objections/{obj['id']}/actions/reject", {"reason": "x"})
    assert r.status == 409, r


def test_office_rejects_the_card_stays(it):
    card, adj = card_with_adjustments(it, this_year(it) - 3)
    before = detail(it, card, "gc-jt")
    r = it.c("gc_head").post(f"/api/v1/scorecards/{card}/objections",
                             {"adjustment_id": adj["gc-jt"][0], "reason": "年度总结已按时报送"})
    assert r.status == 201, r
    oid = r.json["id"]
    assert r.json["target"] == "adjustment" and r.json["points_before"] == -2
    r = it.c("gc_office").post(f"/api/v1/objections/{oid}/actions/reject", {"reason": "报送时间晚于通知要求"})
    assert r.status == 200 and r.json["state"] == "rejected" and r.json["points_after"] is None, r
    after = detail(it, card, "gc-jt")
    assert after["total"] == before["total"] and after["adjustments_sum"] == before["adjustments_sum"]
    told = inbox_about(it, "gc_head", oid)
    assert told and "异议不成立" in told[-1]["subject"] and "报送时间晚于通知要求" in told[-1]["body"]
    # an upheld adjustment takes the points the office decides (here −1 of −2)
    r = it.c("gc_head").post(f"/api/v1/scorecards/{card}/objections",
                             {"adjustment_id": adj["gc-jt"][1], "reason": "只迟报一天"})
    assert r.status == 201, r
    r = it.c("gc_office").post(f"/api/v1/objections/{r.json['id']}/actions/uphold",
                               {"reason": "迟报属实但情节较轻，减半扣分", "points": -1})
    assert r.status == 200 and r.json["points_after"] == -1, r
    assert detail(it, card, "gc-jt")["total"] == before["total"] + 1


def test_refusals_name_the_member(it):
    card, adj = card_with_adjustments(it, this_year(it) - 4)
    post = f"/api/v1/scorecards/{card}/objections"
    jt, zj = adj["gc-jt"][0], adj["gc-zj"][0]
    body = {"adjustment_id": jt, "reason": "依据不足"}
    # wrong role: the contact, the office, the principal (the route needs the head's item_sign)
    for user in ("gc_contact", "gc_office", "gc_principal", "gc_admin"):
        assert it.c(user).post(post, body).status == 403, user
    # another unit's line: 403 naming it; another county's head: the card is out of sight
    r = it.c("gc_head").post(post, {"adjustment_id": zj, "reason": "依据不足"})
    assert r.status == 403 and r.error["field"] == "adjustment_id", r
    r = it.c("ap_head").post(post, body)
    assert r.status == 404, r
    # not on this card; neither or both members; no reason
    r = it.c("gc_head").post(post, {"line_id": 99999999, "reason": "依据不足"})
    assert r.status == 422 and r.error["field"] == "line_id", r
    r = it.c("gc_head").post(post, {"reason": "依据不足"})
    assert r.status == 422 and r.error["field"] == "line_id", r
    r = it.c("gc_head").post(post, {"line_id": 1, "adjustment_id": jt, "reason": "依据不足"})
    assert r.status == 422 and r.error["field"] == "adjustment_id", r
    r = it.c("gc_head").post(post, {"adjustment_id": jt})
    assert r.status == 422 and r.error["field"] == "reason", r
    r = it.c("gc_head").post(post, {"adjustment_id": jt, "reason": "   "})
    assert r.status == 422 and r.error["field"] == "reason", r
    # nothing was recorded by the refusals
    assert it.c("gc_office").get(f"/api/v1/objections?scorecard_id={card}").json["total"] == 0
    # a draft card: the unit cannot see it
    year = this_year(it) - 5
    r = it.c("gc_office").post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    assert it.c("gc_head").post(f"/api/v1/scorecards/{r.json['id']}/objections", body).status == 404
    # once raised: the unit and its government see it; another unit and another county do not
    r = it.c("gc_head").post(post, body)
    assert r.status == 201, r
    oid = r.json["id"]
    for user in ("gc_head", "gc_contact", "gc_office", "gc_principal"):
        assert it.c(user).get(f"/api/v1/objections/{oid}").status == 200, user
    for user in ("gc_head2", "ap_office", "ap_head"):
        assert it.c(user).get(f"/api/v1/objections/{oid}").status == 404, user
        assert oid not in [o["id"] for o in it.c(user).get("/api/v1/objections").json["objections"]], user
    # the unit cannot decide its own objection; another county's office cannot either
    assert it.c("gc_head").post(f"/api/v1/objections/{oid}/actions/uphold", {"reason": "x"}).status == 403
    assert it.c("ap_office").post(f"/api/v1/objections/{oid}/actions/uphold", {"reason": "x"}).status == 404
    r = it.c("gc_office").get("/api/v1/objections?state=nope")
    assert r.status == 422 and r.error["field"] == "state", r
    assert [o["id"] for o in it.c("gc_office").get("/api/v1/objections?state=pending").json["objections"]
            if o["id"] == oid] == [oid]


def test_after_the_period_is_refused(it):
    """The year's table sets 1 working day; twenty days later (the test clock) the period is over."""
    card, adj = card_with_adjustments(it, this_year(it) - 6, per_unit=1, units=("gc-jt",), days=1)
    c = it.c("gc_office").get(f"/api/v1/scorecards/{card}").json
    assert c["objection_open"] is True
    admin = it.c("admin")
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    later = datetime.datetime.fromtimestamp(run_now(), datetime.timezone.utc) + datetime.timedelta(days=20)
    assert admin.put("/api/v1/admin/clock", {"now": later.strftime(fmt)}).status == 200
    try:
        it.clients.clear()  # the sessions signed in before look idle twenty days later
        assert it.c("gc_office").get(f"/api/v1/scorecards/{card}").json["objection_open"] is False
        assert detail(it, card, "gc-jt", "gc_head")["may_object"] is False
        r = it.c("gc_head").post(f"/api/v1/scorecards/{card}/objections",
                                 {"adjustment_id": adj["gc-jt"][0], "reason": "依据不足"})
        assert r.status == 409 and r.error["field"] == "adjustment_id", r
        assert c["objection_until"] in r.error["message"], r
    finally:
        it.clients.clear()
        now = datetime.datetime.fromtimestamp(run_now(), datetime.timezone.utc)
        assert it.c("admin").put("/api/v1/admin/clock", {"now": now.strftime(fmt)}).status == 200
        it.clients.clear()


def test_objection_period_on_the_rule_table(it):
    year = this_year(it) - 7
    c = it.c("gc_office")
    assert c.get(f"/api/v1/scoring/rules?year={year}").json["objection_days"] == 5
    for bad in (0, 31):
        r = c.put("/api/v1/scoring/rules", {"year": year, "objection_days": bad})
        assert r.status == 422 and r.error["field"] == "objection_days", r
    r = c.put("/api/v1/scoring/rules", {"year": year, "objection_days": 10})
    assert r.status == 200 and r.json["objection_days"] == 10, r
    assert c.get(f"/api/v1/scoring/rules?year={year}").json["objection_days"] == 10


def test_the_lists_page_and_count_every_row(it):
    """The lists of objections and of cards stopped at 200 and 100 rows and called what they showed the total: now
    each pages (page, per_page) and total counts every row the user may see; the pages together are every row once,
    newest first."""
    card, adj = card_with_adjustments(it, this_year(it) - 8, per_unit=3, units=("gc-jt",))
    mine = []
    for a in adj["gc-jt"]:
        r = it.c("gc_head").post(f"/api/v1/scorecards/{card}/objections", {"adjustment_id": a, "reason": "已按时报送"})
        assert r.status == 201, r
        mine.append(r.json["id"])
    for user in ("gc_office", "gc_head"):
        c = it.c(user)
        pages = [c.get(f"/api/v1/objections?scorecard_id={card}&per_page=2&page={p}") for p in (1, 2, 3)]
        assert all(r.status == 200 for r in pages), pages
        assert [len(r.json["objections"]) for r in pages] == [2, 1, 0], user
        assert {(r.json["total"], r.json["page"], r.json["per_page"]) for r in pages} == {(3, 1, 2), (3, 2, 2), (3, 3, 2)}
        assert [o["id"] for r in pages for o in r.json["objections"]] == sorted(mine, reverse=True), user
        whole = c.get(f"/api/v1/objections?scorecard_id={card}").json
        assert whole["total"] == 3 and whole["per_page"] == 50 and len(whole["objections"]) == 3
    # another county's office sees none of them
    assert it.c("ap_office").get(f"/api/v1/objections?scorecard_id={card}").json["total"] == 0
    for q in ("per_page=0", "per_page=201", "page=0"):
        assert it.c("gc_office").get(f"/api/v1/objections?{q}").status == 400, q
    # the cards: every one the office may see, a page at a time
    o = it.c("gc_office")
    total = o.get("/api/v1/scorecards?per_page=1").json["total"]
    assert total >= 2
    ids = [o.get(f"/api/v1/scorecards?per_page=1&page={p}").json["scorecards"][0]["id"] for p in range(1, total + 1)]
    assert ids == sorted(set(ids), reverse=True) and card in ids
    assert o.get(f"/api/v1/scorecards?per_page=1&page={total + 1}").json["scorecards"] == []
    assert {x["id"] for x in o.get("/api/v1/scorecards?per_page=200").json["scorecards"]} == set(ids)
    for q in ("per_page=0", "per_page=201", "page=0"):
        assert o.get(f"/api/v1/scorecards?{q}").status == 400, q
