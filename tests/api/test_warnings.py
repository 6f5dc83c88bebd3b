"""Early warning (研判预警, issue 12; Gu County 003_…): the running items trending late are flagged before they are
overdue — each signal raised by acting (a report at 10 % with 80 % of the time gone, two extension requests, two
presses with no report after them, due within days and silent for weeks) with the facts behind it, cleared when the
unit reports; the unit's contact is told once per item and signal; the government's thresholds (the office,
audited; bad values 422 naming the field, nothing changed); who sees what (a unit its own, another county none);
the bulletin draft's section 预警提示 equals a recount, is checked again at submission and is in the PDF."""
import re

import pytest

from conftest import uniq, wait_for
from docs_util import pdf_text
from itemlib import pinned_items


@pytest.fixture(scope="module")
def it(backend):
    """The server's clock is pinned (itemlib.pinned_items): the dates the tests compare with the server's
    count from its date, not from the machine's, which Beijing midnight may pass between the two."""
    with pinned_items(backend) as items:
        yield items


ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def cn(day):
    """A date as official text writes it: 2026-12-03 → 2026年12月3日."""
    y, m, d = day.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def warnings(it, user="gc_office", **params):
    """The answer with every page's rows."""
    rows, page = [], 1
    while True:
        qs = "&".join(f"{k}={v}" for k, v in {"per_page": 200, **params, "page": page}.items())
        r = it.c(user).get("/api/v1/warnings?" + qs)
        assert r.status == 200, r
        rows += r.json["warnings"]
        if len(rows) >= r.json["total"] or not r.json["warnings"]:
            return r.json | {"warnings": rows}
        page += 1


def signals_of(it, iid, user="gc_office"):
    """{signal: facts} of the item's warnings as the user sees them."""
    out = {}
    for w in warnings(it, user)["warnings"]:
        if w["item_id"] == iid:
            for s in w["signals"]:
                out[s["signal"]] = s
    return out


def raised(it, iid, signal, user="gc_office", **facts):
    """The signal once raised with the given facts (a pass may have raised it before the last action)."""
    def now():
        s = signals_of(it, iid, user).get(signal)
        return s if s and all(s["facts"].get(k) == v for k, v in facts.items()) else None
    return wait_for(now)


def cleared(it, iid, signal):
    return wait_for(lambda: signal not in signals_of(it, iid))


def told(it, number, label, user="gc_contact"):
    r = it.c(user).get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    msgs = r.json.get("messages", r.json.get("items", []))
    return [m for m in msgs if "【预警】" in m["subject"] and number in m["subject"] and label in m["subject"]]


def received_days_ago(it, days, due, title):
    """An item of 交通运输局 assigned and received `days` ago, due on `due` (a date from today)."""
    with it.days_ago(days):
        item = it.bring("received", title=title, due_date=due)
    return item


def test_pace_behind_raised_with_its_facts_then_cleared_by_a_report(it):
    # assigned 80 days ago, due in 20 days: 80 % of the time gone; the unit reports 10 %
    item = received_days_ago(it, 80, it.day(20), "预警测试：老旧小区改造（序时进度）" + uniq())
    iid = item["id"]
    it.act(iid, "gc_contact", "report", {"text": "已完成前期摸底", "percent": 10})
    s = raised(it, iid, "pace", percent=10)
    assert s, signals_of(it, iid)
    f = s["facts"]
    assert f["percent"] == 10 and f["due_date"] == it.day(20) and f["assigned_on"] == it.day(-80)
    assert f["time_percent"] == 80 and f["gap"] == 70 and f["threshold"] == 20
    assert f["last_report_on"] == it.day(0)
    assert s["label"] == "进度滞后于序时进度" and "时间已过80%" in s["text"] and "报送进度10%" in s["text"]
    # the words write the dates as official text does (2026年12月23日), never 2026-12-23
    words = f"自{cn(it.day(-80))}交办至{cn(it.day(20))}到期", f"最近一次报送：{cn(it.day(0))}"
    assert all(w in s["text"] for w in words) and not ISO.search(s["text"]), s["text"]
    # the unit's contact is told, once, its dates in words too (the message is the first raise's: a daily pass may
    # have raised it before the report, at 0 %); the head of the unit is not
    msgs = wait_for(lambda: told(it, item["number"], "进度滞后"))
    assert len(msgs) == 1 and msgs[0]["link"] == f"/items/{iid}", msgs
    body = msgs[0]["body"]
    assert words[0] in body and not ISO.search(body), body
    assert not told(it, item["number"], "进度滞后", user="gc_head")
    # the row names the item, the unit and the percent; the unit's rank counts it
    w = [x for x in warnings(it)["warnings"] if x["item_id"] == iid][0]
    assert (w["number"], w["unit_id"], w["percent"], w["due_date"]) == (item["number"], it.unit("gc-jt"), 10, it.day(20))
    # a report at 85 % clears it; the contact is not told again
    it.act(iid, "gc_contact", "report", {"text": "主体工程基本完成", "percent": 85})
    assert cleared(it, iid, "pace")
    assert len(told(it, item["number"], "进度滞后")) == 1
    audit = it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}").json["records"]
    actions = [a["action"] for a in audit]
    assert "warning.raise" in actions and "warning.clear" in actions, actions


