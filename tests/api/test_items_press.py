"""催办 (#15) as an action of the office and of the item's leader in charge: on the whole item (every unit still
working) or on one unit's track (track_id); the contact and the head of each unit pressed get a message with
the reminder notice; the timeline records it as a sentence with its count (for the scoring); the refusals."""
import pytest

from itemlib import Items


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def inbox_subjects(it, user):
    r = it.c(user).get("/api/v1/inbox?limit=100")
    assert r.status == 200, r
    return [m["subject"] + "\n" + (m.get("body") or "") for m in r.json.get("messages", r.json.get("items", []))]


def presses(it, iid):
    return [e for e in it.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"] if e["action"] == "press"]


def test_press_the_units_then_one_unit(it):
    leader = it.c("gc_leader").user["id"]
    item = it.bring("assigned", title="城区积水点改造（催办）", co=["gc-zj"], leader_id=leader)
    iid, number = item["id"], item["number"]
    zj = next(t for t in item["tracks"] if t["role"] == "co")
    before = {u: len([s for s in inbox_subjects(it, u) if "【催办】" in s and number in s])
              for u in ("gc_contact", "gc_head", "gc_contact2", "gc_head2")}
    # the office presses every unit
    r = it.act(iid, "gc_office", "press", {"text": "请于本周五前报送整改进展"})
    assert r.json["state"] == item["state"] and r.json["version"] == item["version"] + 1
    for u in before:
        got = [s for s in inbox_subjects(it, u) if "【催办】" in s and number in s]
        assert len(got) == before[u] + 1, (u, got)
        # the written reminder notice is named where a person finds it (the item page's 文书), never as an API address
        assert "请于本周五前报送整改进展" in got[0] and "书面催办通知" in got[0] and "「文书」" in got[0], got[0]
        assert "/api/" not in got[0] and ".pdf" not in got[0], got[0]
    ev = presses(it, iid)
    assert len(ev) == 1 and ev[0]["action_label"] == "催办"
    assert ev[0]["text"] == "向古城县交通运输局、古城县住房和城乡建设局催办（第1次）。催办意见：请于本周五前报送整改进展"
    # the leader in charge presses one unit only
    it.act(iid, "gc_leader", "press", {"text": "住建局抓紧推进", "track_id": zj["id"]})
    assert len([s for s in inbox_subjects(it, "gc_contact2") if "住建局抓紧推进" in s]) == 1
    assert not [s for s in inbox_subjects(it, "gc_contact") if "住建局抓紧推进" in s]
    ev = presses(it, iid)
    assert len(ev) == 2 and ev[1]["data"]["count"] == 2 and ev[1]["data"]["units"] == "古城县住房和城乡建设局"
    assert ev[1]["text"].startswith("向古城县住房和城乡建设局催办（第2次）")
    # the audit log has each press
    audit = it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}").json["records"]
    assert len([a for a in audit if a["action"].endswith("press")]) == 2, [a["action"] for a in audit]


def test_press_refusals(it):
    item = it.bring("assigned", title="背街小巷硬化（催办拒绝）", co=["gc-zj"])
    iid = item["id"]
    # the text says what is pressed for
    r = it.act(iid, "gc_office", "press", {"text": "  "}, expect=422)
    assert r.error.get("field") == "text", r.error
    # a track of another item
    r = it.act(iid, "gc_office", "press", {"text": "x", "track_id": 99999999}, expect=422)
    assert r.error.get("field") == "track_id", r.error
    # a unit does not press; a leader not in charge of this item neither; another county does not see it
    it.act(iid, "gc_contact", "press", {"text": "x"}, expect=403)
    it.act(iid, "gc_leader", "press", {"text": "x"}, expect=403)
    it.act(iid, "ap_office", "press", {"text": "x"}, expect=404)
    # not before assignment, not once completed
    draft = it.create(title="尚未交办的事项（催办）")
    it.act(draft["id"], "gc_office", "press", {"text": "x"}, expect=409)
    assert presses(it, iid) == []
    assert it.get(iid)["version"] == item["version"]
