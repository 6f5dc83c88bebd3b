"""Input checks of the supervision items (#15): text is trimmed (a title of spaces is empty), dates are
strict ISO dates (2026-13-45 is refused, never rolled over), a due date is not in the past and a source
date not in the future, and every refusal is a 422 whose message names the field in words and whose
"field" names the member, so that a form can mark it. Nothing refused is created or changed.
Also: the item's progress rolls up from its units' tracks and is 100 once completed."""
import pytest

from itemlib import Items, day


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def body(it, **kw):
    b = {"title": "推进老旧小区改造", "source_kind": "meeting", "lead_unit_id": it.unit("gc-jt"), "due_date": day(30)}
    b.update(kw)
    return b


def total(it):
    return it.ledger("gc_office", per_page=1)["total"]


def refused(r, field, words):
    assert r.status == 422, r
    err = r.error
    assert err["code"] and err.get("field") == field, err
    assert words in err["message"], err
    return err


@pytest.mark.parametrize("title", ["   ", "\u3000\u3000", " \t\n "])
def test_blank_title_is_refused_and_nothing_is_numbered(it, title):
    before = total(it)
    r = it.c("gc_office").post("/api/v1/items", body(it, title=title, submit=True))
    refused(r, "title", "事项名称")
    assert total(it) == before


def test_text_is_trimmed_but_passwords_are_not(it, unique):
    r = it.c("gc_office").post("/api/v1/items", body(it, title="\u3000 推进老旧小区改造 ", source_ref=" 会议纪要 "))
    assert r.status == 201, r
    assert r.json["title"] == "推进老旧小区改造" and r.json["source_ref"] == "会议纪要"
    # a password keeps its spaces: the user signs in with exactly what was set
    admin = it.c("admin")
    pw = f" Demo2026 {unique} "
    r = admin.post("/api/v1/users", {"username": f"sp_{unique}", "name": "空格", "unit_id": admin.unit_id("gc-jt"),
                                     "password": pw, "must_change_password": False})
    assert r.status == 201, r
    assert it.server.client(f"sp_{unique}", pw).user["username"] == f"sp_{unique}"


def test_missing_field_is_named(it):
    b = body(it)
    del b["due_date"]
    refused(it.c("gc_office").post("/api/v1/items", b), "due_date", "办结时限")
    b = body(it)
    del b["title"]
    refused(it.c("gc_office").post("/api/v1/items", b), "title", "事项名称")


@pytest.mark.parametrize("bad", ["2026-13-45", "2027-02-30", "2027-2-3", "2027/02/03", "2027-02-03T00:00:00", "明天"])
def test_impossible_dates_are_refused_not_rolled_over(it, bad):
    before = total(it)
    refused(it.c("gc_office").post("/api/v1/items", body(it, due_date=bad)), "due_date", "办结时限")
    refused(it.c("gc_office").post("/api/v1/items", body(it, source_date=bad)), "source_date", "来源日期")
    assert total(it) == before


def test_past_due_date_and_future_source_date(it):
    refused(it.c("gc_office").post("/api/v1/items", body(it, due_date=day(-3))), "due_date", "不能早于今天")
    refused(it.c("gc_office").post("/api/v1/items", body(it, source_date=day(3))), "source_date", "不能晚于今天")
    r = it.c("gc_office").post("/api/v1/items", body(it, source_date=day(-3), due_date=day(3)))
    assert r.status == 201, r


def test_edits_are_checked_the_same_way(it):
    item = it.create()
    c = it.c("gc_office")
    refused(c.patch(f"/api/v1/items/{item['id']}", {"title": "  "}), "title", "事项名称")
    refused(c.patch(f"/api/v1/items/{item['id']}", {"due_date": "2026-13-45"}), "due_date", "办结时限")
    refused(c.patch(f"/api/v1/items/{item['id']}", {"due_date": day(-2)}), "due_date", "不能早于今天")
    after = it.get(item["id"])
    assert after["title"] == item["title"] and after["due_date"] == item["due_date"]
    assert after["version"] == item["version"]


def test_units_and_enumerations_name_their_field(it):
    c = it.c("gc_office")
    refused(c.post("/api/v1/items", body(it, lead_unit_id=999999)), "lead_unit_id", "牵头单位")
    refused(c.post("/api/v1/items", body(it, co_unit_ids=[it.unit("gc-jt")])), "co_unit_ids", "责任单位")
    refused(c.post("/api/v1/items", body(it, source_kind="blog")), "source_kind", "事项来源")
    refused(c.post("/api/v1/items", body(it, importance="huge")), "importance", "重要程度")
    refused(c.post("/api/v1/items", body(it, tags=["  "])), "tags", "标签")
    refused(c.post("/api/v1/items", body(it, leader_id=it.c("gc_contact").user["id"])), "leader_id", "分管领导")


def test_actions_name_their_field(it):
    item = it.bring("in_progress")
    iid = item["id"]
    refused(it.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "　", "percent": 50}), "text", "进展情况")
    refused(it.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "x", "percent": 140}), "percent",
            "完成进度")
    r = it.act(iid, "gc_contact", "request_extension", {"new_date": "2026-13-45", "reason": "汛期"}, expect=422)
    refused(r, "new_date", "新的办结时限")
    r = it.act(iid, "gc_contact", "request_extension", {"new_date": day(90), "reason": "  "}, expect=422)
    assert r.error.get("field") == "reason", r.error
    r = it.act(iid, "gc_contact", "request_extension", {"new_date": item["due_date"], "reason": "汛期"}, expect=422)
    refused(r, "new_date", "必须晚于")
    assert it.get(iid)["version"] == item["version"]


def test_progress_rolls_up_and_is_100_once_completed(it):
    item = it.create(co=["gc-zj"])
    iid = item["id"]
    for user, action, b in [("gc_office", "submit", {}), ("gc_deputy", "approve", {}), ("gc_director", "approve", {}),
                            ("gc_office", "assign", {}), ("gc_contact", "receive", {}), ("gc_contact2", "receive", {})]:
        it.act(iid, user, action, b)
    assert it.act(iid, "gc_contact", "report", {"text": "完成设计", "percent": 60}, expect=201).json["progress"] == 30
    assert it.act(iid, "gc_contact2", "report", {"text": "配合摸底", "percent": 20}, expect=201).json["progress"] == 40
    for user in ("gc_contact", "gc_contact2"):
        it.act(iid, user, "request_completion", {"text": "已办结"})
    for user in ("gc_head", "gc_head2"):
        it.act(iid, user, "sign")
    r = it.act(iid, "gc_office", "verify", {"grade": "优秀"})
    assert r.json["state"] == "completed" and r.json["progress"] == 100
    r = it.act(iid, "gc_office", "archive")
    assert r.json["state"] == "archived" and r.json["progress"] == 100
    row = next(i for i in it.ledger("gc_office", per_page=200, q=item["title"])["items"] if i["id"] == iid)
    assert row["progress"] == 100
