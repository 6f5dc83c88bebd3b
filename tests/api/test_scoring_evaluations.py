"""对表分析 on the year-end scorecard (issue 12): the third-party evaluators' scores and the unit's self-assessment
beside the office's total. Counted: the engagements of the card's own government, accepted, whose evaluation
period ends in the card's year; each total converted to the card's base, averaged over the engagements, and the
difference from the office's total. Not counted: a draft or a submitted but not yet accepted engagement, another
year's, another government's (the city engaging the same unit); a unit sees its own line only, and a unit nobody
evaluated shows nothing (null, a dash in the XLSX), never 0.

The card is drawn for a past year (this year minus 5) no other test of this module uses, with evaluation periods
inside that year: nothing depends on today's date beyond the due dates, which lie weeks ahead."""
import io

import openpyxl
import pytest

from evallib import Evals
from itemlib import day


@pytest.fixture(scope="module")
def ev(server):
    return Evals(server)


def year_of(ev):
    r = ev.c("gc_office").get("/api/v1/scoring/rules")
    assert r.status == 200, r
    return r.json["year"] - 5


def engagement(ev, user, units, period, values, state="accepted", selfs=None):
    """An engagement by user's office of the units over period, the evaluator scoring each unit with values
    (one score per indicator: 60 and 40 at most), selfs {unit code: values} assessed by the unit's contact,
    brought to state."""
    body = ev.body(units=units)
    body["period_start"], body["period_end"] = period
    r = ev.c(user).post("/api/v1/evaluations", body)
    assert r.status == 201, r
    e = r.json
    if state == "draft":
        return e
    ev.act(e["id"], user, "engage")
    for code in units:
        ev.score(e["id"], code, [{"indicator_id": i["id"], "score": v, "comment": "抽查核实"}
                                 for i, v in zip(e["indicators"], values)], "抽查点位整改基本到位。")
    contacts = {"gc-jt": "gc_contact", "gc-zj": "gc_contact2"}
    for code, vals in (selfs or {}).items():
        ev.self_assess(e["id"], code, [{"indicator_id": i["id"], "score": v} for i, v in zip(e["indicators"], vals)],
                       "已按要求整改。", user=contacts[code])
    ev.act(e["id"], "gc_evaluator", "submit")
    if state == "accepted":
        ev.act(e["id"], user, "accept")
    assert ev.get(e["id"], user)["state"] == state
    return e


@pytest.fixture(scope="module")
def world(ev):
    y = year_of(ev)
    w = {"year": y}
    # counted: two accepted engagements of 古城县 ending in the year (交通运输局 in both, self-assessed in one)
    w["a"] = engagement(ev, "gc_office", ("gc-jt", "gc-zj"), (f"{y}-03-01", f"{y}-09-30"), (50, 30),
                        selfs={"gc-jt": (58, 38)})
    w["b"] = engagement(ev, "gc_office", ("gc-jt",), (f"{y}-10-01", f"{y}-12-31"), (30, 20))
    # not counted: submitted but not accepted, a draft, another year's, the city's engagement of the same unit
    w["submitted"] = engagement(ev, "gc_office", ("gc-jt",), (f"{y}-01-01", f"{y}-06-30"), (1, 1), "submitted")
    w["draft"] = engagement(ev, "gc_office", ("gc-jt",), (f"{y}-01-01", f"{y}-06-30"), (2, 2), "draft")
    w["next_year"] = engagement(ev, "gc_office", ("gc-jt",), (f"{y}-11-01", f"{y + 1}-01-31"), (3, 3))
    w["city"] = engagement(ev, "lc_office", ("gc-jt", "gc-zj"), (f"{y}-01-01", f"{y}-06-30"), (4, 4))
    r = ev.c("gc_office").post("/api/v1/scorecards", {"year": y})
    assert r.status == 201, r
    w["card"] = r.json
    return w


def row(card, code):
    return next(u for u in card["units"] if u["code"] == code)


