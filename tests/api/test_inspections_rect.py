"""Rectification tasks (整改) with the test clock: their lights as the deadline nears and passes, the lists
by light, and the look-back (回头看) that a verified problem likely to rebound brings back when its day
comes — opened by the scheduler as a draft inspection of the unit, linked to the task, with a message to
the office."""

import pytest

from insplib import Insp
from conftest import scan, wait_for


@pytest.fixture(scope="module")
def ins(server):
    return Insp(server)


def issued(ins, due, rebound=False):
    obj = ins.create()
    oid = obj["id"]
    ins.act(oid, "gc_office", "open")
    ins.team(oid)
    ins.act(oid, "gc_office", "submit_scheme")
    ins.act(oid, "gc_principal", "approve_scheme")
    ins.act(oid, "gc_office", "start")
    ins.finding(oid, due_date=due, rebound=rebound)
    ins.act(oid, "gc_inspector", "submit_findings")
    ins.act(oid, "gc_office", "issue_findings")
    return oid, ins.tasks(oid)[0]["id"]


def test_lights_follow_the_deadline(ins):
    ins.move_clock("2026-09-01T09:00:00+08:00")
    oid, tid = issued(ins, "2026-09-30")
    assert ins.rect(tid)["light"] == "green"
    ins.move_clock("2026-09-29T09:00:00+08:00")
    assert ins.rect(tid, "gc_contact")["light"] == "yellow"
    ins.move_clock("2026-10-09T09:00:00+08:00")
    t = ins.rect(tid)
    assert t["light"] == "red"
    red = ins.c("gc_office").get(f"/api/v1/rectifications?light=red&inspection_id={oid}").json
    assert [x["id"] for x in red["tasks"]] == [tid] and red["total"] == 1
    assert ins.c("gc_office").get(f"/api/v1/rectifications?light=green&inspection_id={oid}").json["total"] == 0
    assert ins.c("gc_office").get("/api/v1/rectifications?light=blue").status == 400
    # the counts per light under the other filters, whichever light is chosen (the list's cards: 全部 showed the
    # chosen light's total, the lights no count)
    for light in ("", "light=red&", "light=green&"):
        got = ins.c("gc_office").get(f"/api/v1/rectifications?{light}inspection_id={oid}").json["lights"]
        assert got == {"all": 1, "red": 1, "yellow": 0, "green": 0}, (light, got)
    ins.finish_task(tid)
    assert ins.rect(tid)["light"] == "none"
    assert ins.c("gc_office").get(f"/api/v1/rectifications?inspection_id={oid}").json["lights"] == \
        {"all": 1, "red": 0, "yellow": 0, "green": 0}, "a task closed has no light, and is still one of all"


def test_a_rebounding_problem_comes_back_as_a_look_back(ins):
    def lookbacks():  # the look-backs this test opens (the demo has its own)
        drafts = ins.c("gc_office").get("/api/v1/inspections?basis=lookback&per_page=200").json["inspections"]
        return [d for d in drafts if d["id"] not in before and t["title"] in d["subject"]]

    before = {d["id"] for d in ins.c("gc_office").get("/api/v1/inspections?basis=lookback&per_page=200").json["inspections"]}
    ins.move_clock("2026-09-01T09:00:00+08:00")
    oid, tid = issued(ins, "2026-09-20", rebound=True)
    ins.finish_task(tid)
    t = ins.rect(tid)
    assert t["lookback_due"] == "2026-12-01"
    # nothing before the day
    ins.move_clock("2026-11-30T09:00:00+08:00")
    scan(ins.server)  # a pass on the day before, done when it returns
    assert not lookbacks()
    # the day comes: the scheduler opens the draft
    ins.move_clock("2026-12-01T08:30:00+08:00")
    found = wait_for(lookbacks, timeout=60)
    assert len(found) == 1, found
    lb = ins.get(found[0]["id"])
    assert lb["state"] == "draft" and lb["targets"][0]["name"] == "古城县交通运输局" and lb["start_date"] == "2026-12-01"
    assert "lookback" in lb["methods"] and lb["origins"][0]["kind"] == "lookback" and lb["origins"][0]["ref_id"] == tid
    assert "open" in lb["allowed_actions"]  # a follow-up of an approved inspection: no new approval
    assert ins.rect(tid)["lookback_inspection_id"] == lb["id"]  # the task links to it
    inbox = ins.c("gc_office").get("/api/v1/inbox?limit=200").json["messages"]
    assert {m["link"] for m in inbox if m["object_type"] == "inspection" and m["object_id"] == lb["id"]} \
        == {f"/inspections/{lb['id']}"}  # the message opens the draft
    events = ins.c("gc_office").get(f"/api/v1/rectifications/{tid}/events").json["events"]
    assert events[-1]["action"] == "lookback"
    # once only, however many passes
    scan(ins.server)
    assert len(lookbacks()) == 1
    # it does not count against the year's cap
    year = ins.c("gc_office").get("/api/v1/inspections/caps?year=2026").json
    ins.act(lb["id"], "gc_office", "open")
    assert ins.c("gc_office").get("/api/v1/inspections/caps?year=2026").json["unplanned"] == year["unplanned"]


