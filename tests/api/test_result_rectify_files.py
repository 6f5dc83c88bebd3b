"""The files of a criticised unit's rectification report (整改材料): attachments like an item's (one table, one
store, the same checks of name, type and content), uploaded by the unit that must report while the report is its
to make, named by the report (attachment_ids) and numbered by its round, read by the office in its review and by
whoever sees the record, audited and on the timeline, and kept where the other attachments go — the year's export
for the organisation and personnel departments and the archive file of the item the criticism rests on. The
refusals change nothing: the wrong role (403), another unit or county (404), the wrong state (409), a bad file
(415, 422), a file that is not this record's or was reported already (422 naming attachment_ids)."""
import csv
import io
import re
import zipfile
from urllib.parse import quote

import pytest

from docs_util import pdf_text
from itemlib import ORDER, PATH
from workflow_drivers import ResultDriver, result_body

PDF = b"%PDF-1.4\n%rectify\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TXT = "整改前后通行时间对比：高峰时段由 42 分钟降至 28 分钟。".encode()
REPORT = "已对照通报逐项整改，附整改前后通行数据对比和验收照片。"


@pytest.fixture(scope="module")
def d(server):
    return ResultDriver(server)


def issued_criticism(d, item_id=None, **kw):
    body = result_body(d.it, "criticism", item_id or d.base_item()["id"], **kw)
    r = d.c("gc_office").post("/api/v1/results", body)
    assert r.status == 201, r
    oid = r.json["id"]
    d.act(oid, "gc_office", "submit", {})
    d.act(oid, "gc_principal", "approve", {})
    return d.act(oid, "gc_office", "issue", {}).json


def upload(d, user, oid, name, raw, ctype="application/octet-stream"):
    return d.c(user).post(f"/api/v1/results/{oid}/attachments?filename={quote(name)}", raw=raw, content_type=ctype)


def files(d, oid, user="gc_office"):
    return d.get(oid, user)["rectification"]["attachments"]


