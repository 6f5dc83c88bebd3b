"""Year-end target-responsibility scoring (目标责任考评, issue 12): the government's rule table (points, switches,
weights; the measures the 2024 rules forbid off by default and flagged when switched on, audited), the scorecard
drawn from the data with every point traced to its item or record (on time, late, overdue, returned, pressed,
criticised; a tolerance decision waiving the deductions of the item it covers), the office's adjustments with
reasons, the principal leader's approval, the issue to the units (each sees only its own card, and only once
issued), the XLSX; and the refusals (wrong role, other county, unit before issue, bad input naming the field)."""
import io
import re

import openpyxl
import pytest

from cluelib import png
from itemlib import PATH, Items, day
from workflow_drivers import result_body


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def year_of(it):
    r = it.c("gc_office").get("/api/v1/scoring/rules")
    assert r.status == 200, r
    return r.json["year"]


def issued_result(it, kind, item_id, unit="gc-jt"):
    r = it.c("gc_office").post("/api/v1/results", result_body(it, kind, item_id, unit_id=it.unit(unit)))
    assert r.status == 201, r
    rid = r.json["id"]
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        r = it.c(user).post(f"/api/v1/results/{rid}/actions/{action}", {})
        assert r.status == 200, (action, r)
    return r.json


def complete(it, iid, grade="良好"):
    for user, action, body in (("gc_contact", "request_completion", {"text": "已按要求办结"}),
                               ("gc_head", "sign", {}), ("gc_office", "verify", {"grade": grade})):
        it.act(iid, user, action, body)


@pytest.fixture(scope="module")
def world(it):
    """Items of 交通运输局 with known outcomes this year, and the records about them. The demo's scorecard of
    this year (a draft) is withdrawn first: the tests draw their own."""
    year = year_of(it)
    for card in it.c("gc_office").get(f"/api/v1/scorecards?year={year}").json["scorecards"]:
        if card["state"] == "draft":
            r = it.c("gc_office").post(f"/api/v1/scorecards/{card['id']}/actions/withdraw", {"reason": "测试重新计算"})
            assert r.status == 200, r
    w = {}
    w["on_time"] = it.bring("completed", title="考评：按期办结的事项")["id"]            # +2, 良好 +1
    w["major"] = it.bring("completed", title="考评：按期办结的重大事项", importance="major")["id"]  # +2×1.5, +1×1.5
    with it.days_ago(20):
        late = it.create(title="考评：逾期办结的事项", due_date=day(-10))
        overdue = it.create(title="考评：逾期未办结的事项", due_date=day(-10))
        tolerated = it.create(title="考评：逾期但经容错认定的事项", due_date=day(-10))
        for iid in (late["id"], overdue["id"], tolerated["id"]):
            for s in ("submitted", "deputy_approved", "approved", "assigned", "received", "in_progress"):
                for user, action, body in PATH[s]:
                    it.act(iid, user, action, body)
    w["late"], w["overdue"], w["tolerated"] = late["id"], overdue["id"], tolerated["id"]
    complete(it, w["late"], grade="合格")                                                # late −1, 合格 0
    # returned once, then completed on time: returned −1, on time +2, 优秀 +3
    ret = it.bring("completion_signed", title="考评：办结答复被退回的事项")["id"]
    it.act(ret, "gc_office", "return", {"reason": "佐证材料不全"})
    complete(it, ret, grade="优秀")
    w["returned"] = ret
    # pressed twice by the office (the unit is pressed: −1 each)
    pressed = it.bring("in_progress", title="考评：被催办的事项")["id"]
    it.act(pressed, "gc_office", "press", {"text": "请于本周五前报送进展"})
    it.act(pressed, "gc_office", "press", {"text": "请抓紧推进"})
    w["pressed"] = pressed
    w["criticism"] = issued_result(it, "criticism", overdue["id"])["id"]                  # −5
    w["tolerance"] = issued_result(it, "tolerance", tolerated["id"])                      # waives −3
    return w


