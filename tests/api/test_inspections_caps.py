"""The caps of the 2024 rules (DOMAIN.md §6, §10): an office's inspections in a year within last year's total
× the cap factor, and one comprehensive inspection of a place by a department a year — each refused with a
sentence that names the figures and the way out, or allowed by an exception the principal leader approves,
recorded. The annual plan's own workflow: proposals, compilation, approval, filing."""
import pytest

from insplib import YEAR, Insp

P = YEAR + 40  # a year of its own: its baseline is declared on its plan


@pytest.fixture(scope="module")
def ins(server):
    return Insp(server)


def propose(ins, plan, subject, kind="special", organiser="gc-jt", targets=("gc-t1",), user="gc_head", expect=201):
    body = {"subject": subject, "kind": kind, "methods": ["onsite"], "organiser_unit_id": ins.unit(organiser),
            "target_unit_ids": [ins.unit(t) for t in targets], "start_date": f"{plan['year']}-05-01",
            "end_date": f"{plan['year']}-05-20"}
    r = ins.c(user).post(f"/api/v1/plans/{plan['id']}/entries", body)
    assert r.status == expect, r
    return r.json if r.status == 201 else r


def pact(ins, pid, user, action, body=None, expect=200):
    r = ins.c(user).post(f"/api/v1/plans/{pid}/actions/{action}", body or {})
    assert r.status == expect, (action, r)
    return r


def caps(ins, year):
    r = ins.c("gc_office").get(f"/api/v1/inspections/caps?year={year}")
    assert r.status == 200, r
    return r.json


