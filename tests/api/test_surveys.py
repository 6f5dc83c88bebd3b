"""Surveys (民意调查 / 问卷, issue 18) through the API: the office builds a questionnaire and opens it; the
public answers on the link without an account, one answer per invitation token or per device, the
challenge solved; the office and the leaders read the results and download them as XLSX; a satisfaction
survey attached to a rectification task is quoted in the task's verification. And the refusals: wrong
role, other county, a draft's link, a closed survey, a second answer, a replayed challenge, bad input
naming its field. Respondents leave no trace of who they are."""
import io
import json
import uuid

import openpyxl  # scripts/deps.sh: python3-openpyxl
import pytest

from insplib import Insp
from itemlib import day
from surveylib import QUESTIONS, Surveys, sheet


@pytest.fixture(scope="module")
def sv(server):
    return Surveys(server)


def field_of(r):
    return r.json["error"].get("field")


def test_the_office_builds_opens_and_the_public_answers_once_per_token(sv):
    s = sv.create()
    assert s["state"] == "draft" and len(s["questions"]) == 4 and s["allowed_actions"] == ["open"]
    assert [q["kind"] for q in s["questions"]] == ["single", "multiple", "scale", "text"]
    assert s["questions"][2]["scale_max"] == 5 and s["questions"][1]["options"][2] == "新闻报道"
    # a draft's link answers nothing
    assert sv.anon.get(f"/api/v1/public/surveys/{s['link_key']}").status == 404
    # the draft waits on its office as a to-do
    todos = sv.c("gc_office").get("/api/v1/todos?kind=survey&limit=200").json["todos"]
    assert any(t["object_id"] == s["id"] and t["task"] == "open" for t in todos)
    tokens = sv.tokens(s["id"], 3)
    assert len(set(tokens)) == 3 and all(len(t) == 16 for t in tokens)
    s = sv.act(s["id"], "open").json
    assert s["state"] == "open" and s["accepting"] and s["allowed_actions"] == ["close"]
    assert s["invitations"] == {"total": 3, "used": 0}
    assert not [t for t in sv.c("gc_office").get("/api/v1/todos?kind=survey&limit=200").json["todos"]
                if t["object_id"] == s["id"]]
    pub = sv.anon.get(f"/api/v1/public/surveys/{s['link_key']}")
    assert pub.status == 200 and pub.json["accepting"] and pub.json["mode"] == "token"
    assert pub.json["questions"] == s["questions"] and "link_key" not in pub.json
    # a token answers once (typed in lower case with a dash: forgiven)
    sv.answer(s["link_key"], sheet(s), token=tokens[0][:8].lower() + "-" + tokens[0][8:])
    r = sv.answer(s["link_key"], sheet(s), token=tokens[0], expect=409)
    assert "只能答一次" in r.json["error"]["message"]
    r = sv.answer(s["link_key"], sheet(s), token="ABCDEFGHJKMNPQRS", expect=422)
    assert field_of(r) == "token"
    r = sv.answer(s["link_key"], sheet(s), expect=422)
    assert field_of(r) == "token"
    sv.answer(s["link_key"], sheet(s, single=1, multiple=(3,), value=2, text=None), token=tokens[1])
    assert sv.get(s["id"])["invitations"] == {"total": 3, "used": 2}
    # results: counts per option, the scale's average, the texts
    res = sv.c("gc_office").get(f"/api/v1/surveys/{s['id']}/results").json
    assert res["responses"] == 2
    q = res["questions"]
    assert [o["count"] for o in q[0]["counts"]] == [1, 1] and q[0]["answered"] == 2
    assert [o["count"] for o in q[1]["counts"]] == [1, 0, 1, 1]
    assert [o["count"] for o in q[2]["scale"]] == [0, 1, 0, 1, 0] and q[2]["average"] == 3.0
    assert q[3]["texts"] == ["希望继续加强巡查"] and q[3]["answered"] == 1
    # leaders of the government read the results too; the units do not see the survey
    assert sv.c("gc_principal").get(f"/api/v1/surveys/{s['id']}/results").status == 200
    assert sv.c("gc_contact").get(f"/api/v1/surveys/{s['id']}").status == 404
    # closing ends the answers
    sv.act(s["id"], "close")
    r = sv.answer(s["link_key"], sheet(s), token=tokens[2], expect=409)
    assert "已结束" in r.json["error"]["message"]
    assert sv.anon.get(f"/api/v1/public/surveys/{s['link_key']}").json["accepting"] is False
    assert sv.act(s["id"], "close", expect=409)
    assert sv.c("gc_office").post(f"/api/v1/surveys/{s['id']}/invitations", {"count": 1}).status == 409
    assert sv.c("gc_office").patch(f"/api/v1/surveys/{s['id']}", {"title": "改名"}).status == 409


