"""Bulletins (督查通报, issue 12): drafted from the data for a period and a scope — every figure equal to a
recount from the ledger for the same period and scope —, the words edited by the office, the figures counted
again at submission and issue (a change refuses the step, naming it), approved only by the principal leader,
issued numbered with the office's seal as a GB/T 9704 PDF with a bar chart; the units named are told; the units
of the scope read it only once issued; the refusals."""
import os
import subprocess
import tempfile

import pytest

from docs_util import pdf_text, read_png
from itemlib import Items, clock

# the test clock: items assigned on 3 March 2025, some completed, one overdue at the end of March
T0, T1, T2, T3 = ("2025-03-03T10:00:00+08:00", "2025-03-08T10:00:00+08:00", "2025-03-25T10:00:00+08:00",
                  "2025-04-07T10:00:00+08:00")
PERIOD = {"period_from": "2025-03-01", "period_to": "2025-03-31"}


def complete(it, item_id, users=("gc_contact",), head="gc_head"):
    """Walks an assigned item (lead 交通运输局 unless told) to completed, grade 良好."""
    for u in users:
        it.act(item_id, u, "receive", {})
        it.act(item_id, u, "report", {"text": "已完成", "percent": 100})
    it.act(item_id, users[0], "request_completion", {"text": "已按要求办结"})
    it.act(item_id, head, "sign", {})
    it.act(item_id, "gc_office", "verify", {"grade": "良好"})


def assigned(it, **item):
    """A new item of 古城县 (lead 交通运输局 unless told), submitted, approved and assigned at the server's clock."""
    x = it.create(**item)
    for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                         ("gc_office", "assign")):
        it.act(x["id"], user, action, {})
    return x


@pytest.fixture(scope="module")
def world(server):
    """Three items of 古城县 assigned on 3 March 2025: A (交通运输局, completed on 8 March, on time), B (住建局 lead,
    交通运输局 co, due 10 March, still open: overdue at the end of March), C (水利局, completed on 25 March, due 30
    April); the clock then on 7 April 2025."""
    it = Items(server)
    clock(server, T0)
    a = it.create(title="城区道路信号灯配时优化", due_date="2025-03-20")
    b = it.create(title="老旧小区雨污分流改造", lead="gc-zj", co=("gc-jt",), due_date="2025-03-10")
    c = it.create(title="小型水库除险加固", lead="gc-sw", due_date="2025-04-30")
    for x in (a, b, c):
        for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                             ("gc_office", "assign")):
            it.act(x["id"], user, action, {})
    clock(server, T1, it)
    complete(it, a["id"])
    clock(server, T2, it)
    sw = server.client("admin")
    r = sw.post("/api/v1/users", {"username": "gc_sw_head", "name": "钱水利", "unit_id": it.unit("gc-sw"),
                                  "password": "Demo2026", "must_change_password": False,
                                  "roles": [{"role": "head", "unit_id": it.unit("gc-sw")}]})
    assert r.status == 201, r
    complete(it, c["id"], users=("gc_sw_head",), head="gc_sw_head")
    clock(server, T3, it)
    return {"it": it, "a": a, "b": b, "c": c, "server": server}


