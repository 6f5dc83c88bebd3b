"""Backup and restore to an identical, verifiable state: `ducha backup` (SQLite, online) or pg_dump and
pg_restore (PostgreSQL) give a database whose every table equals the original row for row, whose audit
trail verifies against the checkpoints published by the original, and on which the server runs on."""
import json
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


def rows(db):
    """Every table's rows, sorted, by table. PostgreSQL: one psql session for all of them (a psql process and its
    session per table, twice over two hundred tables, were three minutes of `make test`)."""
    names = tables(db)
    if BACKEND == "postgres":
        script = "".join(f'\\echo __table__ {t}\nCOPY (SELECT * FROM "{t}") TO STDOUT;\n' for t in names)
        out = subprocess.run(["psql", "-Atq", "-v", "ON_ERROR_STOP=1", db], input=script, capture_output=True,
                             text=True, check=True).stdout
        got, cur = {}, None
        for line in out.splitlines():  # COPY writes a row on one line (a newline in a value as \n)
            if line.startswith("__table__ "):
                cur = got.setdefault(line[len("__table__ "):], [])
            else:
                cur.append(line)
        assert sorted(got) == sorted(names), (sorted(got), names)
        return {t: sorted(v) for t, v in got.items()}
    con = sqlite3.connect(db)
    try:
        return {t: sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in names}
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
    want, got = rows(src), rows(dst)
    for t in want:
        assert got[t] == want[t], t
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


def _write_items(db, data, prefix, n):
    """n items written through a server on db, then stopped (its sealer seals and signs a checkpoint)."""
    s = Server(db, data_dir=data)
    try:
        office = s.client("gc_office")
        for i in range(n):
            r = office.post("/api/v1/items", {"title": f"{prefix}{i}", "source_kind": "meeting",
                                              "lead_unit_id": office.unit_id("gc-jt"), "due_date": day(30)})
            assert r.status == 201, r
    finally:
        s.stop()


def _service(backend, tmp_path):
    """A database, its data directory, the checkpoint file there, the CLI's environment for it."""
    data = str(tmp_path / "data")
    return backend.new_db(), data, os.path.join(data, "audit-checkpoints.jsonl"), {"DUCHA_DATA_DIR": data}


def _backup(src, tmp_path, env):
    """The backup of the runbook: `ducha backup FILE` then gzip (SQLite), pg_dump (PostgreSQL)."""
    if BACKEND == "postgres":
        backup = str(tmp_path / "ducha.dump")
        subprocess.run([f"{PG_BIN}/pg_dump", "-Fc", "-f", backup, src], check=True, capture_output=True)
        return backup
    backup = str(tmp_path / "ducha-2026-12-03.db")
    run_cli("backup", backup, db=src, env=env)
    subprocess.run(["gzip", "-f", backup], check=True)
    return backup + ".gz"


def _restore(backend, backup, src):
    """The copy put back: gunzip over the database file, its -wal and -shm removed (SQLite); pg_restore
    into an empty database (PostgreSQL). Returns the restored database."""
    if BACKEND == "postgres":
        dst = backend.new_db(empty=True)
        subprocess.run([f"{PG_BIN}/pg_restore", "--no-owner", "-d", dst, backup], check=True, capture_output=True)
        return dst
    with open(src, "wb") as out:
        subprocess.run(["gunzip", "-c", backup], stdout=out, check=True)
    for wal in (src + "-wal", src + "-shm"):
        if os.path.exists(wal):
            os.remove(wal)
    return src


def _sql(db, statement):
    if BACKEND == "postgres":
        out = subprocess.run(["psql", "-Atq", db, "-c", statement], capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("|")) for line in out.splitlines()]
    con = sqlite3.connect(db)
    try:
        rows_ = con.execute(statement).fetchall()
        con.commit()
        return rows_
    finally:
        con.close()