def lines_for(unit_card, item_id=None, result_id=None):
    return sorted((ln["rule"], ln["points"], ln["rule_points"]) for ln in unit_card["lines"]
                  if (item_id and ln["item_id"] == item_id) or (result_id and ln["result_id"] == result_id))


def test_rules_default_and_forbidden_flagged(it):
    year = year_of(it)
    r = it.c("gc_principal").get(f"/api/v1/scoring/rules?year={year}")
    assert r.status == 200, r
    rules = {x["code"]: x for x in r.json["rules"]}
    assert r.json["base"] == 100 and r.json["weight_major"] == 150 and r.json["warnings"] == []
    for code in ("endorsement", "photos", "articles", "meetings", "documents"):
        assert rules[code]["forbidden"] and not rules[code]["enabled"] and rules[code]["flag"] is None, code
    for code in ("on_time", "late", "overdue", "returned", "pressed", "criticised", "grade:优秀"):
        assert rules[code]["enabled"] and not rules[code]["forbidden"], code
    assert rules["overdue"]["points"] < 0 < rules["on_time"]["points"]
    # only the office and the principal leader read them; only the office changes them
    for u in ("gc_contact", "gc_head", "gc_leader", "gc_director"):
        assert it.c(u).get("/api/v1/scoring/rules").status == 403, u
    r = it.c("gc_principal").put("/api/v1/scoring/rules", {"year": year, "rules": [{"code": "pressed", "points": -2}]})
    assert r.status == 403, r


def test_rule_edits_are_checked_and_audited(it):
    year = year_of(it) - 5
    c = it.c("gc_office")
    for body, field, words in [
            ({"year": year, "rules": [{"code": "nope", "points": 1}]}, "rules", "没有代码为“nope”的细则"),
            ({"year": year, "rules": [{"code": "overdue", "points": -500}]}, "rules", "分值"),
            ({"year": year, "weight_major": 50}, "weight_major", "重大事项权重"),
            ({"year": 1800}, "year", "考评年度"),
            ({"rules": []}, "year", "考评年度")]:
        r = c.put("/api/v1/scoring/rules", body)
        assert r.status == 422 and r.error.get("field") == field and words in r.error["message"], (body, r)
    assert c.get(f"/api/v1/scoring/rules?year={year}").json["saved"] is False
    # switching a forbidden measure on: flagged in the answer, audited apart
    r = c.put("/api/v1/scoring/rules", {"year": year, "base": 90, "rules": [
        {"code": "meetings", "enabled": True, "points": 2}, {"code": "pressed", "points": -2}]})
    assert r.status == 200, r
    rules = {x["code"]: x for x in r.json["rules"]}
    assert r.json["saved"] and r.json["base"] == 90 and rules["pressed"]["points"] == -2
    assert rules["meetings"]["enabled"] and "不得作为工作考核依据" in rules["meetings"]["flag"]
    assert len(r.json["warnings"]) == 1 and "召开会议" in r.json["warnings"][0]
    audit = c.get("/api/v1/audit?limit=50").json["records"]
    acts = [a["action"] for a in audit]
    assert "scoring.rules" in acts and "scoring.forbidden_on" in acts, acts
    # the other county's office has its own table
    other = it.c("ap_office").get(f"/api/v1/scoring/rules?year={year}").json
    assert other["saved"] is False and other["base"] == 100