def recount(world, period_from, period_to, scope_code="gc", user="gc_office", offices=None):
    """The figures from the ledger (every item of 古城县 as the API shows it — or, given `offices`, of those
    offices as `user` reads them), by the definitions of the bulletin: registered = assigned within the period,
    completed = verified within it (on time: on or before the due date), overdue = due before the period's end
    and not completed by its end (local dates)."""
    import datetime
    it = world["it"]
    c = it.c(user)
    offices = offices or {it.unit("gc-dcs")}
    scope = c.get(f"/api/v1/units/{c.unit_id(scope_code)}").json
    ids, page = [], 1
    while True:
        r = c.get(f"/api/v1/items?per_page=200&page={page}")
        ids += [x["id"] for x in r.json["items"]]
        if len(r.json["items"]) < 200:
            break
        page += 1
    tz = datetime.timezone(datetime.timedelta(hours=8))

    def local(iso):
        return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(tz).date().isoformat() \
            if iso else None

    units, totals = {}, {"registered": 0, "completed": 0, "completed_on_time": 0, "overdue": 0}
    for i in ids:
        item = c.get(f"/api/v1/items/{i}").json
        if item["office_unit_id"] not in offices or item["state"] == "withdrawn" or not item["assigned_at"]:
            continue
        assigned, closed = local(item["assigned_at"]), local(item["closed_at"])
        if assigned > period_to:
            continue
        mine = [t for t in item["tracks"] if c.get(f"/api/v1/units/{t['unit_id']}").json["path"].startswith(scope["path"])]
        if not mine:
            continue
        done = item["state"] in ("completed", "archived")
        f = {"registered": period_from <= assigned <= period_to,
             "completed": done and period_from <= closed <= period_to,
             "overdue": item["due_date"] < period_to and item["state"] != "suspended"
             and (closed is None or closed > period_to)}
        f["completed_on_time"] = f["completed"] and closed <= item["due_date"]
        for k, v in f.items():
            totals[k] += v
        for t in mine:
            u = units.setdefault(t["unit_id"], {"registered": 0, "completed": 0, "completed_on_time": 0, "overdue": 0})
            for k, v in f.items():
                u[k] += v
    return totals, units


def figures_of(b):
    f = b["figures"]
    totals = {k: f["totals"][k] for k in ("registered", "completed", "completed_on_time", "overdue")}
    units = {u["unit_id"]: {k: u[k] for k in ("registered", "completed", "completed_on_time", "overdue")}
             for u in f["units"]}
    return totals, units


def test_every_figure_equals_a_recount_from_the_ledger(world):
    it = world["it"]
    o = it.c("gc_office")
    b = o.post("/api/v1/bulletins", PERIOD)
    assert b.status == 201, b
    b = b.json
    assert b["figures"]["totals"] == {"registered": 3, "completed": 2, "completed_on_time": 2, "on_time_rate": 100,
                                      "overdue": 1}
    assert figures_of(b) == recount(world, "2025-03-01", "2025-03-31")
    jt, zj, sw = (it.unit(x) for x in ("gc-jt", "gc-zj", "gc-sw"))
    by_unit = {u["unit_id"]: u for u in b["figures"]["units"]}
    assert by_unit[jt]["registered"] == 2 and by_unit[jt]["overdue"] == 1 and by_unit[zj]["overdue"] == 1
    assert by_unit[sw]["completed"] == 1 and by_unit[sw]["overdue"] == 0
    assert [r["unit_id"] for r in b["figures"]["ranking"]] == [jt, zj]  # overdue 1 each; jt registered more
    assert [x["id"] for x in b["figures"]["overdue_items"]] == [world["b"]["id"]]
    assert b["figures"]["overdue_items"][0]["overdue_days"] == 21  # due 10 March, counted at 31 March
    assert b["title"] == "关于2025年3月督查督办情况的通报" and b["period"]["words"] == "2025年3月"
    assert {u["code"] for u in b["named_units"]} == {"gc-jt", "gc-zj"}
    # another period and another scope: recounted the same way
    for period, scope in ((("2025-03-01", "2025-03-09"), "gc"), (("2025-02-01", "2025-04-06"), "gc-jt"),
                          (("2025-03-09", "2025-03-24"), "gc-sw")):
        r = o.post("/api/v1/bulletins", {"period_from": period[0], "period_to": period[1],
                                         "scope_unit_id": it.unit(scope)})
        assert r.status == 201, r
        assert figures_of(r.json) == recount(world, period[0], period[1], scope), (period, scope)
    early = o.post("/api/v1/bulletins", {"period_from": "2025-03-01", "period_to": "2025-03-09"}).json
    assert early["figures"]["totals"]["overdue"] == 0  # B falls due on 10 March


