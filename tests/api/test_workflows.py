"""The transition tables of every registered workflow, driven from the server's own tables
(GET /api/v1/workflows): each row is taken once by the role it names and lands in its target state;
every unlisted (state, action) pair is refused with 409 and changes nothing; allowed_actions lists
exactly what the table allows each demo role; docs/workflow.md is the tables. A workflow without a
driver in workflow_drivers.py fails here."""
import os
import subprocess

import pytest

from conftest import BIN, ROOT
from workflow_drivers import drivers_for, workflow_definitions


@pytest.fixture(scope="module")
def workflows(server):
    return workflow_definitions(server)


@pytest.fixture(scope="module")
def drivers(server, workflows):
    return drivers_for(server, workflows)


@pytest.fixture(scope="module")
def in_state(workflows, drivers):
    """One object per state of each workflow, shared by the read-only checks."""
    return {w["name"]: {s["name"]: drivers[w["name"]].bring(s["name"]) for s in w["states"]} for w in workflows}


def test_workflow_md_is_generated_from_the_tables():
    out = subprocess.run([BIN, "workflow"], capture_output=True, text=True, check=True).stdout
    with open(os.path.join(ROOT, "docs", "workflow.md")) as f:
        assert f.read() == out, "docs/workflow.md is stale: run build/ducha workflow > docs/workflow.md"


def test_tables_are_well_formed(workflows, drivers):
    for wf in workflows:
        rows, d = wf["transitions"], drivers[wf["name"]]
        pairs = [(r["from"], r["action"]) for r in rows]
        assert len(pairs) == len(set(pairs)), (wf["name"], "a (state, action) pair is listed twice")
        states = {s["name"] for s in wf["states"]}
        scopes = {}
        for r in rows:
            assert r["from"] in states and (r["to"] in states or r["to"] in ("=", "previous")), r
            assert d.actor(r), r
            assert scopes.setdefault(r["action"], r["scope"]) == r["scope"], r  # one scope per action
        assert {r["action"] for r in rows} == {a["name"] for a in wf["actions"]}
        assert all(s["label"] for s in wf["states"]) and all(a["label"] for a in wf["actions"])
        for w in wf["waits"]:
            assert w["who"] and w["label"] and (w["action"] is None or w["action"] in {a["name"] for a in wf["actions"]})


def test_every_row_is_taken_by_its_role(workflows, drivers):
    for wf in workflows:
        d = drivers[wf["name"]]
        for row in wf["transitions"]:
            obj = d.bring(row["from"])
            user, action = d.actor(row), row["action"]
            if row["condition"] and not d.holds_by_default(row["condition"]):
                # refused while the condition does not hold, for that reason and not the state
                r = d.act(obj["id"], user, action, d.body_for(wf, action), expect=409)
                assert "只能在" not in r.error["message"], (row, r)
                assert action not in d.allowed(d.get(obj["id"], user)), row
                obj = d.bring_satisfying(row["from"], row["condition"])
            assert action in d.allowed(d.get(obj["id"], user)), (row, user)
            before = d.get(obj["id"])
            d.act(obj["id"], user, action, d.body_for(wf, action))
            after = d.get(obj["id"])
            want = {"=": row["from"], "previous": d.previous}.get(row["to"], row["to"])
            assert after["state"] == want, (row, after["state"])
            assert after["version"] > before["version"]
            last = d.events(obj["id"])[-1]
            assert last["action"] == action and last["actor"] == user, (row, last)


def test_every_unlisted_pair_is_refused_with_409(workflows, drivers, in_state):
    for wf in workflows:
        d = drivers[wf["name"]]
        listed = {(r["from"], r["action"]) for r in wf["transitions"]}
        first_row = {}
        for r in wf["transitions"]:
            first_row.setdefault(r["action"], r)
        for state in (s["name"] for s in wf["states"]):
            obj = in_state[wf["name"]][state]
            version = d.get(obj["id"])["version"]
            for action, row in first_row.items():
                if (state, action) in listed:
                    continue
                user = d.actor(row)
                r = d.act(obj["id"], user, action, d.body_for(wf, action), expect=None)
                if not d.visible(user, state):
                    assert r.status == 404, (state, action, user, r)
                    continue
                assert r.status == 409, (state, action, user, r)
                assert "只能在" in r.error["message"] and "状态下进行" in r.error["message"], r
            after = d.get(obj["id"])
            assert after["state"] == state and after["version"] == version, (state, after)


def test_allowed_actions_are_exactly_the_table(workflows, drivers, in_state):
    for wf in workflows:
        d = drivers[wf["name"]]
        for state in (s["name"] for s in wf["states"]):
            oid = in_state[wf["name"]][state]["id"]
            for user, (caps, role) in d.caps.items():
                if not d.visible(user, state):
                    assert d.status(oid, user) == 404
                    continue
                allowed = d.allowed(d.get(oid, user))
                expected = {r["action"] for r in wf["transitions"] if r["from"] == state and r["cap"] in caps
                            and r["role"] in ("any", role)
                            and (not r["condition"] or d.holds_by_default(r["condition"]))}
                assert allowed == expected, (wf["name"], state, user, allowed, expected)
