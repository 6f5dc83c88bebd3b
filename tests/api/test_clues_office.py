"""The office's side of clues (issue 18): triage, verification (线索核查) by a unit with its to-do and
message, duplicates found by bigram similarity and merged (the reporter follows the clue it joined),
conversion into a supervision item or an inspection linked both ways, closing with a reason the reporter reads, the
bulk import of clues transferred from above, and the refusals: wrong role, other county, wrong state,
bad input."""
import csv
import io
import uuid

import openpyxl  # scripts/deps.sh: python3-openpyxl
import pytest

from cluelib import Clues
from conftest import BACKEND, Server, sql_run, uniq
from itemlib import day


@pytest.fixture(scope="module")
def cl(server):
    return Clues(server)


def todos(cl, user):
    r = cl.c(user).get("/api/v1/todos?kind=clue&limit=200")
    assert r.status == 200, r
    return r.json["todos"]


def inbox(cl, user):
    r = cl.c(user).get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    return r.json["messages"]


def track(cl, code):
    r = cl.public.c.get(f"/api/v1/public/clues/{code}")
    assert r.status == 200, r
    return r.json


def submit(cl, reviewed=False, **kw):
    """A public clue: (id, tracking code); reviewed: the office has confirmed its summary as it came in."""
    out = cl.public.submit(cl.public.fields(**kw)).json
    r = cl.c("gc_office").get(f"/api/v1/clues?q={out['number']}")
    cid = next(c["id"] for c in r.json["clues"] if c["number"] == out["number"])
    if reviewed:
        r = cl.c("gc_office").patch(f"/api/v1/clues/{cid}", {"summary": cl.get(cid)["summary"]})
        assert r.status == 200 and r.json["summary_reviewed"], r
    return cid, out["tracking_code"]


def test_triage_then_verification_by_a_unit_then_close_with_a_reason_the_reporter_reads(cl):
    cid, code = submit(cl)
    office = cl.c("gc_office")
    # triage: the office names the unit concerned, a title and the summary the verifier will read
    jt = cl.unit("gc-jt")
    r = office.patch(f"/api/v1/clues/{cid}", {"title": "解放路井盖破损", "summary": "解放路人民街口井盖破损，有人跌倒。",
                                              "unit_id": jt, "category": "safety"})
    assert r.status == 200, r
    assert r.json["title"] == "解放路井盖破损" and r.json["unit"]["id"] == jt and r.json["category"] == "safety"
    # the verifying unit does not see a clue before it is asked to verify it
    assert cl.c("gc_contact").get(f"/api/v1/clues/{cid}").status == 404
    v = cl.act(cid, "gc_office", "assign", {"unit_id": jt, "due_date": day(5), "request": "请实地核查并拍照"}).json
    assert v["state"] == "verifying" and v["verifications"][-1]["unit_id"] == jt
    assert "assign" not in v["allowed_actions"]
    # the hand-off reaches the unit: a to-do for the contact, a message for the contact and the head
    assert any(t["object_id"] == cid and t["task"] == "verify" for t in todos(cl, "gc_contact"))
    assert any(m["object_id"] == cid for m in inbox(cl, "gc_head"))
    # the verifier sees the summary, not the report as written, and can report
    seen = cl.get(cid, "gc_contact")
    assert seen["office_view"] is False and "description" not in seen and seen["summary"].startswith("解放路人民街口")
    assert seen["verification_actions"] == ["report"]
    # another unit's contact neither sees nor acts
    assert cl.c("gc_contact2").get(f"/api/v1/clues/{cid}").status == 404
    cl.act(cid, "gc_contact2", "report", {"text": "x", "finding": "partly"}, expect=404)
    # a leader reads, cannot act; a verifier cannot close
    assert cl.get(cid, "gc_leader")["allowed_actions"] in ([], ["comment"])
    cl.act(cid, "gc_leader", "close", {"close_reason": "resolved", "reply": "x"}, expect=403)
    cl.act(cid, "gc_contact", "close", {"close_reason": "resolved", "reply": "x"}, expect=403)
    # bad report input: a 422 naming the field, nothing changes
    r = cl.act(cid, "gc_contact", "report", {"text": "已核查"}, expect=422)
    assert "finding" in r.error["message"] or "核查结论" in r.error["message"], r
    r = cl.act(cid, "gc_contact", "report", {"text": "已核查", "finding": "maybe"}, expect=422)
    assert cl.get(cid)["state"] == "verifying"
    t = track(cl, code)
    assert t["status"] == "核查中" and any(u["text"] == "已交有关部门核查" for u in t["updates"])
    v = cl.act(cid, "gc_contact", "report", {"text": "经实地核查，井盖确已破损，已更换。", "finding": "substantiated"}).json
    assert v["state"] == "verified"
    assert not any(t["object_id"] == cid for t in todos(cl, "gc_contact"))
    assert any(t["object_id"] == cid and t["task"] == "decide" for t in todos(cl, "gc_office"))
    got = cl.get(cid)
    assert got["verifications"][-1]["finding"] == "substantiated"
    # close: a reason and a reply, both on the reporter's page
    r = cl.act(cid, "gc_office", "close", {"close_reason": "ufo", "reply": "x"}, expect=422)
    assert "close_reason" in r.error["message"] or "办结理由" in r.error["message"], r
    cl.act(cid, "gc_office", "close", {"close_reason": "resolved"}, expect=422)
    done = cl.act(cid, "gc_office", "close", {"close_reason": "resolved",
                                             "reply": "经核查情况属实，井盖已于本周更换，感谢您的监督。"}).json
    assert done["state"] == "closed" and done["closed_at"]
    t = track(cl, code)
    assert t["closed"] and t["status"] == "已办结" and t["close_reason_label"]
    assert t["reply"] == "经核查情况属实，井盖已于本周更换，感谢您的监督。"
    assert any(u["reply"] == t["reply"] for u in t["updates"])
    # the finding and the verifier's report are internal: not on the public page
    flat = str(t)
    assert "经实地核查" not in flat and "交通运输局" not in flat
    # wrong state: a closed clue is not assigned or closed again
    cl.act(cid, "gc_office", "assign", {"unit_id": jt, "due_date": day(5)}, expect=409)
    cl.act(cid, "gc_office", "close", {"close_reason": "resolved", "reply": "再次"}, expect=409)
    assert not any(t["object_id"] == cid for t in todos(cl, "gc_office"))


