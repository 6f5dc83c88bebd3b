"""Third-party evaluation (第三方评估, issue 18): the office engages an outside evaluator organisation for items
or inspections, units, a period and indicators; the evaluator scores every unit and submits; each unit records
its self-assessment; the office returns or accepts and reads the side-by-side view (对表分析) with its XLSX.
Every hand-off is a to-do and a message of exactly who must act; the evaluator sees its engagement and nothing
else; a unit sees its own line; bad input names its field and stores nothing."""
import io
import re
import zipfile

import pytest

from cluelib import jpeg
from conftest import cn_date
from evallib import Evals
from insplib import Insp
from itemlib import day


@pytest.fixture(scope="module")
def ev(server):
    return Evals(server)


def todos(ev, user, eid):
    r = ev.c(user).get("/api/v1/todos?kind=evaluation&limit=200")
    assert r.status == 200, r
    return sorted(t["task"] for t in r.json["todos"] if t["object_id"] == eid)


def inbox(ev, user, eid):
    r = ev.c(user).get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    return [m for m in r.json["messages"] if m["object_type"] == "evaluation" and m["object_id"] == eid]


def field_of(r):
    return r.json["error"].get("field")


def scores(e, values):
    return [{"indicator_id": i["id"], "score": v, "comment": f"说明{v}"} for i, v in zip(e["indicators"], values)]


