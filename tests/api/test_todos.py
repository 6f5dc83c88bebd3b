"""GET /api/v1/todos: the signed-in user's to-dos across every kind of object, most urgent first, paged by
a keyset cursor, with counts per kind and light; the waits that are not transitions (a pending extension
for the office or, on a major item, the leader; a report for the secretarial section; a signed completion
for the office) and the messages that tell the unit of decisions about its work. The table-driven matrix
is test_todos_matrix.py."""
import datetime
import os
import sqlite3

import pytest

from conftest import BACKEND, Server, run_cli
from itemlib import Items, day


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def page(c, **params):
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = c.get("/api/v1/todos" + ("?" + qs if qs else ""))
    assert r.status == 200, r
    return r.json


def all_todos(c, limit=7, **params):
    """Every to-do of the user, walking the pages; checks the order and that no page repeats one."""
    out, after = [], None
    while True:
        p = page(c, limit=limit, **({"after": after} if after else {}), **params)
        assert len(p["todos"]) <= limit
        out += p["todos"]
        after = p["next"]
        if not after:
            break
        assert len(p["todos"]) == limit
    keys = [(t["due_date"] or "9999-12-31", t["id"]) for t in out]
    assert keys == sorted(keys) and len({t["id"] for t in out}) == len(out)
    return out


def test_needs_sign_in_and_refuses_bad_input(server):
    assert server.client().get("/api/v1/todos").status == 401
    c = server.client("gc_office")
    for q, status in (("limit=0", 400), ("limit=201", 400), ("limit=x", 400), ("after=yesterday", 400),
                      ("after=2026-01-01,abc", 400), ("after=2026-13-01", 400), ("kind=planet", 400),
                      ("light=purple", 400), ("kind=item&object_id=0", 400), ("kind=item&object_id=x", 400),
                      ("object_id=12", 400)):
        r = c.get("/api/v1/todos?" + q)
        assert r.status == status, (q, r)
        assert r.error["code"] == "bad_request" and r.error["message"], r
    assert "after" in c.get("/api/v1/todos?after=x").error["message"]
    assert "object_id" in c.get("/api/v1/todos?kind=item&object_id=x").error["message"]
    assert "kind" in c.get("/api/v1/todos?object_id=12").error["message"]


def snapshot(c, limit=7, **params):
    """The user's to-dos (every page) and their counts, read until both agree and a second walk lists the same
    to-dos: the scheduler (a pass each second in the tests) may hand the office a to-do of its own between two
    reads (cand12 on PostgreSQL: 30 == 16 + 13), so a count is compared only with a list of the same moment."""
    for _ in range(50):
        todos = all_todos(c, limit=limit, **params)
        counts = page(c, limit=1, **params)["counts"]
        again = all_todos(c, limit=limit, **params)
        n = (counts["by_light"][params["light"]] if "light" in params else
             counts["by_kind"][params["kind"]] if "kind" in params else counts["total"])
        if [t["id"] for t in again] == [t["id"] for t in todos] and n == len(todos):
            return todos, counts
    raise AssertionError(f"the to-dos kept changing: {len(todos)} listed, counts {counts}")