def test_what_the_public_typed_reaches_the_unit_only_masked_and_reviewed_by_the_office(cl):
    # a reporter who names themself, with a phone and an e-mail, and another person's phone in the description
    typed = ("解放路与人民街交叉口井盖缺失，我是郝隐名，手机13677778888，邮箱Hao.YinMing@example.cn，"
             "邻居也可作证，电话0371-66881234。")
    cid, _ = submit(cl, description=typed, name="郝隐名", phone="136 7777 8888", email="hao.yinming@example.cn")
    office = cl.c("gc_office")
    got = cl.get(cid)
    # the office reads the report as written; the summary has all four masked, and is not reviewed yet
    assert got["description"] == typed and got["summary_reviewed"] is False and got["summary_masked"] == 4, got
    assert got["summary"] == ("解放路与人民街交叉口井盖缺失，我是【姓名已隐去】，手机【电话已隐去】，邮箱【邮箱已隐去】，"
                              "邻居也可作证，电话【电话已隐去】。"), got["summary"]
    jt = cl.unit("gc-jt")
    # never reviewed: neither sent for verification nor converted; 422 naming the summary, nothing changed
    for action, body in (("assign", {"unit_id": jt, "due_date": day(5)}),
                         ("convert_item", {"lead_unit_id": jt, "due_date": day(30)}),
                         ("convert_inspection", {"start_date": day(2), "end_date": day(9), "target_unit_ids": [jt]})):
        r = cl.act(cid, "gc_office", action, body, expect=422)
        assert r.error["field"] == "summary" and "摘要" in r.error["message"] and "4 处" in r.error["message"], r
    after = cl.get(cid)
    assert (after["state"], after["version"], after["verifications"], after["item"], after["inspection"]) == \
        ("received", got["version"], [], None, None), after
    assert cl.c("gc_contact").get(f"/api/v1/clues/{cid}").status == 404
    assert not [t for t in todos(cl, "gc_contact") if t["object_id"] == cid]
    assert not [m for m in inbox(cl, "gc_contact") if m["object_id"] == cid]
    # an empty summary is no confirmation
    r = cl.act(cid, "gc_office", "assign", {"unit_id": jt, "due_date": day(5), "summary": "  "}, expect=422)
    assert r.error["field"] == "summary", r
    # the office confirms (and edits) the summary as it sends it: it becomes the clue's, the unit reads it, the
    # timeline records that it was confirmed, not the text
    mine = got["summary"].replace("邻居也可作证，", "")
    v = cl.act(cid, "gc_office", "assign", {"unit_id": jt, "due_date": day(5), "summary": mine}).json
    assert v["state"] == "verifying" and v["summary"] == mine and v["summary_reviewed"] is True, v
    seen = cl.get(cid, "gc_contact")
    assert seen["summary"] == mine and "description" not in seen
    ev = office.get(f"/api/v1/clues/{cid}/events").json["events"]
    assigned = next(e for e in ev if e["action"] == "assign")
    assert assigned["data"].get("summary_confirmed") is True and "summary" not in assigned["data"], assigned
    # a PATCH carrying the summary is the other way to review it; a staff record is the office's own words
    cid2, _ = submit(cl, description="西街菜市场门口下水道堵塞，污水漫到路面，联系13500001234。")
    assert cl.get(cid2)["summary_reviewed"] is False
    r = office.patch(f"/api/v1/clues/{cid2}", {"summary": cl.get(cid2)["summary"]})
    assert r.status == 200 and r.json["summary_reviewed"] is True and "13500001234" not in r.json["summary"], r
    cl.act(cid2, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30)})
    staff = cl.create(reporter={"name": "来电人钱某", "phone": "13000000002"},
                      description="来电人钱某反映东街路灯不亮，回电13000000002。")
    assert staff["summary_reviewed"] is True and staff["summary"] == "【姓名已隐去】反映东街路灯不亮，回电【电话已隐去】。"


