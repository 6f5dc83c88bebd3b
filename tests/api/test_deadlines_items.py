"""Deadlines on real supervision items (issue 5): registration fills each track's milestones from the
rules; with the test clock an item is walked past its milestones and every reminder and ladder step
happens once, in order, to the right people, across a server restart; overrides are audited; a
suspension pauses the clocks."""

import contextlib

import pytest

from conftest import Clients, Server, cn_date, scan, wait_for
from itemlib import clock
from test_audit_trail import sql

START = "2026-03-02T09:00:00+08:00"  # a Monday



class World(Clients):
    def clock(self, now):
        clock(self.server, now, self)

    def item(self, co=(), **kw):
        body = {"title": kw.pop("title", "城区道路积水点整治"), "requirement": "排查并整治积水点",
                "source_kind": kw.pop("source_kind", "leader_assigned"), "lead_unit_id": self.unit("gc-jt"),
                "co_unit_ids": [self.unit(x) for x in co], "due_date": kw.pop("due_date", "2026-03-12"),
                "leader_id": self.c("gc_leader").user["id"]}
        body.update(kw)
        r = self.c("gc_office").post("/api/v1/items", body)
        assert r.status == 201, r
        iid = r.json["id"]
        for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                             ("gc_office", "assign")):
            r = self.c(user).post(f"/api/v1/items/{iid}/actions/{action}", {})
            assert r.status == 200, (user, action, r)
        return iid

    def milestones(self, iid, user="gc_office"):
        r = self.c(user).get(f"/api/v1/milestones?item_id={iid}")
        assert r.status == 200, r
        return r.json["milestones"]

    def dues(self, iid, unit_code):
        uid = self.unit(unit_code)
        return {(m["kind"], m["seq"]): m["due_date"] for m in self.milestones(iid) if m["unit_id"] == uid}

    def resolution(self, iid):
        return [m for m in self.milestones(iid) if m["kind"] == "resolution" and m["unit_id"] == self.unit("gc-jt")][0]

    def inbox_for(self, user, ms_id):
        r = self.c(user).get("/api/v1/inbox?limit=200")
        assert r.status == 200, r
        return [m for m in r.json["messages"] if m["object_type"] == "milestone" and m["object_id"] == ms_id]

    def reminded_on_the_day(self, ms, label):
        """Moves the clock to milestone ms's due day (09:00) and returns the reminder its unit's contact gets."""
        self.clock(f"{ms['due_date']}T09:00:00+08:00")

        def reminders():
            return [m for m in self.inbox_for("gc_contact", ms["id"]) if m["kind"] == "reminder"]
        got = wait_for(reminders)
        assert got and f"“{label}”节点将于{cn_date(ms['due_date'])}到期" in got[-1]["subject"], got
        return got[-1]


@contextlib.contextmanager
def world_at(backend, now):
    """A World on a server of its own whose test clock was moved to the ISO instant now."""
    w = World(Server(backend.new_db()))
    try:
        w.clock(now)
        yield w
    finally:
        w.server.stop()


@pytest.fixture
def world(backend):
    with world_at(backend, START) as w:
        yield w


