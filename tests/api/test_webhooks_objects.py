"""Events out for the supervised objects beyond items (webhooks): inspections, rectification tasks,
results and bulletins. Each kind reaches a real receiver on loopback, signed, its payload as
docs/openapi.yaml's `webhooks` say; an endpoint hears only what its unit's subtree may see — another
county's never, a target unit's only once the inspection is announced to it — and an unannounced
inspection (暗访) reaches, until its findings are issued, only the endpoints of the office's own
government: not the target's, not the level above; a clue's events reach only the office's side and carry
nothing of the reporter."""
import json

import pytest

from cluelib import REPORTER, Clues
from conftest import Server, scan
from insplib import Insp
from itemlib import day
from test_deadlines import HttpSink, wait_for
from test_webhooks import WEBHOOK_ENV, SPEC, check_delivery, deliveries, received, register
from workflow_drivers import BulletinDriver, ResultDriver, ScorecardDriver

KINDS = SPEC.raw["components"]["schemas"]["WebhookEventName"]["enum"]
INSP_KINDS = [k for k in KINDS if k.split(".")[0] in ("inspection", "rectification")]


@pytest.fixture
def srv(backend):
    s = Server(backend.new_db(scanned=True), env=WEBHOOK_ENV)  # as test_webhooks' srv
    yield s
    s.stop()


@pytest.fixture
def ends(srv):
    """Endpoints subscribed to every inspection and rectification kind, with their receivers: the county's
    government (the office's own), its 交通运输局 (the target), its 住建局 (neither), the city above, and
    another county."""
    sinks = {}
    made = {}
    gc, ins = srv.client("gc_admin"), Insp(srv)
    for name, client, unit in [("county", gc, None), ("target", gc, "gc-jt"), ("bystander", gc, "gc-zj"),
                               ("city", srv.client("admin"), None), ("other", srv.client("ap_admin"), None)]:
        sinks[name] = HttpSink()
        extra = {"unit_id": ins.unit(unit)} if unit else {}
        made[name] = register(client, f"http://127.0.0.1:{sinks[name].port}/in", INSP_KINDS, name=f"{name} OA",
                              **extra)
    yield sinks, made, ins
    for s in sinks.values():
        s.stop()


def about(sink, obj_type, oid):
    """The events the receiver got about one object, in the order received."""
    return [(r, b) for r, b in received(sink) if b["object"] == {"type": obj_type, "id": oid}]


def queued(srv, w, obj_type, oid):
    """The deliveries queued for endpoint w about one object (queued in the transaction of the change,
    so what is not queued when the action has answered never goes out)."""
    admin = srv.client("admin")
    return [d["event"] for d in deliveries(admin, w["id"]) if d["object_type"] == obj_type and d["object_id"] == oid]