def test_the_office_presses_the_verifying_unit_and_its_contact_and_head_hear_it_at_once(cl):
    cid, code = submit(cl, reviewed=True)
    jt = cl.unit("gc-jt")
    # nothing to press before a unit verifies: wrong state
    r = cl.act(cid, "gc_office", "press", {"text": "请抓紧核查"}, expect=409)
    assert cl.get(cid)["unit"] is None
    cl.act(cid, "gc_office", "assign", {"unit_id": jt, "due_date": day(5), "request": "请实地核查"})
    # the unit asked to verify is not named as the unit the clue is about (被反映单位): it was, when triage named none
    assert cl.get(cid)["unit"] is None and cl.get(cid, "gc_contact")["unit"] is None
    number = cl.get(cid)["number"]
    # refusals: the verifier and a leader may not press; a press says what it presses for
    cl.act(cid, "gc_contact", "press", {"text": "x"}, expect=403)
    cl.act(cid, "gc_leader", "press", {"text": "x"}, expect=403)
    cl.act(cid, "ap_office", "press", {"text": "x"}, expect=404)  # another county
    r = cl.act(cid, "gc_office", "press", {}, expect=422)
    assert "text" in r.error["message"], r
    assert not [m for m in inbox(cl, "gc_contact") if m["object_id"] == cid and "【催办】" in m["subject"]]
    got = cl.act(cid, "gc_office", "press", {"text": "群众再次反映，请于本周内核查到位"}).json
    assert got["state"] == "verifying" and "press" in got["allowed_actions"]
    # the contact and the head hear it, urgent, with what is pressed for and the due date; the link opens the clue
    for user in ("gc_contact", "gc_head"):
        told = [m for m in inbox(cl, user) if m["object_id"] == cid and "【催办】" in m["subject"]]
        assert len(told) == 1 and number in told[0]["subject"] and told[0]["urgent"], (user, told)
        assert "群众再次反映，请于本周内核查到位" in told[0]["body"] and "前报送核查情况" in told[0]["body"], told[0]
        assert told[0]["link"] == f"/clues/{cid}" and cl.c(user).get(f"/api/v1/clues/{cid}").status == 200
    # another unit's people hear nothing; the to-do stays with the contact until the report
    assert not [m for m in inbox(cl, "gc_contact2") if m["object_id"] == cid]
    assert any(t["object_id"] == cid and t["task"] == "verify" for t in todos(cl, "gc_contact"))
    # on the clue's timeline, never on the reporter's page
    events = cl.c("gc_office").get(f"/api/v1/clues/{cid}/events").json["events"]
    assert any(e["action"] == "press" and e["note"] == "群众再次反映，请于本周内核查到位" and not e["public"] for e in events)
    assert "群众再次反映" not in str(track(cl, code))
    audit = cl.c("admin").get(f"/api/v1/audit?object_type=clue&object_id={cid}").json["records"]
    assert audit[0]["action"] == "clue.press", audit[0]


def test_recall_gives_the_clue_back_to_triage_and_takes_the_to_do_away(cl):
    cid = cl.bring("verifying")["id"]
    cl.act(cid, "gc_office", "recall", {}, expect=422)
    v = cl.act(cid, "gc_office", "recall", {"reason": "改由住建局核查"}).json
    assert v["state"] == "received" and v["verifications"][-1]["state"] == "recalled"
    assert not any(t["object_id"] == cid for t in todos(cl, "gc_contact"))
    assert any(m["object_id"] == cid and "收回" in m["subject"] + m["body"] for m in inbox(cl, "gc_contact"))
    # the unit no longer sees it
    assert cl.c("gc_contact").get(f"/api/v1/clues/{cid}").status == 404
    v = cl.assign(cid, unit="gc-zj")
    assert any(t["object_id"] == cid for t in todos(cl, "gc_contact2"))


def test_the_duplicate_hint_compares_the_same_area_only_and_not_merged_clues(cl):
    text = "岳阳镇农贸市场东侧排水沟堵塞多日，污水漫到路面，摊贩和居民出行都受影响。"
    first, _ = submit(cl, description=text, place="农贸市场东侧", area_id=str(cl.public.area("岳阳镇")))
    # the same words in another town hint at nothing of this one, and being newer they do not hide it
    elsewhere, _ = submit(cl, description=text, place="农贸市场东侧")
    assert (cl.get(elsewhere)["dup_of"] or {}).get("id") != first
    again, _ = submit(cl, description=text, place="农贸市场东侧", area_id=str(cl.public.area("岳阳镇")))
    assert cl.get(again)["dup_of"]["id"] == first
    # a merged clue is no longer a hint: the next one points at the clue it was merged into
    cl.act(again, "gc_office", "merge", {"into": first})
    last, _ = submit(cl, description=text, place="农贸市场东侧", area_id=str(cl.public.area("岳阳镇")))
    assert cl.get(last)["dup_of"]["id"] == first


