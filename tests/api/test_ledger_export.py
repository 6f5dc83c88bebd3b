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
    s = Server(backend.new_db(), extra_args=["--set", f"ledger_export_batch={BATCH}"])
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

