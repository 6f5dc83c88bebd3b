"""A bulletin's levels (统计层级, issue 12): the city reporting on its counties. 本级 (own, the default) counts the
items, inspections and tasks its own office registered; 本级及下级 (below) counts those of every government below it
too, so a city's bulletin on its counties is not empty. Every figure equals a recount from the ledger for the same
offices, period and scope; the levels are chosen in the draft (PATCH counts again), counted again at submission
(a county's new item refuses a city's 本级及下级 draft, not its 本级 one) and at issue, printed in the PDF; 422
naming the field for anything but own/below."""
import pytest

from docs_util import pdf_text
from itemlib import Items
from test_bulletins import clock, figures_of, recount

T0, T1 = "2025-05-06T10:00:00+08:00", "2025-06-03T10:00:00+08:00"
MAY = {"period_from": "2025-05-01", "period_to": "2025-05-31"}


@pytest.fixture(scope="module")
def city(server):
    """On 6 May 2025: the city office's item for 古城县人民政府; two items of 古城县 (交通运输局, 住建局 — the
    latter due 20 May, still open: overdue at the end of May) and two of 安平县 (its 交通运输局; one due 15 May,
    overdue too); the clock then on 3 June. The city's deputy, director and principal leader are created here (the demo has its office only)."""
    it = Items(server)
    clock(server, T0)
    it.add_city_leaders("lv", ("deputy", "director", "principal"))
    c = it.c("lc_office")
    r = c.post("/api/v1/items", {"title": "全市农村公路提档升级", "requirement": "各县完成农村公路改造任务",
                                 "source_kind": "work_report", "lead_unit_id": lc_unit(it, "gc"),
                                 "due_date": "2025-09-30"})
    assert r.status == 201, r
    it.send(r.json, "lc_office", ("lc_deputy_lv", "lc_director_lv"))
    gc_a = it.create(title="县城公交站台改造", due_date="2025-07-31")
    gc_b = it.create(title="老旧小区屋面防水维修", lead="gc-zj", due_date="2025-05-20")
    for x in (gc_a, gc_b):
        it.send(x, "gc_office", ("gc_deputy", "gc_director"))
    r = it.c("ap_office").post("/api/v1/items", {"title": "安平县客运站改造", "requirement": "完成客运站改造",
                                                 "source_kind": "meeting", "lead_unit_id": lc_unit(it, "ap-jt"),
                                                 "due_date": "2025-08-31"})
    assert r.status == 201, r
    it.send(r.json, "ap_office", ("ap_deputy", "ap_director"))
    ap_item = r.json
    r = it.c("ap_office").post("/api/v1/items", {"title": "安平县城区排水管网清淤", "requirement": "汛前完成清淤",
                                                 "source_kind": "meeting", "lead_unit_id": lc_unit(it, "ap-jt"),
                                                 "due_date": "2025-05-15"})
    assert r.status == 201, r
    it.send(r.json, "ap_office", ("ap_deputy", "ap_director"))
    clock(server, T1, it)
    return {"it": it, "server": server, "city_item": ap_item, "gc_b": gc_b, "ap_late": r.json}


def lc_unit(it, code):
    return it.c("lc_office").unit_id(code)


def offices(it, *codes):
    return {lc_unit(it, f"{x}-dcs") for x in codes}


def draft(client, body):
    r = client.post("/api/v1/bulletins", body)
    assert r.status == 201, r
    return r.json


def test_own_and_below_each_equal_a_recount(city):
    it = city["it"]
    o = it.c("lc_office")
    own = draft(o, MAY)
    assert own["levels"] == "own" and own["levels_label"] == "本级"
    assert figures_of(own) == recount(city, "2025-05-01", "2025-05-31", "lc", "lc_office", offices(it, "lc"))
    assert own["figures"]["totals"]["registered"] == 1  # the city's own item only
    below = draft(o, dict(MAY, levels="below"))
    assert below["levels"] == "below" and below["levels_label"] == "本级及下级"
    want = recount(city, "2025-05-01", "2025-05-31", "lc", "lc_office", offices(it, "lc", "gc", "ap"))
    assert figures_of(below) == want
    assert below["figures"]["totals"]["registered"] >= 4 and below["figures"]["totals"]["overdue"] >= 1
    by_unit = {u["unit_id"]: u for u in below["figures"]["units"]}
    for code in ("gc", "gc-jt", "gc-zj", "ap-jt"):
        assert by_unit[lc_unit(it, code)]["registered"] >= 1, code
    # the overdue items of every government below, merged longest overdue first (安平 due 15 May, 古城 20 May)
    assert [x["id"] for x in below["figures"]["overdue_items"]] == [city["ap_late"]["id"], city["gc_b"]["id"]]
    assert [x["overdue_days"] for x in below["figures"]["overdue_items"]] == [16, 11]
    assert own["figures"]["overdue_items"] == []
    # a county as the scope: the city's and that county's items reaching it, not the other county's
    ap = draft(o, dict(MAY, levels="below", scope_unit_id=lc_unit(it, "ap")))
    assert figures_of(ap) == recount(city, "2025-05-01", "2025-05-31", "ap", "lc_office",
                                         offices(it, "lc", "gc", "ap"))
    assert lc_unit(it, "gc-jt") not in {u["unit_id"] for u in ap["figures"]["units"]}
    # the county's own bulletin: 本级及下级 is its own level (no government below it has items)
    g = it.c("gc_office")
    gown, gbelow = (draft(g, dict(MAY, levels=lv)) for lv in ("own", "below"))
    assert figures_of(gown) == figures_of(gbelow) == recount(city, "2025-05-01", "2025-05-31")


