"""The rectification of the criticisms in a bulletin (通报批评限期整改): the bulletin counts the government's
criticisms with a deadline issued to the units in its scope — issued in the period, in all, and as each stood at the
end of the day counted: reported (a report the office returned is no report until the unit reports again), of those
reported after the deadline, accepted, overdue (no report stands and the deadline is a working day or more behind)
with the longest in working days, the share accepted — in total and per unit; every figure equals a recount from the
records, their timelines and the working-day calendar; a change refuses the issue naming the figure; the PDF says it
in words, in a table and in a bar chart drawn with cairo; the public page keeps the totals only. (Its own clock: May
and June 2029.)"""
import datetime
import os
import re
import subprocess
import tempfile

import pytest

from docs_util import pdf_text, read_png
from itemlib import Items, clock
from workflow_drivers import result_body

NOW = "2029-05-07T09:00:00+08:00"  # a Monday
LATER = "2029-05-15T09:00:00+08:00"
REPORT = "已对照通报逐项整改。"


@pytest.fixture(scope="module")
def world(server):
    it = Items(server)
    clock(server, NOW, it)
    return {"it": it, "server": server}


def criticism(it, unit_code, item_id, due):
    o = it.c("gc_office")
    r = o.post("/api/v1/results", result_body(it, "criticism", item_id, unit_id=it.unit(unit_code), rectify_due=due,
                                             title=f"关于{unit_code}推进不力的通报批评"))
    assert r.status == 201, r
    oid = r.json["id"]
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        assert it.c(user).post(f"/api/v1/results/{oid}/actions/{action}", {}).status == 200
    return oid


def act(it, oid, user, action, body=None):
    r = it.c(user).post(f"/api/v1/results/{oid}/actions/{action}", body or {})
    assert r.status == 200, (action, r)


KEYS = ("criticisms", "issued", "reported", "late", "accepted", "overdue", "overdue_workdays")
RECTIFY = ("report_rectification", "return_rectification", "accept_rectification")


def workdays(o, a, b, years={}):
    """The working days in (a, b] (ISO dates, a <= b) by the server's calendar: Monday to Friday, less its
    holidays, plus its make-up working days."""
    d, end, n = datetime.date.fromisoformat(a), datetime.date.fromisoformat(b), 0
    while d < end:
        d += datetime.timedelta(days=1)
        if d.year not in years:
            y = o.get(f"/api/v1/calendar/{d.year}").json
            years[d.year] = ({h["day"] for h in y["holidays"]}, {w["day"] for w in y["workdays"]})
        holidays, makeup = years[d.year]
        n += d.isoformat() in makeup or (d.weekday() < 5 and d.isoformat() not in holidays)
    return n


def recount(it, period_from, period_to, as_of, each=None):
    """From the records and their timelines as the API shows them: the county's criticisms with a deadline issued
    by the period's end (Beijing dates), each as it stood at the end of as_of — its last report, return or
    acceptance by then: reported (a report or an acceptance: the report stands), late (it stands, reported after
    the deadline by a working day or more), accepted, overdue (no report stands, as_of a working day or more after
    the deadline) and the working days behind (a unit's longest). each: a dict to fill with every record's figures
    by id."""
    o = it.c("gc_office")
    rows = o.get("/api/v1/results?kind=criticism&per_page=200").json["results"]
    units = {}
    for row in rows:
        r = o.get(f"/api/v1/results/{row['id']}").json
        if r["state"] not in ("issued", "reviewing", "closed") or not r["rectification"]["due_date"]:
            continue
        issued_on, due = beijing(r["issued_at"]), r["rectification"]["due_date"]
        if issued_on > period_to:
            continue
        ev = [e for e in o.get(f"/api/v1/results/{r['id']}/events").json["events"]
              if e["action"] in RECTIFY and beijing(e["at"]) <= as_of]
        last = ev[-1]["action"] if ev else None
        stands = last in ("report_rectification", "accept_rectification")
        reported_on = max((beijing(e["at"]) for e in ev if e["action"] == "report_rectification"), default=None)
        behind = workdays(o, due, as_of) if due < as_of else 0
        mine = {"criticisms": 1, "issued": int(issued_on >= period_from), "reported": int(stands),
                "late": int(stands and reported_on > due and workdays(o, due, reported_on) > 0),
                "accepted": int(last == "accept_rectification"), "overdue": int(not stands and behind > 0)}
        mine["overdue_workdays"] = behind if mine["overdue"] else 0
        if each is not None:
            each[r["id"]] = mine
        u = units.setdefault(r["unit"]["id"], dict.fromkeys(KEYS, 0))
        for k in KEYS:
            u[k] = max(u[k], mine[k]) if k == "overdue_workdays" else u[k] + mine[k]
    return units


