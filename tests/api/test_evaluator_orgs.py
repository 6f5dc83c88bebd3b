"""Evaluator organisations (第三方评估机构, issue 18): the office registers an organisation below its government,
opens its users' accounts, sees its users and engagements, and suspends it (its users then see and do nothing of
its engagements, their to-dos go and they are told) or lifts the suspension. Refusals: other roles, another
county, bad input (422 naming the field, nothing stored). And every route of the server, called by an evaluator
with the ids of engagements outside its own (another organisation's, its own organisation's draft), is refused
and shows nothing of them."""
import json
import re
import subprocess
import threading
import time

import pytest

from conftest import BACKEND, PASSWORD, TxHeld, sql_run, uniq
from evallib import Evals
from test_clues_protection import SKIP, Quiet, routes, texts_of
from test_evaluations import todos

STRONG = "Eval-Init-2026!x"


@pytest.fixture(scope="module")
def ev(server):
    return Evals(server)


def register(ev, user="gc_office", expect=201, **body):
    body.setdefault("name", f"测试评估研究院{uniq()}")
    r = ev.c(user).post("/api/v1/evaluator-orgs", body)
    if expect is not None:
        assert r.status == expect, r
    return r


def add_user(ev, org, user="gc_office", expect=201, **body):
    body.setdefault("username", f"pg_{uniq()}")
    body.setdefault("name", "周评估")
    body.setdefault("password", STRONG)
    r = ev.c(user).post(f"/api/v1/evaluator-orgs/{org}/users", body)
    if expect is not None:
        assert r.status == expect, r
    return r


def open_account(ev, server, org, **body):
    """An account of the organisation, signed in: until its first password is changed it may do nothing else."""
    u = add_user(ev, org, **body).json
    c = server.client(u["username"], STRONG)
    assert c.get("/api/v1/todos").status == 403
    r = c.put("/api/v1/session/password", {"old_password": STRONG, "new_password": PASSWORD})
    assert r.status in (200, 204), r
    ev.clients[u["username"]] = server.client(u["username"])
    ev._units[f"org{org}"] = org
    return u


def org_with_user(ev, server):
    """A new organisation with one account, signed in."""
    org = register(ev).json["id"]
    return org, open_account(ev, server, org)["username"]


def inbox(ev, user, org):
    r = ev.c(user).get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    return [m for m in r.json["messages"] if m["object_type"] == "unit" and m["object_id"] == org]


def named(r, field):
    """The refusal names the field: as its field, or (a member the form does not know) in its message."""
    err = r.json["error"]
    return err.get("field") == field or f"“{field}”" in err["message"]


def listed(ev, user="gc_office"):
    r = ev.c(user).get("/api/v1/evaluator-orgs")
    assert r.status == 200, r
    return {o["id"]: o for o in r.json["organisations"]}


def test_office_registers_an_organisation_opens_an_account_and_engages_it(ev, server):
    r = register(ev, contact="周敏", phone="025-83000000", scope="民生项目绩效评估、群众满意度调查")
    org = r.json
    assert org["suspended"] is False and org["users"] == 0 and org["engagement_list"] == []
    assert org["scope"] == "民生项目绩效评估、群众满意度调查" and org["contact"] == "周敏"
    assert listed(ev)[org["id"]]["name"] == org["name"]
    assert "古城县民生评估中心" in {o["name"] for o in listed(ev).values()}
    # the unit below the government, of kind external
    unit = ev.c("admin").get(f"/api/v1/units/{org['id']}").json
    assert unit["kind"] == "external" and unit["parent_id"] == ev.unit("gc")
    # without users it cannot be engaged
    e = ev.create(evaluator=None, evaluator_unit_id=org["id"])
    assert ev.act(e["id"], "gc_office", "engage", expect=409).status == 409

    u = open_account(ev, server, org["id"], name="周敏", phone="13900000000")
    assert u["must_change_password"] is True and u["unit_id"] == org["id"]
    assert [(g["role"], g["unit_id"]) for g in u["roles"]] == [("evaluator", org["id"])]
    ev.act(e["id"], "gc_office", "engage")
    assert todos(ev, u["username"], e["id"]) == ["evaluate"]
    got = ev.c("gc_office").get(f"/api/v1/evaluator-orgs/{org['id']}").json
    assert got["users"] == 1 and [m["username"] for m in got["members"]] == [u["username"]]
    assert [(x["id"], x["state"]) for x in got["engagement_list"]] == [(e["id"], "engaged")]
    assert got["engagements"] == 1 and got["engagements_open"] == 1
    # audited with the office as actor
    recs = ev.c("gc_office").get(f"/api/v1/audit?object_type=unit&object_id={org['id']}&limit=50").json["records"]
    assert "evaluator_org.create" in [a["action"] for a in recs]
    recs = ev.c("gc_office").get(f"/api/v1/audit?object_type=user&object_id={u['id']}&limit=50").json["records"]
    assert [a["actor"] for a in recs if a["action"] == "user.create"] == ["gc_office"], recs


