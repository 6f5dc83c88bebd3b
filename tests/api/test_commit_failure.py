"""A transaction whose COMMIT fails after the gap-free number has been taken (counter_next_late: the number is
the first statement of the commit, docs/internals/store.md "Values taken at the commit"). The failure is a
real one raised by the database at COMMIT: a deferred constraint that this test adds to the database beside
the server (PostgreSQL: a DEFERRABLE INITIALLY DEFERRED constraint trigger; SQLite: a deferred foreign key
that a trigger violates), armed for one item. The client gets a clean 409 JSON error, the item is as it was,
no number is consumed (the next registration gets the next one: no gap), no to-do, message, timeline entry,
audit record or webhook delivery of the failed transaction exists, and the audit chain verifies. Disarmed, the
same action succeeds and writes all of them: the checks of absence can fail."""
import re
import sqlite3
import subprocess

import pytest

from conftest import BACKEND, Server, free_port, wait_for
from itemlib import Items

NUM = re.compile(r"古督〔(\d{4})〕(\d+)号")

# the deferred failure, armed per item by a row in test_commit_fault
ARM_PG = r"""
CREATE TABLE test_commit_fault (item_id bigint PRIMARY KEY);
CREATE FUNCTION test_commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM test_commit_fault WHERE item_id = NEW.id) THEN
    RAISE foreign_key_violation USING MESSAGE = 'test: refused at COMMIT';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER test_commit_fault AFTER UPDATE ON items DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.state IS DISTINCT FROM OLD.state) EXECUTE FUNCTION test_commit_fault();
"""
ARM_SQLITE = """
CREATE TABLE test_commit_fault (item_id INTEGER PRIMARY KEY);
CREATE TABLE test_commit_fault_parent (id INTEGER PRIMARY KEY);
CREATE TABLE test_commit_fault_rows (item_id INTEGER REFERENCES test_commit_fault_parent (id)
  DEFERRABLE INITIALLY DEFERRED);
CREATE TRIGGER test_commit_fault AFTER UPDATE OF state ON items WHEN NEW.state IS NOT OLD.state
BEGIN INSERT INTO test_commit_fault_rows SELECT item_id FROM test_commit_fault WHERE item_id = NEW.id; END;
"""


def sql(db, text):
    if BACKEND == "postgres":
        subprocess.run(["psql", "-qAt", "-v", "ON_ERROR_STOP=1", db], input=text, text=True, check=True,
                       capture_output=True)
    else:
        con = sqlite3.connect(db, timeout=30)
        try:
            con.executescript(text)
        finally:
            con.close()


def arm(db, item_id):
    sql(db, f"INSERT INTO test_commit_fault (item_id) VALUES ({int(item_id)});")


def disarm(db, item_id):
    sql(db, f"DELETE FROM test_commit_fault WHERE item_id = {int(item_id)};")


@pytest.fixture(scope="module")
def srv(backend):
    # a webhook endpoint on a closed loopback port: its deliveries stay in the outbox, where they are counted
    s = Server(backend.new_db(), env={"DUCHA_WEBHOOK_ALLOW_HTTP": "true", "DUCHA_WEBHOOK_RETRY_S": "600"})
    sql(s.db, ARM_PG if BACKEND == "postgres" else ARM_SQLITE)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def it(srv):
    return Items(srv)


def seq(number):
    return int(NUM.fullmatch(number).group(2))


def traces(it, item_id, action, todo_user):
    """What a transaction of `action` on the item leaves: timeline entries, audit records, the to-dos and
    inbox messages of todo_user that name the item."""
    events = it.c("gc_office").get(f"/api/v1/items/{item_id}/events").json["events"]
    recs = it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={item_id}").json["records"]
    todos = it.c(todo_user).get("/api/v1/todos?kind=item&limit=200").json["todos"]
    msgs = it.c(todo_user).get("/api/v1/inbox?limit=200").json["messages"]
    return {"events": [e for e in events if e["action"] == action],
            "audit": [r for r in recs if r["action"] == f"item.{action}"],
            "todos": [t for t in todos if t["object_id"] == item_id],
            "messages": [m for m in msgs if m["object_type"] == "item" and m["object_id"] == item_id]}


def audit_verifies(it):
    v = it.c("admin").get("/api/v1/audit/verify")
    return v.status == 200 and v.json["ok"]


def test_a_submit_whose_commit_fails_takes_no_number_and_leaves_nothing(srv, it):
    before = it.bring("submitted", title="提交失败对照事项")
    item = it.create(title="提交时数据库拒绝提交的事项")
    arm(srv.db, item["id"])
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/actions/submit", {})
    assert r.status == 409, r
    assert r.error["code"] == "conflict" and r.error["message"] and "\ue000" not in r.error["message"], r.json
    after = it.get(item["id"])
    assert after["state"] == "draft" and after["number"] is None and after["version"] == item["version"], after
    assert traces(it, item["id"], "submit", "gc_deputy") == {"events": [], "audit": [], "todos": [], "messages": []}
    assert audit_verifies(it)

    # disarmed: the same submit succeeds, with the very next number (the failed one consumed none)
    disarm(srv.db, item["id"])
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/actions/submit", {})
    assert r.status == 200, r
    assert seq(r.json["number"]) == seq(before["number"]) + 1, (before["number"], r.json["number"])
    t = traces(it, item["id"], "submit", "gc_deputy")
    assert len(t["events"]) == 1 and len(t["audit"]) == 1 and len(t["todos"]) == 1 and t["messages"], t
    assert audit_verifies(it)


def test_an_assignment_whose_commit_fails_leaves_no_webhook_delivery(srv, it):
    c = it.c("gc_admin")
    r = c.post("/api/v1/webhooks", {"name": "古城县协同办公系统", "url": f"http://127.0.0.1:{free_port()}/events",
                                    "events": ["item.assigned"]})
    assert r.status == 201, r
    wid = r.json["id"]

    def delivered(item_id):
        r = c.get(f"/api/v1/webhooks/{wid}/deliveries")
        assert r.status == 200, r
        return [d for d in r.json["deliveries"] if d["object_id"] == item_id]

    item = it.bring("approved", title="交办时数据库拒绝提交的事项")
    arm(srv.db, item["id"])
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/actions/assign", {})
    assert r.status == 409 and r.error["code"] == "conflict", r
    assert it.get(item["id"])["state"] == "approved"
    assert traces(it, item["id"], "assign", "gc_contact") == {"events": [], "audit": [], "todos": [], "messages": []}
    assert delivered(item["id"]) == []
    assert audit_verifies(it)

    disarm(srv.db, item["id"])
    r = it.c("gc_office").post(f"/api/v1/items/{item['id']}/actions/assign", {})
    assert r.status == 200, r
    t = traces(it, item["id"], "assign", "gc_contact")
    assert len(t["events"]) == 1 and len(t["audit"]) == 1 and t["todos"], t
    assert [d["event"] for d in delivered(item["id"])] == ["item.assigned"]
    assert wait_for(lambda: audit_verifies(it))
