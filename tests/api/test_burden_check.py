"""Warnings to the issuer before an inspection reaches a unit (减负, DOMAIN.md §9; Gu County 003 (五): 尽量避免同一时间
内对同一对象开展督查工作): each target unit's inspections this year from every issuer against the per-unit cap
(settings unit_cap), and the other inspections and plan entries on it whose window overlaps, named when the issuer
may read them and only 「其他督查机构」 otherwise, never a covert visit it may not see. Crossing the cap needs an
exception with a reason that the principal leader approves (rule `unit` of the caps), recorded and audited."""
import pytest

from insplib import YEAR, Insp, burden_check, cap_setting_checked, refuses_fields

Y = YEAR + 20  # a year of its own: nobody else's inspections count
CAP = 2


@pytest.fixture(scope="module")
def ins(server):
    ins = Insp(server)
    r = ins.c("admin").put("/api/v1/inspections/settings", {"unit_cap": CAP})
    assert r.status == 200 and r.json["unit_cap"] == CAP, r
    return ins


def d(month, dom):
    return f"{Y}-{month:02d}-{dom:02d}"


def check(ins, units, start, end, user="gc_office", expect=200, **extra):
    body = {"target_unit_ids": [ins.unit(u) for u in units], "start_date": start, "end_date": end, **extra}
    return burden_check(ins.c(user), body, expect)


def opened(ins, unit, start, end, subject="城区燃气安全专项督查", **kw):
    got = ins.create(subject=subject, targets=(unit,), start_date=start, end_date=end, **kw)
    ins.act(got["id"], "gc_office", "open")
    return ins.get(got["id"])


def caps_of(w):
    return [x for x in w["warnings"] if x["kind"] == "cap"]


def overlaps(w):
    return [x for x in w["warnings"] if x["kind"] == "overlap"]


def test_the_setting_is_checked_and_audited(ins):
    cap_setting_checked(ins, "unit_cap", CAP, (-1, 1001, "三"), "每个单位年度督查检查次数上限")


def test_under_the_cap_no_warning_at_the_cap_a_warning_naming_the_unit_and_count(ins):
    got = check(ins, ["gc-t1"], d(3, 1), d(3, 5))
    assert got["unit_cap"] == CAP and got["year"] == Y
    assert got["units"] == [{"unit_id": ins.unit("gc-t1"), "unit": got["units"][0]["unit"], "count": 0, "cap": CAP,
                             "cap_from": None, "level": "under"}]
    assert got["warnings"] == []
    name = got["units"][0]["unit"]
    opened(ins, "gc-t1", d(3, 1), d(3, 5))
    got = check(ins, ["gc-t1"], d(5, 1), d(5, 5))  # another time: no overlap, one short of the cap
    assert got["units"][0]["count"] == 1 and got["units"][0]["level"] == "reach"
    [w] = got["warnings"]
    assert w["kind"] == "cap" and w["needs_reason"] is False and "将达到" in w["text"] and name in w["text"]
    opened(ins, "gc-t1", d(4, 1), d(4, 5), subject="农村饮水安全专项督查")
    got = check(ins, ["gc-t1"], d(5, 1), d(5, 5))
    [w] = caps_of(got)
    assert (w["unit"], w["count"], w["cap"], w["needs_reason"]) == (name, 2, CAP, True), w
    assert f"{name}{Y}年已接受督查检查 2 次" in w["text"] and "例外理由" in w["text"]
    # a draft, a withdrawn one and another year do not count
    ins.create(targets=("gc-t1",), start_date=d(6, 1), end_date=d(6, 5))
    assert check(ins, ["gc-t1"], d(5, 1), d(5, 5))["units"][0]["count"] == 2
    assert check(ins, ["gc-t1"], f"{Y + 1}-05-01", f"{Y + 1}-05-05")["units"][0]["count"] == 0


def test_crossing_the_cap_needs_a_reason_the_principal_approves(ins):
    for i in range(CAP):
        opened(ins, "gc-t2", d(2 + i, 1), d(2 + i, 3), subject=f"安全生产专项督查{i}")
    third = ins.create(targets=("gc-t2",), start_date=d(8, 1), end_date=d(8, 5))
    assert [w["kind"] for w in third["burden_warnings"]] == ["cap"]  # the draft's answer warns already
    r = ins.act(third["id"], "gc_office", "open", expect=409)
    name = third["targets"][0]["name"]
    assert f"{name}{Y}年已接受督查检查 2 次" in r.error["message"] and "每个单位每年 2 次的上限" in r.error["message"], r
    assert ins.get(third["id"])["state"] == "draft"  # nothing changed
    ins.act(third["id"], "gc_office", "submit", expect=409)
    ins.act(third["id"], "gc_office", "submit", {"exception_reason": "群众反映强烈，须立即督查"})
    # the principal leader sees the exception on the inspection when approving
    got = ins.get(third["id"], user="gc_principal")
    assert got["state"] == "proposed"
    [x] = [x for x in got["exceptions"] if x["rule"] == "unit"]
    assert x["state"] == "requested" and x["reason"] == "群众反映强烈，须立即督查" and name in x["detail"]
    assert ins.act(third["id"], "gc_principal", "approve").json["state"] == "opened"
    [x] = [x for x in ins.get(third["id"])["exceptions"] if x["rule"] == "unit"]
    assert x["state"] == "approved" and x["decided_by"]
    recs = ins.c("admin").get(f"/api/v1/audit?object_type=inspection&object_id={third['id']}&limit=50").json["records"]
    assert "inspection.exception_request" in [r["action"] for r in recs]


