"""Batch actions from the ledger (#15): approve, assign and 催办 (press) a selection. Each item is taken on its
own by the workflow engine — its own permission and state checks, its own audit record, to-dos and messages —
and the answer says, item by item in the order sent, what was done and what was refused with its reason.
Refusals of the whole request: bad input (each naming its field) and a role that may take the action on no
item at all."""
import pytest

from itemlib import Items, day


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def batch(it, user, body, expect=200):
    r = it.c(user).post("/api/v1/items/batch", body)
    assert r.status == expect, (user, body, r)
    return r.json if expect == 200 else r


def audit_actions(it, iid):
    records = it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}&limit=500").json["records"]
    return [a["action"] for a in records]


def todos_for(it, user, ids):
    out, after = [], None
    while True:
        r = it.c(user).get("/api/v1/todos?kind=item&limit=200" + (f"&after={after}" if after else ""))
        assert r.status == 200, r
        out += [t for t in r.json["todos"] if t["object_id"] in ids]
        after = r.json["next"]
        if not after:
            return out


def inbox_for(it, user, iid):
    r = it.c(user).get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    return [m for m in r.json["messages"] if m["object_type"] == "item" and m["object_id"] == iid]


def test_batch_approve_takes_each_item_on_its_own(it):
    a = it.bring("submitted", title="批量审批一：老旧小区改造")
    b = it.bring("submitted", title="批量审批二：农贸市场提升")
    draft = it.create(title="批量审批：仍是草稿")
    ap = it.c("ap_office")
    r = ap.post("/api/v1/items", {"title": "安平县的事项", "source_kind": "meeting", "lead_unit_id": ap.unit_id("ap-jt"),
                                  "due_date": day(60)})
    assert r.status == 201, r
    other = r.json
    it.act(other["id"], "ap_office", "submit")
    ids = [a["id"], draft["id"], other["id"], b["id"]]
    out = batch(it, "gc_deputy", {"action": "approve", "ids": ids})
    assert out["action"] == "approve" and out["action_label"] == "审批通过"
    assert out["done"] == 2 and out["refused"] == 2
    res = out["results"]
    assert [r["id"] for r in res] == ids
    assert res[0]["ok"] and res[0]["state"] == "deputy_approved" and res[0]["state_label"] == "待主任审批"
    assert res[0]["number"] == a["number"] and res[0]["title"] == a["title"] and "error" not in res[0]
    # the draft: refused for its state, with the engine's sentence
    assert not res[1]["ok"] and res[1]["error"]["code"] == "conflict" and "草稿" in res[1]["error"]["message"]
    assert res[1]["state"] == "draft" and res[1]["title"] == draft["title"]
    # the other county's item: not found, and nothing of it is told (no number, title or state)
    assert not res[2]["ok"] and res[2]["error"]["code"] == "not_found"
    assert set(res[2]) == {"id", "ok", "error"}
    assert res[3]["ok"] and res[3]["state"] == "deputy_approved"
    # each approved item has its own audit record and timeline entry; the refused ones none
    for iid in (a["id"], b["id"]):
        assert audit_actions(it, iid).count("item.approve") == 1
        ev = it.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
        assert [e["action"] for e in ev].count("approve") == 1
    assert "item.approve" not in audit_actions(it, draft["id"])
    assert it.get(draft["id"])["version"] == draft["version"]
    assert it.c("ap_office").get(f"/api/v1/items/{other['id']}").json["state"] == "submitted"
    # the hand-off: each approved item waits on the director, who has a to-do and a message for each
    waiting = todos_for(it, "gc_director", {a["id"], b["id"]})
    assert sorted(t["object_id"] for t in waiting) == sorted([a["id"], b["id"]])
    assert all(t["task"] == "approve_director" for t in waiting)
    for iid in (a["id"], b["id"]):
        assert [m for m in inbox_for(it, "gc_director", iid) if m["kind"] == "todo"], iid
    assert not todos_for(it, "gc_deputy", {a["id"], b["id"]})
    # the director approves both in turn; the deputy's row is not the director's
    out = batch(it, "gc_director", {"action": "approve", "ids": [a["id"], b["id"]]})
    assert out["done"] == 2 and {r["state"] for r in out["results"]} == {"approved"}
    assert audit_actions(it, a["id"]).count("item.approve") == 2


def test_batch_approve_by_the_wrong_approver_is_refused_per_item(it):
    a = it.bring("submitted", title="批量审批：待副主任审核")
    out = batch(it, "gc_director", {"action": "approve", "ids": [a["id"]]})
    assert out["done"] == 0 and out["refused"] == 1
    r = out["results"][0]
    assert r["error"]["code"] in ("forbidden", "conflict") and r["state"] == "submitted", r
    assert it.get(a["id"])["version"] == a["version"]


