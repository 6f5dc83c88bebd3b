"""Leaders' written instructions on an item (领导批示) and reading marks (圈阅), #15: recorded by the office (or written
by a leader of the government), with the scan; shown in the timeline; an instruction waits on the office (a
to-do and a message) until carried out (落实) — the leader hears it — or until a new item is registered from it,
linked both ways. Audited; refusals: wrong role, other county, wrong state, bad input."""

import pytest

from itemlib import pinned_items

PDF = b"%PDF-1.4\n%\xe6\x89\xb9\xe7\xa4\xba\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def it(backend):
    """The server's clock is pinned (itemlib.pinned_items): the dates the tests compare with the server's
    count from its date, not from the machine's, which Beijing midnight may pass between the two."""
    with pinned_items(backend) as items:
        yield items


def uid(it, user):
    return it.c(user).user["id"]


def events(it, iid, action=None):
    ev = it.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    return [e for e in ev if action is None or e["action"] == action]


def todos(it, user, iid):
    out, after = [], None
    while True:
        r = it.c(user).get("/api/v1/todos?kind=item&limit=200" + (f"&after={after}" if after else ""))
        assert r.status == 200, r
        out += [t for t in r.json["todos"] if t["object_id"] == iid]
        after = r.json["next"]
        if not after:
            return out


def inbox(it, user, iid):
    r = it.c(user).get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    return [m for m in r.json["messages"] if m["object_type"] == "item" and m["object_id"] == iid]


def audit(it, iid):
    return [a["action"] for a in
            it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}&limit=500").json["records"]]


def instruct(it, iid, body, user="gc_office", expect=201):
    r = it.c(user).post(f"/api/v1/items/{iid}/instructions", body)
    assert r.status == expect, (user, body, r)
    return r.json if expect in (200, 201) else r


def test_the_office_records_an_instruction_with_its_scan_and_carries_it_out(it):
    item = it.bring("assigned", title="城区内涝点整治（领导批示）", co=["gc-zj"], leader_id=uid(it, "gc_leader"))
    iid = item["id"]
    r = it.c("gc_office").post(f"/api/v1/items/{iid}/attachments?filename=%E6%89%B9%E7%A4%BA%E5%8E%9F%E4%BB%B6.pdf",
                               raw=PDF, content_type="application/pdf")
    assert r.status == 201, r
    scan = r.json["id"]
    wang = uid(it, "gc_principal")
    got = instruct(it, iid, {"leader_id": wang, "text": "  请住建局、交通局汛期前完成整治  ", "instructed_on": it.day(0),
                             "attachment_id": scan})
    assert got["kind"] == "instruction" and got["state"] == "pending" and got["leader_name"] == "王建国"
    assert got["text"] == "请住建局、交通局汛期前完成整治" and got["attachment_id"] == scan
    assert got["attachment_name"] == "批示原件.pdf" and got["new_item_id"] is None
    # the timeline says it in words
    ev = events(it, iid, "instruction")
    assert len(ev) == 1 and ev[0]["action_label"] == "领导批示"
    assert ev[0]["text"] == f"王建国同志{it.day(0)}批示：请住建局、交通局汛期前完成整治"
    assert "item.instruction" in audit(it, iid)
    # it waits on the office; the units working on it and the leader in charge are told
    waiting = todos(it, "gc_office", iid)
    assert [t["task"] for t in waiting] == ["follow_instruction"] and waiting[0]["label"] == "领导批示待落实"
    assert waiting[0]["part"]["kind"] == "instruction" and waiting[0]["part"]["id"] == got["id"]
    for user in ("gc_contact", "gc_head", "gc_contact2", "gc_head2", "gc_leader"):
        msgs = [m for m in inbox(it, user, iid) if m["subject"].startswith("【领导批示】")]
        assert len(msgs) == 1 and "请住建局、交通局汛期前完成整治" in msgs[0]["body"], user
    assert not inbox(it, "ap_contact", iid)
    # listed on the item
    listed = it.c("gc_contact").get(f"/api/v1/items/{iid}/instructions").json
    assert [x["id"] for x in listed["instructions"]] == [got["id"]] and listed["from"] is None
    # the office carries it out; the leader hears it; the to-do goes
    r = it.c("gc_office").post(f"/api/v1/items/{iid}/instructions/{got['id']}/done", {"note": "已转住建局、交通局落实"})
    assert r.status == 200, r
    assert r.json["state"] == "done" and r.json["done_note"] == "已转住建局、交通局落实" and r.json["done_at"]
    assert not todos(it, "gc_office", iid)
    told = [m for m in inbox(it, "gc_principal", iid) if m["subject"].startswith("【批示落实】")]
    assert len(told) == 1 and "已转住建局、交通局落实" in told[0]["body"]
    ev = events(it, iid, "instruction_done")
    assert len(ev) == 1 and ev[0]["text"] == "落实王建国同志的批示。落实情况：已转住建局、交通局落实"
    assert "item.instruction_done" in audit(it, iid)
    r = it.c("gc_office").post(f"/api/v1/items/{iid}/instructions/{got['id']}/done", {"note": "再次"})
    assert r.status == 409, r