def test_repeated_extensions(it):
    item = it.bring("received", title="预警测试：农村公路养护（延期）" + uniq(), due_date=it.day(60))
    iid = item["id"]
    it.act(iid, "gc_contact", "request_extension", {"reason": "征地未完成", "new_date": it.day(90)})
    it.act(iid, "gc_office", "decide_extension", {"approve": True})
    it.act(iid, "gc_contact", "request_extension", {"reason": "汛期停工", "new_date": it.day(120)})
    s = raised(it, iid, "extensions")
    assert s, signals_of(it, iid)
    f = s["facts"]
    assert f["count"] == 2 and f["threshold"] == 2
    assert [(r["state"], r["old_date"], r["new_date"]) for r in f["requests"]] == [
        ("approved", it.day(60), it.day(90)), ("pending", it.day(90), it.day(120))]
    assert "已申请延期2次" in s["text"]
    # refused: one left, below the threshold
    it.act(iid, "gc_office", "decide_extension", {"approve": False, "reason": "理由不充分"})
    assert cleared(it, iid, "extensions")


def test_presses_ignored_then_the_unit_reports(it):
    item = it.bring("received", title="预警测试：城区停车设施（催办未报）" + uniq(), due_date=it.day(60))
    iid = item["id"]
    it.act(iid, "gc_office", "press", {"text": "请加快进度"})
    # the office presses again from the warning page: the unit's contact has the message and a to-do
    it.act(iid, "gc_office", "press", {"text": "请于周五前报送进展"})
    s = raised(it, iid, "ignored", presses=2)
    assert s, signals_of(it, iid)
    # the two presses, and whatever reminders the deadline ladder sent the unit meanwhile
    f = s["facts"]
    assert f["presses"] == 2 and f["count"] == 2 + f["reminders"] and f["threshold"] == 2
    assert s["facts"]["last_on"] == it.day(0)
    inbox = it.c("gc_contact").get("/api/v1/inbox?limit=200").json
    msgs = inbox.get("messages", inbox.get("items", []))
    assert [m for m in msgs if "请于周五前报送进展" in (m.get("body") or "") and item["number"] in m["subject"]]
    todos = it.c("gc_contact").get("/api/v1/todos?kind=item&limit=200").json["todos"]
    assert [t for t in todos if t["object_id"] == iid], todos
    assert wait_for(lambda: told(it, item["number"], "催办后未报送"))
    it.act(iid, "gc_contact", "report", {"text": "已完成招标", "percent": 40})
    assert cleared(it, iid, "ignored")


def test_due_soon_and_silent(it):
    # assigned 20 days ago, due in 3 days, never reported
    item = received_days_ago(it, 20, it.day(3), "预警测试：背街小巷整治（临期未报）" + uniq())
    iid = item["id"]
    s = raised(it, iid, "silent")
    assert s, signals_of(it, iid)
    f = s["facts"]
    assert f["due_date"] == it.day(3) and f["days_silent"] == 20 and f["last_report_on"] is None
    assert s["text"].startswith(f"{cn(it.day(3))}到期") and "最近一次：未报送" in s["text"], s["text"]
    assert 0 <= f["workdays_left"] <= 3 and (f["due_days"], f["silent_days"]) == (5, 14)
    it.act(iid, "gc_contact", "report", {"text": "已完成大部分路段", "percent": 95})
    assert cleared(it, iid, "silent")