def test_accepted_engagements_of_the_year_stand_beside_the_right_unit(ev, world):
    card = world["card"]
    base = card["base"]
    jt, zj = row(card, "gc-jt"), row(card, "gc-zj")
    # 交通运输局: 80 of 100 and 50 of 100 by the evaluator, 96 of 100 by itself (the other engagements not counted)
    tp = jt["third_party"]
    assert [e["id"] for e in tp["evaluations"]] == [world["a"]["id"], world["b"]["id"]], tp
    a, b = tp["evaluations"]
    assert (a["evaluator_total"], a["self_total"], a["max_total"]) == (80, 96, 100)
    assert (b["evaluator_total"], b["self_total"], b["max_total"]) == (50, None, 100)
    assert a["evaluator"] == "古城县民生评估中心" and a["period_end"] == f"{world['year']}-09-30"
    assert a["evaluator_score"] == 80 * base / 100 and a["self_score"] == 96 * base / 100 and b["self_score"] is None
    assert tp["evaluator_score"] == 65 * base / 100  # the mean of the two engagements
    assert tp["self_score"] == 96 * base / 100  # only the one that was self-assessed
    assert tp["evaluator_diff"] == pytest.approx(tp["evaluator_score"] - jt["total"])
    assert tp["self_diff"] == pytest.approx(tp["self_score"] - jt["total"])
    # 住房和城乡建设局: evaluated once, no self-assessment
    tz = zj["third_party"]
    assert [e["id"] for e in tz["evaluations"]] == [world["a"]["id"]]
    assert tz["evaluator_score"] == 80 * base / 100 and tz["self_score"] is None and tz["self_diff"] is None
    # a unit no engagement evaluated shows nothing, not 0
    others = [u for u in card["units"] if u["code"] not in ("gc-jt", "gc-zj")]
    assert others and all(u["third_party"] is None for u in others)
    # the unit's own card carries the same line
    detail = ev.c("gc_office").get(f"/api/v1/scorecards/{card['id']}/units/{jt['unit_id']}")
    assert detail.status == 200 and detail.json["third_party"] == tp, detail


def test_the_xlsx_shows_the_columns_and_a_dash_where_there_is_none(ev, world):
    card = world["card"]
    r = ev.c("gc_office").get(f"/api/v1/scorecards/{card['id']}/export.xlsx")
    assert r.status == 200, r
    ws = openpyxl.load_workbook(io.BytesIO(r.raw))["考评得分"]
    assert [c.value for c in ws[2]][10:14] == ["第三方评估", "与总分差", "单位自评", "与总分差"]
    rows = {x[2]: x for x in ws.iter_rows(min_row=3, values_only=True)}
    for u in card["units"]:
        tp = u["third_party"]
        want = ["—"] * 4 if tp is None else [
            "—" if v is None else pytest.approx(v)
            for v in (tp["evaluator_score"], tp["evaluator_diff"], tp["self_score"], tp["self_diff"])]
        assert list(rows[u["name"]][10:14]) == want, u["name"]


def test_each_unit_sees_its_own_line_once_issued(ev, world):
    card = world["card"]
    cid = card["id"]
    jt_id, zj_id = row(card, "gc-jt")["unit_id"], row(card, "gc-zj")["unit_id"]
    assert ev.c("gc_contact").get(f"/api/v1/scorecards/{cid}").status == 404  # nothing before the issue
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        r = ev.c(user).post(f"/api/v1/scorecards/{cid}/actions/{action}", {})
        assert r.status == 200, (action, r)
    mine = ev.c("gc_contact").get(f"/api/v1/scorecards/{cid}").json
    assert [u["code"] for u in mine["units"]] == ["gc-jt"]
    assert mine["units"][0]["third_party"] == row(card, "gc-jt")["third_party"]
    assert ev.c("gc_contact").get(f"/api/v1/scorecards/{cid}/units/{jt_id}").json["third_party"]["self_score"] is not None
    assert ev.c("gc_contact").get(f"/api/v1/scorecards/{cid}/units/{zj_id}").status == 404
    theirs = ev.c("gc_contact2").get(f"/api/v1/scorecards/{cid}").json
    assert [u["code"] for u in theirs["units"]] == ["gc-zj"]
    assert [e["id"] for e in theirs["units"][0]["third_party"]["evaluations"]] == [world["a"]["id"]]


def test_another_countys_card_counts_none_of_them(ev, world):
    r = ev.c("ap_office").post("/api/v1/scorecards", {"year": world["year"]})
    assert r.status == 201, r
    assert r.json["units"] and all(u["third_party"] is None for u in r.json["units"])
    assert ev.c("ap_office").get(f"/api/v1/scorecards/{world['card']['id']}").status == 404
