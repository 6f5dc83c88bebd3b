"""The ledger as XLSX (base/xlsx_write.c: streamed sheets, inline strings) and CSV, from the JSON model through
`ducha document render list`: sheets, frozen header, column widths, rows, cell types and lights; the
CSV parses back to the same values."""
import csv
import io
import json
import os
import re
import zipfile
import xml.etree.ElementTree as ET

import pytest

from docs_util import DOCS, render

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
LIST = os.path.join(DOCS, "model_list.json")


def cells(sheet_xml):
    """{row number: {column letter: (type, value, style)}} of a worksheet (inline strings or numbers)."""
    root = ET.fromstring(sheet_xml)
    rows = {}
    for row in root.iter(f"{{{NS['m']}}}row"):
        r = int(row.get("r"))
        rows[r] = {}
        for c in row.findall("m:c", NS):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            t = c.get("t", "n")
            if t == "inlineStr":
                v = "".join(x.text or "" for x in c.iter(f"{{{NS['m']}}}t"))
            else:
                v = c.findtext("m:v", namespaces=NS)
            rows[r][col] = (t, v, c.get("s"))
    return root, rows


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("xlsx") / "ledger.xlsx")
    p = render("list", LIST, path)
    assert p.returncode == 0, p.stderr
    return zipfile.ZipFile(path)


def test_xlsx_has_two_named_sheets(xlsx):
    wb = ET.fromstring(xlsx.read("xl/workbook.xml"))
    names = [s.get("name") for s in wb.iter(f"{{{NS['m']}}}sheet")]
    assert names == ["督办台账", "进展报告"]


def test_xlsx_header_frozen_with_widths_and_filter(xlsx):
    root, rows = cells(xlsx.read("xl/worksheets/sheet1.xml"))
    header = [rows[1][c][1] for c in "ABCDEFGHIJKLMNO"]
    assert header == ["序号", "编号", "督办事项", "事项来源", "牵头单位", "责任单位", "分管领导", "交办日期", "办结时限",
                      "状态", "亮灯", "进度", "逾期天数", "办结日期", "密级"]
    pane = root.find(".//m:pane", NS)
    assert pane.get("state") == "frozen" and pane.get("ySplit") == "1"
    widths = {int(c.get("min")): float(c.get("width")) for c in root.iter(f"{{{NS['m']}}}col")}
    assert widths[3] > 30 and widths[1] < 10
    assert root.find("m:autoFilter", NS).get("ref") == "A1:O4"


def test_xlsx_rows_types_and_lights(xlsx):
    _, rows = cells(xlsx.read("xl/worksheets/sheet1.xml"))
    model = json.load(open(LIST, encoding="utf-8"))["items"]
    assert sorted(rows) == [1, 2, 3, 4]  # header + one row per item
    styles = ET.fromstring(xlsx.read("xl/styles.xml"))
    numfmts = {n.get("numFmtId"): n.get("formatCode") for n in styles.iter(f"{{{NS['m']}}}numFmt")}
    xfs = list(styles.find("m:cellXfs", NS))
    fills = list(styles.find("m:fills", NS))
    for r, item in zip((2, 3, 4), model):
        row = rows[r]
        assert row["B"][:2] == ("inlineStr", item["number"])
        assert row["C"][1] == item["title"] and row["E"][1] == item["lead_unit"]
        assert row["F"][1] == "、".join(item["co_units"]) if item["co_units"] else "F" not in row
        # the deadline is a number (an Excel date serial) with a date format
        t, v, s = row["I"]
        assert t == "n" and float(v) > 40000
        assert numfmts[xfs[int(s)].get("numFmtId")] == "yyyy-mm-dd"
        # progress as a fraction with a percent format
        t, v, s = row["L"]
        assert t == "n" and abs(float(v) - item["progress"] / 100) < 1e-9
        # the light: its label on a coloured fill
        t, v, s = row["K"]
        assert v == {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}[item["light"]]
        fill = fills[int(xfs[int(s)].get("fillId"))]
        rgb = fill.find(".//m:fgColor", NS).get("rgb")
        assert rgb.endswith({"red": "F8696B", "yellow": "FFEB84", "green": "63BE7B"}[item["light"]])
    # 2026-12-31 is serial 46387 in Excel's 1900 date system
    assert float(rows[2]["I"][1]) == 46387


def test_xlsx_report_sheet_lists_reports(tmp_path):
    model = json.load(open(os.path.join(DOCS, "model_notice.json"), encoding="utf-8"))
    lst = {"office": model["office"], "date": model["date"], "items": [model["item"]]}
    p = tmp_path / "m.json"
    p.write_text(json.dumps(lst, ensure_ascii=False), encoding="utf-8")
    out = str(tmp_path / "r.xlsx")
    assert render("list", str(p), out).returncode == 0
    _, rows = cells(zipfile.ZipFile(out).read("xl/worksheets/sheet2.xml"))
    assert [rows[1][c][1] for c in "ABCDEFG"] == ["编号", "督办事项", "报告时间", "报告单位", "报告人", "进度", "办理情况"]
    assert rows[2]["A"][1] == "古督〔2026〕15号" and rows[2]["D"][1] == "古城县交通运输局"
    assert rows[2]["C"][0] == "n" and "已完成路面病害调查" in rows[2]["G"][1]


def test_csv_round_trips(tmp_path):
    model = json.load(open(LIST, encoding="utf-8"))
    # values that need quoting and a formula-looking title
    model["items"][0]["title"] = '修复"人民路",解放路\n两条主干道'
    model["items"][1]["title"] = "=HYPERLINK(\"x\")"
    p = tmp_path / "m.json"
    p.write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "l.csv"
    assert render("list", str(p), str(out)).returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 3
    for row, item in zip(rows, model["items"]):
        title = row["督办事项"][1:] if row["督办事项"].startswith("'=") else row["督办事项"]
        assert title == item["title"]
        assert row["编号"] == item["number"] and row["牵头单位"] == item["lead_unit"]
        assert row["责任单位"].split("、") == (item["co_units"] or [""])
        assert row["办结时限"] == item["deadline"] and row["进度"] == f"{item['progress']}%"
    assert rows[1]["督办事项"].startswith("'=")  # not executable in a spreadsheet