def test_the_scorecard_traces_every_point(it, world):
    year = year_of(it)
    c = it.c("gc_office")
    r = c.post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    card = r.json
    assert card["state"] == "draft" and card["year"] == year and not card["own_only"]
    units = {u["code"]: u for u in card["units"]}
    assert "gc-jt" in units and "gc-zj" in units
    jt = c.get(f"/api/v1/scorecards/{card['id']}/units/{units['gc-jt']['unit_id']}").json

    assert lines_for(jt, world["on_time"]) == [("grade:良好", 1, 1), ("on_time", 2, 2)]
    assert lines_for(jt, world["major"]) == [("grade:良好", 1.5, 1.5), ("on_time", 3, 3)]
    assert lines_for(jt, world["late"]) == [("grade:合格", 0, 0), ("late", -1, -1)]
    assert lines_for(jt, world["overdue"]) == [("overdue", -3, -3)]
    assert lines_for(jt, world["returned"]) == [("grade:优秀", 3, 3), ("on_time", 2, 2), ("returned", -1, -1)]
    assert lines_for(jt, world["pressed"]) == [("pressed", -1, -1), ("pressed", -1, -1)]
    assert lines_for(jt, result_id=world["criticism"]) == [("criticised", -5, -5)]
    # the tolerated failure costs nothing, and the line says why
    tol = [ln for ln in jt["lines"] if ln["item_id"] == world["tolerated"]]
    assert [(ln["rule"], ln["points"], ln["rule_points"]) for ln in tol] == [("overdue", 0, -3)]
    assert tol[0]["waived_by"]["id"] == world["tolerance"]["id"]
    assert world["tolerance"]["number"] in tol[0]["note"] and "容错" in tol[0]["note"]
    # every line names its item: number and title
    line = next(ln for ln in jt["lines"] if ln["item_id"] == world["overdue"])
    assert "考评：逾期未办结的事项" in line["what"] and line["ref"].startswith("古督")
    # its dates in words, as the card's own (it read "期限 2026-12-01" beside 2026年12月1日)
    assert re.search(r"（期限\d{4}年\d{1,2}月\d{1,2}日，截至\d{4}年\d{1,2}月\d{1,2}日未办结）$", line["what"]), line["what"]
    done = next(ln for ln in jt["lines"] if ln["item_id"] == world["on_time"] and ln["rule"] == "on_time")
    assert re.search(r"（期限\d{4}年\d{1,2}月\d{1,2}日，\d{4}年\d{1,2}月\d{1,2}日办结）$", done["what"]), done["what"]
    # the drill-down sums to the total
    assert jt["base"] == 100
    assert round(jt["base"] + sum(ln["points"] for ln in jt["lines"]), 1) == jt["computed"] == jt["total"]
    assert jt["lines_sum"] == round(jt["total"] - jt["base"], 1)
    by_rule = {g["rule"]: g for g in jt["by_rule"]}
    assert by_rule["pressed"]["count"] >= 2 and by_rule["overdue"]["waived"] >= 1
    # ranks: equal totals share a rank; the list is in rank order
    totals = [u["total"] for u in card["units"]]
    assert totals == sorted(totals, reverse=True) and card["units"][0]["rank"] == 1
    assert_ranks(card["units"])
    world["card"] = card["id"]
    world["jt"] = units["gc-jt"]["unit_id"]
    world["zj"] = units["gc-zj"]["unit_id"]


def assert_ranks(units):
    """The ranking overall and per kind of unit (部门, 乡镇: kind_rank), as competition ranks (equal totals share a
    rank): each unit's rank is one more than the units with a higher total, its kind_rank one more than those of
    its own kind with a higher total. The card has both kinds, so the two rankings differ."""
    kinds = {u["kind"] for u in units}
    assert {"department", "township"} <= kinds, kinds
    for u in units:
        assert u["rank"] == 1 + sum(v["total"] > u["total"] for v in units), u
        assert u["kind_rank"] == 1 + sum(v["total"] > u["total"] and v["kind"] == u["kind"] for v in units), u
    for k in kinds:
        mine = [u for u in units if u["kind"] == k]
        assert min(u["kind_rank"] for u in mine) == 1, (k, mine)
    assert any(u["kind_rank"] != u["rank"] for u in units), units