def test_each_inspection_and_rectification_kind_is_delivered_signed_and_scoped(srv, ends):
    sinks, made, ins = ends
    obj = ins.bring("findings_issued", subject="城区燃气安全专项督查（推送）")
    oid = obj["id"]
    tid = ins.tasks(oid)[0]["id"]
    ins.finish_task(tid)
    ins.act(oid, "gc_office", "issue_conclusion", {"text": "督查发现的问题已整改到位。"})
    ins.act(oid, "gc_head", "receive_conclusion")
    ins.c("gc_office").put(f"/api/v1/inspections/{oid}/report", {"text": "督查报告正文：问题已全部整改到位。"})
    ins.act(oid, "gc_office", "close")
    whole = ["inspection.opened", "inspection.scheme_approved", "inspection.started", "inspection.findings_issued",
             "inspection.concluded", "inspection.conclusion_received", "inspection.closed"]
    task = ["rectification.assigned", "rectification.received", "rectification.submitted",
            "rectification.verified"]
    for name in ("county", "city"):
        assert wait_for(lambda: len(about(sinks[name], "inspection", oid)) == len(whole)), name
        assert [b["event"] for _, b in about(sinks[name], "inspection", oid)] == whole, name
        assert wait_for(lambda: len(about(sinks[name], "rectification", tid)) == len(task)), name
        assert [b["event"] for _, b in about(sinks[name], "rectification", tid)] == task, name
    # the target hears of the inspection from its start on (an announced one tells the targets then)
    assert wait_for(lambda: len(about(sinks["target"], "inspection", oid)) == 5)
    assert [b["event"] for _, b in about(sinks["target"], "inspection", oid)] == whole[2:]
    assert wait_for(lambda: len(about(sinks["target"], "rectification", tid)) == len(task))
    for name, sink in sinks.items():
        for req, body in received(sink):
            check_delivery(req, body, made[name]["secret"])
            assert body["webhook_id"] == made[name]["id"]
    (_, started), = [x for x in about(sinks["county"], "inspection", oid) if x[1]["event"] == "inspection.started"]
    summary = started["inspection"]
    assert summary["id"] == oid and summary["title"] == "城区燃气安全专项督查（推送）" and summary["state"] == "in_progress"
    assert summary["office_unit_name"] == "古城县人民政府" and summary["url"] == f"/api/v1/inspections/{oid}"
    assert [u["unit_name"] for u in summary["units"]] == ["古城县交通运输局"]
    assert started["actor"]["username"] == "gc_office" and started["event_label"] == "督查启动"
    (_, assigned), = [x for x in about(sinks["target"], "rectification", tid)
                      if x[1]["event"] == "rectification.assigned"]
    assert assigned["rectification"]["id"] == tid and assigned["unit"]["name"] == "古城县交通运输局"
    assert assigned["rectification"]["due_date"] == day(30) and assigned["rectification"]["number"]
    (_, concluded), = [x for x in about(sinks["county"], "inspection", oid) if x[1]["event"] == "inspection.concluded"]
    assert concluded["inspection"]["number"] and concluded["note"] == "督查发现的问题已整改到位。"
    (_, got), = [x for x in about(sinks["target"], "inspection", oid)
                 if x[1]["event"] == "inspection.conclusion_received"]
    assert got["unit"]["name"] == "古城县交通运输局"
    # the county's other department and the other county hear nothing: nothing is queued for them (a delivery
    # is sent only from a row queued with the change), and nothing reached their receivers
    for name in ("bystander", "other"):
        assert about(sinks[name], "inspection", oid) == [] and about(sinks[name], "rectification", tid) == []
        assert queued(srv, made[name], "inspection", oid) == [] and queued(srv, made[name], "rectification", tid) == []


def test_an_unannounced_inspection_reaches_only_the_offices_own_endpoints_before_disclosure(srv, ends):
    sinks, made, ins = ends
    obj = ins.bring("findings_submitted", covert=True, subject="城区餐饮燃气安全暗访（推送）")
    oid = obj["id"]
    secret = ["inspection.opened", "inspection.scheme_approved", "inspection.started"]
    assert queued(srv, made["county"], "inspection", oid) == list(reversed(secret))
    assert wait_for(lambda: len(about(sinks["county"], "inspection", oid)) == 3)
    assert [b["event"] for _, b in about(sinks["county"], "inspection", oid)] == secret
    # queued in the action's transaction: nothing for the target, the level above or anyone else
    for name in ("target", "city", "bystander", "other"):
        assert queued(srv, made[name], "inspection", oid) == [], name
        assert about(sinks[name], "inspection", oid) == [], name
    # the findings issued disclose it: the target and the city hear from then on, not of what went before
    ins.act(oid, "gc_office", "issue_findings")
    tid = ins.tasks(oid)[0]["id"]
    for name in ("target", "city"):
        assert wait_for(lambda: about(sinks[name], "inspection", oid) and about(sinks[name], "rectification", tid))
        assert [b["event"] for _, b in about(sinks[name], "inspection", oid)] == ["inspection.findings_issued"]
        assert [b["event"] for _, b in about(sinks[name], "rectification", tid)] == ["rectification.assigned"]
    assert wait_for(lambda: len(about(sinks["county"], "inspection", oid)) == 4)
    for name in ("bystander", "other"):
        assert queued(srv, made[name], "inspection", oid) == [] and about(sinks[name], "inspection", oid) == [], name


