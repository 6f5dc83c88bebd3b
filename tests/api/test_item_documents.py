"""Documents of real items through the API: the PDFs of an item and of a ledger filter (same
permission as the item), the XLSX/CSV ledger export, the CSV import (preview, all or nothing),
the seal on a signed completion reply, and the archive file checked by `ducha verify`."""
import csv
import io
import os
import re
import subprocess
import zipfile
from urllib.parse import quote

import pytest

from conftest import BIN, DEFAULT_FONTS, Server, uniq
from docs_util import pdf_info, pdf_text
from itemlib import Items, day


def squash(text):
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def server(backend):
    """The server in the configuration's default fonts (Noto CJK), which the rest of the suite replaces with a
    TrueType font (conftest.FONT_KEYS): these documents go through cairo's CFF subsetting."""
    s = Server(backend.new_db(scanned=True), env=DEFAULT_FONTS)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


ATTACHMENT = "人民路、解放路路面验收合格".encode()


@pytest.fixture(scope="module")
def archived(it):
    """An item taken through the whole workflow, with an attachment uploaded while in progress."""
    from urllib.parse import quote
    from itemlib import ORDER, PATH
    item = it.create(title="城区主干道路面修复工程")
    for state in ORDER[1:]:
        for user, action, body in PATH[state]:
            it.act(item["id"], user, action, body)
        if state == "in_progress":
            r = it.c("gc_contact").post(f"/api/v1/items/{item['id']}/attachments?filename={quote('验收报告.txt')}",
                                        raw=ATTACHMENT, content_type="text/plain")
            assert r.status == 201, r
    item = it.get(item["id"])
    assert item["state"] == "archived"
    return item


@pytest.fixture(scope="module")
def assigned(it):
    return it.bring("assigned", title="农村公路安全生命防护工程", co=("gc-zj",))


def pdf_of(client, path, tmp_path, name="doc.pdf"):
    r = client.get(path)
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.raw.startswith(b"%PDF")
    p = tmp_path / name
    p.write_bytes(r.raw)
    return str(p)


def test_notice_pdf_of_an_assigned_item(it, assigned, tmp_path):
    p = pdf_of(it.c("gc_office"), f"/api/v1/items/{assigned['id']}/documents/notice.pdf", tmp_path)
    text = squash(pdf_text(p))
    for s in ["古城县人民政府办公室文件", assigned["number"], "关于督办农村公路安全生命防护工程的通知",
              "古城县交通运输局、古城县住房和城乡建设局：", "一、督办内容", "完成主干道改造，按月报送进展", "古城县人民政府办公室", "—1—"]:
        assert squash(s) in text, (s, text[:2000])
    y, m, d = (int(x) for x in assigned["due_date"].split("-"))
    assert f"请于{y}年{m}月{d}日前办结" in text
    assert "A4" in pdf_info(p)["Page size"]
    fonts = subprocess.run(["pdffonts", p], capture_output=True, text=True, check=True).stdout
    for name in ("NotoSerifCJKsc-Bold", "NotoSerifCJKsc-Regular", "NotoSansCJKsc-Bold"):  # title, body, heading
        assert re.search(rf"\+{name}\s+CID Type 0C\s+Identity-H\s+yes\s+yes\s+yes", fonts), fonts


def test_item_documents_follow_the_item_permission(it, assigned, tmp_path):
    path = f"/api/v1/items/{assigned['id']}/documents/reminder.pdf"
    # the responsible unit sees its item and its documents
    pdf = pdf_of(it.c("gc_contact"), path, tmp_path)
    assert "关于催办农村公路安全生命防护工程的通知" in squash(pdf_text(pdf))
    # another county does not learn that the item exists; an unrelated unit neither
    assert it.c("ap_office").get(path).status == 404
    assert it.c("gc_town").get(path).status == 404
    assert it.c("gc_contact2").get(path).status == 200  # the co-unit
    # a part-time inspector has no item access at all
    assert it.c("gc_parttime").get(path).status == 403
    assert it.c("gc_office").get(f"/api/v1/items/{assigned['id']}/documents/memo.pdf").status == 404
    assert it.c("gc_office").get("/api/v1/items/99999999/documents/notice.pdf").status == 404


