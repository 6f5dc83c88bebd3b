"""Burden warnings for every request, not only inspections (减负, issue 12; DOMAIN.md §9: ducha warns before a cap or
an overlap). An item's 督办通知 asks its responsible units for reports and materials until its due date: before it
is sent the issuer is told each unit's items this year from every issuer against the per-unit cap (settings
request_cap) and the other issuers' requests on the unit in the same window — named when the issuer reads them,
else only 「其他督查机构」. One check with the inspections' (POST /api/v1/inspections/burden-check, request item);
crossing the cap needs a reason, recorded as an exception and audited, exactly as for an inspection; the item's
last approval approves it, its withdrawal refuses it."""
import pytest

from conftest import sql_run, uniq
from insplib import burden_check, cap_setting_checked, new_department, refuses_fields
from itemlib import pinned_items

CAP = 2


@pytest.fixture(scope="module")
def it(backend):
    with pinned_items(backend) as it:
        r = it.c("admin").put("/api/v1/inspections/settings", {"request_cap": CAP})
        assert r.status == 200 and r.json["request_cap"] == CAP, r
        it.add_city_leaders("br")
        yield it


def new_unit(it):
    """A department of 古城县 of its own: nobody else's items count on it."""
    return new_department(it, "br", "减负测试局")


def item(it, unit, user="gc_office", expect=201, **kw):
    body = {"title": kw.pop("title", f"按月报送农村公路养护进展{uniq()}"), "requirement": "每月5日前报送进展和材料",
            "source_kind": "meeting", "lead_unit_id": unit["id"], "due_date": kw.pop("due_date", it.day(40)), **kw}
    r = it.c(user).post("/api/v1/items", body)
    assert r.status == expect, r
    return r.json if expect == 201 else r


def check(it, units, start, end, user="gc_office", expect=200, **extra):
    body = {"request": "item", "target_unit_ids": [u["id"] for u in units], "start_date": start, "end_date": end,
            **extra}
    return burden_check(it.c(user), body, expect)


def exception(it, item_id):
    got = it.c("gc_office").get(f"/api/v1/inspections/caps?year={it.day(0)[:4]}").json
    [x] = [x for x in got["exceptions"] if x["object_type"] == "item" and x["object_id"] == item_id]
    return x


def of(w, kind):
    return [x for x in w if x["kind"] == kind]


def test_the_setting_is_checked_and_audited(it):
    cap_setting_checked(it, "request_cap", CAP, (-1, 100001, "二"), "每个单位年度交办事项件数上限")


