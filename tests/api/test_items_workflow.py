"""The transition table, driven from the server's own table (GET /api/v1/items/meta): every row is
taken once by the role it names and lands in its `to` state; every unlisted (state, action) pair is
refused with 409 and changes nothing; allowed_actions lists exactly what the table allows;
docs/workflow.md is the table."""
import os
import subprocess

import pytest

from conftest import BIN, ROOT
from itemlib import ACTOR, Items, day

STATES = ["draft", "submitted", "deputy_approved", "approved", "assigned", "received", "in_progress",
          "completion_requested", "completion_signed", "completed", "archived", "withdrawn", "suspended"]
BODY = {"reason": "情况说明", "text": "办理情况", "new_date": day(200), "plan_date": day(90), "grade": "良好",
        "approve": True, "percent": 50}


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


@pytest.fixture(scope="module")
def table(it):
    r = it.c("gc_office").get("/api/v1/items/meta")
    assert r.status == 200, r
    return r.json


@pytest.fixture(scope="module")
def in_state(it):
    """One item per state, shared by the read-only checks below."""
    return {s: it.bring(s) for s in STATES}


UNIT_USERS = {"gc_contact", "gc_head"}
BEFORE_ASSIGNMENT = {"draft", "submitted", "deputy_approved", "approved", "withdrawn"}


def actor(row):
    return ACTOR[(row["cap"], row["role"])]


def body_for(meta, action):
    req = next(a for a in meta["actions"] if a["name"] == action)["requires"]
    return {k: BODY[k] for k in req}


def test_workflow_md_is_generated_from_the_table():
    out = subprocess.run([BIN, "workflow"], capture_output=True, text=True, check=True).stdout
    with open(os.path.join(ROOT, "docs", "workflow.md")) as f:
        assert f.read() == out, "docs/workflow.md is stale: run build/ducha workflow > docs/workflow.md"


def test_table_is_well_formed(table):
    rows = table["transitions"]
    assert len(rows) > 40
    pairs = [(r["from"], r["action"]) for r in rows]
    assert len(pairs) == len(set(pairs)), "a (state, action) pair is listed twice"
    states = {s["name"] for s in table["states"]}
    assert states == set(STATES)
    for r in rows:
        assert r["from"] in states and (r["to"] in states or r["to"] in ("=", "previous"))
        assert (r["cap"], r["role"]) in ACTOR, r
    # one scope per action, so that the item's and a track's state never compete
    scopes = {}
    for r in rows:
        assert scopes.setdefault(r["action"], r["scope"]) == r["scope"], r
    assert all(s["label"] for s in table["states"]) and all(a["label"] for a in table["actions"])


def test_every_row_is_taken_by_its_role(it, table):
    for row in table["transitions"]:
        item = it.bring(row["from"])
        user = actor(row)
        action = row["action"]
        if action == "decide_extension":
            # needs a pending request first: refused for that reason, not for the state
            r = it.act(item["id"], user, action, body_for(table, action), expect=409)
            assert "延期申请" in r.error["message"], r
            continue
        assert action in it.get(item["id"], user)["allowed_actions"] + \
            [a for t in it.get(item["id"], user)["tracks"] for a in t["allowed_actions"]], (row, user)
        before = it.get(item["id"])
        it.act(item["id"], user, action, body_for(table, action))
        after = it.get(item["id"])
        want = {"=": row["from"], "previous": "in_progress"}.get(row["to"], row["to"])
        assert after["state"] == want, (row, after["state"])
        assert after["version"] == before["version"] + 1
        events = [e for e in it.c("gc_office").get(f"/api/v1/items/{item['id']}/events").json["events"]
                  if e["kind"] not in ("notice", "reminder")]
        assert events[-1]["action"] == action and events[-1]["actor"] == user, events[-1]


def test_every_unlisted_pair_is_refused_with_409(it, table, in_state):
    rows = table["transitions"]
    listed = {(r["from"], r["action"]) for r in rows}
    first_row = {}
    for r in rows:
        first_row.setdefault(r["action"], r)
    for state in STATES:
        item = in_state[state]
        version = it.get(item["id"])["version"]
        for action, row in first_row.items():
            if (state, action) in listed:
                continue
            user = actor(row)
            r = it.act(item["id"], user, action, body_for(table, action), expect=None)
            if user in UNIT_USERS and state in BEFORE_ASSIGNMENT:
                assert r.status == 404, (state, action, user, r)  # units see an item once it is assigned
                continue
            assert r.status == 409, (state, action, user, r)
            assert "只能在" in r.error["message"] and "状态下进行" in r.error["message"], r
        after = it.get(item["id"])
        assert after["state"] == state and after["version"] == version, (state, after)


# what each demo user holds at 古城县 (core/perm.c), as (capabilities, role)
USER_CAPS = {
    "gc_office": ({"item_register", "item_review", "item_read"}, "office"),
    "gc_deputy": ({"item_approve", "item_review", "item_read"}, "deputy"),
    "gc_director": ({"item_approve", "item_review", "item_read"}, "director"),
    "gc_leader": ({"item_decide", "item_press", "item_read"}, "leader"),
    "gc_principal": ({"item_decide", "item_press", "item_read"}, "principal"),
    "gc_secretary": ({"item_review", "item_read"}, "secretary"),
    "gc_contact": ({"item_handle", "item_read"}, "contact"),
    "gc_head": ({"item_handle", "item_sign", "item_read"}, "head"),
}


def test_allowed_actions_are_exactly_the_table(it, table, in_state):
    rows = table["transitions"]
    for state in STATES:
        item_id = in_state[state]["id"]
        for user, (caps, role) in USER_CAPS.items():
            if user in UNIT_USERS and state in BEFORE_ASSIGNMENT:
                assert it.c(user).get(f"/api/v1/items/{item_id}").status == 404
                continue
            got = it.get(item_id, user)
            allowed = set(got["allowed_actions"]) | {a for t in got["tracks"] for a in t["allowed_actions"]}
            expected = {r["action"] for r in rows if r["from"] == state and r["cap"] in caps
                        and r["role"] in ("any", role) and r["action"] != "decide_extension"}
            assert allowed == expected, (state, user, allowed, expected)


def test_wrong_role_is_403_and_changes_nothing(it, in_state):
    for state, pairs in [("submitted", [("gc_office", "approve"), ("gc_secretary", "submit"), ("gc_leader", "verify"),
                                        ("gc_deputy", "receive"), ("gc_director", "withdraw")]),
                         ("assigned", [("gc_contact", "approve"), ("gc_head", "assign"), ("gc_office", "sign"),
                                       ("gc_contact", "suspend"), ("gc_office", "receive"), ("gc_leader", "receive")])]:
        item = in_state[state]
        for user, action in pairs:
            r = it.act(item["id"], user, action, BODY, expect=403)
            assert r.error["code"] == "forbidden"
        assert it.get(item["id"])["version"] == in_state[state]["version"]


def test_unknown_action_and_bad_body(it, in_state):
    item = in_state["draft"]
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/actions/fly", {})
    assert r.status == 404
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/actions/withdraw", {"reason": "x", "colour": 1})
    assert r.status == 422
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/actions/withdraw", {})
    assert r.status == 422 and "理由" in r.error["message"]
    assert it.get(item["id"])["state"] == "draft"
