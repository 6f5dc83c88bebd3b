"""Who must act next, generated from the workflow tables (GET /api/v1/workflows): for every transition
of every registered workflow, taken by its role, the to-dos about the object are exactly those its
waits declare for the new state — held by exactly the demo users who stand at those places, nobody
else, nobody in the other county — and a message about the object reaches exactly the people who got a
new to-do and the people the action's informs name. A to-do that is no longer awaited is gone."""
import os

import pytest

from conftest import BACKEND
from workflow_drivers import ALL_USERS, drivers_for, workflow_definitions

# Every transition on SQLite; on PostgreSQL every third of each workflow's in `make test` (DUCHA_MATRIX_FULL=1, as in
# `make test-long`: all). What PostgreSQL adds is the to-dos' SQL, one set of statements for every workflow, which a
# third of each workflow's rows runs through; test_workflows.py takes every row on both databases, so each action's
# effect still runs on PostgreSQL. The whole matrix there was 46 s alone but twelve minutes inside `make test`, the
# longest of its modules: some 20,000 requests one after another, each several round trips to the database, each
# waiting for a core the browser suite was using.
STEP = 1 if BACKEND == "sqlite" or os.environ.get("DUCHA_MATRIX_FULL") == "1" else 3


@pytest.fixture(scope="module")
def workflows(server):
    return workflow_definitions(server)


@pytest.fixture(scope="module")
def drivers(server, workflows):
    return drivers_for(server, workflows)


def todos_about(d, user, kind, oid):
    """The user's to-dos about one object (object_id: test_todos.py shows them the whole list's rows about it), as
    {(part, task)}, read through every page."""
    out, after = set(), None
    while True:
        r = d.c(user).get(f"/api/v1/todos?limit=200&kind={kind}&object_id={oid}" + (f"&after={after}" if after else ""))
        assert r.status == 200, (user, r)
        for t in r.json["todos"]:
            if t["object_id"] == oid:
                part = f"{t['part']['kind']}:{t['part']['id']}" if t["part"] else ""
                out.add((part, t["task"]))
                assert t["link"] and str(oid) in t["link"] and t["title"], t
        after = r.json["next"]
        if not after:
            return out


def messages_about(d, user, kind, oid):
    """Ids of the user's newest inbox messages about one object. The test diffs two of these around one action, and
    what that action sends a user is then the newest of their inbox: the newest 20 before and after hold all of it,
    and whatever older message falls out of the second read was in the first."""
    r = d.c(user).get("/api/v1/inbox?limit=20")
    assert r.status == 200, r
    return {m["id"] for m in r.json["messages"] if m["object_type"] == kind and m["object_id"] == oid}


def who_users(d, who_list, part):
    """The demo users a who list names (entries marked orelse only when those before found nobody)."""
    users = set()
    for w in who_list:
        if w["orelse"] and users:
            continue
        users |= d.people(w, part)
    return users


def expected_todos(wf, d, obj):
    """{user: {(part, task)}} the waits declare for the object as it is now."""
    want = {}
    in_phase = obj["state"] in wf["part_phase"]
    for w in wf["waits"]:
        if w["when"] and d.condition(obj, w["when"]["condition"]) != w["when"]["holds"]:
            continue
        if w["of"] == wf["name"]:
            targets = [None] if obj["state"] == w["state"] else []
        else:
            targets = [p for p in d.parts(obj) if p["kind"] == w["of"] and p["state"] == w["state"]
                       and (w["of"] != wf["part"] or in_phase)]
        for p in targets:
            key = (f"{p['kind']}:{p['id']}" if p else "", w["task"])
            for u in who_users(d, w["who"], p):
                want.setdefault(u, set()).add(key)
    return want


def expected_informed(wf, d, row, before, after, concerned):
    users = set()
    phase = before["state"] in wf["part_phase"] or after["state"] in wf["part_phase"]
    for f in wf["informs"]:
        if f["action"] != row["action"]:
            continue
        if f["parts"] == "once":
            parts = [None]
        elif f["parts"] == "each_part":
            parts = [p for p in d.parts(after) if p["kind"] == wf["part"]] if phase else []
        else:  # the part concerned; every part when the action concerned none (催办 of the whole item)
            parts = [concerned] if concerned else ([p for p in d.parts(after) if p["kind"] == wf["part"]] if phase else [])
        for p in parts:
            users |= who_users(d, [f["who"]], p)
    return users