def test_notice_of_an_unnumbered_draft_is_refused(it):
    draft = it.create(title="尚未编号的事项")
    r = it.c("gc_office").get(f"/api/v1/items/{draft['id']}/documents/notice.pdf")
    assert r.status == 409 and "编号" in r.error["message"]


def test_record_shows_reply_seal_and_timeline(it, archived, tmp_path):
    p = pdf_of(it.c("gc_office"), f"/api/v1/items/{archived['id']}/documents/record.pdf", tmp_path)
    text = squash(pdf_text(p))
    jt = it.unit("gc-jt")
    seal = it.c("gc_office").get(f"/api/v1/units/{jt}/seal")
    assert seal.status == 200, seal  # created when the head signed
    for s in ["督办事项办理情况", archived["number"], "古城县交通运输局", "办结答复",
              "已按要求办结", "签章人：何振华", "印章指纹：" + seal.json["fingerprint"][:16], "办理过程", "进展报告",
              "已完成方案设计"]:
        assert squash(s) in text, (s, text[:3000])
    # the times of the 办理过程 and of the seal as official text writes them (2026年12月3日 09:30), never ISO
    process = text[text.index("办理过程"):]
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日\d{2}:\d{2}", process), process[:600]
    assert re.search(r"签章人：何振华时间：\d{4}年\d{1,2}月\d{1,2}日\d{2}:\d{2}", text), text[:3000]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text


def test_signed_reply_signature_verifies(it, archived, tmp_path):
    events = it.c("gc_office").get("/api/v1/audit?action=seal.sign")
    assert events.status == 200
    ids = [a["summary"]["signature_id"] for a in events.json["records"] if a["summary"]["object_id"] == archived["id"] and a["summary"]["object_type"] == "item"]
    assert len(ids) == 1  # the lead unit's head signed
    sig = it.c("gc_contact").get(f"/api/v1/signatures/{ids[0]}")
    assert sig.status == 200 and "已按要求办结" in sig.json["content"]
    assert it.c("ap_office").get(f"/api/v1/signatures/{ids[0]}").status == 404
    f = tmp_path / "sig.json"
    f.write_text(sig.raw.decode())
    p = subprocess.run([BIN, "verify", str(f)], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("OK"), p.stdout + p.stderr
    bad = dict(sig.json, content=sig.json["content"].replace("已按要求办结", "尚未办结"))
    f.write_text(__import__("json").dumps(bad, ensure_ascii=False))
    p = subprocess.run([BIN, "verify", str(f)], capture_output=True, text=True)
    assert p.returncode == 1 and "SM3" in p.stdout


def test_list_pdf_of_a_ledger_filter(it, assigned, archived, tmp_path):
    jt = it.unit("gc-jt")
    p = pdf_of(it.c("gc_office"), f"/api/v1/items/documents/list.pdf?lead_unit_id={jt}&state=assigned", tmp_path)
    text = squash(pdf_text(p))
    assert "督办事项清单" in text and assigned["number"] in text and "筛选条件：状态：已交办" in text
    assert archived["number"] not in text
    assert it.c("gc_office").get("/api/v1/items/documents/list.pdf?year=abc").status == 400


def xlsx_rows(raw, sheet="xl/worksheets/sheet1.xml"):
    import xml.etree.ElementTree as ET
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(raw)).read(sheet))
    rows = []
    for row in root.iter(ns + "row"):
        rows.append({re.match(r"[A-Z]+", c.get("r")).group(0): (c.get("t", "n"), "".join(t.text or "" for t in c.iter(ns + "t")) or c.findtext(ns + "v"))
                     for c in row.findall(ns + "c")})
    return rows