def test_thresholds_by_the_office(it):
    item = received_days_ago(it, 50, it.day(50), "预警测试：公厕改造（阈值）" + uniq())
    iid = item["id"]
    it.act(iid, "gc_contact", "report", {"text": "已开工", "percent": 10})
    assert raised(it, iid, "pace", gap=40)
    before = it.c("gc_office").get("/api/v1/warnings/settings").json
    assert before["government"]["name"] == "古城县人民政府"
    assert {k: before[k] for k in ("pace_gap", "extensions", "presses", "due_days", "silent_days")} == {
        "pace_gap": 20, "extensions": 2, "presses": 2, "due_days": 5, "silent_days": 14}
    # bad values: 422 naming the field, nothing changed
    for body, field, words in (({"pace_gap": 0}, "pace_gap", "落后序时进度的百分点"),
                               ({"pace_gap": "多"}, "pace_gap", "落后序时进度的百分点"),
                               ({"silent_days": 1000}, "silent_days", "未报送进展的天数"),
                               ({"presses": -1}, "presses", "催办后未报送的次数")):
        r = it.c("gc_office").put("/api/v1/warnings/settings", body)
        assert r.status == 422 and r.error.get("field") == field and words in r.error["message"], (body, r)
    r = it.c("gc_office").put("/api/v1/warnings/settings", {"extension": 3})
    assert r.status == 422 and "extension" in r.error["message"], r
    assert it.c("gc_office").get("/api/v1/warnings/settings").json == before
    # only the office changes them; the principal leader reads them; a unit does neither
    assert it.c("gc_principal").put("/api/v1/warnings/settings", {"pace_gap": 50}).status == 403
    assert it.c("gc_principal").get("/api/v1/warnings/settings").status == 200
    assert it.c("gc_contact").get("/api/v1/warnings/settings").status == 403
    # a gap of 40 is below a line of 60: cleared; back at 20: raised again, the contact not told twice
    r = it.c("gc_office").put("/api/v1/warnings/settings", {"pace_gap": 60})
    assert r.status == 200 and r.json["pace_gap"] == 60 and r.json["saved"] is True
    assert cleared(it, iid, "pace")
    r = it.c("gc_office").put("/api/v1/warnings/settings", {"pace_gap": 20})
    assert r.status == 200
    assert raised(it, iid, "pace", threshold=20)
    assert len(wait_for(lambda: told(it, item["number"], "进度滞后"))) == 1
    audit = it.c("admin").get("/api/v1/audit?action=warnings.settings").json["records"]
    mine = [a for a in audit if a["action"] == "warnings.settings"]
    assert len(mine) >= 2, [a["action"] for a in audit]


def test_who_sees_what_and_the_ranking(it):
    jt, zj = it.unit("gc-jt"), it.unit("gc-zj")
    item = received_days_ago(it, 80, it.day(20), "预警测试：排水管网（可见范围）" + uniq())
    iid = item["id"]
    it.act(iid, "gc_contact", "report", {"text": "进展缓慢", "percent": 5})
    assert raised(it, iid, "pace", percent=5)
    office = warnings(it)
    # per unit: the items at risk, ranked; each equals a recount of the rows
    units = office["units"]
    counts = [u["items"] for u in units]
    assert counts == sorted(counts, reverse=True) and units[0]["rank"] == 1
    rows = office["warnings"]
    assert office["total"] == len(rows)
    for u in units:
        assert u["items"] == len({w["item_id"] for w in rows if w["unit_id"] == u["unit_id"]}), u
        for sig, n in u["signals"].items():
            assert n == len([w for w in rows if w["unit_id"] == u["unit_id"]
                             for s in w["signals"] if s["signal"] == sig]), (u, sig)
    assert [u for u in units if u["unit_id"] == jt][0]["items"] >= 1
    # filters
    assert {w["unit_id"] for w in warnings(it, unit_id=jt)["warnings"]} == {jt}
    # a signal filters the tracks, each listed with all its signals (the demo's 病险水库 track is pace and ignored)
    paced = warnings(it, signal="pace")["warnings"]
    assert paced and all(any(s["signal"] == "pace" for s in w["signals"]) for w in paced)
    assert {w["track_id"] for w in paced} == {w["track_id"] for w in warnings(it)["warnings"]
                                              if any(s["signal"] == "pace" for s in w["signals"])}
    r = it.c("gc_office").get("/api/v1/warnings?signal=late")
    assert r.status == 422 and r.error.get("field") == "signal", r
    # the leader in charge reads them too
    assert iid in {w["item_id"] for w in warnings(it, "gc_principal")["warnings"]}
    # a unit sees its own: 交通运输局 this item; 住建局 not, and not by asking for 交通运输局
    mine = warnings(it, "gc_contact")
    assert iid in {w["item_id"] for w in mine["warnings"]} and {u["unit_id"] for u in mine["units"]} == {jt}
    other = warnings(it, "gc_contact2")
    assert iid not in {w["item_id"] for w in other["warnings"]}
    assert all(w["unit_id"] == zj for w in other["warnings"])
    assert it.c("gc_contact2").get(f"/api/v1/warnings?unit_id={jt}").status == 403
    # another county sees none of 古城县's, and may not ask for its unit
    ap = warnings(it, "ap_office")
    assert iid not in {w["item_id"] for w in ap["warnings"]} and jt not in {u["unit_id"] for u in ap["units"]}
    assert it.c("ap_office").get(f"/api/v1/warnings?unit_id={jt}").status == 403
    assert it.c("ap_office").get("/api/v1/warnings/settings").json["government"]["name"] != "古城县人民政府"
    # the administrator reads no items
    assert it.c("gc_admin").get("/api/v1/warnings").status == 403