def test_the_count_against_the_cap_before_sending_and_in_the_create_answer(it):
    u = new_unit(it)
    got = check(it, [u], it.day(0), it.day(30))
    assert got["request"] == "item" and got["unit_cap"] == CAP
    assert got["units"] == [{"unit_id": u["id"], "unit": u["name"], "count": 0, "cap": CAP, "cap_from": None,
                             "level": "under"}] and got["warnings"] == []
    first = item(it, u)
    assert first["burden_warnings"] == []
    # a draft is no request yet: the unit has received nothing
    assert check(it, [u], it.day(0), it.day(30))["units"][0]["count"] == 0
    it.send(first)
    got = check(it, [u], it.day(0), it.day(30))
    assert got["units"][0]["count"] == 1 and got["units"][0]["level"] == "reach"
    [w] = got["warnings"]
    assert w["kind"] == "cap" and w["needs_reason"] is False and u["name"] in w["text"] and "将达到" in w["text"]
    second = item(it, u)
    assert [x["kind"] for x in second["burden_warnings"]] == ["cap"]  # the issuer is told in the answer too
    # the item itself is left out when it is checked again
    assert check(it, [u], it.day(0), it.day(30), exclude_item_id=second["id"])["units"][0]["count"] == 1
    it.send(second)
    got = check(it, [u], it.day(0), it.day(30))
    [w] = of(got["warnings"], "cap")
    assert (w["unit"], w["count"], w["cap"], w["needs_reason"]) == (u["name"], 2, CAP, True), w
    assert f"已接收交办事项 2 件" in w["text"] and "例外理由" in w["text"]
    # a withdrawn draft never counted; another year does not count
    gone = item(it, u, burden_reason="试验")
    it.act(gone["id"], "gc_office", "withdraw", {"reason": "重复立项"})
    assert exception(it, gone["id"])["state"] == "refused"  # withdrawn: its exception with it
    assert check(it, [u], it.day(0), it.day(30))["units"][0]["count"] == 2
    assert check(it, [u], f"{int(it.day(0)[:4]) + 1}-05-01", f"{int(it.day(0)[:4]) + 1}-05-02")["units"][0][
        "count"] == 0
    # the counts come from the bulletins' kept rows (item_figs) by month; a database whose rows were counted in
    # another zone's months counts from the items and tracks instead: the same answers
    counts = lambda: [check(it, [u], it.day(0), it.day(30))["units"][0]["count"],
                      check(it, [u], it.day(0), it.day(30), exclude_item_id=second["id"])["units"][0]["count"],
                      check(it, [u], f"{int(it.day(0)[:4]) + 1}-05-01", f"{int(it.day(0)[:4]) + 1}-05-02")["units"][0][
                          "count"]]
    assert counts() == [2, 1, 0]
    sql_run(it.server.db, ["UPDATE figure_zone SET minutes = 0 WHERE id = 1"])
    try:
        assert counts() == [2, 1, 0]
    finally:
        sql_run(it.server.db, ["UPDATE figure_zone SET minutes = 480 WHERE id = 1"])


def test_crossing_the_cap_needs_a_reason_recorded_as_an_exception(it):
    u = new_unit(it)
    for _ in range(CAP):
        it.send(item(it, u))
    title = f"报送秋粮收购进度表{uniq()}"
    r = item(it, u, title=title, expect=409)
    assert f"{u['name']}" in r.error["message"] and "已接收交办事项 2 件" in r.error["message"], r
    assert "burden_reason" in r.error["message"], r
    assert [x["title"] for x in it.ledger(lead_unit_id=u["id"])["items"]].count(title) == 0  # nothing registered
    assert len(it.ledger(lead_unit_id=u["id"])["items"]) == CAP
    r = item(it, u, title=title, submit=True, burden_reason="省政府专项部署，须单独报送")
    assert r["state"] == "submitted" and [x["kind"] for x in r["burden_warnings"]] == ["cap"]
    got = it.c("gc_office").get(f"/api/v1/inspections/caps?year={it.day(0)[:4]}").json
    [x] = [x for x in got["exceptions"] if x["object_type"] == "item" and x["object_id"] == r["id"]]
    assert x["rule"] == "request" and x["state"] == "requested" and x["reason"] == "省政府专项部署，须单独报送"
    assert u["name"] in x["detail"], x
    recs = it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={r['id']}&limit=50").json["records"]
    assert {"inspection.exception_request", "item.create"} <= {x["action"] for x in recs}, recs
    # the approval decides it: the deputy's is not the last, the director's approves it with the item
    it.act(r["id"], "gc_deputy", "approve", {})
    assert exception(it, r["id"])["state"] == "requested"
    it.act(r["id"], "gc_director", "approve", {})
    x = exception(it, r["id"])
    assert x["state"] == "approved" and x["decided_at"], x
    # an empty reason is no reason
    r = it.c("gc_office").post("/api/v1/items", {"title": title, "source_kind": "meeting", "lead_unit_id": u["id"],
                                                 "due_date": it.day(40), "burden_reason": ""})
    assert r.status == 422 and r.error.get("field") == "burden_reason", r


