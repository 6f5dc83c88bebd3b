"""The burden index (基层减负, issue 12): what ducha asked of each unit in a year, by issuer, counted from the records —
an item assigned (督办通知), a press by the office (催办), a progress report filed (进展报告) each move exactly the
unit's figure and its issuer's, nobody else's; the county's readers see its units and issuers ranked; a unit sees its
own row only; another county sees none of 古城县; the administrator has no such page."""
import pytest

from itemlib import Items


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def burden(it, user, year):
    r = it.c(user).get(f"/api/v1/burden?year={year}")
    assert r.status == 200, r
    return r.json


def row(b, code):
    return [u for u in b["units"] if u["code"] == code][0]


def issuer(u, name):
    found = [x for x in u["by_issuer"] if x["issuer"] == name]
    return found[0] if found else {"notices": 0, "presses": 0, "reports": 0, "total": 0}


def test_the_records_move_the_figures(it):
    year = it.c("gc_office").get("/api/v1/scoring/rules").json["year"]
    before = burden(it, "gc_office", year)
    gov = before["government"]["name"]
    assert before["own_only"] is False and before["government"]["name"] == "古城县人民政府"
    # an item assigned to 交通运输局, received, one progress report; then pressed twice
    item = it.bring("in_progress", title="减负测试：城区停车设施建设")
    it.act(item["id"], "gc_office", "press", {"text": "请加快进度"})
    it.act(item["id"], "gc_office", "press", {"text": "请于周五前报送"})
    after = burden(it, "gc_office", year)
    jt0, jt1 = row(before, "gc-jt"), row(after, "gc-jt")
    zj0, zj1 = row(before, "gc-zj"), row(after, "gc-zj")
    assert jt1["notices"] == jt0["notices"] + 1 and jt1["reports"] == jt0["reports"] + 1
    assert jt1["presses"] == jt0["presses"] + 2
    assert zj1 == zj0 | {"rank": zj1["rank"]}
    assert jt1["total"] == jt0["total"] + 4
    i0, i1 = issuer(jt0, gov), issuer(jt1, gov)
    assert (i1["notices"], i1["presses"], i1["reports"]) == (i0["notices"] + 1, i0["presses"] + 2, i0["reports"] + 1)
    for u in after["units"]:
        if u["code"] != "gc-jt":
            assert u == row(before, u["code"]) | {"rank": u["rank"]}, u["code"]
        assert u["total"] == sum(u[k] for k in ("notices", "presses", "reminders", "reports", "inspections", "tasks",
                                                "visits"))
        assert u["total"] == sum(x["total"] for x in u["by_issuer"])
    # ranked: units and issuers by their totals
    totals = [u["total"] for u in after["units"]]
    assert totals == sorted(totals, reverse=True) and [u["rank"] for u in after["units"]] == list(
        range(1, len(totals) + 1))
    top = [x for x in after["issuers"] if x["issuer"] == gov][0]
    assert top["total"] == sum(issuer(u, gov)["total"] for u in after["units"])


def test_who_sees_what(it):
    year = it.c("gc_office").get("/api/v1/scoring/rules").json["year"]
    office = burden(it, "gc_office", year)
    for user, code in (("gc_head", "gc-jt"), ("gc_contact", "gc-jt"), ("gc_head2", "gc-zj")):
        mine = burden(it, user, year)
        assert mine["own_only"] is True and mine["government"] is None
        assert [u["code"] for u in mine["units"]] == [code], (user, mine["units"])
        assert mine["units"][0]["total"] == row(office, code)["total"]
    assert burden(it, "gc_principal", year)["units"] == office["units"]
    ap = burden(it, "ap_office", year)
    assert not {u["code"] for u in ap["units"]} & {u["code"] for u in office["units"]}
    assert it.c("gc_admin").get(f"/api/v1/burden?year={year}").status == 403
    r = it.c("gc_office").get("/api/v1/burden?year=1800")
    assert r.status in (400, 422), r
