"""Units imported from the workbooks people keep (issue 15): XLSX or CSV with Chinese headings in any order,
types by their Chinese names, the parent by name or code, a template to download; all rows or none, each
error naming its row and column; a dry run writes nothing; refusals for other roles and counties."""
import io
from urllib.parse import quote

import openpyxl  # scripts/deps.sh: python3-openpyxl

from conftest import run_cli

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_template_round_trips(server):
    c = server.client("gc_admin")
    r = c.get("/api/v1/units/import/template.xlsx")
    assert r.status == 200 and r.headers["Content-Type"] == XLSX
    assert "filename*=UTF-8''%E5%8D%95%E4%BD%8D%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx" in \
        r.headers["Content-Disposition"]  # 单位导入模板.xlsx
    wb = openpyxl.load_workbook(io.BytesIO(r.raw))
    assert wb.sheetnames == ["单位", "填写说明"]
    ws = wb["单位"]
    head = [c.value for c in ws[1]]
    assert head == ["单位代码", "单位名称", "类型", "上级单位代码", "上级单位", "主要负责人", "联系人", "联系电话",
                    "编号前缀", "排序"]
    gc_name = c.get(f"/api/v1/units/{c.unit_id('gc')}").json["name"]
    assert [ws.cell(2, k).value for k in (3, 5)] == ["部门", gc_name]  # under the admin's own county
    notes = {row[0].value: row[1].value for row in wb["填写说明"].iter_rows(min_row=2)}
    assert set(notes) == set(head) and "乡镇（街道）" in notes["类型"]
    # the template as it comes is a valid import: checked, not written
    r = c.post("/api/v1/units/import?dry_run=1", raw=r.raw, content_type=XLSX)
    assert r.status == 200, r
    assert r.json["dry_run"] is True and [u["action"] for u in r.json["units"]] == ["created", "created"]
    assert c.get("/api/v1/units?q=gc-example").json["units"] == []
    assert server.client("gc_office").get("/api/v1/units/import/template.xlsx").status == 403
    assert server.client().get("/api/v1/units/import/template.xlsx").status == 401


def test_xlsx_with_chinese_headings_parent_by_name(server, unique):
    c = server.client("gc_admin")
    gc = c.get(f"/api/v1/units/{c.unit_id('gc')}").json
    rows = [["类型", "单位名称", "上级单位", "单位代码", "联系电话", "主要负责人", "联系人", "排序"],
            ["部门", f"古城县数据局{unique}", gc["name"], f"x1-{unique}", "0351-7654321", "钱一", "孙二", 5],
            ["乡镇", f"古城县东关镇{unique}", gc["code"], f"x2-{unique}", "", "", "", None],
            ["督查室", f"数据局督查科{unique}", f"古城县数据局{unique}", f"x3-{unique}", "", "", "", None]]
    r = c.post("/api/v1/units/import", raw=workbook(rows), content_type=XLSX)
    assert r.status == 200, r
    assert (r.json["created"], r.json["updated"]) == (3, 0)
    got = {u["code"]: u for u in c.get(f"/api/v1/units?q={unique}").json["units"]}
    assert got[f"x1-{unique}"]["kind"] == "department" and got[f"x1-{unique}"]["phone"] == "0351-7654321"
    assert got[f"x1-{unique}"]["principal"] == "钱一" and got[f"x1-{unique}"]["contact"] == "孙二"
    assert got[f"x2-{unique}"]["kind"] == "township" and got[f"x2-{unique}"]["parent_id"] == gc["id"]
    assert got[f"x3-{unique}"]["kind"] == "office" and got[f"x3-{unique}"]["parent_id"] == got[f"x1-{unique}"]["id"]
    rec = c.get("/api/v1/audit?action=unit.import").json["records"][0]
    assert rec["summary"]["created"] == 3 and rec["summary"]["dry_run"] is False
    # the same file again updates; a CSV with the same headings (BOM, as Excel writes "CSV UTF-8") too
    csv = "\ufeff单位代码,单位名称,类型,上级单位\n" + f"x1-{unique},古城县数据管理局{unique},部门,{gc['name']}\n"
    r = c.post("/api/v1/units/import", raw=csv.encode(), content_type="text/csv")
    assert r.status == 200 and r.json["updated"] == 1, r
    assert c.get(f"/api/v1/units/{got[f'x1-{unique}']['id']}").json["name"] == f"古城县数据管理局{unique}"