def test_draft_edit_recheck_approve_issue_and_the_pdf(world, tmp_path):
    it, srv = world["it"], world["server"]
    o, p = it.c("gc_office"), it.c("gc_principal")
    b = o.post("/api/v1/bulletins", PERIOD).json
    bid = b["id"]
    # the unit sees nothing of a draft
    for u in ("gc_contact", "gc_head", "gc_contact2"):
        assert it.c(u).get(f"/api/v1/bulletins/{bid}").status == 404
        assert bid not in {x["id"] for x in it.c(u).get("/api/v1/bulletins").json["bulletins"]}
        assert it.c(u).get(f"/api/v1/bulletins/{bid}/document.pdf").status == 404
    # the office edits the words
    r = o.patch(f"/api/v1/bulletins/{bid}", {"intro": "三月份，全县督查督办工作总体平稳。",
                                             "remarks": "三、下一步工作要求\n住建局要在4月15日前办结雨污分流改造。",
                                             "version": b["version"]})
    assert r.status == 200 and r.json["intro"].startswith("三月份"), r
    # the data changes under the draft: submission refused, naming the figure; refresh, then it goes
    c = Items(srv)
    clock(srv, "2025-03-31T10:00:00+08:00", it)
    assigned(c, title="月底新交办的事项", due_date="2025-04-30")
    clock(srv, T3, it)
    o, p = it.c("gc_office"), it.c("gc_principal")
    r = o.post(f"/api/v1/bulletins/{bid}/actions/submit", {})
    assert r.status == 409, r
    assert "通报数据已变化" in r.error["message"] and "交办由 3 件变为 4 件" in r.error["message"], r
    assert "古城县交通运输局交办由 2 件变为 3 件" in r.error["message"], r
    assert o.get(f"/api/v1/bulletins/{bid}").json["state"] == "draft"
    r = o.patch(f"/api/v1/bulletins/{bid}", {"refresh": True})
    assert r.status == 200 and r.json["figures"]["totals"]["registered"] == 4
    assert r.json["intro"].startswith("三月份")  # the words stay the office's
    assert figures_of(r.json) == recount(world, "2025-03-01", "2025-03-31")
    todo = [t for t in p.get("/api/v1/todos?kind=bulletin&limit=200").json["todos"] if t["object_id"] == bid]
    assert todo == []
    assert o.post(f"/api/v1/bulletins/{bid}/actions/submit", {}).status == 200
    todo = [t for t in p.get("/api/v1/todos?kind=bulletin&limit=200").json["todos"] if t["object_id"] == bid]
    assert [t["label"] for t in todo] == ["通报待主要领导审批"] and todo[0]["link"] == f"/bulletins/{bid}"
    # only the principal leader approves
    for u in ("gc_office", "gc_director", "gc_deputy", "gc_leader"):
        r = it.c(u).post(f"/api/v1/bulletins/{bid}/actions/approve", {})
        assert r.status == 403, (u, r)
    assert it.c("ap_office").post(f"/api/v1/bulletins/{bid}/actions/approve", {}).status == 404
    assert p.post(f"/api/v1/bulletins/{bid}/actions/approve", {}).status == 200
    r = o.patch(f"/api/v1/bulletins/{bid}", {"title": "改"})
    assert r.status == 409 and "只有草稿可以修改" in r.error["message"]
    def told(u):
        """The user's messages about bulletins (the scheduler's pass after the clock's jump may add deadline
        reminders at any moment: they are not this test's business)."""
        return [m for m in it.c(u).get("/api/v1/inbox?limit=200").json["messages"] if m["object_type"] == "bulletin"]

    before = {u: len(told(u)) for u in ("gc_head", "gc_head2", "gc_contact", "gc_sw_head")}
    issued = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    assert issued.status == 200, issued
    issued = issued.json
    assert issued["number"] == "古督通〔2025〕1号" and issued["issued_on"] == "2025-04-07"
    # the heads of the units named (overdue ranking) are told, with their rank; the others are not
    for u, unit in (("gc_head", "gc-jt"), ("gc_head2", "gc-zj")):
        msgs = told(u)
        assert len(msgs) == before[u] + 1, u
        m = msgs[0]
        assert m["object_type"] == "bulletin" and m["object_id"] == bid
        assert issued["number"] in m["subject"] and "超期未办结督办事项 1 件" in m["body"], m
    # an addressee the ranking does not name (主送: every unit right below the scope) hears that it was issued to it,
    # once; a contact is not told (the head answers for the unit)
    msgs = told("gc_sw_head")
    assert len(msgs) == before["gc_sw_head"] + 1 and "主送古城县人民政府所属各单位" in msgs[0]["body"], msgs
    assert "超期未办结" not in msgs[0]["body"] and issued["number"] in msgs[0]["subject"], msgs[0]
    assert len(told("gc_contact")) == before["gc_contact"]
    # now the units of the scope read it, and the other county does not
    for u in ("gc_contact", "gc_head", "gc_town"):
        assert it.c(u).get(f"/api/v1/bulletins/{bid}").status == 200, u
        assert bid in {x["id"] for x in it.c(u).get("/api/v1/bulletins").json["bulletins"]}
        r = it.c(u).post(f"/api/v1/bulletins/{bid}/actions/withdraw", {"reason": "x"})
        assert r.status == 403, (u, r)
    assert it.c("ap_office").get(f"/api/v1/bulletins/{bid}").status == 404
    assert it.c("ap_office").get(f"/api/v1/bulletins/{bid}/document.pdf").status == 404
    assert bid not in {x["id"] for x in it.c("ap_office").get("/api/v1/bulletins").json["bulletins"]}
    # the document: the number, the words, every figure, the chart, the overdue item, the seal
    r = it.c("gc_contact").get(f"/api/v1/bulletins/{bid}/document.pdf")
    assert r.status == 200 and r.headers.get("Content-Type") == "application/pdf" and r.raw[:5] == b"%PDF-"
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(r.raw)
    text = pdf_text(str(pdf)).replace("\n", "")
    for words in ("古城县人民政府办公室文件", "古督通〔2025〕1号", "关于2025年3月督查督办情况的通报",
                  "古城县人民政府所属各单位：", "三月份，全县督查督办工作总体平稳。", "一、总体情况",
                  "共交办督办事项4件，办结2件，其中按期办结2件，按期办结率100%；截至2025年3月31日，超期未办结1件。",
                  "古城县交通运输局（1件）、古城县住房和城乡建设局（1件）", "老旧小区雨污分流改造", "2025年3月10日",
                  "三、下一步工作要求", "住建局要在4月15日前办结雨污分流改造。", "图 各单位督办事项办理情况",
                  "超期未办结", "电子签章", "2025年4月7日"):
        assert words in text, (words, text[:3000])
    assert "草稿" not in text and "2025-03-10" not in text  # an official document writes its dates in words
    # the chart is drawn: the bars' colours are on the page that carries the caption
    pages = int(subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.split("Pages:")[1].split()[0])
    found = {}
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), os.path.join(d, "p")], check=True)
        for name in sorted(os.listdir(d)):
            w, h, bpp, rows = read_png(os.path.join(d, name))
            for colour, rgb in (("registered", (79, 120, 166)), ("completed", (89, 161, 79)),
                                ("overdue", (224, 87, 89))):
                n = sum(1 for row in rows for i in range(0, len(row), 3)
                        if all(abs(row[i + k] - rgb[k]) < 30 for k in range(3)))
                found[colour] = found.get(colour, 0) + n
    assert pages >= 2 and all(n > 20 for n in found.values()), found
    # the timeline and the audit trail
    ev = o.get(f"/api/v1/bulletins/{bid}/events").json["events"]
    assert [e["action"] for e in ev] == ["create", "update", "refresh", "submit", "approve", "issue"]
    audit = o.get(f"/api/v1/audit?object_type=bulletin&object_id={bid}&limit=50").json["records"]
    assert {a["action"] for a in audit} == {"bulletin.create", "bulletin.update", "bulletin.submit",
                                            "bulletin.approve", "bulletin.issue"}


