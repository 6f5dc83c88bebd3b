"""Grassroots contact points (基层联系点, issue 18; Gu County 003 三(三), Jiangsu 004 (四)): the office designates a
unit, its own liaison officer and head report through it (each report a clue of source contact_point, handed to
the office with its to-do and message), the office follows every report and the point's people only their own, in
the tracking page's words; the office changes and ends a point, each change audited and told to the point.
Refusals: wrong role, a unit of the office's that is not the point, another county, an ended point, a stale
version, bad input; and secrecy: a unit that verifies a point's report learns neither the point nor that a point
sent it."""
import subprocess

import pytest

from cluelib import Clues
from conftest import PASSWORD
from itemlib import day


@pytest.fixture(scope="module")
def cl(server):
    return Clues(server)


def points(cl, user, **params):
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = cl.c(user).get("/api/v1/contact-points" + ("?" + qs if qs else ""))
    assert r.status == 200, (user, r)
    return r.json


def designate(cl, code, user="gc_office", expect=201, **kw):
    body = {"unit_id": cl.unit(code), "focus": "惠企政策落实、基层减负", **kw}
    r = cl.c(user).post("/api/v1/contact-points", body)
    assert r.status == expect, (code, user, r)
    return r.json if expect == 201 else r


def report(cl, pid, user, expect=201, **kw):
    body = {"category": "policy", "description": "联系点反映：辖区多家小微企业的稳岗返还资金申报半年仍未到账。", **kw}
    r = cl.c(user).post(f"/api/v1/contact-points/{pid}/reports", body)
    assert r.status == expect, (pid, user, r)
    return r.json if expect == 201 else r


def reports(cl, pid, user, **params):
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = cl.c(user).get(f"/api/v1/contact-points/{pid}/reports" + ("?" + qs if qs else ""))
    assert r.status == 200, (user, r)
    return r.json


def audit(cl, pid):
    r = cl.c("gc_office").get(f"/api/v1/audit?object_type=contact_point&object_id={pid}&limit=100")
    assert r.status == 200, r
    return [x["action"] for x in r.json["records"]]


def test_the_demo_points_of_the_county(cl):
    got = points(cl, "gc_office")["contact_points"]
    by_name = {p["name"]: p for p in got}
    town = by_name["城关镇基层联系点"]
    assert town["state"] == "active" and town["state_label"] == "联系中" and town["unit_name"].startswith("古城县城关镇")
    assert town["reports"] == {"total": 2, "open": 1} and town["note"] and town["can"] == {
        "edit": True, "end": True, "report": False, "visit": True}
    ended = by_name["岳阳镇基层联系点"]
    assert ended["state"] == "ended" and ended["end_reason"] and ended["ended_on"] and not ended["can"]["edit"]
    assert [p["name"] for p in points(cl, "gc_office", state="ended")["contact_points"]] == ["岳阳镇基层联系点"]
    # the point's liaison officer sees it (not the office's note), with her own reports; a leader reads it
    mine = points(cl, "gc_town")["contact_points"]
    assert [p["name"] for p in mine] == ["城关镇基层联系点"]
    assert mine[0]["note"] is None and mine[0]["can"] == {"edit": False, "end": False, "report": True, "visit": False}
    assert "城关镇基层联系点" in [p["name"] for p in points(cl, "gc_leader")["contact_points"]]
    # another unit of the county, and another county, see none of them
    assert points(cl, "gc_contact")["contact_points"] == []
    assert points(cl, "ap_office")["contact_points"] == []
    assert cl.c("ap_office").get(f"/api/v1/contact-points/{town['id']}").status == 404
    assert cl.c("gc_contact").get(f"/api/v1/contact-points/{town['id']}").status == 404