def test_duplicates_are_found_by_similarity_and_merged_and_the_reporter_follows(cl):
    text = "城关镇幸福小区门口的垃圾站长期不清运，臭气熏天，蚊蝇滋生，居民多次反映无果。"
    first, code1 = submit(cl, description=text, place="幸福小区门口")
    second, code2 = submit(cl, description="幸福小区门口垃圾站长期不清运，臭气熏天蚊蝇滋生，居民反映多次无果！",
                           place="幸福小区")
    other, _ = submit(cl, description="县医院门诊大厅挂号窗口排长队，自助机经常故障，老年人挂号困难。", place="县医院")
    got = cl.get(second)
    assert got["dup_of"] and got["dup_of"]["id"] == first and got["dup_of"]["score"] >= 0.5
    sim = cl.c("gc_office").get(f"/api/v1/clues/{second}/similar")
    assert sim.status == 200, sim
    ids = [s["id"] for s in sim.json["similar"]]
    assert ids[0] == first and other not in ids
    assert sim.json["similar"][0]["score"] >= sim.json["threshold"]
    # only the office asks for similar clues
    assert cl.c("gc_leader").get(f"/api/v1/clues/{second}/similar").status == 403
    # bad merges
    cl.act(second, "gc_office", "merge", {"into": second}, expect=422)
    cl.act(second, "gc_office", "merge", {"into": 99999999}, expect=422)
    cl.act(second, "gc_office", "merge", {}, expect=422)
    m = cl.act(second, "gc_office", "merge", {"into": first}).json
    assert m["state"] == "merged" and m["merged_into"]["id"] == first
    assert any(x["id"] == second for x in cl.get(first)["merged"])
    # a clue merged into is not merged into a merged one
    cl.act(first, "gc_office", "merge", {"into": second}, expect=422)
    # the second reporter follows the first clue from now on
    t2 = track(cl, code2)
    assert t2["status"] == "已受理"  # the state of the clue it joined
    assert any(u["text"].startswith("与其他群众反映的同一问题合并办理") for u in t2["updates"])
    cl.assign(first)
    assert track(cl, code2)["status"] == "核查中"
    assert track(cl, code1)["status"] == "核查中"
    cl.act(first, "gc_contact", "report", {"text": "属实", "finding": "substantiated"})
    cl.act(first, "gc_office", "close", {"close_reason": "resolved", "reply": "垃圾站已恢复每日清运。"})
    t2 = track(cl, code2)
    assert t2["closed"] and t2["reply"] == "垃圾站已恢复每日清运。"


def test_the_area_is_named_as_a_place_not_as_its_government(cl):
    """Issue 15's browser walk: the clue's area read 古城县城关镇人民政府 (the township government) for the place
    城关镇. The area is the place the government governs: in the public form, the clue, the list and the tracking
    page."""
    areas = {a["id"]: a["name"] for a in cl.public.form()["areas"]}
    assert areas and not [n for n in areas.values() if n.endswith("人民政府")], areas
    assert "古城县城关镇" in areas.values() and "古城县" in areas.values(), areas
    cid, code = submit(cl)
    clue = cl.get(cid)
    assert clue["area"]["name"] == areas[clue["area"]["id"]] == "古城县城关镇", clue["area"]
    assert clue["title"].endswith("（古城县城关镇）"), clue["title"]
    listed = cl.c("gc_office").get(f"/api/v1/clues?q={clue['number']}").json["clues"]
    assert [x["area"]["name"] for x in listed] == ["古城县城关镇"], listed
    assert track(cl, code)["area_name"] == "古城县城关镇"


