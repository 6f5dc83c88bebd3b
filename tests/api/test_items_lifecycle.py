"""A supervision item's whole life over HTTP with the demo roles of 古城县: registration and
numbering, approval (deputy then director), assignment to a lead and a co unit with their own
tracks, receipt, reports and their review, extension, suspension, completion signed by each unit
head, verification with a grade, archive; every refusal on the way (wrong role, wrong unit, wrong
state, other county, missing CSRF token), and the timeline and audit records of each step."""
import re
import threading

import pytest

from itemlib import Items, day


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def test_full_lifecycle_with_two_units(it):
    leader_id = it.c("gc_leader").user["id"]
    item = it.create(title="城区道路交通拥堵综合治理", co=["gc-zj"], leader_id=leader_id, importance="major",
                     kind="ongoing", tags=["交通", "民生"], source_ref="县长办公会议纪要〔2026〕7号",
                     source_date=day(-3), due_date=day(90))
    iid = item["id"]
    assert item["state"] == "draft" and item["number"] is None
    assert item["leader_name"] == "李明" and item["tags"] == ["交通", "民生"]
    assert item["office_unit_name"] == "古城县人民政府督查室"
    assert [t["role"] for t in item["tracks"]] == ["lead", "co"]
    assert set(item["allowed_actions"]) == {"submit", "withdraw", "comment"}

    # a draft can still be changed by the office, and only by it
    r = it.c("gc_office").patch(f"/api/v1/items/{iid}", {"requirement": "完成主干道改造和信号灯优化", "version": item["version"]})
    assert r.status == 200 and r.json["requirement"] == "完成主干道改造和信号灯优化"
    assert it.c("gc_office").patch(f"/api/v1/items/{iid}", {"title": "x", "version": 1}).status == 409
    assert it.c("gc_contact").patch(f"/api/v1/items/{iid}", {"title": "x"}).status == 403

    # the units on its tracks see it only once it is assigned
    assert it.c("gc_contact").get(f"/api/v1/items/{iid}").status == 404
    # another county never sees it
    for u in ("ap_office", "ap_deputy", "ap_contact"):
        assert it.c(u).get(f"/api/v1/items/{iid}").status == 404
        r = it.c(u).post(f"/api/v1/items/{iid}/actions/submit", {})
        assert r.status == 404, (u, r)
    # a unit that is not on the item does not see it either
    assert it.c("gc_town").get(f"/api/v1/items/{iid}").status == 404

    # registration numbers it: 古督〔year〕n号
    r = it.act(iid, "gc_office", "submit")
    assert re.fullmatch(r"古督〔\d{4}〕\d+号", r.json["number"]), r.json["number"]
    number = r.json["number"]

    # approval: the director cannot go first, the deputy returns with a reason, then both approve
    r = it.act(iid, "gc_director", "approve", expect=409)
    assert "待主任审批" in r.error["message"]
    assert it.act(iid, "gc_deputy", "return", {}, expect=422).error["code"] == "invalid"
    r = it.act(iid, "gc_deputy", "return", {"reason": "责任单位需补充"})
    assert r.json["state"] == "draft"
    r = it.act(iid, "gc_office", "submit")
    assert r.json["number"] == number, "a returned item keeps its number"
    it.act(iid, "gc_deputy", "approve")
    it.act(iid, "gc_deputy", "approve", expect=409)
    r = it.act(iid, "gc_director", "approve")
    assert r.json["state"] == "approved"
    assert it.act(iid, "gc_contact", "receive", expect=404)  # not assigned yet: not visible to the unit
    assert iid not in {i["id"] for i in it.ledger("gc_contact", per_page=200)["items"]}
    r = it.act(iid, "gc_office", "assign")
    assert r.json["state"] == "assigned" and r.json["assigned_at"]
    assert it.c("gc_contact").get(f"/api/v1/items/{iid}").status == 200
    assert iid in {i["id"] for i in it.ledger("gc_contact", per_page=200)["items"]}
    # the notice reaches both units' contacts and heads, and the leader in charge is informed
    for user in ("gc_contact", "gc_head", "gc_contact2", "gc_head2", "gc_leader"):
        inbox = it.c(user).get("/api/v1/inbox?limit=50").json
        msgs = inbox.get("messages", inbox.get("items", []))
        assert any(number in m["subject"] and "城区道路交通拥堵综合治理" in m["subject"] for m in msgs), (user, inbox)
    inbox = it.c("ap_contact").get("/api/v1/inbox?limit=50").json
    assert not any(number in m["subject"] for m in inbox.get("messages", inbox.get("items", [])))

    # missing CSRF token: refused, nothing changed
    c = it.c("gc_contact")
    r = c.post(f"/api/v1/items/{iid}/actions/receive", {}, csrf=False)
    assert r.status == 403 and "CSRF" in r.error["message"]

    # each unit receives its own track; the item rolls up from the tracks
    r = it.act(iid, "gc_contact", "receive")
    assert r.json["state"] == "assigned"
    tracks = {t["unit_code"]: t for t in r.json["tracks"]}
    assert tracks["gc-jt"]["state"] == "received" and tracks["gc-zj"]["state"] == "assigned"
    assert tracks["gc-jt"]["received_at"]
    # the co unit's contact cannot act on the lead unit's track
    jt_track = tracks["gc-jt"]["id"]
    r = it.act(iid, "gc_contact2", "report", {"text": "x", "percent": 10, "track_id": jt_track}, expect=None)
    assert r.status in (403, 409, 404), r
    r = it.act(iid, "gc_contact2", "receive")
    assert r.json["state"] == "received"

    # progress reports (承办反馈) and their review
    r = it.act(iid, "gc_contact", "report", {"text": "主干道改造已完成设计", "percent": 40})
    assert r.json["progress"] == 20 and r.json["report_id"], "the item rolls up its units' tracks (40 and 0)"
    rid = r.json["report_id"]
    r = it.act(iid, "gc_contact2", "report", {"text": "配合完成拆迁摸底", "percent": 20})
    assert r.json["state"] == "in_progress" and r.json["progress"] == 30, "the mean of the units' tracks (40 and 20)"
    assert it.act(iid, "gc_contact", "report", {"text": "x", "percent": 140}, expect=422)
    reports = it.c("gc_leader").get(f"/api/v1/items/{iid}/reports").json["reports"]
    assert reports[-1]["id"] == rid and reports[-1]["review"] == "pending" and reports[-1]["unit_name"] == "古城县交通运输局"
    assert it.c("gc_contact").post(f"/api/v1/items/{iid}/reports/{rid}/review", {"result": "accepted"}).status == 403
    assert it.c("ap_office").post(f"/api/v1/items/{iid}/reports/{rid}/review", {"result": "accepted"}).status == 404
    assert it.c("gc_secretary").post(f"/api/v1/items/{iid}/reports/{rid}/review", {"result": "redo"}).status == 422
    r = it.c("gc_secretary").post(f"/api/v1/items/{iid}/reports/{rid}/review", {"result": "redo", "note": "请补充数据"})
    assert r.status == 200 and r.json["review"] == "redo"
    assert it.c("gc_office").post(f"/api/v1/items/{iid}/reports/{rid}/review", {"result": "accepted"}).status == 409

    # a plan when it cannot be done in time
    r = it.act(iid, "gc_contact2", "plan", {"text": "雨季后施工", "plan_date": day(80)})
    assert {t["unit_code"]: t for t in r.json["tracks"]}["gc-zj"]["plan_date"] == day(80)

    # extension: requested by a unit, decided by the leader because the item is major
    old_due = r.json["due_date"]
    assert it.act(iid, "gc_contact", "request_extension", {"reason": "征地未完成", "new_date": day(-1)}, expect=422)
    it.act(iid, "gc_contact", "request_extension", {"reason": "征地未完成", "new_date": day(120)})
    assert it.act(iid, "gc_contact2", "request_extension", {"reason": "同上", "new_date": day(130)}, expect=409)
    assert it.get(iid)["pending_extension"]["new_date"] == day(120)
    assert "decide_extension" not in it.get(iid)["allowed_actions"], "major: the office alone cannot decide"
    assert it.act(iid, "gc_office", "decide_extension", {"approve": True}, expect=403)
    assert "decide_extension" in it.get(iid, "gc_leader")["allowed_actions"]
    r = it.act(iid, "gc_leader", "decide_extension", {"approve": True, "reason": "同意"})
    assert r.json["due_date"] == day(120) != old_due
    ms = it.c("gc_office").get(f"/api/v1/milestones?item_id={iid}").json["milestones"]
    res = [m for m in ms if m["kind"] == "resolution" and m["state"] == "open"]
    assert res and all(m["due_date"] == day(120) and m["overridden"] for m in res), res
    assert it.act(iid, "gc_leader", "decide_extension", {"approve": True}, expect=409)

    # suspension with the leader's approval; clocks stop, then resume to the same state
    assert it.act(iid, "gc_office", "suspend", {"reason": "等待汛期"}, expect=403)
    before = it.get(iid)["state"]
    r = it.act(iid, "gc_leader", "suspend", {"reason": "等待汛期结束"})
    assert r.json["state"] == "suspended" and r.json["light"] == "none"
    assert it.act(iid, "gc_contact", "report", {"text": "x", "percent": 50}, expect=409)
    r = it.act(iid, "gc_leader", "resume", {"reason": "汛期结束"})
    assert r.json["state"] == before == "in_progress"
    sus = it.get(iid)["suspensions"]
    assert len(sus) == 1 and sus[0]["ended_at"] and sus[0]["reason"] == "等待汛期结束"

    # completion: drafted by the contact, signed by the head, per unit
    assert it.act(iid, "gc_contact", "sign", expect=403)
    assert it.act(iid, "gc_head", "sign", expect=409)
    it.act(iid, "gc_contact", "request_completion", {"text": "主干道改造完成，信号灯已优化"})
    it.act(iid, "gc_head", "return_reply", {"reason": "数据不全"})
    it.act(iid, "gc_contact", "request_completion", {"text": "主干道改造完成，通行时间缩短20%"})
    r = it.act(iid, "gc_head", "sign")
    assert r.json["state"] == "in_progress", "the co unit is still working"
    assert it.act(iid, "gc_office", "verify", {"grade": "优秀"}, expect=409)
    it.act(iid, "gc_contact2", "request_completion", {"text": "配合完成"})
    assert it.act(iid, "gc_head", "sign", expect=409)  # his own track is signed; the other is not his
    r = it.act(iid, "gc_head2", "sign")
    assert r.json["state"] == "completion_signed"

    # the office returns once with reasons, then verifies with a grade
    r = it.act(iid, "gc_office", "return", {"reason": "缺少验收材料"})
    assert r.json["state"] == "in_progress" and all(t["state"] == "in_progress" for t in r.json["tracks"])
    for contact, head in (("gc_contact", "gc_head"), ("gc_contact2", "gc_head2")):
        it.act(iid, contact, "request_completion", {"text": "已补充验收材料"})
        it.act(iid, head, "sign")
    assert it.act(iid, "gc_office", "verify", {"grade": "极好"}, expect=422)
    r = it.act(iid, "gc_office", "verify", {"grade": "优秀"})
    assert r.json["state"] == "completed" and r.json["grade"] == "优秀" and r.json["progress"] == 100
    r = it.act(iid, "gc_office", "archive")
    assert r.json["state"] == "archived" and r.json["number"] == number
    assert it.act(iid, "gc_office", "withdraw", {"reason": "x"}, expect=409)

    # the timeline names every step with its actor; the audit trail has a record for each
    events = it.c("gc_leader").get(f"/api/v1/items/{iid}/events").json["events"]
    actions = [e["action"] for e in events]
    for a in ("create", "update", "submit", "return", "approve", "assign", "notice", "receive", "report", "review",
              "plan", "request_extension", "decide_extension", "suspend", "resume", "request_completion",
              "return_reply", "sign", "verify", "archive"):
        assert a in actions, a
    assert all(e["actor"] and e["at"] for e in events)
    ret = next(e for e in events if e["action"] == "return")
    assert ret["note"] == "责任单位需补充" and ret["actor"] == "gc_deputy"
    audit = it.c("gc_office").get(f"/api/v1/audit?object_type=item&object_id={iid}&limit=500").json["records"]
    audit_actions = [a["action"] for a in audit]
    assert audit_actions.count("item.approve") == 2 and "item.verify" in audit_actions
    # (notices, reminders and deadline events are the clocks' own; they are audited as notify.*/milestone.*)
    assert len([a for a in audit_actions if a.startswith("item.")]) >= len([e for e in events
                                                                           if e["kind"] not in ("notice", "reminder", "deadline")])
    assert it.c("gc_office").get("/api/v1/audit/verify").json["ok"]