def pdf_paths(raw):
    """The vector paths of a PDF's page contents: (stroke colour, [operators]) for each path stroked in a colour —
    cairo writes a path as its points (m, l, c) ending in S, after the colour (r g b RG)."""
    import re
    import zlib
    paths = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        try:
            data = zlib.decompress(m.group(1)).decode("latin-1")
        except zlib.error:
            continue
        colour = None
        ops = []
        for tok in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) RG|[\d.\-]+ [\d.\-]+ ([ml])\b|\b(S)\b", data):
            if tok.group(1):
                colour = tuple(round(float(tok.group(k)), 2) for k in (1, 2, 3))
            elif tok.group(4):
                ops.append(tok.group(4))
            elif tok.group(5):
                paths.append((colour, ops))
                ops = []
    return paths


def test_the_line_chart_of_the_months(world, tmp_path):
    """The bulletin's months (各月情况, January to the period's end) each equal a recount of that whole month from
    the ledger, and the PDF draws them as a line chart with cairo: the caption and the axes' Chinese labels in the
    text, and each series a vector polyline (one point per month) stroked in its colour — no picture."""
    it = world["it"]
    o = it.c("gc_office")
    b = o.post("/api/v1/bulletins", PERIOD).json
    months = b["figures"]["months"]
    assert [m["month"] for m in months] == ["2025-01", "2025-02", "2025-03"], months
    for m, (lo, hi) in zip(months, (("2025-01-01", "2025-01-31"), ("2025-02-01", "2025-02-28"),
                                    ("2025-03-01", "2025-03-31"))):
        totals, _ = recount(world, lo, hi)
        assert {k: m[k] for k in totals} == totals, (m, totals)
        assert m["label"] == f"{int(lo[5:7])}月"
    # the last month is the period's own month: the same figures as the bulletin's totals
    assert {k: months[-1][k] for k in ("registered", "completed", "completed_on_time", "overdue")} == \
        {k: b["figures"]["totals"][k] for k in ("registered", "completed", "completed_on_time", "overdue")}
    r = o.get(f"/api/v1/bulletins/{b['id']}/document.pdf")
    assert r.status == 200, r
    pdf = tmp_path / "months.pdf"
    pdf.write_bytes(r.raw)
    text = pdf_text(str(pdf)).replace("\n", "")
    for words in ("图 2025年1—3月各月督办事项办理情况", "当月交办", "当月办结", "月末超期未办结", "件数", "月份", "1月", "2月"):
        assert words in text, (words, text[-1500:])
    paths = pdf_paths(r.raw)
    for rgb in ((0.31, 0.47, 0.65), (0.35, 0.63, 0.31), (0.88, 0.34, 0.35)):
        lines = [ops for colour, ops in paths if colour == rgb and ops.count("l") == len(months) - 1]
        assert lines, (rgb, [p for p in paths if p[0] == rgb])
    assert b"/Subtype /Image" not in r.raw


