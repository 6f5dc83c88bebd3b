"""The ledger's exports carry the assignment date of every assigned item (issue 15: the CSV assigned_at and the
XLSX 交办日期 columns were empty): each exported row agrees with the item's own assigned_at, as a local date,
and a draft or an item withdrawn before assignment has none."""
import csv
import datetime
import io

import openpyxl  # scripts/deps.sh: python3-openpyxl

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def local_day(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(BEIJING).date()


def test_csv_and_xlsx_carry_the_assignment_date(server):
    c = server.client("gc_office")
    items = c.get("/api/v1/items?limit=100").json["items"]
    want = {}
    for it in items:
        full = c.get(f"/api/v1/items/{it['id']}").json
        want[full["title"]] = local_day(full["assigned_at"]) if full.get("assigned_at") else None
    assert sum(1 for v in want.values() if v) >= 5, want  # the demo has assigned, received, completed … items
    assert any(v is None for v in want.values())  # and drafts
    r = c.get("/api/v1/items/export.csv")
    assert r.status == 200
    rows = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8-sig"))))
    assert {row["督办事项"] for row in rows} == set(want)
    for row in rows:
        d = want[row["督办事项"]]
        assert row["交办日期"] == (d.isoformat() if d else ""), (row["督办事项"], row["交办日期"], d)
    r = c.get("/api/v1/items/export.xlsx")
    assert r.status == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.raw)).worksheets[0]
    head = [v for v in next(ws.iter_rows(min_row=1, max_row=1, values_only=True))]
    title, assigned = head.index("督办事项"), head.index("交办日期")
    seen = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[title] not in want:
            continue
        seen += 1
        d = want[row[title]]
        got = row[assigned].date() if isinstance(row[assigned], datetime.datetime) else row[assigned]
        assert got == d, (row[title], row[assigned], d)
    assert seen == len(want)