def test_adjustments_review_and_issue(it, world):
    oid, jt, zj = world["card"], world["jt"], world["zj"]
    c = it.c("gc_office")
    base = c.get(f"/api/v1/scorecards/{oid}/units/{jt}").json
    # bad input names the field
    for body, field in [({"unit_id": jt, "points": 2}, "reason"), ({"unit_id": jt, "reason": "x"}, "points"),
                        ({"unit_id": jt, "points": 0, "reason": "x"}, "points"),
                        ({"unit_id": 999999, "points": 1, "reason": "x"}, "unit_id"),
                        ({"unit_id": jt, "rule": "meetings", "count": 2, "reason": "x"}, "rule"),
                        ({"unit_id": jt, "rule": "overdue", "count": 2, "reason": "x"}, "rule"),
                        ({"unit_id": jt, "points": 500, "reason": "x"}, "points")]:
        r = c.post(f"/api/v1/scorecards/{oid}/adjustments", body)
        assert r.status == 422 and r.error.get("field") == field, (body, r)
    # wrong roles, other county
    for u in ("gc_principal", "gc_leader", "gc_contact", "ap_office"):
        r = it.c(u).post(f"/api/v1/scorecards/{oid}/adjustments", {"unit_id": jt, "points": 1, "reason": "x"})
        assert r.status in (403, 404), (u, r)
        if u == "ap_office":
            assert r.status == 404
    r = c.post(f"/api/v1/scorecards/{oid}/adjustments", {"unit_id": jt, "points": 2, "reason": "主动承担急难任务"})
    assert r.status == 201, r
    adj = r.json
    assert adj["total"] == base["total"] + 2 and adj["adjusted"] == 2
    assert adj["adjustments"][-1]["reason"] == "主动承担急难任务" and adj["adjustments"][-1]["by"]
    assert round(adj["base"] + adj["lines_sum"] + adj["adjustments_sum"], 1) == adj["total"]
    # an adjustment ranks the card again, overall and per kind; the unit's detail says the same ranks
    card = c.get(f"/api/v1/scorecards/{oid}").json
    assert_ranks(card["units"])
    row = next(u for u in card["units"] if u["unit_id"] == jt)
    assert (adj["rank"], adj["kind_rank"]) == (row["rank"], row["kind_rank"]), (adj, row)

    # the units see nothing before the issue
    for u in ("gc_contact", "gc_head", "gc_head2"):
        assert it.c(u).get(f"/api/v1/scorecards/{oid}").status == 404, u
        assert it.c(u).get(f"/api/v1/scorecards/{oid}/units/{jt}").status == 404, u
        assert oid not in {x["id"] for x in it.c(u).get("/api/v1/scorecards").json["scorecards"]}
    assert it.c("ap_office").get(f"/api/v1/scorecards/{oid}").status == 404

    r = c.post(f"/api/v1/scorecards/{oid}/actions/submit", {})
    assert r.status == 200 and r.json["state"] == "pending", r
    assert c.post(f"/api/v1/scorecards/{oid}/adjustments", {"unit_id": jt, "points": 1, "reason": "x"}).status == 409
    for u in ("gc_office", "gc_director", "gc_leader"):
        assert it.c(u).post(f"/api/v1/scorecards/{oid}/actions/approve", {}).status == 403, u
    todo = it.c("gc_principal").get("/api/v1/todos?kind=scorecard&limit=200").json["todos"]
    assert [t["label"] for t in todo if t["object_id"] == oid] == ["考评结果待主要领导审定"]
    r = it.c("gc_principal").post(f"/api/v1/scorecards/{oid}/actions/approve", {})
    assert r.status == 200 and r.json["state"] == "approved", r
    r = c.post(f"/api/v1/scorecards/{oid}/actions/issue", {})
    assert r.status == 200 and r.json["state"] == "issued" and r.json["issued_at"], r

    # each unit now sees its own row only, and its head was told the score
    mine = it.c("gc_contact").get(f"/api/v1/scorecards/{oid}").json
    assert mine["own_only"] and [u["code"] for u in mine["units"]] == ["gc-jt"] and mine["allowed_actions"] == []
    assert mine["units"][0]["total"] == adj["total"]
    assert it.c("gc_contact").get(f"/api/v1/scorecards/{oid}/units/{jt}").json["total"] == adj["total"]
    assert it.c("gc_contact").get(f"/api/v1/scorecards/{oid}/units/{zj}").status == 404
    assert it.c("gc_contact2").get(f"/api/v1/scorecards/{oid}/units/{jt}").status == 404
    assert it.c("gc_contact").get(f"/api/v1/scorecards/{oid}/events").status == 404
    assert it.c("ap_contact").get(f"/api/v1/scorecards/{oid}").status == 404
    # the list is a page of summaries: no card's units nor rules, the number of units the reader sees on it
    whole = c.get(f"/api/v1/scorecards/{oid}").json
    assert len(whole["units"]) > 1
    for u, n, own in (("gc_office", len(whole["units"]), False), ("gc_contact", 1, True)):
        row = next(x for x in it.c(u).get("/api/v1/scorecards?per_page=200").json["scorecards"] if x["id"] == oid)
        assert "units" not in row and "rules" not in row and "allowed_actions" not in row, (u, sorted(row))
        assert (row["unit_count"], row["own_only"]) == (n, own), (u, row)
        assert (row["title"], row["state"], row["number"]) == (whole["title"], "issued", whole["number"]), (u, row)
    msgs = [m for m in it.c("gc_head").get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_type"] == "scorecard" and m["object_id"] == oid]
    assert len(msgs) == 1 and f"{adj['total']:.1f} 分" in msgs[0]["body"], msgs
    # the unit's own card as XLSX: its rows only
    r = it.c("gc_contact").get(f"/api/v1/scorecards/{oid}/export.xlsx")
    assert r.status == 200, r
    wb = openpyxl.load_workbook(io.BytesIO(r.raw))
    names = [row[2] for row in wb["考评得分"].iter_rows(min_row=3, values_only=True)]
    assert names == [mine["units"][0]["name"]]


def test_the_xlsx_for_the_organisation_department(it, world):
    oid = world["card"]
    r = it.c("gc_office").get(f"/api/v1/scorecards/{oid}/export.xlsx")
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats"), r
    wb = openpyxl.load_workbook(io.BytesIO(r.raw))
    assert wb.sheetnames == ["考评得分", "得分明细", "调整记录", "考评细则"]
    card = it.c("gc_office").get(f"/api/v1/scorecards/{oid}").json
    rows = list(wb["考评得分"].iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[9]) for r in rows] == [(u["name"], u["total"]) for u in card["units"]]
    detail = list(wb["得分明细"].iter_rows(min_row=3, values_only=True))
    tol = [r for r in detail if r[5] and "考评：逾期但经容错认定的事项" in r[5]]
    assert tol and tol[0][2] == 0 and tol[0][3] == -3 and "容错" in tol[0][7]
    assert any(r[4] == "主动承担急难任务" for r in wb["调整记录"].iter_rows(min_row=3, values_only=True))