def test_registration_fills_milestones_from_the_rules(world):
    w = world
    general = w.item(co=["gc-zj"])  # due on the rule's day
    # 古政办发〔2021〕52号 writes 1日、1天、7天、10天: calendar days (Monday 2 Mar + 7 = Monday 9, + 10 = Thursday 12)
    want = {("receipt", 1): "2026-03-03", ("deployment", 1): "2026-03-04", ("first_feedback", 1): "2026-03-09",
            ("resolution", 1): "2026-03-12"}
    assert w.dues(general, "gc-jt") == want
    assert w.dues(general, "gc-zj") == want  # every responsible unit has its own track
    assert not w.resolution(general)["overridden"] and w.resolution(general)["reason"] in (None, "")
    # the item's own due date is its resolution, later or earlier than the rule's limit, which the milestone
    # names (古政办发〔2021〕52号: 凡注明办理期限的事项承办单位必须如期办结; 一般性问题"原则上"10天内)
    for kw, rule in (({"source_kind": "instruction"}, "交办后30日内（2026年4月1日）"),
                     ({"source_kind": "npc_cppcc"}, "交办后3个月内（2026年6月2日）"),
                     ({"importance": "major"}, "交办后1个月内（2026年4月2日）"),
                     ({}, "交办后10日内（2026年3月12日）")):
        ms = w.resolution(w.item(due_date="2026-12-31", **kw))
        assert ms["due_date"] == "2026-12-31" and ms["overridden"], (kw, ms)
        assert ms["reason"] == f"按立项注明的办理期限；规则时限为{rule}", (kw, ms["reason"])
    capped = w.item(due_date="2026-03-10")
    ms = w.resolution(capped)
    assert ms["due_date"] == "2026-03-10" and ms["overridden"]
    assert ms["reason"] == "按立项注明的办理期限；规则时限为交办后10日内（2026年3月12日）"
    # no milestone before the resolution falls after it: a limit of 5 Mar brings the first feedback forward
    short = w.item(due_date="2026-03-05")
    assert w.dues(short, "gc-jt") == {("receipt", 1): "2026-03-03", ("deployment", 1): "2026-03-04",
                                      ("first_feedback", 1): "2026-03-05", ("resolution", 1): "2026-03-05"}
    fb = [m for m in w.milestones(short) if m["kind"] == "first_feedback" and m["unit_id"] == w.unit("gc-jt")][0]
    assert fb["reason"] == "不晚于立项注明的办理期限；规则时限为交办后7日内（2026年3月9日）"
    # none of this is an override of a person: the item's timeline has no deadline entries
    events = w.c("gc_office").get(f"/api/v1/items/{short}/events").json["events"]
    assert [e for e in events if e["kind"] == "deadline"] == []
    annual = w.dues(w.item(kind="annual", due_date="2026-12-31"), "gc-jt")
    assert [annual[("periodic_report", i)] for i in (1, 2, 3)] == ["2026-07-15", "2026-10-15", "2027-01-15"]
    ongoing = w.dues(w.item(kind="ongoing", due_date="2026-12-31"), "gc-jt")
    assert ongoing[("periodic_report", 1)] == "2026-04-02" and ongoing[("periodic_report", 2)] == "2026-05-06"
    # the 阳泉 preset gives shorter limits to items registered afterwards
    assert w.c("admin").put("/api/v1/rules", {"preset": "yangquan"}).status == 200
    yq_item = w.item(due_date="2026-03-09")
    yq = w.dues(yq_item, "gc-jt")
    assert yq[("first_feedback", 1)] == "2026-03-05" and yq[("resolution", 1)] == "2026-03-09"
    assert not w.resolution(yq_item)["overridden"]
    later = w.resolution(w.item())  # due 12 Mar: the 阳泉 rule alone gives 9 Mar
    assert later["due_date"] == "2026-03-12" and "规则时限为交办后7日内（2026年3月9日）" in later["reason"]
    # the contact of 交通运输局 sees its own track's milestones, not those of 住建局
    seen = {m["unit_id"] for m in w.milestones(general, "gc_contact")}
    assert seen == {w.unit("gc-jt")}
    assert w.c("ap_office").get(f"/api/v1/milestones?item_id={general}").json["milestones"] == []


def test_the_milestones_come_lead_unit_first_then_each_co_unit_in_turn(world):
    """An item's milestones (GET /api/v1/milestones) in the order of its units' tracks, as the item's page shows
    them: the lead unit's, then each co-responsible unit's in the order the tracks were made, each unit's by due
    day. The co-responsible units here have lower unit ids than the lead unit, in falling order: a list by unit id
    (as before) puts them first."""
    w = world
    lead = w.unit("gc-jt")
    co = sorted((u for u in ("gc-zj", "gc-sw", "gc-jy", "gc-t1") if w.unit(u) < lead), key=w.unit, reverse=True)
    assert len(co) >= 2, co
    iid = w.item(co=co)
    ms = w.milestones(iid)
    units = [m["unit_id"] for m in ms]
    runs = [u for k, u in enumerate(units) if not k or units[k - 1] != u]
    assert runs == [lead] + [w.unit(u) for u in co], (runs, co)
    for u in runs:
        dues = [(m["due_date"], m["id"]) for m in ms if m["unit_id"] == u]
        assert dues == sorted(dues) and len(dues) == 4, dues


def test_unit_move_carries_its_milestones_along(world):
    """Milestones keep a copy of their unit's path (deadlines registers it with units): moving the unit
    moves the copy, so the unit's contact still sees its milestones and its reminders still reach it."""
    w = world
    iid = w.item(co=["gc-zj"])
    zj = w.unit("gc-zj")
    assert {m["unit_id"] for m in w.milestones(iid, "gc_contact2")} == {zj}
    gc_jt = w.c("gc_admin").get(f"/api/v1/units/{w.unit('gc-jt')}").json
    r = w.c("gc_admin").patch(f"/api/v1/units/{zj}", {"parent_id": gc_jt["id"]})
    assert r.status == 200, r
    assert r.json["path"] == f"{gc_jt['path']}{zj}/"
    w.clients.pop("gc_contact2", None)  # a new session carries the new path
    assert {m["unit_id"] for m in w.milestones(iid, "gc_contact2")} == {zj}
    # the first reminder of the moved unit's receipt milestone reaches its contact
    receipt = [m for m in w.milestones(iid, "gc_contact2") if m["kind"] == "resolution"][0]
    w.clock("2026-03-12T09:00:00+08:00")
    assert wait_for(lambda: w.inbox_for("gc_contact2", receipt["id"]))