def test_the_unit_reports_with_files_and_the_office_reads_them(d, tmp_path):
    obj = issued_criticism(d)
    oid = obj["id"]
    assert obj["rectification"]["attachments"] == []

    # refusals before anything is kept: the office and the leaders (403), another unit and the other county (404)
    for u in ("gc_office", "gc_principal", "gc_leader"):
        r = upload(d, u, oid, "整改报告.pdf", PDF)
        assert r.status == 403 and "联络员或负责人" in r.error["message"], (u, r)
    for u in ("gc_contact2", "gc_head2", "ap_contact", "ap_office"):
        assert upload(d, u, oid, "整改报告.pdf", PDF).status == 404, u
    # a bad file: a type not allowed, content that is not what its name says, an empty file, no name
    r = upload(d, "gc_contact", oid, "整改报告.exe", b"MZ\x90\x00")
    assert r.status == 415 and "不允许上传该类型的文件" in r.error["message"], r
    r = upload(d, "gc_contact", oid, "整改报告.pdf", b"<html><script>alert(1)</script></html>")
    assert r.status == 415 and ".pdf" in r.error["message"], r
    r = upload(d, "gc_contact", oid, "整改报告.pdf", b"")
    assert r.status in (400, 422), r
    r = d.c("gc_contact").post(f"/api/v1/results/{oid}/attachments", raw=PDF, content_type="application/pdf")
    assert r.status == 422 and "文件名" in r.error["message"], r
    assert files(d, oid) == []

    # the contact and the head upload: kept, on the timeline and in the audit trail, not yet reported
    a = upload(d, "gc_contact", oid, "整改报告.pdf", PDF, "application/pdf")
    assert a.status == 201, a
    a = a.json
    assert (a["filename"], a["size"], a["round"], a["content_type"]) == ("整改报告.pdf", len(PDF), None,
                                                                        "application/pdf")
    b = upload(d, "gc_head", oid, "通行数据对比.txt", TXT, "text/plain").json
    stray = upload(d, "gc_contact", oid, "草稿.txt", "未定稿".encode(), "text/plain").json
    assert [f["id"] for f in files(d, oid)] == [a["id"], b["id"], stray["id"]]
    ev = d.c("gc_office").get(f"/api/v1/results/{oid}/events").json["events"]
    attached = [(e["actor"], e["note"]) for e in ev if e["action"] == "attach"]
    assert attached == [("gc_contact", "整改报告.pdf"), ("gc_head", "通行数据对比.txt"), ("gc_contact", "草稿.txt")]
    audit = d.c("gc_office").get(f"/api/v1/audit?object_type=result&object_id={oid}&limit=50").json["records"]
    assert sorted(x["actor"] for x in audit if x["action"] == "result.attach") == ["gc_contact", "gc_contact",
                                                                                   "gc_head"]

    # the report names its files: one of another record, or unknown, is refused naming attachment_ids
    other = issued_criticism(d)["id"]
    elsewhere = upload(d, "gc_contact", other, "别处.pdf", PDF).json
    for ids in ([elsewhere["id"]], [999999999]):
        r = d.act(oid, "gc_contact", "report_rectification", {"rectification": REPORT, "attachment_ids": ids},
                  expect=422)
        assert r.json["error"]["field"] == "attachment_ids" and "整改材料" in r.error["message"], r
    assert d.get(oid)["state"] == "issued" and all(f["round"] is None for f in files(d, oid))
    rep = d.act(oid, "gc_contact", "report_rectification",
                {"rectification": REPORT, "attachment_ids": [a["id"], b["id"]]}).json
    assert rep["state"] == "reviewing"
    assert [(f["filename"], f["round"]) for f in rep["rectification"]["attachments"]] == [
        ("整改报告.pdf", 1), ("通行数据对比.txt", 1), ("草稿.txt", None)]
    ev = d.c("gc_office").get(f"/api/v1/results/{oid}/events").json["events"]
    report_ev = [e for e in ev if e["action"] == "report_rectification"][-1]
    assert [x["filename"] for x in report_ev["data"]["attachments"]] == ["整改报告.pdf", "通行数据对比.txt"]
    # once reported, nothing more is uploaded until the office returns it
    r = upload(d, "gc_contact", oid, "补充.pdf", PDF)
    assert r.status == 409 and "待报送整改情况" in r.error["message"], r

    # the office reads the files in its review; the unit reads its own; another unit and county do not
    for u in ("gc_office", "gc_contact", "gc_head", "gc_principal"):
        got = d.c(u).get(f"/api/v1/attachments/{a['id']}")
        assert got.status == 200 and got.raw == PDF, (u, got)
        assert "sandbox" in got.headers["Content-Security-Policy"]
    for u in ("gc_contact2", "ap_office", "ap_contact"):
        assert d.c(u).get(f"/api/v1/attachments/{a['id']}").status == 404, u

    # returned: the unit adds a file to its second report; a file reported already cannot be named again
    d.act(oid, "gc_office", "return_rectification", {"reason": "缺少验收照片"})
    c = upload(d, "gc_contact", oid, "验收照片说明.txt", "验收照片 12 张已存档。".encode()).json
    r = d.act(oid, "gc_contact", "report_rectification",
              {"rectification": REPORT + "补充验收照片。", "attachment_ids": [a["id"], c["id"]]}, expect=422)
    assert r.json["error"]["field"] == "attachment_ids", r
    d.act(oid, "gc_contact", "report_rectification",
          {"rectification": REPORT + "补充验收照片。", "attachment_ids": [c["id"]]})
    assert [(f["filename"], f["round"]) for f in files(d, oid)] == [
        ("整改报告.pdf", 1), ("通行数据对比.txt", 1), ("草稿.txt", None), ("验收照片说明.txt", 2)]
    d.act(oid, "gc_office", "accept_rectification", {})
    assert upload(d, "gc_contact", oid, "迟到.pdf", PDF).status == 409

    # the year's export for the organisation and personnel departments names the reported files with their SM3
    number = obj["number"]
    year = re.search(r"〔(\d{4})〕", number).group(1)
    out = d.c("gc_office").get(f"/api/v1/results/export.csv?year={year}&kind=criticism")
    rows = list(csv.reader(io.StringIO(out.raw.decode("utf-8-sig"))))
    row = dict(zip(rows[0], next(x for x in rows[1:] if x[0] == number)))
    assert row["整改情况"].endswith("补充验收照片。") and row["整改时限"] == obj["rectification"]["due_date"]
    sm3 = a["sm3"]
    assert "整改报告.pdf SM3:" + sm3 in row["整改材料"] and "验收照片说明.txt" in row["整改材料"]
    assert "草稿.txt" not in row["整改材料"], "a file never reported is not sent on"


def test_the_archive_of_the_item_keeps_the_rectification_files(d, tmp_path):
    """The criticism rests on an item; the item's archive file (立卷归档) holds the files its unit reported, listed
    in the 卷内目录 as 整改材料."""
    it = d.it
    item = it.create(title="城区道路拥堵治理（整改材料归档）")
    for state in ORDER[1:ORDER.index("in_progress") + 1]:
        for user, action, body in PATH[state]:
            it.act(item["id"], user, action, body)
    oid = issued_criticism(d, item["id"])["id"]
    f = upload(d, "gc_contact", oid, "整改验收报告.pdf", PDF).json
    d.act(oid, "gc_contact", "report_rectification", {"rectification": REPORT, "attachment_ids": [f["id"]]})
    for state in ORDER[ORDER.index("in_progress") + 1:]:
        for user, action, body in PATH[state]:
            it.act(item["id"], user, action, body)
    r = it.c("gc_office").get(f"/api/v1/items/{item['id']}/archive.zip")
    assert r.status == 200, r
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    kept = [n for n in z.namelist() if n.startswith("rectification/")]
    assert kept == [f"rectification/{f['id']}-整改验收报告.pdf"], z.namelist()
    assert z.read(kept[0]) == PDF
    p = tmp_path / "toc.pdf"
    p.write_bytes(z.read("卷内目录.pdf"))
    assert "整改材料：整改验收报告.pdf" in re.sub(r"\s+", "", pdf_text(str(p)))
