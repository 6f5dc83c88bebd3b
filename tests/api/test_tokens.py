"""API tokens one by one (issue #17): an administrator lists a user's tokens (never their secrets),
creates one for an integrating system (shown once), and revokes one on its own — audited in the same
transaction, refused (401) by the very next request on every node, the user's other tokens untouched;
the same from the CLI (`ducha token list USERNAME`, `ducha token revoke ID`); and the refusals: a user
who is no administrator, another county's administrator, unknown or foreign token ids, a second
revocation, bad input."""
import time

import pytest

from conftest import Server, run_cli


@pytest.fixture
def db(backend):
    return backend.new_db()


@pytest.fixture
def nodes(db):
    """Two server processes on one database (two nodes behind a balancer)."""
    a, b = Server(db), Server(db)
    yield a, b
    a.stop()
    b.stop()


def bearer(server, token):
    c = server.client()
    c.token = token
    return c


def new_token(admin, uid, name, status=201):
    r = admin.post(f"/api/v1/users/{uid}/tokens", {"name": name})
    assert r.status == status, r
    return r.json


def audit(admin, action, uid):
    r = admin.get(f"/api/v1/audit?action={action}&object_type=user&object_id={uid}")
    assert r.status == 200, r
    return r.json["records"]


def test_a_revoked_token_is_refused_at_once_on_every_node_and_the_others_stay(nodes):
    a, b = nodes
    admin = a.client("gc_admin")
    uid = a.client("gc_office").user["id"]
    oa = new_token(admin, uid, "县协同办公系统对接")
    hotline = new_token(admin, uid, "12345 热线对接")
    assert len(oa["token"]) == 43 and oa["revoked"] is False and oa["last_used_at"] is None
    # the token works on both nodes, as its user
    for node in (a, b):
        r = bearer(node, oa["token"]).get("/api/v1/todos")
        assert r.status == 200, r
    # the last use is written best effort (skipped while another writer holds the database, tried again at the
    # next use until it is written): a loaded machine may need a few uses
    for _ in range(50):
        listed = admin.get(f"/api/v1/users/{uid}/tokens").json["tokens"]
        if next(t for t in listed if t["id"] == oa["id"])["last_used_at"]:
            break
        assert bearer(a, oa["token"]).get("/api/v1/todos").status == 200
        time.sleep(0.1)
    assert [t["id"] for t in listed][:2] == [hotline["id"], oa["id"]]
    assert all("token" not in t for t in listed), "the list never shows a secret"
    used = next(t for t in listed if t["id"] == oa["id"])
    assert used["last_used_at"] and next(t for t in listed if t["id"] == hotline["id"])["last_used_at"] is None
    assert [r["summary"]["token"] for r in audit(admin, "token.create", uid)][:2] == [hotline["id"], oa["id"]]

    r = a.client("gc_admin").delete(f"/api/v1/users/{uid}/tokens/{oa['id']}")
    assert r.status == 200, r
    assert r.json["revoked"] is True and r.json["revoked_at"] and r.json["id"] == oa["id"]
    # refused at once, on the node that revoked it and on the other one
    for node in (a, b):
        r = bearer(node, oa["token"]).get("/api/v1/todos")
        assert r.status == 401 and r.error["code"] == "unauthorized", r
        assert "吊销" in r.error["message"]
    # the user's other token and session still work
    for node in (a, b):
        assert bearer(node, hotline["token"]).get("/api/v1/todos").status == 200
    assert a.client("gc_office").get("/api/v1/todos").status == 200
    rec = audit(admin, "token.revoke", uid)
    assert len(rec) == 1 and rec[0]["summary"] == {"token": oa["id"], "name": "县协同办公系统对接"}
    assert rec[0]["actor"] == "gc_admin"
    listed = {t["id"]: t for t in admin.get(f"/api/v1/users/{uid}/tokens").json["tokens"]}
    assert listed[oa["id"]]["revoked"] is True and listed[hotline["id"]]["revoked"] is False
    # a second revocation changes nothing
    r = admin.delete(f"/api/v1/users/{uid}/tokens/{oa['id']}")
    assert r.status == 409 and "已吊销" in r.error["message"]
    assert len(audit(admin, "token.revoke", uid)) == 1


