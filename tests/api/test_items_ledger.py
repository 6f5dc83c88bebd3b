"""The ledger (台账): visibility per role and county, filters, sort, pages, counts per state, and
full-text search that finds two-character Chinese words (交通, 督查) and longer phrases."""
import pytest

from itemlib import Items, day


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


@pytest.fixture(scope="module")
def data(it):
    leader = it.c("gc_leader").user["id"]
    a = it.create(title="城区交通信号灯智能化改造", requirement="完成二十个路口改造", tags=["交通", "智慧城市"],
                  co=["gc-zj"], leader_id=leader, importance="major", due_date=day(20))
    b = it.create(title="老旧小区改造", requirement="配合开展专项督查，整改燃气管道隐患", lead="gc-zj",
                  tags=["民生"], source_kind="public_complaint", due_date=day(40))
    c = it.create(title="农村饮水安全巩固提升", requirement="Water supply for 12 villages", lead="gc-sw",
                  due_date=day(50))
    town = it.bring("assigned", title="城关镇人居环境整治", lead="gc-t1", due_date=day(15))
    shared = it.bring("assigned", title="背街小巷路灯改造", co=["gc-zj"], due_date=day(25))
    with it.days_ago(10):  # registered while its date was ahead
        late = it.bring("in_progress", title="国省干线公路养护逾期事项", due_date=day(-3))
    soon = it.bring("assigned", title="汛前水毁道路抢修", due_date=day(1))
    out = {"a": a, "b": b, "c": c, "town": town, "late": late, "soon": soon, "shared": shared}
    MINE.update(x["id"] for x in out.values())
    return out


MINE = set()


def ids(r):
    """The ids of the page that this module created (the demo database has items of its own)."""
    return {i["id"] for i in r["items"]} & MINE if MINE else {i["id"] for i in r["items"]}


def test_search_two_character_chinese_and_phrases(it, data):
    assert data["a"]["id"] in ids(it.ledger(q="交通"))
    assert data["b"]["id"] in ids(it.ledger(q="督查")), "2-char word inside the requirement"
    assert ids(it.ledger(q="信号灯智能")) == {data["a"]["id"]}
    assert ids(it.ledger(q="燃气管道")) == {data["b"]["id"]}
    assert ids(it.ledger(q="water SUPPLY")) == {data["c"]["id"]}
    assert ids(it.ledger(q="饮")) >= {data["c"]["id"]}, "single character falls back to substring"
    assert ids(it.ledger(q="交通督查")) == set(), "both words but not the phrase"
    assert ids(it.ledger(q="改造小区")) == set()
    # the number is searchable once assigned
    n = data["late"]["number"]
    assert ids(it.ledger(q=n)) == {data["late"]["id"]}


def test_visibility_per_role_and_county(it, data):
    all_ids = {d["id"] for d in data.values()}
    assert ids(it.ledger(per_page=200)) >= all_ids
    assert ids(it.ledger("gc_leader", per_page=200)) >= all_ids
    assert ids(it.ledger("ap_office", per_page=200)).isdisjoint(all_ids)
    assert ids(it.ledger("ap_office", q="交通")).isdisjoint(all_ids)
    contact = ids(it.ledger("gc_contact", per_page=200))
    assert contact == {data["late"]["id"], data["soon"]["id"], data["shared"]["id"]}, "drafts stay in the office"
    zj = ids(it.ledger("gc_contact2", per_page=200))
    assert zj == {data["shared"]["id"]}, "the co unit sees the assigned item, not the drafts"
    assert ids(it.ledger("gc_town", per_page=200)) == {data["town"]["id"]}
    r = it.c("gc_inspector").get("/api/v1/items")
    assert r.status == 403


def test_filters(it, data):
    assert ids(it.ledger(lead_unit_id=it.unit("gc-zj"))) >= {data["b"]["id"]}
    assert data["a"]["id"] not in ids(it.ledger(lead_unit_id=it.unit("gc-zj")))
    assert data["a"]["id"] in ids(it.ledger(co_unit_id=it.unit("gc-zj")))
    assert ids(it.ledger(unit_id=it.unit("gc"), per_page=200)) >= {d["id"] for d in data.values()}, "subtree"
    assert ids(it.ledger(unit_id=it.unit("gc"), subtree=0, per_page=200)) == set()
    assert ids(it.ledger(unit=it.unit("gc-t1"), subtree=0, limit=5)) == {data["town"]["id"]}
    assert len(it.ledger(limit=3)["items"]) == 3
    assert ids(it.ledger(tag="民生")) == {data["b"]["id"]}
    assert ids(it.ledger(tag="交")) == set()
    assert data["a"]["id"] in ids(it.ledger(importance="major"))
    assert data["b"]["id"] not in ids(it.ledger(importance="major"))
    assert data["b"]["id"] in ids(it.ledger(source_kind="public_complaint"))
    assert ids(it.ledger(leader_id=it.c("gc_leader").user["id"])) >= {data["a"]["id"]}
    assert ids(it.ledger(overdue=1)) >= {data["late"]["id"]}
    assert data["soon"]["id"] not in ids(it.ledger(overdue=1))
    assert data["late"]["id"] in ids(it.ledger(light="red"))
    assert data["soon"]["id"] in ids(it.ledger(light="yellow"))
    assert data["a"]["id"] in ids(it.ledger(light="none")), "drafts have no light"
    assert it.get(data["late"]["id"])["light"] == "red"
    r = it.ledger(due_before=day(16), due_after=day(14))
    assert data["town"]["id"] in ids(r) and data["a"]["id"] not in ids(r)
    assert ids(it.ledger(state="draft,assigned")) >= {data["a"]["id"], data["soon"]["id"]}
    assert data["late"]["id"] not in ids(it.ledger(state="draft,assigned"))
    for bad in ("state=flying", "light=purple", "sort=colour", "due_before=2026-13-01", "page=0", "per_page=900"):
        assert it.c("gc_office").get("/api/v1/items?" + bad).status == 400, bad
    # a value outside a filter's list is refused, naming the filter (it answered an empty ledger), the exports too
    for name, bad in (("importance", "urgent"), ("kind", "yearly"), ("source_kind", "rumour"),
                      ("confidentiality", "secret")):
        for path in ("/api/v1/items", "/api/v1/items/export.csv"):
            r = it.c("gc_office").get(f"{path}?{name}={bad}")
            assert r.status == 400 and f"（{name}）" in r.error["message"], (path, name, r)
    assert ids(it.ledger(kind="once", importance="general", source_kind="public_complaint")) >= {data["b"]["id"]}


def test_counts_pages_and_sort(it, data):
    full = it.ledger(per_page=200)
    assert full["total"] == len(full["items"]) == full["all"]
    assert sum(full["counts"].values()) == full["total"]
    only = it.ledger(state="draft")
    assert only["total"] == full["counts"]["draft"] and only["counts"] == full["counts"]
    p1, p2 = it.ledger(per_page=2, page=1, sort="due"), it.ledger(per_page=2, page=2, sort="due")
    assert len(p1["items"]) == 2 and ids(p1).isdisjoint(ids(p2))
    dues = [i["due_date"] for i in it.ledger(per_page=200, sort="due")["items"]]
    assert dues == sorted(dues)
    row = next(i for i in full["items"] if i["id"] == data["a"]["id"])
    assert row["lead_unit_name"] == "古城县交通运输局" and row["tags"] == ["交通", "智慧城市"]
    assert [t["role"] for t in row["tracks"]] == ["lead", "co"] and row["state_label"] == "草稿"
