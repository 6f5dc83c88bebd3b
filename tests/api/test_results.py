"""Using the results (结果运用, issue 12): praise, criticism, admonition talks, accountability proposals and
referrals — drafted by the office on the items they rest on, approved only by the principal leader,
issued with a number, seen by the unit concerned only once issued; the talk's who, whom, when, where,
record and follow-up; every hand-off a to-do and a message; the audit record of every change; and the
refusals (wrong role, other county, wrong state, bad input naming the field in Chinese)."""
import re

import pytest

from insplib import Insp
from itemlib import Items, day
from workflow_drivers import ResultDriver, beijing_date, result_body, result_inbox as inbox, result_todos as todos


@pytest.fixture(scope="module")
def d(server):
    return ResultDriver(server)


def listed(d, user, **q):
    qs = "&".join(f"{k}={v}" for k, v in q.items())
    r = d.c(user).get("/api/v1/results?per_page=200" + ("&" + qs if qs else ""))
    assert r.status == 200, r
    return {x["id"] for x in r.json["results"]}


def test_a_talk_from_draft_to_follow_up(d):
    """约谈: drafted, approved by the principal leader, issued (the unit sees it and is told who, whom, when,
    where), held and recorded, followed up — each hand-off a to-do and a message for exactly who acts next."""
    talk_at = day(7) + " 09:30"
    obj = d.create("talk", talk_at=talk_at)
    oid = obj["id"]
    assert obj["state"] == "draft" and obj["number"] is None and obj["kind_label"] == "约谈"
    assert obj["talk"] == {"by": "王建国（县长）", "at": talk_at, "place": "县政府第三会议室", "record": None,
                           "held_at": None}
    assert [i["id"] for i in obj["items"]] == [d.base_item()["id"]] and obj["unit"]["code"] == "gc-jt"
    assert [t["label"] for t in todos(d, "gc_office", oid)] == ["结果运用草稿待报批"]

    # the unit concerned sees nothing before the issue: not the record, not the list, not a to-do
    for state_user, action, body, nxt, label in [
            ("gc_office", "submit", {}, "gc_principal", "待主要领导审批"),
            ("gc_principal", "approve", {}, "gc_office", "已批准待印发")]:
        for u in ("gc_contact", "gc_head"):
            assert d.status(oid, u) == 404 and oid not in listed(d, u) and not inbox(d, u, oid)
        before = len(inbox(d, nxt, oid))
        unread = d.c(state_user).get("/api/v1/inbox?unread=1&limit=1").json["unread"]
        had = [m for m in inbox(d, state_user, oid) if m["read_at"] is None]
        d.act(oid, state_user, action, body)
        got = todos(d, nxt, oid)
        assert [t["label"] for t in got] == [label], (nxt, got)
        assert got[0]["link"] == f"/results/{oid}" and got[0]["title"] == obj["title"]
        # the to-do and its message say what the record is (约谈), not the workflow's word (结果运用记录)
        assert (got[0]["variety"], got[0]["variety_label"], got[0]["kind_label"]) == ("talk", "约谈", "结果运用记录")
        assert len(inbox(d, nxt, oid)) == before + 1, nxt
        assert inbox(d, nxt, oid)[0]["body"].startswith("约谈《"), inbox(d, nxt, oid)[0]["body"]
        assert inbox(d, nxt, oid)[0]["read_at"] is None, "the hand-off is new to the one who must act"
        # the one who acted has handled what the record's messages brought them: read (they stayed unread)
        assert had or state_user != "gc_principal", "the principal's to-do came with a message"
        if state_user != nxt:
            assert [m["read_at"] for m in inbox(d, state_user, oid) if m["read_at"] is None] == [], state_user
            assert d.c(state_user).get("/api/v1/inbox?unread=1&limit=1").json["unread"] == unread - len(had)
        if state_user != nxt:
            assert todos(d, state_user, oid) == []
    for u in ("gc_contact", "gc_head"):
        assert d.status(oid, u) == 404 and oid not in listed(d, u)

    issued = d.act(oid, "gc_office", "issue", {}).json
    # the number's year is the Beijing year of the server's issue, not of a date taken after it (New Year's
    # midnight may come in between)
    year = beijing_date(issued["issued_at"])[:4]
    assert re.fullmatch(rf"古督谈〔{year}〕\d+号", issued["number"]), issued["number"]
    assert issued["state"] == "issued" and issued["issued_at"] and issued["approved_at"]
    # the unit now sees it, and its head and contact got the talk notice with who, whom, when and where
    for u in ("gc_contact", "gc_head"):
        seen = d.get(oid, u)
        assert seen["number"] == issued["number"] and seen["allowed_actions"] == []
        assert oid in listed(d, u)
        msgs = inbox(d, u, oid)
        assert len(msgs) == 1, (u, msgs)
        m = msgs[0]
        assert m["subject"] == f"【约谈通知】{issued['number']}《{obj['title']}》"
        for words in (talk_at, "县政府第三会议室", "何振华（交通运输局局长）", "王建国（县长）"):
            assert words in m["body"], (words, m["body"])
    # the office must hold the talk: a to-do due on the talk's day
    got = todos(d, "gc_office", oid)
    assert [t["label"] for t in got] == ["待约谈并记录约谈情况"] and got[0]["due_date"] == talk_at[:10]
    # other units and the other county hear nothing and see nothing
    for u in ("gc_contact2", "gc_head2", "ap_office", "ap_contact", "gc_town"):
        assert d.status(oid, u) == 404 and not inbox(d, u, oid) and oid not in listed(d, u)

    # a talk held today (the server refuses a day after its today): the date is taken before the server checks
    # it, on the same clock (this module never moves it), so the server's today is that day or a later one
    held_at = day(0) + " 08:00"
    held = d.act(oid, "gc_office", "record_talk", {"record": "指出拥堵治理滞后的问题，局长表态两周内完成整改",
                                                   "held_at": held_at}).json
    assert held["state"] == "held" and held["talk"]["record"].startswith("指出") and held["talk"]["held_at"] == held_at
    assert [t["label"] for t in todos(d, "gc_office", oid)] == ["约谈后待跟踪整改"]
    closed = d.act(oid, "gc_office", "follow_up", {"text": "已完成主干道信号配时优化，整改到位"}).json
    assert closed["state"] == "closed" and closed["follow_up"].startswith("已完成") and closed["closed_at"]
    assert closed["allowed_actions"] == [] and todos(d, "gc_office", oid) == []

    # the timeline and the audit trail hold every step, by whom
    ev = d.c("gc_office").get(f"/api/v1/results/{oid}/events").json["events"]
    assert [(e["action"], e["actor"]) for e in ev] == [
        ("create", "gc_office"), ("submit", "gc_office"), ("approve", "gc_principal"), ("issue", "gc_office"),
        ("record_talk", "gc_office"), ("follow_up", "gc_office")]
    assert ev[2]["action_label"] == "批准" and ev[3]["data"]["number"] == issued["number"]
    audit = d.c("gc_office").get(f"/api/v1/audit?object_type=result&object_id={oid}&limit=50").json["records"]
    assert sorted(a["action"] for a in audit) == sorted(
        ["result.create", "result.submit", "result.approve", "result.issue", "result.record_talk",
         "result.follow_up"])
    approve = next(a for a in audit if a["action"] == "result.approve")
    assert approve["actor"] == "gc_principal" and approve["role"] == "principal"