def test_refusals(it, world):
    year = year_of(it)
    c = it.c("gc_office")
    # one card per government and year; a year not begun; bad input names the field
    r = c.post("/api/v1/scorecards", {"year": year})
    card = next(x for x in c.get("/api/v1/scorecards").json["scorecards"] if x["year"] == year)
    # what to do with the year's card depends on where it stands: an issued one is neither edited nor withdrawn
    want = "已下发" if card["state"] == "issued" else f"已在办理（第 {card['id']} 号，{card['state_label']}）"
    assert r.status == 409 and want in r.error["message"], (card["state"], r)
    issued = next(x for x in c.get("/api/v1/scorecards").json["scorecards"] if x["state"] == "issued")  # the demo's
    r = c.post("/api/v1/scorecards", {"year": issued["year"]})
    assert r.status == 409 and f"已下发（{issued['number']}）" in r.error["message"], r
    assert "撤销" not in r.error["message"] and "异议" in r.error["message"], r
    r = c.post("/api/v1/scorecards", {"year": year + 1})
    assert r.status == 422 and r.error["field"] == "year", r
    r = c.post("/api/v1/scorecards", {"year": "2026"})
    assert r.status == 422 and r.error["field"] == "year", r
    for u in ("gc_principal", "gc_contact", "gc_leader"):
        assert it.c(u).post("/api/v1/scorecards", {"year": year - 3}).status == 403, u
    # an issued card is not edited
    r = c.patch(f"/api/v1/scorecards/{world['card']}", {"refresh": True})
    assert r.status == 409, r
    assert c.get("/api/v1/scorecards/999999").status == 404


