"""The smaller findings of the hardening review (issue 14, items 6 and 9): CSV cells that start with TAB
or CR are guarded against formula injection like = + - @; `ducha config` never prints a password
that sits inside a URL."""
import csv
import io
import json
import os
import subprocess

from conftest import BIN
from docs_util import DOCS, render


def test_csv_guards_tab_and_cr_like_the_other_formula_starts(tmp_path):
    model = json.load(open(os.path.join(DOCS, "model_list.json"), encoding="utf-8"))
    model["items"][0]["title"] = "\t=1+2"
    model["items"][1]["title"] = "\r=cmd|' /C calc'!A0"
    model["items"][2]["title"] = "@SUM(A1:A2)"
    p = tmp_path / "m.json"
    p.write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "l.csv"
    assert render("list", str(p), str(out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r["督办事项"] for r in rows] == ["'\t=1+2", "'\r=cmd|' /C calc'!A0", "'@SUM(A1:A2)"]


def test_config_masks_passwords_in_urls():
    env = dict(os.environ, DUCHA_SMTP_URL="smtps://ducha:Mail%40Secret@mail.gov.cn:465",
               DUCHA_DB="postgres://ducha:DbSecret@10.0.0.11:5432/ducha?sslmode=verify-full",
               DUCHA_SMTP_PASSWORD="Another-Secret", DUCHA_AUDIT_KEY="audit-key-secret-0123")
    out = subprocess.run([BIN, "config"], capture_output=True, text=True, check=True, env=env).stdout
    for secret in ("Mail%40Secret", "DbSecret", "Another-Secret", "audit-key-secret"):
        assert secret not in out
    assert "smtp_url = smtps://ducha:***@mail.gov.cn:465" in out
    assert "db = postgres://ducha:***@10.0.0.11:5432/ducha?sslmode=verify-full" in out
    env["DUCHA_DB"] = "host=db1 user=ducha password=Conninfo-Secret dbname=ducha"
    out = subprocess.run([BIN, "config"], capture_output=True, text=True, check=True, env=env).stdout
    assert "Conninfo-Secret" not in out and "password=***" in out