def assert_figures(cr, want):
    """The bulletin's criticisms (cr) against a recount: each unit, the sums, the longest overdue."""
    assert {u["unit_id"]: {k: u[k] for k in KEYS} for u in cr["units"]} == want
    assert {k: cr[k] for k in KEYS} == {k: (max if k == "overdue_workdays" else sum)(
        [u[k] for u in want.values()] or [0]) for k in KEYS}, cr


def beijing(iso):
    from workflow_drivers import beijing_date
    return beijing_date(iso)


def test_the_bulletin_counts_the_criticisms_rectification(world, tmp_path):
    it, srv = world["it"], world["server"]
    jt = it.bring("in_progress", title="通报批评整改统计：主干道改造", due_date="2029-09-28")["id"]
    zj = it.create(title="通报批评整改统计：老旧小区改造", lead="gc-zj", due_date="2029-09-28")
    it.send(zj)
    a = criticism(it, "gc-jt", jt, "2029-05-21")
    b = criticism(it, "gc-jt", jt, "2029-05-21")
    c = criticism(it, "gc-jt", jt, "2029-05-10")
    d = criticism(it, "gc-zj", zj["id"], "2029-05-21")
    act(it, a, "gc_contact", "report_rectification", {"rectification": REPORT})
    act(it, a, "gc_office", "accept_rectification")
    act(it, b, "gc_contact", "report_rectification", {"rectification": REPORT})
    act(it, d, "gc_contact2", "report_rectification", {"rectification": REPORT})  # 住房和城乡建设局's contact
    clock(srv, LATER, it)  # c's deadline (10 May) passed without a report

    o = it.c("gc_office")
    r = o.post("/api/v1/bulletins", {"period_from": "2029-05-01", "period_to": "2029-05-15"})
    assert r.status == 201, r
    bid, fig = r.json["id"], r.json["figures"]
    cr = fig["rectification"]["criticisms"]
    assert fig["as_of"] == "2029-05-15"
    want = recount(it, "2029-05-01", "2029-05-15", "2029-05-15")
    assert_figures(cr, want)
    keys = ("criticisms", "issued", "reported", "accepted", "overdue")
    assert cr["rate"] == round(cr["accepted"] * 100 / cr["criticisms"]), cr
    # ours: four issued in the period; 住建局's one reported; 交通运输局's three: one accepted, one reported, one late
    assert cr["issued"] == 4 and cr["overdue"] >= 1 and cr["accepted"] >= 1
    zj_row = next(u for u in cr["units"] if u["name"] == "古城县住房和城乡建设局")
    assert {k: zj_row[k] for k in keys} == {"criticisms": 1, "issued": 1, "reported": 1, "accepted": 0, "overdue": 0}
    assert cr["units"][0]["name"] == "古城县交通运输局"  # most overdue first
    # an earlier period: ours not issued yet (the demo's, issued before, still counted)
    r = o.post("/api/v1/bulletins", {"period_from": "2029-04-01", "period_to": "2029-04-30"})
    april = r.json["figures"]["rectification"]["criticisms"]
    assert (april["issued"], april["criticisms"]) == (0, cr["criticisms"] - 4), april

    # the document: the sentence, the table and the chart
    pdf = tmp_path / "bulletin.pdf"
    got = o.get(f"/api/v1/bulletins/{bid}/document.pdf")
    assert got.status == 200, got
    pdf.write_bytes(got.raw)
    text = re.sub(r"—\s*\d+\s*—\s*", "", pdf_text(str(pdf))).replace("\n", "")  # a sentence may go on over a page
    for words in ("通报批评整改情况", f"本级政府印发的限期整改通报批评共{cr['criticisms']}件（", "新印发4件）",
                  f"已报送整改情况{cr['reported']}件", f"经审核整改到位{cr['accepted']}件，整改完成率{cr['rate']}%",
                  f"超过整改时限仍未报送整改情况{cr['overdue']}件", "逾期未报送", "图 各单位通报批评整改情况"):
        assert words in text, (words, text[-1500:])
    colours = {"reported": (79, 120, 166), "accepted": (89, 161, 79), "overdue": (224, 87, 89)}
    found = dict.fromkeys(colours, 0)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), os.path.join(tmp, "p")], check=True)
        last = sorted(os.listdir(tmp))
        for name in last:
            _, _, _, rows = read_png(os.path.join(tmp, name))
            for k, rgb in colours.items():
                found[k] += sum(1 for row in rows for i in range(0, len(row), 3)
                                if all(abs(row[i + j] - rgb[j]) < 30 for j in range(3)))
    assert all(n > 20 for n in found.values()), found

    # re-checked at issue: the late unit reports after the approval; the issue is refused naming the figure
    assert o.post(f"/api/v1/bulletins/{bid}/actions/submit", {}).status == 200
    assert it.c("gc_principal").post(f"/api/v1/bulletins/{bid}/actions/approve", {}).status == 200
    act(it, c, "gc_contact", "report_rectification", {"rectification": REPORT})
    r = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    n, late = cr["reported"], cr["overdue"]
    assert r.status == 409 and f"已报送整改情况的通报批评由 {n} 件变为 {n + 1} 件" in r.error["message"], r
    assert f"逾期未报送整改情况的通报批评由 {late} 件变为 {late - 1} 件" in r.error["message"], r
    assert o.get(f"/api/v1/bulletins/{bid}").json["state"] == "approved"


