"""Foundation over HTTP: health, sign-in, CSRF, lockout, tokens, units, users, scope isolation, bad input."""
import concurrent.futures
import json

from conftest import PASSWORD, BACKEND, Client, iso_utc, run_cli, run_now, server_now, sql_run, wait_for


def test_health_reports_backend(server):
    r = server.client().get("/api/v1/health")
    assert r.status == 200
    assert r.json["status"] == "ok"
    assert r.json["db"] == ("postgres" if BACKEND == "postgres" else "sqlite")
    assert r.json["version"]


def test_unknown_route_and_method(server):
    c = server.client("gc_office")
    r = c.get("/api/v1/nonexistent")
    assert r.status == 404 and r.error["code"] == "not_found"
    r = c.request("PUT", "/api/v1/units")
    assert r.status == 405 and r.error["code"] == "method_not_allowed"


def test_login_sets_httponly_strict_cookie_and_returns_csrf(server):
    c = Client(server.url)
    r = c.post("/api/v1/session", {"username": "gc_office", "password": PASSWORD})
    assert r.status == 200
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("ducha_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert len(r.json["csrf_token"]) >= 20
    assert r.json["user"]["username"] == "gc_office"
    assert {"role": "office", "unit_code": "gc"}.items() <= r.json["user"]["roles"][0].items()
    me = c.get("/api/v1/session")
    assert me.status == 200 and me.json["csrf_token"] == r.json["csrf_token"]


def test_wrong_password_gives_one_message_for_both_cases(server):
    c = Client(server.url)
    a = c.post("/api/v1/session", {"username": "gc_office", "password": "wrong1234"})
    b = c.post("/api/v1/session", {"username": "nobody_here", "password": "wrong1234"})
    assert a.status == b.status == 401
    assert a.error["message"] == b.error["message"]


def test_unauthenticated_requests_are_refused(server):
    c = Client(server.url)
    assert c.get("/api/v1/units").status == 401
    assert c.get("/api/v1/session").status == 401


def test_mutation_without_csrf_token_is_refused_and_changes_nothing(server, unique):
    c = server.client("gc_admin")
    gc = c.unit_id("gc")
    body = {"code": f"x-{unique}", "name": "测试单位", "kind": "department", "parent_id": gc}
    r = c.post("/api/v1/units", body, csrf=False)
    assert r.status == 403 and "CSRF" in r.error["message"]
    r = c.post("/api/v1/units", body, headers={"X-CSRF-Token": "forged"})
    assert r.status == 403
    assert c.get(f"/api/v1/units?q=x-{unique}").json["units"] == []
    assert c.post("/api/v1/units", body).status == 201
    assert [u["code"] for u in c.get(f"/api/v1/units?q=x-{unique}&kind=department").json["units"]] == [f"x-{unique}"]
    r = c.get("/api/v1/units?kind=planet")  # refused, naming the filter (it answered an empty list)
    assert r.status == 400 and "（kind）" in r.error["message"], r


def test_logout_ends_the_session(server):
    c = server.client("gc_deputy")
    assert c.delete("/api/v1/session").status == 204
    assert c.get("/api/v1/session").status == 401


def test_test_clock_moves_idle_session_past_timeout(fresh_server):
    c = fresh_server.client("gc_office")
    admin = fresh_server.client("admin")
    # two hours on: past the 30 idle minutes, short of the day more after which the retention pass deletes
    # the session (then the answer could only be "登录已失效": a session gone says nothing of why)
    r = admin.put("/api/v1/admin/clock", {"now": iso_utc(run_now() + 2 * 3600)})
    assert r.status in (200, 204)
    r = c.get("/api/v1/session")
    assert r.status == 401 and "超时" in r.error["message"], r


def test_reads_touch_a_session_once_a_minute_and_idle_expiry_stays_exact(fresh_server):
    """A read writes the session's last activity at most once a minute (src/auth/auth.c); the instants in
    between are kept in memory, so a session used 45 s after its sign-in and then 29.5 minutes later is still
    active (counted from its row alone it would be 30.25 minutes idle), and one idle 31 minutes has expired."""
    admin = Client(fresh_server.url)  # a bearer token: the clock's moves do not end it
    admin.token = run_cli("token", "create", "admin", "--name", "clock", db=fresh_server.db).stdout.strip()
    t0 = int(run_now()) + 86400

    def at(t):
        r = admin.put("/api/v1/admin/clock", {"now": iso_utc(t0 + t)})
        assert r.status in (200, 204), r

    def last_seen():
        return int(sql_run(fresh_server.db, ["SELECT s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id "
                                             "WHERE u.username = 'gc_office' ORDER BY s.id DESC LIMIT 1"])[0][0])

    at(0)
    c = fresh_server.client("gc_office")
    signed_in = last_seen()
    at(45)
    assert c.get("/api/v1/items?per_page=1").status == 200
    assert last_seen() == signed_in  # not written: less than a minute since
    at(45 + 29 * 60 + 30)
    r = c.get("/api/v1/items?per_page=1")
    assert r.status == 200, r  # 29.5 minutes after its last request
    # the row was stale: written by this read, or (a scheduler pass holding the write lock: a read does not
    # wait for it) by a next one
    assert wait_for(lambda: c.get("/api/v1/session").status == 200 and last_seen() >= t0 + 45 + 29 * 60 + 30)
    at(server_now(fresh_server) - t0 + 31 * 60)  # 31 minutes after the last request (server_now: a bound)
    r = c.get("/api/v1/items?per_page=1")
    assert r.status == 401 and "超时" in r.error["message"], r


def test_bearer_token_from_cli(server):
    p = run_cli("token", "create", "gc_office", "--name", "integration", db=server.db)
    token = p.stdout.strip()
    assert "\n" not in token and len(token) >= 40
    c = Client(server.url)
    c.token = token
    r = c.get("/api/v1/session")
    assert r.status == 200 and r.json["user"]["username"] == "gc_office"
    # bearer requests need no CSRF token
    gc = c.unit_id("gc")
    assert c.get(f"/api/v1/units/{gc}").status == 200
    c.token = token[:-2] + "xx"
    assert c.get("/api/v1/session").status == 401


def test_unit_crud_and_subtree(server, unique):
    c = server.client("gc_admin")
    gc = c.unit_id("gc")
    r = c.post("/api/v1/units", {"code": f"d-{unique}", "name": "古城县数据局", "kind": "department",
                                 "parent_id": gc, "principal": "周明", "contact": "李华"})
    assert r.status == 201, r
    u = r.json
    assert u["path"].endswith(f"/{u['id']}/") and u["kind_label"] == "部门"
    r = c.post("/api/v1/units", {"code": f"s-{unique}", "name": "数据局科室", "kind": "office", "parent_id": u["id"]})
    assert r.status == 201
    child = r.json
    sub = c.get(f"/api/v1/units/{u['id']}/subtree").json["units"]
    assert [x["id"] for x in sub] == [u["id"], child["id"]]
    # optimistic concurrency
    r = c.patch(f"/api/v1/units/{u['id']}", {"name": "古城县数据管理局", "version": u["version"]})
    assert r.status == 200 and r.json["version"] == u["version"] + 1
    r = c.patch(f"/api/v1/units/{u['id']}", {"name": "旧版本", "version": u["version"]})
    assert r.status == 409
    # duplicate code
    r = c.post("/api/v1/units", {"code": f"d-{unique}", "name": "重复", "kind": "department", "parent_id": gc})
    assert r.status == 409 and "已存在" in r.error["message"] and r.error["field"] == "code"
    # a unit with children cannot be deleted
    r = c.delete(f"/api/v1/units/{u['id']}")
    assert r.status == 409 and "下级单位" in r.error["message"]
    assert c.delete(f"/api/v1/units/{child['id']}").status == 204
    assert c.delete(f"/api/v1/units/{u['id']}").status == 204
    assert c.get(f"/api/v1/units/{u['id']}").status == 404


def test_unit_move_rewrites_subtree_paths(server, unique):
    c = server.client("gc_admin")
    gc = c.unit_id("gc")
    a = c.post("/api/v1/units", {"code": f"ma-{unique}", "name": "甲", "kind": "department", "parent_id": gc}).json
    b = c.post("/api/v1/units", {"code": f"mb-{unique}", "name": "乙", "kind": "department", "parent_id": gc}).json
    a1 = c.post("/api/v1/units", {"code": f"ma1-{unique}", "name": "甲一", "kind": "office", "parent_id": a["id"]}).json
    r = c.patch(f"/api/v1/units/{a['id']}", {"parent_id": b["id"]})
    assert r.status == 200
    moved = c.get(f"/api/v1/units/{a1['id']}").json
    assert moved["path"] == f"{b['path']}{a['id']}/{a1['id']}/" and moved["depth"] == b["depth"] + 2
    # not below itself
    r = c.patch(f"/api/v1/units/{b['id']}", {"parent_id": a1["id"]})
    assert r.status == 422


def test_scope_isolation_between_counties(server):
    ap = server.client("ap_admin")
    gc_unit = server.client("gc_admin").unit_id("gc")
    # the other county's unit is invisible: 404, never 403
    assert ap.get(f"/api/v1/units/{gc_unit}").status == 404
    assert ap.get(f"/api/v1/units/{gc_unit}/subtree").status == 404
    assert ap.patch(f"/api/v1/units/{gc_unit}", {"name": "篡改"}).status == 404
    assert ap.delete(f"/api/v1/units/{gc_unit}").status == 404
    listed = ap.get("/api/v1/units?q=古城&limit=500").json["units"]
    assert listed == []
    all_units = ap.get("/api/v1/units?kind=department&limit=1000").json["units"]
    assert all_units and all(u["code"].startswith("ap-") for u in all_units)
    # users of the other county are invisible too
    users = ap.get("/api/v1/users?limit=500").json["users"]
    assert users and all(u["username"].startswith("ap_") for u in users)
    # cannot create a unit under the other county
    r = ap.post("/api/v1/units", {"code": "evil", "name": "越权", "kind": "department", "parent_id": gc_unit})
    assert r.status == 422 and "不存在" in r.error["message"]


def test_wrong_role_is_refused(server, unique):
    c = server.client("gc_contact")
    jt = c.unit_id("gc-jt")
    # a unit contact sees its own unit but not its government, and may not create units
    assert c.get(f"/api/v1/units?q=gc&limit=100").json["units"] == [c.get(f"/api/v1/units/{jt}").json]
    r = c.post("/api/v1/units", {"code": f"no-{unique}", "name": "无权", "kind": "department", "parent_id": jt})
    assert r.status == 403
    assert c.get("/api/v1/users").status == 403
    assert c.get("/api/v1/audit").status == 403


def test_user_lifecycle_roles_and_password_change(server, unique):
    admin = server.client("gc_admin")
    jt = admin.unit_id("gc-jt")
    r = admin.post("/api/v1/users", {"username": f"u{unique}", "name": "新同事", "unit_id": jt,
                                     "password": "Start2026x", "roles": [{"role": "contact", "unit_id": jt}]})
    assert r.status == 201, r
    u = r.json
    assert u["must_change_password"] is True and u["roles"][0]["role"] == "contact"
    c = Client(server.url)
    c.login(f"u{unique}", "Start2026x")
    r = c.get("/api/v1/units")
    assert r.status == 403 and "修改密码" in r.error["message"]
    assert c.put("/api/v1/session/password", {"old_password": "bad", "new_password": "Next2026y"}).status == 422
    assert c.put("/api/v1/session/password", {"old_password": "Start2026x", "new_password": "short"}).status == 422
    assert c.put("/api/v1/session/password", {"old_password": "Start2026x", "new_password": "Next2026y"}).status == 204
    assert c.get("/api/v1/units").status == 200
    # grant and revoke
    r = admin.post(f"/api/v1/users/{u['id']}/roles", {"role": "head", "unit_id": jt})
    assert r.status == 201 and len(r.json["roles"]) == 2
    assert admin.post(f"/api/v1/users/{u['id']}/roles", {"role": "head", "unit_id": jt}).status == 409
    assert admin.post(f"/api/v1/users/{u['id']}/roles", {"role": "king", "unit_id": jt}).status == 422
    gid = [g for g in r.json["roles"] if g["role"] == "head"][0]["id"]
    r = admin.delete(f"/api/v1/users/{u['id']}/roles/{gid}")
    assert r.status == 200 and [g["role"] for g in r.json["roles"]] == ["contact"]
    # disabling ends the sessions
    assert admin.delete(f"/api/v1/users/{u['id']}").status == 204
    assert c.get("/api/v1/session").status == 401
    assert Client(server.url).post("/api/v1/session", {"username": f"u{unique}", "password": "Next2026y"}).status == 403


def test_password_policy(server, unique):
    admin = server.client("gc_admin")
    jt = admin.unit_id("gc-jt")
    for pw in ("abcdefgh", "12345678", "a1b2"):
        r = admin.post("/api/v1/users", {"username": f"p{unique}", "name": "x", "unit_id": jt, "password": pw})
        assert r.status == 422, pw
    assert admin.get(f"/api/v1/users?q=p{unique}").json["users"] == []


def test_bad_input_gets_clear_4xx_and_changes_nothing(server, unique):
    c = server.client("gc_admin")
    gc = c.unit_id("gc")
    before = c.get("/api/v1/audit?limit=1").json["records"][0]["seq"]
    cases = [
        (dict(raw="{not json", content_type="application/json"), 400),
        (dict(raw="[1,2]", content_type="application/json"), 400),
        (dict(raw=b'{"code":"\xff\xfe","name":"x","kind":"office","parent_id":1}', content_type="application/json"), 400),
        (dict(raw='{"code":"a"}', content_type="text/plain"), 415),
        (dict(body={"code": "a", "name": "x", "kind": "office", "parent_id": gc, "colour": "red"}), 422),
        (dict(body={"code": 5, "name": "x", "kind": "office", "parent_id": gc}), 422),
        (dict(body={"code": "a" * 33, "name": "x", "kind": "office", "parent_id": gc}), 422),
        (dict(body={"code": "ok", "name": "名" * 101, "kind": "office", "parent_id": gc}), 422),
        (dict(body={"code": "ok", "name": "x", "kind": "palace", "parent_id": gc}), 422),
        (dict(body={"code": "bad code", "name": "x", "kind": "office", "parent_id": gc}), 422),
        (dict(body={"name": "x", "kind": "office", "parent_id": gc}), 422),
        (dict(raw='{"code":"a","code":"b"}', content_type="application/json"), 400),
    ]
    for kw, status in cases:
        r = c.post("/api/v1/units", **kw)
        assert r.status == status, (kw, r)
        assert r.error["code"] and r.error["message"], r
    # an oversized body is refused before it is read
    r = c.post("/api/v1/units", raw=json.dumps({"code": "big", "name": "x" * (1024 * 1024 + 10)}),
               content_type="application/json")
    assert r.status == 413 and r.error["code"] == "too_large"
    after = c.get("/api/v1/audit?limit=1").json["records"][0]["seq"]
    assert after == before


def test_bad_query_parameters(server):
    c = server.client("gc_admin")
    assert c.get("/api/v1/units?limit=abc").status == 400
    assert c.get("/api/v1/units?limit=0").status == 400
    assert c.get("/api/v1/users?offset=-1").status == 400
    assert c.get("/api/v1/units/abc").status == 404


def test_unit_csv_import_all_or_nothing(server, unique):
    c = server.client("gc_admin")
    good = ("code,name,kind,parent_code,principal,contact\n"
            f"i1-{unique},古城县数字办,department,gc,张三,李四\n"
            f"i2-{unique},\"数字办,综合科\",office,i1-{unique},,\n")
    bad = good + f"i3-{unique},坏行,castle,gc,,\ni4-{unique},缺上级,department,zz-none,,\n"
    r = c.post("/api/v1/units/import", raw=bad, content_type="text/csv")
    assert r.status == 422
    rows = {e["row"] for e in r.error["rows"]}
    assert rows == {4, 5}
    assert c.get(f"/api/v1/units?q=i1-{unique}").json["units"] == []
    r = c.post("/api/v1/units/import", raw=good, content_type="text/csv")
    assert r.status == 200 and r.json["created"] == 2 and r.json["updated"] == 0
    units = {u["code"]: u for u in c.get(f"/api/v1/units?q={unique}").json["units"]}
    assert units[f"i2-{unique}"]["name"] == "数字办,综合科"
    assert units[f"i2-{unique}"]["parent_id"] == units[f"i1-{unique}"]["id"]
    # re-import updates
    r = c.post("/api/v1/units/import", raw=good.replace("古城县数字办", "古城县数字政府办"), content_type="text/csv")
    assert r.status == 200 and r.json["updated"] == 2


def test_concurrent_writes_queue_instead_of_failing(server, unique):
    c = server.client("gc_admin")
    gc = c.unit_id("gc")

    def create(i):
        return c.post("/api/v1/units", {"code": f"cc{i}-{unique}", "name": f"并发{i}", "kind": "office",
                                        "parent_id": gc}).status

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        statuses = list(ex.map(create, range(40)))
    assert statuses == [201] * 40
    assert len(c.get(f"/api/v1/units?q={unique}&limit=100").json["units"]) == 40


def test_audit_records_every_change_with_actor_and_client(server, unique):
    c = server.client("gc_admin")
    gc = c.unit_id("gc")
    u = c.post("/api/v1/units", {"code": f"au-{unique}", "name": "审计测试", "kind": "office", "parent_id": gc}).json
    office = server.client("gc_office")
    recs = office.get(f"/api/v1/audit?object_type=unit&object_id={u['id']}").json["records"]
    assert len(recs) == 1
    r = recs[0]
    assert r["action"] == "unit.create" and r["actor"] == "gc_admin" and r["role"] == "admin"
    assert r["client"] == "127.0.0.1" and r["summary"]["after"]["unit"]["code"] == f"au-{unique}"
    assert len(r["hash"]) == 64
    v = office.get("/api/v1/audit/verify").json
    assert v["ok"] is True and v["records"] > 100


def test_audit_trail_is_scoped_to_the_readers_subtree(server, unique):
    gc_admin = server.client("gc_admin")
    gc = gc_admin.unit_id("gc")
    u = gc_admin.post("/api/v1/units", {"code": f"sc-{unique}", "name": "范围测试", "kind": "office",
                                        "parent_id": gc}).json
    q = f"/api/v1/audit?object_type=unit&object_id={u['id']}"
    assert len(server.client("gc_office").get(q).json["records"]) == 1
    assert len(server.client("lc_office").get(q).json["records"]) == 1   # the city office sees its counties
    assert server.client("ap_office").get(q).json["records"] == []       # the other county does not
    seen = server.client("ap_office").get("/api/v1/audit?limit=500").json["records"]
    assert all(r["actor"] != "gc_admin" for r in seen)