def test_xlsx_export_has_one_row_per_item_in_scope(it, assigned, archived):
    total = it.ledger(per_page=1)["total"]
    r = it.c("gc_office").get("/api/v1/items/export.xlsx")
    assert r.status == 200 and r.raw[:2] == b"PK"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = xlsx_rows(r.raw)
    assert rows[0]["B"][1] == "编号" and len(rows) == total + 1
    numbers = {row["B"][1] for row in rows[1:] if "B" in row}
    assert assigned["number"] in numbers and archived["number"] in numbers
    mine = next(row for row in rows[1:] if row.get("B", (0, 0))[1] == assigned["number"])
    assert mine["I"][0] == "n"  # the deadline is a date, not text
    reports = xlsx_rows(r.raw, "xl/worksheets/sheet2.xml")
    assert any(row.get("G", (0, ""))[1] == "已完成方案设计" for row in reports[1:])
    # another county's export does not contain 古城县 items
    other = xlsx_rows(it.c("ap_office").get("/api/v1/items/export.xlsx").raw)
    assert not ({row["B"][1] for row in other[1:] if "B" in row} & numbers)


def export_csv(it, **params):
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = it.c("gc_office").get("/api/v1/items/export.csv" + ("?" + qs if qs else ""))
    assert r.status == 200, r
    assert r.raw.startswith(b"\xef\xbb\xbf")
    return r.raw.decode("utf-8-sig")


CSV_HEAD = ["编号", "督办事项", "督办要求", "事项来源", "来源文号", "牵头单位", "责任单位", "分管领导", "办结时限",
            "重要程度", "事项类型", "状态", "亮灯", "进度", "交办日期", "办结日期", "密级"]


def test_csv_export_speaks_the_words_of_the_page_and_imports_back(it, assigned):
    """The ledger CSV has the XLSX's Chinese headers and the page's words (state, light, source kind,
    importance, kind), not internal codes; the item import reads the same file back."""
    jt = it.unit("gc-jt")
    text = export_csv(it, lead_unit_id=jt, state="assigned")
    assert text.splitlines()[0].split(",") == CSV_HEAD
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    mine = [r for r in rows if r["编号"] == assigned["number"]]
    assert len(mine) == 1 and mine[0]["督办事项"] == assigned["title"]
    full = it.get(assigned["id"])
    row = mine[0]
    assert row["办结时限"] == assigned["due_date"] and row["牵头单位"] == "古城县交通运输局"
    assert row["督办要求"] == assigned["requirement"] and row["事项来源"] == "政府会议议定事项"
    assert row["责任单位"] == "古城县住房和城乡建设局"
    assert (row["重要程度"], row["事项类型"]) == ("一般事项", "一次性事项")
    assert row["状态"] == full["state_label"] == "已交办", (row["状态"], full["state_label"])
    assert row["亮灯"] in ("绿灯", "黄灯", "红灯") and row["进度"] == f"{full['progress']}%"
    assert row["密级"] == "内部"
    codes = {"meeting", "general", "once", "assigned", "green", "yellow", "red", "none"}
    assert not codes & {v for r in rows for v in r.values()}, rows  # no internal code anywhere
    before = it.ledger(per_page=1)["total"]

    # the exported file imports as it is: a preview first, then for real
    c = it.c("gc_office")
    r = c.post("/api/v1/items/import?dry_run=1", raw=text.encode(), content_type="text/csv")
    assert r.status == 200, r
    assert r.json["dry_run"] is True and len(r.json["items"]) == len(rows) and r.json["created"] == 0
    assert all("id" not in x and x["title"] for x in r.json["items"])
    assert it.ledger(per_page=1)["total"] == before
    name = f"台账{uniq()}.csv"
    r = c.post(f"/api/v1/items/import?filename={quote(name)}", raw=text.encode(), content_type="text/csv")
    assert r.status == 201, r
    assert r.json["created"] == len(rows)
    # the audit record names the file and its rows (the audit log showed "督办事项 #0")
    recs = [a["summary"] for a in it.c("admin").get("/api/v1/audit?action=item.import&limit=50").json["records"]
            if a["summary"].get("filename") == name]
    assert [(x["rows"], x["created"]) for x in recs] == [(len(rows), len(rows))], recs
    assert it.ledger(per_page=1)["total"] == before + len(rows)
    new = it.get(r.json["items"][0]["id"])
    src = next(x for x in rows if x["督办事项"] == new["title"])
    assert new["state"] == "draft" and new["due_date"] == src["办结时限"]
    assert new["lead_unit_name"] == src["牵头单位"] and new["requirement"] == src["督办要求"]
    # the words come back as what they stand for
    copy = it.get(next(x["id"] for x in r.json["items"] if x["title"] == assigned["title"]))
    assert (copy["source_kind"], copy["importance"], copy["kind"]) == ("meeting", "general", "once"), copy
    assert [t["unit_name"] for t in copy["tracks"] if t["role"] == "co"] == ["古城县住房和城乡建设局"], copy