def test_convert_into_an_item_linked_both_ways(cl):
    cid, code = submit(cl, reviewed=True, description="县城东关农贸市场周边道路破损严重，坑洼积水，车辆行人通行困难已有半年。")
    jt = cl.unit("gc-jt")
    cl.act(cid, "gc_office", "convert_item", {"lead_unit_id": jt}, expect=422)
    cl.act(cid, "gc_contact", "convert_item", {"lead_unit_id": jt, "due_date": day(30)}, expect=404)
    cl.act(cid, "gc_leader", "convert_item", {"lead_unit_id": jt, "due_date": day(30)}, expect=403)
    c = cl.act(cid, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30),
                                                  "title": "东关农贸市场周边道路修复"}).json
    assert c["state"] == "converted" and c["item"]["id"]
    iid = c["item"]["id"]
    item = cl.c("gc_office").get(f"/api/v1/items/{iid}")
    assert item.status == 200, item
    assert item.json["title"] == "东关农贸市场周边道路修复" and item.json["state"] == "draft"
    assert c["number"] in item.json["source_ref"]
    assert "东关农贸市场周边道路破损" in item.json["requirement"]
    ev = cl.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    assert any(e.get("action") == "from_clue" and e["data"].get("clue_id") == cid for e in ev), ev
    # the clue list finds the clue by its item
    r = cl.c("gc_office").get(f"/api/v1/clues?item_id={iid}")
    assert [x["id"] for x in r.json["clues"]] == [cid]
    # the reporter reads what is true at each state of the item (issue 15: "已列为督办事项" while it was a draft)
    t = track(cl, code)
    assert t["status"] == "已转为督办事项，正在立项审批" and not t["closed"], t
    assert not [u for u in t["updates"] if "已列为督办事项" in u["text"]], t["updates"]
    assert cl.get(cid)["public_status"] == "已转为督办事项，正在立项审批"
    # a reply on the way
    cl.act(cid, "gc_office", "reply", {"reply": "已列为县政府督办事项，限期整改。"})
    assert track(cl, code)["reply"] == "已列为县政府督办事项，限期整改。"
    cl.act(cid, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30)}, expect=409)
    for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve")):
        assert cl.c(user).post(f"/api/v1/items/{iid}/actions/{action}", {}).status == 200
        assert track(cl, code)["status"] == "已转为督办事项，正在立项审批"
    assert cl.c("gc_office").post(f"/api/v1/items/{iid}/actions/assign", {}).status == 200
    t = track(cl, code)
    assert t["status"] == "已列为督办事项，交有关部门办理" and not t["closed"], t
    texts = [u["text"] for u in t["updates"]]
    assert texts.index("已转为督办事项，正在立项审批") < texts.index("已列为督办事项，交有关部门办理"), texts
    assert [u["at"] for u in t["updates"]] == sorted(u["at"] for u in t["updates"]), t["updates"]
    assert cl.get(cid)["public_status"] == "已列为督办事项，交有关部门办理"
    # the item names the clue it was made of for the clue's office and the county's leaders (who read its clues), and
    # never for the unit concerned that leads it (reporter protection: it reads the item, not the clue)
    link = {"id": cid, "number": c["number"], "link": f"/clues/{cid}"}
    for user in ("gc_office", "gc_leader", "gc_principal"):
        assert cl.c(user).get(f"/api/v1/items/{iid}").json["source_clue"] == link, user
    assert cl.get(cid)["item"]["id"] == iid  # and the clue names the item
    led = cl.c("gc_contact").get(f"/api/v1/items/{iid}")
    assert led.status == 200 and led.json["source_clue"] is None, led
    assert "source_clue_id" not in led.json
    assert cl.c("gc_contact").get(f"/api/v1/clues/{cid}").status == 404
    # an item made otherwise has none
    other = cl.c("gc_office").post("/api/v1/items", {"title": "非线索事项" + uniq(), "source_kind": "meeting",
                                                      "lead_unit_id": jt, "due_date": day(30)})
    assert other.status == 201, other
    assert cl.c("gc_office").get(f"/api/v1/items/{other.json['id']}").json["source_clue"] is None
    # the unit concerned that verified the clue reads the clue, but its item still names none to it
    vid = cl.bring("verified")["id"]
    vit = cl.act(vid, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30)}).json["item"]["id"]
    for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                         ("gc_office", "assign")):
        assert cl.c(user).post(f"/api/v1/items/{vit}/actions/{action}", {}).status == 200
    assert cl.c("gc_office").get(f"/api/v1/items/{vit}").json["source_clue"]["id"] == vid
    seen = cl.c("gc_contact").get(f"/api/v1/items/{vit}")
    assert seen.status == 200 and seen.json["source_clue"] is None, seen
    r = cl.c("gc_office").post(f"/api/v1/items/{iid}/actions/withdraw", {"reason": "已另行立项"})
    assert r.status == 200, r
    t = track(cl, code)
    # done for the reporter (the page shows it as closed, not as still open)
    assert t["status"] == "督办事项已撤销" and t["updates"][-1]["text"] == "督办事项已撤销" and t["closed"], t


def before_0220(db):
    """Takes database db back to before migration 0220: items without source_clue_id, 0220 not applied — nor 0305 and
    0306, whose view item_detail reads that column (dropped first: neither database drops a column a view reads). SQLite's
    connection here has no ducha tokenizer, and dropping a column parses the triggers of the items' full-text index:
    the triggers are dropped around it and made again as they were."""
    if BACKEND == "postgres":
        sql_run(db, ["DROP VIEW item_detail", "ALTER TABLE items DROP COLUMN source_clue_id",
                     "DELETE FROM schema_migrations WHERE version IN (220, 305, 306)"])
        return
    import sqlite3
    con = sqlite3.connect(db, timeout=60)
    try:
        triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid").fetchall()
        for name, _ in triggers:
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute("DROP VIEW item_detail")
        con.execute("ALTER TABLE items DROP COLUMN source_clue_id")
        con.execute("DELETE FROM schema_migrations WHERE version IN (220, 305, 306)")
        for _, sql in triggers:
            con.execute(sql)
        con.commit()
    finally:
        con.close()
    assert "source_clue_id" not in [r[1] for r in sql_run(db, ["PRAGMA table_info(items)"])]