def test_the_roll_up_per_government_adds_up_and_each_row_is_a_recount(city):
    """本级及下级: a row for the city itself (本级, its own office's items) and one per county with everything below
    it, each the recount of that government's items; the rows add up to the totals; an own bulletin has none."""
    it = city["it"]
    o = it.c("lc_office")
    below = draft(o, dict(MAY, levels="below"))
    rows = below["figures"]["governments"]
    assert [(r["name"], r["level"]) for r in rows] == [("临川市人民政府", "own"), ("古城县人民政府", "below"),
                                                       ("安平县人民政府", "below")], rows
    keys = ("registered", "completed", "completed_on_time", "overdue")
    for r, offs in zip(rows, (("lc",), ("gc",), ("ap",))):
        totals, _ = recount(city, "2025-05-01", "2025-05-31", "lc", "lc_office", offices(it, *offs))
        assert {k: r[k] for k in keys} == totals, (r, totals)
        assert r["unit_id"] == lc_unit(it, offs[0])
    assert {k: sum(r[k] for r in rows) for k in keys} == {k: below["figures"]["totals"][k] for k in keys}
    assert rows[0]["registered"] == 1 and rows[1]["registered"] == 2 and rows[1]["overdue"] >= 1
    # a county as the scope: only what reaches it, the other county left out
    ap = draft(o, dict(MAY, levels="below", scope_unit_id=lc_unit(it, "ap")))
    assert "古城县人民政府" not in [r["name"] for r in ap["figures"]["governments"]]
    assert "governments" not in draft(o, MAY)["figures"]


def test_patch_levels_counts_again_and_bad_levels_refused(city):
    it = city["it"]
    o = it.c("lc_office")
    b = draft(o, MAY)
    r = o.patch(f"/api/v1/bulletins/{b['id']}", {"levels": "below"})
    assert r.status == 200 and r.json["levels"] == "below", r
    assert figures_of(r.json) == recount(city, "2025-05-01", "2025-05-31", "lc", "lc_office",
                                         offices(it, "lc", "gc", "ap"))
    ev = o.get(f"/api/v1/bulletins/{b['id']}/events").json["events"]
    assert [e["action"] for e in ev] == ["create", "refresh"]
    audit = o.get(f"/api/v1/audit?object_type=bulletin&object_id={b['id']}&limit=50").json["records"]
    assert [(a["summary"]["change"], a["summary"]["recounted"]) for a in audit if a["action"] == "bulletin.update"] \
        == [({"levels": "below"}, True)]
    figures = r.json["figures"]
    for bad in ("all", "", "本级"):
        r = o.patch(f"/api/v1/bulletins/{b['id']}", {"levels": bad})
        assert r.status == 422 and r.error.get("field") == "levels", (bad, r)
        assert "统计层级" in r.error["message"], r
        r = o.post("/api/v1/bulletins", dict(MAY, levels=bad))
        assert r.status == 422 and r.error.get("field") == "levels", (bad, r)
    after = o.get(f"/api/v1/bulletins/{b['id']}").json  # nothing changed by the refusals
    assert after["levels"] == "below" and after["figures"] == figures


def test_a_county_change_refuses_the_city_below_draft_and_the_issue_prints_it(city, tmp_path):
    it, srv = city["it"], city["server"]
    o = it.c("lc_office")
    span = {"period_from": "2025-05-01", "period_to": "2025-06-03"}
    own, below = draft(o, span), draft(o, dict(span, levels="below"))
    x = it.create(title="月初新交办的路灯维修", due_date="2025-07-15")
    it.send(x, "gc_office", ("gc_deputy", "gc_director"))
    o = it.c("lc_office")
    r = o.post(f"/api/v1/bulletins/{below['id']}/actions/submit", {})
    assert r.status == 409 and "通报数据已变化" in r.error["message"], r
    assert "古城县交通运输局交办由" in r.error["message"], r
    assert o.post(f"/api/v1/bulletins/{own['id']}/actions/submit", {}).status == 200  # the city's own: unchanged
    r = o.patch(f"/api/v1/bulletins/{below['id']}", {"refresh": True})
    assert r.status == 200 and figures_of(r.json) == recount(city, "2025-05-01", "2025-06-03", "lc", "lc_office",
                                                             offices(it, "lc", "gc", "ap"))
    bid = below["id"]
    assert o.post(f"/api/v1/bulletins/{bid}/actions/submit", {}).status == 200
    p = it.c("lc_principal_lv")
    assert p.post(f"/api/v1/bulletins/{bid}/actions/approve", {}).status == 200
    issued = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    assert issued.status == 200, issued
    issued = issued.json
    assert issued["levels"] == "below" and issued["state"] == "issued"
    # a county's unit reads the city's bulletin once issued, and its document says what it counts
    r = it.c("gc_contact").get(f"/api/v1/bulletins/{bid}/document.pdf")
    assert r.status == 200 and r.raw[:5] == b"%PDF-", r
    pdf = tmp_path / "levels.pdf"
    pdf.write_bytes(r.raw)
    text = pdf_text(str(pdf)).replace("\n", "")
    t = issued["figures"]["totals"]
    for words in (issued["number"], "本级及下级", "古城县交通运输局", "安平县交通运输局", "老旧小区屋面防水维修",
                  f"共交办督办事项{t['registered']}件", "本级和各下级政府交办情况如下", "临川市人民政府（本级）",
                  "古城县人民政府", "安平县人民政府", "各责任单位办理情况如下"):
        assert words in text, (words, text[:3000])
