"""A unit's burden counted up the tree (减负, issue 12): 督查检查考核 addressed to a unit's government reach its
departments and townships — they report, supply the materials and receive the team (Jilin 000: 切实减轻基层接待负担;
Gu County 003: 尽量避免同一时间内对同一对象开展督查工作). So the city's inspection of 古城县人民政府 counts for each
of the county's departments, in the cap check (and its refusal) and in the burden index, by the city as issuer; an
inspection naming the unit and its government counts once; a covert visit not before its findings are issued;
another county's or a sibling's inspection does not count."""
import pytest

from conftest import uniq
from insplib import YEAR, Insp, burden_check, new_department

Y = YEAR + 21  # a year of its own: nobody else's inspections count


@pytest.fixture(scope="module")
def ins(server):
    ins = Insp(server)
    lc = ins.unit("lc")
    for name, role in (("lc_principal_bt", "principal"), ("lc_inspector_bt", "inspector")):
        r = ins.c("admin").post("/api/v1/users", {"username": name, "name": f"市{role}", "unit_id": lc,
                                                  "password": "Demo2026", "must_change_password": False,
                                                  "roles": [{"role": role, "unit_id": lc}]})
        assert r.status == 201, r
    return ins


def d(month, dom):
    return f"{Y}-{month:02d}-{dom:02d}"


def new_unit(ins, parent="gc"):
    return new_department(ins, "bt", "上溯测试局", parent)


def opened(ins, targets, start, end, user="gc_office", **kw):
    got = ins.create(subject=kw.pop("subject", f"专项督查{uniq()}"), targets=targets, start_date=start, end_date=end,
                     user=user, **kw)
    ins.act(got["id"], user, "open")
    return ins.get(got["id"], user=user)


def started(ins, targets, start, end):
    """The city's inspection of targets, started (announced to them): the burden index counts it from then on."""
    got = opened(ins, targets, start, end, user="lc_office", basis_ref="临川市人民政府常务会议纪要")
    ins.team(got["id"], leader="lc_inspector_bt", members=(), user="lc_office")
    ins.act(got["id"], "lc_office", "submit_scheme")
    ins.act(got["id"], "lc_principal_bt", "approve_scheme")
    ins.act(got["id"], "lc_office", "start")
    return ins.get(got["id"], user="lc_office")


def count(ins, unit_id, user="gc_office"):
    body = {"target_unit_ids": [unit_id], "start_date": d(12, 1), "end_date": d(12, 2)}
    return burden_check(ins.c(user), body)["units"][0]["count"]


def burden_row(ins, unit_id, user="gc_office"):
    r = ins.c(user).get(f"/api/v1/burden?year={Y}")
    assert r.status == 200, r
    [row] = [u for u in r.json["units"] if u["unit_id"] == unit_id]
    return row


def test_an_inspection_of_the_county_reaches_its_departments(ins):
    u = new_unit(ins)
    sibling = new_unit(ins)
    assert count(ins, u["id"]) == 0 and burden_row(ins, u["id"])["inspections"] == 0
    # the city inspects the county government: each of its departments receives it
    started(ins, ("gc",), d(3, 2), d(3, 9))
    assert count(ins, u["id"]) == 1 and count(ins, sibling["id"]) == 1
    row = burden_row(ins, u["id"])
    assert row["inspections"] == 1, row
    [by] = row["by_issuer"]
    assert by["issuer"] == "临川市人民政府" and by["inspections"] == 1, row
    # one naming the unit and its government counts once; one naming the sibling alone does not count for it
    started(ins, ("gc", u["code"]), d(4, 2), d(4, 9))
    started(ins, (sibling["code"],), d(5, 2), d(5, 9))
    assert count(ins, u["id"]) == 2 and burden_row(ins, u["id"])["inspections"] == 2
    assert count(ins, sibling["id"]) == 3 and burden_row(ins, sibling["id"])["inspections"] == 3
    # another county's inspection reaches none of 古城县's units
    started(ins, ("ap",), d(6, 2), d(6, 9))
    assert count(ins, u["id"]) == 2 and burden_row(ins, u["id"])["inspections"] == 2
    # the city's own check of the county's unit says the same
    assert count(ins, u["id"], user="lc_office") == 2


def test_a_covert_visit_of_the_county_is_not_counted_before_its_findings(ins):
    u = new_unit(ins)
    before = count(ins, u["id"]), burden_row(ins, u["id"])["inspections"]  # the county's inspections this year
    covert = opened(ins, ("gc",), d(7, 2), d(7, 9), user="lc_office", basis_ref="临川市人民政府常务会议纪要",
                    methods=["onsite", "covert"])
    assert covert["covert"] is True
    assert (count(ins, u["id"]), burden_row(ins, u["id"])["inspections"]) == before


def test_the_cap_counts_what_reaches_the_unit(ins):
    u = new_unit(ins)
    opened(ins, ("gc",), d(8, 2), d(8, 9), user="lc_office", basis_ref="临川市人民政府常务会议纪要")
    n = count(ins, u["id"])  # nothing names the new unit: all of it reached it through the county
    assert n >= 1
    r = ins.c("admin").put("/api/v1/inspections/settings", {"unit_cap": n})
    assert r.status == 200, r
    try:
        draft = ins.create(targets=(u["code"],), start_date=d(9, 1), end_date=d(9, 5))
        [w] = [w for w in draft["burden_warnings"] if w["kind"] == "cap"]
        assert w["count"] == n and w["needs_reason"] is True and u["name"] in w["text"], w
        r = ins.act(draft["id"], "gc_office", "open", expect=409)
        assert f"{u['name']}{Y}年已接受督查检查 {n} 次" in r.error["message"], r
        assert ins.get(draft["id"])["state"] == "draft"  # nothing changed
    finally:
        assert ins.c("admin").put("/api/v1/inspections/settings", {"unit_cap": 0}).status == 200