def test_office_engages_evaluator_scores_unit_self_assesses_office_accepts(ev):
    e = ev.create(units=("gc-jt", "gc-zj"))
    eid = e["id"]
    assert e["state"] == "draft" and e["evaluator"]["name"] == "古城县民生评估中心" and len(e["units"]) == 2
    assert todos(ev, "gc_office", eid) == ["engage"]
    # a draft is the office's alone
    for user in ("gc_evaluator", "gc_contact", "gc_contact2"):
        assert ev.get(eid, user, expect=404).status == 404
        assert todos(ev, user, eid) == []

    ev.act(eid, "gc_office", "engage")
    assert todos(ev, "gc_office", eid) == []
    assert todos(ev, "gc_evaluator", eid) == ["evaluate"]
    assert todos(ev, "gc_contact", eid) == ["self_assess"] and todos(ev, "gc_contact2", eid) == ["self_assess"]
    assert todos(ev, "gc_head", eid) == []  # the contact is there
    m = inbox(ev, "gc_evaluator", eid)
    assert len(m) == 1 and "第三方评估" in m[0]["subject"] and cn_date(e["due_date"]) in m[0]["body"], m
    assert m[0]["link"] == f"/evaluations/{eid}"
    assert len(inbox(ev, "gc_contact", eid)) == 1 and "自评" in inbox(ev, "gc_contact", eid)[0]["subject"]

    e = ev.get(eid, "gc_evaluator")
    assert e["view"] == "evaluator" and e["may"]["score"] is True and "submit" in e["allowed_actions"]
    assert all("self" not in u for u in e["units"])  # the evaluator never sees a self-assessment
    # half the work: the submit names what is missing and changes nothing
    ev.score(eid, "gc-jt", scores(e, (50, 30)), "巡查台账完整，个别点位整改不到位。")
    r = ev.act(eid, "gc_evaluator", "submit", expect=409)
    assert "未评分" in r.json["error"]["message"] and "古城县住房和城乡建设局" in r.json["error"]["message"], r
    ev.score(eid, "gc-zj", scores(e, (30, 35)), "整改进度滞后。")

    # 交通运输局 assesses itself; its to-do is done, the other unit's stays
    e_unit = ev.get(eid, "gc_contact")
    assert e_unit["view"] == "unit" and [u["unit_name"] for u in e_unit["units"]] == ["古城县交通运输局"]
    assert "evaluator" not in e_unit["units"][0]  # not before the office accepted the result
    assert e_unit["may"]["self_assess"] == [ev.unit("gc-jt")]
    ev.self_assess(eid, "gc-jt", scores(e, (58, 38)), "已全部整改到位。")
    assert todos(ev, "gc_contact", eid) == [] and todos(ev, "gc_contact2", eid) == ["self_assess"]
    assert ev.self_assess(eid, "gc-zj", scores(e, (1, 1)), expect=404).status == 404  # not its unit

    ev.act(eid, "gc_evaluator", "submit")
    assert todos(ev, "gc_evaluator", eid) == [] and todos(ev, "gc_office", eid) == ["accept"]
    assert any("待验收" in m["subject"] for m in inbox(ev, "gc_office", eid))
    assert ev.score(eid, "gc-jt", scores(e, (1, 1)), expect=409).status == 409  # frozen once submitted

    # returned with a reason: the evaluator has it to do again, and is told why
    ev.act(eid, "gc_office", "return", {"reason": "群众满意度评分缺少问卷依据"})
    assert todos(ev, "gc_evaluator", eid) == ["evaluate"] and todos(ev, "gc_office", eid) == []
    told = inbox(ev, "gc_evaluator", eid)
    assert len(told) == 2 and "群众满意度评分缺少问卷依据" in told[0]["body"] + told[1]["body"], told
    ev.score(eid, "gc-jt", [{"indicator_id": e["indicators"][1]["id"], "score": 28, "comment": "问卷满意率70%"}])
    ev.act(eid, "gc_evaluator", "submit")
    ev.act(eid, "gc_office", "accept")
    done = ev.get(eid)
    assert done["state"] == "accepted" and done["allowed_actions"] == []
    for user in ("gc_office", "gc_evaluator", "gc_contact", "gc_contact2"):
        assert todos(ev, user, eid) == [], user

    # the unit now reads the evaluator's scores of it, still not the other unit's line
    mine = ev.get(eid, "gc_contact")
    assert [u["unit_name"] for u in mine["units"]] == ["古城县交通运输局"]
    assert [s["score"] for s in mine["units"][0]["evaluator"]["scores"]] == [50, 28]

    # 对表分析: the evaluator's score, the self-assessment, the difference flagged
    cmp = ev.c("gc_office").get(f"/api/v1/evaluations/{eid}/comparison").json
    jt = next(u for u in cmp["units"] if u["unit_name"] == "古城县交通运输局")
    assert [(r["evaluator"], r["self"], r["diff"], r["flagged"]) for r in jt["rows"]] == [(50, 58, 8, True),
                                                                                      (28, 38, 10, True)]
    assert jt["evaluator_total"] == 78 and jt["self_total"] == 96 and jt["total_diff"] == 18 and jt["max_total"] == 100
    zj = next(u for u in cmp["units"] if u["unit_name"] == "古城县住房和城乡建设局")
    assert zj["self_total"] is None and [r["self"] for r in zj["rows"]] == [None, None] and not zj["flagged"]
    assert ev.c("gc_principal").get(f"/api/v1/evaluations/{eid}/comparison").status == 200  # the leaders read it
    x = ev.c("gc_office").get(f"/api/v1/evaluations/{eid}/comparison.xlsx")
    assert x.status == 200 and x.headers["Content-Type"].startswith("application/vnd.openxmlformats"), x
    with zipfile.ZipFile(io.BytesIO(x.raw)) as z:
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "古城县交通运输局" in strings and "群众满意程度" in strings and "巡查台账完整" in strings

    # the timeline and the audit trail name each step's actor
    events = ev.c("gc_office").get(f"/api/v1/evaluations/{eid}/events").json["events"]
    steps = [(x["action"], x["actor"]) for x in events if x["action"] in ("engage", "submit", "return", "accept",
                                                                         "self_assess")]
    assert steps == [("engage", "gc_office"), ("self_assess", "gc_contact"), ("submit", "gc_evaluator"),
                     ("return", "gc_office"), ("submit", "gc_evaluator"), ("accept", "gc_office")], steps
    audit = ev.c("admin").get(f"/api/v1/audit?object_type=evaluation&object_id={eid}&limit=100").json["records"]
    assert {"evaluation.create", "evaluation.engage", "evaluation.score", "evaluation.self_assess",
            "evaluation.submit", "evaluation.return", "evaluation.accept"} <= {a["action"] for a in audit}


def test_engagements_are_numbered_in_the_offices_series(ev):
    """Like the office's inspections and bulletins (古督查〔2026〕2号), not 评估1: the prefix, 督评, the year, the
    engagement's place among the office's of that year; the office's to-do carries the number."""
    a, b = ev.create(), ev.create()
    year = int(day(0)[:4])
    na = re.fullmatch(f"古督评〔{year}〕(\\d+)号", a["number"])
    assert na and b["number"] == f"古督评〔{year}〕{int(na.group(1)) + 1}号", (a["number"], b["number"])
    assert ev.get(a["id"])["number"] == a["number"]  # the number given once stays
    r = ev.c("gc_office").get("/api/v1/todos?kind=evaluation&limit=200")
    assert [t["number"] for t in r.json["todos"] if t["object_id"] == b["id"]] == [b["number"]]


