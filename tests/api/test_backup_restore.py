"""Backup and restore to an identical, verifiable state: `ducha backup` (SQLite, online) or pg_dump and
pg_restore (PostgreSQL) give a database whose every table equals the original row for row, whose audit
trail verifies against the checkpoints published by the original, and on which the server runs on."""
import os
import sqlite3
import subprocess

from conftest import BACKEND, Server, run_cli
from itemlib import day

PG_BIN = "/usr/lib/postgresql/15/bin"


def tables(db):
    if BACKEND == "postgres":
        out = subprocess.run(["psql", "-Atq", db, "-c", "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                              "ORDER BY 1"], capture_output=True, text=True, check=True).stdout
        return out.split()
    con = sqlite3.connect(db)
    try:
        # a full-text index is compared through its shadow tables (its own tokenizer lives in ducha)
        return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                          "'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY 1")]
    finally:
        con.close()


def rows(db, table):
    if BACKEND == "postgres":
        out = subprocess.run(["psql", "-Atq", db, "-c", f'COPY (SELECT * FROM "{table}") TO STDOUT'],
                             capture_output=True, text=True, check=True).stdout
        return sorted(out.splitlines())
    con = sqlite3.connect(db)
    try:
        return sorted(repr(r) for r in con.execute(f'SELECT * FROM "{table}"').fetchall())
    finally:
        con.close()


def test_backup_restores_an_identical_verifiable_database(backend, tmp_path):
    src = backend.new_db()
    data = str(tmp_path / "data")
    cp = os.path.join(data, "audit-checkpoints.jsonl")
    s = Server(src, data_dir=data)
    try:
        office, admin = s.client("gc_office"), s.client("gc_admin")
        jt = office.unit_id("gc-jt")
        for i in range(5):
            r = office.post("/api/v1/items", {"title": f"备份测试{i}", "source_kind": "meeting", "lead_unit_id": jt,
                                              "due_date": day(30)})
            assert r.status == 201, r
            assert office.post(f"/api/v1/items/{r.json['id']}/actions/submit", {}).status == 200
        assert admin.post("/api/v1/units", {"code": "bk-1", "name": "备份测试单位", "kind": "department",
                                            "parent_id": admin.unit_id("gc")}).status == 201
    finally:
        s.stop()  # the sealer seals and checkpoints what was written
    env = {"DUCHA_DATA_DIR": data}
    if BACKEND == "postgres":
        dump = str(tmp_path / "ducha.dump")
        subprocess.run([f"{PG_BIN}/pg_dump", "-Fc", "-f", dump, src], check=True, capture_output=True)
        dst = backend.new_db(empty=True)
        subprocess.run([f"{PG_BIN}/pg_restore", "--no-owner", "-d", dst, dump], check=True, capture_output=True)
    else:
        dst = str(tmp_path / "restored.db")
        run_cli("backup", dst, db=src, env=env)
    # identical: every table, row for row
    assert tables(dst) == tables(src)
    for t in tables(src):
        assert rows(dst, t) == rows(src, t), t
    # verifiable: the restored trail against the checkpoints the original published
    p = run_cli("audit", "verify", "--checkpoints", cp, db=dst, env=env)
    assert "audit chain ok" in p.stdout and "checkpoints:" in p.stdout, p.stdout
    # and usable: a server runs on it, the data is there, writes go on
    s = Server(dst, data_dir=data)
    try:
        office = s.client("gc_office")
        titles = [i["title"] for i in office.get("/api/v1/items?q=备份测试&per_page=50").json["items"]]
        assert sorted(titles) == [f"备份测试{i}" for i in range(5)]
        r = office.post("/api/v1/items", {"title": "恢复后新事项", "source_kind": "meeting",
                                          "lead_unit_id": office.unit_id("gc-jt"), "due_date": day(30)})
        assert r.status == 201
    finally:
        s.stop()
    p = run_cli("audit", "verify", "--checkpoints", cp, db=dst, env=env)
    assert "audit chain ok" in p.stdout
