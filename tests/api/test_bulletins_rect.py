"""A bulletin's inspections and rectification (督查检查和整改, issue 12): the inspections whose findings were
issued in the period to a unit in the scope, and the rectification tasks of the scope's units — assigned in the
period, all assigned before its end, verified by its end, overdue — each figure equal to a recount from the
inspections and tasks as the API shows them, for the government and for one unit's scope; the PDF says them;
a task verified between drafting and issue refuses the issue, naming the figure. The inspections' findings per
inspected unit (each target in the scope with its findings and their rectification state) equal a recount from
the inspections and tasks; the PDF lists them; a finding verified meanwhile refuses the issue, naming the unit."""
import datetime

import pytest

from docs_util import pdf_text
from conftest import Server
from insplib import Insp
from itemlib import pinned_clock

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def local(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(BEIJING).date().isoformat() \
        if iso else None


@pytest.fixture(scope="module")
def ins(backend):
    """On a server whose clock is pinned (itemlib.pinned_clock), so that the findings issued today are issued on
    the day the tests count as today (ins.today()), also when the run crosses Beijing midnight (16:00 UTC).
    Three inspections of 交通运输局 with their findings issued today: one task verified, two open. A fourth of
    交通运输局, 住建局 and 水利局: two findings of 住建局 and one of 交通运输局, none of 水利局."""
    clock = pinned_clock()
    server = Server(backend.new_db(), clock=clock)
    i = Insp(server, clock=clock)
    done = i.bring("findings_issued", subject="城区燃气安全专项督查（通报测试一）")
    i.bring("findings_issued", subject="城区燃气安全专项督查（通报测试二）")
    i.bring("findings_issued", subject="城区燃气安全专项督查（通报测试三）")
    i.finish_task(i.tasks(done["id"])[0]["id"])
    four = i.bring("in_progress", subject="城镇老旧小区改造联合督查（通报测试四）", targets=("gc-jt", "gc-zj", "gc-sw"))
    i.finding(four["id"], unit="gc-zj", title="改造项目施工围挡不规范")
    i.finding(four["id"], unit="gc-zj", title="雨污分流管网验收资料缺失")
    i.finding(four["id"], unit="gc-jt", title="小区出入口交通标志缺失")
    i.act(four["id"], "gc_inspector", "submit_findings")
    i.act(four["id"], "gc_office", "issue_findings")
    yield i
    server.stop()


def recount(ins, period_from, period_to, scope_code="gc"):
    c = ins.c("gc_office")
    scope = c.get(f"/api/v1/units/{ins.unit(scope_code)}").json["path"]
    today = ins.today().isoformat()
    as_of = min(period_to, today)

    def inside(unit_id):
        return c.get(f"/api/v1/units/{unit_id}").json["path"].startswith(scope)

    tasks = []
    page = 1
    while True:
        r = c.get(f"/api/v1/rectifications?per_page=200&page={page}").json
        tasks += r["tasks"]
        if len(r["tasks"]) < 200:
            break
        page += 1
    tasks = [t for t in tasks if t["state"] != "withdrawn" and inside(t["unit"]["id"])
             and local(t["created_at"]) <= period_to]
    verified = [t for t in tasks if t["state"] == "verified" and local(t["verified_at"]) <= as_of]
    insps = c.get("/api/v1/inspections?per_page=200&year=0").json["inspections"]
    insps += c.get(f"/api/v1/inspections?per_page=200&year={int(today[:4]) - 1}").json["inspections"]
    count = 0
    for x in {x["id"]: x for x in insps}.values():
        full = c.get(f"/api/v1/inspections/{x['id']}").json
        if full["findings_issued_at"] and period_from <= local(full["findings_issued_at"]) <= period_to \
                and any(inside(t["unit_id"]) for t in full["targets"]):
            count += 1
    return {"inspections": count, "assigned": sum(period_from <= local(t["created_at"]) for t in tasks),
            "tasks": len(tasks), "verified": len(verified),
            "overdue": sum(t["due_date"] < as_of and t not in verified for t in tasks),
            "rate": round(len(verified) * 100 / len(tasks)) if tasks else None}


def recount_findings(ins, period_from, period_to, scope_code="gc"):
    """Per inspected unit in the scope — of the inspections whose findings were issued in the period — its
    inspections and its findings (the tasks not withdrawn) by rectification state at the period's end (or today)."""
    c = ins.c("gc_office")
    scope = c.get(f"/api/v1/units/{ins.unit(scope_code)}").json["path"]
    today = ins.today().isoformat()
    as_of = min(period_to, today)
    paths = {}

    def inside(unit_id):
        if unit_id not in paths:
            paths[unit_id] = c.get(f"/api/v1/units/{unit_id}").json
        return paths[unit_id]["path"].startswith(scope)

    insps = c.get("/api/v1/inspections?per_page=200&year=0").json["inspections"]
    insps += c.get(f"/api/v1/inspections?per_page=200&year={int(today[:4]) - 1}").json["inspections"]
    units, listed = {}, []
    for x in sorted({x["id"]: x for x in insps}.values(), key=lambda x: x["id"]):
        full = c.get(f"/api/v1/inspections/{x['id']}").json
        if not (full["findings_issued_at"] and period_from <= local(full["findings_issued_at"]) <= period_to):
            continue
        for t in full["targets"]:
            if inside(t["unit_id"]):
                u = units.setdefault(t["unit_id"], {"inspections": 0, "findings": 0, "verified": 0, "overdue": 0,
                                                    "rectifying": 0})
                u["inspections"] += 1
        for t in ins.tasks(x["id"]):
            if t["state"] == "withdrawn" or not inside(t["unit"]["id"]):
                continue
            state = "verified" if t["state"] == "verified" and local(t["verified_at"]) <= as_of \
                else "overdue" if t["due_date"] < as_of else "rectifying"
            u = units.setdefault(t["unit"]["id"], {"inspections": 0, "findings": 0, "verified": 0, "overdue": 0,
                                                   "rectifying": 0})
            u["findings"] += 1
            u[state] += 1
            listed.append((t["unit"]["id"], t["title"], t["due_date"], state))
    return units, sorted(listed)


def test_findings_per_unit_equal_a_recount(ins, tmp_path):
    o = ins.c("gc_office")
    today = ins.today()
    for since, scope in ((30, "gc"), (0, "gc-zj"), (360, "gc-jt"), (30, "gc-sw")):
        frm = (today - datetime.timedelta(days=since)).isoformat()
        r = o.post("/api/v1/bulletins", {"period_from": frm, "period_to": today.isoformat(),
                                         "scope_unit_id": ins.unit(scope)})
        assert r.status == 201, r
        rc = r.json["figures"]["rectification"]
        units, listed = recount_findings(ins, frm, today.isoformat(), scope)
        got = {u["unit_id"]: {k: u[k] for k in ("inspections", "findings", "verified", "overdue", "rectifying")}
               for u in rc["units"]}
        assert got == units, (since, scope, got, units)
        assert sorted((f["unit_id"], f["title"], f["due_date"], f["state"]) for f in rc["findings"]) == listed
        assert sum(u["findings"] for u in rc["units"]) == len(rc["findings"])
    # the joint inspection: 住建局 two findings, 水利局 inspected with none
    rc = o.post("/api/v1/bulletins", {"period_from": today.isoformat(), "period_to": today.isoformat()}).json
    rc = rc["figures"]["rectification"]
    by = {u["unit_id"]: u for u in rc["units"]}
    assert by[ins.unit("gc-zj")]["findings"] == 2 and by[ins.unit("gc-sw")]["findings"] == 0
    assert by[ins.unit("gc-sw")]["inspections"] == 1 and by[ins.unit("gc-jt")]["inspections"] >= 4
    assert by[ins.unit("gc-jt")]["verified"] >= 1
    names = [u["name"] for u in rc["units"]]
    assert names.index("古城县交通运输局") >= 0 and "古城县水利局" in names


def test_rectification_figures_equal_a_recount(ins):
    o = ins.c("gc_office")
    today = ins.today()
    for since, scope in ((30, "gc"), (0, "gc-jt"), (360, "gc"), (30, "gc-zj")):
        frm = (today - datetime.timedelta(days=since)).isoformat()
        r = o.post("/api/v1/bulletins", {"period_from": frm, "period_to": today.isoformat(),
                                         "scope_unit_id": ins.unit(scope)})
        assert r.status == 201, r
        got = {k: v for k, v in r.json["figures"]["rectification"].items()
               if k not in ("units", "findings", "criticisms")}  # the criticisms': test_bulletin_criticisms
        assert got == recount(ins, frm, today.isoformat(), scope), (since, scope, got)
        if scope in ("gc", "gc-jt"):
            assert got["inspections"] >= 3 and got["assigned"] >= 3 and got["verified"] >= 1, got
            assert got["rate"] == round(got["verified"] * 100 / got["tasks"]), got


def test_the_pdf_says_them_and_a_change_refuses_the_issue(ins, tmp_path):
    o, principal = ins.c("gc_office"), ins.c("gc_principal")
    today = ins.today().isoformat()
    b = o.post("/api/v1/bulletins", {"period_from": today[:8] + "01", "period_to": today,
                                     "scope_unit_id": ins.unit("gc-jt")}).json
    rc = b["figures"]["rectification"]
    pdf = o.get(f"/api/v1/bulletins/{b['id']}/document.pdf")
    assert pdf.status == 200
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf.raw)
    text = pdf_text(str(path)).replace(" ", "").replace("\n", "")
    assert "督查检查和整改情况" in text
    assert f"累计交办整改任务{rc['tasks']}项，已核查销号{rc['verified']}项" in text, text
    # the findings per inspected unit, and each finding with its state
    jt = next(u for u in rc["units"] if u["name"] == "古城县交通运输局")
    assert f"{len(rc['units'])}个被督查单位共有督查发现问题{sum(u['findings'] for u in rc['units'])}个" in text, text
    assert "被督查单位" in text and "督查发现的问题" in text and "小区出入口交通标志缺失" in text, text
    assert f"古城县交通运输局{jt['inspections']}{jt['findings']}{jt['verified']}{jt['rectifying']}{jt['overdue']}" \
        in text, text
    assert "已整改销号" in text and "整改中" in text
    assert o.post(f"/api/v1/bulletins/{b['id']}/actions/submit", {}).status == 200
    assert principal.post(f"/api/v1/bulletins/{b['id']}/actions/approve", {}).status == 200
    # a task is verified meanwhile: the figures no longer hold
    open_task = next(t for t in o.get("/api/v1/rectifications?per_page=200").json["tasks"]
                     if t["state"] == "assigned" and t["unit"]["code"] == "gc-jt")
    ins.finish_task(open_task["id"])
    r = o.post(f"/api/v1/bulletins/{b['id']}/actions/issue", {})
    assert r.status == 409 and "已核查销号的整改任务由" in r.error["message"], r
    assert "古城县交通运输局已整改销号的问题由" in r.error["message"], r
