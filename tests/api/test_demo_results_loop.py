"""The demo's results as each role finds them (issue 12's walk): an item of 交通运输局 assigned 45 days ago and
reported at 10 % is behind its time, so 研判预警 has a row for the office and for the bureau's contact (and none
for another county); an admonition talk (约谈) about it waits on the principal leader — his to-do, the office's
record — and the bureau does not see it before it is issued, then does once it is."""
import datetime

import pytest

from itemlib import Items

TITLE = "县城公交站亭改造提升"
TALK = "关于约谈县交通运输局分管负责人的决定"


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def item_id(it):
    rows = it.ledger(q=TITLE)["items"]
    assert [r["title"] for r in rows] == [TITLE], rows
    return rows[0]["id"]


def test_the_demo_item_at_risk_is_an_early_warning_for_the_office_and_the_unit(it):
    iid = item_id(it)
    for user in ("gc_office", "gc_contact"):
        r = it.c(user).get("/api/v1/warnings?per_page=200")
        assert r.status == 200, r
        mine = [w for w in r.json["warnings"] if w["item_id"] == iid]
        assert len(mine) == 1 and mine[0]["unit_name"] == "古城县交通运输局" and mine[0]["percent"] == 10, (user, mine)
        # behind its time (the scheduler's ladder may add other signals while the server runs)
        pace = [s for s in mine[0]["signals"] if s["signal"] == "pace"]
        assert len(pace) == 1 and pace[0]["facts"]["percent"] == 10, mine
        assert any(u["unit_name"] == "古城县交通运输局" and u["items"] >= 1 for u in r.json["units"]), r.json["units"]
    # the housing bureau and another county see none of it
    for user in ("gc_contact2", "ap_office"):
        r = it.c(user).get("/api/v1/warnings?per_page=200")
        assert r.status == 200 and not [w for w in r.json["warnings"] if w["item_id"] == iid], (user, r.json)


def talk_of(it, user):
    r = it.c(user).get("/api/v1/results?kind=talk&per_page=100")
    assert r.status == 200, r
    return [x for x in r.json["results"] if x["title"] == TALK]


def test_the_demo_talk_waits_on_the_principal_and_reaches_the_unit_once_issued(it):
    [talk] = talk_of(it, "gc_office")
    assert talk["state"] == "pending", talk
    todos = it.c("gc_principal").get("/api/v1/todos?kind=result&limit=200").json["todos"]
    assert [t["task"] for t in todos if t["object_id"] == talk["id"]] == ["approve"], todos
    # the bureau does not see it before the issue, neither in the list nor by its address
    for user in ("gc_contact", "gc_head"):
        assert talk_of(it, user) == []
        assert it.c(user).get(f"/api/v1/results/{talk['id']}").status == 404
    # the office cannot approve it; the principal leader does, the office issues it
    assert it.c("gc_office").post(f"/api/v1/results/{talk['id']}/actions/approve", {}).status == 403
    r = it.c("gc_principal").post(f"/api/v1/results/{talk['id']}/actions/approve", {})
    assert r.status == 200 and r.json["state"] == "approved", r
    r = it.c("gc_office").post(f"/api/v1/results/{talk['id']}/actions/issue", {})
    assert r.status == 200 and r.json["state"] == "issued", r
    [seen] = talk_of(it, "gc_head")
    assert seen["id"] == talk["id"]
    assert [i["id"] for i in it.c("gc_head").get(f"/api/v1/results/{talk['id']}").json["items"]] == [item_id(it)]
    assert any(m["object_id"] == talk["id"] for m in it.c("gc_head").get("/api/v1/inbox?limit=100").json["messages"]
               if m["object_type"] == "result")


def test_the_demo_talk_held_was_approved_before_it_was_held_and_recorded_after(it):
    """The demo's talk that was held: decided and approved, then held, then recorded, then followed up — in that
    order (it was held at 09:00 on the day it was approved hours later)."""
    rows = it.c("gc_office").get("/api/v1/results?kind=talk&per_page=100").json["results"]
    [held] = [r for r in rows if r["title"] == "关于约谈县交通运输局主要负责人的决定"]
    talk = it.c("gc_office").get(f"/api/v1/results/{held['id']}").json
    events = {e["action"]: e["at"] for e in it.c("gc_office").get(f"/api/v1/results/{held['id']}/events").json["events"]}

    def instant(local):  # "YYYY-MM-DD HH:MM" in Beijing
        return (datetime.datetime.fromisoformat(local) - datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert talk["talk"]["held_at"] == talk["talk"]["at"], talk["talk"]
    order = [talk["approved_at"], talk["issued_at"], instant(talk["talk"]["at"]), events["record_talk"],
             events["follow_up"]]
    assert order == sorted(order) and len(set(order[2:])) == 3, order


def test_the_demo_objection_waits_on_the_office_which_decides_it_and_the_bureau_is_told(it):
    """Last year's card of 古城县 is issued with an adjustment of −2 to 交通运输局, to which the bureau's head objected:
    the office has the to-do (decide) and the decisions; the bureau sees its objection, another county does not; the
    office rejects it and the head is told. This year's draft stays the newest card of the list."""
    year = it.c("gc_office").get("/api/v1/scoring/rules").json["year"]
    assert it.c("gc_office").get("/api/v1/scorecards").json["scorecards"][0]["year"] == year
    [card] = it.c("gc_office").get(f"/api/v1/scorecards?year={year - 1}").json["scorecards"]
    assert card["state"] == "issued", card
    r = it.c("gc_office").get(f"/api/v1/objections?scorecard_id={card['id']}")
    assert r.status == 200 and r.json["total"] == 1, r
    [obj] = r.json["objections"]
    assert obj["state"] == "pending" and obj["unit"]["code"] == "gc-jt" and obj["adjustment_id"], obj
    assert obj["points_before"] == -2 and obj["evidence"].startswith("公文交换签收单"), obj
    todos = it.c("gc_office").get("/api/v1/todos?kind=objection&limit=200").json["todos"]
    # the to-do names the unit that objected and the card
    assert [(t["task"], t["title"]) for t in todos if t["object_id"] == obj["id"]] == [
        ("decide", f"古城县交通运输局：{card['title']}")], todos
    assert set(it.c("gc_office").get(f"/api/v1/objections/{obj['id']}").json["allowed_actions"]) == {"uphold", "reject"}
    for user in ("gc_head", "gc_contact"):
        assert it.c(user).get(f"/api/v1/objections/{obj['id']}").json["allowed_actions"] == [], user
    for user in ("gc_head2", "ap_office"):
        assert it.c(user).get(f"/api/v1/objections/{obj['id']}").status == 404, user
    # the bureau's card shows the objection on the adjustment
    mine = it.c("gc_head").get(f"/api/v1/scorecards/{card['id']}/units/{obj['unit']['id']}").json
    assert [a["objection"]["state"] for a in mine["adjustments"] if a["id"] == obj["adjustment_id"]] == ["pending"]
    # the office rejects it: the to-do leaves, the head is told
    r = it.c("gc_office").post(f"/api/v1/objections/{obj['id']}/actions/reject", {"reason": "经核查公文交换记录，未见该报告"})
    assert r.status == 200 and r.json["state"] == "rejected", r
    todos = it.c("gc_office").get("/api/v1/todos?kind=objection&limit=200").json["todos"]
    assert [t for t in todos if t["object_id"] == obj["id"]] == []
    assert any(m["object_id"] == obj["id"] for m in it.c("gc_head").get("/api/v1/inbox?limit=100").json["messages"]
               if m["object_type"] == "objection")