SUMMARY = {"id", "number", "title", "kind", "kind_label", "period", "scope", "office_unit_id", "office_name", "state",
           "state_label", "public", "warning_section", "levels", "levels_label", "rank_n", "created_by_name",
           "approved_by_name", "created_at", "updated_at", "approved_at", "issued_at", "issued_on", "version"}


def test_the_list_carries_what_a_list_shows_and_the_bulletin_its_figures(world):
    """A province's draft carries over a megabyte of figures: the list (once every bulletin in full) carries what
    the list shows — number, title, kind, period, scope, state, dates, who —, the bulletin's own GET the words and
    the figures."""
    it = world["it"]
    o, p = it.c("gc_office"), it.c("gc_principal")
    bid = o.post("/api/v1/bulletins", PERIOD).json["id"]
    assert o.post(f"/api/v1/bulletins/{bid}/actions/submit", {}).status == 200
    assert p.post(f"/api/v1/bulletins/{bid}/actions/approve", {}).status == 200
    full = o.get(f"/api/v1/bulletins/{bid}").json
    assert full["figures"]["totals"]["registered"] >= 3 and full["intro"] and full["named_units"], full
    assert full["created_by_name"] == o.get("/api/v1/session").json["user"]["name"]
    assert full["approved_by_name"] == "王建国"
    for u in ("gc_office", "gc_principal"):
        [row] = [x for x in it.c(u).get("/api/v1/bulletins?per_page=200").json["bulletins"] if x["id"] == bid]
        assert set(row) == SUMMARY, set(row) ^ SUMMARY
        assert row == {k: full[k] for k in SUMMARY}, u
    # a draft not yet approved: nobody approved it
    draft = o.post("/api/v1/bulletins", PERIOD).json
    [row] = [x for x in o.get("/api/v1/bulletins?state=draft&per_page=200").json["bulletins"] if x["id"] == draft["id"]]
    assert row["approved_by_name"] is None and row["approved_at"] is None and "figures" not in row
    assert o.post(f"/api/v1/bulletins/{draft['id']}/actions/withdraw", {"reason": "重复起草"}).status == 200


