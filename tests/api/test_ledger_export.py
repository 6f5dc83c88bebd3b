"""The ledger exports (XLSX, CSV) read the ledger in keyset pages of `ledger_export_batch` rows
(docs/internals/ledger.md): with pages of 4 rows here, an export of many pages holds every row the
user may see exactly once, in the ledger's order — the order and rows the API's pages give —, for
several sorts (ties of the sort key across a page boundary included), filters and users with more than
one stream, and never a row of another county; on either backend."""
import collections
import csv
import io
from urllib.parse import quote

import pytest

from conftest import Server, uniq
from itemlib import Items, day
from test_item_documents import xlsx_rows

BATCH = 4


@pytest.fixture(scope="module")
def srv(backend):
    s = Server(backend.new_db(scanned=True), extra_args=["--set", f"ledger_export_batch={BATCH}"])
    yield s
    s.stop()


@pytest.fixture(scope="module")
def data(srv):
    """古城县 items over several pages (six with one due date, so a page ends inside a tie), some assigned
    with a co-unit; and items of 安平县 (another county) with words of their own."""
    it = Items(srv)
    tag = uniq()
    gc = []
    for k in range(6):
        gc.append(it.create(title=f"导出同日事项{tag}-{k}", due_date=day(30)))
    for k in range(5):
        gc.append(it.bring("assigned", title=f"导出已交办事项{tag}-{k}", due_date=day(20 + k), co=("gc-zj",)))
    ap_office = it.c("ap_office")
    ap = []
    for k in range(3):
        r = ap_office.post("/api/v1/items", {"title": f"安平导出事项{tag}-{k}", "requirement": "按月报送进展",
                                             "source_kind": "meeting", "lead_unit_id": ap_office.unit_id("ap-jt"),
                                             "co_unit_ids": [], "due_date": day(30)})
        assert r.status == 201, r
        ap.append(r.json)
    return it, tag, gc, ap


def walk(client, params):
    """The ledger's rows through the API's keyset pages: [(number, title)] in the ledger's order."""
    out, after = [], None
    while True:
        qs = "&".join(f"{k}={quote(str(v))}" for k, v in dict(params, per_page=50, **({"after": after} if after else {})).items())
        r = client.get("/api/v1/items?" + qs)
        assert r.status == 200, r
        out += [(i["number"] or "（未编号）", i["title"]) for i in r.json["items"]]
        after = r.json["next"]
        if not after:
            return out, r.json


def exported(client, fmt, params):
    qs = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    r = client.get(f"/api/v1/items/export.{fmt}" + ("?" + qs if qs else ""))
    assert r.status == 200, r
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8-sig"), newline="")))
        return [(row["编号"], row["督办事项"]) for row in rows]
    rows = xlsx_rows(r.raw)[1:]
    assert [int(row["A"][1]) for row in rows] == list(range(1, len(rows) + 1)), "序号 counts the rows"
    return [(row["B"][1], row["C"][1]) for row in rows]


CASES = [
    ("gc_office", {}),
    ("gc_office", {"sort": "due"}),
    ("gc_office", {"sort": "-due"}),
    ("gc_office", {"sort": "number"}),
    ("gc_office", {"state": "draft,assigned", "sort": "due"}),
    ("gc_office", {"q": "导出"}),  # a search: exported newest first (relevance has no keyset)
    ("gc_office", {"q": "导出", "sort": "due"}),
    ("gc_leader", {}),
    ("gc_contact", {"sort": "-updated"}),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("user,params", CASES)
def test_an_export_of_many_pages_has_every_visible_row_once(srv, data, fmt, user, params):
    it, tag, gc, ap = data
    client = it.c(user)
    pages, last = walk(client, dict({"sort": "-created"}, **params))
    rows = exported(client, fmt, params)
    assert len(rows) > BATCH, "the export spans more than one keyset page"
    assert rows == pages, "the export holds the API's rows, in its order"
    titles = collections.Counter(t for _, t in rows)
    mine = [i["title"] for i in gc if user == "gc_office" or i["state"] == "assigned"]
    if "q" not in params and "state" not in params:
        assert all(titles[t] == 1 for t in mine), "each of the test's items exactly once"
    assert not any(f"安平导出事项{tag}" in t for t in titles), "another county's items never appear"
    if last["total_exact"] and "q" not in params:
        assert len(rows) == last["total"]


def test_another_county_exports_its_own_rows_only(srv, data):
    it, tag, gc, ap = data
    for fmt in ("csv", "xlsx"):
        rows = exported(it.c("ap_office"), fmt, {"sort": "due"})
        titles = collections.Counter(t for _, t in rows)
        assert all(titles[i["title"]] == 1 for i in ap)
        assert not any(f"导出同日事项{tag}" in t or f"导出已交办事项{tag}" in t for t in titles)
        assert rows == walk(it.c("ap_office"), {"sort": "due"})[0]



def test_the_xlsx_is_a_workbook_with_its_formats(srv, data):
    """The XLSX (sheets streamed by base/xlsx_write.c, the zip put together by libzip) opens in openpyxl as
    the ledger's workbook: two sheets, the header bold on its fill and frozen, an autofilter over every row,
    dates as dates, progress as a percentage, the light on its colour, a report's time as a date and time."""
    import datetime
    import openpyxl  # scripts/deps.sh: python3-openpyxl
    it, tag, gc, ap = data
    client = it.c("gc_office")
    mine = it.bring("in_progress", title=f"导出办理中事项{tag}", due_date=day(3))  # with a report of 30 %
    raw = client.get("/api/v1/items/export.xlsx?sort=due").raw
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == ["督办台账", "进展报告"]
    ws = wb["督办台账"]
    head = [c.value for c in ws[1]]
    assert head[:3] == ["序号", "编号", "督办事项"] and len(head) == 15
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFD9E1F2"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:O{ws.max_row}"
    row = next(r for r in ws.iter_rows(min_row=2) if r[2].value == mine["title"])
    full = it.get(mine["id"])
    assert row[8].value == datetime.datetime.fromisoformat(full["due_date"]) and row[8].number_format == "yyyy-mm-dd"
    assert row[11].number_format == "0%" and row[11].value == 0.3
    assert row[10].value in ("红灯", "黄灯", "绿灯") and row[10].fill.fgColor.rgb in ("FFF8696B", "FFFFEB84", "FF63BE7B")
    reports = [r for r in wb["进展报告"].iter_rows(min_row=2) if r[1].value == mine["title"]]
    assert len(reports) == 1 and isinstance(reports[0][2].value, datetime.datetime)
    assert reports[0][2].number_format == "yyyy-mm-dd hh:mm" and reports[0][5].value == 0.3
