"""The 卷内目录 (table of contents) of an item's archive file (#15): a PDF inside the ZIP, first among its members,
listing every member — the notice and the record with their pages, the attachments with PDFs first, the records —
and the file still verifies offline (`ducha verify`)."""
import io
import re
import subprocess
import zipfile
from urllib.parse import quote

import pytest

from conftest import BIN
from docs_util import pdf_text
from itemlib import ORDER, PATH, Items

PDF = b"%PDF-1.4\n%scan\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def test_the_archive_holds_a_table_of_contents_listing_its_members(it, tmp_path):
    item = it.create(title="城区绿道贯通工程（卷内目录）")
    for state in ORDER[1:]:
        for user, action, body in PATH[state]:
            it.act(item["id"], user, action, body)
        if state == "in_progress":  # a text first, then a PDF: the contents list the PDF first
            for name, raw, ctype in (("施工日志.txt", "路面完成".encode(), "text/plain"),
                                     ("验收报告.pdf", PDF, "application/pdf")):
                r = it.c("gc_contact").post(f"/api/v1/items/{item['id']}/attachments?filename={quote(name)}", raw=raw,
                                            content_type=ctype)
                assert r.status == 201, r
    item = it.get(item["id"])
    assert item["state"] == "archived"
    r = it.c("gc_office").get(f"/api/v1/items/{item['id']}/archive.zip")
    assert r.status == 200, r
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    members = [n for n in z.namelist() if not n.startswith("manifest.")]
    assert members[0] == "卷内目录.pdf", members
    assert members[1:3] == ["documents/notice.pdf", "documents/record.pdf"]
    atts = [n for n in members if n.startswith("attachments/")]
    assert len(atts) == 2 and atts[0].endswith("验收报告.pdf") and atts[1].endswith("施工日志.txt"), atts
    p = tmp_path / "toc.pdf"
    p.write_bytes(z.read("卷内目录.pdf"))
    text = re.sub(r"\s+", "", pdf_text(str(p)))
    assert "卷内目录" in text and item["number"] in text and "共7件" in text, text[:600]
    order = [text.index(s) for s in ("督办通知", "督办事项办理情况", "附件：验收报告.pdf", "附件：施工日志.txt",
                                     "审计记录", "电子签章记录", "印章公钥")]
    assert order == sorted(order), text
    assert "documents/notice.pdf" in text and "古城县人民政府办公室" in text and "立卷" in text
    # the notice's page count is stated (the model notice has more than one page)
    notice_pages = subprocess.run(["pdfinfo", "-"], input=z.read("documents/notice.pdf"), capture_output=True).stdout
    n = int(re.search(rb"Pages:\s+(\d+)", notice_pages).group(1))
    assert re.search(r"督办通知documents/notice\.pdf%d" % n, text), text
    # the file still verifies offline, the contents included
    f = tmp_path / "a.zip"
    f.write_bytes(r.raw)
    v = subprocess.run([BIN, "verify", str(f)], capture_output=True, text=True, timeout=120)
    assert v.returncode == 0, v.stdout + v.stderr
