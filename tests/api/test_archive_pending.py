"""The archive file of an item (立卷归档) is rendered after the archive transition has committed, outside any write
transaction (src/docs/itemdocs_archive.c): the transition queues it (archive_pending) with its audit record, the
request that archived renders the PDFs and the sealed ZIP, and a short transaction records it (archives, audit
item.archive_file) — once, also when the process dies while rendering (its claim's lease runs out and the
scheduler of any node takes it over). The test hook test_hold_archive (test clock only) holds a render after it
has rendered and before it records, so that nothing here waits on timing: the tests assert what happened in what
order."""
import io
import json
import os
import subprocess
import threading
import time
import zipfile


from cluelib import flood_once
from conftest import BIN, Server, put_setting, sql_run, wait_for
from itemlib import Items

HELD = "held before it is recorded (test_hold_archive)"


def archive_in_thread(srv, item_id):
    """POST …/actions/archive by gc_office in a thread of its own: (thread, result dict: status or error)."""
    out = {}
    c = srv.client("gc_office")

    def run():
        try:
            out["status"] = c.post(f"/api/v1/items/{item_id}/actions/archive", {}).status
        except Exception as e:  # the server killed under it
            out["error"] = repr(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def killed_while_rendering(db, data_dir, title, env=None, meanwhile=None):
    """A server on db archives a new item and is killed (kill -9) while it renders the archive file (after
    meanwhile(item), if given): the transition has committed, the file is not recorded. The item."""
    srv = Server(db, data_dir=data_dir, env=env)
    t = None
    try:
        it = Items(srv)
        item = it.bring("completed", title=title)
        put_setting(db, "test_hold_archive", "1")
        t, out = archive_in_thread(srv, item["id"])
        wait_for(lambda: HELD in srv.output(), timeout=120)
        if meanwhile:
            meanwhile(item)
    finally:
        srv.proc.kill()
        srv.proc.wait()
        srv.stop(check=False)
    assert t
    t.join(timeout=60)
    assert "status" not in out, out  # never answered
    assert len(files_of(data_dir, item["id"])) == 1  # written by the dead process, recorded nowhere
    put_setting(db, "test_hold_archive", None)
    return item


def rows(db, sql):
    return sql_run(db, [sql])


def audit_actions(office, item_id, action):
    r = office.get(f"/api/v1/audit?object_type=item&object_id={item_id}&action={action}&limit=50")
    assert r.status == 200, r
    return r.json["records"]


def files_of(data_dir, item_id):
    """The files of item item_id under data_dir/archives: the recorded one, none written by a claim that died."""
    return sorted(f for f in os.listdir(os.path.join(data_dir, "archives")) if f.startswith(f"item-{item_id}-"))


def check_archive(srv, office, item_id, tmp_path):
    """The archive downloads, holds its contents and verifies offline; it is recorded once."""
    r = office.get(f"/api/v1/items/{item_id}/archive.zip")
    assert r.status == 200, r
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    names = z.namelist()
    for m in ("manifest.json", "manifest.sig", "卷内目录.pdf", "documents/notice.pdf", "documents/record.pdf",
              "audit.json", "signatures.json", "seals.json"):
        assert m in names, names
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["item"]["state"] == "archived"
    assert any(e.get("action") == "archive" for e in manifest["events"]), manifest["events"]
    records = json.loads(z.read("audit.json"))["records"]
    # the archive transition's record committed before the render, which sealed it first: proved, not pending
    assert "item.archive" in [a["action"] for a in records if not a.get("pending")], records[-3:]
    f = tmp_path / f"a{item_id}.zip"
    f.write_bytes(r.raw)
    v = subprocess.run([BIN, "verify", str(f)], capture_output=True, text=True, timeout=120)
    assert v.returncode == 0, v.stdout + v.stderr
    assert len(audit_actions(office, item_id, "item.archive")) == 1
    assert wait_for(lambda: len(audit_actions(office, item_id, "item.archive_file")) == 1)
    db = srv.db
    assert rows(db, f"SELECT COUNT(*) FROM archives WHERE item_id = {item_id}") == [("1",)]
    assert rows(db, f"SELECT COUNT(*) FROM archive_pending WHERE item_id = {item_id}") == [("0",)]
    return manifest


def test_the_archive_completes_and_verifies_and_is_recorded_once(server, tmp_path):
    it = Items(server)
    item = it.bring("archived", title="城区路灯改造（归档文件）")
    office = it.c("gc_office")
    check_archive(server, office, item["id"], tmp_path)
    # the same file on every download: the one recorded
    a = office.get(f"/api/v1/items/{item['id']}/archive.zip").raw
    b = office.get(f"/api/v1/items/{item['id']}/archive.zip").raw
    assert a == b
    # an item not archived has no archive file
    other = it.bring("completed", title="城区路灯改造（未归档）")
    r = office.get(f"/api/v1/items/{other['id']}/archive.zip")
    assert r.status == 404, r


def test_writes_by_other_users_are_not_blocked_while_an_archive_renders(backend, data_dir, tmp_path):
    """The server has one worker thread, so every connection is served by it: the archive request, a write and a
    long read are handled by the office threads (office_threads) and must not hold up the others' reads and
    writes meanwhile (a request handled on the worker thread would: nothing else of its connections is read)."""
    db = backend.new_db(scanned=True)
    srv = Server(db, data_dir=data_dir, env={"DUCHA_THREADS": "1"})
    try:
        it = Items(srv)
        item = it.bring("completed", title="老旧小区加装电梯（归档时写入）")
        busy = it.bring("in_progress", title="老旧小区加装电梯（同时办理）")
        put_setting(db, "test_hold_archive", "1")
        t, out = archive_in_thread(srv, item["id"])
        # the transition has committed (the item reads archived) and the render is held, its file not recorded
        wait_for(lambda: HELD in srv.output(), timeout=120)
        assert it.get(item["id"], "gc_secretary")["state"] == "archived"
        assert rows(db, f"SELECT COUNT(*) FROM archives WHERE item_id = {item['id']}") == [("0",)]
        # a download meanwhile says the file is being prepared
        r = it.c("gc_office").get(f"/api/v1/items/{item['id']}/archive.zip")
        assert r.status == 503 and "正在生成" in r.error["message"], r
        # other users write meanwhile — on another item and on the archived item itself — and are answered
        # while the archive request is still rendering
        r = it.c("gc_contact").post(f"/api/v1/items/{busy['id']}/reports", {"text": "电梯井道已完工", "percent": 60})
        assert r.status == 201, r
        r = it.c("gc_secretary").post(f"/api/v1/items/{item['id']}/actions/comment", {"text": "归档时的备注"})
        assert r.status == 200, r
        # reads on the worker thread and a long read (a ledger export) on an office thread are answered too
        assert it.get(busy["id"], "gc_contact")["state"] == "in_progress"
        r = it.c("gc_secretary").get("/api/v1/items/export.csv")
        assert r.status == 200 and "老旧小区加装电梯（同时办理）" in r.raw.decode("utf-8-sig"), r
        assert t.is_alive() and not out, out
        assert HELD in srv.output() and "archive_file" not in json.dumps(
            audit_actions(it.c("gc_office"), item["id"], "item.archive_file"))
        put_setting(db, "test_hold_archive", None)
        t.join(timeout=300)
        assert out == {"status": 200}, out
        check_archive(srv, it.c("gc_office"), item["id"], tmp_path)
        # recorded by the request that archived, as its user
        [rec] = audit_actions(it.c("gc_office"), item["id"], "item.archive_file")
        assert rec["actor"] == "gc_office", rec
    finally:
        put_setting(db, "test_hold_archive", None)
        srv.stop()


def test_the_office_threads_queue_the_office_s_writes_and_never_the_public_s(backend, data_dir):
    """One worker thread, one office thread, the public pages on the worker thread (public_threads=0): while the
    office thread renders an archive, another office write waits its turn in the office threads' queue and is
    answered once the render is done; a public submission is answered meanwhile on the worker thread (a crowd of
    the public must never hold up the office's writes, nor wait behind them)."""
    db = backend.new_db(scanned=True)
    srv = Server(db, data_dir=data_dir, env={"DUCHA_THREADS": "1", "DUCHA_OFFICE_THREADS": "1",
                                             "DUCHA_PUBLIC_THREADS": "0"})
    try:
        it = Items(srv)
        item = it.bring("completed", title="老旧小区加装电梯（一个办理线程）")
        busy = it.bring("in_progress", title="老旧小区加装电梯（排队的报送）")
        contact = it.c("gc_contact")
        assert it.get(busy["id"], "gc_secretary")["state"] == "in_progress"  # signed in before: a sign-in is a write
        put_setting(db, "test_hold_archive", "1")
        t, out = archive_in_thread(srv, item["id"])
        wait_for(lambda: HELD in srv.output(), timeout=120)
        queued = {}

        def report():
            queued["status"] = contact.post(f"/api/v1/items/{busy['id']}/reports",
                                            {"text": "井道施工过半", "percent": 50}).status
        w = threading.Thread(target=report, daemon=True)
        w.start()
        # the public form (a submission without its fields: refused for its content) on the worker thread
        st, _, raw = flood_once(srv.port, "127.0.0.61")
        assert st == 422 and b'"field"' in raw, raw
        # reads on the worker thread too; the report still waits for the office thread
        assert it.get(busy["id"], "gc_secretary")["state"] == "in_progress"
        assert w.is_alive() and not queued and t.is_alive() and not out, (queued, out)
        put_setting(db, "test_hold_archive", None)
        t.join(timeout=300)
        w.join(timeout=120)
        assert out == {"status": 200} and queued == {"status": 201}, (out, queued)
    finally:
        put_setting(db, "test_hold_archive", None)
        srv.stop()


def test_two_nodes_a_kill_9_while_rendering_loses_nothing_and_the_other_node_completes_it(backend, data_dir,
                                                                                        tmp_path):
    db = backend.new_db(scanned=True)
    other = Server(db, data_dir=data_dir)  # a second node on the same database and files, its scheduler running
    try:
        def meanwhile(item):
            # the other node does not take a file under the renderer's live lease: it says it is being prepared
            r = other.client("gc_office").get(f"/api/v1/items/{item['id']}/archive.zip")
            assert r.status == 503 and "正在生成" in r.error["message"], r
        item = killed_while_rendering(db, data_dir, "农村饮水安全巩固提升（归档时停机）", meanwhile=meanwhile)
        # the transition is kept; the claim of the dead process stays until its lease runs out — here it has
        [(claimed_by, lease)] = rows(db, f"SELECT claimed_by, lease_until FROM archive_pending "
                                         f"WHERE item_id = {item['id']}")
        assert claimed_by and int(lease) > time.time(), (claimed_by, lease)
        assert rows(db, f"SELECT COUNT(*) FROM archives WHERE item_id = {item['id']}") == [("0",)]
        it = Items(other)
        office = it.c("gc_office")
        assert it.get(item["id"])["state"] == "archived"
        sql_run(db, [f"UPDATE archive_pending SET lease_until = {int(time.time()) - 1} WHERE item_id = {item['id']}"])
        # the other node's scheduler builds it (no download asked for it), as the system, for the user who archived
        wait_for(lambda: rows(db, f"SELECT COUNT(*) FROM archives WHERE item_id = {item['id']}") == [("1",)],
                 timeout=300)
        check_archive(other, office, item["id"], tmp_path)
        [(by, recorded)] = rows(db, f"SELECT created_by, file FROM archives WHERE item_id = {item['id']}")
        assert by == "gc_office", by
        assert files_of(data_dir, item["id"]) == [recorded]
        [rec] = audit_actions(office, item["id"], "item.archive_file")
        assert rec["actor"] == "system", rec
    finally:
        other.stop()


def test_a_file_left_by_a_process_that_died_is_taken_by_a_download(backend, data_dir, tmp_path):
    """No scheduler: the first download builds the file whose claim ran out, as the system."""
    db = backend.new_db(scanned=True)
    item = killed_while_rendering(db, data_dir, "中小学校舍维修（下载时生成）", env={"DUCHA_SCHEDULER": "false"})
    srv = Server(db, data_dir=data_dir, env={"DUCHA_SCHEDULER": "false"})
    try:
        it = Items(srv)
        office = it.c("gc_office")
        # the dead process's lease has not run out: the file is being prepared (by it, as far as anyone knows)
        r = office.get(f"/api/v1/items/{item['id']}/archive.zip")
        assert r.status == 503 and "正在生成" in r.error["message"], r
        sql_run(db, [f"UPDATE archive_pending SET lease_until = {int(time.time()) - 1} WHERE item_id = {item['id']}"])
        check_archive(srv, office, item["id"], tmp_path)
        [(recorded,)] = rows(db, f"SELECT file FROM archives WHERE item_id = {item['id']}")
        assert files_of(data_dir, item["id"]) == [recorded]
    finally:
        srv.stop()
