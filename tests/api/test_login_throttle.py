"""Sign-in throttling instead of an account lock (issue 14, items 5 and 8): failures make further attempts
of that name from that address wait 1, 2, 4 … seconds; unknown and known names answer alike; failures
from elsewhere cannot keep a user out of a browser that signed in before (device cookie); an administrator
can lift the wait; a password change ends the user's other sessions."""
import time

import pytest

from conftest import PASSWORD, Client, Server


@pytest.fixture
def srv(backend):
    # the reverse proxy on 127.0.0.1 names the client in X-Forwarded-For, so one test can be many addresses
    s = Server(backend.new_db(), env={"DUCHA_TRUSTED_PROXIES": "127.0.0.1", "DUCHA_LOGIN_FREE_ATTEMPTS": "3"})
    yield s
    s.stop()


def attempt(client, user, password, addr):
    return client.post("/api/v1/session", {"username": user, "password": password},
                       headers={"X-Forwarded-For": f"203.0.113.9, {addr}"})


def test_known_and_unknown_names_answer_alike_and_wait_grows(srv):
    answers = {}
    for user in ("gc_secretary", "no_such_user"):
        c = Client(srv.url)
        got = []
        for _ in range(3):
            r = attempt(c, user, "Wrong1234", "10.1.1.1")
            got.append((r.status, r.error["code"], r.error["message"]))
        r = attempt(c, user, "Wrong1234", "10.1.1.1")
        got.append((r.status, r.error["code"], r.headers.get("Retry-After")))
        answers[user] = got
    assert answers["gc_secretary"] == answers["no_such_user"]
    assert [a[0] for a in answers["gc_secretary"]] == [401, 401, 401, 401]
    assert answers["gc_secretary"][0][2] == "用户名或密码错误"
    # the fourth failure sets the first wait; the right password during it is refused as well
    c = Client(srv.url)
    r = attempt(c, "gc_secretary", PASSWORD, "10.1.1.1")
    assert r.status == 429 and r.error["code"] == "too_many_requests" and r.headers["Retry-After"] == "1", r
    assert "秒后再试" in r.error["message"]
    time.sleep(1.2)
    assert attempt(c, "gc_secretary", "Wrong1234", "10.1.1.1").status == 401  # 5th failure: waits 2 s now
    r = attempt(c, "gc_secretary", PASSWORD, "10.1.1.1")
    assert r.status == 429 and r.headers["Retry-After"] in ("1", "2"), r
    time.sleep(2.2)
    assert attempt(c, "gc_secretary", PASSWORD, "10.1.1.1").status == 200
    # the failures are in the audit trail, for known and unknown names
    recs = srv.client("admin").get("/api/v1/audit?action=session.login_failed&limit=50").json["records"]
    names = [r["summary"]["username"] for r in recs]
    assert names.count("gc_secretary") == 5 and names.count("no_such_user") == 4


def test_nobody_can_lock_another_user_out(srv):
    # the user signs in once from the office: the browser keeps a device cookie
    office = Client(srv.url)
    r = attempt(office, "gc_deputy", PASSWORD, "10.2.2.2")
    assert r.status == 200 and any(k.name == "ducha_device" for k in office.jar)
    attempt(office, "gc_deputy", PASSWORD, "10.2.2.2")
    office.delete("/api/v1/session", csrf=True)
    # an attacker fails 30 times from many addresses
    for i in range(30):
        attempt(Client(srv.url), "gc_deputy", "guess%d" % i, f"198.51.100.{i}")
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
    for i in range(20):
        assert attempt(c, f"nobody{i}", "x", "192.0.2.7").status == 401
    r = attempt(c, "gc_office", PASSWORD, "192.0.2.7")
    assert r.status == 429, r
    assert attempt(Client(srv.url), "gc_office", PASSWORD, "192.0.2.8").status == 200


def test_forwarded_for_is_believed_only_from_trusted_proxies(backend):
    s = Server(backend.new_db(), env={"DUCHA_LOGIN_FREE_ATTEMPTS": "1"})
    try:
        c = Client(s.url)
        attempt(c, "gc_office", "bad", "10.9.9.1")
        attempt(c, "gc_office", "bad", "10.9.9.2")
        # without a trusted proxy both attempts came from 127.0.0.1: the pair is throttled
        assert attempt(c, "gc_office", PASSWORD, "10.9.9.3").status == 429
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