def test_the_unit_cannot_verify_its_own_work(ins):
    ins.move_clock("2026-09-01T09:00:00+08:00")
    oid, tid = issued(ins, "2026-10-20")
    ins.ract(tid, "gc_contact", "receive")
    ins.ract(tid, "gc_contact", "submit", {"text": "已整改"})
    ins.ract(tid, "gc_head", "sign")
    r = ins.ract(tid, "gc_head", "verify", {"text": "自己核查"}, expect=403)
    assert r.status == 403
    r = ins.ract(tid, "gc_office", "verify", {}, expect=422)
    assert "text" in r.error["message"]
    r = ins.ract(tid, "gc_contact", "report", {"text": "x", "percent": 50}, expect=409)
    assert "只能在" in r.error["message"]


def test_the_progress_is_the_units_last_percent_and_100_once_its_head_has_signed(ins):
    """A task's progress: the percent of the unit's latest progress report (each report gives one), 100 once the
    head has signed the rectification report — it showed 0 % until the office verified — and the last percent
    again when the office returns it, in the list as on the task."""
    ins.move_clock("2026-09-01T09:00:00+08:00")
    oid, tid = issued(ins, "2026-10-20")

    def progress():
        one = ins.rect(tid)["progress"]
        listed = [t["progress"] for t in ins.c("gc_office").get(f"/api/v1/rectifications?inspection_id={oid}").json["tasks"]]
        assert listed == [one], (listed, one)
        return one

    ins.ract(tid, "gc_contact", "receive")
    assert progress() == 0
    ins.ract(tid, "gc_contact", "report", {"text": "已完成路面修补六成", "percent": 60})
    assert progress() == 60
    r = ins.ract(tid, "gc_contact", "report", {"text": "补充现场照片"}, expect=422)
    assert r.error["field"] == "percent", r.error
    ins.ract(tid, "gc_contact", "submit", {"text": "已整改完毕"})
    assert progress() == 60, "awaiting the head's signature: still the unit's own percent"
    ins.ract(tid, "gc_head", "sign")
    assert progress() == 100
    ins.ract(tid, "gc_office", "return", {"reason": "仍有两处坑槽未修补"})
    assert progress() == 60
    r = ins.ract(tid, "gc_contact", "report", {"text": "x", "percent": 101}, expect=422)
    assert "percent" in r.error.get("field", "") + r.error["message"]
    assert progress() == 60
    ins.ract(tid, "gc_contact", "submit", {"text": "已全部修补"})
    ins.ract(tid, "gc_head", "sign")
    ins.ract(tid, "gc_office", "verify", {"text": "现场核查已修补到位"})
    assert progress() == 100