def test_one_answer_per_device(sv):
    s = sv.bring("open", mode="device")
    device = uuid.uuid4().hex
    sv.answer(s["link_key"], sheet(s), device=device)
    r = sv.answer(s["link_key"], sheet(s), device=device, expect=409)
    assert "这台设备已经答过" in r.json["error"]["message"]
    sv.answer(s["link_key"], sheet(s), device=uuid.uuid4().hex)
    r = sv.answer(s["link_key"], sheet(s), expect=422)
    assert field_of(r) == "device"
    r = sv.answer(s["link_key"], sheet(s), device="short", expect=422)
    assert field_of(r) == "device"
    assert sv.get(s["id"])["responses"] == 2
    # invitations belong to token surveys
    assert sv.c("gc_office").post(f"/api/v1/surveys/{s['id']}/invitations", {"count": 1}).status == 409


def test_the_challenge_cannot_be_skipped_or_replayed(sv):
    s = sv.bring("open", mode="device")
    r = sv.answer(s["link_key"], sheet(s), device=uuid.uuid4().hex, solved=False, expect=422)
    assert field_of(r) == "solution"
    ch = sv.challenge()
    sv.answer(s["link_key"], sheet(s), device=uuid.uuid4().hex, challenge=ch)
    r = sv.answer(s["link_key"], sheet(s), device=uuid.uuid4().hex, challenge=ch, expect=409)
    # a clue's challenge does not answer a survey
    r = sv.anon.post("/api/v1/public/challenges", {"form": "clue"})
    r = sv.answer(s["link_key"], sheet(s), device=uuid.uuid4().hex, challenge=r.json, expect=422)
    assert field_of(r) == "challenge"
    assert sv.get(s["id"])["responses"] == 1


def test_bad_answers_name_their_field_and_store_nothing(sv):
    s = sv.bring("open", mode="device")
    q = [x["id"] for x in s["questions"]]
    dev = uuid.uuid4().hex
    cases = [
        ([{"question_id": q[2], "value": 4}], "answers", "必答题"),                      # q1 required, missing
        (sheet(s) + [{"question_id": q[0], "choice": 1}], "answers[4].question_id", "两次"),
        ([{"question_id": q[0], "choice": 2}, {"question_id": q[2], "value": 3}], "answers[0].choice", "没有第 3 个"),
        ([{"question_id": q[0], "choice": 0}, {"question_id": q[2], "value": 6}], "answers[1].value", "1 到 5"),
        ([{"question_id": q[0], "choice": 0}, {"question_id": q[2], "value": 0}], "answers[1].value", None),
        ([{"question_id": q[0], "choice": 0}, {"question_id": q[2], "value": 3},
          {"question_id": q[1], "choices": [1, 1]}], "answers[2].choices", "两次"),
        ([{"question_id": q[0], "choice": 0}, {"question_id": q[2], "value": 3},
          {"question_id": q[1], "choices": [7]}], "answers[2].choices", "没有第 8 个"),
        ([{"question_id": q[0], "value": 1}, {"question_id": q[2], "value": 3}], "answers[0].value", "应填写 choice"),
        ([{"question_id": 999999999, "choice": 0}], "answers[0].question_id", "不在这份问卷"),
        ([{"question_id": q[0], "choice": 0}, {"question_id": q[2], "value": 3},
          {"question_id": q[3], "text": "字" * 1001}], "answers[2].text", None),
        ([{"question_id": q[0], "choice": "甲"}, {"question_id": q[2], "value": 3}], "answers[0].choice", None),
    ]
    for answers, field, words in cases:
        r = sv.answer(s["link_key"], answers, device=dev, expect=422)
        assert field_of(r) == field, (answers, r.json)
        assert words is None or words in r.json["error"]["message"], r.json
    r = sv.anon.post(f"/api/v1/public/surveys/{s['link_key']}/responses", {"answers": [], "surprise": 1,
                                                                            "challenge": "x", "solution": "1"})
    assert r.status == 422 and "surprise" in r.json["error"]["message"]
    assert sv.get(s["id"])["responses"] == 0
    assert sv.anon.get("/api/v1/public/surveys/nosuchkey").status == 404
    assert sv.anon.post("/api/v1/public/surveys/nosuchkey/responses", {"answers": [], "challenge": "x",
                                                                       "solution": "1"}).status == 404
    # the same device may answer once the sheet is right
    sv.answer(s["link_key"], sheet(s), device=dev)