def test_a_returned_report_is_no_report_and_overdue_counts_working_days(world, tmp_path):
    """Four criticisms of 交通运输局 due on Friday 8 June 2029, counted at the end of three days: a report the office
    returned no longer counts as reported (and is overdue once the deadline is a working day behind); a report after
    the deadline is reported, and late; the weekend after the deadline is no working day, so on Saturday nothing is
    overdue yet, on Monday one working day, on Wednesday three."""
    it, srv = world["it"], world["server"]
    clock(srv, "2029-06-04T09:00:00+08:00", it)  # Monday
    jt = it.bring("in_progress", title="通报批评整改时限：排水管网改造", due_date="2029-09-28")["id"]
    returned, accepted, late, again = (criticism(it, "gc-jt", jt, "2029-06-08") for _ in range(4))
    for oid in (returned, accepted, again):
        act(it, oid, "gc_contact", "report_rectification", {"rectification": REPORT})
    clock(srv, "2029-06-06T09:00:00+08:00", it)
    for oid in (returned, again):
        act(it, oid, "gc_office", "return_rectification", {"reason": "整改情况过于笼统，请逐项说明"})
    act(it, accepted, "gc_office", "accept_rectification")
    clock(srv, "2029-06-07T09:00:00+08:00", it)
    act(it, again, "gc_contact", "report_rectification", {"rectification": REPORT})  # reported again in time
    clock(srv, "2029-06-11T09:00:00+08:00", it)  # Monday: a working day after the deadline
    act(it, late, "gc_contact", "report_rectification", {"rectification": REPORT})
    clock(srv, "2029-06-12T09:00:00+08:00", it)
    act(it, returned, "gc_contact", "report_rectification", {"rectification": REPORT})
    clock(srv, "2029-06-13T09:00:00+08:00", it)  # Wednesday

    o = it.c("gc_office")
    ours = (returned, accepted, late, again)
    # what each of ours was at the end of each day, as the office would say it
    zero = dict.fromkeys(KEYS, 0) | {"criticisms": 1, "issued": 1}
    expect = {
        "2029-06-06": [zero | {"reported": 0}, zero | {"reported": 1, "accepted": 1}, zero, zero],
        "2029-06-09": [zero, zero | {"reported": 1, "accepted": 1}, zero, zero | {"reported": 1}],  # Saturday
        "2029-06-11": [zero | {"overdue": 1, "overdue_workdays": 1}, zero | {"reported": 1, "accepted": 1},
                       zero | {"reported": 1, "late": 1}, zero | {"reported": 1}],
        "2029-06-13": [zero | {"reported": 1, "late": 1}, zero | {"reported": 1, "accepted": 1},
                       zero | {"reported": 1, "late": 1}, zero | {"reported": 1}],
    }
    pdfs = {}
    for as_of, mine in expect.items():
        each = {}
        want = recount(it, "2029-06-01", as_of, as_of, each)
        assert [each[x] for x in ours] == mine, (as_of, [each[x] for x in ours])
        r = o.post("/api/v1/bulletins", {"period_from": "2029-06-01", "period_to": as_of})
        assert r.status == 201, r
        cr = r.json["figures"]["rectification"]["criticisms"]
        assert r.json["figures"]["as_of"] == as_of
        assert_figures(cr, want)
        pdfs[as_of] = (r.json["id"], cr)
    # the document of the Monday: the late report and the longest overdue in working days, in words and in the table
    bid, cr = pdfs["2029-06-11"]
    got = o.get(f"/api/v1/bulletins/{bid}/document.pdf")
    assert got.status == 200, got
    pdf = tmp_path / "monday.pdf"
    pdf.write_bytes(got.raw)
    text = pdf_text(str(pdf)).replace("\n", "")
    for words in (f"已报送整改情况{cr['reported']}件（其中超过整改时限报送{cr['late']}件）",
                  f"超过整改时限仍未报送整改情况{cr['overdue']}件，最长逾期{cr['overdue_workdays']}个工作日",
                  "逾期报送", "逾期工作日"):
        assert words in text, (words, text[-1500:])
    jt = next(u for u in cr["units"] if u["name"] == "古城县交通运输局")
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    row = r"\s+".join(["古城县交通运输局"] + [str(jt[k]) for k in ("criticisms", "reported", "late", "accepted", "overdue",
                                                                    "overdue_workdays")])
    assert re.search(row, layout), (row, layout[-2500:])