@pytest.mark.parametrize("body,field", [
    ({"name": ""}, "name"),
    ({"name": "重复代码机构", "code": "gc-pg"}, "code"),
    ({"name": "代码有空格", "code": "a b"}, "code"),
    ({"name": "x" * 101}, "name"),
    ({"name": "多余字段", "kind": "department"}, "kind"),
])
def test_bad_registrations_name_the_field_and_store_nothing(ev, body, field):
    before = set(listed(ev))
    r = ev.c("gc_office").post("/api/v1/evaluator-orgs", body)
    # a code in use is a conflict (409, as for any unit), still naming the field
    assert r.status in ((409,) if body.get("code") == "gc-pg" else (400, 422)) and named(r, field), r
    assert set(listed(ev)) == before


@pytest.mark.parametrize("body,field", [
    ({"username": "gc_evaluator"}, "username"),
    ({"username": "bad name!"}, "username"),
    ({"password": "123"}, "password"),
    ({"name": ""}, "name"),
    ({"role": "office"}, "role"),
])
def test_bad_accounts_name_the_field_and_store_nothing(ev, body, field):
    org = register(ev).json["id"]
    r = add_user(ev, org, expect=None, **body)
    assert r.status in (400, 422) and named(r, field), r
    assert ev.c("gc_office").get(f"/api/v1/evaluator-orgs/{org}").json["members"] == []


def test_only_the_office_of_the_government_manages_its_organisations(ev):
    pg = ev.unit("gc-pg")
    for user in ("gc_evaluator", "gc_contact", "gc_head", "gc_admin", "gc_leader", "gc_principal", "gc_inspector"):
        c = ev.c(user)
        assert c.get("/api/v1/evaluator-orgs").status == 403, user
        assert c.get(f"/api/v1/evaluator-orgs/{pg}").status == 403, user
        assert c.post("/api/v1/evaluator-orgs", {"name": "越权登记"}).status == 403, user
        assert c.post(f"/api/v1/evaluator-orgs/{pg}/suspend", {"reason": "越权"}).status == 403, user
        assert c.post(f"/api/v1/evaluator-orgs/{pg}/users",
                      {"username": f"x{uniq()}", "name": "越权", "password": STRONG}).status == 403, user
    # another county's office: 404, nothing changed
    ap = ev.c("ap_office")
    assert pg not in {o["id"] for o in ap.get("/api/v1/evaluator-orgs").json["organisations"]}
    assert ap.get(f"/api/v1/evaluator-orgs/{pg}").status == 404
    assert ap.post(f"/api/v1/evaluator-orgs/{pg}/suspend", {"reason": "越权"}).status == 404
    assert ap.post(f"/api/v1/evaluator-orgs/{pg}/users",
                   {"username": f"x{uniq()}", "name": "越权", "password": STRONG}).status == 404
    assert listed(ev)[pg]["suspended"] is False and listed(ev)[pg]["users"] >= 1
    # a department is no organisation
    assert ev.c("gc_office").get(f"/api/v1/evaluator-orgs/{ev.unit('gc-jt')}").status == 404


