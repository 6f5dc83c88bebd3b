"""The argon2id cost of new password hashes (password_hash_cost): interactive by default, chosen by the
configuration, refused when unknown; a stored hash keeps the cost it was made with. (The rest of the suite
runs at `minimal`, conftest.py.)"""
import pytest

from conftest import PASSWORD, Server, run_cli
from test_audit_trail import sql

COSTS = {"interactive": "m=65536,t=2,", "moderate": "m=262144,t=3,", "minimal": "m=8,t=1,"}


def user_hash(db, username):
    (h,), = sql(db, f"SELECT password_hash FROM users WHERE username = '{username}'", fetch=True)
    return h


@pytest.mark.parametrize("cost", ["default", "interactive", "minimal"])
def test_new_hashes_have_the_configured_cost_and_old_ones_still_verify(backend, monkeypatch, cost):
    db = backend.new_db()
    if cost == "default":
        monkeypatch.delenv("DUCHA_PASSWORD_HASH_COST")
    else:
        monkeypatch.setenv("DUCHA_PASSWORD_HASH_COST", cost)
    s = Server(db)
    try:
        admin = s.client("admin")
        unit = admin.unit_id("gc-jt")
        r = admin.post("/api/v1/users", {"username": f"cost_{cost}", "name": "测试用户", "unit_id": unit,
                                         "password": "Cost2026abc", "must_change_password": False,
                                         "roles": [{"role": "contact", "unit_id": unit}]})
        assert r.status == 201, r
        want = COSTS["interactive" if cost == "default" else cost]
        h = user_hash(db, f"cost_{cost}")
        assert h.startswith("$argon2id$v=19$") and want in h, h
        # the new user signs in; so does a demo user whose hash was made at the suite's minimal cost
        assert s.client(f"cost_{cost}", "Cost2026abc").get("/api/v1/session").status == 200
        assert COSTS["minimal"] in user_hash(db, "gc_office")
        assert s.client("gc_office", PASSWORD).get("/api/v1/session").status == 200
    finally:
        s.stop()


def test_an_unknown_cost_is_refused_by_name(backend):
    db = backend.new_db()
    p = run_cli("ledger", "check", db=db, check=False, env={"DUCHA_PASSWORD_HASH_COST": "cheap"})
    assert p.returncode != 0
    assert "password_hash_cost" in p.stderr and "interactive, moderate, sensitive or minimal" in p.stderr, p.stderr
