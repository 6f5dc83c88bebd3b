"""The session reply carries the user's capabilities (perm.c's table, per role grant and in all), and
they agree with what the router lets the user do: the web app shows pages from them."""
from conftest import PASSWORD, Client

DEMO = ["admin", "lc_office", "gc_admin", "gc_principal", "gc_leader", "gc_director", "gc_deputy", "gc_secretary",
        "gc_office", "gc_inspector", "gc_parttime", "gc_contact", "gc_head", "gc_town", "gc_evaluator", "ap_office"]

# one GET route per capability that guards a page of the web app
PROBE = {
    "unit_read": "/api/v1/units",
    "user_admin": "/api/v1/users",
    "audit_read": "/api/v1/audit?limit=1",
    "item_read": "/api/v1/items?per_page=1",
    "system_admin": "/api/v1/admin/outbox",
    "clue_read": "/api/v1/clues?per_page=1",
}


def test_login_and_session_carry_the_same_capabilities(server):
    c = Client(server.url)
    r = c.post("/api/v1/session", {"username": "gc_office", "password": PASSWORD})
    assert r.status == 200
    me = c.get("/api/v1/session")
    assert me.json["user"]["caps"] == r.json["user"]["caps"]
    assert set(r.json["user"]["caps"]) == {"unit_read", "audit_read", "item_read", "item_register", "item_review",
                                           "insp_read", "insp_manage", "insp_propose", "result_draft", "clue_read",
                                           "clue_manage", "clue_reporter", "survey_manage"}
    grant = r.json["user"]["roles"][0]
    assert grant["role"] == "office" and grant["unit_code"] == "gc"
    assert set(grant["caps"]) == set(r.json["user"]["caps"])


def test_each_role_has_the_capabilities_of_its_table_row(server):
    want = {
        "admin": {"unit_read", "unit_write", "user_admin", "audit_read", "system_admin", "system_settings",
                  "webhook_admin"},
        # a county's administrator: the system-wide settings belong to the top unit's administrator
        "gc_admin": {"unit_read", "unit_write", "user_admin", "audit_read", "system_admin", "webhook_admin"},
        "gc_principal": {"unit_read", "item_read", "item_press", "item_decide", "insp_read", "insp_approve", "insp_decide",
                         "result_approve", "clue_read"},
        "gc_deputy": {"unit_read", "item_read", "item_approve", "item_review", "insp_read", "clue_read"},
        "gc_secretary": {"unit_read", "item_read", "item_review", "insp_read"},
        "gc_contact": {"unit_read", "item_read", "item_handle", "insp_read", "rect_handle", "clue_read", "clue_verify",
                       "clue_point"},
        "gc_head": {"unit_read", "item_read", "item_handle", "item_sign", "insp_read", "insp_propose", "rect_handle",
                    "clue_read", "clue_verify", "clue_point"},
        "gc_inspector": {"unit_read", "insp_read", "insp_field"},
        "gc_parttime": {"insp_field"},
        "gc_evaluator": {"insp_evaluate"},
    }
    for user, caps in want.items():
        u = server.client(user).get("/api/v1/session").json["user"]
        assert set(u["caps"]) == caps, user
        # public and signed_in are not capabilities one holds
        assert "public" not in u["caps"] and "signed_in" not in u["caps"]


def test_capabilities_are_the_union_of_the_grants(server, unique):
    admin = server.client("gc_admin")
    gc, jt = admin.unit_id("gc"), admin.unit_id("gc-jt")
    r = admin.post("/api/v1/users", {"username": f"two_{unique}", "name": "两个角色", "unit_id": jt, "password": PASSWORD,
                                     "must_change_password": False,
                                     "roles": [{"role": "contact", "unit_id": jt}, {"role": "secretary", "unit_id": gc}]})
    assert r.status == 201, r.json
    u = server.client(f"two_{unique}").get("/api/v1/session").json["user"]
    by_role = {g["role"]: g for g in u["roles"]}
    assert set(by_role["contact"]["caps"]) == {"unit_read", "item_read", "item_handle", "insp_read", "rect_handle",
                                               "clue_read", "clue_verify", "clue_point"}
    assert by_role["contact"]["unit_code"] == "gc-jt"
    assert set(by_role["secretary"]["caps"]) == {"unit_read", "item_read", "item_review", "insp_read"}
    assert by_role["secretary"]["unit_code"] == "gc"
    assert set(u["caps"]) == {"unit_read", "item_read", "item_handle", "item_review", "insp_read", "rect_handle",
                              "clue_read", "clue_verify", "clue_point"}


def test_the_capabilities_shown_are_the_ones_the_router_grants(server):
    for user in DEMO:
        c = server.client(user)
        caps = set(c.get("/api/v1/session").json["user"]["caps"])
        for cap, path in PROBE.items():
            r = c.get(path)
            if cap in caps:
                assert r.status == 200, (user, cap, r.status)
            else:
                assert r.status == 403, (user, cap, r.status)
                assert r.error["message"]
        # system_settings guards only changes: without it the router refuses before reading the body
        r = c.put("/api/v1/rules", {})
        if "system_settings" in caps:
            assert r.status == 422, (user, r.status)
        else:
            assert r.status == 403, (user, r.status)