def test_assignment_notifies_each_unit_and_the_leader(world):
    w = world
    iid = w.item(co=["gc-zj"])
    number = w.c("gc_office").get(f"/api/v1/items/{iid}").json["number"]
    # the contact signs for it, the head studies and deploys it within a day (古政办发〔2021〕52号), the
    # leader in charge is informed
    for user, role in (("gc_contact", "牵头单位"), ("gc_head", "牵头单位"), ("gc_contact2", "责任单位"),
                       ("gc_head2", "责任单位"), ("gc_leader", None)):
        msgs = [m for m in w.c(user).get("/api/v1/inbox").json["messages"]
                if m["object_type"] == "item" and m["object_id"] == iid]
        assert len(msgs) == 1, user
        assert msgs[0]["kind"] == "assignment" and msgs[0]["subject"] == f"【督办通知】{number}《城区道路积水点整治》"
        if role:
            assert role in msgs[0]["body"]
    assert not [m for m in w.c("ap_contact").get("/api/v1/inbox").json["messages"] if m["object_id"] == iid and
                m["object_type"] == "item"]


def test_override_is_audited_and_refused_to_others(world):
    w = world
    iid = w.item()
    ms = [m for m in w.milestones(iid) if m["kind"] == "resolution"][0]
    path = f"/api/v1/milestones/{ms['id']}"
    assert w.c("gc_contact").patch(path, {"due_date": "2026-03-31", "reason": "x"}).status == 403
    assert w.c("ap_office").patch(path, {"due_date": "2026-03-31", "reason": "x"}).status == 404
    assert w.c("gc_office").patch(path, {"due_date": "2026-03-31"}).status == 422
    assert w.c("gc_office").patch(path, {"due_date": "2026-02-30", "reason": "x"}).status == 422
    assert w.c("gc_office").patch("/api/v1/milestones/999999", {"due_date": "2026-03-31", "reason": "x"}).status == 404
    r = w.c("gc_office").patch(path, {"due_date": "2026-03-31", "reason": "需协调省级部门"})
    assert r.status == 200, r
    assert r.json["due_date"] == "2026-03-31" and r.json["overridden"] and r.json["reason"] == "需协调省级部门"
    audit = w.c("gc_office").get(f"/api/v1/audit?action=milestone.override&object_id={ms['id']}").json["records"]
    assert len(audit) == 1 and audit[0]["actor"] == "gc_office"
    events = w.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    assert any(e["kind"] == "deadline" and e["action"] == "override" and "需协调省级部门" in e["note"] for e in events)


def test_walk_past_milestones_ladder_once_in_order_across_restart(world):
    w = world
    iid = w.item(co=["gc-zj"])
    # the lead unit receives and reports on time; 住建局 (co) does nothing
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "已部署", "percent": 10}).status == 201
    ms = {(m["unit_id"], m["kind"]): m for m in w.milestones(iid)}
    jt, zj = w.unit("gc-jt"), w.unit("gc-zj")
    assert ms[(jt, "receipt")]["state"] == "done" and ms[(jt, "first_feedback")]["state"] == "done"
    late = ms[(zj, "receipt")]["id"]  # due Tuesday 3 Mar

    def step_names():
        return [s["step"] for m in w.milestones(iid) if m["id"] == late for s in m["steps"]]

    def got(user, kind, n=1):
        return wait_for(lambda: len([m for m in w.inbox_for(user, late) if m["kind"] == kind]) >= n)

    # Tuesday 3 Mar: the reminder on the due day, to 住建局's contact only
    w.clock("2026-03-03T09:00:00+08:00")
    assert got("gc_contact2", "reminder")
    assert step_names() == ["remind-0"]
    number = w.c("gc_office").get(f"/api/v1/items/{iid}").json["number"]
    reminder = w.inbox_for("gc_contact2", late)[0]
    assert reminder["subject"] == f"【催办】{number}《城区道路积水点整治》古城县住房和城乡建设局的“签收”节点将于2026年3月3日到期"
    # Wednesday: overdue; the deputy director and the leader in charge are asked to press
    w.clock("2026-03-04T09:00:00+08:00")
    assert got("gc_leader", "press") and got("gc_deputy", "press")
    assert step_names() == ["remind-0", "press"]
    lights = {m["id"]: m["light"] for m in w.milestones(iid)}
    assert lights[late] == "red"

    # restart the server mid-way
    db = w.server.db
    w.server.stop()
    w.server = Server(db)
    w.clients = {}
    w.clock("2026-03-05T09:00:00+08:00")
    scan(w.server)  # a pass on Thursday, done when it returns: no step that day
    assert step_names() == ["remind-0", "press"]
    # Friday 6 Mar (3 working days late): the written reminder notice to the unit, copied to the office
    w.clock("2026-03-06T09:00:00+08:00")
    for user in ("gc_contact2", "gc_head2", "gc_office"):
        assert got(user, "notice"), user
    # Tuesday 10 Mar (5 working days late): reported to the principal leader, listed for inspection
    w.clock("2026-03-10T09:00:00+08:00")
    assert got("gc_principal", "report") and got("gc_office", "report")
    w.clock("2026-04-30T09:00:00+08:00")
    scan(w.server)  # a pass weeks later: the ladder has no step after the report
    assert step_names() == ["remind-0", "press", "notice", "report"]
    m = [x for x in w.milestones(iid) if x["id"] == late][0]
    assert m["flagged"] and m["light"] == "red"
    item = w.c("gc_office").get(f"/api/v1/items/{iid}").json
    assert item["escalated"]  # listed for inspection (列入督查事项)
    # each step reached exactly its recipients, once
    expect = {"gc_contact2": {"reminder": 1, "notice": 1}, "gc_head2": {"notice": 1},
              "gc_leader": {"press": 1}, "gc_deputy": {"press": 1},
              "gc_office": {"notice": 1, "report": 1}, "gc_principal": {"report": 1},
              "gc_secretary": {"reminder": 1},  # the secretarial section follows the item: it chases the unit
              "gc_contact": {}, "gc_head": {}, "gc_director": {}}
    for user, kinds in expect.items():
        have = {}
        for msg in w.inbox_for(user, late):
            have[msg["kind"]] = have.get(msg["kind"], 0) + 1
        assert have == kinds, (user, have)
    # the lead unit's receipt, done in time, never climbed the ladder
    assert [s for s in ms[(jt, "receipt")]["steps"]] == []
    done = [x for x in w.milestones(iid) if x["id"] == ms[(jt, "receipt")]["id"]][0]
    assert done["light"] == "done"
    # every step is on the item's timeline and in the audit trail
    events = w.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    ladder = [e["action"] for e in events if e["kind"] == "deadline" and e["unit_id"] == zj and
              e["data"].get("milestone") == "receipt"]
    assert ladder == ["remind-0", "press", "notice", "report"]
    audit = w.c("admin").get(f"/api/v1/audit?object_type=milestone&object_id={late}").json["records"]
    assert sorted(a["action"] for a in audit) == sorted(["milestone.remind", "milestone.press", "milestone.notice",
                                                         "milestone.report"])