def test_a_suspended_organisation_sees_and_does_nothing_until_resumed(ev, server):
    org, user = org_with_user(ev, server)
    e = ev.bring("engaged", evaluator=f"org{org}")
    eid, unit = e["id"], ev.unit("gc-jt")
    assert ev.get(eid, user)["id"] == eid and todos(ev, user, eid) == ["evaluate"]
    draft = ev.create(evaluator=f"org{org}")["id"]

    r = ev.c("gc_office").post(f"/api/v1/evaluator-orgs/{org}/suspend", {})
    assert r.status == 422 and r.json["error"]["field"] == "reason", r
    r = ev.c("gc_office").post(f"/api/v1/evaluator-orgs/{org}/suspend", {"reason": "评估人员资质不符，暂停整改"})
    assert r.status == 200 and r.json["suspended"] is True and r.json["suspended_reason"] == "评估人员资质不符，暂停整改"
    assert ev.c("gc_office").post(f"/api/v1/evaluator-orgs/{org}/suspend", {"reason": "再次"}).status == 409
    # its user: the engagement gone from sight, the to-do gone, every write refused; told why
    assert ev.get(eid, user, expect=404).status == 404
    assert eid not in [x["id"] for x in ev.c(user).get("/api/v1/evaluations").json["evaluations"]]
    assert todos(ev, user, eid) == []
    s = [{"indicator_id": i["id"], "score": 10} for i in e["indicators"]]
    assert ev.c(user).put(f"/api/v1/evaluations/{eid}/units/{unit}/scores", {"scores": s}).status in (403, 404)
    assert ev.c(user).post(f"/api/v1/evaluations/{eid}/actions/submit", {}).status in (403, 404)
    m = inbox(ev, user, org)
    assert len(m) == 1 and "暂停" in m[0]["subject"] and "评估人员资质不符" in m[0]["body"], m
    # the office cannot engage it meanwhile
    r = ev.act(draft, "gc_office", "engage", expect=409)
    assert "暂停" in r.json["error"]["message"]
    recs = ev.c("gc_office").get(f"/api/v1/audit?object_type=unit&object_id={org}&limit=50").json["records"]
    assert "evaluator_org.suspend" in [a["action"] for a in recs]

    r = ev.c("gc_office").post(f"/api/v1/evaluator-orgs/{org}/resume", {})
    assert r.status == 200 and r.json["suspended"] is False
    assert ev.c("gc_office").post(f"/api/v1/evaluator-orgs/{org}/resume", {}).status == 409
    assert ev.get(eid, user)["id"] == eid and todos(ev, user, eid) == ["evaluate"]
    assert len(inbox(ev, user, org)) == 2
    ev.score(eid, "gc-jt", s, "恢复后补充评分", user=user)
    ev.act(eid, user, "submit")
    ev.act(draft, "gc_office", "engage")


@pytest.mark.skipif(BACKEND != "postgres", reason="row locks between concurrent transactions: PostgreSQL (SQLite's "
                    "writers take the database's one write lock)")
