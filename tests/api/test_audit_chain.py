"""`ducha audit verify` detects a tampered, a deleted and an inserted record (direct database edits)."""
import sqlite3
import subprocess

import pytest

from conftest import BACKEND, run_cli


def sql(db, statement):
    if BACKEND == "postgres":
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", db, "-c", statement], check=True, capture_output=True)
    else:
        con = sqlite3.connect(db)
        con.execute(statement)
        con.commit()
        con.close()


@pytest.fixture
def db(backend):
    return backend.new_db()


def verify(db):
    return run_cli("audit", "verify", db=db, check=False)


def test_intact_chain_verifies(db):
    p = verify(db)
    assert p.returncode == 0 and "audit chain ok" in p.stdout


def test_altered_record_is_named(db):
    sql(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 7")
    p = verify(db)
    assert p.returncode != 0
    assert "record 7" in p.stderr and "篡改" in p.stderr


def test_deleted_record_is_named(db):
    sql(db, "DELETE FROM audit_log WHERE seq = 12")
    p = verify(db)
    assert p.returncode != 0 and "record 12" in p.stderr


def test_deleted_tail_is_detected(db):
    sql(db, "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
    p = verify(db)
    assert p.returncode != 0 and "链尾" in p.stderr


def test_inserted_record_is_named(db):
    # shift records up to make room, then insert a forged one: its prev_hash cannot match
    sql(db, "UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 20")
    sql(db, "UPDATE audit_log SET seq = seq - 1000000 + 1 WHERE seq >= 1000000")
    sql(db, "INSERT INTO audit_log (seq, at, actor_id, actor, role, unit_id, action, object_type, object_id, summary, "
            "client, prev_hash, hash) SELECT 20, at, actor_id, 'forger', role, unit_id, action, object_type, object_id, "
            "summary, client, prev_hash, hash FROM audit_log WHERE seq = 19")
    p = verify(db)
    assert p.returncode != 0 and "record 20" in p.stderr


def test_backup_is_a_consistent_copy(db, tmp_path):
    if BACKEND == "postgres":
        p = run_cli("backup", str(tmp_path / "b.db"), db=db, check=False)
        assert p.returncode != 0 and "pg_dump" in p.stderr
        return
    out = tmp_path / "b.db"
    run_cli("backup", str(out), db=db)
    p = run_cli("audit", "verify", db=str(out))
    assert "audit chain ok" in p.stdout
