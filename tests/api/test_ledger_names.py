"""The names on ledger rows come from each server process's cache (src/items/ledger_names.c, migration
0056): a page's lead unit, leader and track units, and the overview's unit and lead units. Renaming a unit or a leader through one node, or
straight in the database (another process, the CLI), shows the new name on the very next page of every
node and in the very next export, on both backends; the page's names equal the item's own (GET
/api/v1/items/{id}, whose office, lead unit and leader names come from the same cache since migration 0305: after
a change straight in the database they are compared with the database's)."""
import csv
import io
from urllib.parse import quote

import pytest

from conftest import Server, sql_run, uniq
from itemlib import Items


@pytest.fixture(scope="module")
def two(backend):
    """Two server processes on one database (two nodes behind a balancer), each with its own cache."""
    db = backend.new_db()
    a, b = Server(db), Server(db)
    yield a, b, db
    a.stop()
    b.stop()


def row_of(items, user, item_id, **params):
    """The ledger row of item_id on the first page that user sees (filtered to it by its number)."""
    rows = [r for r in items.ledger(user, per_page=100, **params)["items"] if r["id"] == item_id]
    assert len(rows) == 1, rows
    return rows[0]


def names(row):
    return row["lead_unit_name"], row["leader_name"], {t["unit_id"]: t["unit_name"] for t in row["tracks"]}


def overview_names(items, user, unit, **params):
    """The overview's own unit name and the name it gives unit among its lead units (ranked: the
    default scope reads the ten largest in SQL, a unit inside the scope from every key)."""
    q = "&".join(f"{k}={v}" for k, v in params.items())
    ov = items.c(user).get("/api/v1/items/overview" + (f"?{q}" if q else ""))
    assert ov.status == 200, ov
    ranked = {u["unit_id"]: u["unit_name"] for u in ov.json["lead_units"]}
    assert unit in ranked, ov.json["lead_units"]
    return ov.json["unit"]["name"], ranked[unit]


def rename_unit(items, code, name):
    admin = items.c("admin")
    uid = items.unit(code)
    u = admin.get(f"/api/v1/units/{uid}").json
    r = admin.patch(f"/api/v1/units/{uid}", {"name": name, "version": u["version"]})
    assert r.status == 200, r
    return uid


def test_a_rename_shows_on_the_next_page_of_every_node(two):
    a, b, db = two
    on_a, on_b = Items(a), Items(b)
    leader = on_a.c("gc_leader").user["id"]
    item = on_a.create(title=f"名称缓存测试{uniq()}", lead="gc-jt", co=("gc-zj",), leader_id=leader)
    on_a.send(item)
    lead, co = on_a.unit("gc-jt"), on_a.unit("gc-zj")
    # both nodes' caches hold the names now
    for it in (on_a, on_b):
        got = names(row_of(it, "gc_office", item["id"], state="assigned"))
        detail = it.get(item["id"])
        assert got == (detail["lead_unit_name"], detail["leader_name"],
                       {t["unit_id"]: t["unit_name"] for t in detail["tracks"]})
        assert got[1] and set(got[2]) == {lead, co}
        assert overview_names(it, "gc_head", lead) == (detail["lead_unit_name"],) * 2
        assert overview_names(it, "gc_office", lead, unit_id=lead) == (detail["lead_unit_name"],) * 2

    # the lead unit renamed through node a: the next page of either node names it so, lead and track alike
    new_lead = f"古城县交通运输局{uniq()}"
    rename_unit(on_a, "gc-jt", new_lead)
    for it in (on_b, on_a):
        lead_name, _, tracks = names(row_of(it, "gc_office", item["id"], state="assigned"))
        assert lead_name == new_lead and tracks[lead] == new_lead
        assert it.get(item["id"])["lead_unit_name"] == new_lead
        # the overview, its own unit and the lead units ranked, in either scope
        assert overview_names(it, "gc_head", lead) == (new_lead, new_lead)
        assert overview_names(it, "gc_office", lead, unit_id=lead) == (new_lead, new_lead)

    # a co-unit renamed through node b: only its track's name changes
    new_co = f"古城县住建局{uniq()}"
    rename_unit(on_b, "gc-zj", new_co)
    for it in (on_a, on_b):
        lead_name, _, tracks = names(row_of(it, "gc_office", item["id"], state="assigned"))
        assert (lead_name, tracks) == (new_lead, {lead: new_lead, co: new_co})

    # the leader renamed by the administrator on node a
    new_leader = f"王{uniq()}"
    r = on_a.c("admin").patch(f"/api/v1/users/{leader}", {"name": new_leader})
    assert r.status == 200, r
    for it in (on_b, on_a):
        assert names(row_of(it, "gc_office", item["id"], state="assigned"))[1] == new_leader
        assert it.get(item["id"])["leader_name"] == new_leader

    # names changed straight in the database, by no server (another process, a restore script): the
    # triggers of migration 0056 tell every node's cache
    sql_run(db, [f"UPDATE units SET name = '直改{new_lead}' WHERE id = {lead}",
                 f"UPDATE users SET name = '直改{new_leader}' WHERE id = {leader}"])
    for it in (on_a, on_b):
        lead_name, leader_name, tracks = names(row_of(it, "gc_office", item["id"], state="assigned"))
        assert (lead_name, leader_name, tracks[lead]) == (f"直改{new_lead}", f"直改{new_leader}", f"直改{new_lead}")
        assert overview_names(it, "gc_head", lead) == (f"直改{new_lead}",) * 2
        # the item's detail (its names from the same cache, view item_detail of migrations 0305 and 0306: the tracks'
        # units too) as the database has them
        d = it.get(item["id"])
        assert (d["lead_unit_name"], d["leader_name"]) == (f"直改{new_lead}", f"直改{new_leader}"), d
        assert {t["unit_id"]: t["unit_name"] for t in d["tracks"]}[lead] == f"直改{new_lead}", d["tracks"]
        [(office_name,)] = sql_run(db, [f"SELECT name FROM units WHERE id = {d['office_unit_id']}"])
        assert d["office_unit_name"] == office_name, d

    # a rename that does not change the name keeps the cache; the answer is the same
    before = row_of(on_b, "gc_office", item["id"], state="assigned")
    sql_run(db, [f"UPDATE units SET name = name WHERE id = {co}"])
    assert row_of(on_b, "gc_office", item["id"], state="assigned") == before

    # a keyset page, a search and a unit's own ledger read the same names
    rename_unit(on_a, "gc-jt", new_lead)
    assert row_of(on_b, "gc_office", item["id"], q=item["title"])["lead_unit_name"] == new_lead
    assert row_of(on_b, "gc_head", item["id"])["tracks"][0]["unit_name"] == new_lead

    # the export (the ledger's rows in batches) on the other node
    r = on_b.c("gc_office").get("/api/v1/items/export.csv?q=" + quote(item["title"]))
    assert r.status == 200, r
    rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8-sig"))))
    assert any(new_lead in cell for row in rows[1:] for cell in row), rows
    assert not any(f"直改{new_lead}" in cell for row in rows[1:] for cell in row), rows


def test_a_page_without_a_leader_names_none(two):
    a, _, _ = two
    it = Items(a)
    item = it.create(title=f"无领导事项{uniq()}", lead="gc-jt")
    row = row_of(it, "gc_office", item["id"], state="draft")
    assert row["leader_name"] is None and row["lead_unit_name"] == it.get(item["id"])["lead_unit_name"]