def test_import_with_one_bad_row_writes_nothing_and_names_it(it):
    before = it.ledger(per_page=1)["total"]
    text = ("title,requirement,source_kind,lead_unit,co_units,due_date\r\n"
            f"第一项,要求一,meeting,gc-jt,,{day(30)}\r\n"
            f"第二项,要求二,领导批示,古城县交通运输局,gc-zj,{day(40)}\r\n"
            f"第三项,要求三,meeting,不存在的单位,,{day(40)}\r\n"
            f"第四项,要求四,meeting,gc-jt,,2026-02-30\r\n")
    c = it.c("gc_office")
    for q in ("?dry_run=1", ""):
        r = c.post("/api/v1/items/import" + q, raw=text.encode(), content_type="text/csv")
        assert r.status == 422, r
        rows = {e["row"]: e["message"] for e in r.error["rows"]}
        assert sorted(rows) == [4, 5], rows
        assert "不存在的单位" in rows[4]
    assert it.ledger(per_page=1)["total"] == before
    # a unit contact may not import
    assert it.c("gc_contact").post("/api/v1/items/import", raw=text.encode(), content_type="text/csv").status == 403
    bad = c.post("/api/v1/items/import", raw=b"name,when\r\nx,y\r\n", content_type="text/csv")
    assert bad.status == 422 and bad.error["rows"][0]["row"] == 1


def verify(path):
    p = subprocess.run([BIN, "verify", path], capture_output=True, text=True, timeout=120)
    assert "AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
    return p


