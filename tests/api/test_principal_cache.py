"""The signed-in user with their roles and portfolio comes from each server process's cache (src/auth/auth.c,
migration 0057): every request still reads its session's or API token's row (a revoked token, an ended
session refused at once), with name_generation.principals, and reads the user again only when that
row changed. A grant, a revocation, a unit renamed, a portfolio unit, a password flag or a disabled account —
through either node or straight in the database — holds on the very next request of every node, by session
and by API token, on both backends; a request whose principal is cached costs one statement less."""
import re

import pytest

from conftest import Client, Server, sql_run, uniq

METRICS = "metrics-token-principal-cache-0123456789"


@pytest.fixture(scope="module")
def two(backend):
    """Two server processes on one database (two nodes behind a balancer), each with its own cache."""
    db = backend.new_db()
    env = {"DUCHA_METRICS_TOKEN": METRICS}
    a, b = Server(db, env=env), Server(db, env=env)
    yield a, b, db
    a.stop()
    b.stop()


def statements(server):
    """ducha_http_db_statements_total of GET /api/v1/session on server, so far."""
    r = Client(server.url).get("/metrics", headers={"Authorization": f"Bearer {METRICS}"})
    assert r.status == 200, r
    m = re.search(r'^ducha_http_db_statements_total\{method="GET",route="/api/v1/session"\} (\S+)$', r.raw.decode(),
                  re.M)
    return float(m.group(1)) if m else 0.0


def cost(server, client, n=3):
    """Statements of each of n pairs of GET /api/v1/session sent back to back on server. Under the test clock a
    request reads the clock's offset (1), then its session's or token's row with the generation (1), and the user
    only when its cache lacks them (1); at most every 2 s a request also checks the calendar's version (1) — once in
    a pair at most, as its two requests are sent within 2 s (single requests with a /metrics read between them were
    more than 2 s apart on a loaded machine, and each checked it: c81)."""
    out = []
    for _ in range(n):
        before = statements(server)
        roles(client)
        roles(client)
        out.append(statements(server) - before)
    return out


CACHED = 2  # the clock's offset and the session's (token's) row with the generation


def assert_cached(server, client):
    """A pair of requests whose principal is cached costs 2 × CACHED, or one more with the calendar's check; one
    that reads the user costs at least 2 × (CACHED + 1)."""
    got = cost(server, client)
    assert min(got) <= 2 * CACHED + 1, (server, got)


def roles(client):
    r = client.get("/api/v1/session")
    assert r.status == 200, r
    return sorted((g["role"], g["unit_code"], g["unit_name"]) for g in r.json["user"]["roles"])