def test_suspension_pauses_the_clocks(world):
    w = world
    iid = w.item()
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "进行中", "percent": 20}).status == 201
    res = [m for m in w.milestones(iid) if m["kind"] == "resolution"][0]
    assert res["due_date"] == "2026-03-12"
    assert w.c("gc_leader").post(f"/api/v1/items/{iid}/actions/suspend", {"reason": "等待汛期结束"}).status == 200
    assert [m for m in w.milestones(iid) if m["kind"] == "resolution"][0]["paused"]
    # suspended for three weeks: no reminder, no escalation
    w.clock("2026-03-23T09:00:00+08:00")
    scan(w.server)  # a pass three weeks on
    res = [m for m in w.milestones(iid) if m["kind"] == "resolution"][0]
    assert res["steps"] == [] or all(s["step"].startswith("pause@") for s in res["steps"])
    assert w.c("gc_leader").post(f"/api/v1/items/{iid}/actions/resume", {"reason": "汛期结束"}).status == 200
    res = [m for m in w.milestones(iid) if m["kind"] == "resolution"][0]
    # paused Monday 2 Mar → Monday 23 Mar: 15 working days; 12 Mar + 15 working days = 2 Apr
    assert not res["paused"] and res["due_date"] == "2026-04-02"
    events = w.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    actions = [e["action"] for e in events if e["kind"] == "deadline"]
    assert actions == ["pause", "resume"]


def test_lights_follow_time_proportional_progress(world):
    w = world
    iid = w.item()
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "刚起步", "percent": 10}).status == 201

    def light():
        return [m for m in w.milestones(iid) if m["kind"] == "resolution"][0]["light"]

    assert light() == "green"
    # Friday 6 Mar: 4 of the 10 days to 12 Mar gone (40 %), 10 % done: behind by more than pace_threshold (20)
    w.clock("2026-03-06T09:00:00+08:00")
    assert light() == "yellow"
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "过半", "percent": 60}).status == 201
    assert light() == "green"
    w.clock("2026-03-10T09:00:00+08:00")  # within yellow_days (2) working days of 12 Mar
    assert light() == "yellow"
    w.clock("2026-03-13T09:00:00+08:00")
    assert light() == "red"
    for user, action, body in (("gc_contact", "request_completion", {"text": "已完成"}), ("gc_head", "sign", {})):
        assert w.c(user).post(f"/api/v1/items/{iid}/actions/{action}", body).status == 200, action
    res = [m for m in w.milestones(iid) if m["kind"] == "resolution"][0]
    assert res["state"] == "done" and res["done_late"] and res["light"] == "done_late"