def test_only_the_principal_leader_approves(d):
    """Arts. 19–21: the office, the director, the deputy and the leader in charge may not approve, return or
    refuse; the unit cannot even see the pending record."""
    oid = d.create("criticism")["id"]
    d.act(oid, "gc_office", "submit", {})
    for u in ("gc_office", "gc_director", "gc_deputy", "gc_leader", "gc_secretary"):
        for action, body in (("approve", {}), ("return", {"reason": "x"}), ("refuse", {"reason": "x"})):
            r = d.act(oid, u, action, body, expect=403)
            assert r.error["code"] == "forbidden" and "您的角色不能" in r.error["message"], (u, r)
    for u in ("gc_contact", "gc_head"):
        d.act(oid, u, "approve", {}, expect=404)
    # the principal leader of the other county neither
    ap = d.c("ap_office")
    assert ap.post(f"/api/v1/results/{oid}/actions/approve", {}).status == 404
    assert d.get(oid)["state"] == "pending" and d.get(oid)["approved_at"] is None
    # returned with a reason: back to the office's draft, which it edits and submits again
    r = d.act(oid, "gc_principal", "return", {}, expect=422)
    assert "reason" in r.error["message"] and "理由" in r.error["message"]
    back = d.act(oid, "gc_principal", "return", {"reason": "请补充超期天数"}).json
    assert back["state"] == "draft"
    msg = inbox(d, "gc_office", oid)[0]
    assert "请补充超期天数" in msg["body"] and "结果运用草稿待报批" in msg["subject"]
    edited = d.c("gc_office").patch(f"/api/v1/results/{oid}", {"content": "超期 45 天，三次催办未果。",
                                                               "version": back["version"]})
    assert edited.status == 200 and edited.json["content"] == "超期 45 天，三次催办未果。"
    d.act(oid, "gc_office", "submit", {})
    # refused: it never takes effect, the unit never sees it, the office is told why
    refused = d.act(oid, "gc_principal", "refuse", {"reason": "以约谈代替通报批评"}).json
    assert refused["state"] == "refused" and refused["number"] is None and refused["allowed_actions"] == []
    assert any("以约谈代替通报批评" in m["body"] for m in inbox(d, "gc_office", oid))
    assert d.status(oid, "gc_contact") == 404 and not inbox(d, "gc_head", oid)
    d.act(oid, "gc_office", "issue", {}, expect=409)


