"""High availability drills on a three-node Patroni cluster behind HAProxy (scripts/pg-cluster.sh):
the primary killed under a write load from two ducha nodes (no acknowledged write lost, writes resume
within 10 s, one primary, the old one rejoins as a standby) and a primary cut off from the cluster
(its Patroni frozen: it cannot acknowledge a write, and it demotes itself when it comes back).
Minutes long: `make test-pg-ha`, not `make test`."""
import os
import shutil
import subprocess
import threading
import time
import urllib.error

import pytest

from conftest import ROOT, Server, run_cli, scratch_dir, wait_for

CLUSTER = os.path.join(ROOT, "scripts", "pg-cluster.sh")

pytestmark = pytest.mark.skipif(os.environ.get("DUCHA_TEST_HA") != "1" or not shutil.which("patroni"),
                                reason="HA drills run with make test-pg-ha (needs scripts/deps.sh --ha)")


def pgc(*args, check=True, timeout=120):
    p = subprocess.run([CLUSTER, *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, p.stderr + p.stdout
    return p.stdout.strip()


@pytest.fixture(scope="module")
def cluster():
    d = scratch_dir("ducha-ha-")
    try:
        url = pgc("start", d, timeout=300).splitlines()[-1]
        run_cli("demo", db=url)
        yield d, url
    finally:
        subprocess.run([CLUSTER, "destroy", d], capture_output=True, timeout=120)
        shutil.rmtree(d, ignore_errors=True)


def on_node(d, node, sql, db="ducha"):
    return pgc("psql", node, d, sql, db)



def test_primary_killed_under_write_load(cluster, unique):
    d, url = cluster
    pgc("ready", d, timeout=300)
    old = pgc("leader", d)
    a, b = Server(url, env={"DUCHA_DB_COMMIT_TIMEOUT_MS": "5000"}), Server(url, env={"DUCHA_DB_COMMIT_TIMEOUT_MS": "5000"})
    try:
        clients = [a.client("gc_admin"), b.client("gc_admin")]
        gc = clients[0].unit_id("gc")
        acked, failed = [], []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(w):
            c = clients[w % 2]
            i = 0
            while not stop.is_set():
                code = f"ha{unique}-{w}-{i}"
                i += 1
                try:
                    status = c.post("/api/v1/units", {"code": code, "name": f"切换{w}-{i}", "kind": "department",
                                                      "parent_id": gc}).status
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    status = 0
                with lock:
                    (acked if status == 201 else failed).append((code, status, time.time()))
                if status != 201:
                    time.sleep(0.05)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        time.sleep(3)
        with lock:
            before = len(acked)
        t_kill = time.time()
        pgc("kill", old, d)
        # writes resume through HAProxy once Patroni has promoted the synchronous standby
        assert wait_for(lambda: any(x[2] > t_kill + 0.5 for x in acked) and len({x[0].split("-")[1] for x in acked
                                                                               if x[2] > t_kill + 0.5}) == 8, 60)
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        # the first acknowledged write after the kill (acks within 0.5 s may have been in flight)
        resumed = min(x[2] for x in acked if x[2] > t_kill + 0.5) - t_kill
        new = promoted(d, old)
        statuses = {}
        for x in failed:
            statuses[x[1]] = statuses.get(x[1], 0) + 1
        print(f"\nfailover {old} -> {new}: writes resumed {resumed:.1f} s after the kill; acknowledged {len(acked)} "
              f"({before} before the kill), refused {len(failed)} {statuses}")
        assert new != old
        assert resumed < 10, resumed
        errors = sorted({line.split(" ", 3)[-1][:160] for line in (a.output() + b.output()).splitlines()
                         if " error " in line})
        assert set(statuses) <= {503}, (statuses, errors[:8])  # refusals are clean 503s, never a 500
        # no acknowledged write is lost
        have = set(on_node(d, new, f"SELECT code FROM units WHERE code LIKE 'ha{unique}-%'").split())
        lost = [x[0] for x in acked if x[0] not in have]
        assert not lost, lost[:10]
        # one primary: the others are standbys of it
        for n in ("pg1", "pg2", "pg3"):
            if n != old:
                assert on_node(d, n, "SELECT pg_is_in_recovery()") == ("f" if n == new else "t"), n
        # the old primary comes back as a standby of the new one (pg_rewind), with everything
        pgc("start-node", old, d)
        assert wait_for(lambda: on_node(d, old, "SELECT pg_is_in_recovery()").strip() == "t" if
                        subprocess.run([CLUSTER, "psql", old, d, "SELECT 1"], capture_output=True).returncode == 0
                        else False, 120), pgc("list", d)
        assert wait_for(lambda: set(on_node(d, old, f"SELECT code FROM units WHERE code LIKE 'ha{unique}-%'")
                                    .split()) >= {x[0] for x in acked}, 60)
        assert pgc("leader", d) == new
        assert a.client().get("/api/v1/health").status == 200 and b.client().get("/api/v1/health").status == 200
        p = run_cli("audit", "verify", db=url)
        assert "audit chain ok" in p.stdout
    finally:
        a.stop()
        b.stop()


def promoted(d, old):
    """The node other than old that Patroni made primary and that really is one (not in recovery)."""
    n = subprocess.run([CLUSTER, "leader", d], capture_output=True, text=True).stdout.strip()
    if n in ("", old):
        return None
    p = subprocess.run([CLUSTER, "psql", n, d, "SELECT pg_is_in_recovery()"], capture_output=True, text=True)
    return n if p.stdout.strip() == "f" else None


def test_a_primary_cut_off_from_the_cluster_cannot_acknowledge_and_demotes_itself(cluster, unique):
    d, url = cluster
    pgc("ready", d, timeout=300)
    old = pgc("leader", d)
    assert on_node(d, old, "SELECT pg_is_in_recovery()") == "f"
    pgc("freeze", old, d)  # its Patroni stops; its PostgreSQL runs on and takes connections
    try:
        assert wait_for(lambda: promoted(d, old), 30), "no failover: " + pgc("list", d)
        new = promoted(d, old)
        # a client that still reaches the old primary directly: its commit is never acknowledged
        # (synchronous_mode_strict: the old primary waits for a standby that now follows the new one)
        p = subprocess.Popen([CLUSTER, "psql", old, d, f"CREATE TABLE fence_{unique} (x int)", "ducha"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            p.wait(timeout=8)
            acknowledged = p.returncode == 0
        except subprocess.TimeoutExpired:
            acknowledged = False
            p.kill()
            p.wait()
        assert not acknowledged, "the cut-off primary acknowledged a write: split brain"
        assert on_node(d, new, f"SELECT to_regclass('fence_{unique}') IS NULL", "ducha") == "t"
    finally:
        pgc("thaw", old, d)
    # back in touch, it sees that it lost the leader key and comes back as a standby
    assert wait_for(lambda: subprocess.run([CLUSTER, "psql", old, d, "SELECT pg_is_in_recovery()"],
                                           capture_output=True, text=True).stdout.strip() == "t", 120), pgc("list", d)
    assert pgc("leader", d) == new
    assert on_node(d, new, f"SELECT to_regclass('fence_{unique}') IS NULL", "ducha") == "t"


# ---- backups: pgBackRest full + incremental + WAL archive, restore to a point in time ----

PG_SH = os.path.join(ROOT, "scripts", "pg.sh")


def test_backup_and_point_in_time_restore_drill(unique):
    """The procedure of docs/deployment.md §3 on one server: pgBackRest stanza, full backup, writes and
    an attachment, the restore point T, an incremental backup, more writes and attachments after T
    (the "mistake"); then the server is lost and restored to T; data_dir from a snapshot taken after T
    but the live checkpoint file kept, ducha audit restored records the restore, ducha audit verify
    (against that file) and ducha attachments verify pass, what was written after T is gone."""
    from itemlib import Items  # noqa: the item helpers of the API tests
    w = scratch_dir("ducha-pitr-")
    os.chmod(w, 0o755)
    pgdir = os.path.join(w, "pg")
    url = subprocess.run([PG_SH, "start", pgdir], capture_output=True, text=True, check=True).stdout.split()[-1]
    run_dir = open(os.path.join(pgdir, "rundir")).read().strip() if os.path.exists(os.path.join(pgdir, "rundir")) else pgdir
    port = url.rsplit(":", 1)[1].split("/")[0]
    su = url.replace("ducha@", "postgres@")
    conf = os.path.join(w, "pgbackrest.conf")
    for sub in ("repo", "log", "lock", "spool"):
        os.makedirs(os.path.join(w, sub))
    with open(conf, "w") as f:
        f.write(f"""[global]
repo1-path={w}/repo
repo1-retention-full=2
log-path={w}/log
lock-path={w}/lock
spool-path={w}/spool
start-fast=y
log-level-console=warn
[ducha]
pg1-path={run_dir}/data
pg1-port={port}
pg1-socket-path={run_dir}
pg1-user=postgres
""")
    subprocess.run(["chown", "-R", "postgres:", w], check=True)

    def backrest(*args):
        p = subprocess.run(["runuser", "-u", "postgres", "--", "pgbackrest", f"--config={conf}", "--stanza=ducha", *args],
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    def sql(q, u=url):
        p = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", u, "-c", q], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()

    data_dir = os.path.join(w, "data")
    snapshot = os.path.join(w, "data-snapshot")
    s = None
    try:
        sql(f"ALTER SYSTEM SET archive_mode = on", su)
        sql(f"ALTER SYSTEM SET archive_command = 'pgbackrest --config={conf} --stanza=ducha archive-push %p'", su)
        subprocess.run([PG_SH, "restart", pgdir], capture_output=True, check=True, timeout=120)
        run_cli("demo", db=url)
        backrest("stanza-create")
        backrest("check")
        backrest("backup", "--type=full")

        s = Server(url, data_dir=data_dir)
        it = Items(s)
        before = it.bring("received")
        r = it.c("gc_contact").post(f"/api/v1/items/{before['id']}/attachments?filename=before.pdf",
                                    raw=b"%PDF-1.4 before " + os.urandom(2000), content_type="application/octet-stream")
        assert r.status == 201, r
        c = s.client("gc_admin")
        gc = c.unit_id("gc")
        assert c.post("/api/v1/units", {"code": f"pitr-before-{unique}", "name": "恢复点前", "kind": "department",
                                        "parent_id": gc}).status == 201
        time.sleep(1.1)
        target = sql("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US+00')", su)
        time.sleep(1.1)
        backrest("backup", "--type=incr")
        # the mistake, after T
        assert c.post("/api/v1/units", {"code": f"pitr-after-{unique}", "name": "恢复点后", "kind": "department",
                                        "parent_id": gc}).status == 201
        r = it.c("gc_contact").post(f"/api/v1/items/{before['id']}/attachments?filename=after.pdf",
                                    raw=b"%PDF-1.4 after " + os.urandom(2000), content_type="application/octet-stream")
        assert r.status == 201, r
        sql("SELECT pg_switch_wal()", su)
        backrest("check")  # waits until the WAL is archived
        s.stop()
        s = None
        # attachments are immutable files written before their row commits: a copy taken after T holds
        # every file the database references at T
        shutil.copytree(data_dir, snapshot)
        info = backrest("info")
        assert "full backup" in info and "incr backup" in info, info

        # disaster: the server and its data are gone
        subprocess.run([PG_SH, "stop", pgdir], capture_output=True, check=True, timeout=120)
        shutil.rmtree(os.path.join(run_dir, "data"))
        os.makedirs(os.path.join(run_dir, "data"), mode=0o700)
        subprocess.run(["chown", "postgres:", os.path.join(run_dir, "data")], check=True)
        t0 = time.time()
        backrest("restore", "--type=time", f"--target={target}", "--target-action=promote")
        subprocess.run([PG_SH, "start", pgdir], capture_output=True, check=True, timeout=300)
        assert wait_for(lambda: subprocess.run(["psql", "-X", "-Atq", su, "-c", "SELECT pg_is_in_recovery()"],
                                               capture_output=True, text=True).stdout.strip() == "f", 120)
        print(f"\nrestore to {target}: {time.time() - t0:.1f} s")
        assert sql(f"SELECT COUNT(*) FROM units WHERE code = 'pitr-before-{unique}'") == "1"
        assert sql(f"SELECT COUNT(*) FROM units WHERE code = 'pitr-after-{unique}'") == "0"
        # data_dir from the snapshot, keeping the live checkpoint file (the runbook's
        # rsync -a --delete --exclude /audit-checkpoints.jsonl): it holds checkpoints signed after T
        cp = os.path.join(data_dir, "audit-checkpoints.jsonl")
        live = open(cp).read()
        shutil.rmtree(data_dir)
        shutil.copytree(snapshot, data_dir, ignore=lambda d, names: ["audit-checkpoints.jsonl"] if d == snapshot else [])
        with open(cp, "w") as f:
            f.write(live)
        env = {"DUCHA_DATA_DIR": data_dir}
        p = run_cli("audit", "verify", db=url, env=env, check=False)
        assert p.returncode == 1 and "末尾的记录被删除" in p.stderr, p.stdout + p.stderr
        p = run_cli("audit", "restored", db=url, env=env)
        assert "restore recorded" in p.stdout, p.stdout
        p = run_cli("audit", "verify", db=url, env=env)
        assert "audit chain ok" in p.stdout and "restores: 1 recorded" in p.stdout, p.stdout + p.stderr
        assert f"from {cp}" in p.stdout, p.stdout
        p = run_cli("attachments", "verify", db=url, env=env)
        assert p.stdout.startswith("attachments ok: 1 files"), p.stdout
        assert "2 files under" in p.stdout  # the one uploaded after T is there but not referenced
        # an attachment file lost or altered is named
        h = sql("SELECT hash FROM attachments")
        with open(os.path.join(data_dir, "attachments", h[:2], h), "ab") as f:
            f.write(b"x")
        p = run_cli("attachments", "verify", db=url, env=env, check=False)
        assert p.returncode == 1 and "size differs" in p.stderr, p.stderr
        # the restored database serves again, and accepts writes
        s = Server(url, data_dir=data_dir)
        c = s.client("gc_admin")
        assert c.post("/api/v1/units", {"code": f"pitr-new-{unique}", "name": "恢复后新建", "kind": "department",
                                        "parent_id": c.unit_id("gc")}).status == 201
    finally:
        if s:
            s.stop()
        subprocess.run([PG_SH, "destroy", pgdir], capture_output=True, timeout=120)
        shutil.rmtree(w, ignore_errors=True)
