"""The per-unit cap of inspections a year as a setting of each government (减负, issue 12): the city's office sets a
default its counties inherit, a county's office overrides it for its own units, and drops its own to inherit again;
the burden check before an inspection and the cap rule (409 unless an exception with a reason) apply the cap of the
unit's nearest government that set one — naming that government —, else the system-wide setting. Only an office
sets it (403 otherwise), 422 naming unit_cap for anything but a whole number 0…1000 or inherit, nothing changed by
a refusal, audited inspection.unit_cap with before and after."""
import pytest

from insplib import YEAR, Insp

Y = YEAR + 21  # a year of its own: nobody else's inspections count
CITY, COUNTY = "临川市人民政府", "古城县人民政府"


@pytest.fixture(scope="module")
def ins(server):
    return Insp(server)


def put(ins, user, body, expect=200):
    r = ins.c(user).put("/api/v1/inspections/unit-cap", body)
    assert r.status == expect, r
    return r.json if expect == 200 else r


def check(ins, unit, month, user="gc_office"):
    r = ins.c(user).post("/api/v1/inspections/burden-check", {"target_unit_ids": [ins.unit(unit)],
                                                               "start_date": f"{Y}-{month:02d}-01",
                                                               "end_date": f"{Y}-{month:02d}-03"})
    assert r.status == 200, r
    [row] = r.json["units"]
    return row, [w for w in r.json["warnings"] if w["kind"] == "cap"]


def test_the_city_default_a_county_override_and_inherit(ins):
    city = ins.c("lc_office").get("/api/v1/inspections/unit-cap").json
    assert city["government"]["name"] == CITY and city["unit_cap"] is None
    assert city["inherited"] == {"unit_cap": 0, "from": None} and city["effective"] == 0 and city["from"] is None
    got = put(ins, "lc_office", {"unit_cap": 1})
    assert (got["unit_cap"], got["effective"], got["from"]) == (1, 1, CITY)
    county = ins.c("gc_office").get("/api/v1/inspections/unit-cap").json
    assert county["government"]["name"] == COUNTY and county["unit_cap"] is None
    assert county["inherited"] == {"unit_cap": 1, "from": CITY} and (county["effective"], county["from"]) == (1, CITY)
    # the burden check of a county township applies the city's cap, and says whose it is
    row, caps = check(ins, "gc-t1", 3)
    assert (row["count"], row["cap"], row["cap_from"], row["level"]) == (0, 1, CITY, "reach")
    assert caps and caps[0]["needs_reason"] is False
    got = ins.create(targets=("gc-t1",), start_date=f"{Y}-03-01", end_date=f"{Y}-03-03")
    ins.act(got["id"], "gc_office", "open")
    row, [cap] = check(ins, "gc-t1", 5)
    assert (row["count"], row["level"], cap["needs_reason"]) == (1, "over", True)
    assert f"已达每个单位每年 1 次的上限（{CITY}设定）" in cap["text"], cap
    # the cap rule: opening another one needs an exception, the refusal names the city's setting
    second = ins.create(subject="农村饮水安全专项督查", targets=("gc-t1",), start_date=f"{Y}-05-01",
                        end_date=f"{Y}-05-03")
    r = ins.act(second["id"], "gc_office", "open", expect=409)
    assert "每个单位每年 1 次的上限" in r.error["message"] and f"{CITY}设定" in r.error["message"], r
    # the county overrides it for its own units; the other county keeps the city's
    got = put(ins, "gc_office", {"unit_cap": 3})
    assert (got["unit_cap"], got["effective"], got["from"]) == (3, 3, COUNTY)
    assert got["inherited"] == {"unit_cap": 1, "from": CITY}
    row, caps = check(ins, "gc-t1", 5)
    assert (row["cap"], row["cap_from"], row["level"], caps) == (3, COUNTY, "under", [])
    ins.act(second["id"], "gc_office", "open")  # under the county's own cap now
    row, _ = check(ins, "ap-t1", 5, user="ap_office")
    assert (row["cap"], row["cap_from"]) == (1, CITY)
    # the county drops its own: the city's applies again
    got = put(ins, "gc_office", {"inherit": True})
    assert (got["unit_cap"], got["effective"], got["from"]) == (None, 1, CITY)
    row, [cap] = check(ins, "gc-t1", 7)
    assert (row["count"], row["cap"], row["cap_from"], cap["needs_reason"]) == (2, 1, CITY, True)
    # audited with before and after
    recs = ins.c("admin").get("/api/v1/audit?action=inspection.unit_cap&limit=50").json["records"]
    mine = [(r["summary"]["before"]["unit_cap"], r["summary"]["after"]["unit_cap"]) for r in recs
            if r["object_type"] == "unit" and r["object_id"] == str(ins.unit("gc"))]
    assert sorted(mine, key=str) == sorted([(None, 3), (3, None)], key=str), mine


@pytest.mark.parametrize("body", [{}, {"unit_cap": -1}, {"unit_cap": 1001}, {"unit_cap": "三"},
                                  {"unit_cap": 2, "inherit": True}, {"inherit": False}])
def test_bad_input_names_the_field_and_changes_nothing(ins, body):
    before = ins.c("ap_office").get("/api/v1/inspections/unit-cap").json
    r = put(ins, "ap_office", body, expect=422)
    assert r.error.get("field") == "unit_cap", r
    assert "每个单位年度督查检查次数上限" in r.error["message"], r
    assert ins.c("ap_office").get("/api/v1/inspections/unit-cap").json == before


@pytest.mark.parametrize("user", ["gc_head", "gc_contact", "gc_principal", "gc_director", "admin"])
def test_only_an_office_reads_and_sets_it(ins, user):
    before = ins.c("gc_office").get("/api/v1/inspections/unit-cap").json
    assert ins.c(user).get("/api/v1/inspections/unit-cap").status == 403
    assert ins.c(user).put("/api/v1/inspections/unit-cap", {"unit_cap": 9}).status == 403
    assert ins.c("gc_office").get("/api/v1/inspections/unit-cap").json == before
