"""Reads on a hot standby with read-your-writes (db_replica): the listed reads run on the standby, a
user's reads stay on the primary until the standby has replayed that user's last write, reads fall
back to the primary when the standby is down, and a node pointed at the standby as its database
starts and its readiness check answers 503 (read-only). Runs with DUCHA_TEST_BACKEND=postgres (make test-api-pg)."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BACKEND, ROOT, Server, free_port, run_cli, scratch_dir, wait_for

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="read replicas need PostgreSQL")

PG_SH = os.path.join(ROOT, "scripts", "pg.sh")
PG_BIN = "/usr/lib/postgresql/15/bin"
TOKEN = "replica-metrics-token-0123456789"


def psql(url, sql):
    p = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def as_pg(*args, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, **kw)



@pytest.fixture(scope="module")
def pair(backend):
    """A primary (scripts/pg.sh, demo data: Backend.demo_into) and a streaming standby made with pg_basebackup -R."""
    d = scratch_dir("ducha-rep-")
    os.chmod(d, 0o755)
    pgdir = os.path.join(d, "primary")
    url = subprocess.run([PG_SH, "start", pgdir], capture_output=True, text=True, check=True).stdout.split()[-1]
    su = url.replace("ducha@", "postgres@")
    port = url.rsplit(":", 1)[1].split("/")[0]
    hba = psql(su, "SHOW hba_file")
    as_pg("sh", "-c", f"echo 'host replication all 127.0.0.1/32 trust' >> {hba}", check=True)
    psql(su, "SELECT pg_reload_conf()")
    backend.demo_into(url)
    standby = os.path.join(d, "standby")
    sport = free_port()
    subprocess.run(["chown", "postgres:", d], check=True)
    p = as_pg(f"{PG_BIN}/pg_basebackup", "-d", f"host=127.0.0.1 port={port} user=postgres application_name=standby",
              "-D", standby, "-R", "-X", "stream", "-c", "fast")
    assert p.returncode == 0, p.stderr
    as_pg("sh", "-c", f"printf \"port = {sport}\\nunix_socket_directories = '{d}'\\nhot_standby = on\\n\" "
                      f">> {standby}/postgresql.auto.conf", check=True)
    p = as_pg(f"{PG_BIN}/pg_ctl", "-D", standby, "-l", os.path.join(d, "standby.log"), "-w", "start")
    assert p.returncode == 0, p.stderr + p.stdout
    replica = f"postgres://ducha@127.0.0.1:{sport}/ducha"
    rsu = replica.replace("ducha@", "postgres@")
    assert wait_for(lambda: psql(su, "SELECT COUNT(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1")
    yield {"dir": d, "url": url, "su": su, "replica": replica, "rsu": rsu, "standby": standby}
    as_pg(f"{PG_BIN}/pg_ctl", "-D", standby, "-m", "immediate", "stop")
    subprocess.run([PG_SH, "destroy", pgdir], capture_output=True)
    shutil.rmtree(d, ignore_errors=True)


def caught_up(pair):
    """The standby has replayed everything the primary has written so far."""
    target = psql(pair["su"], "SELECT pg_current_wal_lsn()")
    return wait_for(lambda: psql(pair["rsu"], f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t")


def reads(server):
    text = server.client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).raw.decode()
    return {m.group(1) + "/" + m.group(2): float(m.group(3)) for m in
            re.finditer(r'ducha_db_reads_total\{target="(\w+)",reason="(\w+)"\} (\S+)', text)}


def units(c, code):
    r = c.get(f"/api/v1/units?q={code}&limit=50")
    assert r.status == 200, r
    return [u for u in r.json["units"] if u["code"] == code]


def test_reads_go_to_the_standby_and_a_writer_reads_its_own_writes(pair, unique):
    s = Server(pair["url"], env={"DUCHA_DB_REPLICA": pair["replica"], "DUCHA_METRICS_TOKEN": TOKEN})
    try:
        writer, reader = s.client("gc_admin"), s.client("gc_office")
        gc = writer.unit_id("gc")
        assert caught_up(pair)
        psql(pair["rsu"], "SELECT pg_wal_replay_pause()")
        try:
            before = reads(s)
            r = writer.post("/api/v1/units", {"code": f"ryw-{unique}", "name": "读己之写", "kind": "department",
                                              "parent_id": gc})
            assert r.status == 201, r
            assert "ducha_lsn=" in r.headers.get("Set-Cookie", "")
            # the writer sees its write at once: its reads stay on the primary
            assert len(units(writer, f"ryw-{unique}")) == 1
            # another user reads from the standby, whose replay is paused: not there yet
            assert units(reader, f"ryw-{unique}") == []
            after = reads(s)
            assert after["replica/fresh"] > before.get("replica/fresh", 0)
            assert after["primary/read_your_writes"] > before.get("primary/read_your_writes", 0)
        finally:
            psql(pair["rsu"], "SELECT pg_wal_replay_resume()")
        assert wait_for(lambda: len(units(reader, f"ryw-{unique}")) == 1)
        # once the standby has passed the write, the writer's reads go there too
        n = reads(s)["replica/fresh"]
        assert wait_for(lambda: (units(writer, f"ryw-{unique}") and reads(s)["replica/fresh"] > n + 1))
        # the session cookie's position travels to other nodes: a second node keeps the writer on the primary
        s2 = Server(pair["url"], env={"DUCHA_DB_REPLICA": pair["replica"], "DUCHA_METRICS_TOKEN": TOKEN})
        try:
            psql(pair["rsu"], "SELECT pg_wal_replay_pause()")
            r = writer.post("/api/v1/units", {"code": f"ryw2-{unique}", "name": "跨节点读己之写", "kind": "department",
                                              "parent_id": gc})
            assert r.status == 201
            writer.base = s2.url
            assert len(units(writer, f"ryw2-{unique}")) == 1
            assert reads(s2).get("primary/read_your_writes", 0) >= 1
            writer.base = s.url
        finally:
            psql(pair["rsu"], "SELECT pg_wal_replay_resume()")
            s2.stop()
    finally:
        s.stop()


def test_dashboards_are_read_on_the_standby_with_read_your_writes(pair, unique):
    """The overview (综合分析) and the statistics are served by the standby: a user who did not write reads
    them there (one replica read a request) and, while replay is paused, does not see an item registered
    meanwhile; the user who registered it sees it at once (primary)."""
    s = Server(pair["url"], env={"DUCHA_DB_REPLICA": pair["replica"], "DUCHA_METRICS_TOKEN": TOKEN})
    try:
        writer, reader = s.client("gc_office"), s.client("gc_director")
        gc = writer.unit_id("gc")
        assert caught_up(pair)
        seen = reader.get(f"/api/v1/items/overview?unit_id={gc}")
        assert seen.status == 200, seen
        psql(pair["rsu"], "SELECT pg_wal_replay_pause()")
        try:
            mine = writer.get(f"/api/v1/items/overview?unit_id={gc}").json
            r = writer.post("/api/v1/items", {"title": f"看板读副本{unique}", "source_kind": "meeting",
                                              "lead_unit_id": writer.unit_id("gc-jt"), "due_date": "2099-12-31"})
            assert r.status == 201, r
            assert writer.get(f"/api/v1/items/overview?unit_id={gc}").json != mine  # the writer: primary
            before = reads(s)
            for path in (f"/api/v1/items/overview?unit_id={gc}", "/api/v1/statistics"):
                r = reader.get(path)
                assert r.status == 200, (path, r)
            assert reads(s)["replica/fresh"] - before.get("replica/fresh", 0) == 2
            assert reader.get(f"/api/v1/items/overview?unit_id={gc}").json == seen.json  # paused: not yet
        finally:
            psql(pair["rsu"], "SELECT pg_wal_replay_resume()")
        assert wait_for(lambda: reader.get(f"/api/v1/items/overview?unit_id={gc}").json != seen.json)
    finally:
        s.stop()


def test_reads_fall_back_to_the_primary_when_the_standby_is_down(pair, unique):
    s = Server(pair["url"], env={"DUCHA_DB_REPLICA": pair["replica"], "DUCHA_METRICS_TOKEN": TOKEN})
    try:
        writer, reader = s.client("gc_admin"), s.client("gc_office")
        p = as_pg(f"{PG_BIN}/pg_ctl", "-D", pair["standby"], "-m", "fast", "-w", "stop")
        assert p.returncode == 0, p.stderr
        try:
            r = writer.post("/api/v1/units", {"code": f"down-{unique}", "name": "备库停机", "kind": "department",
                                              "parent_id": writer.unit_id("gc")})
            assert r.status == 201

            def fell_back():  # every read finds the write; once the cached position (100 ms) is refreshed
                assert len(units(reader, f"down-{unique}")) == 1  # the standby counts as down
                return reads(s).get("primary/replica_down", 0) >= 1
            assert wait_for(fell_back), reads(s)
            assert reader.get("/api/v1/items?limit=5").status == 200
        finally:
            p = as_pg(f"{PG_BIN}/pg_ctl", "-D", pair["standby"], "-l", os.path.join(pair["dir"], "standby.log"), "-w",
                      "start")
            assert p.returncode == 0, p.stderr
        # back: the standby serves again
        assert caught_up(pair)
        n = reads(s)["replica/fresh"]
        assert wait_for(lambda: units(reader, f"down-{unique}") and reads(s)["replica/fresh"] > n)
    finally:
        s.stop()


def test_a_node_pointed_at_the_standby_starts_and_is_not_ready(pair):
    s = Server(pair["replica"], ready="/api/v1/health/live")
    try:
        r = s.client().get("/api/v1/health")
        assert r.status == 503 and r.error["code"] == "unavailable" and "只读" in r.error["message"]
        assert "read-only" not in s.output() or "migration" not in s.output()
    finally:
        s.stop()


def test_db_replica_needs_postgres(tmp_path):
    db = str(tmp_path / "x.db")
    run_cli("init", db=db)
    from conftest import BIN
    p = subprocess.run([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{free_port()}"], capture_output=True,
                       text=True, timeout=30, env=dict(os.environ, DUCHA_DB_REPLICA="postgres://x@127.0.0.1:1/x"))
    assert p.returncode != 0 and "db_replica" in p.stderr and "PostgreSQL" in p.stderr
