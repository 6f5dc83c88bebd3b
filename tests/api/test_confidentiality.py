"""An internal item (密级 内部, the default) never reaches a public page (issue 15): a bulletin published to the
public lists, of its overdue items, only those marked public; the office's own view of the bulletin keeps all.
The counts per unit stay (they name no item)."""
from itemlib import Items

T0, T1 = "2025-03-03T10:00:00+08:00", "2025-04-07T10:00:00+08:00"


def test_a_public_bulletin_lists_only_public_items(fresh_server):
    srv = fresh_server
    it = Items(srv)
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": T0})
    assert r.status == 200, r
    open_item = it.create(title="背街小巷路灯修复（公开）", due_date="2025-03-10", confidentiality="public")
    closed_item = it.create(title="涉密工程进度核查（内部）", due_date="2025-03-12")
    assert it.c("gc_office").get(f"/api/v1/items/{closed_item['id']}").json["confidentiality"] == "internal"
    for x in (open_item, closed_item):
        for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                             ("gc_office", "assign")):
            it.act(x["id"], user, action, {})
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": T1})
    assert r.status == 200, r
    it.clients.clear()
    office, principal = it.c("gc_office"), it.c("gc_principal")
    r = office.post("/api/v1/bulletins", {"period_from": "2025-03-01", "period_to": "2025-03-31", "public": True})
    assert r.status == 201, r
    bid = r.json["id"]
    for c, action in ((office, "submit"), (principal, "approve"), (office, "issue")):
        r = c.post(f"/api/v1/bulletins/{bid}/actions/{action}", {})
        assert r.status == 200, (action, r)
    titles = lambda b: {x["title"] for x in b["figures"]["overdue_items"]}  # noqa: E731
    full = office.get(f"/api/v1/bulletins/{bid}").json
    assert titles(full) >= {"背街小巷路灯修复（公开）", "涉密工程进度核查（内部）"}
    pub = srv.client().get(f"/api/v1/public/bulletins/{bid}")
    assert pub.status == 200, pub
    assert "背街小巷路灯修复（公开）" in titles(pub.json)
    assert "涉密工程进度核查（内部）" not in pub.raw.decode()  # nowhere on the public page
    assert pub.json["figures"]["units"] == full["figures"]["units"]  # the counts stay


def test_exports_state_the_secrecy_and_a_file_for_outside_recipients_holds_only_public_items(server, tmp_path):
    """密级 in every ledger export (CSV, XLSX), and the ledger filter confidentiality=public for a file meant for
    outside recipients (an 内部 item must never reach one): the CSV, the XLSX and the list PDF of that filter
    hold only items marked 公开 and say so; the CSV imports back with its 密级."""
    import csv
    import io
    import zipfile

    from docs_util import pdf_text

    it = Items(server)
    pub = it.create(title="背街小巷路灯修复（对外）", confidentiality="public")
    internal = it.create(title="涉密工程进度核查（不外发）")
    office = it.c("gc_office")

    def csv_rows(query):
        r = office.get("/api/v1/items/export.csv" + query)
        assert r.status == 200, r
        return list(csv.DictReader(io.StringIO(r.raw.decode("utf-8-sig"), newline="")))

    every = {row["督办事项"]: row for row in csv_rows("")}
    assert every[pub["title"]]["密级"] == "公开" and every[internal["title"]]["密级"] == "内部"
    outside = csv_rows("?confidentiality=public")
    assert pub["title"] in {row["督办事项"] for row in outside}
    assert {row["密级"] for row in outside} == {"公开"}, outside
    assert internal["title"] not in {row["督办事项"] for row in outside}
    # the XLSX: the same column, the same filter
    r = office.get("/api/v1/items/export.xlsx?confidentiality=public")
    assert r.status == 200, r
    sheet = zipfile.ZipFile(io.BytesIO(r.raw))
    text = sheet.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in sheet.namelist() else ""
    text += sheet.read("xl/worksheets/sheet1.xml").decode()
    assert "密级" in text and pub["title"] in text and internal["title"] not in text and "内部" not in text
    # the list PDF says which items it holds
    r = office.get("/api/v1/items/documents/list.pdf?confidentiality=public")
    assert r.status == 200, r
    p = tmp_path / "list.pdf"
    p.write_bytes(r.raw)
    listed = "".join(pdf_text(str(p)).split())
    assert "密级：公开" in listed and pub["title"] in listed and internal["title"] not in listed
    # a wrong value is refused, naming the field
    r = office.get("/api/v1/items/export.csv?confidentiality=secret")
    assert r.status == 400 and "confidentiality" in r.error["message"], r
    # the export imports back with its 密级 (its header and this item's line: other items' dates may be past)
    lines = office.get("/api/v1/items/export.csv?confidentiality=public").raw.decode("utf-8-sig").split("\r\n")
    raw = "\r\n".join([lines[0]] + [x for x in lines if pub["title"] in x]) + "\r\n"
    r = office.post("/api/v1/items/import", raw=raw.encode(), content_type="text/csv")
    assert r.status == 201, r
    copy = it.get(next(x["id"] for x in r.json["items"] if x["title"] == pub["title"]))
    assert copy["confidentiality"] == "public", copy
