"""综合分析 (GET /api/v1/items/overview) and who may ask it of which unit: a unit inside the caller's scope gives its
own counts; another county's unit and a unit that does not exist get the same 404 (the answer says nothing of the
other county); a unit_id that is not a number, or below zero, gets a 400 naming the field; a unit's contact sees its
own unit only; a leader asks for a unit of the portfolio. The counts are the overview's, read by the
browser test tests/web/test_overview.test.js."""
from conftest import Clients

OTHER = "单位不存在或无权查看"


def ov(c, q=""):
    return c.get("/api/v1/items/overview" + (f"?{q}" if q else ""))


def test_the_overview_of_a_unit_in_scope_and_the_refusals(server):
    us = Clients(server)
    office, contact = us.c("gc_office"), us.c("gc_contact")
    gc, jt = us.unit("gc"), us.unit("gc-jt")
    ap = us.c("ap_office").unit_id("ap")

    mine = ov(office)
    assert mine.status == 200, mine
    assert mine.json["unit"]["id"] == gc and mine.json["portfolio"] is False
    dept = ov(office, f"unit_id={jt}")
    assert dept.status == 200 and dept.json["unit"]["id"] == jt, dept
    assert dept.json["all"] <= mine.json["all"]

    # another county's unit and a unit that does not exist: one answer, naming neither
    for q in (f"unit_id={ap}", "unit_id=987654321"):
        r = ov(office, q)
        assert r.status == 404, r
        assert r.json["error"]["message"] == OTHER, r.json
    # not a number, below zero: 400 naming the field
    for bad in ("abc", "-1", "1.5", "99999999999999999999999"):
        r = ov(office, f"unit_id={bad}")
        assert r.status == 400, (bad, r)
        assert "unit_id" in r.json["error"]["message"] or r.json["error"].get("field") == "unit_id", r.json

    # a unit's contact: its own unit, never the county above it nor a sibling
    own = ov(contact)
    assert own.status == 200, own
    assert own.json["unit"]["id"] in {g["unit_id"] for g in contact.user["roles"]}, (own.json, contact.user["roles"])
    assert own.json["unit"]["id"] != gc
    for u in (gc, us.unit("gc-zj")):
        if u == own.json["unit"]["id"]:
            continue
        r = ov(contact, f"unit_id={u}")
        assert r.status == 404 and r.json["error"]["message"] == OTHER, r

    # the other county's office cannot read 古城县 either
    r = ov(us.c("ap_office"), f"unit_id={gc}")
    assert r.status == 404 and r.json["error"]["message"] == OTHER, r


def test_a_leader_reads_a_unit_of_the_portfolio(server):
    us = Clients(server)
    leader = us.c("gc_leader")
    portfolio = us.c("gc_admin").get(f"/api/v1/users/{leader.user['id']}").json["portfolio"]
    assert portfolio, "the demo's 分管领导 has a portfolio"
    r = ov(leader, f"unit_id={portfolio[0]}")
    assert r.status == 200, r
    assert r.json["unit"]["id"] == portfolio[0]