def test_a_report_reaches_the_office_which_follows_it_and_the_point_reads_its_progress(cl):
    point = designate(cl, "gc-sw", focus="水利工程建设、防汛安全")
    pid = point["id"]
    assert point["name"] == "古城县水利局基层联系点" and point["can"]["edit"] and point["started_on"] == day(0)
    assert "contact_point.create" in audit(cl, pid)
    # the point's people are told (gc_contact3: 水利局's liaison officer)
    msgs = cl.c("gc_contact3").get("/api/v1/inbox?limit=100").json["messages"]
    assert any(m["object_type"] == "contact_point" and m["object_id"] == pid for m in msgs)
    out = report(cl, pid, "gc_contact3", category="safety", title="北干渠堤防渗水", place="北干渠3号闸",
                 description="北干渠3号闸附近堤防连续三天出现渗水点，巡查人员已设置警示，需尽快组织专家研判。")
    assert out["number"].startswith("古线") and out["status"]
    # the office: a new clue of source contact_point in its queue, its to-do and its message
    office = cl.c("gc_office")
    found = office.get(f"/api/v1/clues?source=contact_point&q={out['number']}").json["clues"]
    assert [c["number"] for c in found] == [out["number"]]
    cid = found[0]["id"]
    clue = cl.get(cid)
    assert clue["source"] == "contact_point" and clue["source_label"] == "基层联系点反映"
    assert clue["contact_point"] == {"id": pid, "name": "古城县水利局基层联系点"} and clue["title"] == "北干渠堤防渗水"
    assert clue["summary_reviewed"] is False  # the point's words: the office confirms the summary before it hands it on
    assert any(t["object_id"] == cid for t in office.get("/api/v1/todos?kind=clue&limit=200").json["todos"])
    assert any(m["object_id"] == cid and "基层联系点" in m["body"]
               for m in office.get("/api/v1/inbox?limit=200").json["messages"])
    assert [c["id"] for c in office.get(f"/api/v1/clues?contact_point_id={pid}").json["clues"]] == [cid]
    # the office's list of the point's reports links the clue; the point reads its status, no clue
    rows = reports(cl, pid, "gc_office")["reports"]
    assert rows[0]["clue_id"] == cid and rows[0]["link"] == f"/clues/{cid}" and rows[0]["state"] == "received"
    own = reports(cl, pid, "gc_contact3")["reports"]
    assert own[0]["number"] == out["number"] and "clue_id" not in own[0] and own[0]["closed"] is False
    assert cl.c("gc_contact3").get(f"/api/v1/clues/{cid}").status == 404
    # closed with a reply: the point reads both
    cl.act(cid, "gc_office", "close", {"close_reason": "resolved", "reply": "县水利局已组织专家研判并完成堤防加固。"})
    own = reports(cl, pid, "gc_contact3")["reports"][0]
    assert own["closed"] is True and own["reply"] == "县水利局已组织专家研判并完成堤防加固。" and "问题已解决" in own["status"]
    got = cl.c("gc_office").get(f"/api/v1/contact-points/{pid}").json
    assert got["reports"] == {"total": 1, "open": 0}


def test_the_points_people_each_follow_their_own_reports(cl):
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    out = report(cl, town["id"], "gc_townhead", category="services",
                 description="镇便民服务中心社保窗口只有一人办理，群众反映每天上午排队两小时以上。")
    head = [r["number"] for r in reports(cl, town["id"], "gc_townhead")["reports"]]
    liaison = [r["number"] for r in reports(cl, town["id"], "gc_town")["reports"]]
    assert head == [out["number"]] and out["number"] not in liaison and len(liaison) == 2
    assert len(reports(cl, town["id"], "gc_office")["reports"]) == 3