def test_wrong_state_and_stale_version(d):
    obj = d.create("praise")
    oid = obj["id"]
    r = d.act(oid, "gc_office", "issue", {}, expect=409)
    assert "「印发」只能在「已批准待印发」状态下进行，当前状态为「草稿」" == r.error["message"]
    r = d.act(oid, "gc_office", "record_talk", {"record": "x"}, expect=409)
    assert "只能在" in r.error["message"]
    r = d.act(oid, "gc_office", "submit", {"version": obj["version"] + 5}, expect=409)
    assert "已被他人处理" in r.error["message"]
    d.act(oid, "gc_office", "submit", {})
    r = d.c("gc_office").patch(f"/api/v1/results/{oid}", {"title": "改标题"})
    assert r.status == 409 and "只有草稿可以修改" in r.error["message"]
    assert d.get(oid)["title"] != "改标题"
    r = d.act(oid, "gc_office", "nonsense", {}, expect=404)
    assert "nonsense" in r.error["message"]
    # a praise is final once issued: no talk to record, no outcome to report
    d.act(oid, "gc_principal", "approve", {})
    done = d.act(oid, "gc_office", "issue", {}).json
    assert done["number"].startswith("古督表〔") and done["allowed_actions"] == []
    assert todos(d, "gc_office", oid) == []
    r = d.act(oid, "gc_office", "follow_up", {"text": "x"}, expect=409)
    assert r.error["message"].startswith("只有问责建议、移送和政策建议")