def test_resuming_waits_for_another_transaction_syncing_the_engagements_todos(ev, server):
    """Resuming an organisation brings its open engagements' to-dos back (workflow_todos_sync, outside any action).
    Another transaction that holds the engagement's row and writes the same to-do, as a concurrent sync of it does,
    is waited for: the resume reads the to-dos once it has committed and keeps its row. Without the row lock the
    resume read the rows from before that commit, inserted the to-do again and failed on todos_key (a 409 for a
    resume nobody else had touched)."""
    org, user = org_with_user(ev, server)
    eid = ev.bring("engaged", evaluator=f"org{org}")["id"]
    cols = "assignee, kind, object_id, part, task, label, number, title, state, unit_id, unit_name, due_key, since"
    of_it = f"FROM todos WHERE kind = 'evaluation' AND object_id = {eid}"
    rows = lambda: subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", server.db, "-c",
                                   f"SELECT COALESCE(json_agg(t ORDER BY t.assignee, t.task), '[]') FROM "
                                   f"(SELECT {cols} {of_it}) t"], capture_output=True, text=True, check=True).stdout
    before = json.loads(rows())
    assert todos(ev, user, eid) == ["evaluate"]
    r = ev.c("gc_office").post(f"/api/v1/evaluator-orgs/{org}/suspend", {"reason": "资质复核"})
    assert r.status == 200, r
    gone = [t for t in before if t not in json.loads(rows())]
    assert [t["task"] for t in gone] == ["evaluate"], gone
    back = f"json_populate_recordset(NULL::todos, $j${json.dumps(gone, ensure_ascii=False)}$j$)"
    held = TxHeld(server.db, pg_statements=[
        f"UPDATE evaluations SET version = version WHERE id = {eid}",  # its row lock
        f"INSERT INTO todos ({cols}) SELECT {cols} FROM {back}",
        f"INSERT INTO todo_counts (assignee, kind, due_key, n) SELECT assignee, kind, due_key, 1 FROM {back} "
        "ON CONFLICT (assignee, kind, due_key, shard) DO UPDATE SET n = todo_counts.n + 1"])
    answer = {}
    t = threading.Thread(target=lambda: answer.update(r=ev.c("gc_office").post(
        f"/api/v1/evaluator-orgs/{org}/resume", {})))
    t.start()
    time.sleep(1.5)  # the resume reaches the engagement's row meanwhile
    waited = t.is_alive()
    held.release()
    t.join(60)
    assert answer["r"].status == 200, answer["r"]
    assert waited
    assert json.loads(rows()) == before  # each to-do once, as it was
    assert todos(ev, user, eid) == ["evaluate"]
    n = sql_run(server.db, [f"SELECT SUM(n) FROM todo_counts WHERE assignee = '{gone[0]['assignee']}' "
                            f"AND kind = 'evaluation' AND due_key = '{gone[0]['due_key']}'"])
    assert n == [("1",)], n


def test_every_route_refuses_an_evaluator_outside_its_engagement(ev, server):
    """The evaluator of a new organisation, engaged for one engagement, calls every route of the server with the
    ids of the engagements outside it — another organisation's (古城县民生评估中心's, scored, with evidence) and
    its own organisation's draft — and of their evidence: no answer is a success on them, no answer shows
    their titles or findings, and nothing of them changes."""
    org, user = org_with_user(ev, server)
    mine = ev.bring("engaged", evaluator=f"org{org}", title=f"本机构受托评估{uniq()}")
    secret = f"他机构评估发现{uniq()}"
    other = ev.bring("engaged", title=f"他机构评估{uniq()}")
    ev.score_all(other, findings=secret)
    from test_authz_matrix import JPEG
    r = ev.c("gc_evaluator").request(
        "POST", f"/api/v1/evaluations/{other['id']}/units/{ev.unit('gc-jt')}/evidence?filename=secret.jpg", raw=JPEG,
        content_type="application/octet-stream")
    assert r.status == 201, r
    evidence = r.json["id"]
    draft = ev.create(evaluator=f"org{org}", title=f"本机构草稿{uniq()}")
    outside = [other["id"], draft["id"]]
    needles = [other["title"], draft["title"], secret, "secret.jpg"]
    before = [ev.get(i) for i in outside]
    c = ev.c(user)
    q = Quiet(c.base)
    q.jar, q.csrf, q.token = c.jar, c.csrf, c.token
    seen = 0
    for method, path in routes():
        if SKIP.match(f"{method} {path}"):
            continue
        prefix = path.split("{")[0]
        ids = ([evidence] if "/evaluation-evidence/" in prefix else outside)
        concrete = [path]
        for name in re.findall(r"\{(\w+)\}", path):
            values = {"id": ids, "unit": [ev.unit("gc-jt")],
                      "action": ["submit", "engage", "accept", "return"]}.get(name, [ids[0]])
            concrete = [p.replace("{" + name + "}", str(v)) for p in concrete for v in values]
        for p in concrete:
            r = c.get(p) if method == "GET" else q.request(method, p, {})
            about_them = "{id}" in path and ("/evaluations/" in prefix or "/evaluation-evidence/" in prefix)
            if about_them:  # refused (for a write with a made-up body, maybe for the body first)
                assert r.status in (403, 404, 405) or (method != "GET" and r.status in (400, 409, 413, 415, 422)), \
                    f"{method} {p} → {r.status}"
            for text in texts_of(r.raw, r.headers.get("Content-Type")):
                for n in needles:
                    assert n not in text, f"{method} {p} → {r.status} shows {n}"
            seen += 1
    assert seen > 300, seen
    # its own engagement it does see; the others did not move
    assert ev.get(mine["id"], user)["title"] == mine["title"]
    for b in before:
        after = ev.get(b["id"])
        assert (after["state"], after["version"]) == (b["state"], b["version"]), b["id"]
    assert c.get("/api/v1/session").status == 200