def test_a_verifier_learns_neither_the_point_nor_that_one_sent_it(cl):
    point = designate(cl, "gc-t3", focus="义务教育、学生安全")
    out = report(cl, point["id"], "gc_office", expect=403)  # the office does not report for a point
    assert "联络员" in out.error["message"]
    assert report(cl, point["id"], "gc_leader", expect=403).status == 403
    # 北平镇 (gc-t3) has no user of its own in the demo: the administrator opens one, as for any new liaison officer
    r = cl.c("admin").post("/api/v1/users", {"username": "bp_contact", "name": "北平镇联络员", "unit_id": cl.unit("gc-t3"),
                                             "password": PASSWORD, "must_change_password": False,
                                             "roles": [{"role": "contact", "unit_id": cl.unit("gc-t3")}]})
    assert r.status == 201, r
    report(cl, point["id"], "bp_contact", category="livelihood",
           description="北平镇中心小学校车车况老旧，家长担心安全，盼县里统筹更新。")
    office = cl.c("gc_office")
    cid = office.get(f"/api/v1/clues?contact_point_id={point['id']}").json["clues"][0]["id"]
    summary = cl.get(cid)["summary"]
    cl.act(cid, "gc_office", "assign", {"unit_id": cl.unit("gc-jt"), "due_date": day(7), "request": "请核查校车车况",
                                        "summary": summary})
    seen = cl.get(cid, "gc_contact")
    assert seen["source"] == "staff" and "contact_point" not in seen and "联系点" not in str(seen)
    row = next(c for c in cl.c("gc_contact").get("/api/v1/clues?mine=1").json["clues"] if c["id"] == cid)
    assert row["source"] == "staff"
    events = cl.c("gc_contact").get(f"/api/v1/clues/{cid}/events").json
    assert "contact_point" not in str(events) and "联系点" not in str(events) and "bp_contact" not in str(events)
    # the office reads who sent it, through which point
    events = cl.c("gc_office").get(f"/api/v1/clues/{cid}/events").json["events"]
    assert events[0]["actor"] == "bp_contact" and events[0]["data"]["source"] == "contact_point"
    # and who it was, as for any named reporter: through the one audited route, the clue's own office alone
    assert cl.get(cid)["anonymous"] is False
    who = office.get(f"/api/v1/clues/{cid}/reporter")
    assert who.status == 200 and who.json == {"anonymous": False, "reporter": {"name": "北平镇联络员"}}, who
    assert cl.c("gc_contact").get(f"/api/v1/clues/{cid}/reporter").status == 403
    # nor can the verifier ask by point or by source
    for q in (f"contact_point_id={point['id']}", "source=contact_point"):
        r = cl.c("gc_contact").get(f"/api/v1/clues?{q}")
        assert r.status == 403 and "督查室" in r.error["message"], (q, r)


def test_which_clues_came_through_a_point_is_the_offices_alone(cl):
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    pid = town["id"]
    mine = [r["clue_id"] for r in reports(cl, pid, "gc_office", limit=200)["reports"]]
    assert mine and town["reports"]["total"] == len(mine)
    # the leaders read the point and its research reports, not its reports: no count, the list refused
    for user in ("gc_principal", "gc_leader", "gc_director"):
        got = cl.c(user).get(f"/api/v1/contact-points/{pid}")
        assert got.status == 200 and got.json["reports"] is None, (user, got)
        assert all(p["reports"] is None for p in points(cl, user)["contact_points"]), user
        r = cl.c(user).get(f"/api/v1/contact-points/{pid}/reports")
        assert r.status == 403 and "督查室" in r.error["message"], (user, r)
        # the point's clues read as the office's own records (source staff) to them, and the filter agrees
        listed = {c["id"]: c["source"] for c in cl.c(user).get("/api/v1/clues?per_page=200").json["clues"]}
        assert any(i in listed for i in mine) and all(listed[i] == "staff" for i in mine if i in listed), user
        staff = [c["id"] for c in cl.c(user).get("/api/v1/clues?source=staff&per_page=200").json["clues"]]
        assert set(i for i in mine if i in listed) <= set(staff), (user, staff)
    # the office tells them apart
    office = cl.c("gc_office")
    staff = [c["id"] for c in office.get("/api/v1/clues?source=staff&per_page=200").json["clues"]]
    assert not set(mine) & set(staff)
    via = [c["id"] for c in office.get("/api/v1/clues?source=contact_point&per_page=200").json["clues"]]
    assert set(mine) <= set(via)