def test_batch_assign_hands_each_item_to_its_units(it):
    a = it.bring("approved", title="批量交办一：路灯维修", co=["gc-zj"])
    b = it.bring("approved", title="批量交办二：排水管网")
    early = it.bring("deputy_approved", title="批量交办：尚待主任审批")
    out = batch(it, "gc_office", {"action": "assign", "ids": [a["id"], b["id"], early["id"]]})
    assert out["done"] == 2 and out["refused"] == 1
    assert [r["ok"] for r in out["results"]] == [True, True, False]
    assert out["results"][0]["state"] == "assigned" and out["results"][2]["error"]["code"] == "conflict"
    assert out["results"][0]["number"] == a["number"]
    # every unit of each item has its to-do (receive) and the notice in its inbox
    got = todos_for(it, "gc_contact", {a["id"], b["id"]})
    assert sorted(t["object_id"] for t in got) == sorted([a["id"], b["id"]]) and {t["task"] for t in got} == {"receive"}
    assert [t["object_id"] for t in todos_for(it, "gc_contact2", {a["id"], b["id"]})] == [a["id"]]
    for iid in (a["id"], b["id"]):
        assert inbox_for(it, "gc_contact", iid), iid
        assert audit_actions(it, iid).count("item.assign") == 1
    assert inbox_for(it, "gc_contact2", a["id"]) and not inbox_for(it, "gc_contact2", b["id"])
    assert "item.assign" not in audit_actions(it, early["id"])
    # assigning again: each refused for its state, nothing sent twice
    before = len(inbox_for(it, "gc_contact", a["id"]))
    out = batch(it, "gc_office", {"action": "assign", "ids": [a["id"]]})
    assert out["done"] == 0 and out["results"][0]["error"]["code"] == "conflict"
    assert len(inbox_for(it, "gc_contact", a["id"])) == before


def test_batch_press_by_the_leader_in_charge(it):
    leader = it.c("gc_leader").user["id"]
    mine = it.bring("in_progress", title="批量催办一：停车场建设", leader_id=leader)
    mine2 = it.bring("assigned", title="批量催办二：公交站亭", leader_id=leader)
    not_mine = it.bring("in_progress", title="批量催办：非本人分管")
    out = batch(it, "gc_leader", {"action": "press", "ids": [mine["id"], not_mine["id"], mine2["id"]],
                                  "text": "  请本周内报送进展  "})
    assert out["done"] == 2 and [r["ok"] for r in out["results"]] == [True, False, True]
    assert out["results"][1]["error"]["code"] == "forbidden" and "催办" in out["results"][1]["error"]["message"]
    for iid in (mine["id"], mine2["id"]):
        ev = [e for e in it.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"] if e["action"] == "press"]
        assert len(ev) == 1 and ev[0]["text"].endswith("催办意见：请本周内报送进展"), ev
        msgs = [m for m in inbox_for(it, "gc_contact", iid) if "【催办】" in m["subject"]]
        assert len(msgs) == 1 and "请本周内报送进展" in msgs[0]["body"]
        assert audit_actions(it, iid).count("item.press") == 1
    assert "item.press" not in audit_actions(it, not_mine["id"])
    # the office presses everything it selected that is still with the units; a completed item is refused
    done = it.bring("completed", title="批量催办：已办结")
    out = batch(it, "gc_office", {"action": "press", "ids": [not_mine["id"], done["id"]], "text": "请加快进度"})
    assert [r["ok"] for r in out["results"]] == [True, False]
    assert out["results"][1]["error"]["code"] == "conflict" and out["results"][1]["state"] == "completed"


def test_batch_refusals_of_the_whole_request(it):
    a = it.bring("submitted", title="批量操作：输入检查")
    # a role that may take the action on no item
    r = batch(it, "gc_contact", {"action": "approve", "ids": [a["id"]]}, expect=403)
    assert "审批通过" in r.error["message"]
    batch(it, "gc_secretary", {"action": "assign", "ids": [a["id"]]}, expect=403)
    batch(it, "gc_head", {"action": "press", "ids": [a["id"]], "text": "x"}, expect=403)
    assert it.server.client().post("/api/v1/items/batch", {"action": "approve", "ids": [a["id"]]}).status == 401
    # bad input, each naming its field; nothing is taken
    cases = [
        ({"action": "archive", "ids": [a["id"]]}, "action"),
        ({"action": "承办", "ids": [a["id"]]}, "action"),
        ({"ids": [a["id"]]}, "action"),
        ({"action": "approve"}, "ids"),
        ({"action": "approve", "ids": []}, "ids"),
        ({"action": "approve", "ids": [a["id"], a["id"]]}, "ids"),
        ({"action": "approve", "ids": [0]}, "ids"),
        ({"action": "approve", "ids": ["1"]}, "ids"),
        ({"action": "approve", "ids": list(range(1, 102))}, "ids"),
        ({"action": "press", "ids": [a["id"]]}, "text"),
        ({"action": "press", "ids": [a["id"]], "text": "\u3000 "}, "text"),
        ({"action": "approve", "ids": [a["id"]], "text": "同意"}, "text"),
        ({"action": "approve", "ids": [a["id"]], "reason": "x"}, None),
    ]
    for body, field in cases:
        r = batch(it, "gc_deputy", body, expect=422)
        assert r.error["code"] == "invalid" and r.error["message"], body
        if field:
            assert r.error.get("field") == field, (body, r.error)
    r = it.c("gc_deputy").request("POST", "/api/v1/items/batch", raw=b"[1,2]", content_type="application/json")
    assert r.status in (400, 422), r
    assert it.get(a["id"])["version"] == a["version"] and "item.approve" not in audit_actions(it, a["id"])
