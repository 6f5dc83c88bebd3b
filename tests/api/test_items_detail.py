"""The item detail (GET /api/v1/items/{id}) of items with everything its page shows: two tracks (the lead
unit first), a suspension period, an extension decided and one pending; child items (层层分解). The
detail is read in one statement (view item_detail, migration 0306; the names from the process cache, the lists' rows
sorted by the C code) and the same C code builds the
JSON on both databases: this test spells out every field of the lists, so that both backends must give
the same answer, and that the allowed actions read the pending extension from the detail's own list."""
import pytest

from conftest import sql_run
from itemlib import Items, day

TRACK_KEYS = ["id", "unit_id", "unit_code", "unit_name", "role", "state", "state_label", "progress", "received_at",
              "plan_text", "plan_date", "reply_text", "signed_at", "allowed_actions"]
EXT_KEYS = ["id", "reason", "old_date", "new_date", "state", "requested_at", "track_id", "decided_at",
            "decision_note"]


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def test_the_detail_of_an_item_with_tracks_extensions_and_suspensions(it):
    item = it.bring("assigned", lead="gc-jt", co=("gc-zj",), title="老旧小区改造推进")
    iid = item["id"]
    for user, action, body in [("gc_contact", "receive", {}), ("gc_contact2", "receive", {}),
                               ("gc_contact", "report", {"text": "已完成方案设计", "percent": 30}),
                               ("gc_contact2", "report", {"text": "管网摸排完成", "percent": 10})]:
        it.act(iid, user, action, body)
    gc = it.c("gc_office")
    # a suspension period, ended
    it.act(iid, "gc_leader", "suspend", {"reason": "雨季暂停施工"})
    it.act(iid, "gc_leader", "resume", {"reason": "雨季结束"})
    # an extension refused, then one pending
    it.act(iid, "gc_contact", "request_extension", {"reason": "征地未完成", "new_date": day(90)})
    it.act(iid, "gc_office", "decide_extension", {"approve": False, "reason": "理由不充分"})
    it.act(iid, "gc_contact", "request_extension", {"reason": "管材延迟到货", "new_date": day(80)})

    d = it.get(iid)
    assert d["id"] == iid and d["state"] == "in_progress" and d["title"] == "老旧小区改造推进"
    # the tracks: the lead unit first, then the co-responsible unit, every field
    assert [t["unit_code"] for t in d["tracks"]] == ["gc-jt", "gc-zj"]
    assert [t["role"] for t in d["tracks"]] == ["lead", "co"]
    for t in d["tracks"]:
        assert list(t) == TRACK_KEYS, t
        assert t["unit_id"] == it.unit(t["unit_code"]) and isinstance(t["id"], int)
        assert t["state_label"] and isinstance(t["progress"], int) and isinstance(t["allowed_actions"], list)
    lead = d["tracks"][0]
    assert lead["state"] == "in_progress" and lead["progress"] == 30 and lead["received_at"]
    co = d["tracks"][1]
    assert co["state"] == "in_progress" and co["progress"] == 10 and co["received_at"] and co["signed_at"] is None
    assert d["children"] == [] and d["children_rollup"] == {"total": 0, "completed": 0, "progress": 0, "by_state": {}}
    # the extensions in order, the pending one also on its own
    assert [list(e) for e in d["extensions"]] == [EXT_KEYS, EXT_KEYS]
    refused, pending = d["extensions"]
    assert (refused["reason"], refused["new_date"], refused["state"], refused["decision_note"]) == \
        ("征地未完成", day(90), "refused", "理由不充分")
    assert refused["decided_at"] and refused["track_id"] == lead["id"] and refused["old_date"] == d["due_date"]
    assert (pending["reason"], pending["new_date"], pending["state"], pending["decided_at"],
            pending["decision_note"], pending["track_id"]) == ("管材延迟到货", day(80), "pending", None, "", lead["id"])
    assert d["pending_extension"] == pending
    # the suspension period, ended
    assert [list(s) for s in d["suspensions"]] == [["started_at", "ended_at", "reason"]]
    assert d["suspensions"][0]["reason"] == "雨季暂停施工" and d["suspensions"][0]["ended_at"]
    # the allowed actions read the pending extension from the list: the office may decide it, the unit may
    # not ask again
    assert "decide_extension" in d["allowed_actions"]
    assert "request_extension" not in it.get(iid, "gc_contact")["tracks"][0]["allowed_actions"]
    # the same answer twice (nothing in it depends on the connection or the order of the reads)
    assert it.get(iid) == d
    # without the pending extension the office has nothing to decide
    it.act(iid, "gc_office", "decide_extension", {"approve": True, "reason": "同意"})
    d2 = it.get(iid)
    assert d2["pending_extension"] is None and "decide_extension" not in d2["allowed_actions"]
    assert d2["due_date"] == day(80) and [e["state"] for e in d2["extensions"]] == ["refused", "approved"]
    # a unit that does not see the item gets 404, as for an item that does not exist
    assert it.c("ap_office").get(f"/api/v1/items/{iid}").status == 404
    assert gc.get("/api/v1/items/999999999").status == 404