def test_a_leader_writes_their_own_instruction_and_a_reading_mark_needs_no_action(it):
    item = it.bring("assigned", title="公交线路优化（领导批示）")
    iid = item["id"]
    li = uid(it, "gc_leader")
    got = instruct(it, iid, {"text": "同意，请抓紧办理", "instructed_on": it.day(0)}, user="gc_leader")
    assert got["leader_id"] == li and got["leader_name"] == "李明" and got["state"] == "pending"
    # the office hears of it and has the to-do
    assert [m for m in inbox(it, "gc_office", iid) if m["subject"].startswith("【领导批示】")]
    assert [t["task"] for t in todos(it, "gc_office", iid)] == ["follow_instruction"]
    # a leader records only their own
    r = instruct(it, iid, {"text": "x", "instructed_on": it.day(0), "leader_id": uid(it, "gc_principal")},
                 user="gc_leader", expect=422)
    assert r.error["field"] == "leader_id"
    # 圈阅: done when recorded, no to-do of its own, the units are not disturbed
    before = len(inbox(it, "gc_contact", iid))
    mark = instruct(it, iid, {"kind": "circled", "leader_id": li, "instructed_on": it.day(-1)})
    assert mark["kind"] == "circled" and mark["state"] == "done" and mark["text"] == ""
    assert len(todos(it, "gc_office", iid)) == 1
    assert len(inbox(it, "gc_contact", iid)) == before
    ev = events(it, iid, "circled")
    assert len(ev) == 1 and ev[0]["action_label"] == "领导圈阅" and ev[0]["text"] == f"李明同志{it.day(-1)}圈阅。"
    assert "item.circled" in audit(it, iid)
    r = it.c("gc_office").post(f"/api/v1/items/{iid}/instructions/{mark['id']}/done", {"note": "x"})
    assert r.status == 409, r
    # a leader outside the system, by name only
    got = instruct(it, iid, {"leader_name": "县委书记周明", "text": "要高度重视", "instructed_on": it.day(0)})
    assert got["leader_id"] is None and got["leader_name"] == "县委书记周明"