def test_pages_cover_every_todo_once_with_counts(it):
    office = it.c("gc_office")
    before, _ = snapshot(office, limit=50)
    made = [it.create(title=f"排查老旧小区燃气管道隐患第{i}批", due_date=day(3 + i * 5))["id"] for i in range(13)]
    todos, counts = snapshot(office, limit=4)
    # every earlier to-do is still there and the 13 drafts are added (the scheduler may have added its own:
    # a to-do of the demo data, never one of this test)
    ids = {t["id"] for t in todos}
    assert {t["id"] for t in before} <= ids
    mine = [t for t in todos if t["kind"] == "item" and t["object_id"] in made]
    assert len(mine) == 13 and {t["object_id"] for t in mine} == set(made)
    assert not [t for t in todos if t["id"] not in {x["id"] for x in before} | {x["id"] for x in mine}
                and t["title"].startswith("排查老旧小区燃气管道隐患")]
    assert all(t["task"] == "submit" and t["label"] == "草稿待报审" and t["kind"] == "item" and
               t["kind_label"] == "督办事项" and t["state"] == "draft" and t["state_label"] == "草稿" and
               t["part"] is None and t["number"] is None and t["variety"] is None and t["variety_label"] is None
               for t in mine)  # an item's workflow runs one kind of object
    # the dates order them: the first made is due first
    assert [t["object_id"] for t in mine] == made
    # the demo's inspections wait on the office too
    items = [t for t in todos if t["kind"] == "item"]
    assert counts["total"] == len(todos) and counts["by_kind"]["item"] == len(items)
    assert sum(counts["by_kind"].values()) == counts["total"]
    assert sum(counts["by_light"].values()) == counts["total"]
    # the light filter pages over its own part of the list, and agrees with the counts of the same moment
    for light in ("red", "yellow", "green", "none"):
        got, cts = snapshot(office, limit=5, light=light)
        assert len(got) == cts["by_light"][light] and all(t["light"] == light for t in got), light
    got, cts = snapshot(office, limit=50, kind="item")
    assert len(got) == cts["by_kind"]["item"] and all(t["kind"] == "item" for t in got)
    # a withdrawn draft waits on nobody
    it.act(made[0], "gc_office", "withdraw", {"reason": "重复立项"})
    after, cts = snapshot(office, limit=50)
    assert made[0] not in {t["object_id"] for t in after if t["kind"] == "item"}
    assert ids - {t["id"] for t in after} == {t["id"] for t in mine if t["object_id"] == made[0]}


def test_editing_a_draft_updates_its_todo(it):
    iid = it.create(title="整治城区占道经营")["id"]
    r = it.c("gc_office").patch(f"/api/v1/items/{iid}", {"title": "整治城区占道经营和流动摊贩", "due_date": day(9)})
    assert r.status == 200, r
    t = [t for t in all_todos(it.c("gc_office"), limit=100) if t["object_id"] == iid]
    assert len(t) == 1 and t[0]["title"] == "整治城区占道经营和流动摊贩" and t[0]["due_date"] == day(9)


def test_the_todos_about_one_object_are_the_lists_own(it):
    """object_id (with kind) lists the user's to-dos about that object alone: the same rows the whole list has
    about it, for each user who has some, and none for anyone else (the other county's)."""
    iid = it.bring("assigned", co=("gc-zj",))["id"]
    seen = 0
    for user in ("gc_office", "gc_contact", "gc_contact2", "gc_head", "ap_contact", "ap_office", "gc_inspector"):
        c = it.c(user)
        whole = [t for t in all_todos(c, limit=200, kind="item") if t["object_id"] == iid]
        about = all_todos(c, limit=1, kind="item", object_id=iid)
        assert about == whole, user
        seen += len(about)
        # the counts are the user's, whatever the filter
        assert page(c, kind="item", object_id=iid)["counts"] == page(c)["counts"], user
    assert seen >= 2  # the lead unit's contact and the co unit's wait to receive it
    assert all_todos(it.c("ap_contact"), kind="item", object_id=iid) == []  # the other county's


def test_other_county_and_other_roles_see_none(it):
    iid = it.bring("in_progress")["id"]
    for user in ("ap_office", "ap_contact", "ap_head", "ap_deputy", "lc_office", "gc_town", "gc_contact2",
                 "gc_inspector", "gc_evaluator"):
        assert iid not in {t["object_id"] for t in all_todos(it.c(user), limit=200)}, user


