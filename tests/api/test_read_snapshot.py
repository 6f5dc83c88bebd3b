"""A request that reads never waits for the write lock (issue 13): a GET reads one snapshot (SQLite: a deferred
transaction, src/store/store.c db_read_begin), which never becomes the write lock, and the writes a read may make
(a session's or token's last use) are skipped when another transaction holds the lock, never waited for."""
import json
import urllib.request

from conftest import Server, TxHeld, run_cli, sql_run, wait_for


def get(url, path, headers, timeout):
    """GET with a deadline of its own: a read queued behind the held write would wait the server's busy timeout
    (120 s here) and fail this deadline instead of answering."""
    req = urllib.request.Request(url + path, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def test_reads_answer_from_their_snapshot_while_a_write_transaction_is_open(backend):
    db = backend.new_db(scanned=True)
    s = Server(db, env={"DUCHA_DB_BUSY_TIMEOUT_MS": "120000", "DUCHA_SCHEDULER": "false"})
    held = None
    try:
        c = s.client("gc_office")
        cookie = "; ".join(f"{k.name}={k.value}" for k in c.jar)
        token = run_cli("token", "create", "gc_office", "--name", "snapshot", db=db).stdout.strip()
        by_cookie, by_token = {"Cookie": cookie}, {"Authorization": f"Bearer {token}"}
        page = c.get("/api/v1/items?per_page=5").json
        item = page["items"][0]
        before = item["lead_unit_name"]
        # both credentials due for their last use's write (a session's every minute, a token's every ten)
        sql_run(db, ["UPDATE sessions SET last_seen = last_seen - 300",
                     "UPDATE api_tokens SET last_used_at = '2000-01-01T00:00:00Z'"])
        seen = int(sql_run(db, ["SELECT MAX(last_seen) FROM sessions s JOIN users u ON u.id = s.user_id "
                                "WHERE u.username = 'gc_office'"])[0][0])

        # another connection renames the item's lead unit and holds its transaction open (SQLite: the write lock)
        held = TxHeld(db, [f"UPDATE units SET name = '未提交的新名称' WHERE id = {item['lead_unit_id']}"])
        for headers in (by_cookie, by_token):
            st, body = get(s.url, "/api/v1/items?per_page=5", headers, timeout=30)
            assert st == 200 and body["items"][0]["id"] == item["id"]
            assert body["items"][0]["lead_unit_name"] == before  # the committed state, not the open transaction's
            st, body = get(s.url, f"/api/v1/items/{item['id']}", headers, timeout=30)
            assert st == 200 and body["lead_unit_name"] == before
            st, body = get(s.url, "/api/v1/items/overview", headers, timeout=30)
            assert st == 200 and body["all"] > 0
            st, body = get(s.url, "/api/v1/session", headers, timeout=30)
            assert st == 200 and body["user"]["username"] == "gc_office"
        held.release()
        held = None

        # the write is seen by the next read, and the last use, skipped while the lock was held, is written now
        st, body = get(s.url, f"/api/v1/items/{item['id']}", by_cookie, timeout=30)
        assert st == 200 and body["lead_unit_name"] == "未提交的新名称"
        assert wait_for(lambda: get(s.url, "/api/v1/session", by_cookie, timeout=30)[0] == 200 and int(
            sql_run(db, ["SELECT MAX(last_seen) FROM sessions s JOIN users u ON u.id = s.user_id "
                         "WHERE u.username = 'gc_office'"])[0][0]) > seen)
        assert wait_for(lambda: get(s.url, "/api/v1/session", by_token, timeout=30)[0] == 200 and sql_run(
            db, ["SELECT last_used_at FROM api_tokens WHERE name = 'snapshot'"])[0][0] > "2000-01-01T00:00:00Z")
        # a read that writes (the last use) after its snapshot began and another connection's commit: the
        # snapshot ends before the write, which is not refused for a stale snapshot
        sql_run(db, ["UPDATE sessions SET last_seen = last_seen - 300"])
        st, body = get(s.url, "/api/v1/items?per_page=5", by_cookie, timeout=30)
        assert st == 200 and body["items"][0]["lead_unit_name"] == "未提交的新名称"
    finally:
        if held:
            held.release()
        s.stop()