def test_a_blank_sheet_is_refused_where_no_question_is_required(sv):
    """With every question optional, a sheet answering none was taken, counted, and spent the device's (or the
    invitation's) one answer: it is refused, nothing stored, and the sheet answered afterwards is taken."""
    optional = [{"kind": "single", "text": "您是否知道本次整改的内容？", "options": ["知道", "不知道"]},
                {"kind": "text", "text": "其他意见"}]
    s = sv.bring("open", mode="device", questions=optional)
    q = [x["id"] for x in s["questions"]]
    dev = uuid.uuid4().hex
    for answers in ([], [{"question_id": q[1], "text": "   "}], [{"question_id": q[0]}]):
        r = sv.answer(s["link_key"], answers, device=dev, expect=422)
        assert field_of(r) == "answers" and "至少回答一题" in r.json["error"]["message"], (answers, r.json)
    assert sv.get(s["id"])["responses"] == 0
    sv.answer(s["link_key"], [{"question_id": q[1], "text": "希望加快进度"}], device=dev)
    assert sv.get(s["id"])["responses"] == 1


def test_bad_questionnaires_name_their_field(sv):
    good = {"title": "问卷", "mode": "token", "closes_on": day(10), "questions": QUESTIONS}
    cases = [
        ({"mode": "paper"}, "mode"),
        ({"closes_on": day(-2)}, "closes_on"),
        ({"closes_on": "2026-02-30"}, "closes_on"),
        ({"title": "  "}, "title"),
        ({"questions": []}, "questions"),
        ({"questions": [{"kind": "rank", "text": "排序"}]}, "questions[0].kind"),
        ({"questions": [{"kind": "single", "text": "只有一个选项", "options": ["是"]}]}, "questions[0].options"),
        ({"questions": [{"kind": "single", "text": "重复", "options": ["是", "是"]}]}, "questions[0].options"),
        ({"questions": [QUESTIONS[0], {"kind": "text", "text": "有选项", "options": ["甲", "乙"]}]},
         "questions[1].options"),
        ({"questions": [{"kind": "scale", "text": "分值", "scale_max": 11}]}, "questions[0].scale_max"),
        ({"questions": [{"kind": "text", "text": ""}]}, "questions[0].text"),
        ({"rect_task_id": 99999999}, "rect_task_id"),
    ]
    for change, field in cases:
        r = sv.c("gc_office").post("/api/v1/surveys", dict(good, **change))
        assert r.status == 422 and field_of(r) == field, (change, r.json)
    # only the office builds; leaders and units are refused
    for user in ("gc_principal", "gc_contact", "gc_inspector"):
        assert sv.c(user).post("/api/v1/surveys", good).status == 403, user
    # a draft is changed (questions replaced) and audited; opening needs a closing day not past
    s = sv.create()
    r = sv.c("gc_office").patch(f"/api/v1/surveys/{s['id']}", {"title": "修改后的问卷",
                                                                "questions": [QUESTIONS[2]]})
    assert r.status == 200 and r.json["title"] == "修改后的问卷" and len(r.json["questions"]) == 1
    assert sv.c("gc_principal").patch(f"/api/v1/surveys/{s['id']}", {"title": "领导改"}).status == 403
    assert sv.c("gc_principal").post(f"/api/v1/surveys/{s['id']}/actions/open", {}).status == 403
    r = sv.c("gc_office").post(f"/api/v1/surveys/{s['id']}/actions/publish", {})
    assert r.status == 404
    audit = sv.c("gc_office").get(f"/api/v1/audit?object_type=survey&object_id={s['id']}")
    actions = [a["action"] for a in audit.json["records"]]
    assert "survey.create" in actions and "survey.update" in actions, actions


def test_another_county_sees_nothing(sv):
    s = sv.bring("open")
    ap = sv.c("ap_office")
    assert ap.get(f"/api/v1/surveys/{s['id']}").status == 404
    assert ap.get(f"/api/v1/surveys/{s['id']}/results").status == 404
    assert ap.get(f"/api/v1/surveys/{s['id']}/results.xlsx").status == 404
    assert ap.post(f"/api/v1/surveys/{s['id']}/actions/close", {}).status == 404
    assert ap.post(f"/api/v1/surveys/{s['id']}/invitations", {"count": 1}).status == 404
    assert ap.patch(f"/api/v1/surveys/{s['id']}", {"title": "x"}).status == 404
    assert s["id"] not in [x["id"] for x in ap.get("/api/v1/surveys?per_page=200").json["surveys"]]
    mine = sv.c("gc_office").get("/api/v1/surveys?state=open&per_page=200").json
    assert s["id"] in [x["id"] for x in mine["surveys"]] and all(x["state"] == "open" for x in mine["surveys"])
    assert sv.c("gc_office").get("/api/v1/surveys?state=nonsense").status == 422


