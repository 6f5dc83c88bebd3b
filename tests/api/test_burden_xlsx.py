"""The burden index as XLSX (基层减负, issue 12): GET /api/v1/burden/export.xlsx holds exactly the figures of
GET /api/v1/burden for the same user and year — the units ranked, every unit's figures by issuer, the issuers
ranked (a government's readers only); a unit's user gets its own row only; the administrator is refused and a
bad year names the parameter. The workbook is opened as what it is, a zip of XML (openpyxl reads it)."""
import io
import zipfile

import openpyxl
import pytest

from itemlib import Items

FIGS = ("notices", "presses", "reminders", "reports", "inspections", "tasks", "visits", "total")


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def year_of(it):
    return it.c("gc_office").get("/api/v1/scoring/rules").json["year"]


def both(it, user, year):
    """The JSON and the workbook's sheets as rows of values (from the third row: title, then the heads). The
    scheduler may add a deadline reminder meanwhile: the JSON is read before and after the workbook, and the
    three again until the two agree."""
    for _ in range(5):
        j = it.c(user).get(f"/api/v1/burden?year={year}")
        assert j.status == 200, j
        x = it.c(user).get(f"/api/v1/burden/export.xlsx?year={year}")
        again = it.c(user).get(f"/api/v1/burden?year={year}")
        if again.json == j.json:
            break
    assert again.json == j.json, "the figures kept moving"
    assert x.status == 200 and x.headers["Content-Type"].startswith("application/vnd.openxmlformats"), x
    assert "filename*=UTF-8''" in x.headers["Content-Disposition"], x.headers
    with zipfile.ZipFile(io.BytesIO(x.raw)) as z:
        assert "xl/workbook.xml" in z.namelist()
        assert "<f>" not in "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    wb = openpyxl.load_workbook(io.BytesIO(x.raw))
    sheets = {ws.title: [list(r) for r in ws.iter_rows(min_row=3, values_only=True)] for ws in wb.worksheets}
    return j.json, sheets, wb


def test_the_workbook_holds_the_figures_of_the_page(it):
    year = year_of(it)
    # one more press of 交通运输局 by the office, so the year has figures whatever the demo holds
    item = it.bring("in_progress", title="减负导出测试：农村公路安全隐患整治")
    it.act(item["id"], "gc_office", "press", {"text": "请加快进度"})
    b, sheets, wb = both(it, "gc_office", year)
    assert wb.sheetnames == ["各单位", "按提出要求的政府", "提出要求的政府"]
    assert wb["各单位"]["A1"].value == f"古城县人民政府{year}年基层负担（减负）统计"
    assert b["units"] and any(u["total"] for u in b["units"])
    assert sheets["各单位"] == [[u["rank"], u["name"], *[u[f] for f in FIGS]] for u in b["units"]]
    assert sheets["按提出要求的政府"] == [[u["name"], x["issuer"], *[x[f] for f in FIGS]]
                                         for u in b["units"] for x in u["by_issuer"]]
    assert sheets["提出要求的政府"] == [[x["rank"], x["issuer"], x["units"], *[x[f] for f in FIGS]]
                                         for x in b["issuers"]]
    jt = next(r for r in sheets["各单位"] if r[1] == "古城县交通运输局")
    assert jt[3] >= 1  # the press above


def test_a_unit_gets_its_own_row_and_the_refusals(it):
    year = year_of(it)
    b, sheets, wb = both(it, "gc_head", year)
    assert b["own_only"] and wb.sheetnames == ["各单位", "按提出要求的政府"]
    assert [r[1] for r in sheets["各单位"]] == ["古城县交通运输局"]
    assert sheets["各单位"][0][2:] == [b["units"][0][f] for f in FIGS]
    assert it.c("gc_admin").get(f"/api/v1/burden/export.xlsx?year={year}").status == 403
    r = it.c("gc_office").get("/api/v1/burden/export.xlsx?year=1800")
    assert r.status == 400 and "year" in r.json["error"]["message"], r