def test_the_scorecard_counts_overdue_as_the_bulletin_does(world):
    """One rule for 逾期未报送: the scorecard's drill-down says a criticism's rectification is overdue, and by how
    many working days, exactly as the bulletin counts it (a working day or more after the deadline, by the
    working-day calendar). Due on Friday 6 July 2029: not overdue on that day nor on the weekend after it (the
    drill-down once said overdue on Saturday, counting calendar days), one working day on Monday, three on
    Wednesday."""
    it, srv = world["it"], world["server"]
    clock(srv, "2029-07-02T09:00:00+08:00", it)  # Monday
    jt_item = it.bring("in_progress", title="通报批评整改时限：农贸市场改造", due_date="2029-09-28")["id"]
    oid = criticism(it, "gc-jt", jt_item, "2029-07-06")
    o = it.c("gc_office")
    for card in o.get("/api/v1/scorecards?year=2029").json["scorecards"]:
        if card["state"] == "draft":
            assert o.post(f"/api/v1/scorecards/{card['id']}/actions/withdraw", {"reason": "测试重新计算"}).status == 200
    r = o.post("/api/v1/scorecards", {"year": 2029})
    assert r.status == 201, r
    card = r.json["id"]
    jt = next(u for u in r.json["units"] if u["code"] == "gc-jt")["unit_id"]
    for day, behind in (("2029-07-06", 0), ("2029-07-07", 0), ("2029-07-08", 0), ("2029-07-09", 1), ("2029-07-11", 3)):
        clock(srv, f"{day}T09:00:00+08:00", it)
        o = it.c("gc_office")  # signed in again after the clock moved
        got = o.get(f"/api/v1/scorecards/{card}/units/{jt}")
        assert got.status == 200, (day, got)
        lines = got.json["lines"]
        rect = next(ln["rectification"] for ln in lines if ln["rule"] == "criticised" and ln["result_id"] == oid)
        each = {}
        want = recount(it, "2029-07-01", day, day, each)
        b = o.post("/api/v1/bulletins", {"period_from": "2029-07-01", "period_to": day})
        assert b.status == 201, b
        assert_figures(b.json["figures"]["rectification"]["criticisms"], want)
        assert (each[oid]["overdue"], each[oid]["overdue_workdays"]) == (int(behind > 0), behind), (day, each[oid])
        assert (rect["overdue"], rect["overdue_workdays"]) == (behind > 0, behind), (day, rect)
        label = f"逾期未报送整改情况（逾期{behind}个工作日）" if behind else "待报送整改情况"
        assert rect["label"] == label, (day, rect)