def test_items_converted_before_migration_0220_name_their_clue(backend):
    """Migration 0220 puts the clue an item was converted from on the item's row (items.source_clue_id, read with the
    item: no statement more for other items) and fills it for the conversions made before it, from clues.item_id: a
    database as it was before 0220, with a conversion in it, names the clue once the server has started on it."""
    db = backend.new_db(scanned=True)
    srv = Server(db)
    try:
        cl = Clues(srv)
        cid = cl.bring("converted")["id"]
        iid = cl.get(cid)["item"]["id"]
        number = cl.get(cid)["number"]
        plain = cl.c("gc_office").get("/api/v1/items?limit=1").json["items"][0]["id"]
    finally:
        srv.stop()
    before_0220(db)
    srv = Server(db)
    try:
        cl = Clues(srv)
        assert cl.c("gc_office").get(f"/api/v1/items/{iid}").json["source_clue"] == {
            "id": cid, "number": number, "link": f"/clues/{cid}"}
        assert sql_run(db, [f"SELECT source_clue_id FROM items WHERE id = {iid}"]) == [(str(cid),)]
        if plain != iid:
            assert sql_run(db, [f"SELECT COUNT(*) FROM items WHERE id = {plain} AND source_clue_id IS NULL"]) == [("1",)]
        # every item a clue became names it, and no other item names a clue
        assert sql_run(db, ["SELECT COUNT(*) FROM items i WHERE (i.source_clue_id IS NULL) = "
                            "EXISTS (SELECT 1 FROM clues c WHERE c.item_id = i.id)"]) == [("0",)]
    finally:
        srv.stop()


def test_convert_into_an_inspection_linked_both_ways(cl):
    """A clue becomes a draft inspection of kind 线索核查 opened on its basis like any other (Art. 11: a
    proposal the principal leader approves); the inspection's origin names the clue, the clue shows the
    inspection; the refusals change nothing; the reporter stays with the office."""
    cid, code = submit(cl, description="城关镇北街小区旁的建筑工地夜间违规施工，噪声扰民持续一个多月，多次投诉无人处理。",
                       name="甄秘密举报", phone="13912348765", anonymous="0", reviewed=True)
    jt = cl.unit("gc-jt")
    office = cl.c("gc_office")
    body = {"start_date": day(3), "end_date": day(12), "target_unit_ids": [jt]}
    before = office.get("/api/v1/inspections?kind=clue&per_page=200").json["total"]
    # bad input: a 422 naming the field
    for bad, field in (({"end_date": day(12), "target_unit_ids": [jt]}, "start_date"),
                       ({**body, "start_date": day(-1)}, "start_date"),
                       ({**body, "end_date": day(2)}, "end_date"),
                       ({**body, "start_date": "2026-02-30"}, "start_date"),
                       ({"start_date": day(3), "end_date": day(12)}, "target_unit_ids"),
                       ({**body, "target_unit_ids": [cl.unit("gc-jt"), 999999]}, "target_unit_ids"),
                       ({**body, "methods": ["teleport"]}, "methods"),
                       ({**body, "basis": "decision"}, "basis_ref"),
                       ({**body, "basis": "plan"}, "basis")):
        r = cl.act(cid, "gc_office", "convert_inspection", bad, expect=None)
        assert r.status == 422 and field in r.error["message"], (bad, r)
    # wrong role: a unit's contact does not see the clue, a leader reads it but cannot convert it
    cl.act(cid, "gc_contact", "convert_inspection", body, expect=404)
    cl.act(cid, "gc_leader", "convert_inspection", body, expect=403)
    c = cl.get(cid)
    assert c["state"] == "received" and c["inspection"] is None
    assert office.get("/api/v1/inspections?kind=clue&per_page=200").json["total"] == before
    assert "convert_inspection" in c["allowed_actions"]
    # converted: a draft inspection of the unit concerned, linked both ways
    c = cl.act(cid, "gc_office", "convert_inspection", {**body, "title": "城关镇北街工地夜间施工扰民问题督查"}).json
    assert c["state"] == "converted" and c["inspection"]["state"] == "draft", c
    iid = c["inspection"]["id"]
    assert c["inspection"]["subject"] == "城关镇北街工地夜间施工扰民问题督查" and c["inspection"]["number"] is None
    ins = office.get(f"/api/v1/inspections/{iid}").json
    assert ins["kind"] == "clue" and ins["basis"] == "proposal" and ins["methods"] == ["onsite"]
    assert ins["start_date"] == day(3) and ins["end_date"] == day(12)
    assert [t["unit_id"] for t in ins["targets"]] == [jt]
    assert any(o["kind"] == "clue" and o["ref_id"] == cid and o["ref"] == c["number"] for o in ins["origins"]), ins
    assert c["number"] in ins["matters"] and "噪声扰民" in ins["matters"]
    # the reporter is the office's alone: nothing of them in the inspection
    assert "甄秘密" not in str(ins) and "13912348765" not in str(ins)
    ev = cl.c("gc_office").get(f"/api/v1/clues/{cid}/events").json["events"]
    assert any(e["action"] == "convert_inspection" and e["data"]["inspection_id"] == iid for e in ev), ev
    # the reporter reads that the clue is being handled, nothing more
    t = track(cl, code)
    assert t["status"] == "已交有关部门办理" and not t["closed"] and "督查" not in str(t.get("events", ""))
    # wrong state: converted once
    cl.act(cid, "gc_office", "convert_inspection", body, expect=409)
    cl.act(cid, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30)}, expect=409)
    # the inspection goes on on its basis: submitted to the principal leader, approved, numbered
    assert office.post(f"/api/v1/inspections/{iid}/actions/submit", {}).status == 200
    r = cl.c("gc_principal").post(f"/api/v1/inspections/{iid}/actions/approve", {})
    assert r.status == 200, r
    c = cl.get(cid)
    assert c["inspection"]["state"] == "opened" and c["inspection"]["number"], c
    # the clue closes with a reply when the office is done
    cl.act(cid, "gc_office", "close", {"close_reason": "substantiated", "reply": "已开展专项督查，工地夜间施工已停止。"})
    assert track(cl, code)["closed"]


