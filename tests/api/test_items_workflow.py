"""The item transition table as GET /api/v1/items/meta gives it, and the refusals particular to items
(wrong role, unknown action, bad body). The generic checks that run over every workflow — every row
taken by its role, every unlisted pair refused with 409, allowed_actions exactly the table, and
docs/workflow.md — are in test_workflows.py."""
import pytest

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
    """One item in each state the refusals below need."""
    return {s: it.bring(s) for s in ("draft", "submitted", "assigned")}


def actor(row):
    return ACTOR[(row["cap"], row["role"])]


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
