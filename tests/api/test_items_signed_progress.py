"""A unit whose head signed off (负责人核签) counts 100 % wherever its progress is shown, by one rule
(items_track_percent): the API's tracks[].progress (the unit's own view and the office's), the ledger's
tracks, the item's 总体进度 rolled up from them, the ledger export (CSV, XLSX) and the PDFs (催办通知, 督办事项清单).
The office's return (退回) of the signed completion shows each unit's last report again."""
import re
from urllib.parse import quote

import pytest

from conftest import uniq
from docs_util import pdf_text
from itemlib import Items
from test_item_documents import xlsx_rows


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def unit_progress(tracks):
    """{unit id: its track's progress}"""
    return {t["unit_id"]: t["progress"] for t in tracks}


def shown(it, item, tmp_path):
    """The item's progress as every reader shows it: the item page (office and each unit), the ledger row and its
    tracks, the CSV's and the XLSX's 进度, the reminder and the list PDFs (pdftotext)."""
    iid, title = item["id"], item["title"]
    out = {}
    for user in ("gc_office", "gc_contact", "gc_contact2"):
        got = it.get(iid, user)
        out[user] = (got["progress"], unit_progress(got["tracks"]))
    rows = it.ledger(q=title)["items"]
    assert [r["id"] for r in rows] == [iid], rows
    out["ledger"] = (rows[0]["progress"], unit_progress(rows[0]["tracks"]))
    office = it.c("gc_office")
    r = office.get(f"/api/v1/items/export.csv?q={quote(title)}")
    assert r.status == 200, r
    lines = [line for line in r.raw.decode("utf-8-sig").splitlines() if title in line]
    assert len(lines) == 1, lines
    out["csv"] = int(re.search(r",(\d+)%,", lines[0]).group(1))
    r = office.get(f"/api/v1/items/export.xlsx?q={quote(title)}")
    assert r.status == 200, r
    rows = xlsx_rows(r.raw)
    assert rows[0]["L"][1] == "进度"
    out["xlsx"] = [round(float(row["L"][1]) * 100) for row in rows[1:] if row.get("C", (0, ""))[1] == title]
    for name, path in (("reminder", f"/api/v1/items/{iid}/documents/reminder.pdf"),
                       ("list", f"/api/v1/items/documents/list.pdf?q={quote(title)}")):
        r = office.get(path)
        assert r.status == 200, r
        p = tmp_path / f"{name}.pdf"
        p.write_bytes(r.raw)
        out[name] = re.sub(r"\s+", "", pdf_text(str(p)))
    return out


def test_a_signed_off_unit_counts_100_in_the_api_the_exports_and_the_pdfs(it, tmp_path):
    title = f"老旧小区雨污分流改造{uniq()}"
    item = it.bring("assigned", title=title, co=("gc-zj",))
    iid, jt, zj = item["id"], it.unit("gc-jt"), it.unit("gc-zj")
    it.act(iid, "gc_contact", "receive")
    it.act(iid, "gc_contact2", "receive")
    it.act(iid, "gc_contact", "report", {"text": "完成管网普查", "percent": 40})
    it.act(iid, "gc_contact2", "report", {"text": "配合完成入户摸底", "percent": 20})
    it.act(iid, "gc_contact", "request_completion", {"text": "主管网改造完成"})
    r = it.act(iid, "gc_head", "sign")
    assert r.json["state"] == "in_progress", "the co unit is still working"
    assert unit_progress(r.json["tracks"]) == {jt: 100, zj: 20} and r.json["progress"] == 60

    s = shown(it, item, tmp_path)
    for who in ("gc_office", "gc_contact", "gc_contact2", "ledger"):
        assert s[who] == (60, {jt: 100, zj: 20}), (who, s[who])
    assert s["csv"] == 60 and s["xlsx"] == [60], (s["csv"], s["xlsx"])
    assert "当前办理进度为60%" in s["reminder"], s["reminder"]
    assert re.search("办理中[绿黄红]灯60%", s["list"].split(title)[-1]), s["list"]

    # both units signed: the item waits for the office at 100 %; the office's return shows the last reports again
    it.act(iid, "gc_contact2", "request_completion", {"text": "配合完成"})
    r = it.act(iid, "gc_head2", "sign")
    assert r.json["state"] == "completion_signed" and r.json["progress"] == 100
    assert unit_progress(r.json["tracks"]) == {jt: 100, zj: 100}
    r = it.act(iid, "gc_office", "return", {"reason": "缺少验收材料"})
    assert r.json["state"] == "in_progress" and r.json["progress"] == 30
    assert unit_progress(r.json["tracks"]) == {jt: 40, zj: 20}
    s = shown(it, item, tmp_path)
    assert s["ledger"] == (30, {jt: 40, zj: 20}) and s["csv"] == 30 and s["xlsx"] == [30]
    assert "当前办理进度为30%" in s["reminder"], s["reminder"]
    assert re.search("办理中[绿黄红]灯30%", s["list"].split(title)[-1]), s["list"]


def test_a_unit_cannot_sign_off_another_units_track(it):
    """The refusals around the sign-off: the contact cannot sign, the other unit's head cannot, and an
    unsigned track keeps its report."""
    item = it.bring("assigned", title=f"背街小巷路灯改造{uniq()}", co=("gc-zj",))
    iid, jt, zj = item["id"], it.unit("gc-jt"), it.unit("gc-zj")
    for contact in ("gc_contact", "gc_contact2"):
        it.act(iid, contact, "receive")
    it.act(iid, "gc_contact2", "report", {"text": "配合完成线路勘查", "percent": 50})
    it.act(iid, "gc_contact2", "request_completion", {"text": "配合完成"})
    assert it.act(iid, "gc_contact2", "sign", expect=403)
    assert it.act(iid, "gc_head", "sign", expect=409)  # his unit's track has nothing to sign
    got = it.get(iid)
    assert unit_progress(got["tracks"]) == {jt: 0, zj: 50} and got["progress"] == 25