def test_two_nodes_take_each_ladder_step_once(world):
    """Two scheduler nodes on one database: every step and every notice happens once."""
    w = world
    iid = w.item(co=["gc-zj"])
    ms = [m for m in w.milestones(iid) if m["kind"] == "receipt" and m["unit_id"] == w.unit("gc-zj")][0]
    other = Server(w.server.db)

    def steps():
        return [s["step"] for m in w.milestones(iid) if m["id"] == ms["id"] for s in m["steps"]]
    try:
        # each day's step is waited for before the clock moves on: a day whose passes had not run yet when
        # the clock left it (a slow machine) would leave its step out (a reminder of a day gone is not sent)
        want = []
        for day, step in (("03", "remind-0"), ("04", "press"), ("05", None), ("06", "notice"), ("09", None),
                          ("10", "report"), ("11", None)):
            w.clock(f"2026-03-{day}T09:00:00+08:00")
            if step:
                want.append(step)
                assert wait_for(lambda: steps() == want), (day, steps())
            else:
                scan(w.server)  # a pass on a day without a step, done when it returns
                assert steps() == want, (day, steps())
        scan(other)
        assert steps() == ["remind-0", "press", "notice", "report"]
        for user, kinds in {"gc_contact2": ["notice", "reminder"], "gc_leader": ["press"],
                            "gc_principal": ["report"], "gc_office": ["notice", "report"]}.items():
            assert sorted(m["kind"] for m in w.inbox_for(user, ms["id"])) == kinds, user
    finally:
        other.stop()


def test_suspension_pauses_every_open_milestone_however_many(world):
    """No silent cap: an ongoing item with nineteen responsible units has 304 open milestones (receipt,
    deployment, first feedback, resolution and twelve monthly reports on each track); suspending it
    pauses every one, resuming restarts every one with its due day moved by the working days paused."""
    w = world
    admin = w.c("gc_admin")
    gc = admin.unit_id("gc")
    codes = [f"ms300-{i}" for i in range(18)]
    for i, code in enumerate(codes):
        r = admin.post("/api/v1/units", {"code": code, "name": f"测试局{i}", "kind": "department", "parent_id": gc})
        assert r.status == 201, r
    iid = w.item(co=codes, kind="ongoing", due_date="2026-12-31")
    before = {m["id"]: m for m in w.milestones(iid)}
    assert len(before) == 19 * 16 >= 300
    assert all(m["state"] == "open" and not m["paused"] for m in before.values())

    assert w.c("gc_leader").post(f"/api/v1/items/{iid}/actions/suspend", {"reason": "等待汛期结束"}).status == 200
    paused = w.milestones(iid)
    assert len(paused) == len(before) and all(m["paused"] for m in paused)
    events = [e for e in w.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"] if e["kind"] == "deadline"]
    assert [e["action"] for e in events] == ["pause"]
    assert len(events[0]["data"]["milestones"]) == len(before)

    w.clock("2026-03-09T09:00:00+08:00")  # a week later: five working days
    assert w.c("gc_leader").post(f"/api/v1/items/{iid}/actions/resume", {"reason": "汛期结束"}).status == 200
    after = w.milestones(iid)
    assert len(after) == len(before) and not any(m["paused"] for m in after)
    assert all(m["due_date"] > before[m["id"]]["due_date"] for m in after)
    assert all(any(s["step"].startswith("resume@") for s in m["steps"]) for m in after)


def test_every_ladder_step_reaches_who_must_act_with_a_todo_and_a_link(world):
    """The whole ladder of a track's monthly report while the unit head must sign its completion reply:
    the head, who holds the to-do, gets the reminders and the written notice; the contact, who has
    nothing to do now, only the notice DOMAIN.md §5 addresses to the unit; the leader in charge and the
    deputy director the press, the principal leader and the office the report. Every message opens the
    item."""
    w = world
    iid = w.item(kind="ongoing", due_date="2026-12-31")
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "已部署", "percent": 60}).status == 201
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/actions/request_completion", {"text": "已完成"})
    assert r.status == 200, r
    ms = [m for m in w.milestones(iid) if m["kind"] == "periodic_report" and m["seq"] == 1][0]
    assert ms["due_date"] == "2026-04-02" and ms["state"] == "open"

    def todos(user):
        r = w.c(user).get("/api/v1/todos?kind=item")
        assert r.status == 200, r
        return [t["task"] for t in r.json["todos"] if t["object_id"] == iid]

    def kinds(user):
        return sorted(m["kind"] for m in w.inbox_for(user, ms["id"]))

    # 4–6 Apr is the Qingming holiday: 3 working days late is 8 Apr, 5 working days late 10 Apr
    for day, user, want in (("2026-03-31", "gc_head", ["reminder"]),  # two working days before
                            ("2026-04-02", "gc_head", ["reminder", "reminder"]),  # the due day
                            ("2026-04-03", "gc_leader", ["press"]),  # overdue
                            ("2026-04-08", "gc_head", ["notice", "reminder", "reminder"]),
                            ("2026-04-10", "gc_principal", ["report"])):
        w.clock(f"{day}T09:00:00+08:00")
        assert wait_for(lambda: kinds(user) == want), (day, user, kinds(user))
        assert todos("gc_head") == ["sign"], day  # the message goes with the to-do it chases
        assert todos("gc_contact") == [], day
    scan(w.server)  # another pass on the last day adds nothing
    expect = {"gc_head": ["notice", "reminder", "reminder"], "gc_contact": ["notice"], "gc_leader": ["press"],
              "gc_deputy": ["press"], "gc_office": ["notice", "report"], "gc_principal": ["report"],
              "gc_director": []}
    for user, want in expect.items():
        assert kinds(user) == want, (user, kinds(user))
        assert all(m["link"] == f"/items/{iid}" for m in w.inbox_for(user, ms["id"])), user
    steps = [s["step"] for m in w.milestones(iid) if m["id"] == ms["id"] for s in m["steps"]]
    assert steps == ["remind-2", "remind-0", "press", "notice", "report"]