def test_withdraw_keeps_the_number_and_escalate_flags(it):
    item = it.bring("approved")
    r = it.act(item["id"], "gc_office", "withdraw", {"reason": "上级已撤销该任务"})
    assert r.json["state"] == "withdrawn" and r.json["number"] == item["number"]
    assert r.json["allowed_actions"] == ["comment"]
    item = it.bring("in_progress")
    assert it.act(item["id"], "gc_leader", "escalate", {"reason": "x"}, expect=403)
    r = it.act(item["id"], "gc_office", "escalate", {"reason": "逾期未办结，报请县长列入督查事项"})
    assert r.json["escalated"] is True and r.json["state"] == "in_progress"
    assert it.act(item["id"], "gc_office", "escalate", {"reason": "again"}, expect=409)


def test_comment_by_any_reader_but_not_by_other_county(it):
    item = it.bring("assigned")
    it.act(item["id"], "gc_leader", "comment", {"text": "请加快进度"})
    it.act(item["id"], "gc_contact", "comment", {"text": "收到"})
    assert it.act(item["id"], "ap_office", "comment", {"text": "x"}, expect=404)
    ev = it.c("gc_office").get(f"/api/v1/items/{item['id']}/events").json["events"]
    assert [e["note"] for e in ev if e["kind"] == "comment"] == ["请加快进度", "收到"]


