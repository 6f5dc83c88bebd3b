"""Reviews (复核, Art. 17) on the working-day calendar with the test clock: the body asks within the window
after it signed for the conclusion (30 days by default; a window that ends on a holiday runs to the next
working day, or counted in working days when configured), the government decides within its own window,
and those who drew the conclusion may not decide — refused by the permission module, not hidden by a page."""
import subprocess

import pytest

from insplib import Insp


@pytest.fixture(scope="module")
def ins(server):
    return Insp(server)


def concluded(ins, at, members=("gc_parttime",)):
    """An inspection whose target (交通运输局) signed for the conclusion at `at`."""
    ins.move_clock(at)
    obj = ins.create()
    oid = obj["id"]
    ins.act(oid, "gc_office", "open")
    ins.team(oid, members=members)
    ins.act(oid, "gc_office", "submit_scheme")
    ins.act(oid, "gc_principal", "approve_scheme")
    ins.act(oid, "gc_office", "start")
    ins.finding(oid, due_date="2027-06-30")
    ins.act(oid, "gc_inspector", "submit_findings")
    ins.act(oid, "gc_office", "issue_findings")
    ins.act(oid, "gc_office", "issue_conclusion", {"text": "交通运输局燃气安全管理存在问题，须限期整改。"})
    ins.act(oid, "gc_head", "receive_conclusion")
    return oid


def test_the_window_ends_on_a_working_day(ins):
    oid = concluded(ins, "2026-09-01T09:00:00+08:00")
    # 30 days after 2026-09-01 is 2026-10-01, National Day: the window runs to Thursday 2026-10-08
    late = concluded(ins, "2026-09-01T10:00:00+08:00")
    ins.move_clock("2026-10-09T09:00:00+08:00")
    r = ins.review(late, expect=409)
    assert "截至 2026-10-08" in r.error["message"] and "第十七条" in r.error["message"]
    ins.move_clock("2026-10-08T17:30:00+08:00")
    rv = ins.review(oid)
    assert (rv["received_on"], rv["request_due"], rv["state"]) == ("2026-09-01", "2026-10-08", "requested")
    # the government's 30 days end on Saturday 2026-11-07: Monday 2026-11-09
    assert rv["decide_due"] == "2026-11-09" and rv["light"] == "green"
    ins.move_clock("2026-11-05T09:00:00+08:00")
    assert ins.c("gc_office").get(f"/api/v1/reviews/{rv['id']}").json["light"] == "yellow"
    ins.move_clock("2026-11-10T09:00:00+08:00")
    assert ins.c("gc_office").get(f"/api/v1/reviews/{rv['id']}").json["light"] == "red"
    # one open review per body
    assert ins.review(oid, expect=409).status == 409


def test_counted_in_working_days_when_configured(ins):
    ins.c("admin").put("/api/v1/inspections/settings", {"review_days": 10, "review_unit": "workdays"})
    try:
        oid = concluded(ins, "2026-09-18T09:00:00+08:00")
        # from Friday 2026-09-18: the make-up Sunday 09-20, 09-21…24, (Mid-Autumn 09-25…27), 09-28…30,
        # (National Day 10-01…07), 10-08, 10-09: ten working days
        ins.move_clock("2026-10-09T16:00:00+08:00")
        rv = ins.review(oid)
        assert rv["request_due"] == "2026-10-09"
        ins.move_clock("2026-10-12T09:00:00+08:00")
        again = concluded(ins, "2026-09-18T11:00:00+08:00")
        ins.move_clock("2026-10-12T09:00:00+08:00")
        r = ins.review(again, expect=409)
        assert "10个工作日" in r.error["message"]
    finally:
        ins.c("admin").put("/api/v1/inspections/settings", {"review_days": 30, "review_unit": "days"})


def test_who_may_ask(ins):
    oid = ins.bring("concluded")["id"]
    r = ins.review(oid, expect=409)
    assert "请先签收" in r.error["message"]
    ins.act(oid, "gc_head", "receive_conclusion")
    assert ins.review(oid, user="gc_contact", expect=403).status == 403
    assert ins.review(oid, user="gc_head2", expect=404).status == 404
    assert ins.review(oid, user="gc_office", expect=403).status == 403  # no rect_handle: the router says no
    rv = ins.review(oid)
    inbox = ins.c("gc_office").get("/api/v1/inbox?limit=200").json["messages"]
    assert {m["link"] for m in inbox if m["object_type"] == "review" and m["object_id"] == rv["id"]} \
        == {f"/inspections/reviews/{rv['id']}"}  # the message opens the review

    def todo(user):
        out = ins.c(user).get("/api/v1/todos?kind=review&limit=200").json["todos"]
        return [t["task"] for t in out if t["object_id"] == rv["id"]]
    assert todo("gc_office") == ["accept"] and todo("gc_principal") == []
    ins.vact(rv["id"], "gc_office", "accept")
    # the government decides: the principal leader (the leader only when there is none)
    assert todo("gc_office") == [] and todo("gc_principal") == ["decide"] and todo("gc_leader") == []


