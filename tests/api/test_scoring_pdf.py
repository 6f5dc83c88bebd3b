"""The issued scorecard as a GB/T 9704 official document (issue 12): the red header with the number given at issue
(古督考〔年〕n号), the title, the ranking table with every unit's total, a bar chart of the totals drawn with cairo, each
unit's points by rule with the numbers of the items and records behind them, the objection period, the office's seal,
a Chinese file name with the number (RFC 6266 filename*); one unit's card for the unit (its user gets only its own);
a draft marked as such, without number or seal; another county's user gets nothing."""
import os
import subprocess
import tempfile
import urllib.parse

import pytest

from docs_util import pdf_text, read_png
from itemlib import Items


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


@pytest.fixture(scope="module")
def card(it):
    """The demo's card of this year, counted again and issued."""
    year = it.c("gc_office").get("/api/v1/scoring/rules").json["year"]
    cid = [c for c in it.c("gc_office").get(f"/api/v1/scorecards?year={year}").json["scorecards"]
           if c["state"] == "draft"][0]["id"]
    assert it.c("gc_office").patch(f"/api/v1/scorecards/{cid}", {"refresh": True}).status == 200
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        r = it.c(user).post(f"/api/v1/scorecards/{cid}/actions/{action}", {})
        assert r.status == 200, r
    # numbered in the series of the year, after the demo's card of last year issued this year
    earlier = [c["number"] for c in it.c("gc_office").get(f"/api/v1/scorecards?year={year - 1}").json["scorecards"]
               if (c["number"] or "").startswith(f"古督考〔{year}〕")]
    assert r.json["number"] == f"古督考〔{year}〕{len(earlier) + 1}号", (r.json["number"], earlier)
    return r.json


def fetch(it, user, path, tmp_path, name):
    r = it.c(user).get(path)
    assert r.status == 200 and r.headers.get("Content-Type") == "application/pdf" and r.raw[:5] == b"%PDF-", r
    pdf = tmp_path / name
    pdf.write_bytes(r.raw)
    return r, str(pdf), pdf_text(str(pdf)).replace("\n", "")


def cn(date):
    y, m, d = date.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def bar_pixels(pdf):
    """Pixels of the chart's bar colour on the pages, rendered small."""
    n = 0
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["pdftoppm", "-r", "30", "-png", pdf, os.path.join(d, "p")], check=True)
        for name in sorted(os.listdir(d)):
            w, h, bpp, rows = read_png(os.path.join(d, name))
            n += sum(1 for row in rows for i in range(0, len(row), 3)
                     if all(abs(row[i + k] - (79, 120, 166)[k]) < 30 for k in range(3)))
    return n


def test_the_whole_card_as_an_official_document(it, card, tmp_path):
    r, pdf, text = fetch(it, "gc_office", f"/api/v1/scorecards/{card['id']}/document.pdf", tmp_path, "card.pdf")
    want = f"{card['number']}-目标责任考评结果.pdf"
    assert "filename*=UTF-8''" + urllib.parse.quote(want) in r.headers["Content-Disposition"], r.headers
    for words in ("古城县人民政府办公室文件", card["number"], card["title"], "古城县人民政府各部门、各乡镇：",
                  "一、考评得分和排名", "图 各单位督查工作得分", "二、各单位得分明细", "三、异议",
                  cn(card["objection_until"]), "电子签章"):
        assert words in text, (words, text[:2000])
    assert "草稿" not in text
    # every unit with its total; the transport bureau's points by rule with what they rest on
    for u in card["units"]:
        assert u["name"] in text, u["name"]
    jt = [u for u in card["units"] if u["code"] == "gc-jt"][0]
    detail = it.c("gc_office").get(f"/api/v1/scorecards/{card['id']}/units/{jt['unit_id']}").json
    assert f"总分{jt['total']}分，总第{jt['rank']}名" in text, text[:3000]
    # the units' headings count in Chinese numerals: （一）… （十一）…
    assert "（一）" in text and (len(card["units"]) < 11 or "（十一）" in text)
    for line in detail["lines"]:
        assert line["label"] in text and line["ref"] in text, line
    # the chart is drawn (vector bars in its colour)
    assert bar_pixels(pdf) > 20


def test_one_units_card_for_the_unit(it, card, tmp_path):
    jt = it.unit("gc-jt")
    zj = it.unit("gc-zj")
    # the bureau's head gets its own, whatever it asks for the whole card
    r, pdf, text = fetch(it, "gc_head", f"/api/v1/scorecards/{card['id']}/document.pdf", tmp_path, "jt.pdf")
    assert "古城县交通运输局" in text and "古城县住房和城乡建设局" not in text
    assert "一、得分明细" in text and "考评得分和排名" not in text and "电子签章" in text
    want = f"{card['number']}-古城县交通运输局考评得分.pdf"
    assert "filename*=UTF-8''" + urllib.parse.quote(want) in r.headers["Content-Disposition"], r.headers
    assert it.c("gc_head").get(f"/api/v1/scorecards/{card['id']}/document.pdf?unit_id={zj}").status == 404
    # the office picks one unit
    _, _, text = fetch(it, "gc_office", f"/api/v1/scorecards/{card['id']}/document.pdf?unit_id={zj}", tmp_path,
                       "zj.pdf")
    assert "古城县住房和城乡建设局" in text and "古城县交通运输局" not in text
    assert it.c("gc_office").get(f"/api/v1/scorecards/{card['id']}/document.pdf?unit_id=99999999").status == 404
    assert it.c("ap_office").get(f"/api/v1/scorecards/{card['id']}/document.pdf").status == 404
    assert it.c("ap_head").get(f"/api/v1/scorecards/{card['id']}/document.pdf?unit_id={jt}").status == 404


def test_a_draft_is_marked_and_unsealed(it, tmp_path):
    year = it.c("gc_office").get("/api/v1/scoring/rules").json["year"] - 8
    r = it.c("gc_office").post("/api/v1/scorecards", {"year": year})
    assert r.status == 201, r
    cid = r.json["id"]
    r, _, text = fetch(it, "gc_office", f"/api/v1/scorecards/{cid}/document.pdf", tmp_path, "draft.pdf")
    assert "草稿（未下发）" in text and "电子签章" not in text and "古督考" not in text and "异议" not in text
    assert "filename*=UTF-8''" + urllib.parse.quote("目标责任考评结果（草稿）.pdf") in r.headers["Content-Disposition"]
    assert it.c("gc_head").get(f"/api/v1/scorecards/{cid}/document.pdf").status == 404