def test_an_overdue_rectification_is_pushed(srv, ends):
    sinks, made, ins = ends
    obj = ins.bring("in_progress", subject="城区供水保障专项督查（推送）")
    oid = obj["id"]
    ins.finding(oid, due_date=day(3))
    ins.act(oid, "gc_inspector", "submit_findings")
    ins.act(oid, "gc_office", "issue_findings")
    tid = ins.tasks(oid)[0]["id"]

    def step(kind):
        return [b for _, b in about(sinks["target"], "rectification", tid) if b["event"] == kind]
    # on the due day: the reminder; a week later: pressing (the ladder's first step after the deadline)
    assert srv.client("admin").put("/api/v1/admin/clock", {"now": day(3) + "T09:00:00+08:00"}).status == 200
    assert wait_for(lambda: step("rectification.reminded"), timeout=60)
    assert srv.client("admin").put("/api/v1/admin/clock", {"now": day(20) + "T09:00:00+08:00"}).status == 200
    assert wait_for(lambda: step("rectification.overdue"), timeout=60)
    # pressed once: another pass of the day (done when scan returns) queues no second delivery
    scan(srv)
    assert queued(srv, made["target"], "rectification", tid).count("rectification.overdue") == 1
    (body,) = step("rectification.overdue")
    assert body["unit"]["name"] == "古城县交通运输局" and body["data"]["step"] == "press"
    assert body["rectification"]["due_date"] == day(3) and body["rectification"]["id"] == tid
    assert all(b["data"]["step"].startswith("remind-") for b in step("rectification.reminded"))
    for name in ("county", "city"):
        assert wait_for(lambda: [b for _, b in about(sinks[name], "rectification", tid)
                                 if b["event"] == "rectification.overdue"]), name
    for name in ("bystander", "other"):
        assert about(sinks[name], "rectification", tid) == [] and queued(srv, made[name], "rectification", tid) == []


def test_results_and_bulletins_are_pushed_once_issued_without_personal_data(srv):
    kinds = ["result.issued", "result.closed", "bulletin.issued", "scorecard.issued"]
    gc, ins = srv.client("gc_admin"), Insp(srv)
    sinks = {n: HttpSink() for n in ("county", "target", "other")}
    try:
        w = {"county": register(gc, f"http://127.0.0.1:{sinks['county'].port}/in", kinds),
             "target": register(gc, f"http://127.0.0.1:{sinks['target'].port}/in", kinds, unit_id=ins.unit("gc-jt")),
             "other": register(srv.client("ap_admin"), f"http://127.0.0.1:{sinks['other'].port}/in", kinds)}
        rd = ResultDriver(srv)
        talk = rd.bring("approved", kind="talk")
        assert queued(srv, w["county"], "result", talk["id"]) == [], "nothing before the issue"
        rd.act(talk["id"], "gc_office", "issue", {})
        rd.act(talk["id"], "gc_office", "record_talk", {"record": "约谈记录：已当面指出问题"})
        rd.act(talk["id"], "gc_office", "follow_up", {"text": "已整改到位"})
        number = rd.get(talk["id"])["number"]
        # the unit concerned sees the record once issued: both endpoints hear of it
        for name in ("county", "target"):
            assert wait_for(lambda: len(about(sinks[name], "result", talk["id"])) == 2), name
            got = about(sinks[name], "result", talk["id"])
            assert [b["event"] for _, b in got] == ["result.issued", "result.closed"]
            for req, body in got:
                check_delivery(req, body, w[name]["secret"])
                assert body["result"]["number"] == number and body["result"]["office_unit_name"] == "古城县人民政府"
                text = json.dumps(body, ensure_ascii=False)
                for person in ("何振华", "王建国", "约谈记录", "县政府第三会议室"):
                    assert person not in text, (person, body)
        bd = BulletinDriver(srv)
        bul = bd.bring("issued")
        assert wait_for(lambda: about(sinks["county"], "bulletin", bul["id"]))
        (req, body), = about(sinks["county"], "bulletin", bul["id"])
        check_delivery(req, body, w["county"]["secret"])
        assert body["event"] == "bulletin.issued" and body["bulletin"]["number"] == bd.get(bul["id"])["number"]
        # a bulletin is the government's: the department's endpoint does not receive it, nor another county's
        assert queued(srv, w["target"], "bulletin", bul["id"]) == []
        # a year-end scorecard, once issued: the government's endpoint only (the payload names every unit
        # scored; each unit may read only its own line), and no score travels
        sd = ScorecardDriver(srv)
        card = sd.bring("approved")
        assert queued(srv, w["county"], "scorecard", card["id"]) == [], "nothing before the issue"
        sd.act(card["id"], "gc_office", "issue", {})
        assert wait_for(lambda: about(sinks["county"], "scorecard", card["id"]))
        (req, body), = about(sinks["county"], "scorecard", card["id"])
        check_delivery(req, body, w["county"]["secret"])
        assert body["event"] == "scorecard.issued" and body["scorecard"]["url"] == f"/api/v1/scorecards/{card['id']}"
        assert set(body["scorecard"]) == {"id", "number", "title", "state", "state_label", "due_date", "office_unit_id",
                                          "office_unit_name", "units", "url"}, body["scorecard"]
        assert all(set(u) == {"unit_id", "unit_name", "state", "state_label"} for u in body["scorecard"]["units"])
        assert queued(srv, w["target"], "scorecard", card["id"]) == []
        assert about(sinks["other"], "result", talk["id"]) == [] and about(sinks["other"], "bulletin", bul["id"]) == []
        assert queued(srv, w["other"], "result", talk["id"]) == []
        assert about(sinks["other"], "scorecard", card["id"]) == [] and about(sinks["target"], "scorecard", card["id"]) == []
    finally:
        for s in sinks.values():
            s.stop()