def test_an_edit_to_other_units_or_dates_is_checked_again(it):
    free, full = new_unit(it), new_unit(it)
    for _ in range(CAP):
        it.send(item(it, full))
    x = item(it, free)
    assert x["burden_warnings"] == []
    c = it.c("gc_office")
    r = c.patch(f"/api/v1/items/{x['id']}", {"lead_unit_id": full["id"]})
    assert r.status == 409 and full["name"] in r.error["message"] and "burden_reason" in r.error["message"], r
    assert it.get(x["id"])["lead_unit_id"] == free["id"]  # nothing changed
    r = c.patch(f"/api/v1/items/{x['id']}", {"lead_unit_id": full["id"], "burden_reason": "改由该局牵头"})
    assert r.status == 200 and r.json["lead_unit_id"] == full["id"], r
    assert [w["kind"] for w in r.json["burden_warnings"]] == ["cap"]
    assert exception(it, x["id"])["reason"] == "改由该局牵头"
    # a new title, or the same units sent again, asks the units nothing new: not checked, no warnings
    r = c.patch(f"/api/v1/items/{x['id']}", {"title": f"按季度报送{uniq()}", "lead_unit_id": full["id"],
                                             "co_unit_ids": []})
    assert r.status == 200 and "burden_warnings" not in r.json, r
    # another draft moved to the full unit by its due date alone is not; by its unit it is
    y = item(it, free)
    r = c.patch(f"/api/v1/items/{y['id']}", {"due_date": it.day(50)})
    assert r.status == 200 and r.json["burden_warnings"] == [], r
    r = c.patch(f"/api/v1/items/{y['id']}", {"co_unit_ids": [full["id"]]})
    assert r.status == 409 and full["name"] in r.error["message"], r


def test_overlaps_of_other_issuers_named_when_readable(it):
    u = new_unit(it)
    county = item(it, u, title=f"报送城区排水防涝材料{uniq()}", due_date=it.day(20))
    it.send(county)
    county = it.get(county["id"])
    # the county's own items are no overlap for the county
    assert of(check(it, [u], it.day(0), it.day(30))["warnings"], "overlap") == []
    # the city reads the county's items: named, with the dates and a link
    [w] = of(check(it, [u], it.day(10), it.day(50), user="lc_office")["warnings"], "overlap")
    assert w["object"] == "item" and w["visible"] is True and w["id"] == county["id"] and w["unit_id"] == u["id"]
    assert w["issuer"] == "古城县人民政府" and county["title"] in w["subject"] and county["number"] in w["subject"]
    assert (w["start_date"], w["end_date"]) == (it.day(0), it.day(20)) and w["link"] == f"/items/{county['id']}"
    assert "重复报送" in w["text"]
    # no overlap after its due date
    assert of(check(it, [u], it.day(21), it.day(50), user="lc_office")["warnings"], "overlap") == []
    # the city's item on the county's unit: the county does not read the city's items
    city = item(it, u, user="lc_office", title=f"全市耕地保护材料报送{uniq()}", due_date=it.day(30))
    it.send(city, "lc_office", ("lc_deputy_br", "lc_director_br"))
    mine = item(it, u, due_date=it.day(45), burden_reason="市县同步部署")  # two on it now: at the cap
    [w] = of(mine["burden_warnings"], "overlap")
    assert w["visible"] is False and w["issuer"] == "其他督查机构" and (w["start_date"], w["end_date"]) == (
        it.day(0), it.day(30)), w
    assert "id" not in w and "subject" not in w and "耕地" not in w["text"] and "临川" not in w["text"], w


def test_each_unit_of_a_request_gets_its_own_count_and_overlaps(it):
    """The reads of all units travel together (one statement each for every unit): each unit still gets its own
    count, cap warning and overlaps, in the order the units were asked, at registration as in the check."""
    busy, free = new_unit(it), new_unit(it)
    county = item(it, busy, title=f"报送冬春农田水利建设材料{uniq()}", due_date=it.day(20))
    it.send(county)
    got = check(it, [free, busy], it.day(0), it.day(30), user="lc_office")
    assert [(u["unit_id"], u["count"], u["level"]) for u in got["units"]] == [(free["id"], 0, "under"),
                                                                              (busy["id"], 1, "reach")], got
    assert [(w["kind"], w["unit_id"]) for w in got["warnings"]] == [("cap", busy["id"]), ("overlap", busy["id"])]
    [w] = of(got["warnings"], "overlap")
    assert w["visible"] is True and w["id"] == county["id"], w
    # registering on both (the free unit leading): the same warnings, none on the free unit
    mine = item(it, free, user="lc_office", co_unit_ids=[busy["id"]], due_date=it.day(30))
    assert [(w["kind"], w["unit_id"]) for w in mine["burden_warnings"]] == [("cap", busy["id"]),
                                                                            ("overlap", busy["id"])], mine
    assert of(mine["burden_warnings"], "overlap")[0]["id"] == county["id"]