def test_the_evaluator_sees_its_engagement_and_nothing_else(ev, server):
    e = ev.bring("engaged")
    eid, c = e["id"], ev.c("gc_evaluator")
    assert c.get(f"/api/v1/evaluations/{eid}").status == 200
    listed = [x["id"] for x in c.get("/api/v1/evaluations?per_page=200").json["evaluations"]]
    assert eid in listed
    draft = ev.create()
    assert c.get(f"/api/v1/evaluations/{draft['id']}").status == 404 and draft["id"] not in listed
    # the objects it is engaged for, by number and title only; the items and inspections themselves stay closed
    item = e["objects"][0]["id"]
    assert e["objects"][0]["title"]
    # inspections: only those whose team it is engaged on (the inspections' own evaluations), never another
    other = Insp(server).bring("opened")
    r = c.get("/api/v1/inspections?per_page=200")
    assert r.status in (200, 403) and (r.status == 403 or other["id"] not in [x["id"] for x in r.json["inspections"]])
    assert c.get(f"/api/v1/inspections/{other['id']}").status == 404
    for path in (f"/api/v1/items/{item}", "/api/v1/items",
                 "/api/v1/clues", "/api/v1/clues/1", "/api/v1/clues/1/reporter", "/api/v1/units",
                 f"/api/v1/units/{ev.unit('gc-jt')}", "/api/v1/surveys", "/api/v1/results", "/api/v1/ledger",
                 "/api/v1/audit", f"/api/v1/evaluations/{eid}/comparison"):
        r = c.get(path)
        assert r.status in (403, 404), (path, r)
    # never a unit's self-assessment, in the engagement or its timeline
    ev.self_assess(eid, "gc-jt", scores(e, (60, 40)), "自评说明：甲乙丙")
    again = c.get(f"/api/v1/evaluations/{eid}").json
    assert "甲乙丙" not in str(again) and all("self" not in u for u in again["units"])
    events = c.get(f"/api/v1/evaluations/{eid}/events").json["events"]
    assert not [x for x in events if x["action"] == "self_assess"]
    # it records for its engagement's units only, and only as the evaluator
    assert ev.score(eid, "gc-zj", scores(e, (1, 1)), expect=404).status == 404
    assert ev.score(eid, "gc-jt", scores(e, (1, 1)), user="gc_office", expect=403).status == 403
    assert ev.act(eid, "gc_evaluator", "accept", expect=403).status == 403


def test_roles_and_states_are_refused(ev):
    e = ev.bring("draft")
    eid = e["id"]
    assert ev.act(eid, "gc_contact", "engage", expect=404).status == 404  # a draft is out of the unit's sight
    assert ev.act(eid, "gc_principal", "engage", expect=403).status == 403
    assert ev.act(eid, "gc_evaluator", "engage", expect=404).status == 404
    assert ev.act(eid, "gc_office", "accept", expect=409).status == 409
    assert ev.self_assess(eid, "gc-jt", scores(e, (1, 1)), expect=404).status == 404
    ev.act(eid, "gc_office", "engage")
    assert ev.act(eid, "gc_office", "submit", expect=403).status == 403
    assert ev.c("gc_contact").get(f"/api/v1/evaluations/{eid}/comparison").status == 403
    assert ev.c("ap_office").get(f"/api/v1/evaluations/{eid}").status == 404
    assert ev.c("gc_office").patch(f"/api/v1/evaluations/{eid}", {"title": "改名"}).status == 409
    r = ev.act(eid, "gc_office", "return", expect=409)  # not submitted
    assert "只能在" in r.json["error"]["message"]
    # an organisation without anyone to do the work is not engaged; nor is a draft without an organisation
    d = ev.create(evaluator=None)
    r = ev.act(d["id"], "gc_office", "engage", expect=422)
    assert field_of(r) == "evaluator_unit_id", r
    assert ev.get(d["id"])["state"] == "draft"


@pytest.mark.parametrize("change,field", [
    ({"period_start": day(5), "period_end": day(1)}, "period_end"),
    ({"due_date": day(-1)}, "due_date"),
    ({"evaluator": "gc-jt"}, "evaluator_unit_id"),
    ({"units": ("gc-pg",)}, "unit_ids[0]"),
    ({"units": ("gc-jt", "gc-jt")}, "unit_ids[1]"),
    ({"units": ("ap-jt",)}, "unit_ids[0]"),
    ({"indicators": [{"name": "甲", "max_score": 0}]}, "indicators[0].max_score"),
    ({"indicators": [{"name": "甲"}, {"name": "甲"}]}, "indicators[1].name"),
    ({"indicators": []}, "indicators"),
    ({"objects": [{"kind": "clue", "id": 1}]}, "objects[0].kind"),
    ({"objects": [{"kind": "item", "id": 999999}]}, "objects[0].id"),
    ({"title": ""}, "title"),
])
def test_bad_engagements_name_their_field_and_store_nothing(ev, change, field):
    before = ev.c("gc_office").get("/api/v1/evaluations?per_page=1").json["total"]
    change = dict(change)
    kw = {}
    if "evaluator" in change:
        kw["evaluator"] = change.pop("evaluator")
    if "units" in change:
        units = change.pop("units")
        body = ev.body(**kw)
        body["unit_ids"] = [ev.unit(u) if not u.startswith("ap-") else ev.c("ap_office").unit_id(u) for u in units]
    else:
        body = ev.body(**kw)
    body.update(change)
    r = ev.c("gc_office").post("/api/v1/evaluations", body)
    assert r.status == 422 and field_of(r) == field, (change, r)
    assert ev.c("gc_office").get("/api/v1/evaluations?per_page=1").json["total"] == before