def test_a_plan_entry_at_the_cap(ins):
    for i in range(CAP):
        opened(ins, "gc-t3", d(2 + i, 10), d(2 + i, 12), subject=f"河道治理专项督查{i}")
    plan = ins.c("gc_office").post("/api/v1/plans", {"year": Y}).json
    body = {"subject": "乡镇财政资金专项检查", "kind": "special", "methods": ["onsite"], "organiser_unit_id": ins.unit("gc-jt"),
            "target_unit_ids": [ins.unit("gc-t3")], "start_date": d(9, 1), "end_date": d(9, 10)}
    r = ins.c("gc_head").post(f"/api/v1/plans/{plan['id']}/entries", body)
    assert r.status == 201, r
    assert [w["kind"] for w in r.json["burden_warnings"]] == ["cap"]
    entry = r.json["id"]
    r = ins.c("gc_office").post(f"/api/v1/plans/{plan['id']}/actions/include_entry", {"entry_id": entry})
    assert r.status == 409 and "已接受督查检查 2 次" in r.error["message"], r
    r = ins.c("gc_office").post(f"/api/v1/plans/{plan['id']}/actions/include_entry",
                                {"entry_id": entry, "exception_reason": "审计发现问题须专项检查"})
    assert r.status == 200, r
    got = ins.c("gc_office").get(f"/api/v1/inspections/caps?year={Y}").json
    assert [(x["rule"], x["object_type"], x["object_id"], x["state"]) for x in got["exceptions"]
            if x["rule"] == "unit" and x["object_type"] == "entry"] == [("unit", "entry", entry, "requested")]
    # an included entry counts for the unit's year
    assert check(ins, ["gc-t3"], d(11, 1), d(11, 2))["units"][0]["count"] == CAP + 1


def test_an_overlap_names_the_other_issuer_and_dates(ins):
    county = opened(ins, "gc-t4", d(3, 2), d(3, 20))
    # the city office plans its own inspection of the same township in an overlapping window
    got = check(ins, ["gc-t4"], d(3, 10), d(3, 31), user="lc_office")
    [w] = overlaps(got)
    assert w["visible"] is True and w["id"] == county["id"] and w["object"] == "inspection"
    assert w["issuer"] == county["organisers"][0]["name"] and county["subject"] in w["subject"]
    assert (w["start_date"], w["end_date"]) == (d(3, 2), d(3, 20)) and w["unit_id"] == ins.unit("gc-t4")
    assert "联合督查" in w["text"] and d(3, 2) in w["text"] and w["link"] == f"/inspections/{county['id']}"
    # no overlap: another time, or the inspection itself
    assert overlaps(check(ins, ["gc-t4"], d(3, 21), d(3, 31), user="lc_office")) == []
    assert overlaps(check(ins, ["gc-t4"], d(3, 10), d(3, 31), exclude_inspection_id=county["id"])) == []


def test_what_the_issuer_may_not_read_is_only_another_office(ins):
    # the city's plan entry on a county township: the county's office does not read the city's plan
    plan = ins.c("lc_office").post("/api/v1/plans", {"year": Y}).json
    r = ins.c("lc_office").post(f"/api/v1/plans/{plan['id']}/entries", {
        "subject": "全市耕地保护专项督查", "kind": "special", "methods": ["onsite"], "organiser_unit_id": ins.unit("lc"),
        "target_unit_ids": [ins.unit("gc-t5")], "start_date": d(7, 1), "end_date": d(7, 20)})
    assert r.status == 201, r
    [w] = overlaps(check(ins, ["gc-t5"], d(7, 10), d(7, 12)))
    assert w["visible"] is False and w["issuer"] == "其他督查机构" and (w["start_date"], w["end_date"]) == (d(7, 1), d(7, 20))
    assert "subject" not in w and "id" not in w and "耕地" not in w["text"] and "临川" not in w["text"], w
    # the city itself sees its entry by name
    [w] = overlaps(check(ins, ["gc-t5"], d(7, 10), d(7, 12), user="lc_office"))
    assert w["visible"] is True and "耕地保护" in w["subject"]
    assert w["link"] == f"/inspections/plans/{plan['id']}", w  # the plan's page in the app (/plans/N is none)
    # another county's office learns of the county's own inspection only as another office
    county = opened(ins, "gc-t6", d(10, 1), d(10, 9), subject="秸秆禁烧专项督查")
    [w] = overlaps(check(ins, ["gc-t6"], d(10, 5), d(10, 6), user="ap_office"))
    assert w["issuer"] == "其他督查机构" and "秸秆" not in w["text"] and "id" not in w
    assert overlaps(check(ins, ["gc-t6"], d(10, 5), d(10, 6)))[0]["id"] == county["id"]


def test_a_covert_visit_is_never_told(ins):
    covert = opened(ins, "gc-zj", d(11, 3), d(11, 9), subject="工程招投标暗访", methods=["onsite", "covert"])
    got = check(ins, ["gc-zj"], d(11, 1), d(11, 30), user="ap_office")
    assert got["warnings"] == [] and got["units"][0]["count"] == 0
    # the office that runs it sees it among the overlaps
    assert [w["id"] for w in overlaps(check(ins, ["gc-zj"], d(11, 1), d(11, 30)))] == [covert["id"]]


def test_bad_input(ins):
    one = ins.unit("gc-t1")
    refuses_fields(ins.c("gc_office"), "/api/v1/inspections/burden-check", (
        ({"start_date": d(1, 1), "end_date": d(1, 2)}, "target_unit_ids"),
        ({"target_unit_ids": [one], "start_date": "2026-13-01", "end_date": d(1, 2)}, "start_date"),
        ({"target_unit_ids": [one], "start_date": d(3, 2), "end_date": d(3, 1)}, "end_date"),
        ({"target_unit_ids": [99999999], "start_date": d(3, 1), "end_date": d(3, 2)}, "target_unit_ids")))
