"""A clue's verification (线索核查) late on the test clock: the ladder's messages reach the verifying unit and the
office, each opens the clue's page (link /clues/{id}) for the one who receives it, and each says what actually
happens — the press asks the unit's head, the last step reports to the office; nothing is listed for
inspection, because a clue is never escalated by the ladder (the office decides what becomes of it)."""

import pytest

from cluelib import Clues
from conftest import wait_for


@pytest.fixture(scope="module")
def cl(server):
    return Clues(server)


def move_clock(cl, now):
    r = cl.server.client("admin").put("/api/v1/admin/clock", {"now": now})
    assert r.status == 200, r
    cl.clients.clear()  # moving the clock ends the sessions idle since


def test_a_late_verification_climbs_the_ladder_with_messages_that_open_the_clue(cl):
    move_clock(cl, "2026-09-01T09:00:00+08:00")
    cid = cl.create()["id"]
    cl.act(cid, "gc_office", "assign", {"unit_id": cl.unit("gc-jt"), "due_date": "2026-09-10",
                                        "request": "请实地核查并拍照说明"})
    ms = cl.c("gc_office").get(f"/api/v1/milestones?owner_kind=clue&owner_id={cid}").json["milestones"]
    assert [(m["kind"], m["clue_id"], m["due_date"], m["kind_label"]) for m in ms] == \
        [("verification", cid, "2026-09-10", "线索核查")], ms
    mid = ms[0]["id"]

    def msgs(user, kind):
        got = cl.c(user).get("/api/v1/inbox?limit=200").json["messages"]
        return [m for m in got if m["object_type"] == "milestone" and m["object_id"] == mid and m["kind"] == kind]

    steps = [("2026-09-10T09:00:00+08:00", {"gc_contact": "reminder"}),
             ("2026-09-11T09:00:00+08:00", {"gc_contact": "press", "gc_head": "press"}),
             ("2026-09-15T09:00:00+08:00", {"gc_contact": "notice", "gc_head": "notice", "gc_office": "notice"}),
             ("2026-09-17T09:00:00+08:00", {"gc_contact": "report", "gc_head": "report", "gc_office": "report"})]
    for now, who in steps:
        move_clock(cl, now)
        for user, kind in who.items():
            assert wait_for(lambda: msgs(user, kind)), (now, user, kind)
            for m in msgs(user, kind):
                # the message opens the clue's page, and the page's clue opens for its recipient
                assert m["link"] == f"/clues/{cid}", m
                assert cl.c(user).get(f"/api/v1/clues/{cid}").status == 200, (user, kind)
    press = msgs("gc_head", "press")[0]
    assert "请核查单位主要负责人督促抓紧核查" in press["body"] and "分管领导" not in press["body"], press
    report = msgs("gc_office", "report")[0]
    assert "列入督查事项" not in report["subject"] + report["body"], report
    assert report["subject"].endswith("已报告督查室，由督查室决定另行交办核查、转为督办事项或督查"), report
    # the ladder listed nothing: the clue is still the verifying unit's, its timeline holds the four steps
    got = cl.get(cid)
    assert got["state"] == "verifying", got
    # the leader in charge was asked nothing (no message names him) and the verifier's to-do is still there
    assert not msgs("gc_leader", "press")
    todos = cl.c("gc_contact").get("/api/v1/todos?kind=clue&limit=200").json["todos"]
    assert any(t["object_id"] == cid and t["task"] == "verify" and t["link"] == f"/clues/{cid}" for t in todos)


def test_a_transfer_is_answered_above_by_its_deadline_reminded_to_the_office_and_done_at_close(cl):
    """A clue transferred from above with 办理时限 carries the milestone "transfer_reply" (上级转办答复) of the clue
    as a whole: the ladder reminds and presses the office, closing the clue does it — and closing the clue a
    transfer was merged into does the transfer's too."""
    from test_clues_office import csv_bytes, upload
    move_clock(cl, "2026-10-12T09:00:00+08:00")
    rows = [[f"GWY-LADDER-{i}", "国务院“互联网+督查”平台", "营商环境", "城关镇", f"南街{i}号",
             f"反映城关镇南街{i}号商户办理许可多次往返，窗口要求提供法律未规定的材料，第{i}件。", "2026-10-16",
             "2026-10-10", "", ""] for i in range(2)]
    r = upload(cl, csv_bytes(rows), "转办.csv")
    assert r.status == 201, r
    closed, merged = (c["id"] for c in r.json["clues"])

    def milestones(cid):
        got = cl.c("gc_office").get(f"/api/v1/milestones?owner_kind=clue&owner_id={cid}").json["milestones"]
        return [(m["kind"], m["due_date"], m["kind_label"], m["state"]) for m in got]
    for cid in (closed, merged):
        assert milestones(cid) == [("transfer_reply", "2026-10-16", "上级转办答复", "open")], milestones(cid)
    mid = cl.c("gc_office").get(f"/api/v1/milestones?owner_kind=clue&owner_id={closed}").json["milestones"][0]["id"]

    def msgs(user, kind):
        got = cl.c(user).get("/api/v1/inbox?limit=200").json["messages"]
        return [m for m in got if m["object_type"] == "milestone" and m["object_id"] == mid and m["kind"] == kind]
    # the answer above is the office's: reminded on the day, pressed after it (the office, not a unit)
    move_clock(cl, "2026-10-16T09:00:00+08:00")
    assert wait_for(lambda: msgs("gc_office", "reminder")), "no reminder"
    move_clock(cl, "2026-10-19T09:00:00+08:00")
    assert wait_for(lambda: msgs("gc_office", "press")), "no press"
    press = msgs("gc_office", "press")[0]
    assert press["link"] == f"/clues/{closed}" and "请督查室抓紧答复上级转办的线索" in press["body"], press
    assert not msgs("gc_contact", "press") and not msgs("gc_contact", "reminder")
    # closed: done (late); the other merged into a staff record, done when that one is closed
    cl.act(closed, "gc_office", "close", {"close_reason": "resolved", "reply": "已督促整改并答复上级。"})
    assert milestones(closed) == [("transfer_reply", "2026-10-16", "上级转办答复", "done")], milestones(closed)
    into = cl.create()["id"]
    cl.act(merged, "gc_office", "merge", {"into": into})
    assert milestones(merged)[0][3] == "open", milestones(merged)
    cl.act(into, "gc_office", "close", {"close_reason": "resolved", "reply": "已一并办理。"})
    assert milestones(merged) == [("transfer_reply", "2026-10-16", "上级转办答复", "done")], milestones(merged)