def test_a_clue_verified_by_a_unit_then_converted_into_its_unannounced_inspection(cl):
    """The unit that verified a clue and is then the target of an unannounced inspection (暗访) made of
    it learns nothing of the inspection from the clue: neither the link nor the conversion's entry."""
    cid = cl.bring("verified")["id"]
    jt = cl.unit("gc-jt")
    c = cl.act(cid, "gc_office", "convert_inspection", {"start_date": day(2), "end_date": day(9),
                                                        "target_unit_ids": [jt], "methods": ["onsite", "covert"],
                                                        "basis": "instruction", "basis_ref": "县长批示〔2026〕3号"}).json
    iid = c["inspection"]["id"]
    insp = cl.c("gc_office").get(f"/api/v1/inspections/{iid}").json
    assert insp["covert"] is True

    def mentions(x):
        """A member naming an inspection, a link to it, its number or its subject anywhere in x (the id's digits
        alone are no evidence: a date of the 14th held '14')."""
        if isinstance(x, dict):
            return any("inspection" in k or mentions(v) for k, v in x.items())
        if isinstance(x, list):
            return any(mentions(v) for v in x)
        return isinstance(x, str) and (f"/inspections/{iid}" in x or (insp["number"] or "\0") in x
                                       or insp["subject"] in x)
    # the office's timeline names it (the check below can see it)
    assert mentions([e["data"] for e in cl.c("gc_office").get(f"/api/v1/clues/{cid}/events").json["events"]])
    for user in ("gc_contact", "gc_head"):
        seen = cl.get(cid, user)
        assert seen["state"] == "converted" and seen["inspection"] is None, (user, seen)
        ev = cl.c(user).get(f"/api/v1/clues/{cid}/events").json["events"]
        assert all(e["action"] != "convert_inspection" for e in ev), (user, ev)
        assert not mentions([e["data"] for e in ev]) and not mentions([e.get("note") for e in ev]), (user, ev)
        assert cl.c(user).get(f"/api/v1/inspections/{iid}").status == 404
    # the office and the leaders of the county see both ends
    assert cl.get(cid, "gc_leader")["inspection"]["id"] == iid


def test_staff_records_a_clue_and_other_counties_cannot_touch_it(cl, server):
    cid = cl.create(reporter={"name": "来访人王某", "phone": "13000000001"})["id"]
    assert cl.get(cid)["source"] == "staff"
    # a unit contact cannot record clues; the public cannot reach the office's routes
    r = cl.c("gc_contact").post("/api/v1/clues", {"category": "other", "area_id": cl.public.area(),
                                                  "description": "试图登记一条线索的联络员描述"})
    assert r.status == 403, r
    anon = server.client()
    assert anon.get(f"/api/v1/clues/{cid}").status == 401
    assert anon.get("/api/v1/clues").status == 401
    # another county's users (安平县 of the demo: its office, unit, leaders; a missing user fails the test) see
    # nothing of 古城县's clues, nor may act on one
    for user in ("ap_office", "ap_contact", "ap_head", "ap_principal"):
        c = cl.c(user)
        assert c.get(f"/api/v1/clues/{cid}").status == 404, user
        assert c.get(f"/api/v1/clues/{cid}/reporter").status in (403, 404), user
        assert all(x["id"] != cid for x in c.get("/api/v1/clues?per_page=200").json["clues"]), user
        r = c.post(f"/api/v1/clues/{cid}/actions/comment", {"text": "外县的备注"})
        assert r.status in (403, 404), (user, r)
    assert cl.c("ap_office").get(f"/api/v1/clues?q={cl.get(cid)['number']}").json["clues"] == []
    # the city's office above (临城市) reads the county's clue, but the reporter is the county office's alone
    city = cl.c("lc_office")
    got = city.get(f"/api/v1/clues/{cid}")
    assert got.status == 200 and got.json["id"] == cid, got
    r = city.get(f"/api/v1/clues/{cid}/reporter")
    assert r.status == 403 and "来访人王某".encode() not in r.raw and b"13000000001" not in r.raw, r
    assert cl.c("gc_office").get(f"/api/v1/clues/{cid}/reporter").json["reporter"]["name"] == "来访人王某"
    # bad staff input
    office = cl.c("gc_office")
    for body, field in (({"area_id": cl.public.area(), "description": "缺少类别的线索描述内容"}, "category"),
                        ({"category": "other", "area_id": 0, "description": "地区不对的线索描述内容"}, "area_id"),
                        ({"category": "other", "area_id": cl.public.area(), "description": "x" * 10,
                          "reporter": {"phone": "abc"}}, "phone")):
        r = office.post("/api/v1/clues", body)
        assert r.status == 422 and field in r.error["message"], (body, r)


