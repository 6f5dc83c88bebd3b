"""Surveys close at their closing day by themselves (issue 18): once the closing day has ended (Beijing
time) the public link refuses answers with 409 "问卷已截止", and the scheduler moves the survey to closed
through the workflow — the timeline and the audit record name the system, the office that drafted it is
told by message — exactly once, even with two nodes and a `ducha scan` of their own on one database. The
test clock sets every moment explicitly (Beijing times), so nothing depends on today's date."""

from conftest import Server, run_cli, scan, wait_for
from itemlib import clock
from surveylib import Surveys

QUESTIONS = [{"kind": "scale", "text": "您对办事效率的满意程度", "required": True, "scale_max": 5}]



def answer(sv, key, n):
    return sv.answer(key, [{"question_id": sv.qid, "value": 4}], device=f"device-close-test-{n:04d}", expect=None)


def test_a_survey_stops_at_its_closing_day_and_the_scheduler_closes_it_once(backend):
    db = backend.new_db()
    a = Server(db)
    b = Server(db)
    try:
        clock(a, "2026-06-10T10:00:00+08:00")
        sv = Surveys(a)
        s = sv.create(mode="device", closes_on="2026-06-12", questions=QUESTIONS, title="办事效率满意度（截止测试）")
        sv.act(s["id"], "open")
        key, sv.qid = s["link_key"], s["questions"][0]["id"]
        assert answer(sv, key, 1).status == 201

        # the last minutes of the closing day still answer, on either node, and nothing is closed
        clock(a, "2026-06-12T23:58:00+08:00", sv)
        assert answer(sv, key, 2).status == 201
        scan(a)  # a scheduler pass in the last minutes of the closing day, done when it returns
        assert sv.get(s["id"])["state"] == "open"

        # the closing day has ended: the link refuses at once, whatever the scheduler did yet
        clock(a, "2026-06-13T00:00:05+08:00", sv)
        r = answer(sv, key, 3)
        assert r.status == 409 and "问卷已截止" in r.json["error"]["message"] and "2026-06-12" in r.json["error"]["message"], r
        pub = sv.anon.get(f"/api/v1/public/surveys/{key}").json
        assert pub["accepting"] is False and pub["expired"] is True, pub

        # both schedulers and a cron scan race for it: one close, by the system
        run_cli("scan", "--now", "2026-06-13T00:01:00+08:00", db=db)
        assert wait_for(lambda: sv.get(s["id"])["state"] == "closed")
        scan(b)  # more passes change nothing (one at the nodes' clock, the cron's below at its own)
        run_cli("scan", "--now", "2026-06-13T00:02:00+08:00", db=db)
        got = sv.get(s["id"])
        assert got["state"] == "closed" and got["responses"] == 2 and got["accepting"] is False, got
        assert "close" not in got["allowed_actions"], got

        events = sv.c("gc_office").get(f"/api/v1/surveys/{s['id']}/events").json["events"]
        closes = [e for e in events if e["action"] == "close"]
        assert len(closes) == 1 and closes[0]["actor"] == "system" and closes[0]["actor_name"] == "系统", events
        assert closes[0]["from"] == "open" and closes[0]["to"] == "closed", closes

        # the audit record names no user, and the survey's office reads it with the survey's own records
        recs = sv.c("gc_office").get(f"/api/v1/audit?object_type=survey&object_id={s['id']}").json["records"]
        closed = [x for x in recs if x["action"] == "survey.close"]
        assert len(closed) == 1 and closed[0]["actor_id"] is None, recs

        # the office that drafted it is told, once
        msgs = sv.c("gc_office").get("/api/v1/inbox?limit=100").json["messages"]
        told = [m for m in msgs if "问卷已截止" in m["subject"] and "办事效率满意度（截止测试）" in m["subject"]]
        assert len(told) == 1, [m["subject"] for m in msgs]
        assert told[0]["link"] == f"/surveys/{s['id']}" and "2026-06-12" in told[0]["body"] and "2 份" in told[0]["body"], told

        # closed now, and still past its day: the same clear refusal; nothing was stored
        r = answer(sv, key, 4)
        assert r.status == 409 and "问卷已截止" in r.json["error"]["message"], r
        assert sv.get(s["id"])["responses"] == 2
    finally:
        a.stop()
        b.stop()


def test_the_office_closing_early_is_not_expired_and_nobody_is_messaged(backend):
    db = backend.new_db()
    a = Server(db)
    try:
        clock(a, "2026-06-10T10:00:00+08:00")
        sv = Surveys(a)
        s = sv.create(mode="device", closes_on="2026-06-20", questions=QUESTIONS, title="提前结束的问卷")
        sv.act(s["id"], "open")
        sv.qid = s["questions"][0]["id"]
        sv.act(s["id"], "close")
        r = answer(sv, s["link_key"], 1)
        assert r.status == 409 and "已结束收集" in r.json["error"]["message"], r
        assert sv.anon.get(f"/api/v1/public/surveys/{s['link_key']}").json["expired"] is False
        # past its closing day the closed survey is left alone: no second close, no message
        clock(a, "2026-06-21T09:00:00+08:00", sv)
        run_cli("scan", "--now", "2026-06-21T09:00:00+08:00", db=db)
        events = sv.c("gc_office").get(f"/api/v1/surveys/{s['id']}/events").json["events"]
        assert [e["actor"] for e in events if e["action"] == "close"] == ["gc_office"], events
        msgs = sv.c("gc_office").get("/api/v1/inbox?limit=100").json["messages"]
        assert not [m for m in msgs if "提前结束的问卷" in m["subject"]], msgs
    finally:
        a.stop()