def pdf_of(it, bid, tmp_path):
    r = it.c("gc_office").get(f"/api/v1/bulletins/{bid}/document.pdf")
    assert r.status == 200, r
    path = tmp_path / f"bulletin-{bid}.pdf"
    path.write_bytes(r.raw)
    return pdf_text(str(path))


def recount(it, items_office):
    """The section 预警提示 recounted from the warnings the office reads: the items of 古城县人民政府 per unit."""
    units, items = {}, set()
    for w in warnings(it)["warnings"]:
        if w["item_id"] not in items_office:
            items_office[w["item_id"]] = it.get(w["item_id"])["office_unit_id"]
        if items_office[w["item_id"]] != it.unit("gc-dcs"):
            continue
        items.add(w["item_id"])
        u = units.setdefault(w["unit_id"], {"items": set(), "signals": {}})
        u["items"].add(w["item_id"])
        for s in w["signals"]:
            u["signals"][s["signal"]] = u["signals"].get(s["signal"], 0) + 1
    return len(items), {k: (len(v["items"]), v["signals"]) for k, v in units.items()}


def section(fig):
    w = fig["warnings"]
    return w["items"], {u["unit_id"]: (u["items"], u["signals"]) for u in w["units"]}


def test_the_bulletin_section_equals_a_recount_and_is_checked_again(it, tmp_path):
    item = received_days_ago(it, 80, it.day(20), "预警测试：供水管网改造（通报）" + uniq())
    it.act(item["id"], "gc_contact", "report", {"text": "刚开始", "percent": 5})
    assert raised(it, item["id"], "pace", percent=5)
    o = it.c("gc_office")
    period = {"period_from": it.day(0)[:8] + "01", "period_to": it.day(0)}
    # dropped (the default): no section
    plain = o.post("/api/v1/bulletins", period)
    assert plain.status == 201 and plain.json["warning_section"] is False and "warnings" not in plain.json["figures"]
    assert "预警提示" not in pdf_of(it, plain.json["id"], tmp_path)
    # kept: the items at risk per unit, equal to a recount of the warnings
    b = o.post("/api/v1/bulletins", period | {"warning_section": True})
    assert b.status == 201 and b.json["warning_section"] is True, b
    bid, cache = b.json["id"], {}
    fig = b.json["figures"]

    def equal():
        nonlocal fig
        if section(fig) == recount(it, cache):
            return True
        fig = o.patch(f"/api/v1/bulletins/{bid}", {"refresh": True}).json["figures"]
        return False
    assert wait_for(equal), (section(fig), recount(it, cache))
    total, per_unit = section(fig)
    jt = it.unit("gc-jt")
    assert total >= 1 and per_unit[jt][0] >= 1 and fig["warnings"]["as_of"] == it.day(0)
    ranks = [u["items"] for u in fig["warnings"]["units"]]
    assert ranks == sorted(ranks, reverse=True)
    text = pdf_of(it, bid, tmp_path)
    assert "预警提示" in text and f"督办事项{total}件" in text, text
    flat = re.sub(r"— \d+ —|\s", "", text)  # the page numbers and the lines' ends
    assert f"古城县交通运输局（{per_unit[jt][0]}件）" in flat, text
    assert re.search(rf"古城县交通运输局{per_unit[jt][0]}{per_unit[jt][1].get('pace', 0)}", flat), text
    # a new warning after the draft: the submission is refused naming the section; counted again, it goes on
    more = received_days_ago(it, 80, it.day(20), "预警测试：雨污分流（通报核对）" + uniq())
    it.act(more["id"], "gc_contact", "report", {"text": "刚开始", "percent": 5})
    assert raised(it, more["id"], "pace", percent=5)
    r = o.post(f"/api/v1/bulletins/{bid}/actions/submit", {})
    assert r.status == 409 and "预警提示" in r.error["message"], r
    fig = o.patch(f"/api/v1/bulletins/{bid}", {"refresh": True}).json["figures"]
    assert section(fig)[1][jt][0] == per_unit[jt][0] + 1
    r = o.post(f"/api/v1/bulletins/{bid}/actions/submit", {})
    assert r.status == 200 and r.json["state"] == "pending", r
    # the office keeps the section of a draft after all: counted again with it
    r = o.patch(f"/api/v1/bulletins/{plain.json['id']}", {"warning_section": True})
    assert r.status == 200 and "warnings" in r.json["figures"] and r.json["warning_section"] is True