def test_change_and_end_then_no_more_reports(cl):
    point = designate(cl, "gc-zj", focus="老旧小区改造", note="季度走访")
    pid = point["id"]
    office = cl.c("gc_office")
    r = office.patch(f"/api/v1/contact-points/{pid}", {"version": point["version"], "focus": "老旧小区改造、燃气安全"})
    assert r.status == 200 and r.json["focus"] == "老旧小区改造、燃气安全" and r.json["version"] == 2, r
    r = office.patch(f"/api/v1/contact-points/{pid}", {"version": 1, "name": "旧版本"})
    assert r.status == 409 and "刷新" in r.error["message"], r
    r = office.post(f"/api/v1/contact-points/{pid}/end", {"version": 2})
    assert r.status == 422 and r.error["field"] == "reason", r
    r = office.post(f"/api/v1/contact-points/{pid}/end", {"version": 2, "reason": "联系期满"})
    assert r.status == 200 and r.json["state"] == "ended" and r.json["ended_on"] == day(0), r
    assert r.json["end_reason"] == "联系期满" and not r.json["can"]["report"]
    assert audit(cl, pid)[:3] == ["contact_point.end", "contact_point.update", "contact_point.create"] or {
        "contact_point.end", "contact_point.update", "contact_point.create"} <= set(audit(cl, pid))
    msgs = cl.c("gc_contact2").get("/api/v1/inbox?limit=100").json["messages"]
    assert any(m["object_id"] == pid and "撤销" in m["subject"] for m in msgs)
    r = report(cl, pid, "gc_contact2", expect=409)
    assert "撤销" in r.error["message"]
    r = office.post(f"/api/v1/contact-points/{pid}/end", {"version": 3, "reason": "再次"})
    assert r.status == 409, r
    r = office.patch(f"/api/v1/contact-points/{pid}", {"version": 3, "focus": "x"})
    assert r.status == 409, r
    # ended, the unit may be designated again
    again = designate(cl, "gc-zj", focus="城市更新")
    assert again["id"] != pid and again["state"] == "active"
    r = designate(cl, "gc-zj", expect=409)
    assert r.error["field"] == "unit_id" and "已是基层联系点" in r.error["message"]


def test_refusals_change_nothing(cl):
    before = len(points(cl, "gc_office", limit=200)["contact_points"])
    # wrong role, another county, the government itself, an unknown unit, bad fields
    assert designate(cl, "gc-t4", user="gc_contact", expect=403).status == 403
    assert designate(cl, "gc-t4", user="gc_leader", expect=403).status == 403
    r = designate(cl, "gc-t4", user="ap_office", expect=422)
    assert r.error["field"] == "unit_id"
    r = designate(cl, "gc", expect=422)
    assert r.error["field"] == "unit_id" and "政府本身" in r.error["message"]
    # nor the county's supervision office, nor a body outside the government (the evaluation centre)
    for code in ("gc-dcs", "gc-pg"):
        r = designate(cl, code, expect=422)
        assert r.error["field"] == "unit_id" and "部门" in r.error["message"], (code, r)
    r = cl.c("gc_office").post("/api/v1/contact-points", {"unit_id": 99999999, "focus": "x"})
    assert r.status == 422 and r.error["field"] == "unit_id", r
    r = cl.c("gc_office").post("/api/v1/contact-points", {"unit_id": cl.unit("gc-t4")})
    assert r.status == 422 and r.error["field"] == "focus", r
    r = cl.c("gc_office").post("/api/v1/contact-points", {"unit_id": cl.unit("gc-t4"), "focus": "x" * 501})
    assert r.status == 422 and r.error["field"] == "focus", r
    r = cl.c("gc_office").post("/api/v1/contact-points", {"unit_id": cl.unit("gc-t4"), "focus": "x",
                                                          "started_on": "2026-13-40"})
    assert r.status == 422 and r.error["field"] == "started_on", r
    r = cl.c("gc_office").post("/api/v1/contact-points", {"unit_id": cl.unit("gc-t4"), "focus": "x", "colour": 1})
    assert r.status == 422, r
    assert len(points(cl, "gc_office", limit=200)["contact_points"]) == before
    # a report: bad category, too short, by a unit that is not the point
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    n = len(reports(cl, town["id"], "gc_office", limit=200)["reports"])
    r = report(cl, town["id"], "gc_town", expect=422, category="nonsense")
    assert r.error["field"] == "category"
    r = report(cl, town["id"], "gc_town", expect=422, description="太短")
    assert r.error["field"] == "description"
    r = cl.c("gc_town").post(f"/api/v1/contact-points/{town['id']}/reports", {"category": "policy"})
    assert r.status == 422 and r.error["field"] == "description", r
    assert report(cl, town["id"], "gc_contact", expect=404).status == 404  # not its point: out of sight
    assert report(cl, town["id"], "ap_contact", expect=404).status == 404
    assert len(reports(cl, town["id"], "gc_office", limit=200)["reports"]) == n
    # the list's own refusals
    for q in ("state=open", "after=abc", "limit=0"):
        r = cl.c("gc_office").get(f"/api/v1/contact-points?{q}")
        assert r.status == 400, (q, r)


