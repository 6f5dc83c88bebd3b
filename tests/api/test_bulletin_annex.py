"""A province's 本级及下级 bulletin (issue 12): a bulletin a province issues rolls the figures up per city, ranks the
units with overdue items and prints the ranking's top and bottom N (rank_n, 排名列示单位数, the document says so),
not every responsible unit: at 1,000,000 items the PDF listed 4,200 units on 161 pages. The full per-unit table is
the bulletin's annex, an XLSX (GET /api/v1/bulletins/{id}/annex.xlsx) holding exactly the figures of the bulletin.
On a small `ducha gen` province (14 cities, 140 counties, 1,000 items): the PDF's pages, the roll-up's and
the ranking's words read with pdftotext, the annex's cells against the JSON, rank_n checked and changed, who reads
the annex. A bulletin with few units (at most 2N) still lists them all (test_bulletin_levels)."""
import io
import os
import subprocess

import openpyxl
import pytest

from conftest import BIN, TEST_AUDIT_KEY, TEST_SECRET_KEY, Server
from docs_util import pdf_info, pdf_text


@pytest.fixture(scope="module")
def prov(backend, tmp_path_factory):
    db = backend.new_db(empty=True)
    data = str(tmp_path_factory.mktemp("gen"))
    # the keys the test server runs with (the audit chain is sealed with the key gen finds)
    env = dict(os.environ, DUCHA_AUDIT_KEY=TEST_AUDIT_KEY, DUCHA_SECRET_KEY=TEST_SECRET_KEY)
    p = subprocess.run([BIN, "gen", "--db", db, "--units", "0", "--items", "1000", "--events", "0",
                        "--set", f"data_dir={data}"], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    s = Server(db)
    try:
        yield s
    finally:
        s.stop()


def year_so_far(c):
    """The year of the proposed period (the previous whole month) up to that month's end."""
    r = c.get("/api/v1/bulletins")
    assert r.status == 200, r
    to = r.json["proposed_period"]["to"]
    return {"period_from": to[:4] + "-01-01", "period_to": to}


@pytest.fixture(scope="module")
def bulletin(prov):
    o = prov.client("prov_office")
    r = o.post("/api/v1/bulletins", {**year_so_far(o), "levels": "below", "rank_n": 5})
    assert r.status == 201, r
    return r.json


def pdf_of(c, bid, tmp_path, name):
    r = c.get(f"/api/v1/bulletins/{bid}/document.pdf")
    assert r.status == 200 and r.raw[:5] == b"%PDF-", r
    path = tmp_path / name
    path.write_bytes(r.raw)
    return int(pdf_info(str(path))["Pages"]), pdf_text(str(path)).replace("\n", "")


def test_the_pdf_rolls_up_per_city_and_prints_the_ranking_top_and_bottom_n(prov, bulletin, tmp_path):
    b = bulletin
    f = b["figures"]
    assert b["rank_n"] == 5
    units, ranking, govs = f["units"], f["ranking"], f["governments"]
    # a province of 14 cities: hundreds of responsible units, many of them with overdue items
    assert len(units) > 200 and len(ranking) > 30, (len(units), len(ranking))
    assert len([g for g in govs if g["level"] == "below"]) == 14
    pages, text = pdf_of(prov.client("prov_office"), b["id"], tmp_path, "province.pdf")
    # one row per unit would take len(units) / 30 pages at least
    assert pages <= 8 < len(units) / 30, pages
    t = f["totals"]
    assert f"本级及下级政府共交办督办事项{t['registered']}件" in text
    for g in govs:  # the roll-up: the province's own office, then every city, each with its figures
        name = g["name"] + ("（本级）" if g["level"] == "own" else "")
        assert f"{name}{g['registered']}{g['completed']}{g['completed_on_time']}{g['overdue']}" in \
            text.replace(" ", ""), g
    assert "超期未办结单位排名（前5位和后5位）" in text
    assert f"共{len(ranking)}个单位有超期未办结事项，本通报列示排名前5位和后5位的单位" in text
    assert f"各责任单位（{len(units)}个）的办理情况见附件" in text
    flat = text.replace(" ", "")
    by_id = {u["unit_id"]: u for u in units}
    shown = ranking[:5] + ranking[-5:]
    for r in shown:
        u = by_id[r["unit_id"]]
        assert f"{r['rank']}{r['name']}{u['registered']}{u['completed']}{u['overdue']}" in flat, r
    # the middle of the ranking is left to the annex: not in the PDF unless the sentence, the chart or the overdue
    # items name the unit for another reason
    named = {x["lead_unit"] for x in f["overdue_items"]}
    middle = [r for r in ranking[12:-5] if r["name"] not in named]
    assert middle and middle[0]["name"] not in text, middle[0]
    assert f"第6位至第{len(ranking) - 5}位" in text
    assert "各责任单位办理情况如下" not in text
    # the units the bulletin names (told at issue, in their words): those the document lists, not the hundreds ranked
    assert sorted(u["id"] for u in b["named_units"]) == sorted(r["unit_id"] for r in shown), b["named_units"]


KEYS = ("registered", "completed", "completed_on_time", "overdue")


def flat(rows, depth=0):
    """The roll-up's rows in the document's order: each row, then the rows under it one level deeper."""
    for g in rows:
        yield depth, g
        yield from flat(g.get("governments", []), depth + 1)


def test_the_roll_up_goes_down_every_level_and_each_government_is_a_recount(prov, bulletin, tmp_path):
    """Province → city → county: each city's row unfolds to its counties; each level adds up to the row above it
    (the first to the totals), and each city's and county's figures equal the bulletin counted again with that
    government as its scope (gen's items stay in their county); the PDF prints the cities and the most overdue
    counties, the annex all of them."""
    o = prov.client("prov_office")
    f = bulletin["figures"]
    govs = f["governments"]
    cities = [g for g in govs if g["level"] == "below"]
    assert len(cities) == 14 and all(g["level"] == "own" or g.get("governments") for g in govs), govs

    def adds_up(rows, want):
        assert {k: sum(r[k] for r in rows) for k in KEYS} == {k: want[k] for k in KEYS}, (rows, want)
        for r in rows:
            if r.get("governments"):
                adds_up(r["governments"], r)

    adds_up(govs, f["totals"])
    counties = [g for c in cities for g in c["governments"]]
    assert all(g["level"] == "below" and "governments" not in g for g in counties), counties
    assert len(counties) > 100 and sum(1 for c in counties if c["name"] == "古城县人民政府") == 1
    for g in cities + [c for c in cities[0]["governments"][:2]]:
        r = o.post("/api/v1/bulletins", {**year_so_far(o), "levels": "below", "scope_unit_id": g["unit_id"]})
        assert r.status == 201, r
        assert {k: r.json["figures"]["totals"][k] for k in KEYS} == {k: g[k] for k in KEYS}, (g, r.json["figures"])
        sub = r.json["figures"]["governments"]  # one city, down to the scope
        assert len(sub) == 1 and g["unit_id"] in [x["unit_id"] for _, x in flat(sub)], sub
        if g is cities[0]:  # a few rows: the PDF prints every level, the counties indented under their city
            _, text = pdf_of(o, r.json["id"], tmp_path, "city.pdf")
            flat_text, at = text.replace(" ", ""), 0  # (pdftotext drops the indentation: seen on the page)
            for depth, x in flat(sub):
                row = f"{x['name']}{x['registered']}{x['completed']}{x['completed_on_time']}{x['overdue']}"
                assert flat_text.find(row, at) > at, (depth, x)
                at = flat_text.find(row, at)
            assert "各下级政府所属政府" not in text
    # the PDF: every city, then the counties most overdue (rank_n of them), the rest in the annex
    _, text = pdf_of(o, bulletin["id"], tmp_path, "levels.pdf")
    flat_text = text.replace(" ", "")
    top = sorted(counties, key=lambda g: (-g["overdue"], -g["registered"], g["name"].encode()))[:5]
    assert f"各下级政府所属政府（{len(counties)}个）的办理情况见附件《各级政府》工作表，其中超期未办结事项最多的5个如下：" \
        in flat_text
    for g in top:
        assert f"{g['name']}{g['registered']}{g['completed']}{g['completed_on_time']}{g['overdue']}" in flat_text, g
    rest = [g for g in counties[5:] if g not in top and g["name"] not in text]
    assert rest, "the other counties are left to the annex"


def test_the_annex_holds_every_unit_of_the_bulletin(prov, bulletin):
    o = prov.client("prov_office")
    x = o.get(f"/api/v1/bulletins/{bulletin['id']}/annex.xlsx")
    assert x.status == 200 and x.headers["Content-Type"].startswith("application/vnd.openxmlformats"), x
    assert "filename*=UTF-8''" in x.headers["Content-Disposition"], x.headers
    wb = openpyxl.load_workbook(io.BytesIO(x.raw))
    assert wb.sheetnames == ["各责任单位", "各级政府", "超期未办结事项"]
    f = bulletin["figures"]
    assert wb["各责任单位"]["A1"].value == f"{bulletin['title']}附件：各责任单位办理情况表"
    rows = [list(r) for r in wb["各责任单位"].iter_rows(min_row=3, values_only=True)]
    rank = {r["unit_id"]: r["rank"] for r in f["ranking"]}
    want = [[i + 1, u["name"], u["registered"], u["completed"], u["completed_on_time"], u["overdue"],
             rank.get(u["unit_id"])] for i, u in enumerate(f["units"])]
    t = f["totals"]
    want.append([None, "合计（每项事项计一次）", t["registered"], t["completed"], t["completed_on_time"], t["overdue"],
                 None])
    assert rows == want
    govs = [list(r) for r in wb["各级政府"].iter_rows(min_row=3, values_only=True)]
    assert govs == [["　" * depth + g["name"] + ("（本级）" if g["level"] == "own" else ""), g["registered"],
                     g["completed"], g["completed_on_time"], g["overdue"]] for depth, g in flat(f["governments"])] + \
        [["合计", t["registered"], t["completed"], t["completed_on_time"], t["overdue"]]]
    assert len(govs) > 140  # the cities and, under each, its counties
    items = [list(r) for r in wb["超期未办结事项"].iter_rows(min_row=3, values_only=True)]
    assert items == [[i + 1, x["number"], x["title"], x["lead_unit"], x["due_date"], x["overdue_days"]]
                     for i, x in enumerate(f["overdue_items"])]
    # a county's office does not read the province's draft: 404, as for the bulletin itself
    assert prov.client("gc_office").get(f"/api/v1/bulletins/{bulletin['id']}/annex.xlsx").status == 404
    assert o.get("/api/v1/bulletins/99999999/annex.xlsx").status == 404


def test_rank_n_is_checked_and_changed_without_counting_again(prov, bulletin, tmp_path):
    o = prov.client("prov_office")
    for bad in (0, 51, "五"):
        r = o.patch(f"/api/v1/bulletins/{bulletin['id']}", {"rank_n": bad})
        assert r.status == 422 and r.error.get("field") == "rank_n" and "排名列示单位数" in r.error["message"], r
        r = o.post("/api/v1/bulletins", {**year_so_far(o), "levels": "below", "rank_n": bad})
        assert r.status == 422 and r.error.get("field") == "rank_n", r
    assert o.get(f"/api/v1/bulletins/{bulletin['id']}").json["rank_n"] == 5  # nothing changed
    r = o.patch(f"/api/v1/bulletins/{bulletin['id']}", {"rank_n": 3})
    assert r.status == 200 and r.json["rank_n"] == 3 and r.json["figures_at"] == bulletin["figures_at"], r
    recs = prov.client("admin").get(f"/api/v1/audit?object_type=bulletin&object_id={bulletin['id']}&limit=20")
    assert any(x["action"] == "bulletin.update" and x["summary"]["change"].get("rank_n") == 3
               and x["summary"]["recounted"] is False for x in recs.json["records"]), recs.json
    _, text = pdf_of(o, bulletin["id"], tmp_path, "three.pdf")
    assert "超期未办结单位排名（前3位和后3位）" in text
    ranking = bulletin["figures"]["ranking"]
    assert f"第4位至第{len(ranking) - 3}位" in text
    # a new draft without it lists ten at each end
    r = o.post("/api/v1/bulletins", {**year_so_far(o), "levels": "below"})
    assert r.status == 201 and r.json["rank_n"] == 10, r