@pytest.mark.parametrize("change,field,words", [
    ({"kind": "warning"}, "kind", "类型"),
    ({"title": "   "}, "title", "标题"),
    ({"content": ""}, "content", None),
    ({"item_ids": []}, "item_ids", "督办事项"),
    ({"talk_at": "下周一上午"}, "talk_at", "约谈时间"),
    ({"talk_at": "2026-13-01 09:00"}, "talk_at", "约谈时间"),
    ({"talk_at": "2026-02-30 09:00"}, "talk_at", "约谈时间"),  # no such day (the picker's typed text is checked too)
    ({"talk_at": "2026-12-01 24:00"}, "talk_at", "约谈时间"),
    ({"talk_at": "2026-12-01T09:00"}, "talk_at", "约谈时间"),
    ({"talk_by": ""}, "talk_by", "约谈人"),
    ({"person": ""}, "person", "被约谈人"),
    ({"talk_place": ""}, "talk_place", "约谈地点"),
    ({"unit_id": 999999}, "unit_id", "单位"),
    ({"extra": 1}, "extra", None),
])
def test_bad_input_names_the_field(d, change, field, words):
    before = listed(d, "gc_office")
    body = result_body(d.it, "talk", d.base_item()["id"])
    body.update(change)
    r = d.c("gc_office").post("/api/v1/results", body)
    assert r.status == 422, r
    assert r.error["code"] == "invalid" and field in r.error["message"], r
    assert r.json["error"].get("field") == (None if field == "extra" else field), r  # an unknown member is no field
    assert re.search(r"[\u4e00-\u9fff]", r.error["message"]), r
    if words:
        assert words in r.error["message"], r
    assert listed(d, "gc_office") == before


def test_what_each_kind_requires(d):
    base = d.base_item()["id"]
    c = d.c("gc_office")
    r = c.post("/api/v1/results", result_body(d.it, "accountability", base, recipient=""))
    assert r.status == 422 and "recipient" in r.error["message"] and "问责建议" in r.error["message"]
    r = c.post("/api/v1/results", result_body(d.it, "referral", base, referral_to="police"))
    assert r.status == 422 and "referral_to" in r.error["message"] and "监察机关" in r.error["message"]
    r = c.post("/api/v1/results", result_body(d.it, "praise", base, talk_at=day(3) + " 10:00"))
    assert r.status == 422 and "talk_at" in r.error["message"]
    r = c.post("/api/v1/results", result_body(d.it, "criticism", base, referral_to="judicial"))
    assert r.status == 422 and "referral_to" in r.error["message"]


def test_the_items_it_rests_on(d):
    """Only assigned items of the same government, with the unit concerned among their responsible units."""
    it = Items(d.it.server)
    c = d.c("gc_office")
    draft_item = it.create(title="尚未交办的事项")
    r = c.post("/api/v1/results", result_body(d.it, "criticism", draft_item["id"]))
    assert r.status == 422 and "尚未交办" in r.error["message"] and "item_ids" in r.error["message"]
    other_unit = it.bring("assigned", lead="gc-zj")
    r = c.post("/api/v1/results", result_body(d.it, "criticism", other_unit["id"]))
    assert r.status == 422 and "不是督办事项" in r.error["message"] and "责任单位" in r.error["message"]
    r = c.post("/api/v1/results", result_body(d.it, "criticism", d.base_item()["id"],
                                               item_ids=[d.base_item()["id"]] * 2))
    assert r.status == 422 and "重复" in r.error["message"]
    # another county's item, and another county's unit
    ap = d.c("ap_office")
    ap_unit = ap.unit_id("ap-jt")
    r = c.post("/api/v1/results", result_body(d.it, "criticism", d.base_item()["id"], unit_id=ap_unit))
    assert r.status == 422 and "unit_id" in r.error["message"]
    r = ap.post("/api/v1/results", dict(result_body(d.it, "criticism", d.base_item()["id"]), unit_id=ap_unit))
    assert r.status == 422 and "item_ids" in r.error["message"]
    # the list by item finds what rests on it
    oid = d.create("praise")["id"]
    assert oid in listed(d, "gc_office", item_id=d.base_item()["id"])
    assert oid not in listed(d, "gc_office", item_id=other_unit["id"])