def test_results_download_as_xlsx_without_naming_anyone(sv):
    s = sv.bring("open", mode="device")
    for i, v in enumerate((5, 4, 1)):
        sv.answer(s["link_key"], sheet(s, value=v, text=f"意见{i}"), device=uuid.uuid4().hex)
    r = sv.c("gc_office").get(f"/api/v1/surveys/{s['id']}/results.xlsx")
    assert r.status == 200 and "spreadsheetml" in r.headers["Content-Type"]
    wb = openpyxl.load_workbook(io.BytesIO(r.raw))
    assert wb.sheetnames == ["结果汇总", "答卷"]
    summary = list(wb["结果汇总"].iter_rows(values_only=True))
    assert summary[1][:2] == ("答卷数", 3)
    assert next(r for r in summary if r[2] == "平均分")[3] == pytest.approx(10 / 3)
    rows = list(wb["答卷"].iter_rows(values_only=True))
    assert rows[0][2:] == tuple(q["text"] for q in QUESTIONS) and len(rows) == 4
    assert rows[1][2:] == ("知道", "政府网站；新闻报道", "5", "意见0")
    assert rows[1][1] and len(rows[1][1]) == 10  # the day only


def test_respondents_leave_no_trace(sv, server):
    s = sv.bring("open", mode="device")
    device = "device-" + uuid.uuid4().hex
    sv.answer(s["link_key"], sheet(s, text="甄秘密答卷人的意见"), device=device)
    res = json.dumps(sv.c("gc_office").get(f"/api/v1/surveys/{s['id']}/results").json, ensure_ascii=False)
    assert device not in res and "127.0.0.1" not in res
    audit = sv.c("admin").get(f"/api/v1/audit?object_type=survey&object_id={s['id']}")
    assert audit.status == 200, audit
    answers = [a for a in audit.json["records"] if a["action"] == "survey.answer"]
    assert len(answers) == 1 and answers[0]["summary"] == {"answered": 4}
    assert answers[0]["client"] in ("-", None, "") and answers[0]["actor_id"] is None, answers[0]
    assert device not in json.dumps(audit.json, ensure_ascii=False)


def test_a_satisfaction_survey_feeds_the_rectification_verification(server, sv):
    ins = Insp(server)
    oid = ins.bring("findings_issued")["id"]
    tid = ins.tasks(oid)[0]["id"]
    s = sv.create(mode="device", rect_task_id=tid)
    assert s["rect_task"]["id"] == tid
    sv.act(s["id"], "open")
    for v in (5, 4, 4, 2):
        sv.answer(s["link_key"], sheet(s, value=v), device=uuid.uuid4().hex)
    listed = sv.c("gc_office").get(f"/api/v1/surveys?rect_task_id={tid}").json["surveys"]
    assert [x["id"] for x in listed] == [s["id"]]
    ins.ract(tid, "gc_contact", "receive")
    ins.ract(tid, "gc_contact", "submit", {"text": "已建立巡查台账，隐患全部整改"})
    ins.ract(tid, "gc_head", "sign")
    # before verifying, the office and the leaders read on the task what the verification will quote; the unit
    # rectifying does not (the office's survey)
    for user in ("gc_office", "gc_leader"):
        got = ins.rect(tid, user)["satisfaction"]
        assert got["survey_id"] == s["id"] and got["responses"] == 4 and got["satisfied_pct"] == 75, (user, got)
    for user in ("gc_contact", "gc_head"):
        assert "satisfaction" not in ins.rect(tid, user), user
    ins.ract(tid, "gc_office", "verify", {"text": "经核查，已整改到位"})
    ev = sv.c("gc_office").get(f"/api/v1/rectifications/{tid}/events").json["events"]
    sat = next(e for e in ev if e["action"] == "verify")["data"]["satisfaction"]
    assert sat["survey_id"] == s["id"] and sat["responses"] == 4 and sat["answered"] == 4
    assert sat["satisfied_pct"] == 75 and sat["average"] == 3.75 and sat["scale_max"] == 5
    # the unit is told the verification with the satisfaction quoted
    msgs = sv.c("gc_contact").get("/api/v1/inbox?limit=50").json["messages"]
    assert any("群众满意度 75%" in (m.get("body") or "") for m in msgs), [m.get("body") for m in msgs[:5]]


def test_a_verification_without_a_survey_is_unchanged(server):
    ins = Insp(server)
    oid = ins.bring("findings_issued")["id"]
    tid = ins.tasks(oid)[0]["id"]
    assert ins.rect(tid)["satisfaction"] is None
    ins.finish_task(tid)
    text = json.dumps(Surveys(server).c("gc_office").get(f"/api/v1/rectifications/{tid}/events").json,
                      ensure_ascii=False)
    assert "satisfaction" not in text and "满意度" not in text