def inbox(it, user, iid):
    return [m for m in it.c(user).get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_type"] == "item" and m["object_id"] == iid]


def test_pending_extension_waits_on_the_office_and_the_unit_hears_the_decision(it):
    iid = it.bring("in_progress")["id"]
    it.act(iid, "gc_contact", "request_extension", {"reason": "汛期施工受限", "new_date": day(150)})
    office = [t for t in all_todos(it.c("gc_office"), limit=200) if t["object_id"] == iid]
    assert [t["task"] for t in office] == ["decide_extension"] and office[0]["label"] == "延期申请待审批"
    assert office[0]["part"]["kind"] == "extension" and office[0]["unit_name"] == "古城县交通运输局"
    msg = [m for m in inbox(it, "gc_office", iid) if m["kind"] == "todo"]
    assert msg and "延期申请待审批" in msg[0]["subject"] and "汛期施工受限" in msg[0]["body"]
    assert not [t for t in all_todos(it.c("gc_leader"), limit=200) if t["object_id"] == iid]
    it.act(iid, "gc_office", "decide_extension", {"approve": True})
    assert not [t for t in all_todos(it.c("gc_office"), limit=200) if t["object_id"] == iid]
    told = [m for m in inbox(it, "gc_contact", iid) if m["kind"] == "result"]
    assert told and "审批延期" in told[0]["subject"] and day(150) in told[0]["body"], told
    # the co-operating unit's people and the other county hear nothing of it
    assert not [m for m in inbox(it, "ap_contact", iid)]


def test_a_title_with_book_title_marks_nests_them_in_the_messages(it):
    # 《》 inside a title set between 《》 become 〈〉 (GB/T 15834), never 《…《…》…》
    iid = it.bring("in_progress", title="贯彻落实《城镇燃气管理条例》专项整治")["id"]
    it.act(iid, "gc_office", "press", {"text": "请加快进度"})
    subjects = [m["subject"] for m in inbox(it, "gc_contact", iid)]
    assert subjects and any("《贯彻落实〈城镇燃气管理条例〉专项整治》" in x for x in subjects), subjects
    assert not any("《《" in x or "》》" in x or "《城镇" in x for x in subjects), subjects


def test_major_extension_waits_on_the_leader_in_charge(it):
    leader = it.c("gc_leader").user["id"]
    iid = it.bring("in_progress", importance="major", leader_id=leader)["id"]
    it.act(iid, "gc_contact", "request_extension", {"reason": "需调整征地方案", "new_date": day(160)})
    t = [t for t in all_todos(it.c("gc_leader"), limit=200) if t["object_id"] == iid]
    assert [x["task"] for x in t] == ["decide_extension"] and t[0]["label"] == "重大事项延期申请待领导审批"
    assert not [x for x in all_todos(it.c("gc_office"), limit=200) if x["object_id"] == iid
                and x["task"] == "decide_extension"]
    assert [m for m in inbox(it, "gc_leader", iid) if m["kind"] == "todo"]
    it.act(iid, "gc_office", "decide_extension", {"approve": False}, expect=403)
    it.act(iid, "gc_leader", "decide_extension", {"approve": False, "reason": "请按期完成"})
    assert not [x for x in all_todos(it.c("gc_leader"), limit=200) if x["object_id"] == iid]
    told = [m for m in inbox(it, "gc_contact", iid) if m["kind"] == "result"]
    assert told and "未获批准" in told[0]["body"]


def test_reports_wait_on_the_secretarial_section_and_the_result_goes_back(it):
    iid = it.bring("received")["id"]
    r = it.act(iid, "gc_contact", "report", {"text": "已完成排水管网勘测", "percent": 20})
    rid = r.json["report_id"]
    sec = [t for t in all_todos(it.c("gc_secretary"), limit=200) if t["object_id"] == iid]
    assert [(t["task"], t["part"]["id"]) for t in sec] == [("review_report", rid)]
    assert [m for m in inbox(it, "gc_secretary", iid) if m["kind"] == "todo"]
    r = it.c("gc_secretary").post(f"/api/v1/items/{iid}/reports/{rid}/review", {"result": "redo", "note": "缺少照片"})
    assert r.status == 200, r
    assert not [t for t in all_todos(it.c("gc_secretary"), limit=200) if t["object_id"] == iid]
    told = [m for m in inbox(it, "gc_contact", iid) if m["kind"] == "result"]
    assert told and "退回重报" in told[0]["subject"] and "缺少照片" in told[0]["body"]


def test_completion_reaches_the_head_then_the_office(it):
    iid = it.bring("in_progress")["id"]
    it.act(iid, "gc_contact", "request_completion", {"text": "已按要求办结"})
    head = [t for t in all_todos(it.c("gc_head"), limit=200) if t["object_id"] == iid]
    assert [t["task"] for t in head] == ["sign"]
    assert not [t for t in all_todos(it.c("gc_contact"), limit=200) if t["object_id"] == iid]
    it.act(iid, "gc_head", "sign", {})
    office = [t for t in all_todos(it.c("gc_office"), limit=200) if t["object_id"] == iid]
    assert [t["task"] for t in office] == ["verify"]
    assert [m for m in inbox(it, "gc_office", iid) if m["kind"] == "todo" and "办结答复待审核" in m["subject"]]
    it.act(iid, "gc_office", "verify", {"grade": "优秀"})
    for user in ("gc_contact", "gc_head"):
        told = [m for m in inbox(it, user, iid) if m["kind"] == "result"]
        assert told and "优秀" in told[0]["body"], user
    assert [t["task"] for t in all_todos(it.c("gc_office"), limit=200) if t["object_id"] == iid] == ["archive"]


def test_the_archive_is_not_late_by_the_items_deadline(it):
    """The item's deadline binds its units and the office until the item is completed: the office's check of a late
    completion is red by it. The archive that follows (立卷归档: "及时", with no limit of its own) is not: its to-do
    has no due date and no light however long ago the deadline passed, its message names no deadline, and the
    workbench does not count it overdue."""
    with it.days_ago(20):
        item = it.bring("in_progress", due_date=day(-15))
    iid = item["id"]
    it.act(iid, "gc_contact", "request_completion", {"text": "已按要求办结"})
    it.act(iid, "gc_head", "sign", {})
    (verify,) = [t for t in all_todos(it.c("gc_office"), limit=200) if t["object_id"] == iid]
    assert verify["task"] == "verify" and verify["due_date"] == day(-15) and verify["light"] == "red", verify
    it.act(iid, "gc_office", "verify", {"grade": "良好"})
    (archive,) = [t for t in all_todos(it.c("gc_office"), limit=200) if t["object_id"] == iid]
    assert archive["task"] == "archive" and archive["due_date"] is None and archive["light"] == "none", archive
    told = [m for m in inbox(it, "gc_office", iid) if m["kind"] == "todo" and "待立卷归档" in m["subject"]]
    assert len(told) == 1 and "办理时限" not in told[0]["body"], told
    # the counts agree with the list (read again while the scheduler hands a to-do over between the two reads):
    # no archive is among the office's red ones
    for _ in range(20):
        todos, counts = all_todos(it.c("gc_office"), limit=200), page(it.c("gc_office"))["counts"]
        if counts["by_light"]["red"] == len([t for t in todos if t["light"] == "red"]):
            break
    assert counts["by_light"]["red"] == len([t for t in todos if t["light"] == "red"]), counts
    assert not [t for t in todos if t["task"] == "archive" and t["light"] != "none"]


def test_the_wait_counts_from_when_the_work_first_reached_the_person(it):
    """已等待 on the workbench: a to-do that replaces the person's previous one on the same item (签收 → 报送进展)
    keeps the time the work first reached them; a person the work newly reaches waits from now."""
    def mine(user, iid):
        return [t for t in all_todos(it.c(user), limit=50, kind="item") if t["object_id"] == iid]
    with it.days_ago(3):
        item = it.bring("assigned")
        first = mine("gc_contact", item["id"])
        assert [t["task"] for t in first] == ["receive"], first
    it.act(item["id"], "gc_contact", "receive")
    now = mine("gc_contact", item["id"])
    assert [t["task"] for t in now] == ["report"] and now[0]["since"] == first[0]["since"], (first, now)
    assert now[0]["since"] < (it.now() - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"), now
    # the report reaches the secretarial section now: its wait starts now
    it.act(item["id"], "gc_contact", "report", {"text": "已完成方案设计", "percent": 30})
    review = mine("gc_secretary", item["id"])
    assert review and review[0]["since"] > now[0]["since"], review


@pytest.mark.skipif(BACKEND != "sqlite", reason="compares the SQLite file directly")
def test_a_rebuild_recounts_range_by_range_and_leaves_no_count_wrong(backend):
    """More to-dos than one of the recount's transactions counts (5,000 rows, todos.c RECOUNT_ROWS: the writers of
    to-dos wait for a range's count, not a province's): every range is exact, and so are the edges between them,
    a count of an assignee with no to-do before the first, between two and after the last."""
    db = backend.new_db(empty=True)
    run_cli("gen", "--units", "0", "--items", "5000", "--events", "0", db=db)
    con = sqlite3.connect(db)
    rows = "SELECT assignee, kind, due_key, COUNT(*) FROM todos GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    counts = "SELECT assignee, kind, due_key, n FROM todo_counts ORDER BY 1, 2, 3"
    lights = "SELECT assignee, kind, light, SUM(n) FROM todo_lights GROUP BY 1, 2, 3 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3"
    want, want_lights = con.execute(rows).fetchall(), con.execute(lights).fetchall()
    assert con.execute("SELECT COUNT(*) FROM todos").fetchone()[0] > 5000, "more rows than one range"
    assert con.execute(counts).fetchall() == want
    # an assignee in the middle of the order, where a range is likely to end
    names = [r[0] for r in con.execute("SELECT DISTINCT assignee FROM todos ORDER BY 1")]
    middle = names[len(names) // 2]
    con.execute("UPDATE todo_counts SET n = n + 3")
    for who in ("", middle + "~", "zzzz"):  # before the first, between two, after the last
        con.execute("INSERT INTO todo_counts (assignee, kind, due_key, n) VALUES (?, 'item', '2030-01-01', 7)", (who,))
        con.execute("INSERT INTO todo_lights (assignee, kind, light, n) VALUES (?, 'item', 'green', 7)", (who,))
    con.execute("UPDATE todo_lights SET n = n + 2 WHERE assignee = ?", (middle,))
    con.commit()
    out = run_cli("todos", "rebuild", db=db).stdout
    assert "to-dos rebuilt" in out
    assert con.execute(counts).fetchall() == want
    assert con.execute(lights).fetchall() == want_lights
    con.close()
    os.unlink(db)


@pytest.mark.skipif(BACKEND != "sqlite", reason="compares the SQLite file directly")
def test_rebuild_gives_the_same_todos(backend):
    db = backend.new_db()
    con = sqlite3.connect(db)
    q = ("SELECT assignee, kind, object_id, part, task, label, number, title, state, unit_id, unit_name, due_key "
         "FROM todos ORDER BY 1, 2, 3, 4, 5")
    counts = "SELECT assignee, kind, due_key, n FROM todo_counts ORDER BY 1, 2, 3"
    want, want_counts = con.execute(q).fetchall(), con.execute(counts).fetchall()
    assert want, "the demo data waits on people"
    # the counts kept by every transition are the rows' counts
    assert want_counts == con.execute("SELECT assignee, kind, due_key, COUNT(*) FROM todos GROUP BY 1, 2, 3 "
                                      "ORDER BY 1, 2, 3").fetchall()
    con.execute("DELETE FROM todos")
    con.commit()
    out = run_cli("todos", "rebuild", db=db).stdout
    assert "to-dos rebuilt" in out
    assert con.execute(q).fetchall() == want and con.execute(counts).fetchall() == want_counts
    # rows gone wrong are set right: one of an object nobody waits on goes, one whose unit's name or label is stale
    # is rewritten, a row that stays keeps how long it has waited, and the counts follow
    idle = con.execute("SELECT id FROM items WHERE id NOT IN (SELECT object_id FROM todos WHERE kind = 'item') "
                       "ORDER BY id LIMIT 1").fetchone()[0]
    con.execute("INSERT INTO todos (assignee, kind, object_id, part, task, label, number, title, state, unit_id, "
                "unit_name, due_key, since) SELECT assignee, kind, ?, part, task, label, number, title, state, "
                "unit_id, unit_name, due_key, since FROM todos WHERE kind = 'item' ORDER BY id LIMIT 1", (idle,))
    con.execute("UPDATE todos SET unit_name = '旧名称', label = '旧任务', since = '2020-01-02T03:04:05Z' "
                "WHERE id = (SELECT MIN(id) FROM todos WHERE unit_id > 0)")
    con.execute("UPDATE todo_counts SET n = n + 5")
    con.commit()
    run_cli("todos", "rebuild", db=db)
    assert con.execute(q).fetchall() == want and con.execute(counts).fetchall() == want_counts
    assert con.execute("SELECT COUNT(*) FROM todos WHERE unit_name = '旧名称' OR (kind = 'item' AND "
                       "object_id = ?)", (idle,)).fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM todos WHERE since = '2020-01-02T03:04:05Z'").fetchone()[0] == 1
    # a migration that asks for it rebuilds when the database is next opened
    con.execute("DELETE FROM todos")
    con.execute("INSERT INTO settings (key, value) VALUES ('todos_rebuild', '1')")
    con.commit()
    # without the scheduler, whose ladder steps would hand overdue demo units to leaders meanwhile
    s = Server(db, env={"DUCHA_SCHEDULER": "false"})
    try:
        assert con.execute(q).fetchall() == want
        assert con.execute("SELECT COUNT(*) FROM settings WHERE key = 'todos_rebuild'").fetchone()[0] == 0
    finally:
        s.stop()
        con.close()
        os.unlink(db)