def test_refusals(it):
    u = new_unit(it)
    d0, d1, d2 = it.day(0), it.day(1), it.day(2)
    refuses_fields(it.c("gc_office"), "/api/v1/inspections/burden-check", (
        ({"request": "survey", "target_unit_ids": [u["id"]], "start_date": d0, "end_date": d1}, "request"),
        ({"request": "item", "target_unit_ids": [99999999], "start_date": d0, "end_date": d1}, "target_unit_ids"),
        ({"request": "item", "target_unit_ids": [u["id"]], "start_date": d2, "end_date": d1}, "end_date")))
    # only an office that registers items asks about items; a unit's contact gets 403
    check(it, [u], d0, d1, user="gc_contact", expect=403)


def test_a_clue_converted_into_an_item_for_a_unit_past_the_cap(it):
    """A clue converted into an item (转为督办事项) asks the lead unit as the item's registration does: past its cap
    the conversion is refused without the reason (409 naming burden_reason, nothing changed), an empty reason is a
    422 naming the field; with the reason the item is registered, the exception recorded with it and audited, and
    the item's last approval approves it."""
    from cluelib import Clues
    u = new_unit(it)
    for _ in range(CAP):
        it.send(item(it, u))
    cl = Clues(it.server)
    clue = cl.create(description="城南工业园区企业反映同一事项被多个部门反复要求报送材料，半个月内填表五次。")
    body = {"lead_unit_id": u["id"], "due_date": it.day(30), "title": f"园区企业报送材料整治{uniq()}"}
    r = cl.act(clue["id"], "gc_office", "convert_item", body, expect=409)
    assert u["name"] in r.error["message"] and "已接收交办事项 2 件" in r.error["message"], r
    assert "burden_reason" in r.error["message"], r
    r = cl.act(clue["id"], "gc_office", "convert_item", {**body, "burden_reason": ""}, expect=422)
    assert r.error.get("field") == "burden_reason" and "例外理由" in r.error["message"], r
    # nothing changed: the clue is as it was, no item registered for the unit
    assert cl.get(clue["id"])["state"] == "received" and not cl.get(clue["id"]).get("item")
    assert [x["title"] for x in it.ledger(lead_unit_id=u["id"])["items"]].count(body["title"]) == 0
    # a unit's contact may not convert, reason or not
    cl.act(clue["id"], "gc_contact", "convert_item", {**body, "burden_reason": "群众反映强烈"}, expect=404)
    got = cl.act(clue["id"], "gc_office", "convert_item", {**body, "burden_reason": "群众反映强烈，须专项整治"}).json
    assert got["state"] == "converted", got
    iid = got["item"]["id"]
    assert it.get(iid)["lead_unit_id"] == u["id"] and it.get(iid)["state"] == "draft"
    x = exception(it, iid)
    assert x["rule"] == "request" and x["state"] == "requested" and x["reason"] == "群众反映强烈，须专项整治", x
    assert u["name"] in x["detail"], x
    recs = it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}&limit=50").json["records"]
    assert {"inspection.exception_request", "item.create"} <= {r["action"] for r in recs}, recs
    # the item goes on as any other: the deputy's approval is not the last, the director's approves the exception
    it.act(iid, "gc_office", "submit", {})
    it.act(iid, "gc_deputy", "approve", {})
    assert exception(it, iid)["state"] == "requested"
    it.act(iid, "gc_director", "approve", {})
    x = exception(it, iid)
    assert x["state"] == "approved" and x["decided_at"], x