def test_a_chart_with_nothing_to_draw_says_so(world, tmp_path):
    """A criticism of 水利局 just issued, not reported and not yet due: a bulletin on 水利局 counts it with nothing
    reported, accepted or overdue, so its chart has no bar — the plot says so in words (it stood as an empty frame)."""
    it, srv = world["it"], world["server"]
    clock(srv, "2029-07-02T09:00:00+08:00", it)
    sw = it.create(title="通报批评整改统计：河道清淤", lead="gc-sw", due_date="2029-09-28")
    it.send(sw)
    criticism(it, "gc-sw", sw["id"], "2029-07-20")
    o = it.c("gc_office")
    r = o.post("/api/v1/bulletins", {"period_from": "2029-07-01", "period_to": "2029-07-02",
                                     "scope_unit_id": it.unit("gc-sw")})
    assert r.status == 201, r
    cr = r.json["figures"]["rectification"]["criticisms"]
    assert cr["issued"] == 1 and [(u["reported"], u["accepted"], u["overdue"]) for u in cr["units"]] == [(0, 0, 0)], cr
    text = pdf_text_of(o, r.json["id"], tmp_path / "nothing.pdf")
    for words in ("图 各单位通报批评整改情况", "所涉单位尚未报送整改情况，均未超过整改时限"):
        assert words in text, (words, text[-1500:])
    # once the deadline is behind, the criticism is overdue: a bar, and no such words
    clock(srv, "2029-07-25T09:00:00+08:00", it)
    o = it.c("gc_office")
    r = o.post("/api/v1/bulletins", {"period_from": "2029-07-01", "period_to": "2029-07-25",
                                     "scope_unit_id": it.unit("gc-sw")})
    assert [u["overdue"] for u in r.json["figures"]["rectification"]["criticisms"]["units"]] == [1], r.json
    text = pdf_text_of(o, r.json["id"], tmp_path / "overdue.pdf")
    assert "图 各单位通报批评整改情况" in text and "所涉单位尚未报送整改情况" not in text, text[-1500:]


def pdf_text_of(client, bid, path):
    got = client.get(f"/api/v1/bulletins/{bid}/document.pdf")
    assert got.status == 200, got
    path.write_bytes(got.raw)
    return pdf_text(str(path)).replace("\n", "")