def ap_item(it, title, to="assigned"):
    """An item of 安平县 led by its transport bureau, taken to assigned (or completed)."""
    ap = it.c("ap_office")
    r = ap.post("/api/v1/items", {"title": title, "requirement": "按期完成", "source_kind": "meeting",
                                  "lead_unit_id": ap.unit_id("ap-jt"), "co_unit_ids": [], "due_date": day(30)})
    assert r.status == 201, r
    iid = r.json["id"]
    steps = [("ap_office", "submit", {}), ("ap_deputy", "approve", {}), ("ap_director", "approve", {}),
             ("ap_office", "assign", {})]
    if to == "completed":
        steps += [("ap_contact", "receive", {}), ("ap_contact", "report", {"text": "已完成", "percent": 90}),
                  ("ap_contact", "request_completion", {"text": "已办结"}), ("ap_head", "sign", {}),
                  ("ap_office", "verify", {"grade": "优秀"})]
    for user, action, body in steps:
        path = "reports" if action == "report" else f"actions/{action}"
        r = it.c(user).post(f"/api/v1/items/{iid}/{path}", body)
        assert r.status in (200, 201), (action, r)
    return iid


def test_a_forbidden_measure_switched_on_is_counted_and_flagged(it):
    """安平县 switches leaders' endorsements on for this year: its card counts an instruction on its transport
    bureau's item as a line marked forbidden, and carries the warning (then the draft is withdrawn and the
    measure switched off again)."""
    year = year_of(it)
    ap = it.c("ap_office")
    r = ap.put("/api/v1/scoring/rules", {"year": year, "rules": [{"code": "endorsement", "enabled": True}]})
    assert r.status == 200 and len(r.json["warnings"]) == 1, r
    iid = ap_item(it, "考评：获领导批示肯定的事项")
    r = ap.post(f"/api/v1/items/{iid}/instructions", {"leader_name": "李县长", "text": "工作扎实，予以肯定",
                                                      "instructed_on": day(0)})
    assert r.status == 201, r
    r = ap.post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    card = r.json
    assert len(card["warnings"]) == 1 and "领导批示肯定" in card["warnings"][0]
    assert next(x for x in card["rules"] if x["code"] == "endorsement")["flag"]
    jt = next(u for u in card["units"] if u["code"] == "ap-jt")
    detail = ap.get(f"/api/v1/scorecards/{card['id']}/units/{jt['unit_id']}").json
    lines = [ln for ln in detail["lines"] if ln["item_id"] == iid]
    assert [(ln["rule"], ln["points"], ln["forbidden"]) for ln in lines] == [("endorsement", 1, True)], lines
    assert "李县长批示" in lines[0]["what"]
    assert next(g for g in detail["by_rule"] if g["rule"] == "endorsement")["forbidden"]
    r = ap.post(f"/api/v1/scorecards/{card['id']}/actions/withdraw", {"reason": "细则调整后重新计算"})
    assert r.status == 200 and r.json["state"] == "withdrawn", r
    r = ap.put("/api/v1/scoring/rules", {"year": year, "rules": [{"code": "endorsement", "enabled": False}]})
    assert r.status == 200 and r.json["warnings"] == [], r