def rewrite(src, dst, change):
    """Copies the ZIP src to dst, passing each (name, bytes) through change (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)


@pytest.fixture(scope="module")
def archive_zip(it, archived, tmp_path_factory):
    r = it.c("gc_office").get(f"/api/v1/items/{archived['id']}/archive.zip")
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "application/zip"
    p = tmp_path_factory.mktemp("arch") / "a.zip"
    p.write_bytes(r.raw)
    return str(p)


def test_archive_contents_and_verify(it, archived, archive_zip):
    z = zipfile.ZipFile(archive_zip)
    names = set(z.namelist())
    assert {"manifest.json", "manifest.sig", "audit.json", "signatures.json", "seals.json", "documents/notice.pdf",
            "documents/record.pdf"} <= names
    import json
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["item"]["number"] == archived["number"]
    assert any(e["action"] == "sign" for e in manifest["events"])
    assert manifest["reports"][0]["text"] == "已完成方案设计"
    audit = json.loads(z.read("audit.json"))
    records = audit["records"]
    assert {"item.submit", "item.assign", "item.sign", "item.verify"} <= {a["action"] for a in records}
    # every record sealed before the archive is proved in the signed tree head — the archive transition's own
    # too: the file is rendered after its commit, which seals what waits first
    proved = [a for a in records if not a.get("pending")]
    assert all(a["proof"] is not None and a["seq"] <= audit["tree_head"]["size"] for a in proved)
    assert proved and {"item.submit", "item.assign", "item.sign", "item.verify"} <= {a["action"] for a in records}
    assert "item.archive" in {a["action"] for a in proved}
    assert len(json.loads(z.read("signatures.json"))) == 1
    attachments = [n for n in names if n.startswith("attachments/")]
    assert len(attachments) == 1 and attachments[0].endswith("验收报告.txt")
    assert z.read(attachments[0]) == ATTACHMENT
    assert any(m["name"] == attachments[0] for m in manifest["members"])
    p = verify(archive_zip)
    assert p.returncode == 0, p.stdout + p.stderr
    assert archived["number"] in p.stdout
    assert f"{len(proved)} audit records proved" in p.stdout, p.stdout
    # the contact of the responsible unit may download it too; another county may not
    assert it.c("gc_contact").get(f"/api/v1/items/{archived['id']}/archive.zip").status == 200
    assert it.c("ap_office").get(f"/api/v1/items/{archived['id']}/archive.zip").status == 404


def test_archive_of_an_item_not_archived_is_404(it, assigned):
    r = it.c("gc_office").get(f"/api/v1/items/{assigned['id']}/archive.zip")
    assert r.status == 404 and "归档" in r.error["message"]


@pytest.mark.parametrize("member", ["documents/notice.pdf", "documents/record.pdf", "audit.json", "signatures.json",
                                    "seals.json", "manifest.json"])
def test_one_changed_byte_is_named(archive_zip, tmp_path, member):
    def change(name, data):
        if name != member:
            return data
        i = len(data) // 2
        return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]
    bad = str(tmp_path / "bad.zip")
    rewrite(archive_zip, bad, change)
    p = verify(bad)
    assert p.returncode == 1, p.stdout
    assert f"FAIL {member}" in p.stdout


def test_changed_attachment_is_named(archive_zip, tmp_path):
    bad = str(tmp_path / "bad.zip")
    rewrite(archive_zip, bad, lambda n, d: d.replace("合格".encode(), "不合格".encode()) if n.startswith("attachments/") else d)
    p = verify(bad)
    assert p.returncode == 1 and "FAIL attachments/" in p.stdout and "验收报告.txt" in p.stdout, p.stdout


@pytest.mark.parametrize("member", ["documents/notice.pdf", "audit.json", "manifest.sig"])
def test_removed_member_is_named(archive_zip, tmp_path, member):
    bad = str(tmp_path / "bad.zip")
    rewrite(archive_zip, bad, lambda name, data: None if name == member else data)
    p = verify(bad)
    assert p.returncode == 1 and f"FAIL {member}" in p.stdout, p.stdout


def test_replaced_signature_is_named(archive_zip, tmp_path):
    import json
    z = zipfile.ZipFile(archive_zip)
    sigs = json.loads(z.read("signatures.json"))
    office_sig = json.loads(z.read("manifest.sig"))
    # the reply's signature replaced by another valid signature (the office's, over the manifest)
    sigs[0]["signature"] = office_sig["signature"]
    bad = str(tmp_path / "bad.zip")
    rewrite(archive_zip, bad, lambda n, d: json.dumps(sigs, indent=1, ensure_ascii=False).encode()
            if n == "signatures.json" else d)
    p = verify(bad)
    assert p.returncode == 1 and "FAIL signatures.json" in p.stdout, p.stdout
    assert "SM2" in p.stdout  # named as a signature failure, not only as a changed file
    # the manifest seal replaced by the reply's signature record
    orig = json.loads(z.read("signatures.json"))[0]
    rewrite(archive_zip, bad, lambda n, d: json.dumps(orig).encode() if n == "manifest.sig" else d)
    p = verify(bad)
    assert p.returncode == 1 and ("FAIL manifest.sig" in p.stdout or "FAIL manifest.json" in p.stdout), p.stdout


def test_verify_refuses_what_is_not_an_archive(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("hello")
    p = verify(str(f))
    assert p.returncode != 0
    p = verify(str(tmp_path / "missing.zip"))
    assert p.returncode != 0 and "no such file" in p.stderr


def test_record_has_every_units_reply_under_its_own_seal_and_the_grade(it, tmp_path):
    """The 办理情况 record of an item with a lead and a co unit (#15): each unit's own completion reply under
    its name, followed by its own head's signature and seal (the lead unit first); the grade; each decision
    as a sentence; no internal word."""
    item = it.create(title="老旧小区雨污分流改造", co=["gc-zj"])
    iid = item["id"]
    for user, action, body in [("gc_office", "submit", {}), ("gc_deputy", "approve", {}), ("gc_director", "approve", {}),
                               ("gc_office", "assign", {}), ("gc_contact", "receive", {}), ("gc_contact2", "receive", {}),
                               ("gc_contact", "report", {"text": "主管网铺设完成", "percent": 80}),
                               ("gc_contact2", "report", {"text": "支管摸排完成", "percent": 50}),
                               ("gc_leader", "suspend", {"reason": "雨季暂停施工"}),
                               ("gc_leader", "resume", {"reason": "雨季结束"}),
                               ("gc_contact", "request_completion", {"text": "牵头单位：雨污分流改造全部完工并验收"}),
                               ("gc_contact2", "request_completion", {"text": "责任单位：小区内支管改造完成"}),
                               ("gc_head", "sign", {}), ("gc_head2", "sign", {}),
                               ("gc_office", "verify", {"grade": "优秀"})]:
        it.act(iid, user, action, body, expect=201 if action == "report" else 200)
    p = pdf_of(it.c("gc_office"), f"/api/v1/items/{iid}/documents/record.pdf", tmp_path)
    text = squash(pdf_text(p))
    order = ["办结等次优秀", "办结答复", "（一）古城县交通运输局（牵头单位）", "牵头单位：雨污分流改造全部完工并验收",
             "古城县交通运输局", "签章人：", "（二）古城县住房和城乡建设局（责任单位）", "责任单位：小区内支管改造完成",
             "古城县住房和城乡建设局", "签章人："]
    at = 0
    for s in order:
        k = text.find(squash(s), at)
        assert k >= 0, (s, text[at:at + 1500])
        at = k + len(squash(s))
    for s in ["审核同意办结，办结等次：优秀。", "中止办理（挂账），时限停止计算。理由：雨季暂停施工", "暂停计时", "恢复计时"]:
        assert squash(s) in text, (s, text)
    for raw in ("pause", "resume", "override", "remind-", "in_progress", "deadline_"):
        assert raw not in text, (raw, text)


def test_downloads_are_named_in_chinese_with_the_number(it, assigned, archived):
    """File names for people who live in folders (#15): the number and what the file is, RFC 6266 filename*
    (UTF-8, percent-encoded) with an ASCII filename for old clients."""
    from urllib.parse import quote, unquote

    def names(path):
        r = it.c("gc_office").get(path)
        assert r.status == 200, r
        cd = r.headers["Content-Disposition"]
        ascii_name = re.search(r'filename="([^"]+)"', cd).group(1)
        utf8 = re.search(r"filename\*=UTF-8''([^;]+)", cd).group(1)
        assert all(ord(ch) < 128 for ch in cd), cd
        return ascii_name, unquote(utf8)

    n, aid = assigned["number"], assigned["id"]
    assert names(f"/api/v1/items/{aid}/documents/notice.pdf") == (f"notice-{aid}.pdf", f"{n}-督办通知.pdf")
    assert names(f"/api/v1/items/{aid}/documents/reminder.pdf") == (f"reminder-{aid}.pdf", f"{n}-催办通知.pdf")
    assert names(f"/api/v1/items/{aid}/documents/record.pdf")[1] == f"{n}-督办事项办理情况.pdf"
    assert names(f"/api/v1/items/{archived['id']}/archive.zip") == (f"archive-{archived['id']}.zip",
                                                                     f"{archived['number']}-档案.zip")
    assert names("/api/v1/items/documents/list.pdf") == ("list.pdf", "督办事项清单.pdf")
    assert names("/api/v1/items/export.xlsx")[1] == "督办台账.xlsx"
    assert names("/api/v1/items/export.csv")[1] == "督办台账.csv"
    assert quote("督办通知") in it.c("gc_office").get(f"/api/v1/items/{aid}/documents/notice.pdf").headers["Content-Disposition"]
    # before it is numbered, the record is named by the item's id
    draft = it.create(title="尚未编号的事项（文件名）")
    assert names(f"/api/v1/items/{draft['id']}/documents/record.pdf")[1] == f"督办事项办理情况-{draft['id']}.pdf"