def test_pages_of_points_and_reports(cl):
    first = points(cl, "gc_office", limit=1)
    assert len(first["contact_points"]) == 1 and first["next"]
    seen = [p["id"] for p in first["contact_points"]]
    nxt = first["next"]
    while nxt:
        page = points(cl, "gc_office", limit=1, after=nxt)
        seen += [p["id"] for p in page["contact_points"]]
        nxt = page["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(points(cl, "gc_office", limit=200)["contact_points"])
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    page = reports(cl, town["id"], "gc_office", limit=1)
    assert len(page["reports"]) == 1 and page["next"]
    rest = reports(cl, town["id"], "gc_office", limit=200, after=page["next"])["reports"]
    assert page["reports"][0]["clue_id"] not in [r["clue_id"] for r in rest]
    assert points(cl, "gc_office", q="城关镇")["contact_points"][0]["name"] == "城关镇基层联系点"


# ---- research visits at a point (驻点调研) and their reports (调研报告) ----

def visits(cl, pid, user):
    r = cl.c(user).get(f"/api/v1/contact-points/{pid}/visits")
    assert r.status == 200, (user, r)
    return r.json["visits"]


def test_a_research_visit_and_its_report_reach_the_leaders(cl):
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    pid = town["id"]
    assert town["can"]["visit"] is True
    office = cl.c("gc_office")
    r = office.post(f"/api/v1/contact-points/{pid}/visits", {"topic": "惠企政策落实情况驻点调研", "start_date": day(-3),
                                                             "end_date": day(-1), "team": "赵敏、王磊",
                                                             "situation": "走访企业12家，召开座谈会2次。"})
    assert r.status == 201, r
    v = r.json
    assert v["state"] == "draft" and v["can"] == {"edit": True, "submit": True} and v["situation"].startswith("走访")
    # not yet submitted: the leaders read nothing of it, the point's people see the visit without its report
    assert [x for x in visits(cl, pid, "gc_principal") if x["id"] == v["id"]] == []
    mine = next(x for x in visits(cl, pid, "gc_town") if x["id"] == v["id"])
    assert mine["topic"] == "惠企政策落实情况驻点调研" and mine["situation"] is None and mine["analysis"] is None
    assert not mine["can"]["edit"]
    # 有情况、有分析、有建议: submitting without the suggestions is refused, naming them
    r = office.post(f"/api/v1/contact-points/{pid}/visits/{v['id']}/submit", {"version": v["version"]})
    assert r.status == 422 and r.error["field"] == "analysis", r
    r = office.patch(f"/api/v1/contact-points/{pid}/visits/{v['id']}",
                     {"version": v["version"], "analysis": "资金兑现慢主要因部门间数据核验周期长。"})
    assert r.status == 200 and r.json["version"] == 2, r
    r = office.post(f"/api/v1/contact-points/{pid}/visits/{v['id']}/submit", {"version": 2})
    assert r.status == 422 and r.error["field"] == "suggestions" and "有建议" in r.error["message"], r
    r = office.patch(f"/api/v1/contact-points/{pid}/visits/{v['id']}",
                     {"version": 2, "suggestions": "建立部门数据共享机制，压缩核验时限至10个工作日。"})
    assert r.status == 200, r
    r = office.post(f"/api/v1/contact-points/{pid}/visits/{v['id']}/submit", {"version": 3})
    assert r.status == 200 and r.json["state"] == "submitted" and r.json["submitted_by_name"], r
    assert r.json["can"] == {"edit": False, "submit": False}
    # the principal and the leader are told, with a link to the report, and read it
    for user in ("gc_principal", "gc_leader"):
        msgs = cl.c(user).get("/api/v1/inbox?limit=100").json["messages"]
        m = next(m for m in msgs if m["subject"] == "【调研报告】惠企政策落实情况驻点调研")
        assert m["link"] == f"/contact-points/{pid}?visit={v['id']}" and "供决策参考" in m["body"]
        got = next(x for x in visits(cl, pid, user) if x["id"] == v["id"])
        assert got["suggestions"].startswith("建立部门数据共享机制") and not got["can"]["submit"]
    assert "contact_point.visit_submit" in audit(cl, pid) and "contact_point.visit" in audit(cl, pid)
    got = office.get(f"/api/v1/contact-points/{pid}").json["visits"]
    assert got["submitted"] >= 1 and got["total"] >= got["submitted"]
    # submitted: no more changes
    r = office.patch(f"/api/v1/contact-points/{pid}/visits/{v['id']}", {"version": 4, "topic": "改"})
    assert r.status == 409 and "已报送" in r.error["message"], r
    r = office.post(f"/api/v1/contact-points/{pid}/visits/{v['id']}/submit", {"version": 4})
    assert r.status == 409, r


def test_research_visit_refusals_change_nothing(cl):
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    pid = town["id"]
    n = len(visits(cl, pid, "gc_office"))
    body = {"topic": "调研", "start_date": day(-1), "end_date": day(0), "team": "赵敏"}
    for user, status in (("gc_town", 403), ("gc_leader", 403), ("gc_contact", 403), ("ap_office", 404)):
        r = cl.c(user).post(f"/api/v1/contact-points/{pid}/visits", body)
        assert r.status == status, (user, r)
    for missing in ("topic", "start_date", "end_date", "team"):
        r = cl.c("gc_office").post(f"/api/v1/contact-points/{pid}/visits", {k: v for k, v in body.items() if k != missing})
        assert r.status == 422 and r.error["field"] == missing, (missing, r)
    r = cl.c("gc_office").post(f"/api/v1/contact-points/{pid}/visits", {**body, "end_date": day(-5)})
    assert r.status == 422 and r.error["field"] == "end_date", r
    r = cl.c("gc_office").post(f"/api/v1/contact-points/{pid}/visits", {**body, "start_date": "2026-02-30"})
    assert r.status == 422 and r.error["field"] == "start_date", r
    assert len(visits(cl, pid, "gc_office")) == n
    r = cl.c("gc_office").post(f"/api/v1/contact-points/{pid}/visits", body)
    vid = r.json["id"]
    r = cl.c("gc_office").patch(f"/api/v1/contact-points/{pid}/visits/{vid}", {"topic": "无版本"})
    assert r.status == 422 and r.error["field"] == "version", r
    r = cl.c("gc_office").patch(f"/api/v1/contact-points/{pid}/visits/{vid}", {"version": 9, "topic": "旧版本"})
    assert r.status == 409 and "刷新" in r.error["message"], r
    assert cl.c("gc_office").patch(f"/api/v1/contact-points/{pid}/visits/999999", {"version": 1}).status == 404
    # a draft is the office's: the leaders cannot find it
    assert [x for x in visits(cl, pid, "gc_leader") if x["id"] == vid] == []
    # an ended point takes no visit
    ended = next(p for p in points(cl, "gc_office", state="ended")["contact_points"] if p["name"] == "岳阳镇基层联系点")
    r = cl.c("gc_office").post(f"/api/v1/contact-points/{ended['id']}/visits", body)
    assert r.status == 409 and "撤销" in r.error["message"], r


def test_the_research_report_as_an_official_document(cl, tmp_path):
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    pid = town["id"]
    office = cl.c("gc_office")
    r = office.post(f"/api/v1/contact-points/{pid}/visits", {
        "topic": "老旧小区改造进度驻点调研", "start_date": day(-2), "end_date": day(-1), "team": "赵敏、李强",
        "situation": "走访东街、北街老旧小区5个。", "analysis": "一、资金到位慢。\n二、居民意见不一。",
        "suggestions": "一、分期拨付资金。\n二、推行居民议事会。"})
    assert r.status == 201, r
    vid = r.json["id"]

    def text(user):
        r = cl.c(user).get(f"/api/v1/contact-points/{pid}/visits/{vid}/report.pdf")
        if r.status != 200:
            return r
        assert r.headers["Content-Type"] == "application/pdf" and "调研报告" in r.headers["Content-Disposition"] or \
            "%E8%B0%83%E7%A0%94" in r.headers["Content-Disposition"], r.headers
        f = tmp_path / f"{user}.pdf"
        f.write_bytes(r.raw)
        return subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True,
                              check=True).stdout.replace(" ", "")
    # the office's draft says so; the leaders cannot get it before it is submitted, the point's people never
    draft = text("gc_office")
    assert "关于老旧小区改造进度驻点调研的报告" in draft and "古城县人民政府领导" in draft
    # marked a draft on its page, without the 版记's 印发 line a document has once issued
    assert "草稿（未印发）" in draft and "印发" not in draft.replace("草稿（未印发）", "")
    for part in ("一、基本情况", "二、分析", "三、建议", "（一）资金到位慢", "（二）推行居民议事会", "赵敏、李强"):
        assert part in draft, part
    assert text("gc_principal").status == 404
    assert text("gc_town").status == 403
    assert text("ap_office").status == 404
    v = office.get(f"/api/v1/contact-points/{pid}/visits").json["visits"]
    version = next(x for x in v if x["id"] == vid)["version"]
    assert office.post(f"/api/v1/contact-points/{pid}/visits/{vid}/submit", {"version": version}).status == 200
    issued = text("gc_principal")
    assert "关于老旧小区改造进度驻点调研的报告" in issued and "古城县人民政府督查室" in issued
    assert "草稿" not in issued and "印发" in issued
    assert text("gc_town").status == 403