def test_refusals(nodes):
    a, _ = nodes
    admin, office = a.client("gc_admin"), a.client("gc_office")
    uid = office.user["id"]
    contact = a.client("gc_contact").user["id"]
    tok = new_token(admin, uid, "对接")
    other = new_token(admin, contact, "另一用户的令牌")
    # no administrator: 403, nothing changed
    assert office.get(f"/api/v1/users/{uid}/tokens").status == 403
    assert office.post(f"/api/v1/users/{uid}/tokens", {"name": "x"}).status == 403
    assert office.delete(f"/api/v1/users/{uid}/tokens/{tok['id']}").status == 403
    # a token cannot revoke itself into an administrator's right either
    assert bearer(a, tok["token"]).delete(f"/api/v1/users/{uid}/tokens/{tok['id']}").status == 403
    # another county's administrator: the user is out of sight (404, the same answer as for no user)
    ap = a.client("ap_admin")
    for r in (ap.get(f"/api/v1/users/{uid}/tokens"), ap.post(f"/api/v1/users/{uid}/tokens", {"name": "x"}),
              ap.delete(f"/api/v1/users/{uid}/tokens/{tok['id']}")):
        assert r.status == 404, r
    # the city's administrator may
    assert tok["id"] in [t["id"] for t in a.client("admin").get(f"/api/v1/users/{uid}/tokens").json["tokens"]]
    # unknown ids, another user's token under this user, a user that does not exist
    r = admin.delete(f"/api/v1/users/{uid}/tokens/999999")
    assert r.status == 404 and r.error["message"] == "令牌不存在"
    r = admin.delete(f"/api/v1/users/{uid}/tokens/{other['id']}")
    assert r.status == 404 and r.error["message"] == "令牌不存在"
    assert admin.get("/api/v1/users/999999/tokens").status == 404
    assert admin.delete(f"/api/v1/users/{uid}/tokens/abc").status == 404
    # bad input names the field
    for body in ({}, {"name": ""}, {"name": "x" * 101}, {"name": 3}, {"name": "x", "scope": "all"}):
        r = admin.post(f"/api/v1/users/{uid}/tokens", body)
        assert r.status == 422, (body, r)
    assert audit(admin, "token.revoke", uid) == []
    # both tokens still work
    assert bearer(a, tok["token"]).get("/api/v1/todos").status == 200
    # a disabled user gets no new token
    assert admin.delete(f"/api/v1/users/{contact}").status == 204
    r = admin.post(f"/api/v1/users/{contact}/tokens", {"name": "x"})
    assert r.status == 409 and "停用" in r.error["message"]


def test_the_cli_lists_and_revokes_one_token(db, nodes):
    a, b = nodes
    admin = a.client("gc_admin")
    uid = a.client("gc_office").user["id"]
    made = run_cli("token", "create", "gc_office", "--name", "县协同办公系统", db=db).stdout.strip()
    keep = new_token(admin, uid, "12345 热线对接")
    assert bearer(b, made).get("/api/v1/todos").status == 200
    out = run_cli("token", "list", "gc_office", db=db).stdout.splitlines()
    assert out[0].split("\t") == ["ID", "STATE", "CREATED", "LAST USED", "NAME"]
    rows = [line.split("\t") for line in out[1:]]
    assert [r[4] for r in rows] == ["12345 热线对接", "县协同办公系统"] and all(r[1] == "active" for r in rows)
    assert made not in "\n".join(out), "never the secret"
    tid = rows[1][0]
    p = run_cli("token", "revoke", tid, db=db)
    assert tid in p.stdout
    for node in (a, b):
        assert bearer(node, made).get("/api/v1/todos").status == 401
        assert bearer(node, keep["token"]).get("/api/v1/todos").status == 200
    rows = [line.split("\t") for line in run_cli("token", "list", "gc_office", db=db).stdout.splitlines()[1:]]
    assert [r[1] for r in rows] == ["active", "revoked"]
    rec = audit(a.client("admin"), "token.revoke", uid)  # the system's records: the top administrator reads them
    assert len(rec) == 1 and rec[0]["summary"]["token"] == int(tid) and rec[0]["actor"] == "system"
    # refusals: again, unknown, malformed, unknown user
    p = run_cli("token", "revoke", tid, db=db, check=False)
    assert p.returncode != 0 and "已吊销" in p.stderr
    p = run_cli("token", "revoke", "999999", db=db, check=False)
    assert p.returncode != 0 and "令牌不存在" in p.stderr
    p = run_cli("token", "revoke", "x1", db=db, check=False)
    assert p.returncode != 0 and "usage" in p.stderr
    p = run_cli("token", "list", "nobody", db=db, check=False)
    assert p.returncode != 0 and "nobody" in p.stderr