def test_errors_name_row_and_column_and_nothing_is_written(server, unique):
    c = server.client("gc_admin")
    gc = c.get(f"/api/v1/units/{c.unit_id('gc')}").json
    rows = [["单位代码", "单位名称", "类型", "上级单位", "排序"],
            [f"y1-{unique}", f"好单位{unique}", "部门", gc["name"], 1],
            [f"y2 {unique}", f"坏代码{unique}", "部门", gc["name"], None],
            [f"y3-{unique}", "", "城堡", gc["name"], None],
            [f"y4-{unique}", f"无上级{unique}", "部门", "不存在的单位", "第一"],
            [None, None, None, None, None],
            [f"y5-{unique}", f"外县{unique}", "部门", "ap", None]]
    before = len(c.get("/api/v1/audit?action=unit.import").json["records"])
    r = c.post("/api/v1/units/import", raw=workbook(rows), content_type=XLSX)
    assert r.status == 422, r
    errs = {(e["row"], e.get("column")): e for e in r.error["rows"]}
    assert set(errs) == {(3, "A"), (4, "B"), (4, "C"), (5, "D"), (5, "E"), (7, "D")}, errs
    assert errs[(3, "A")]["field"] == "单位代码" and "字母" in errs[(3, "A")]["message"]
    assert errs[(4, "C")]["field"] == "类型" and "城堡" in errs[(4, "C")]["message"]
    assert errs[(5, "E")]["field"] == "排序"
    assert errs[(7, "D")]["field"] == "上级单位"  # another county's unit is not there for this admin
    assert "6 处错误" in r.error["message"]
    assert c.get(f"/api/v1/units?q={unique}").json["units"] == []  # not even the good row
    assert len(c.get("/api/v1/audit?action=unit.import").json["records"]) == before
    # the headings: named in the message; an empty body; a file that is neither
    r = c.post("/api/v1/units/import", raw=workbook([["名称", "代码"], ["甲", "b"]]), content_type=XLSX)
    assert r.status == 422 and "单位代码" in r.error["rows"][0]["message"] and "模板" in r.error["rows"][0]["message"]
    assert c.post("/api/v1/units/import", raw=b"", content_type="text/csv").status == 400
    r = c.post("/api/v1/units/import", raw=b"\xff\xfe\x00bad", content_type="text/csv")
    assert r.status == 422 and "UTF-8" in r.error["message"]
    r = c.post("/api/v1/units/import", raw=b"PK\x03\x04broken", content_type=XLSX)
    assert r.status == 422 and "XLSX" in r.error["message"]
    assert c.post("/api/v1/units/import?dry_run=2", raw=b"x", content_type="text/csv").status == 400
    # roles that do not administer units
    ok = f"单位代码,单位名称,类型,上级单位代码\nz1-{unique},某单位,部门,gc\n".encode()
    assert server.client("gc_office").post("/api/v1/units/import", raw=ok, content_type="text/csv").status == 403
    assert server.client("gc_contact").post("/api/v1/units/import", raw=ok, content_type="text/csv").status == 403


def test_cli_imports_xlsx(server, tmp_path, unique):
    f = tmp_path / "units.xlsx"
    f.write_bytes(workbook([["单位代码", "单位名称", "类型", "上级单位代码"],
                            [f"w1-{unique}", f"古城县档案馆{unique}", "部门", "gc"]]))
    p = run_cli("import", "units", str(f), db=server.db)
    assert "1 created" in p.stderr
    f.write_bytes(workbook([["单位代码", "单位名称", "类型", "上级单位代码"], [f"w2-{unique}", "坏", "城堡", "gc"]]))
    p = run_cli("import", "units", str(f), db=server.db, check=False)
    assert p.returncode != 0 and "row 2, column C" in p.stderr


def test_the_audit_record_names_the_file_and_its_rows(server, unique):
    """Issue 15's browser walk: the audit log showed an import as "单位 #0". The record of an import keeps the file's
    name and how many rows it brought (created, updated); a dry run leaves no record; a name too long is refused."""
    c = server.client("gc_admin")
    gc = c.get(f"/api/v1/units/{c.unit_id('gc')}").json
    name = f"乡镇名单{unique}.xlsx"
    rows = [["单位代码", "单位名称", "类型", "上级单位"],
            [f"y1-{unique}", f"古城县西关镇{unique}", "乡镇", gc["code"]],
            [f"y2-{unique}", f"古城县南关镇{unique}", "乡镇", gc["code"]]]
    r = c.post(f"/api/v1/units/import?dry_run=1&filename={quote(name)}", raw=workbook(rows), content_type=XLSX)
    assert r.status == 200, r
    r = c.post(f"/api/v1/units/import?filename={'x' * 256}.xlsx", raw=workbook(rows), content_type=XLSX)
    assert r.status == 400 and "filename" in r.error["message"], r
    r = c.post(f"/api/v1/units/import?filename={quote(name)}", raw=workbook(rows), content_type=XLSX)
    assert r.status == 200 and r.json["created"] == 2, r
    recs = [a for a in server.client("admin").get("/api/v1/audit?action=unit.import&limit=50").json["records"]
            if a["summary"].get("filename") == name]
    assert len(recs) == 1, recs  # the dry run wrote none
    assert {k: recs[0]["summary"][k] for k in ("rows", "created", "updated")} == {"rows": 2, "created": 2, "updated": 0}