def test_a_research_visit_counts_in_the_units_burden(cl):
    """驻点调研 asks the unit's time too: the burden index (基层减负) counts each visit at the point, in the period it
    began, under the government whose office made it — and nothing else moves."""
    year = int(day(0)[:4])

    def burden():
        r = cl.c("gc_office").get(f"/api/v1/burden?year={year}")
        assert r.status == 200, r
        return {u["code"]: u for u in r.json["units"]}
    town = next(p for p in points(cl, "gc_office")["contact_points"] if p["name"] == "城关镇基层联系点")
    before = burden()
    r = cl.c("gc_office").post(f"/api/v1/contact-points/{town['id']}/visits", {
        "topic": "减负计数测试调研", "start_date": day(0), "end_date": day(0), "team": "赵敏"})
    assert r.status == 201, r
    after = burden()
    t0, t1 = before["gc-t1"], after["gc-t1"]
    assert t1["visits"] == t0["visits"] + 1 and t1["total"] == t0["total"] + 1
    gov = next(x for x in t1["by_issuer"] if x["issuer"] == "古城县人民政府")
    assert gov["visits"] >= 1 and t1["total"] == sum(x["total"] for x in t1["by_issuer"])
    for code, u in after.items():
        if code != "gc-t1":
            assert u == before[code] | {"rank": u["rank"]}, code
    # the unit sees its own row with it (城关镇's liaison officer reads items there)
    r = cl.c("gc_town").get(f"/api/v1/burden?year={year}")
    assert r.status == 200 and r.json["units"][0]["visits"] == t1["visits"], r