def test_every_transition_reaches_exactly_who_must_act(workflows, drivers):
    for wf in workflows:
        d = drivers[wf["name"]]
        kind = wf["name"]
        for row in wf["transitions"][::STEP]:
            if row["condition"] and not d.holds_by_default(row["condition"]):
                obj = d.bring_satisfying(row["from"], row["condition"])
            else:
                obj = d.bring_shared(row["from"])
            oid, user = obj["id"], d.actor(row)
            before = d.get(oid)
            # the state before is already what the waits declare
            want = expected_todos(wf, d, before)
            for u in ALL_USERS:
                assert todos_about(d, u, kind, oid) == want.get(u, set()), (row, "before", u)
            msgs = {u: messages_about(d, u, kind, oid) for u in ALL_USERS}
            concerned = d.concerned(row, before, user)

            d.act(oid, user, row["action"], d.body_for(wf, row["action"]))

            after = d.get(oid)
            want_after = expected_todos(wf, d, after)
            handed = {u for u, tasks in want_after.items() if tasks - want.get(u, set())}
            informed = expected_informed(wf, d, row, before, after, concerned)
            if hasattr(d, "told_besides"):  # an effect's notice (a bulletin's addressees)
                informed |= d.told_besides(row, before, after)
            for u in ALL_USERS:
                got = todos_about(d, u, kind, oid)
                assert got == want_after.get(u, set()), (row, u, got, want_after.get(u))
                new = messages_about(d, u, kind, oid) - msgs[u]
                if u in handed | informed:
                    assert new, (row, u, "got no message")
                else:
                    assert not new, (row, u, "was told though nothing was handed to them")
            assert not any(u.startswith("ap_") for u in handed | informed)
    # the counts kept with the to-dos add up to what the pages list, for everyone
    for u in ALL_USERS:
        d = next(iter(drivers.values()))
        first = d.c(u).get("/api/v1/todos?limit=1").json
        listed, after = 0, None
        while True:
            r = d.c(u).get("/api/v1/todos?limit=200" + (f"&after={after}" if after else "")).json
            listed += len(r["todos"])
            after = r["next"]
            if not after:
                break
        assert first["counts"]["total"] == listed == sum(first["counts"]["by_light"].values()), u


def test_the_loop_with_each_role(drivers):
    """One item from draft to archive with a co unit: each step's to-do appears for exactly who acts next and
    disappears once they act; the to-do carries what the workbench shows."""
    d = drivers["item"]
    item = d.it.create(title="城区积水点整治回头看", co=("gc-zj",))
    oid = item["id"]

    def todo(user):
        r = d.c(user).get("/api/v1/todos?kind=item&limit=200")
        return [t for t in r.json["todos"] if t["object_id"] == oid]

    steps = [("gc_office", "submit", {}, "gc_deputy", "待副主任审核"),
             ("gc_deputy", "approve", {}, "gc_director", "待主任审批"),
             ("gc_director", "approve", {}, "gc_office", "待交办")]
    assert [t["label"] for t in todo("gc_office")] == ["草稿待报审"]
    for user, action, body, nxt, label in steps:
        d.act(oid, user, action, body)
        assert not [t for t in todo(user) if user != nxt], (user, todo(user))
        got = todo(nxt)
        assert [t["label"] for t in got] == [label], (nxt, got)
        t = got[0]
        assert t["number"] and t["title"] == "城区积水点整治回头看" and t["due_date"] == item["due_date"]
        assert t["link"] == f"/items/{oid}" and t["light"] in ("green", "yellow", "red") and t["since"]
    d.act(oid, "gc_office", "assign", {})
    assert todo("gc_office") == []
    for contact in ("gc_contact", "gc_contact2"):
        got = todo(contact)
        assert [t["label"] for t in got] == ["待签收"] and got[0]["part"]["kind"] == "track", got
    assert todo("gc_head") == [] and todo("ap_contact") == []