def test_a_change_of_the_principal_holds_on_the_next_request_of_every_node(two):
    a, b, db = two
    admin = a.client("admin")
    jt = admin.unit_id("gc-jt")
    name = f"c{uniq()}"
    r = admin.post("/api/v1/users", {"username": name, "name": "缓存同事", "unit_id": jt, "password": "Start2026x",
                                     "roles": [{"role": "contact", "unit_id": jt}]})
    assert r.status == 201, r
    uid = r.json["id"]
    sql_run(db, [f"UPDATE users SET must_change_password = 0 WHERE id = {uid}"])
    on_a = Client(a.url)
    on_a.login(name, "Start2026x")  # a session, used on node a
    r = admin.post(f"/api/v1/users/{uid}/tokens", {"name": "缓存"})
    assert r.status == 201, r
    on_b = Client(b.url)
    on_b.token = r.json["token"]  # an API token, used on node b
    jt_name = admin.get(f"/api/v1/units/{jt}").json["name"]
    for c in (on_a, on_b):  # both caches hold the user now
        assert roles(c) == [("contact", "gc-jt", jt_name)]

    # a request whose principal is cached reads no user (the calendar's check may add one statement to a pair)
    for srv, c in ((a, on_a), (b, on_b)):
        assert_cached(srv, c)

    # a grant through node a: the next request of either node has it, node b reading the user again once
    r = admin.post(f"/api/v1/users/{uid}/roles", {"role": "head", "unit_id": jt})
    assert r.status == 201, r
    gid = next(g["id"] for g in r.json["roles"] if g["role"] == "head")
    before = statements(b)
    assert roles(on_b) == [("contact", "gc-jt", jt_name), ("head", "gc-jt", jt_name)]
    assert statements(b) - before >= CACHED + 1
    assert_cached(b, on_b)
    assert roles(on_a) == [("contact", "gc-jt", jt_name), ("head", "gc-jt", jt_name)]

    # revoked through node b
    r = b.client("admin").delete(f"/api/v1/users/{uid}/roles/{gid}")
    assert r.status == 200, r
    for c in (on_a, on_b):
        assert roles(c) == [("contact", "gc-jt", jt_name)]

    # straight in the database (no server: another process, a script): the unit renamed and recoded, a
    # role added, a portfolio unit, the password flag
    zj = admin.unit_id("gc-zj")
    code = f"gc-jt-{uniq()}"
    sql_run(db, [f"UPDATE units SET name = '改名{jt_name}', code = '{code}' WHERE id = {jt}"])
    for c in (on_a, on_b):
        assert roles(c) == [("contact", code, f"改名{jt_name}")]
    sql_run(db, [f"INSERT INTO user_roles (user_id, role, unit_id) VALUES ({uid}, 'office', {zj})"])
    for c in (on_a, on_b):
        assert [g[0] for g in roles(c)] == ["contact", "office"]
    sql_run(db, [f"INSERT INTO leader_portfolio (user_id, unit_id) VALUES ({uid}, {zj})"])
    for c in (on_a, on_b):
        assert c.get("/api/v1/session").json["user"]["portfolio"] == [zj]
    sql_run(db, [f"UPDATE users SET must_change_password = 1 WHERE id = {uid}"])
    for c in (on_a, on_b):
        assert c.get("/api/v1/session").json["user"]["must_change_password"] is True
        r = c.get("/api/v1/units")
        assert r.status == 403 and "修改密码" in r.error["message"], r
    sql_run(db, [f"UPDATE users SET must_change_password = 0 WHERE id = {uid}"])

    # a change the principal does not show (the e-mail) keeps the generation, so the caches stay
    gen = sql_run(db, ["SELECT principals FROM name_generation"])
    sql_run(db, [f"UPDATE users SET email = 'x{uniq()}@example.cn' WHERE id = {uid}"])
    assert sql_run(db, ["SELECT principals FROM name_generation"]) == gen
    assert_cached(b, on_b)

    # every role taken away in the database: the next request of either node has none and may not read items
    sql_run(db, [f"DELETE FROM user_roles WHERE user_id = {uid}", f"DELETE FROM leader_portfolio WHERE user_id = {uid}"])
    for c in (on_a, on_b):
        assert roles(c) == []
        assert c.get("/api/v1/items").status == 403

    # the account disabled in the database: refused by both nodes at once, session and token alike
    sql_run(db, [f"UPDATE users SET disabled = 1 WHERE id = {uid}"])
    for c in (on_a, on_b):
        r = c.get("/api/v1/session")
        assert r.status == 401 and "停用" in r.error["message"], r


def test_a_revoked_token_is_refused_at_once_though_its_user_is_cached(two):
    a, b, _ = two
    admin = a.client("admin")
    me = a.client("gc_office").user["id"]
    r = admin.post(f"/api/v1/users/{me}/tokens", {"name": "吊销"})
    assert r.status == 201, r
    tid, token = r.json["id"], r.json["token"]
    c = Client(b.url)
    c.token = token
    assert c.get("/api/v1/session").status == 200  # its user is cached on node b now
    assert admin.delete(f"/api/v1/users/{me}/tokens/{tid}").status in (200, 204)
    r = c.get("/api/v1/session")
    assert r.status == 401 and "吊销" in r.error["message"], r
