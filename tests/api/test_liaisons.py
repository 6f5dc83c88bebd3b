"""The units' liaison directory (联络员名录, #15): each unit's liaison officer and head with their phones, scoped like
units, searchable, paged, exportable as CSV with Chinese headers; kept by the unit itself (or the office or the
administrator above it), audited; refusals: another unit, another county, bad input, a stale version."""
import csv
import io
from urllib.parse import quote

import pytest

from itemlib import Items


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def page(it, user, **params):
    qs = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    r = it.c(user).get("/api/v1/liaisons" + ("?" + qs if qs else ""))
    assert r.status == 200, r
    return r.json


def put(it, user, code, body, expect=200):
    r = it.c(user).put(f"/api/v1/units/{it.unit(code)}/liaison", body)
    assert r.status == expect, (user, code, body, r)
    return r.json if expect == 200 else r


def test_the_unit_keeps_its_entry_and_everyone_in_scope_finds_it(it):
    jt = it.unit("gc-jt")
    before = page(it, "gc_office", unit_id=jt)["liaisons"][0]
    assert before["unit_name"] == "古城县交通运输局" and before["confirmed"] is False and before["version"] == 0
    got = put(it, "gc_contact", "gc-jt", {"contact_name": " 林涛 ", "contact_mobile": "138 1234 5678",
                                          "contact_office_phone": "0351-6012345转8012", "head_name": "何振华",
                                          "head_mobile": "+86 139-0000-1111", "head_office_phone": "(0351)6012300"})
    assert got["confirmed"] is True and got["contact_name"] == "林涛" and got["version"] == 1 and got["editable"]
    assert got["updated_by_name"] == "林涛" and got["updated_at"]
    # found by a phone number, a person's name, the unit's name — by the office, a leader, the unit itself
    for user in ("gc_office", "gc_leader", "gc_contact"):
        hit = page(it, user, q="6012345")["liaisons"]
        assert [x["unit_id"] for x in hit] == [jt], user
    assert [x["unit_id"] for x in page(it, "gc_office", q="何振华")["liaisons"]] == [jt]
    assert jt in [x["unit_id"] for x in page(it, "gc_office", q="交通运输")["liaisons"]]
    # another county sees nothing of it
    assert page(it, "ap_office", q="6012345")["liaisons"] == []
    assert it.c("ap_office").get(f"/api/v1/liaisons?unit_id={jt}").status == 404
    # the change is audited
    records = it.c("admin").get(f"/api/v1/audit?object_type=unit&object_id={jt}&limit=100").json["records"]
    assert [r for r in records if r["action"] == "unit.liaison"]
    # the office above keeps it too, with the version it read
    got = put(it, "gc_office", "gc-jt", {**{k: got[k] for k in ("contact_name", "contact_mobile", "head_name")},
                                         "contact_mobile": "13912345678", "version": 1})
    assert got["version"] == 2 and got["contact_mobile"] == "13912345678"
    r = put(it, "gc_contact", "gc-jt", {"contact_name": "林涛", "version": 1}, expect=409)
    assert "刷新" in r.error["message"]


def test_scope_and_paging(it):
    # a unit's contact sees the units of its own subtree only
    mine = page(it, "gc_contact", limit=500)["liaisons"]
    assert {x["unit_code"] for x in mine} == {"gc-jt"}, [x["unit_code"] for x in mine]
    # the county office walks the whole county in pages, each unit once, in order
    seen, after = [], None
    while True:
        p = page(it, "gc_office", limit=7, **({"after": after} if after else {}))
        assert len(p["liaisons"]) <= 7
        seen += p["liaisons"]
        after = p["next"]
        if not after:
            break
    codes = [x["unit_code"] for x in seen]
    assert len(codes) == len(set(codes)) and "gc-jt" in codes and "gc-zj" in codes
    assert not [c for c in codes if c.startswith("ap-")]
    # editable: the office may keep every entry of its county; a contact only its own unit's
    assert all(x["editable"] for x in seen)
    assert [x["editable"] for x in mine] == [True]


def test_export_csv_with_chinese_headers(it):
    put(it, "gc_contact2", "gc-zj", {"contact_name": "郑雪", "contact_mobile": "13700001111", "head_name": "冯刚"})
    r = it.c("gc_office").get("/api/v1/liaisons/export.csv?q=" + quote("住房和城乡建设"))
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"] and quote("联络员名录") in r.headers["Content-Disposition"]
    assert r.raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8-sig"))))
    assert rows[0] == ["单位代码", "单位名称", "联络员", "联络员手机", "联络员办公电话", "主要负责人", "负责人手机", "负责人办公电话",
                       "更新时间"]
    mine = [row for row in rows[1:] if row[0] == "gc-zj"]
    assert mine and mine[0][2] == "郑雪" and mine[0][3] == "13700001111" and mine[0][5] == "冯刚"
    # the other county's export holds none of 古城县
    other = it.c("ap_office").get("/api/v1/liaisons/export.csv").raw.decode("utf-8-sig")
    assert "gc-" not in other and "ap-jt" in other


def test_refusals(it):
    # another unit's contact, a leader, another county
    put(it, "gc_contact", "gc-zj", {"contact_name": "x"}, expect=404)  # out of its sight
    put(it, "gc_leader", "gc-jt", {"contact_name": "x"}, expect=403)
    r = it.c("ap_office").put(f"/api/v1/units/{it.unit('gc-jt')}/liaison", {"contact_name": "x"})
    assert r.status == 404, r
    assert it.c("gc_office").put("/api/v1/units/99999999/liaison", {"contact_name": "x"}).status == 404
    # bad input, naming the field; nothing changes
    before = page(it, "gc_office", unit_id=it.unit("gc-jt"))["liaisons"][0]
    for body, field in [({"contact_name": "林涛", "contact_mobile": "138-abc"}, "contact_mobile"),
                        ({"contact_name": "林涛", "head_office_phone": "电话"}, "head_office_phone"),
                        ({"contact_name": " ", "head_name": ""}, "contact_name"),
                        ({"contact_name": "x" * 51}, "contact_name"),
                        ({"contact_name": "林涛", "email": "x"}, None)]:
        r = put(it, "gc_contact", "gc-jt", body, expect=422)
        if field:
            assert r.error.get("field") == field, (body, r.error)
    assert page(it, "gc_office", unit_id=it.unit("gc-jt"))["liaisons"][0] == before
    assert it.c("gc_office").get("/api/v1/liaisons?limit=0").status == 400
    assert it.c("gc_office").get("/api/v1/liaisons?unit_id=abc").status == 400
    assert it.server.client().get("/api/v1/liaisons").status == 401
    assert it.c("gc_evaluator").get("/api/v1/liaisons").status == 403