def test_the_ladder_hands_an_overdue_unit_to_a_leader_as_a_todo(world):
    """The press and the report steps hand a unit's overdue work to a leader (DOMAIN.md §5): the press step
    gives the leader in charge — the office when the item names none — a to-do to press (催办) that unit, the
    report step gives it to the principal leader, who may then press; each comes with the ladder's message,
    which opens the item. Pressing the unit, or the unit catching up, ends the to-do; nobody else, and nobody
    in the other county, gets it."""
    w = world
    # two ongoing NPC/CPPCC items (resolution due 2 Jun) whose units have received and reported: the monthly
    # report due 2 Apr is what is late
    kw = {"co": ["gc-zj"], "kind": "ongoing", "due_date": "2026-12-31", "source_kind": "npc_cppcc"}
    iid = w.item(**kw)  # the leader in charge is gc_leader
    bare = w.item(**kw, title="背街小巷路灯维修", leader_id=None)
    tracks = {}
    for oid in (iid, bare):
        for t in w.c("gc_office").get(f"/api/v1/items/{oid}").json["tracks"]:
            tracks[(oid, t["unit_code"])] = t["id"]
        for contact in ("gc_contact", "gc_contact2"):
            assert w.c(contact).post(f"/api/v1/items/{oid}/actions/receive", {}).status == 200
            r = w.c(contact).post(f"/api/v1/items/{oid}/reports", {"text": "已部署", "percent": 20})
            assert r.status == 201, r
    users = ["gc_office", "gc_leader", "gc_principal", "gc_deputy", "gc_director", "gc_secretary", "gc_contact",
             "gc_head", "gc_contact2", "gc_head2", "lc_office", "ap_office", "ap_deputy", "ap_director"]

    def ladder(user):
        """{(item, unit code, task)} of the user's ladder to-dos about the two items."""
        r = w.c(user).get("/api/v1/todos?kind=item&limit=200")
        assert r.status == 200, r
        out = set()
        for t in r.json["todos"]:
            if t["object_id"] in (iid, bare) and t["task"].startswith("ladder_"):
                assert t["part"]["kind"] == "ladder" and t["link"] == f"/items/{t['object_id']}", t
                code = next(c for (o, c), tid in tracks.items() if o == t["object_id"] and tid == t["part"]["id"])
                assert t["unit_name"] == {"gc-jt": "古城县交通运输局", "gc-zj": "古城县住房和城乡建设局"}[code], t
                out.add((t["object_id"], code, t["task"]))
        return out

    def everyone(want):
        for u in users:
            assert ladder(u) == want.get(u, set()), (u, ladder(u))

    def told(user, kind, oid):
        r = w.c(user).get("/api/v1/inbox?limit=200")
        return [m for m in r.json["messages"] if m["kind"] == kind and m["link"] == f"/items/{oid}"]

    def press(user, oid, code=None, expect=200):
        body = {"text": "请抓紧办理"} | ({"track_id": tracks[(oid, code)]} if code else {})
        r = w.c(user).post(f"/api/v1/items/{oid}/actions/press", body)
        assert r.status == expect, (user, r)

    # 交通运输局 sends its monthly report on time for the first item
    w.clock("2026-03-31T09:00:00+08:00")
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "三月进展", "percent": 40})
    assert r.status == 201, r
    w.clock("2026-04-02T09:00:00+08:00")  # the due day: reminders only
    assert wait_for(lambda: told("gc_contact2", "reminder", iid))
    everyone({})
    # overdue (press): the leader in charge must press 住建局; without a leader in charge, the office each unit
    w.clock("2026-04-03T09:00:00+08:00")
    assert wait_for(lambda: ladder("gc_leader") == {(iid, "gc-zj", "ladder_press")}), ladder("gc_leader")
    assert wait_for(lambda: len(ladder("gc_office")) == 2)
    everyone({"gc_leader": {(iid, "gc-zj", "ladder_press")},
              "gc_office": {(bare, "gc-jt", "ladder_press"), (bare, "gc-zj", "ladder_press")}})
    assert told("gc_leader", "press", iid) and told("gc_office", "press", bare)  # the message goes with it
    assert not told("gc_office", "press", iid)
    mine = [t for t in w.c("gc_leader").get("/api/v1/todos?kind=item").json["todos"] if t["object_id"] == iid]
    assert [t["label"] for t in mine] == ["逾期待督办，请催办承办单位"]
    # the principal leader may not press yet: the item was not reported to them
    press("gc_principal", iid, "gc-zj", expect=403)
    # pressing the unit ends the to-do: the leader 住建局 on the one item, the office the whole other item
    press("gc_leader", iid, "gc-zj")
    press("gc_office", bare)
    everyone({})
    # the written notice goes to the unit (8 Apr, after the Qingming holiday): no leader's to-do comes back
    w.clock("2026-04-08T09:00:00+08:00")
    assert wait_for(lambda: told("gc_head2", "notice", iid))
    everyone({})
    # reported (10 Apr): the principal leader must press; the item is listed for inspection, so they may
    w.clock("2026-04-10T09:00:00+08:00")
    assert wait_for(lambda: len(ladder("gc_principal")) == 3), ladder("gc_principal")
    everyone({"gc_principal": {(iid, "gc-zj", "ladder_report"), (bare, "gc-jt", "ladder_report"),
                               (bare, "gc-zj", "ladder_report")}})
    assert told("gc_principal", "report", iid) and told("gc_principal", "report", bare)
    assert w.c("gc_office").get(f"/api/v1/items/{iid}").json["escalated"]
    press("gc_principal", iid, "gc-zj")
    everyone({"gc_principal": {(bare, "gc-jt", "ladder_report"), (bare, "gc-zj", "ladder_report")}})
    # 住建局 catches up on the other item: its overdue report is in, nothing is left to press it for
    r = w.c("gc_contact2").post(f"/api/v1/items/{bare}/reports", {"text": "三月进展（补报）", "percent": 40})
    assert r.status == 201, r
    everyone({"gc_principal": {(bare, "gc-jt", "ladder_report")}})
    # the audit trail has each press
    audit = w.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}").json["records"]
    assert len([a for a in audit if a["action"] == "item.press"]) == 2