def test_restore_runbook_gives_a_trail_that_verifies(backend, tmp_path):
    """The restore runbook (docs/deployment.md, Backups; §3 for PostgreSQL) step by step: a backup, more
    writes whose checkpoints reach the checkpoint file, the copy put back, `ducha audit restored`, and then
    `ducha audit verify` passes and says what it checked and what the restore lost; the service runs on and
    the trail keeps verifying."""
    src, data, cp, env = _service(backend, tmp_path)
    _write_items(src, data, "恢复前", 3)
    backup = _backup(src, tmp_path, env)
    at_backup = int(run_cli("audit", "verify", db=src, env=env).stdout.split("audit chain ok: ")[1].split()[0])
    # the service goes on writing; its checkpoints (beyond the backup) reach the file
    _write_items(src, data, "恢复后丢失", 4)
    lines_before = open(cp).read().splitlines()
    last = json.loads(lines_before[-1])
    assert last["size"] > at_backup
    dst = _restore(backend, backup, src)
    # without the runbook's step the checkpoints newer than the backup are reported as a removed tail
    p = run_cli("audit", "verify", db=dst, env=env, check=False)
    assert p.returncode == 1 and "末尾的记录被删除" in p.stderr and "ducha audit restored" in p.stderr, p.stderr
    # the step: checks the restored trail, records the restore, signs a checkpoint
    p = run_cli("audit", "restored", db=dst, env=env)
    assert f"the trail holds {at_backup} records" in p.stdout, p.stdout
    assert f"checkpoints up to {last['size']} records" in p.stdout, p.stdout
    assert f"({last['size'] - at_backup} records lost)" in p.stdout, p.stdout
    lines_after = open(cp).read().splitlines()
    assert lines_after[:len(lines_before)] == lines_before  # the file only grew
    assert json.loads(lines_after[-1])["size"] == at_backup + 1  # the restore record, signed
    # now verify passes and says what it checked, the restore included
    p = run_cli("audit", "verify", db=dst, env=env)
    assert f"audit chain ok: {at_backup + 1} records" in p.stdout, p.stdout
    assert f"from {cp}" in p.stdout, p.stdout
    assert f"restores: 1 recorded (the last at record {at_backup + 1}: restored with {at_backup} records)" in p.stdout
    assert f"(the largest: {last['size']} records at {last['time']})" in p.stdout, p.stdout
    rec = _sql(dst, "SELECT object_id FROM audit_log WHERE action = 'audit.restored'")
    assert [str(r[0]) for r in rec] == [str(at_backup)], rec
    # a second run finds nothing to record
    p = run_cli("audit", "restored", db=dst, env=env)
    assert "nothing to record" in p.stdout, p.stdout
    # the service runs on the restored database: the lost writes are gone, new ones verify with the rest
    s = Server(dst, data_dir=data)
    try:
        office = s.client("gc_office")
        titles = [i["title"] for i in office.get("/api/v1/items?q=恢复&per_page=50").json["items"]]
        assert sorted(titles) == [f"恢复前{i}" for i in range(3)], titles
        # the API (and the audit page) say what the CLI says: the restore and the checkpoints it superseded
        v = s.client("admin").get("/api/v1/audit/verify").json
        lost = [json.loads(x) for x in lines_before if json.loads(x)["size"] > at_backup]
        assert v["ok"] and v["restores"] == {"count": 1, "last_seq": at_backup + 1, "restored_size": at_backup,
                                             "superseded": len(lost), "superseded_size": last["size"],
                                             "superseded_at": last["time"]}, v
    finally:
        s.stop()
    _write_items(dst, data, "恢复之后", 2)
    p = run_cli("audit", "verify", db=dst, env=env)
    assert "audit chain ok" in p.stdout and "restores: 1 recorded" in p.stdout, p.stdout
    assert json.loads(open(cp).read().splitlines()[-1])["size"] > at_backup + 1


def test_restored_refuses_a_trail_altered_before_the_cut(backend, tmp_path):
    """`ducha audit restored` records only a plain restore: a restored trail with a record altered (or any
    other finding than checkpoints beyond its end) is refused, exit 1, nothing written."""
    src, data, cp, env = _service(backend, tmp_path)
    _write_items(src, data, "改动前", 2)
    backup = _backup(src, tmp_path, env)
    _write_items(src, data, "改动后", 2)
    dst = _restore(backend, backup, src)
    _sql(dst, "UPDATE audit_log SET summary = '{}' WHERE seq = 2")
    before = open(cp).read()
    p = run_cli("audit", "restored", db=dst, env=env, check=False)
    assert p.returncode == 1 and "not recorded" in p.stderr and "被篡改" in p.stderr, p.stderr
    assert open(cp).read() == before
    assert _sql(dst, "SELECT seq FROM audit_log WHERE action = 'audit.restored'") == []
    p = run_cli("audit", "verify", db=dst, env=env, check=False)
    assert p.returncode == 1 and "record 2" in p.stderr, p.stderr