def test_the_inspections_it_rests_on(d):
    """A record may rest on inspections of the same government whose findings were issued (an unannounced
    visit is no secret from then on) with the unit concerned among their targets, beside or instead of
    items; the reply names them, the list filters by them, the unit sees them once the record is issued."""
    ins = Insp(d.it.server)
    c = d.c("gc_office")
    done = ins.bring("findings_issued", subject="城区道路拥堵治理专项督查")
    r = c.post("/api/v1/results", result_body(d.it, "criticism", 0, item_ids=[], inspection_ids=[done["id"]]))
    assert r.status == 201, r
    oid = r.json["id"]
    assert r.json["items"] == [] and [(x["id"], x["number"], x["subject"]) for x in r.json["inspections"]] == [
        (done["id"], done["number"], "城区道路拥堵治理专项督查")]
    assert oid in listed(d, "gc_office", inspection_id=done["id"])
    assert oid not in listed(d, "gc_office", inspection_id=done["id"] + 100000)
    # both kinds at once, and a patch replacing the inspections keeps the items
    both = c.post("/api/v1/results", result_body(d.it, "talk", d.base_item()["id"], inspection_ids=[done["id"]])).json
    assert [i["id"] for i in both["items"]] == [d.base_item()["id"]] and len(both["inspections"]) == 1
    r = c.patch(f"/api/v1/results/{both['id']}", {"inspection_ids": []})
    assert r.status == 200 and r.json["inspections"] == [] and len(r.json["items"]) == 1, r
    r = c.patch(f"/api/v1/results/{both['id']}", {"item_ids": []})
    assert r.status == 422 and r.json["error"]["field"] == "item_ids" and "督查" in r.error["message"], r
    # refusals, each naming inspection_ids: findings not yet issued (also a covert visit under way),
    # the unit not among the targets, a repeat, another county's inspection
    running = ins.bring("in_progress", subject="城区供水保障专项督查")
    covert = ins.bring("in_progress", covert=True, subject="城区餐饮燃气安全暗访")
    other_target = ins.bring("in_progress", subject="乡镇卫生院建设督查", targets=("gc-zj",))
    ins.finding(other_target["id"], unit="gc-zj")
    ins.act(other_target["id"], "gc_inspector", "submit_findings")
    ins.act(other_target["id"], "gc_office", "issue_findings")
    for ids, words in (([running["id"]], "尚未反馈问题"), ([covert["id"]], "尚未反馈问题"),
                       ([other_target["id"]], "被督查单位"), ([done["id"], done["id"]], "重复"),
                       ([10 ** 9], "不存在")):
        before = listed(d, "gc_office")
        r = c.post("/api/v1/results", result_body(d.it, "criticism", 0, item_ids=[], inspection_ids=ids))
        assert r.status == 422 and r.json["error"]["field"] == "inspection_ids", (ids, r)
        assert words in r.error["message"] and "inspection_ids" in r.error["message"], (ids, r)
        assert listed(d, "gc_office") == before
    ap = d.c("ap_office")
    r = ap.post("/api/v1/results", result_body(d.it, "criticism", 0, item_ids=[], inspection_ids=[done["id"]],
                                               unit_id=ap.unit_id("ap-jt")))
    assert r.status == 422 and r.json["error"]["field"] == "inspection_ids", r
    # the unit sees the record with its inspection only once issued
    assert d.status(oid, "gc_head") == 404
    d.act(oid, "gc_office", "submit", {})
    d.act(oid, "gc_principal", "approve", {})
    d.act(oid, "gc_office", "issue", {})
    seen = d.get(oid, "gc_head")
    assert [x["id"] for x in seen["inspections"]] == [done["id"]]
    assert oid in listed(d, "gc_head", inspection_id=done["id"])