def test_a_late_task_climbs_the_same_ladder_as_an_item(ins):
    """The task's deadline is a milestone on the clocks: reminder on the day, then pressing, the written
    notice and the report to the principal leader, each once, to the same people as an item's — and the
    task is flagged. A task signed in time is done and never reminded; one the office returns gets the
    same deadline again."""
    ins.move_clock("2026-09-01T09:00:00+08:00")
    oid, tid = issued(ins, "2026-09-10")
    ms = ins.c("gc_office").get(f"/api/v1/milestones?owner_kind=rectification&owner_id={tid}").json["milestones"]
    assert len(ms) == 1 and ms[0]["kind"] == "rectification" and ms[0]["due_date"] == "2026-09-10", ms
    assert ms[0]["unit_id"] == ins.unit("gc-jt") and ms[0]["kind_label"] == "整改时限"
    late = ms[0]["id"]
    # a second task of the same inspection's unit, signed in time
    _, ontime = issued(ins, "2026-09-10")
    ins.ract(ontime, "gc_contact", "receive")
    ins.ract(ontime, "gc_contact", "submit", {"text": "已整改"})
    ins.ract(ontime, "gc_head", "sign")

    def msgs(user, kind):
        got = ins.c(user).get("/api/v1/inbox?limit=200").json["messages"]
        return [m for m in got if m["object_type"] == "milestone" and m["object_id"] == late and m["kind"] == kind]

    steps = [("2026-09-08T09:00:00+08:00", {"gc_contact": "reminder"}),  # two working days ahead
             ("2026-09-10T09:00:00+08:00", {"gc_contact": "reminder"}),
             ("2026-09-11T09:00:00+08:00", {"gc_leader": "press", "gc_deputy": "press"}),
             ("2026-09-15T09:00:00+08:00", {"gc_contact": "notice", "gc_head": "notice", "gc_office": "notice"}),
             ("2026-09-17T09:00:00+08:00", {"gc_principal": "report", "gc_office": "report"})]
    for now, who in steps:
        ins.move_clock(now)
        for user, kind in who.items():
            n = 2 if now.startswith("2026-09-10") and kind == "reminder" else 1
            assert wait_for(lambda: len(msgs(user, kind)) >= n), (now, user, kind)
            # each message opens the task's page, and the task opens for the one who received it
            assert {m["link"] for m in msgs(user, kind)} == {f"/inspections/rectifications/{tid}"}, (user, kind)
            assert ins.c(user).get(f"/api/v1/rectifications/{tid}").status == 200, (user, kind)
    # the last step says what it did: reported and flagged, not listed for inspection
    report = msgs("gc_principal", "report")[0]
    assert report["subject"].endswith("已报告主要领导，整改任务标记为逾期上报"), report
    t = wait_for(lambda: ins.rect(tid)["escalated"] and ins.rect(tid))
    assert t and t["light"] == "red"
    events = ins.c("gc_office").get(f"/api/v1/rectifications/{tid}/events").json["events"]
    ladder = [e["action"] for e in events if e["kind"] == "deadline"]
    assert ladder == ["remind-2", "remind-0", "press", "notice", "report"], ladder
    assert events[-1]["action"] == "escalate"
    for user, kinds in {"gc_contact": {"reminder": 2, "notice": 1}, "gc_office": {"notice": 1, "report": 1},
                        "gc_principal": {"report": 1}, "gc_head2": {"notice": 0}}.items():
        for kind, n in kinds.items():
            assert len(msgs(user, kind)) == n, (user, kind)
    # in time: done, no step taken
    done = ins.c("gc_office").get(f"/api/v1/milestones?owner_kind=rectification&owner_id={ontime}").json["milestones"]
    assert done[0]["state"] == "done" and done[0]["steps"] == [] and done[0]["light"] == "done"
    # returned by the office: the same deadline again, a milestone of its own
    ins.ract(ontime, "gc_office", "return", {"reason": "台账不完整"})
    again = ins.c("gc_office").get(f"/api/v1/milestones?owner_kind=rectification&owner_id={ontime}").json["milestones"]
    assert [(m["seq"], m["due_date"], m["state"]) for m in again] == [(1, "2026-09-10", "done"), (2, "2026-09-10", "open")]
    # verified: nothing left open
    ins.ract(tid, "gc_contact", "receive")
    ins.ract(tid, "gc_contact", "submit", {"text": "已整改"})
    ins.ract(tid, "gc_head", "sign")
    ins.ract(tid, "gc_office", "verify", {"text": "经核查已整改"})
    ins.ract(ontime, "gc_contact", "submit", {"text": "已补齐台账"})
    ins.ract(ontime, "gc_head", "sign")
    ins.ract(ontime, "gc_office", "verify", {"text": "经核查已整改"})
    for task in (tid, ontime):
        left = ins.c("gc_office").get(f"/api/v1/milestones?owner_kind=rectification&owner_id={task}").json["milestones"]
        assert all(m["state"] != "open" for m in left), left