def test_list_filters_and_counts(cl):
    office = cl.c("gc_office")
    r = office.get("/api/v1/clues?per_page=200")
    assert r.status == 200 and r.json["total"] >= 1
    counts = r.json["counts"]
    r2 = office.get("/api/v1/clues?state=received&per_page=200")
    assert r2.json["total"] == counts.get("received", 0)
    assert all(c["state"] == "received" for c in r2.json["clues"])
    assert office.get("/api/v1/clues?per_page=999").status == 400
    assert office.get("/api/v1/clues?q=" + "x" * 300).status == 400
    # a verifier's list holds only what its unit was asked to verify
    mine = cl.c("gc_contact").get("/api/v1/clues?per_page=200").json["clues"]
    for c in mine:
        assert cl.get(c["id"], "gc_contact")["verifications"], c


# ---- bulk import of clues transferred from above ----

HEAD = ["原编号", "来源平台", "问题类别", "所在地区", "具体地点", "问题描述", "办理时限", "转办日期", "反映人", "联系电话"]


def rows(n, prefix):
    return [[f"{prefix}-{i:03d}", "国务院“互联网+督查”平台", "营商环境", "城关镇", f"东街{i}号",
             f"反映城关镇东街{i}号商户办理营业执照多次往返，窗口要求提供法律未规定的材料，第{i}件。",
             day(10 + i), day(-1), "转办反映人" if i == 0 else "", "13800000000" if i == 0 else ""]
            for i in range(n)]


def csv_bytes(table):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEAD)
    w.writerows(table)
    return out.getvalue().encode()


def upload(cl, data, name, dry=False, user="gc_office"):
    b = uuid.uuid4().hex
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    return cl.c(user).post("/api/v1/clues/import" + ("?dry_run=1" if dry else ""), raw=body,
                           content_type="multipart/form-data; boundary=" + b)


def test_import_csv_with_original_numbers_and_deadlines_all_or_nothing(cl):
    prefix = "GWY" + uniq()
    table = rows(3, prefix)
    table[2][7] = ""  # no 转办日期 in this row
    data = csv_bytes(table)
    office = cl.c("gc_office")
    before = office.get("/api/v1/clues?source=transfer&per_page=1").json["total"]
    r = upload(cl, data, "转办线索.csv", dry=True)
    assert r.status == 200 and r.json["dry_run"] and len(r.json["clues"]) == 3 and not r.json["errors"], r.json
    assert office.get("/api/v1/clues?source=transfer&per_page=1").json["total"] == before
    r = upload(cl, data, "转办线索.csv")
    assert r.status == 201 and r.json["created"] == 3, r
    got = cl.get(r.json["clues"][0]["id"])
    assert got["source"] == "transfer" and got["origin_number"] == f"{prefix}-000"
    assert got["origin_due_date"] == day(10) and got["category"] == "business"
    # the day it was transferred above is kept as the file gives it (null where the file leaves it out)
    assert got["origin_received_on"] == day(-1), got
    assert [c["received_on"] for c in r.json["clues"]] == [day(-1), day(-1), None], r.json
    assert cl.get(r.json["clues"][2]["id"])["origin_received_on"] is None
    who = office.get(f"/api/v1/clues/{got['id']}/reporter").json
    assert who["reporter"]["name"] == "转办反映人"
    # the same file again: every row is a duplicate, nothing is imported
    r = upload(cl, data, "转办线索.csv")
    assert r.status == 422 and len(r.error["rows"]) == 3 and "原编号" in r.error["rows"][0]["message"], r
    # one bad row stops the whole file
    bad = rows(3, prefix + "B")
    bad[1][2] = "不存在的类别"
    bad[2][6] = "2026-13-45"
    r = upload(cl, csv_bytes(bad), "x.csv")
    assert r.status == 422 and {e["row"] for e in r.error["rows"]} == {3, 4}, r
    assert office.get("/api/v1/clues?source=transfer&per_page=1").json["total"] == before + 3
    # not a table at all, and the wrong role
    assert upload(cl, b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "x.csv").status == 415
    assert upload(cl, data, "x.csv", user="gc_contact").status == 403


def test_import_xlsx(cl):
    prefix = "XL" + uniq()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD)
    for r in rows(2, prefix):
        ws.append(r)
    bio = io.BytesIO()
    wb.save(bio)
    r = upload(cl, bio.getvalue(), f"转办{prefix}.xlsx")
    assert r.status == 201 and r.json["created"] == 2, r
    assert {c["origin_number"] for c in r.json["clues"]} == {f"{prefix}-000", f"{prefix}-001"}
    assert cl.get(r.json["clues"][0]["id"])["origin_received_on"] == day(-1)
    # the audit record names the file and its rows (the audit log showed "线索 #0")
    recs = [a["summary"] for a in cl.c("admin").get("/api/v1/audit?action=clue.import&limit=50").json["records"]
            if a["summary"].get("filename") == f"转办{prefix}.xlsx"]
    assert [(x["rows"], x["created"]) for x in recs] == [(2, 2)], recs