def test_reasons_written_before_name_the_rules_day_in_words(backend):
    """Migration 0079: a milestone's reason written with the ISO day ("…交办后10日内（2026-03-12）") reads in
    words once the database is next opened; other reasons are kept as they are."""
    db = backend.new_db()
    ids = [int(r[0]) for r in sql(db, "SELECT id FROM milestones ORDER BY id", fetch=True)[:3]]
    assert len(ids) == 3, "the demo data has milestones"
    old = {ids[0]: "按立项注明的办理期限；规则时限为交办后10日内（2026-03-02）",
           ids[1]: "不晚于立项注明的办理期限；规则时限为交办后1个月内（2026-12-14）",
           ids[2]: "按立项注明的办理期限（规则未规定办结时限）"}
    sql(db, [f"UPDATE milestones SET reason = '{v}' WHERE id = {k}" for k, v in old.items()]
        + ["DELETE FROM schema_migrations WHERE version = 79"])
    Server(db, env={"DUCHA_SCHEDULER": "false"}).stop()
    got = dict((int(k), v) for k, v in sql(db, "SELECT id, reason FROM milestones WHERE id IN (%s)"
                                           % ",".join(map(str, ids)), fetch=True))
    assert got == {ids[0]: "按立项注明的办理期限；规则时限为交办后10日内（2026年3月2日）",
                   ids[1]: "不晚于立项注明的办理期限；规则时限为交办后1个月内（2026年12月14日）",
                   ids[2]: "按立项注明的办理期限（规则未规定办结时限）"}, got


def test_an_overdue_units_todos_and_its_leaders_carry_the_day_it_is_late_since(world):
    """A unit the ladder pressed is late since the day of its overdue milestone, though the item is due months
    later: its own to-do and the leader's to-do to press it carry that day, so both are red (the light of a to-do
    is its day's); the unit that reported in time keeps the item's day, green. Once the unit catches up, its
    to-do is back on the item's day."""
    w = world
    iid = w.item(co=["gc-zj"], kind="ongoing", due_date="2026-12-31", source_kind="npc_cppcc")
    for contact in ("gc_contact", "gc_contact2"):
        assert w.c(contact).post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
        assert w.c(contact).post(f"/api/v1/items/{iid}/reports", {"text": "已部署", "percent": 20}).status == 201
    w.clock("2026-03-31T09:00:00+08:00")  # 交通运输局 reports for March in time, 住建局 does not
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "三月进展", "percent": 40}).status == 201

    def mine(user, task=None):
        r = w.c(user).get("/api/v1/todos?kind=item&limit=200")
        assert r.status == 200, r
        return [(t["task"], t["due_date"], t["light"]) for t in r.json["todos"]
                if t["object_id"] == iid and (task is None or t["task"] == task)]

    w.clock("2026-04-03T09:00:00+08:00")  # the monthly report due 2 Apr is late: pressed
    assert wait_for(lambda: mine("gc_leader", "ladder_press")), mine("gc_leader")
    assert mine("gc_leader", "ladder_press") == [("ladder_press", "2026-04-02", "red")]
    assert mine("gc_contact2") == [("report", "2026-04-02", "red")]
    assert mine("gc_contact") == [("report", "2026-12-31", "green")]
    # the counts of the workbench's cards agree with the rows
    counts = w.c("gc_contact2").get("/api/v1/todos?kind=item").json["counts"]
    assert counts["by_light"]["red"] >= 1, counts
    # 住建局 catches up: nothing is late any more, its to-do is on the item's day again, the leader's is gone
    assert w.c("gc_contact2").post(f"/api/v1/items/{iid}/reports", {"text": "三月进展（补报）", "percent": 40}).status == 201
    assert mine("gc_contact2") == [("report", "2026-12-31", "green")]
    assert mine("gc_leader", "ladder_press") == []