def test_bad_scores_name_their_field_and_store_nothing(ev):
    e = ev.bring("engaged")
    eid, ind = e["id"], e["indicators"]
    r = ev.score(eid, "gc-jt", [{"indicator_id": ind[0]["id"], "score": 61}], expect=422)
    assert field_of(r) == "scores[0].score" and "0 到 60" in r.json["error"]["message"], r
    r = ev.score(eid, "gc-jt", [{"indicator_id": 999999, "score": 1}], expect=422)
    assert field_of(r) == "scores[0].indicator_id", r
    r = ev.score(eid, "gc-jt", [{"indicator_id": ind[0]["id"], "score": 1}, {"indicator_id": ind[0]["id"], "score": 2}],
                 expect=422)
    assert field_of(r) == "scores[1].indicator_id", r
    r = ev.score(eid, "gc-jt", [{"indicator_id": ind[0]["id"], "score": -1}], expect=422)
    assert field_of(r) == "scores[0].score", r
    r = ev.self_assess(eid, "gc-jt", [{"indicator_id": ind[0]["id"], "score": 10}], expect=422)
    assert field_of(r) == "scores" and "群众满意程度" in r.json["error"]["message"], r
    got = ev.get(eid)
    assert got["units"][0]["evaluator"]["scores"] == [] and got["units"][0]["self"]["submitted_at"] is None
    assert todos(ev, "gc_contact", eid) == ["self_assess"]


def test_the_comparison_puts_the_inspections_findings_beside_the_scores(ev, server):
    ins = Insp(server)
    insp = ins.bring("findings_issued")  # a finding about 交通运输局, issued
    e = ev.create(objects=[{"kind": "inspection", "id": insp["id"]}, {"kind": "item", "id": ev.item()}])
    eid = e["id"]
    ev.act(eid, "gc_office", "engage")
    cmp = ev.c("gc_office").get(f"/api/v1/evaluations/{eid}/comparison").json
    found = cmp["units"][0]["inspection_findings"]
    assert len(found) == 1 and found[0]["title"] == "燃气管网巡查记录缺失" and found[0]["inspection_id"] == insp["id"]
    assert cmp["units"][0]["evaluator_total"] is None  # nothing scored yet
    # the unit sees the inspection it is a target of among the objects
    kinds = sorted(o["kind"] for o in ev.get(eid, "gc_contact")["objects"])
    assert "inspection" in kinds


def test_a_covert_inspection_is_not_given_to_an_evaluator(ev, server):
    ins = Insp(server)
    covert = ins.bring("scheme_approved", covert=True)
    r = ev.c("gc_office").post("/api/v1/evaluations", ev.body(objects=[{"kind": "inspection", "id": covert["id"]}]))
    assert r.status == 422 and field_of(r) == "objects[0].id" and "暗访" in r.json["error"]["message"], r


def test_evidence_is_kept_without_location_and_shown_to_who_sees_the_findings(ev):
    e = ev.bring("engaged")
    eid, unit = e["id"], ev.unit("gc-jt")
    photo = jpeg(gps=True)
    up = ev.c("gc_evaluator").request("POST", f"/api/v1/evaluations/{eid}/units/{unit}/evidence?filename=现场.jpg",
                                      raw=photo, content_type="application/octet-stream")
    assert up.status == 201 and up.json["content_type"] == "image/jpeg", up
    url = up.json["url"]
    got = ev.c("gc_office").get(url)
    assert got.status == 200 and got.raw[:2] == b"\xff\xd8" and b"ZhenPhone" not in got.raw
    assert ev.c("gc_contact").get(url).status == 404  # not before the result is accepted
    assert ev.c("gc_contact2").get(url).status == 404
    bad = ev.c("gc_evaluator").request("POST", f"/api/v1/evaluations/{eid}/units/{unit}/evidence?filename=x.jpg",
                                       raw=b"<html>hi</html>", content_type="application/octet-stream")
    assert bad.status == 415, bad
    office = ev.c("gc_office").request("POST", f"/api/v1/evaluations/{eid}/units/{unit}/evidence?filename=x.jpg",
                                       raw=photo, content_type="application/octet-stream")
    assert office.status == 403, office
    assert [x["filename"] for x in ev.get(eid)["units"][0]["evaluator"]["evidence"]] == ["现场.jpg"]
