"""Several users acting on one object at the same moment queue on its row instead of refusing each other:
on PostgreSQL (READ COMMITTED) the workflow engine takes the object's row lock before loading it, so each
action loads the version the one before it committed. Only a client that sends the version it saw gets
409 when the object moved on. On SQLite the transaction's write lock serialises them anyway."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from insplib import Insp
from itemlib import Items

ITEM_READERS = ["gc_office", "gc_director", "gc_deputy", "gc_secretary", "gc_principal", "gc_leader", "gc_contact",
                "gc_head"]
INSP_READERS = ["gc_office", "gc_director", "gc_deputy", "gc_secretary", "gc_principal", "gc_leader", "gc_inspector"]


@pytest.fixture(scope="module")
def items(server):
    return Items(server)


def together(users, send, rounds=5):
    """Each user sends `rounds` requests, all users at once; the statuses."""
    def one(user):
        return [send(user, k).status for k in range(rounds)]
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        return [s for got in pool.map(one, users) for s in got]


def test_concurrent_comments_and_reports_on_one_item_all_succeed(items):
    iid = items.bring("in_progress")["id"]
    for u in ITEM_READERS:
        items.c(u)  # signed in before the threads start

    def send(user, k):
        if user in ("gc_contact", "gc_head"):
            return items.c(user).post(f"/api/v1/items/{iid}/reports", {"text": f"进展{k}", "percent": 10 + k})
        return items.c(user).post(f"/api/v1/items/{iid}/actions/comment", {"text": f"{user}备注{k}"})

    statuses = together(ITEM_READERS, send)
    assert statuses.count(409) == 0, statuses
    assert set(statuses) <= {200, 201}, statuses
    events = items.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    assert sum(1 for e in events if e["action"] in ("comment", "report")) >= len(statuses)
    # the version a client saw still guards against a lost update
    v = items.get(iid)["version"]
    items.act(iid, "gc_office", "comment", {"text": "先到"})
    r = items.c("gc_director").post(f"/api/v1/items/{iid}/actions/comment", {"text": "后到", "version": v})
    assert r.status == 409 and "请刷新后重试" in r.error["message"], r


def test_concurrent_comments_on_one_inspection_all_succeed(server):
    ins = Insp(server)
    oid = ins.bring("in_progress")["id"]
    for u in INSP_READERS:
        ins.c(u)

    def send(user, k):
        return ins.c(user).post(f"/api/v1/inspections/{oid}/actions/comment", {"text": f"{user}备注{k}"})

    statuses = together(INSP_READERS, send)
    assert statuses == [200] * len(statuses), statuses