def member(ev, org, username):
    r = ev.c("gc_office").get(f"/api/v1/evaluator-orgs/{org}")
    assert r.status == 200, r
    return next(m for m in r.json["members"] if m["username"] == username)


def account(ev, org, uid, body, user="gc_office"):
    return ev.c(user).patch(f"/api/v1/evaluator-orgs/{org}/users/{uid}", body)


def sign_in(server, username, password):
    c = server.client()
    return c, c.post("/api/v1/session", {"username": username, "password": password})


def test_the_office_disables_enables_and_resets_an_evaluators_account(ev, server):
    org, user = org_with_user(ev, server)
    e = ev.bring("engaged", evaluator=f"org{org}")
    uid = member(ev, org, user)["id"]
    session = ev.c(user)
    assert session.get("/api/v1/session").status == 200 and todos(ev, user, e["id"]) == ["evaluate"]

    # disabled with a reason: its session ends, it cannot sign in, the organisation page says so
    r = account(ev, org, uid, {"disabled": True, "reason": "评估人员已离职"})
    assert r.status == 200, r
    assert [m["disabled"] for m in r.json["members"] if m["id"] == uid] == [True] and r.json["users"] == 0
    assert session.get("/api/v1/session").status == 401
    assert sign_in(server, user, PASSWORD)[1].status != 200
    assert account(ev, org, uid, {"disabled": True}).status == 409
    recs = ev.c("gc_office").get(f"/api/v1/audit?object_type=unit&object_id={org}&limit=50").json["records"]
    mine = [a for a in recs if a["action"] == "evaluator_org.account"]
    assert len(mine) == 1 and mine[0]["actor"] == "gc_office", recs
    recs = ev.c("gc_office").get(f"/api/v1/audit?object_type=user&object_id={uid}&limit=50").json["records"]
    assert [a["actor"] for a in recs if a["action"] == "user.disable"] == ["gc_office"], recs

    # enabled again: it signs in, and finds both messages (the disabling's with its reason)
    r = account(ev, org, uid, {"disabled": False})
    assert r.status == 200 and [m["disabled"] for m in r.json["members"] if m["id"] == uid] == [False], r
    assert account(ev, org, uid, {"disabled": False}).status == 409
    c, r = sign_in(server, user, PASSWORD)
    assert r.status == 200, r
    c.csrf = r.json["csrf_token"]
    m = [x for x in c.get("/api/v1/inbox?limit=200").json["messages"]
         if x["object_type"] == "unit" and x["object_id"] == org]
    subjects = [x["subject"] for x in m]
    assert any("账号已停用" in s for s in subjects) and any("账号已启用" in s for s in subjects), subjects
    assert any("评估人员已离职" in x["body"] for x in m if "停用" in x["subject"]), m
    assert c.get(f"/api/v1/evaluations/{e['id']}").status == 200

    # the password reset: the session ends, the old password no longer opens it, the new one must be changed
    fresh = "Eval-Reset-2026!y"
    r = account(ev, org, uid, {"password": fresh})
    assert r.status == 200, r
    assert c.get("/api/v1/session").status == 401
    assert sign_in(server, user, PASSWORD)[1].status != 200
    c = server.client(user, fresh)
    assert c.get("/api/v1/todos").status == 403  # the reset password must be changed first
    assert c.put("/api/v1/session/password", {"old_password": fresh, "new_password": PASSWORD}).status in (200, 204)
    c = server.client(user)
    m = [x for x in c.get("/api/v1/inbox?limit=200").json["messages"]
         if x["object_type"] == "unit" and x["object_id"] == org and "密码已重置" in x["subject"]]
    assert len(m) == 1 and fresh not in m[0]["body"], m
    recs = ev.c("gc_office").get(f"/api/v1/audit?object_type=unit&object_id={org}&limit=50").json["records"]
    assert len([a for a in recs if a["action"] == "evaluator_org.account"]) == 3
    assert all(fresh not in str(a) for a in recs)
    ev.clients[user] = c


