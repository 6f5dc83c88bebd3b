"""Decomposition (层层分解): the city office's item assigned to 古城县人民政府 is split by the
county office among its departments; a child's due date cannot be later than its parent's; the
parent shows the roll-up of its children; units see their children but not the city's item."""
import pytest

from itemlib import Items, day


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


@pytest.fixture(scope="module")
def city_item(it):
    """An item of the city office for 古城县人民政府, approved by city deputy and director created here."""
    lc = it.c("lc_office")
    return it.city_item(title="全市农村公路提档升级", requirement="各县完成农村公路改造任务", lead_unit_id=lc.unit_id("gc"),
                        co_unit_ids=[lc.unit_id("ap")], due_date=day(100))


def child_body(it, title, lead, due):
    return {"title": title, "source_kind": "work_report", "lead_unit_id": it.unit(lead), "due_date": due}


def test_children_rollup_and_deadline_rule(it, city_item):
    pid = city_item["id"]
    gc = it.c("gc_office")
    # the county office sees the city's item through its own track, the departments do not
    assert gc.get(f"/api/v1/items/{pid}").status == 200
    assert it.c("gc_contact").get(f"/api/v1/items/{pid}").status == 404
    # the detail says under which unit the caller may split it: the county office under its government's track
    assert gc.get(f"/api/v1/items/{pid}").json["split_under"] == {"unit_id": it.unit("gc"), "unit_name": "古城县人民政府"}
    # and the units a child may go to are found in that unit's subtree (the unit itself included, which is refused)
    gc_path = gc.get(f"/api/v1/units/{it.unit('gc')}").json["path"]
    found = gc.get(f"/api/v1/units?parent_id={it.unit('gc')}&q=%").json["units"]
    assert "gc-jt" in {u["code"] for u in found} and all(u["path"].startswith(gc_path) for u in found)
    assert not {u["code"] for u in found} & {"lc", "lc-jt", "ap"}
    r = gc.post(f"/api/v1/items/{pid}/children", child_body(it, "城关片区农村公路改造", "gc-jt", day(101)))
    assert r.status == 422 and "不能晚于" in r.error["message"]
    r = gc.post(f"/api/v1/items/{pid}/children", child_body(it, "城关片区农村公路改造", "gc-jt", day(100)))
    assert r.status == 201, r
    c1 = r.json
    assert c1["parent_id"] == pid and c1["office_unit_id"] == it.unit("gc-dcs")
    assert c1["office_unit_name"] == "古城县人民政府督查室"
    r = gc.post(f"/api/v1/items/{pid}/children", child_body(it, "危桥改造", "gc-zj", day(50)))
    assert r.status == 201
    c2 = r.json
    # other county and units without the register role cannot decompose
    assert it.c("ap_office").post(f"/api/v1/items/{pid}/children",
                                  child_body(it, "x", "gc-jt", day(10))).status in (403, 422)
    assert it.c("gc_contact").post(f"/api/v1/items/{pid}/children", child_body(it, "x", "gc-jt", day(10))).status == 403
    # a child must go to a unit below the decomposing government
    r = gc.post(f"/api/v1/items/{pid}/children", dict(child_body(it, "x", "gc-jt", day(10)), lead_unit_id=it.unit("gc")))
    assert r.status == 422 and r.error["field"] == "lead_unit_id"
    assert r.error["message"] == "分解事项的牵头单位（lead_unit_id）应为古城县人民政府的下级单位"
    # a unit of another county, as lead or 责任单位: said the same way, by the responsible unit's name
    r = gc.post(f"/api/v1/items/{pid}/children", dict(child_body(it, "x", "gc-jt", day(10)), lead_unit_id=it.c("lc_office").unit_id("ap")))
    assert r.status == 422 and r.error["message"] == "分解事项的牵头单位（lead_unit_id）应为古城县人民政府的下级单位"
    r = gc.post(f"/api/v1/items/{pid}/children", dict(child_body(it, "x", "gc-jt", day(10)), co_unit_ids=[it.c("lc_office").unit_id("ap")]))
    assert r.status == 422 and r.error["field"] == "co_unit_ids"
    assert r.error["message"] == "分解事项的责任单位（co_unit_ids）应为古城县人民政府的下级单位"
    # the child runs its own workflow in the county
    for user, action, body in [("gc_office", "submit", {}), ("gc_deputy", "approve", {}),
                               ("gc_director", "approve", {}), ("gc_office", "assign", {}),
                               ("gc_contact", "receive", {}), ("gc_contact", "report", {"text": "完成60%", "percent": 60})]:
        it.act(c1["id"], user, action, body)
    assert it.get(c1["id"], "gc_contact")["number"].startswith("古督")
    # the county's department sees its child but not the parent
    assert it.c("gc_contact").get(f"/api/v1/items/{c1['id']}").status == 200
    assert it.c("ap_office").get(f"/api/v1/items/{c1['id']}").status == 404
    # the parent's roll-up
    parent = it.c("lc_office").get(f"/api/v1/items/{pid}").json
    ids = [c["id"] for c in parent["children"]]
    assert ids == [c1["id"], c2["id"]]
    roll = parent["children_rollup"]
    assert roll["total"] == 2 and roll["progress"] == 30 and roll["by_state"] == {"in_progress": 1, "draft": 1}
    # a child's deadline may not be moved past the parent's either
    r = gc.patch(f"/api/v1/items/{c2['id']}", {"due_date": day(150)})
    assert r.status == 422
    # the ledger filters children by parent
    led = it.ledger("lc_office", parent_id=pid)
    assert {i["id"] for i in led["items"]} == {c1["id"], c2["id"]}


def test_only_approved_items_can_be_decomposed(it):
    item = it.bring("submitted", lead="gc-t1")
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/children", child_body(it, "x", "gc-jt", day(5)))
    assert r.status == 409
    # nobody is offered a split of it: not the office (its state), not the unit (its role)
    assert it.c("gc_office").get(f"/api/v1/items/{item['id']}").json["split_under"] is None
    running = it.bring("in_progress")
    assert it.c("gc_office").get(f"/api/v1/items/{running['id']}").json["split_under"] == \
        {"unit_id": it.unit("gc-jt"), "unit_name": "古城县交通运输局"}
    for user in ("gc_contact", "gc_head"):
        r = it.c(user).get(f"/api/v1/items/{running['id']}")
        assert r.status == 404 or r.json["split_under"] is None, user
