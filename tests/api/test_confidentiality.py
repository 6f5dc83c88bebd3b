"""An internal item (密级 内部, the default) never reaches a public page (issue 15): a bulletin published to the
public lists, of its overdue items, only those marked public; the office's own view of the bulletin keeps all.
The counts per unit stay (they name no item)."""
from itemlib import Items

T0, T1 = "2025-03-03T10:00:00+08:00", "2025-04-07T10:00:00+08:00"


def test_a_public_bulletin_lists_only_public_items(fresh_server):
    srv = fresh_server
    it = Items(srv)
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": T0})
    assert r.status == 200, r
    open_item = it.create(title="背街小巷路灯修复（公开）", due_date="2025-03-10", confidentiality="public")
    closed_item = it.create(title="涉密工程进度核查（内部）", due_date="2025-03-12")
    assert it.c("gc_office").get(f"/api/v1/items/{closed_item['id']}").json["confidentiality"] == "internal"
    for x in (open_item, closed_item):
        for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                             ("gc_office", "assign")):
            it.act(x["id"], user, action, {})
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": T1})
    assert r.status == 200, r
    it.clients.clear()
    office, principal = it.c("gc_office"), it.c("gc_principal")
    r = office.post("/api/v1/bulletins", {"period_from": "2025-03-01", "period_to": "2025-03-31", "public": True})
    assert r.status == 201, r
    bid = r.json["id"]
    for c, action in ((office, "submit"), (principal, "approve"), (office, "issue")):
        r = c.post(f"/api/v1/bulletins/{bid}/actions/{action}", {})
        assert r.status == 200, (action, r)
    titles = lambda b: {x["title"] for x in b["figures"]["overdue_items"]}  # noqa: E731
    full = office.get(f"/api/v1/bulletins/{bid}").json
    assert titles(full) >= {"背街小巷路灯修复（公开）", "涉密工程进度核查（内部）"}
    pub = srv.client().get(f"/api/v1/public/bulletins/{bid}")
    assert pub.status == 200, pub
    assert "背街小巷路灯修复（公开）" in titles(pub.json)
    assert "涉密工程进度核查（内部）" not in pub.raw.decode()  # nowhere on the public page
    assert pub.json["figures"]["units"] == full["figures"]["units"]  # the counts stay