@pytest.mark.parametrize("body,field", [
    ({}, "disabled"),
    ({"password": "123"}, "password"),
    ({"password": ""}, "password"),
    ({"disabled": "yes"}, "disabled"),
    ({"reason": "没有停用却写了理由"}, "reason"),
    ({"disabled": False, "reason": "启用不需要理由"}, "reason"),
    ({"disabled": True, "reason": "x" * 501}, "reason"),
    ({"disabled": True, "role": "office"}, "role"),
])
def test_bad_account_changes_name_the_field_and_change_nothing(ev, server, body, field):
    org, user = org_with_user(ev, server)
    uid = member(ev, org, user)["id"]
    r = account(ev, org, uid, body)
    assert r.status in (400, 422) and named(r, field), r
    assert re.search(r"[\u4e00-\u9fff]", r.json["error"]["message"]), r  # in Chinese
    assert member(ev, org, user)["disabled"] is False
    assert ev.c(user).get("/api/v1/session").status == 200  # its session goes on


def test_only_the_registering_office_manages_only_that_organisations_accounts(ev, server):
    org, user = org_with_user(ev, server)
    uid = member(ev, org, user)["id"]
    pg = ev.unit("gc-pg")
    demo = ev.c("gc_evaluator").get("/api/v1/session").json["user"]["id"]
    # roles without insp_manage: 403, whatever the account
    for who in ("gc_evaluator", "gc_contact", "gc_head", "gc_admin", "gc_leader", "gc_inspector", user):
        assert account(ev, org, uid, {"disabled": True}, user=who).status == 403, who
        assert account(ev, org, uid, {"password": STRONG}, user=who).status == 403, who
    # another county's office: 404, as for an organisation it does not know
    assert account(ev, org, uid, {"disabled": True}, user="ap_office").status == 404
    assert account(ev, org, uid, {"password": STRONG}, user="ap_office").status == 404
    # another organisation's account through this organisation (and the other way round), an account of a
    # department, an id nobody has: 404 with the same words, nothing said of whose it is
    contact = ev.c("gc_contact").get("/api/v1/session").json["user"]["id"]
    answers = set()
    for o, u in ((org, demo), (pg, uid), (org, contact), (org, 999999999), (ev.unit("gc-jt"), uid)):
        r = account(ev, o, u, {"disabled": True})
        assert r.status == 404, (o, u, r)
        answers.add(r.json["error"]["message"])
        assert "gc_" not in r.json["error"]["message"]
    assert len(answers) <= 2, answers  # "no such organisation" or "no such account of it"
    # an account the administrator has also given another role is the administrator's
    r = ev.c("admin").post(f"/api/v1/users/{uid}/roles", {"role": "contact", "unit_id": ev.unit("gc-jt")})
    assert r.status in (200, 201), r
    assert account(ev, org, uid, {"password": STRONG}).status == 404
    # nothing changed: every account still signs in with its own password
    for name in (user, "gc_evaluator", "gc_contact"):
        c, r = sign_in(server, name, PASSWORD)
        assert r.status == 200, (name, r)
    assert member(ev, org, user)["disabled"] is False