def test_a_changed_figure_refuses_the_issue(world):
    it, srv = world["it"], world["server"]
    o, p = it.c("gc_office"), it.c("gc_principal")
    bid = o.post("/api/v1/bulletins", {"period_from": "2025-03-01", "period_to": "2025-04-07"}).json["id"]
    o.post(f"/api/v1/bulletins/{bid}/actions/submit", {})
    p.post(f"/api/v1/bulletins/{bid}/actions/approve", {})
    c = Items(srv)
    assigned(c, title="四月新交办的事项", due_date="2025-05-30")
    r = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    assert r.status == 409 and "交办由" in r.error["message"] and "reopen" in r.error["message"], r
    got = o.get(f"/api/v1/bulletins/{bid}").json
    assert got["state"] == "approved" and got["number"] is None
    r = o.post(f"/api/v1/bulletins/{bid}/actions/reopen", {})
    assert r.status == 422 and "reason" in r.error["message"]
    assert o.post(f"/api/v1/bulletins/{bid}/actions/reopen", {"reason": "数据已变化"}).json["state"] == "draft"
    assert o.patch(f"/api/v1/bulletins/{bid}", {"refresh": True}).status == 200
    assert o.post(f"/api/v1/bulletins/{bid}/actions/submit", {}).status == 200


def test_a_changed_month_of_the_line_chart_refuses_the_submission(world):
    """The line chart's months are numbers the document prints: counted again at submission and issue like the rest.
    An item assigned on 5 March moves the chart's March (the whole month) and none of the figures of a bulletin on
    20–31 March: the submission is refused naming the month and the figure (before, the months were compared only
    as a whole and the refusal named the lists of overdue items and findings); refreshed, it goes on."""
    it, srv = world["it"], world["server"]
    o = it.c("gc_office")
    b = o.post("/api/v1/bulletins", {"period_from": "2025-03-20", "period_to": "2025-03-31"}).json
    march = b["figures"]["months"][2]
    assert march["month"] == "2025-03", b["figures"]["months"]
    clock(srv, "2025-03-05T10:00:00+08:00", it)
    assigned(it, title="三月上旬交办的事项", due_date="2025-05-30")
    clock(srv, T3, it)
    o = it.c("gc_office")
    r = o.post(f"/api/v1/bulletins/{b['id']}/actions/submit", {})
    n = march["registered"]
    assert r.status == 409 and f"2025年3月当月交办由 {n} 件变为 {n + 1} 件" in r.error["message"], r
    assert "清单有变化" not in r.error["message"], r
    now = o.patch(f"/api/v1/bulletins/{b['id']}", {"refresh": True}).json
    assert now["figures"]["totals"] == b["figures"]["totals"]
    assert now["figures"]["months"][2]["registered"] == n + 1
    assert o.post(f"/api/v1/bulletins/{b['id']}/actions/submit", {}).json["state"] == "pending"


def test_named_praise_and_criticism(world, tmp_path):
    from workflow_drivers import result_body
    it = world["it"]
    o, p = it.c("gc_office"), it.c("gc_principal")
    body = result_body(it, "criticism", world["b"]["id"], unit_id=it.unit("gc-zj"),
                       title="关于住建局雨污分流改造严重滞后的通报批评")
    crit = o.post("/api/v1/results", body).json
    r = o.post("/api/v1/bulletins", dict(PERIOD, result_ids=[crit["id"]]))
    assert r.status == 422 and "尚未印发" in r.error["message"] and "result_ids" in r.error["message"], r
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        assert it.c(user).post(f"/api/v1/results/{crit['id']}/actions/{action}", {}).status == 200
    talk = o.post("/api/v1/results", result_body(it, "talk", world["b"]["id"])).json
    r = o.post("/api/v1/bulletins", dict(PERIOD, result_ids=[talk["id"]]))
    assert r.status == 422 and "约谈不能列入" in r.error["message"], r
    b = o.post("/api/v1/bulletins", dict(PERIOD, result_ids=[crit["id"]])).json
    assert [x["title"] for x in b["results"]] == ["关于住建局雨污分流改造严重滞后的通报批评"]
    assert b["results"][0]["kind"] == "criticism" and b["results"][0]["number"].startswith("古督批")
    r = o.get(f"/api/v1/bulletins/{b['id']}/document.pdf")
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(r.raw)
    text = pdf_text(str(pdf)).replace("\n", "")
    assert "草稿（未印发）" in text and "通报批评" in text and "关于住建局雨污分流改造严重滞后的通报批评" in text
    assert "电子签章" not in text  # a draft carries no seal
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        assert it.c(user).post(f"/api/v1/bulletins/{b['id']}/actions/{action}", {}).status == 200
    m = it.c("gc_head2").get("/api/v1/inbox?limit=5").json["messages"][0]
    assert m["object_id"] == b["id"] and "贵单位在通报中被批评" in m["body"], m