def test_photos_as_proof_are_off_by_default_and_flagged_when_switched_on(it):
    """Photos as proof (照片佐证), one of the measures the 2024 rules on formalism forbid: a photo attached to the
    transport bureau's progress report of an 安平县 item scores nothing while the measure is off (the default: no
    line, no warning); switched on, the switch is flagged and audited apart, and the card counts the photo as a
    line of its own marked forbidden, with the warning (then the draft is withdrawn and the measure switched off)."""
    year = year_of(it)
    ap = it.c("ap_office")
    iid = ap_item(it, "考评：进展报告附照片的事项")
    assert it.c("ap_contact").post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
    r = it.c("ap_contact").post(f"/api/v1/items/{iid}/reports", {"text": "路面已修复，照片附后", "percent": 40})
    assert r.status == 201, r
    photo = "修复后路面.png"
    r = it.c("ap_contact").post(f"/api/v1/items/{iid}/attachments?filename={photo}&report_id={r.json['report_id']}",
                                raw=png(), content_type="image/png")
    assert r.status == 201 and r.json["content_type"] == "image/png", r

    def photo_lines(card):
        jt = next(u for u in card["units"] if u["code"] == "ap-jt")
        detail = ap.get(f"/api/v1/scorecards/{card['id']}/units/{jt['unit_id']}").json
        return detail, [ln for ln in detail["lines"] if ln["item_id"] == iid and ln["rule"] == "photos"]

    # off by default: no line for the photo, no warning
    rules = {x["code"]: x for x in ap.get(f"/api/v1/scoring/rules?year={year}").json["rules"]}
    assert rules["photos"]["forbidden"] and not rules["photos"]["enabled"] and rules["photos"]["flag"] is None
    r = ap.post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    card = r.json
    assert card["warnings"] == [] and photo_lines(card)[1] == []
    assert ap.post(f"/api/v1/scorecards/{card['id']}/actions/withdraw", {"reason": "启用照片佐证"}).status == 200
    # switched on: flagged in the answer and audited apart
    r = ap.put("/api/v1/scoring/rules", {"year": year, "rules": [{"code": "photos", "enabled": True}]})
    assert r.status == 200, r
    rules = {x["code"]: x for x in r.json["rules"]}
    assert rules["photos"]["enabled"] and "不得作为工作考核依据" in rules["photos"]["flag"]
    assert len(r.json["warnings"]) == 1 and "照片佐证" in r.json["warnings"][0], r.json["warnings"]
    audit = [a for a in ap.get("/api/v1/audit?limit=50").json["records"] if a["action"] == "scoring.forbidden_on"]
    assert audit and "photos" in str(audit[0]), audit[:1]
    # counted: the photo is a line of its own, marked forbidden, and the card says why
    r = ap.post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    card = r.json
    assert len(card["warnings"]) == 1 and "照片佐证" in card["warnings"][0]
    assert next(x for x in card["rules"] if x["code"] == "photos")["flag"]
    detail, lines = photo_lines(card)
    assert [(ln["points"], ln["forbidden"]) for ln in lines] == [(1, True)], lines
    assert photo in lines[0]["what"]
    assert next(g for g in detail["by_rule"] if g["rule"] == "photos")["forbidden"]
    assert ap.post(f"/api/v1/scorecards/{card['id']}/actions/withdraw", {"reason": "照片佐证不作考评依据"}).status == 200
    r = ap.put("/api/v1/scoring/rules", {"year": year, "rules": [{"code": "photos", "enabled": False}]})
    assert r.status == 200 and r.json["warnings"] == [], r


def test_a_changed_figure_refuses_the_submission(it):
    """Counted again at submission: an item of 安平县 completed after its office drew the draft changes a
    unit's score, and the office is told which unit until it counts again."""
    year = year_of(it)
    ap = it.c("ap_office")
    r = ap.post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    oid = r.json["id"]
    ap_item(it, "考评核对：安平县交通事项", to="completed")
    r = ap.post(f"/api/v1/scorecards/{oid}/actions/submit", {})
    assert r.status == 409 and "考评数据已变化" in r.error["message"] and "交通运输局" in r.error["message"], r
    assert ap.get(f"/api/v1/scorecards/{oid}").json["state"] == "draft"
    r = ap.patch(f"/api/v1/scorecards/{oid}", {"refresh": True})
    assert r.status == 200, r
    r = ap.post(f"/api/v1/scorecards/{oid}/actions/submit", {})
    assert r.status == 200 and r.json["state"] == "pending", r
    assert it.c("gc_office").get(f"/api/v1/scorecards/{oid}").status == 404  # another county's card