def test_wrong_role_and_other_county(d):
    body = result_body(d.it, "criticism", d.base_item()["id"])
    for u in ("gc_contact", "gc_head", "gc_principal", "gc_leader", "gc_director", "gc_inspector"):
        r = d.c(u).post("/api/v1/results", body)
        assert r.status == 403 and r.error["code"] == "forbidden", (u, r)
    oid = d.create("criticism")["id"]
    for u in ("gc_principal", "gc_contact"):
        r = d.c(u).patch(f"/api/v1/results/{oid}", {"title": "x"})
        assert r.status in (403, 404), (u, r)
    assert d.c("gc_principal").patch(f"/api/v1/results/{oid}", {"title": "x"}).status == 403
    # the other county's office sees none of it, can act on none of it
    ap = d.c("ap_office")
    assert ap.get(f"/api/v1/results/{oid}").status == 404
    assert ap.get(f"/api/v1/results/{oid}/events").status == 404
    assert ap.patch(f"/api/v1/results/{oid}", {"title": "x"}).status == 404
    assert ap.post(f"/api/v1/results/{oid}/actions/withdraw", {"reason": "x"}).status == 404
    assert oid not in listed(d, "ap_office")
    # the unit cannot withdraw or issue even once it sees the record
    d.act(oid, "gc_office", "submit", {})
    d.act(oid, "gc_principal", "approve", {})
    d.act(oid, "gc_office", "issue", {})
    r = d.act(oid, "gc_head", "follow_up", {"text": "x"}, expect=403)
    assert "您的角色不能" in r.error["message"]
    assert d.get(oid, "gc_head")["state"] == "issued"


def test_accountability_and_referral_close_with_the_outcome(d):
    for kind, to in (("accountability", None), ("referral", "judicial")):
        extra = {"referral_to": to} if to else {}
        oid = d.create(kind, **extra)["id"]
        d.act(oid, "gc_office", "submit", {})
        d.act(oid, "gc_principal", "approve", {})
        issued = d.act(oid, "gc_office", "issue", {}).json
        assert issued["number"].startswith("古督" + {"accountability": "问", "referral": "移"}[kind])
        assert [t["label"] for t in todos(d, "gc_office", oid)] == ["待反馈处理结果"]
        r = d.act(oid, "gc_office", "record_talk", {"record": "x"}, expect=409)
        assert r.error["message"] == "只有约谈需要记录约谈情况"
        d.act(oid, "gc_office", "follow_up", {}, expect=422)
        closed = d.act(oid, "gc_office", "follow_up", {"text": "县纪委监委已立案调查"}).json
        assert closed["state"] == "closed" and closed["follow_up"] == "县纪委监委已立案调查"
        if to:
            assert closed["referral_to"] == "judicial"
        assert todos(d, "gc_office", oid) == []


def test_withdraw_and_filters(d):
    a = d.create("praise")["id"]
    r = d.act(a, "gc_office", "withdraw", {}, expect=422)
    assert "reason" in r.error["message"]
    w = d.act(a, "gc_office", "withdraw", {"reason": "重复起草"}).json
    assert w["state"] == "withdrawn" and w["closed_at"] and todos(d, "gc_office", a) == []
    assert a in listed(d, "gc_office", kind="praise", state="withdrawn")
    assert a not in listed(d, "gc_office", kind="talk")
    assert a in listed(d, "gc_office", unit_id=d.it.unit("gc-jt"))
    assert a not in listed(d, "gc_office", unit_id=d.it.unit("gc-zj"))
    for q in ("kind=warning", "state=nope", "page=0", "per_page=500", "unit_id=x"):
        r = d.c("gc_office").get("/api/v1/results?" + q)
        assert r.status == 400 and r.error["code"] == "bad_request", (q, r)
    page = d.c("gc_office").get("/api/v1/results?per_page=1&page=2").json
    assert page["per_page"] == 1 and page["page"] == 2 and len(page["results"]) == 1 and page["total"] >= 2