def test_those_who_drew_the_conclusion_stand_aside(ins):
    # the deputy county head (分管领导) was on the team: he may not decide the review; the county head may
    oid = concluded(ins, "2026-11-02T09:00:00+08:00", members=("gc_parttime", "gc_leader"))
    ins.move_clock("2026-11-03T09:00:00+08:00")
    rv = ins.review(oid)
    rid = rv["id"]
    assert ins.vact(rid, "gc_principal", "accept", expect=403).status == 403
    got = ins.vact(rid, "gc_office", "accept").json
    assert got["state"] == "accepted"
    names = {p["name"] for p in got["recused"]}
    assert {"黄磊", "李明", "马丽", "赵敏"} <= names  # leader, members, issuer
    leader = ins.c("gc_leader").get(f"/api/v1/reviews/{rid}")
    assert leader.status == 200 and "decide" not in leader.json["allowed_actions"]
    r = ins.vact(rid, "gc_leader", "decide", {"result": "revoked", "text": "撤销"}, expect=403)
    assert "回避" in r.error["message"]
    assert "decide" in ins.c("gc_principal").get(f"/api/v1/reviews/{rid}").json["allowed_actions"]
    r = ins.vact(rid, "gc_principal", "decide", {"result": "overturned", "text": "x"}, expect=422)
    assert "upheld" in r.error["message"]
    tasks = ins.tasks(oid)
    assert tasks and all(t["state"] == "assigned" for t in tasks)
    # the report to the principal leader tells of the review under way, then of the decision
    report = ins.c("gc_office").get(f"/api/v1/inspections/{oid}/report").json["text"]
    assert "古城县交通运输局于2026年11月3日申请复核，正在复核，应于" in report, report
    got = ins.vact(rid, "gc_principal", "decide", {"result": "revoked", "text": "经复核，认定事实不清，撤销原结论。"}).json
    assert got["state"] == "decided" and got["result_label"] == "撤销" and got["decided_by"] == "王建国"
    report = ins.c("gc_office").get(f"/api/v1/inspections/{oid}/report").json["text"]
    assert ("古城县交通运输局于2026年11月3日申请复核，2026年11月3日作出复核决定：撤销原督查结论。经复核，认定事实不清，撤销原结论。"
            in report), report
    assert all(t["state"] == "withdrawn" for t in ins.tasks(oid))
    # the unit hears of the decision
    events = ins.c("gc_head").get(f"/api/v1/reviews/{rid}/events").json["events"]
    assert [e["action"] for e in events] == ["request", "accept", "decide"]
    audit = ins.c("admin").get(f"/api/v1/audit?object_type=review&object_id={rid}").json["records"]
    assert [a["action"] for a in audit][:2] == ["review.decide", "review.accept"]


def test_the_body_may_withdraw_and_the_office_may_refuse(ins):
    oid = concluded(ins, "2026-11-16T09:00:00+08:00")
    rv = ins.review(oid)
    assert ins.vact(rv["id"], "gc_head2", "withdraw", {"reason": "x"}, expect=404).status == 404
    got = ins.vact(rv["id"], "gc_contact", "withdraw", {"reason": "经沟通，不再申请"}).json
    assert got["state"] == "withdrawn"
    rv = ins.review(oid)
    r = ins.vact(rv["id"], "gc_office", "reject", {}, expect=422)
    got = ins.vact(rv["id"], "gc_office", "reject", {"reason": "申请事项不属于督查结论"}).json
    assert got["state"] == "rejected"
    assert {r["id"] for r in ins.c("gc_office").get(f"/api/v1/inspections/{oid}/reviews").json["reviews"]} >= {rv["id"]}


def test_a_revoked_conclusion_withdraws_every_open_task(ins):
    # more findings and open tasks than one read takes (200): every one is withdrawn, none left behind silently
    ins.move_clock("2026-12-01T09:00:00+08:00")
    oid = ins.create()["id"]
    ins.act(oid, "gc_office", "open")
    ins.team(oid, members=("gc_parttime",))
    ins.act(oid, "gc_office", "submit_scheme")
    ins.act(oid, "gc_principal", "approve_scheme")
    ins.act(oid, "gc_office", "start")
    for i in range(203):
        ins.finding(oid, title=f"燃气管网巡查记录缺失（第{i + 1}处）", due_date="2027-06-30")
    ins.act(oid, "gc_inspector", "submit_findings")
    ins.act(oid, "gc_office", "issue_findings")
    ins.act(oid, "gc_office", "issue_conclusion", {"text": "交通运输局燃气安全管理存在问题，须限期整改。"})
    ins.act(oid, "gc_head", "receive_conclusion")
    # every finding was issued as a task and every one is in the conclusion's document (none silently cut)
    r = ins.c("gc_office").get(f"/api/v1/rectifications?inspection_id={oid}&state=assigned&per_page=1")
    assert r.status == 200 and r.json["total"] == 203, r
    r = ins.c("gc_office").get(f"/api/v1/inspections/{oid}/conclusion.pdf")
    assert r.status == 200 and r.raw.startswith(b"%PDF"), r
    text = subprocess.run(["pdftotext", "-", "-"], input=r.raw, capture_output=True, check=True).stdout.decode()
    text = text.replace(" ", "").replace("\n", "")
    assert "第203处" in text and "第1处" in text, text[-400:]
    ins.move_clock("2026-12-02T09:00:00+08:00")
    rid = ins.review(oid)["id"]
    ins.vact(rid, "gc_office", "accept")
    got = ins.vact(rid, "gc_principal", "decide", {"result": "revoked", "text": "经复核，撤销原结论。"}).json
    assert got["state"] == "decided", got
    audit = ins.c("admin").get(f"/api/v1/audit?object_type=review&object_id={rid}").json["records"]
    assert audit[0]["action"] == "review.decide" and audit[0]["summary"]["body"]["withdrawn_tasks"] == 203, audit[0]
    r = ins.c("gc_office").get(f"/api/v1/rectifications?inspection_id={oid}&state=withdrawn&per_page=1")
    assert r.status == 200 and r.json["total"] == 203, r
    r = ins.c("gc_office").get(f"/api/v1/rectifications?inspection_id={oid}&state=assigned&per_page=1")
    assert r.status == 200 and r.json["total"] == 0, r