def test_the_detail_lists_the_child_items_with_their_roll_up(it):
    """A city item assigned to 古城县人民政府, decomposed by the county office into two departments' items."""
    lc = it.c("lc_office")
    pid = it.city_item(title="全市老旧管网改造", requirement="各县完成改造任务", lead_unit_id=lc.unit_id("gc"),
                       due_date=day(100))["id"]
    gc = it.c("gc_office")
    kids = []
    for title, unit, due in (("城关片区管网改造", "gc-jt", day(60)), ("危旧管网排查", "gc-zj", day(50))):
        r = gc.post(f"/api/v1/items/{pid}/children", {"title": title, "source_kind": "work_report",
                                                      "lead_unit_id": it.unit(unit), "due_date": due})
        assert r.status == 201, r
        kids.append(r.json)
    it.act(kids[0]["id"], "gc_office", "withdraw", {"reason": "重复立项"})
    d = lc.get(f"/api/v1/items/{pid}").json
    assert d["children"] == [
        {"id": kids[0]["id"], "number": None, "title": "城关片区管网改造", "state": "withdrawn", "state_label": "已撤销",
         "progress": 0, "due_date": day(60), "lead_unit_name": "古城县交通运输局", "light": d["children"][0]["light"]},
        {"id": kids[1]["id"], "number": None, "title": "危旧管网排查", "state": "draft", "state_label": "草稿",
         "progress": 0, "due_date": day(50), "lead_unit_name": "古城县住房和城乡建设局",
         "light": d["children"][1]["light"]}]
    assert [list(c) for c in d["children"]] == [["id", "number", "title", "state", "state_label", "progress",
                                                  "due_date", "lead_unit_name", "light"]] * 2
    # a withdrawn child does not count in the roll-up
    assert d["children_rollup"] == {"total": 1, "completed": 0, "progress": 0,
                                    "by_state": {"withdrawn": 1, "draft": 1}}
    assert d["extensions"] == [] and d["pending_extension"] is None and d["suspensions"] == []
    assert [t["unit_code"] for t in d["tracks"]] == ["gc"]


def test_the_detail_sorts_its_lists_itself(it):
    """The view gives the lists' rows in whatever order the database reads them (migration 0306: the tracks through
    their (item_id, unit_id) index, by unit); the detail shows the lead unit's track first, then the others in the
    order they were made, the suspension periods and extensions in theirs. The lead unit here has a higher unit id
    than the co-responsible units, which come in falling unit ids: any order of the units' ids is the wrong one."""
    lead = "gc-jt"  # the unit of gc_contact, who takes the item in hand on the main path (Items.bring)
    co = tuple(sorted((u for u in ("gc-zj", "gc-sw", "gc-jy", "gc-t1") if it.unit(u) < it.unit(lead)),
                      key=it.unit, reverse=True))
    assert len(co) >= 2, co
    item = it.bring("assigned", lead=lead, co=co, title="多单位协办排序")
    iid = item["id"]
    for reason in ("第一次暂停", "第二次暂停"):
        it.act(iid, "gc_leader", "suspend", {"reason": reason})
        it.act(iid, "gc_leader", "resume", {"reason": "恢复"})
    d = it.get(iid)
    assert [t["unit_code"] for t in d["tracks"]] == [lead, *co], d["tracks"]
    co_ids = [t["id"] for t in d["tracks"][1:]]
    assert co_ids == sorted(co_ids) and d["tracks"][0]["role"] == "lead"
    # each track's unit's name and code as the database has them (from the names' cache)
    for t in d["tracks"]:
        [(name, code)] = sql_run(it.server.db, [f"SELECT name, code FROM units WHERE id = {t['unit_id']}"])
        assert (t["unit_name"], t["unit_code"]) == (name, code), t
    assert [s["reason"] for s in d["suspensions"]] == ["第一次暂停", "第二次暂停"]
