"""No duplication (能合尽合): true overlaps are found — the same target unit, an overlapping window, a like
subject and matters, in this office and in the offices above and below the user may see — and unrelated
ones are not: another unit, another time, another subject, a withdrawn one, one the user may not see."""
import pytest

from insplib import Insp, yday


@pytest.fixture(scope="module")
def ins(server):
    return Insp(server)


@pytest.fixture(scope="module")
def base(ins):
    return ins.create(subject="城区燃气安全专项督查", matters="燃气管网隐患排查整治，餐饮场所燃气报警装置安装",
                      start_date=yday(3, 2), end_date=yday(3, 20))


def check(ins, user="gc_office", subject="城区燃气管网安全隐患督查", units=("gc-jt",), start=yday(3, 10), end=yday(3, 31),
          matters="排查燃气管网隐患", **extra):
    body = {"subject": subject, "matters": matters, "target_unit_ids": [ins.unit(u) for u in units],
            "start_date": start, "end_date": end, **extra}
    r = ins.c(user).post("/api/v1/inspections/duplicates", body)
    assert r.status == 200, r
    return {(d["kind"], d["id"]): d for d in r.json["duplicates"]}


def test_a_true_overlap_is_found_with_a_proposal(ins, base):
    got = check(ins, office_unit_id=ins.unit("gc"))
    d = got[("inspection", base["id"])]
    assert d["proposal"] == "merge" and 0.35 <= d["similarity"] <= 1
    assert d["common_units"] == [{"id": ins.unit("gc-jt"), "name": "古城县交通运输局"}]
    assert d["link"] == f"/inspections/{base['id']}"


def test_unrelated_ones_are_not(ins, base):
    assert ("inspection", base["id"]) not in check(ins, units=("gc-zj",))  # another unit
    assert ("inspection", base["id"]) not in check(ins, start=yday(4, 1), end=yday(4, 10))  # another time
    assert ("inspection", base["id"]) not in check(ins, subject="农村饮水安全专项督查", matters="水质检测和供水设施维护")
    assert ("inspection", base["id"]) in check(ins, start=yday(2, 1), end=yday(3, 2))  # touching windows overlap


def test_only_what_the_user_may_see(ins, base):
    # the draft of 古城县 is not the 住建局's business, nor 安平县's
    assert ("inspection", base["id"]) not in check(ins, user="gc_head2")
    assert check(ins, user="ap_office") == {}
    assert ins.c("gc_office").post("/api/v1/inspections/duplicates", {"subject": "x"}).status == 422


def test_a_withdrawn_one_leaves_the_index(ins):
    other = ins.create(subject="城区燃气安全排查督查", targets=("gc-t5",))
    assert ("inspection", other["id"]) in check(ins, units=("gc-t5",))
    ins.act(other["id"], "gc_office", "withdraw", {"reason": "重复"})
    assert ("inspection", other["id"]) not in check(ins, units=("gc-t5",))


def test_offices_above_and_below(ins, base):
    """The city office sees the county's inspections of its units (below: join them) and its own (merge); the
    county does not see a draft of the city."""
    city = ins.c("lc_office")
    r = city.post("/api/v1/inspections", {"subject": "全市燃气安全专项督查", "matters": "燃气管网隐患排查整治",
                                          "kind": "special", "methods": ["onsite"], "basis": "decision",
                                          "basis_ref": "临川市政府常务会议", "target_unit_ids": [ins.unit("gc-jt")],
                                          "start_date": yday(3, 5), "end_date": yday(3, 25)})
    assert r.status == 201, r
    cid = r.json["id"]
    assert {d["id"]: d["proposal"] for d in r.json["duplicates"]}[base["id"]] == "join"
    got = check(ins, user="lc_office", office_unit_id=ins.unit("lc"))
    assert got[("inspection", cid)]["proposal"] == "merge" and got[("inspection", base["id"])]["proposal"] == "join"
    assert got[("inspection", base["id"])]["office"] == "古城县人民政府"
    assert ("inspection", cid) not in check(ins)


def test_plan_entries_are_found_too(ins):
    year = int(yday(1, 1)[:4])
    r = ins.c("gc_office").post("/api/v1/plans", {"year": year})
    assert r.status == 201, r
    plan = r.json
    body = {"subject": "城区燃气安全检查", "matters": "燃气管网隐患排查", "kind": "special", "methods": ["onsite"],
            "organiser_unit_id": ins.unit("gc-zj"), "target_unit_ids": [ins.unit("gc-t6")],
            "start_date": yday(6, 1), "end_date": yday(6, 30)}
    e = ins.c("gc_head2").post(f"/api/v1/plans/{plan['id']}/entries", body).json
    second = ins.c("gc_office").post(f"/api/v1/plans/{plan['id']}/entries", dict(body, organiser_unit_id=ins.unit("gc"),
                                                                                   subject="城区燃气安全专项检查"))
    assert second.status == 201
    dup = {d["id"]: d for d in second.json["duplicates"]}
    assert dup[e["id"]]["kind"] == "entry" and dup[e["id"]]["proposal"] == "merge"
    got = check(ins, units=("gc-t6",), start=yday(6, 15), end=yday(7, 15))
    assert ("entry", e["id"]) in got and got[("entry", e["id"])]["organiser"] == "古城县住房和城乡建设局"