def test_error_tolerance_is_an_approved_decision(d):
    """容错纠错 (Jilin): the office records that a failure falls under the tolerance rules; it takes effect only
    with the principal leader's approval, and the unit is told once it is issued."""
    obj = d.create("tolerance", title="关于县交通运输局养护专项整治逾期予以容错的认定",
                   content="S221段逾期系上游材料供应中断所致，单位已尽职履责并及时报告，符合容错情形。")
    oid = obj["id"]
    assert obj["kind_label"] == "容错认定" and obj["talk"] is None
    d.act(oid, "gc_office", "submit", {})
    d.act(oid, "gc_leader", "approve", {}, expect=403)
    d.act(oid, "gc_principal", "approve", {})
    done = d.act(oid, "gc_office", "issue", {}).json
    assert done["number"].startswith("古督容〔") and done["state"] == "issued" and done["allowed_actions"] == []
    assert any("容错认定" in m["subject"] for m in inbox(d, "gc_head", oid))
    r = d.c("gc_office").post("/api/v1/results", result_body(d.it, "tolerance", d.base_item()["id"],
                                                             talk_at="2026-01-01 09:00"))
    assert r.status == 422 and "talk_at" in r.error["message"]


def test_policy_advice_from_an_inspection(d):
    """辅政建言 (Gu County 三(三)): an inspection found a normative document or policy measure unsuitable; the office
    proposes its adjustment to the unit that made it — which need not be a unit inspected —, the principal leader
    approves, the unit is told once it is issued (古督建〔年〕n号), and the office records what the unit adjusted."""
    ins = Insp(d.it.server)
    done = ins.bring("in_progress", subject="乡镇农村公路养护资金使用督查", targets=("gc-zj",))
    ins.finding(done["id"], unit="gc-zj")
    ins.act(done["id"], "gc_inspector", "submit_findings")
    ins.act(done["id"], "gc_office", "issue_findings")
    c = d.c("gc_office")
    body = result_body(d.it, "advice", 0, item_ids=[], inspection_ids=[done["id"]],
                       title="关于修订《古城县农村公路养护资金管理办法》的建议",
                       content="督查发现该办法第八条按里程平均分配养护资金，与路况等级脱节，建议按路况评定结果分档拨付。")
    # a criticism must rest on an inspection of its unit; an advice goes to the document's maker (交通运输局)
    r = c.post("/api/v1/results", dict(body, kind="criticism"))
    assert r.status == 422 and r.json["error"]["field"] == "inspection_ids" and "被督查单位" in r.error["message"], r
    r = c.post("/api/v1/results", body)
    assert r.status == 201, r
    obj = r.json
    oid = obj["id"]
    assert obj["kind"] == "advice" and obj["kind_label"] == "政策建议" and obj["unit"]["code"] == "gc-jt"
    assert [x["id"] for x in obj["inspections"]] == [done["id"]]
    assert d.status(oid, "gc_head") == 404
    d.act(oid, "gc_office", "submit", {})
    d.act(oid, "gc_leader", "approve", {}, expect=403)
    d.act(oid, "gc_principal", "approve", {})
    issued = d.act(oid, "gc_office", "issue", {}).json
    assert re.fullmatch(r"古督建〔\d{4}〕\d+号", issued["number"]) and issued["state"] == "issued", issued
    # the unit is told and reads it; the office waits to record the outcome
    assert any("政策建议" in m["subject"] for m in inbox(d, "gc_head", oid))
    assert d.get(oid, "gc_head")["title"] == obj["title"]
    assert [t["label"] for t in todos(d, "gc_office", oid)] == ["待反馈处理结果"]
    assert issued["allowed_actions"] == ["follow_up"], issued["allowed_actions"]
    d.act(oid, "gc_office", "record_talk", {"record": "x"}, expect=409)
    d.act(oid, "gc_contact", "follow_up", {"text": "已修订"}, expect=403)  # the unit reads it, the office records
    r = d.act(oid, "gc_office", "follow_up", {}, expect=422)
    assert r.json["error"]["field"] == "text", r
    closed = d.act(oid, "gc_office", "follow_up",
                   {"text": "县交通运输局已采纳，修订后的办法自2027年1月1日起施行，按路况等级分档拨付养护资金。"}).json
    assert closed["state"] == "closed" and "已采纳" in closed["follow_up"] and todos(d, "gc_office", oid) == []
    assert oid in listed(d, "gc_office", kind="advice") and oid not in listed(d, "gc_office", kind="praise")