def test_create_refusals(it):
    c = it.c("gc_office")
    base = {"title": "t", "source_kind": "meeting", "lead_unit_id": it.unit("gc-jt"), "due_date": day(10)}
    assert c.post("/api/v1/items", dict(base, source_kind="rumour")).status == 422
    assert c.post("/api/v1/items", dict(base, due_date="2026-02-30")).status == 422
    assert c.post("/api/v1/items", dict(base, importance="huge")).status == 422
    assert c.post("/api/v1/items", dict(base, unknown=1)).status == 422
    assert c.post("/api/v1/items", dict(base, co_unit_ids=[base["lead_unit_id"]])).status == 422
    ap_unit = it.c("ap_office").unit_id("ap-jt")
    assert c.post("/api/v1/items", dict(base, lead_unit_id=ap_unit)).status == 422
    assert c.post("/api/v1/items", dict(base, leader_id=it.c("gc_contact").user["id"])).status == 422
    assert it.c("gc_contact").post("/api/v1/items", base).status == 403
    assert it.c("gc_deputy").post("/api/v1/items", base).status == 403
    r = c.post("/api/v1/items", base, csrf=False)
    assert r.status == 403


def test_two_approvals_at_once_one_wins(it):
    for with_version in (True, False):
        item = it.bring("submitted")
        a, b = it.server.client("gc_deputy"), it.server.client("gc_deputy")
        body = {"version": item["version"]} if with_version else {}
        barrier = threading.Barrier(2)
        results = []

        def go(c):
            barrier.wait()
            results.append(c.post(f"/api/v1/items/{item['id']}/actions/approve", body))

        threads = [threading.Thread(target=go, args=(x,)) for x in (a, b)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(r.status for r in results) == [200, 409], results
        after = it.get(item["id"])
        assert after["state"] == "deputy_approved" and after["version"] == item["version"] + 1
        events = it.c("gc_office").get(f"/api/v1/items/{item['id']}/events").json["events"]
        assert [e["action"] for e in events].count("approve") == 1


def test_workflow_drives_the_deadline_clocks(it):
    """Assignment fills the milestones, receipt and reports mark them done, suspension pauses them,
    verification cancels what is left (through the deadlines module, in the same transaction)."""
    item = it.bring("approved")
    iid = item["id"]

    def ms():
        r = it.c("gc_office").get(f"/api/v1/milestones?item_id={iid}")
        assert r.status == 200, r
        return r.json["milestones"]

    assert ms() == []
    it.act(iid, "gc_office", "assign")
    jt = it.unit("gc-jt")
    before = ms()
    kinds = {(m["unit_id"], m["kind"]) for m in before}
    assert (jt, "receipt") in kinds and (jt, "resolution") in kinds, kinds
    it.act(iid, "gc_contact", "receive")
    receipt = next(m for m in ms() if m["unit_id"] == jt and m["kind"] == "receipt")
    assert receipt["state"] == "done" and receipt["done_at"]
    it.act(iid, "gc_contact", "report", {"text": "已部署", "percent": 10})
    done = {m["kind"] for m in ms() if m["unit_id"] == jt and m["state"] == "done"}
    assert {"receipt", "first_feedback"} <= done, done
    it.act(iid, "gc_leader", "suspend", {"reason": "等待汛期结束"})
    assert all(m["paused"] for m in ms() if m["state"] == "open")
    it.act(iid, "gc_leader", "resume", {"reason": "汛期结束"})
    assert not any(m["paused"] for m in ms() if m["state"] == "open")
    for user, action, body in [("gc_contact", "request_completion", {"text": "完成"}), ("gc_head", "sign", {}),
                               ("gc_office", "verify", {"grade": "合格"})]:
        it.act(iid, user, action, body)
    assert not [m for m in ms() if m["state"] == "open"]


def test_grades_are_configurable(fresh_server):
    it = Items(fresh_server)
    assert it.c("gc_office").get("/api/v1/items/meta").json["grades"] == ["优秀", "良好", "合格", "不合格"]
    assert it.c("gc_office").put("/api/v1/items/grades", {"grades": ["好", "差"]}).status == 403
    admin = it.c("admin")
    assert admin.put("/api/v1/items/grades", {"grades": ["好"]}).status == 422
    assert admin.put("/api/v1/items/grades", {"grades": ["好", "好"]}).status == 422
    assert admin.put("/api/v1/items/grades", {"grades": ["A,B", "C"]}).status == 422
    r = admin.put("/api/v1/items/grades", {"grades": ["一等", "二等", "三等"]})
    assert r.status == 200, r
    assert it.c("gc_office").get("/api/v1/items/meta").json["grades"] == ["一等", "二等", "三等"]
    item = it.create()
    for user, action, body in [("gc_office", "submit", {}), ("gc_deputy", "approve", {}), ("gc_director", "approve", {}),
                               ("gc_office", "assign", {}), ("gc_contact", "receive", {}),
                               ("gc_contact", "report", {"text": "x", "percent": 90}),
                               ("gc_contact", "request_completion", {"text": "完成"}), ("gc_head", "sign", {})]:
        it.act(item["id"], user, action, body)
    assert it.act(item["id"], "gc_office", "verify", {"grade": "优秀"}, expect=422)
    assert it.act(item["id"], "gc_office", "verify", {"grade": "二等"}).json["grade"] == "二等"
    audit = admin.get("/api/v1/audit?action=item.grades").json["records"]
    assert len(audit) == 1


def test_timeline_shows_the_schedulers_reminders(fresh_server):
    """Reminders and ladder steps taken by the scheduler (deadlines module) appear on the item's
    timeline once each, in time order, next to the transitions, in words from the one word list."""
    import datetime
    import time
    it = Items(fresh_server)
    item = it.bring("assigned")
    ms = it.c("gc_office").get(f"/api/v1/milestones?item_id={item['id']}").json["milestones"]
    receipt = next(m for m in ms if m["kind"] == "receipt" and m["unit_id"])
    later = datetime.date.fromisoformat(receipt["due_date"]) + datetime.timedelta(days=7)
    r = fresh_server.client("admin").put("/api/v1/admin/clock", {"now": f"{later.isoformat()}T10:00:00+08:00"})
    assert r.status == 200, r
    office = fresh_server.client("gc_office")
    deadline = time.time() + 30
    while time.time() < deadline:
        events = office.get(f"/api/v1/items/{item['id']}/events").json["events"]
        reminders = [e for e in events if e["kind"] == "deadline"]
        if reminders:
            break
        time.sleep(0.3)
    assert reminders, events
    wfs = fresh_server.client("gc_office").get("/api/v1/workflows").json["workflows"]
    labels = {e["name"]: e["label"] for e in next(w for w in wfs if w["name"] == "item")["events"]}
    for e in reminders:
        assert e["actor"] == "system" and e["actor_name"] == "系统", e
        assert e["event"].startswith("deadline_") and e["action_label"] == labels[e["event"]], e
        assert e["text"] and not any(raw in e["text"] + e["action_label"] for raw in ("remind-", "pause", "@")), e
    rows = [(e["at"], e["action"], e["unit_id"], e["from_state"], e["note"]) for e in events]
    assert len(rows) == len(set(rows)), "each step once: " + repr([(e["at"], e["action"], e["unit_id"], e["note"]) for e in events])
    for e in events:
        assert e["action_label"] and e["text"] is not None and e["action_label"] != e["action"], e
    ats = [e["at"] for e in events]
    assert ats == sorted(ats), "one timeline in time order"
    assert events[0]["action"] == "create"
    # another county still sees nothing of it
    assert fresh_server.client("ap_office").get(f"/api/v1/items/{item['id']}/events").status == 404


def test_patch_after_registration_only_tags(it):
    item = it.bring("assigned")
    c = it.c("gc_office")
    r = c.patch(f"/api/v1/items/{item['id']}", {"title": "改名"})
    assert r.status == 409 and "草稿" in r.error["message"]
    r = c.patch(f"/api/v1/items/{item['id']}", {"tags": ["重点", "民生"], "version": item["version"]})
    assert r.status == 200 and r.json["tags"] == ["重点", "民生"] and r.json["version"] == item["version"] + 1
    assert c.patch(f"/api/v1/items/{item['id']}", {"tags": ["a,b"]}).status == 422
    assert it.c("gc_contact").patch(f"/api/v1/items/{item['id']}", {"tags": ["x"]}).status == 403
    assert it.c("ap_office").patch(f"/api/v1/items/{item['id']}", {"tags": ["x"]}).status == 404
    assert {i["id"] for i in it.ledger(tag="重点")["items"]} >= {item["id"]}
