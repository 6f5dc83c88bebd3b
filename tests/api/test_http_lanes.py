"""The lanes of src/http/server.c. libmicrohttpd serves a connection only on the worker thread that accepted it, so
the office's writes and long reads are handled by office threads (office_threads) with their connection suspended;
the long reads (ROUTE_LONG: documents, exports) take at most half of those threads, so that a few exports never
hold up the office's writes. The test hook (test clock only: while the file DATA_DIR/test_hold_export exists) holds
a ledger export before it starts: nothing here waits on timing, the tests assert what is answered while it is
held."""
import os
import re
import threading

from conftest import Server, wait_for
from itemlib import Items

HELD = "ledger export held (test_hold_export)"
TOKEN = "metrics-token-for-tests-lanes-0123456789"


def in_thread(call):
    """Runs call() in a thread of its own: (thread, result dict: status or error)."""
    out = {}

    def run():
        try:
            out["status"] = call().status
        except Exception as e:  # noqa: BLE001 — reported by the assertion that reads out
            out["error"] = repr(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def waiting(srv, lane):
    """ducha_http_lane_waiting{lane} of srv's /metrics."""
    text = srv.client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).raw.decode()
    m = re.search(r'^ducha_http_lane_waiting\{lane="%s"\} (\d+)$' % lane, text, re.M)
    return int(m.group(1))


def test_exports_take_at_most_half_the_office_threads_and_writes_go_past_them(backend):
    db = backend.new_db(scanned=True)
    srv = Server(db, env={"DUCHA_THREADS": "1", "DUCHA_OFFICE_THREADS": "2", "DUCHA_METRICS_TOKEN": TOKEN})
    try:
        it = Items(srv)
        busy = it.bring("in_progress", title="城区排水管网改造（导出时报送）")
        # signed in before the hold (a sign-in is a write, on an office thread)
        secretary, office, contact = it.c("gc_secretary"), it.c("gc_office"), it.c("gc_contact")
        hold = os.path.join(srv.dir, "test_hold_export")
        open(hold, "w").close()
        t1, out1 = in_thread(lambda: secretary.get("/api/v1/items/export.csv"))
        assert wait_for(lambda: HELD in srv.output(), timeout=120), srv.output()[-2000:]
        # a second export waits for its turn: one of the two office threads is the long reads' at most
        t2, out2 = in_thread(lambda: office.get("/api/v1/items/export.csv"))
        assert wait_for(lambda: waiting(srv, "office") == 1, timeout=60), srv.output()[-2000:]
        # a write goes past it, on the other office thread; a short read on the worker thread
        r = contact.post(f"/api/v1/items/{busy['id']}/reports", {"text": "管网铺设完成六成", "percent": 60})
        assert r.status == 201, r
        assert it.get(busy["id"], "gc_contact")["state"] == "in_progress"
        assert srv.output().count(HELD) == 1 and waiting(srv, "office") == 1
        assert t1.is_alive() and t2.is_alive() and not out1 and not out2, (out1, out2)
        os.unlink(hold)
        t1.join(timeout=120)
        t2.join(timeout=120)
        assert out1 == {"status": 200} and out2 == {"status": 200}, (out1, out2)
        assert waiting(srv, "office") == 0
    finally:
        if os.path.exists(os.path.join(srv.dir, "test_hold_export")):
            os.unlink(os.path.join(srv.dir, "test_hold_export"))
        srv.stop()