def test_a_units_milestones_found_late_together_reach_each_person_as_one_message(world):
    """When a pass finds several milestones of one unit's part late at once (the unit did nothing for a fortnight,
    or the scheduler was stopped), each milestone takes its own step — its step record, audit record and
    timeline entry — but each person hears of one unit's part once per step: one 【督办】 naming the unit and
    listing its milestones with their days, not one per milestone. Two units late on the same item are two
    messages, each naming its unit."""
    w = world
    iid = w.item(co=["gc-zj"])  # due 12 Mar; neither unit receives it
    names = {"gc-jt": "古城县交通运输局", "gc-zj": "古城县住房和城乡建设局"}
    w.clock("2026-03-13T09:00:00+08:00")  # a Friday: everything up to the item's deadline is late

    def late(code):
        uid = w.unit(code)
        return sorted((m for m in w.milestones(iid) if m["unit_id"] == uid and m["due_date"] < "2026-03-13"),
                      key=lambda m: (m["due_date"], m["id"]))

    def messages(user, kind):
        r = w.c(user).get("/api/v1/inbox?limit=200")
        assert r.status == 200, r
        return [m for m in r.json["messages"] if m["kind"] == kind and m["link"] == f"/items/{iid}"]

    assert wait_for(lambda: len(messages("gc_deputy", "press")) == 2), messages("gc_deputy", "press")
    number = w.c("gc_office").get(f"/api/v1/items/{iid}").json["number"]
    for code in ("gc-jt", "gc-zj"):
        ms = late(code)
        assert len(ms) >= 3, ms  # receipt, deployment, first feedback, resolution …
        # every late milestone took its own press step, recorded and audited
        for m in ms:
            assert [s["step"] for s in m["steps"]] == ["press"], m
            audit = w.c("admin").get(f"/api/v1/audit?action=milestone.press&object_id={m['id']}").json["records"]
            assert len(audit) == 1, (m["kind"], audit)
        # one message naming the unit and listing its milestones, earliest first, with their days
        mine = [x for x in messages("gc_deputy", "press") if names[code] in x["subject"]]
        assert len(mine) == 1, messages("gc_deputy", "press")
        msg = mine[0]
        labels = [f"“{m['kind_label']}”" for m in ms]
        head = f"【督办】{number}《城区道路积水点整治》{names[code]}的"
        assert msg["subject"] == head + "".join(labels[:3]) + (f"等{len(ms)}个节点已逾期" if len(ms) > 3 else "节点已逾期")
        days = "、".join(f"{lb}（{cn_date(m['due_date'])}）" for lb, m in zip(labels, ms))
        assert f"的{len(ms)}个节点办理时限已过：{days}。" in msg["body"], msg["body"]
        assert msg["object_type"] == "milestone" and msg["object_id"] == ms[-1]["id"], msg  # the last to close
        # the item's timeline keeps each milestone's step
        events = w.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
        stepped = sorted(e["data"]["milestone"] for e in events if e["kind"] == "deadline" and e["action"] == "press"
                         and e["unit_id"] == w.unit(code))
        assert stepped == sorted(m["kind"] for m in ms), stepped
    # the leader in charge hears of both units the same way, once each
    assert sorted(names[c] in m["subject"] for m in messages("gc_leader", "press") for c in names) == \
        [False, False, True, True], messages("gc_leader", "press")
    # the next working day the written notice: the unit's contact one message for its own part, the office one per unit
    w.clock("2026-03-16T09:00:00+08:00")
    assert wait_for(lambda: len(messages("gc_office", "notice")) == 2), messages("gc_office", "notice")
    assert wait_for(lambda: len(messages("gc_contact", "notice")) == 1)
    notice = messages("gc_contact", "notice")[0]
    assert notice["subject"].startswith(f"【书面催办通知】{number}《城区道路积水点整治》{names['gc-jt']}的“签收”"), notice
    assert notice["subject"].endswith("逾期未办结") and "督查室特发书面催办通知" in notice["body"], notice
    # three working days late by Monday: the milestones due by Wednesday 11 Mar (the resolution's comes on the 17th)
    noticed = [m for m in late("gc-jt") if m["due_date"] <= "2026-03-11"]
    assert len(noticed) >= 2 and all([s["step"] for s in m["steps"]] == ["press", "notice"] for m in noticed)
    assert all([s["step"] for s in m["steps"]] == ["press"] for m in late("gc-jt") if m not in noticed)
    assert notice["object_id"] == noticed[-1]["id"] and f"的{len(noticed)}个节点办理时限已过且经督办仍未办结" in notice["body"]