def test_clue_events_reach_only_the_office_and_never_the_reporter(srv):
    """A clue's events go to the endpoints of its government (and above), never to the unit verifying it,
    and carry the clue's summary only: no note, no details, nothing of the reporter (条例 Art. 26)."""
    kinds = [k for k in KINDS if k.startswith("clue.")]
    gc = srv.client("gc_admin")
    cl = Clues(srv)
    sinks = {n: HttpSink() for n in ("county", "verifier", "city", "other")}
    try:
        w = {"county": register(gc, f"http://127.0.0.1:{sinks['county'].port}/in", kinds),
             "verifier": register(gc, f"http://127.0.0.1:{sinks['verifier'].port}/in", kinds,
                                  unit_id=cl.unit("gc-jt")),
             "city": register(srv.client("admin"), f"http://127.0.0.1:{sinks['city'].port}/in", kinds),
             "other": register(srv.client("ap_admin"), f"http://127.0.0.1:{sinks['other'].port}/in", kinds)}
        # one from the public page, with the reporter's name and telephone; one recorded by the office
        out = cl.public.submit(cl.public.fields(name=REPORTER["name"], phone=REPORTER["phone"],
                                                email=REPORTER["email"]))
        public_number = out.json["number"]
        cid = cl.create(reporter=REPORTER)["id"]
        cl.assign(cid)
        cl.act(cid, "gc_contact", "report", {"text": f"经核查属实，已联系{REPORTER['name']}", "finding": "substantiated"})
        cl.act(cid, "gc_office", "close", {"close_reason": "resolved", "reply": f"{REPORTER['name']}您好，问题已解决。"})
        want = ["clue.received", "clue.assigned", "clue.verified", "clue.closed"]
        for name in ("county", "city"):
            assert wait_for(lambda: len(about(sinks[name], "clue", cid)) == len(want)), name
            assert [b["event"] for _, b in about(sinks[name], "clue", cid)] == want
            pub = [b for _, b in received(sinks[name]) if b["event"] == "clue.received"
                   and b["clue"]["number"] == public_number]
            assert len(pub) == 1 and pub[0]["actor"]["username"] == "system", pub
            for req, body in received(sinks[name]):
                check_delivery(req, body, w[name]["secret"])
                assert body["note"] == "" and body["data"] == {}, body
                text = json.dumps(body, ensure_ascii=False)
                for needle in (REPORTER["name"], REPORTER["phone"], REPORTER["email"]):
                    assert needle not in text, (needle, body)
        (_, assigned), = [x for x in about(sinks["county"], "clue", cid) if x[1]["event"] == "clue.assigned"]
        assert [u["unit_name"] for u in assigned["clue"]["units"]] == ["古城县交通运输局"]
        assert assigned["clue"]["url"] == f"/api/v1/clues/{cid}"
        # the unit that verified it and another county hear nothing
        for name in ("verifier", "other"):
            assert queued(srv, w[name], "clue", cid) == [], name
        for name in ("verifier", "other"):
            assert [b for _, b in received(sinks[name]) if b["object"]["type"] == "clue"] == [], name
    finally:
        for s in sinks.values():
            s.stop()