@pytest.mark.parametrize("change,field", [
    ({"period_to": "2099-01-01"}, "period_to"),
    ({"period_from": "2025-04-01", "period_to": "2025-03-01"}, "period_from"),
    ({"period_from": "2023-01-01", "period_to": "2025-03-01"}, "period_from"),
    ({"period_to": "2025-02-30"}, "period_to"),
    ({"scope_unit_id": 999999}, "scope_unit_id"),
    ({"result_ids": [999999]}, "result_ids"),
    ({"title": ""}, "title"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_names_the_field(world, change, field):
    o = world["it"].c("gc_office")
    before = o.get("/api/v1/bulletins?per_page=200").json["total"]
    r = o.post("/api/v1/bulletins", dict(PERIOD, **change))
    assert r.status == 422 and field in r.error["message"], r
    assert o.get("/api/v1/bulletins?per_page=200").json["total"] == before


def test_wrong_role_other_county_wrong_state(world):
    it = world["it"]
    for u in ("gc_contact", "gc_head", "gc_principal", "gc_leader"):
        assert it.c(u).post("/api/v1/bulletins", PERIOD).status == 403, u
    ap = it.c("ap_office")
    r = ap.post("/api/v1/bulletins", dict(PERIOD, scope_unit_id=it.unit("gc-jt")))
    assert r.status == 422 and "scope_unit_id" in r.error["message"]
    o = it.c("gc_office")
    bid = o.post("/api/v1/bulletins", PERIOD).json["id"]
    r = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    assert r.status == 409 and "只能在「已批准待印发」状态下进行" in r.error["message"], r
    assert ap.patch(f"/api/v1/bulletins/{bid}", {"title": "x"}).status == 404
    assert it.c("gc_principal").patch(f"/api/v1/bulletins/{bid}", {"title": "x"}).status == 403
    for q in ("state=nope", "per_page=0"):
        assert o.get("/api/v1/bulletins?" + q).status == 400
    r = o.post(f"/api/v1/bulletins/{bid}/actions/withdraw", {"reason": "重复起草"})
    assert r.status == 200 and r.json["state"] == "withdrawn"


@pytest.mark.parametrize("now,period", [
    ("2025-04-01T08:30:00+08:00", ("2025-03-01", "2025-03-31")),   # drafted on the 1st: the whole of March
    ("2025-03-01T00:10:00+08:00", ("2025-02-01", "2025-02-28")),   # Beijing's 1 March is still 28 Feb in UTC
    ("2025-01-01T09:00:00+08:00", ("2024-12-01", "2024-12-31")),   # across the year
    ("2025-04-17T09:00:00+08:00", ("2025-03-01", "2025-03-31")),   # mid-month: still the month that has ended
])
def test_a_new_draft_proposes_the_previous_whole_month(world, now, period):
    """Issue 15's browser walk: a bulletin drafted on the 1st of a month proposed a one-day period (1st to 1st).
    The list proposes the previous whole month by the server's own Beijing day; the form starts from it."""
    server, it = world["server"], world["it"]
    clock(server, now, it)
    try:
        r = it.c("gc_office").get("/api/v1/bulletins")
        assert r.status == 200, r
        assert (r.json["proposed_period"]["from"], r.json["proposed_period"]["to"]) == period, r.json["proposed_period"]
    finally:
        clock(server, T3, it)
