"""Sign-in throttling instead of an account lock (issue 14, items 5 and 8): failures make further attempts
of that name from that address wait 1, 2, 4 … seconds; unknown and known names answer alike; failures
from elsewhere cannot keep a user out of a browser that signed in before (device cookie); an administrator
can lift the wait; a password change ends the user's other sessions."""
import datetime

import pytest

from conftest import PASSWORD, Client, Server


@pytest.fixture
def srv(backend):
    # the reverse proxy on 127.0.0.1 names the client in X-Forwarded-For, so one test can be many addresses
    s = Server(backend.new_db(), env={"DUCHA_TRUSTED_PROXIES": "127.0.0.1", "DUCHA_LOGIN_FREE_ATTEMPTS": "3"})
    yield s
    s.stop()


def advance(srv, seconds):
    """Moves the server's test clock forward (waits are counted on it)."""
    now = srv.client().get("/api/v1/health").json["time"]
    t = datetime.datetime.fromisoformat(now.replace("Z", "+00:00")) + datetime.timedelta(seconds=seconds)
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": t.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert r.status == 200, r


def fail_until_wait(srv, user, addr, wait):
    """Wrong passwords (waiting out each delay on the test clock) until the delay is at least wait
    seconds; returns what the server answered each time."""
    c, seen = Client(srv.url), []
    for _ in range(40):
        r = attempt(c, user, "Wrong1234", addr)
        seen.append((r.status, r.error.get("code"), r.error.get("message"), r.headers.get("Retry-After")))
        if r.status == 429:
            if int(r.headers["Retry-After"]) >= wait:
                return seen
            advance(srv, int(r.headers["Retry-After"]))
    raise AssertionError(seen)


def attempt(client, user, password, addr):
    return client.post("/api/v1/session", {"username": user, "password": password},
                       headers={"X-Forwarded-For": f"203.0.113.9, {addr}"})


def test_known_and_unknown_names_answer_alike_and_wait_grows(srv):
    # until the wait is a minute: the test clock ticks with real time, and a wait of a few seconds could run
    # out between the last failure and the check below on a slow run
    known = fail_until_wait(srv, "gc_secretary", "10.1.1.1", 60)
    # the right password is refused during the wait, accepted after it
    c = Client(srv.url)
    r = attempt(c, "gc_secretary", PASSWORD, "10.1.1.1")
    assert r.status == 429 and int(r.headers["Retry-After"]) >= 30, r
    advance(srv, int(r.headers["Retry-After"]))
    assert attempt(c, "gc_secretary", PASSWORD, "10.1.1.1").status == 200
    unknown = fail_until_wait(srv, "no_such_user", "10.1.1.2", 60)
    # the same answers: the same refusals in the same words (how many attempts fall inside a running
    # wait depends on where the clock's seconds tick, so the sequences may differ in length)
    assert known[:4] == unknown[:4]
    assert {x for x in known if x[0] == 401} == {x for x in unknown if x[0] == 401}
    assert {x[:2] for x in known if x[0] == 429} == {x[:2] for x in unknown if x[0] == 429}
    assert known[-1][0] == unknown[-1][0] == 429
    statuses = [x[0] for x in known]
    assert statuses[:4] == [401, 401, 401, 401] and statuses[-1] == 429
    assert known[0][2] == "用户名或密码错误" and known[-1][1] == "too_many_requests" and "秒后再试" in known[-1][2]
    # the waits grow 1, 2, 4, 8 … s
    waits = [int(x[3]) for x in known if x[0] == 429]
    assert waits == sorted(waits) and waits[-1] >= 60, waits
    # the failures are in the audit trail, for known and unknown names
    recs = srv.client("admin").get("/api/v1/audit?action=session.login_failed&limit=100").json["records"]
    names = [r["summary"]["username"] for r in recs]
    assert names.count("gc_secretary") == statuses.count(401)
    assert names.count("no_such_user") == [x[0] for x in unknown].count(401)


def test_nobody_can_lock_another_user_out(srv):
    # the user signs in once from the office: the browser keeps a device cookie
    office = Client(srv.url)
    r = attempt(office, "gc_deputy", PASSWORD, "10.2.2.2")
    assert r.status == 200 and any(k.name == "ducha_device" for k in office.jar)
    attempt(office, "gc_deputy", PASSWORD, "10.2.2.2")
    office.delete("/api/v1/session", csrf=True)
    # an attacker fails from many addresses, waiting out each delay on the test clock, until the name's
    # wait is a minute (a 1 s wait could run out between the last guess and the check below on a slow run)
    for i in range(60):
        r = attempt(Client(srv.url), "gc_deputy", "guess%d" % i, f"198.51.100.{i}")
        if r.status == 429:
            if int(r.headers["Retry-After"]) >= 60:
                break
            advance(srv, int(r.headers["Retry-After"]))
    else:
        raise AssertionError("the name's wait never reached a minute")
    # a new browser at the office is held back by the name's throttle …
    r = attempt(Client(srv.url), "gc_deputy", PASSWORD, "10.2.2.2")
    assert r.status == 429, r
    # … but the browser that signed in before is not
    r = attempt(office, "gc_deputy", PASSWORD, "10.2.2.2")
    assert r.status == 200, r
    # the administrator lifts the wait for everyone
    admin = srv.client("gc_admin")
    uid = [u for u in admin.get("/api/v1/users?q=gc_deputy").json["users"] if u["username"] == "gc_deputy"][0]["id"]
    assert admin.patch(f"/api/v1/users/{uid}", {"unlock": True}).status == 200
    assert attempt(Client(srv.url), "gc_deputy", PASSWORD, "10.2.2.3").status == 200


def test_one_address_guessing_many_names_is_slowed(srv):
    c = Client(srv.url)
    for i in range(20):  # 20 free failures per address
        assert attempt(c, f"nobody{i}", "x", "192.0.2.7").status == 401
    seen = fail_until_wait(srv, "nobody-else", "192.0.2.7", 60)  # a wait that cannot run out before the check
    r = attempt(c, "gc_office", PASSWORD, "192.0.2.7")
    assert r.status == 429, (seen, r)
    assert attempt(Client(srv.url), "gc_office", PASSWORD, "192.0.2.8").status == 200


def test_forwarded_for_is_believed_only_from_trusted_proxies(backend):
    s = Server(backend.new_db(), env={"DUCHA_LOGIN_FREE_ATTEMPTS": "1"})
    try:
        # without a trusted proxy every attempt comes from 127.0.0.1, whatever X-Forwarded-For says
        fail_until_wait(s, "gc_office", "10.9.9.1", 60)  # a wait that cannot run out before the check
        assert attempt(Client(s.url), "gc_office", PASSWORD, "10.9.9.3").status == 429
    finally:
        s.stop()


def test_password_change_ends_the_other_sessions(server):
    a, b = server.client("gc_inspector"), server.client("gc_inspector")
    assert b.get("/api/v1/session").status == 200
    r = a.put("/api/v1/session/password", {"old_password": PASSWORD, "new_password": "Inspect2027x"})
    assert r.status == 204, r
    assert b.get("/api/v1/session").status == 401  # the other browser is signed out
    assert a.get("/api/v1/session").status == 200  # this one stays
    recs = server.client("admin").get("/api/v1/audit?action=user.password&limit=5").json["records"]
    assert recs[0]["summary"]["sessions_ended"] == 1
    assert a.put("/api/v1/session/password", {"old_password": "Inspect2027x", "new_password": PASSWORD}).status == 204