def test_a_new_item_is_registered_from_an_instruction_linked_both_ways(it):
    item = it.bring("in_progress", title="农贸市场改造（批示立项）")
    iid = item["id"]
    got = instruct(it, iid, {"leader_id": uid(it, "gc_principal"), "text": "请一并研究周边停车问题",
                             "instructed_on": it.day(-2)})
    body = {"title": "农贸市场周边停车问题", "lead_unit_id": it.unit("gc-zj"), "due_date": it.day(45)}
    r = it.c("gc_office").post(f"/api/v1/items/{iid}/instructions/{got['id']}/items", body)
    assert r.status == 201, r
    new = r.json
    assert new["state"] == "draft" and new["source_kind"] == "instruction"
    assert new["source_ref"] == "王建国同志批示：请一并研究周边停车问题" and new["source_date"] == it.day(-2)
    # the new item says where it comes from; the instruction is carried out by it
    ev = events(it, new["id"], "from_instruction")
    assert len(ev) == 1 and ev[0]["text"] == f"根据王建国同志在{item['number']}《{item['title']}》上的批示立项。"
    came = it.c("gc_office").get(f"/api/v1/items/{new['id']}/instructions").json["from"]
    assert came["id"] == got["id"] and came["item_id"] == iid and came["item_number"] == item["number"]
    listed = it.c("gc_office").get(f"/api/v1/items/{iid}/instructions").json["instructions"]
    assert listed[0]["state"] == "done" and listed[0]["new_item_id"] == new["id"]
    assert listed[0]["new_item_title"] == "农贸市场周边停车问题"
    ev = events(it, iid, "from_instruction")
    assert len(ev) == 1 and ev[0]["text"] == "根据王建国同志的批示另行立项《农贸市场周边停车问题》。", ev
    assert listed[0]["done_note"] == "据此另行立项《农贸市场周边停车问题》"
    assert not [t for t in todos(it, "gc_office", iid) if t["task"] == "follow_instruction"]
    assert "item.create" in audit(it, new["id"]) and "item.instruction_done" in audit(it, iid)
    # once carried out, not again; a bad body registers nothing
    r = it.c("gc_office").post(f"/api/v1/items/{iid}/instructions/{got['id']}/items", body)
    assert r.status == 409, r
    other = instruct(it, iid, {"leader_id": uid(it, "gc_leader"), "text": "再研究", "instructed_on": it.day(0)})
    total = it.ledger(per_page=1)["total"]
    r = it.c("gc_office").post(f"/api/v1/items/{iid}/instructions/{other['id']}/items", {**body, "title": " "})
    assert r.status == 422 and r.error["field"] == "title", r
    assert it.ledger(per_page=1)["total"] == total
    assert it.c("gc_office").get(f"/api/v1/items/{iid}/instructions").json["instructions"][-1]["state"] == "pending"


def test_refusals(it):
    item = it.bring("received", title="背街小巷整治（批示拒绝）")
    iid = item["id"]
    ok = {"leader_id": uid(it, "gc_leader"), "text": "请抓紧", "instructed_on": it.day(0)}
    # wrong role, other county
    instruct(it, iid, ok, user="gc_contact", expect=403)
    instruct(it, iid, ok, user="gc_secretary", expect=403)
    instruct(it, iid, ok, user="ap_office", expect=404)
    assert it.c("ap_office").get(f"/api/v1/items/{iid}/instructions").status == 404
    # bad input, each naming its field
    other = it.bring("assigned", title="另一事项（批示附件）")
    r = it.c("gc_office").post(f"/api/v1/items/{other['id']}/attachments?filename=x.pdf", raw=PDF,
                               content_type="application/pdf")
    assert r.status == 201, r
    for body, field in [
        ({**ok, "instructed_on": it.day(2)}, "instructed_on"),
        ({**ok, "instructed_on": "2026-13-45"}, "instructed_on"),
        ({k: v for k, v in ok.items() if k != "instructed_on"}, "instructed_on"),
        ({**ok, "text": " \u3000"}, "text"),
        ({**ok, "kind": "批示"}, "kind"),
        ({"text": "x", "instructed_on": it.day(0)}, "leader_id"),
        ({**ok, "leader_id": uid(it, "gc_contact")}, "leader_id"),
        ({**ok, "attachment_id": r.json["id"]}, "attachment_id"),
        ({**ok, "page": 1}, None),
    ]:
        got = instruct(it, iid, body, expect=422)
        assert got.error["code"] == "invalid", body
        if field:
            assert got.error.get("field") == field, (body, got.error)
    assert not events(it, iid, "instruction")
    # carrying out: only the office, with a note, of an instruction of this item
    x = instruct(it, iid, ok)
    path = f"/api/v1/items/{iid}/instructions/{x['id']}/done"
    assert it.c("gc_contact").post(path, {"note": "x"}).status == 403
    assert it.c("gc_office").post(path, {"note": ""}).status == 422
    assert it.c("gc_office").post(f"/api/v1/items/{other['id']}/instructions/{x['id']}/done", {"note": "x"}).status == 404
    assert it.c("gc_office").post(f"/api/v1/items/{iid}/instructions/99999999/done", {"note": "x"}).status == 404
    assert it.c("ap_office").post(path, {"note": "x"}).status in (403, 404)
    # wrong state: an archived item takes no more instructions
    done = it.bring("archived", title="已归档事项（批示）")
    r = instruct(it, done["id"], ok, expect=409)
    assert "已归档" in r.error["message"]