def test_export_for_the_organisation_and_personnel_departments(d):
    """Jiangsu: the results are sent on to the organisation and personnel departments — the year's issued records
    of the government as a CSV they can file: a row each with number, unit, person, facts, the talk and its
    record, the follow-up and what it rests on; drafts and other counties' records left out; the office only."""
    import csv
    import io
    from urllib.parse import unquote

    talk = d.create("talk", person="何振华（交通运输局局长）")
    oid = talk["id"]
    d.act(oid, "gc_office", "submit", {})
    d.act(oid, "gc_principal", "approve", {})
    number = d.act(oid, "gc_office", "issue", {}).json["number"]
    d.act(oid, "gc_office", "record_talk", {"record": "=HYPERLINK(\"x\") 局长表态整改", "held_at": day(0) + " 08:00"})
    draft = d.create("criticism", title="尚未报批的通报批评草稿")
    year = re.search(r"〔(\d{4})〕", number).group(1)
    r = d.c("gc_office").get(f"/api/v1/results/export.csv?year={year}")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv"), r
    cd = r.headers["Content-Disposition"]
    assert unquote(re.search(r"filename\*=UTF-8''([^;]+)", cd).group(1)) == f"{year}年结果运用情况.csv", cd
    assert r.raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8-sig"))))
    head, body = rows[0], rows[1:]
    assert head[:6] == ["编号", "类型", "所涉单位", "所涉人员", "标题", "事实和依据"] and head[-5:] == [
        "所依据的督办事项", "所依据的督查", "整改时限", "整改情况", "整改材料"]
    got = {x[0]: dict(zip(head, x)) for x in body}
    assert all(x[0] for x in body), "every row is an issued, numbered record"
    row = got[number]
    assert row["类型"] == "约谈" and row["所涉单位"] == "古城县交通运输局" and row["所涉人员"] == "何振华（交通运输局局长）"
    assert row["约谈人"] == "王建国（县长）" and row["约谈地点"] == "县政府第三会议室" and row["状态"] == "已约谈待跟踪"
    assert row["约谈记录"].startswith("'="), "a formula is never run by the spreadsheet"
    assert d.base_item()["number"] in row["所依据的督办事项"] and row["印发时间"].startswith(year)
    assert draft["title"] not in {x["标题"] for x in got.values()}
    # by kind; the demo's issued praise, criticism and talk of this year are there too
    kinds = {x["类型"] for x in got.values()}
    assert {"通报表扬", "通报批评", "约谈"} <= kinds, kinds
    only = d.c("gc_office").get(f"/api/v1/results/export.csv?year={year}&kind=talk")
    assert {x[1] for x in list(csv.reader(io.StringIO(only.raw.decode("utf-8-sig"))))[1:]} == {"约谈"}
    # another year is empty but for the header; another county's office exports its own (none of these)
    empty = d.c("gc_office").get(f"/api/v1/results/export.csv?year={int(year) - 5}")
    assert len(list(csv.reader(io.StringIO(empty.raw.decode("utf-8-sig"))))) == 1
    ap = d.c("ap_office").get(f"/api/v1/results/export.csv?year={year}")
    assert ap.status == 200 and number.encode() not in ap.raw
    # the office only; bad queries
    for u in ("gc_principal", "gc_head", "gc_contact", "admin"):
        assert d.c(u).get(f"/api/v1/results/export.csv?year={year}").status == 403, u
    for q in ("year=1999", "year=x", "kind=warning"):
        r = d.c("gc_office").get("/api/v1/results/export.csv?" + q)
        assert r.status == 400 and r.error["code"] == "bad_request", (q, r)