def test_the_plan_total_and_its_exception(ins):
    office = ins.c("gc_office")
    r = office.post("/api/v1/plans", {"year": P, "baseline": 4, "baseline_note": "上年纸质台账：督查检查4项"})
    assert r.status == 201, r
    plan = r.json
    assert office.post("/api/v1/plans", {"year": P}).status == 409
    assert ins.c("gc_head").post("/api/v1/plans", {"year": P + 1}).status == 403
    c = caps(ins, P)
    assert (c["baseline"], c["baseline_declared"], c["cap"], c["total"]) == (4, True, 2, 0)
    e = [propose(ins, plan, f"乡镇道路养护专项督查{i}", targets=(f"gc-t{i + 1}",)) for i in range(3)]
    # a department sees its own proposals; the office all of them
    assert len(ins.c("gc_head").get(f"/api/v1/plans/{plan['id']}").json["entries"]) == 3
    assert ins.c("gc_head2").get(f"/api/v1/plans/{plan['id']}").json["entries"] == []
    assert ins.c("gc_head2").get(f"/api/v1/plans/{plan['id']}").json["caps"] is None
    r = pact(ins, plan["id"], "gc_office", "submit", expect=409)
    assert "未处理" in r.error["message"]
    for x in e:
        pact(ins, plan["id"], "gc_office", "include_entry", {"entry_id": x["id"]})
    # the proposing department's head hears each decision; the message opens the plan
    told = [m for m in ins.c("gc_head").get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_type"] == "insp_entry" and m["object_id"] in {x["id"] for x in e}]
    assert len(told) == 3 and {m["link"] for m in told} == {f"/inspections/plans/{plan['id']}"}, told
    r = pact(ins, plan["id"], "gc_office", "submit", expect=409)
    m = r.error["message"]
    assert "超出年度督查总量上限" in m and "2 项" in m and "上年 4 项 × 0.5" in m and "exception_reason" in m
    got = pact(ins, plan["id"], "gc_office", "submit", {"exception_reason": "省委巡视反馈问题整改需要"}).json
    assert got["state"] == "submitted" and got["exceptions"][0]["state"] == "requested"
    assert pact(ins, plan["id"], "gc_office", "approve", expect=403).status == 403
    got = pact(ins, plan["id"], "gc_principal", "approve").json
    x = got["exceptions"][0]
    assert got["state"] == "approved" and x["state"] == "approved" and x["decided_by"] == "王建国"
    assert x["requested_by"] == "赵敏" and x["reason"] == "省委巡视反馈问题整改需要"
    got = pact(ins, plan["id"], "gc_office", "file").json
    assert got["state"] == "filed" and got["filed_to"] == "临川市人民政府"
    assert ins.c("lc_office").get(f"/api/v1/plans/{plan['id']}").status == 200
    assert ins.c("ap_office").get(f"/api/v1/plans/{plan['id']}").status == 404
    c = caps(ins, P)
    assert (c["planned"], c["total"], c["remaining"]) == (3, 3, -1)
    assert c["exceptions"][0]["rule"] == "total" and c["exceptions"][0]["state"] == "approved"
    propose(ins, plan, "迟到的建议", expect=409)

    # an inspection outside the plan is over the cap: refused, then approved with a recorded exception
    r = ins.create(start_date=f"{P}-06-01", end_date=f"{P}-06-10")
    oid = r["id"]
    r = ins.act(oid, "gc_office", "open", expect=409)
    assert "超出年度督查总量上限" in r.error["message"] and "报政府主要领导批准" in r.error["message"]
    r = ins.act(oid, "gc_office", "open", {"exception_reason": "不得自行例外"}, expect=409)
    r = ins.act(oid, "gc_office", "submit", expect=409)
    ins.act(oid, "gc_office", "submit", {"exception_reason": "群众反映强烈，县长要求立即督查"})
    assert ins.get(oid)["state"] == "proposed"
    got = ins.act(oid, "gc_principal", "approve").json
    assert got["state"] == "opened"
    c = caps(ins, P)
    assert c["unplanned"] == 1 and [x["object_type"] for x in c["exceptions"]] == ["plan", "inspection"]
    assert all(x["state"] == "approved" for x in c["exceptions"])

    # a planned inspection is opened from its entry without a new approval
    got = ins.create(basis="plan", plan_entry_id=e[0]["id"], subject=None, matters=None, kind=None, methods=None,
                     basis_ref=None, target_unit_ids=None, start_date=None, end_date=None)
    assert got["subject"] == "乡镇道路养护专项督查0" and got["plan_entry_id"] == e[0]["id"]
    assert "open" in got["allowed_actions"]
    assert ins.act(got["id"], "gc_office", "open").json["needs_filing"] is False
    assert caps(ins, P)["total"] == 4
    again = ins.create(basis="plan", plan_entry_id=e[0]["id"], subject=None, matters=None, kind=None, methods=None,
                       basis_ref=None, target_unit_ids=None, start_date=None, end_date=None, expect=409)
    assert "已开展督查" in again.error["message"]

    # next year's baseline comes from this year's record
    c = caps(ins, P + 1)
    assert (c["baseline"], c["baseline_declared"], c["cap"]) == (4, False, 2)


def test_a_leader_may_give_the_exception_when_approving(ins):
    year = P + 4
    r = ins.c("gc_office").post("/api/v1/plans", {"year": year, "baseline": 2})
    plan = r.json
    pact(ins, plan["id"], "gc_office", "submit")
    pact(ins, plan["id"], "gc_principal", "approve")
    a = ins.create(basis="proposal", basis_ref="", start_date=f"{year}-03-01", end_date=f"{year}-03-05")
    b = ins.create(start_date=f"{year}-03-01", end_date=f"{year}-03-05")
    ins.act(a["id"], "gc_office", "submit")  # within the cap (1) when asked
    ins.act(b["id"], "gc_office", "open")  # the one slot is taken meanwhile
    r = ins.act(a["id"], "gc_principal", "approve", expect=409)
    assert "请在批准时填写例外理由" in r.error["message"]
    got = ins.act(a["id"], "gc_principal", "approve", {"exception_reason": "防汛形势需要"}).json
    assert got["state"] == "opened"
    x = caps(ins, year)["exceptions"][-1]
    assert x["object_id"] == a["id"] and x["state"] == "approved" and x["reason"] == "防汛形势需要"


def test_one_comprehensive_inspection_of_a_place_by_a_department_a_year(ins):
    year = P + 8
    plan = ins.c("gc_office").post("/api/v1/plans", {"year": year}).json
    a = propose(ins, plan, "交通运输领域综合督查", kind="comprehensive", targets=("gc-t3",))
    b = propose(ins, plan, "交通运输工作综合督查（下半年）", kind="comprehensive", targets=("gc-t3", "gc-t4"))
    other = propose(ins, plan, "住建领域综合督查", kind="comprehensive", organiser="gc-zj", targets=("gc-t3",),
                    user="gc_head2")
    pact(ins, plan["id"], "gc_office", "include_entry", {"entry_id": a["id"]})
    r = pact(ins, plan["id"], "gc_office", "include_entry", {"entry_id": b["id"]}, expect=409)
    assert "同一部门对同一地方" in r.error["message"] and "交通运输领域综合督查" in r.error["message"]
    pact(ins, plan["id"], "gc_office", "include_entry", {"entry_id": other["id"]})  # another department
    pact(ins, plan["id"], "gc_office", "include_entry", {"entry_id": b["id"], "exception_reason": "上下半年分别检查不同内容"})
    pact(ins, plan["id"], "gc_office", "submit")
    pact(ins, plan["id"], "gc_principal", "return", {"reason": "综合督查过多，请压减"})
    got = ins.c("gc_office").get(f"/api/v1/plans/{plan['id']}").json
    assert got["state"] == "drafting"
    c = ins.c("gc_office").get(f"/api/v1/inspections/caps?year={year}").json
    assert [x["state"] for x in c["exceptions"]] == ["refused"]
    # an unplanned comprehensive inspection of the same place by the same department is refused too
    r = ins.create(kind="comprehensive", organiser_unit_ids=[ins.unit("gc-jt")], targets=("gc-t3",),
                   start_date=f"{year}-09-01", end_date=f"{year}-09-10", designation="县政府指定县交通局牵头")
    ins.act(r["id"], "gc_office", "submit", expect=409)


def test_the_plan_workflow_refusals(ins):
    year = P + 12
    plan = ins.c("gc_office").post("/api/v1/plans", {"year": year}).json
    e = propose(ins, plan, "城乡客运安全专项督查")
    assert ins.c("gc_head2").post(f"/api/v1/plans/{plan['id']}/entries/{e['id']}/withdraw").status == 404
    r = pact(ins, plan["id"], "gc_office", "include_entry", {"entry_id": 999999}, expect=422)
    assert "entry_id" in r.error["message"]
    r = pact(ins, plan["id"], "gc_office", "reject_entry", {"entry_id": e["id"]}, expect=422)
    assert "reason" in r.error["message"]
    got = ins.c("gc_head").post(f"/api/v1/plans/{plan['id']}/entries/{e['id']}/withdraw")
    assert got.status == 200 and got.json["counts"]["withdrawn"] == 1
    r = pact(ins, plan["id"], "gc_office", "file", expect=409)
    assert "只能在" in r.error["message"]
    bad = {"subject": "x1", "kind": "special", "methods": ["onsite"], "organiser_unit_id": ins.unit("gc-jt"),
           "target_unit_ids": [ins.unit("gc-t1")], "start_date": f"{year + 1}-01-02", "end_date": f"{year + 1}-01-05"}
    r = ins.c("gc_head").post(f"/api/v1/plans/{plan['id']}/entries", bad)
    assert r.status == 422 and str(year) in r.error["message"]
    bad.update(start_date=f"{year}-01-02", end_date=f"{year}-01-05", organiser_unit_id=ins.unit("gc-zj"))
    assert ins.c("gc_head").post(f"/api/v1/plans/{plan['id']}/entries", bad).status == 404  # not its unit


def test_proposals_sent_at_once_all_reach_the_plan(ins):
    """Departments proposing at the same moment to a plan that has none yet: each proposal is kept and the office
    gets one to-do per proposal besides compiling the plan. (On PostgreSQL a proposal that read the plan's pending
    proposals after another one committed, but its to-dos before, inserted that one's to-do again and was answered
    409 "与已有记录重复"; the plan's row is now locked before it is loaded.)"""
    from concurrent.futures import ThreadPoolExecutor
    heads = [ins.server.client("gc_head") for _ in range(6)]
    for round_ in range(4):
        year = P + 20 + round_
        plan = ins.c("gc_office").post("/api/v1/plans", {"year": year}).json
        body = {"kind": "special", "methods": ["onsite"], "organiser_unit_id": ins.unit("gc-jt"),
                "target_unit_ids": [ins.unit("gc-t1")], "start_date": f"{year}-05-01", "end_date": f"{year}-05-20"}
        with ThreadPoolExecutor(max_workers=len(heads)) as pool:
            got = list(pool.map(lambda k: heads[k].post(f"/api/v1/plans/{plan['id']}/entries",
                                                        dict(body, subject=f"并发提名{round_}-{k}")), range(len(heads))))
        assert [r.status for r in got] == [201] * len(heads), [r.error for r in got if r.status != 201]
        now = ins.c("gc_office").get(f"/api/v1/plans/{plan['id']}").json
        assert now["counts"]["proposed"] == len(heads)
        todos = ins.c("gc_office").get("/api/v1/todos?kind=plan&limit=200").json["todos"]
        mine = sorted((t["task"], (t.get("part") or {}).get("id", 0)) for t in todos if t["object_id"] == plan["id"])
        assert mine == [("compile", 0)] + sorted(("decide_entry", e.json["id"]) for e in got), mine


def test_settings_are_the_top_administrators(ins):
    assert ins.c("gc_admin").put("/api/v1/inspections/settings", {"cap_factor": "0.8"}).status == 403
    assert ins.c("admin").put("/api/v1/inspections/settings", {"cap_factor": "abc"}).status == 422
    r = ins.c("admin").put("/api/v1/inspections/settings", {"cap_factor": "0.8"})
    assert r.status == 200 and r.json["cap_factor"] == 0.8
    assert caps(ins, P + 1)["cap"] == 3
    ins.c("admin").put("/api/v1/inspections/settings", {"cap_factor": "0.5"})
    audit = ins.c("admin").get("/api/v1/audit?action=inspection.settings").json["records"]
    assert audit and audit[0]["actor"] == "admin"
