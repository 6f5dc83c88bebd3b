"""A bulletin's publication scope as lists of units (issue 12): the office chooses 主送 (`main_unit_ids`) and 抄送
(`cc_unit_ids`) when drafting; the PDF prints them where GB/T 9704 places them (the 主送 line under the title, the
抄送 line in the 版记); once issued the bulletin reaches exactly those units — each reads it and its head is told
(主送: to pass it on and act; 抄送: for information) — and no other unit reads it or hears of it, not even one its
ranking names (it is told only when the lists reach it). A bulletin drafted without lists keeps the scope's rule
(test_bulletin_recipients). The refusals name the field and change nothing."""
import pytest

from docs_util import pdf_text
from test_bulletin_kinds import PERIOD, told
# the same world: an item of 古城县 overdue on 住建局 and 交通运输局 (the ranking names both) and heads at 水利局, 城关镇
# and 安平县交通运输局, the clock on 7 April 2025
from test_bulletin_recipients import world  # noqa: F401 (a fixture)


def listed(bulletins, bid):
    return any(b["id"] == bid for b in bulletins.json["bulletins"])


def test_the_lists_reach_exactly_their_units_and_the_pdf_prints_them(world, tmp_path):
    it, heads = world["it"], world["heads"]
    o = it.c("gc_office")
    main, cc = [it.unit("gc-sw"), it.unit("gc-jt")], [it.unit("gc-t1")]
    r = o.post("/api/v1/bulletins", dict(PERIOD, main_unit_ids=main, cc_unit_ids=cc))
    assert r.status == 201, r
    b, bid = r.json, r.json["id"]
    assert [u["id"] for u in b["main_units"]] == main and [u["code"] for u in b["main_units"]] == ["gc-sw", "gc-jt"]
    assert [u["code"] for u in b["cc_units"]] == ["gc-t1"]
    names = [u["name"] for u in b["main_units"]]
    assert b["addressees"] == "，".join(names), b["addressees"]
    # the ranking names 住建局 and 交通运输局; only the one the lists reach is named to be told
    assert len(b["figures"]["ranking"]) == 2
    assert [u["code"] for u in b["named_units"]] == ["gc-jt"], b["named_units"]
    # the draft's PDF prints 主送 and 抄送 where GB/T 9704 puts them
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(o.get(f"/api/v1/bulletins/{bid}/document.pdf").raw)
    t = pdf_text(str(pdf)).replace("\n", "")
    cc_name = b["cc_units"][0]["name"]
    assert "，".join(names) + "：" in t and f"抄送：{cc_name}。" in t, t[-600:]
    assert t.index("，".join(names) + "：") < t.index(f"抄送：{cc_name}。")
    everyone = ("gc_head", "gc_head2", "gc_contact", "gc_town", heads["gc-sw"], heads["gc-t1"], heads["ap-jt"])
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve")):
        assert it.c(user).post(f"/api/v1/bulletins/{bid}/actions/{action}", {}).status == 200
        for u in everyone:  # nobody hears of it nor reads it before the issue
            assert told(it, u, bid) == [], (action, u)
            assert it.c(u).get(f"/api/v1/bulletins/{bid}").status == 404, (action, u)
    r = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    assert r.status == 200, r
    number = r.json["number"]
    # 主送 not named: told to pass it on and act, once
    m = told(it, heads["gc-sw"], bid)
    assert len(m) == 1 and f"主送{'，'.join(names)}" in m[0]["body"] and "传达到所属单位" in m[0]["body"], m
    assert m[0]["subject"] == f"【督查通报】{number}《{r.json['title']}》" and m[0]["link"] == f"/bulletins/{bid}"
    # 抄送: told for information, once
    m = told(it, heads["gc-t1"], bid)
    assert len(m) == 1 and "抄送贵单位" in m[0]["body"] and "主送" not in m[0]["body"], m
    # 主送 and named: its rank, once
    m = told(it, "gc_head", bid)
    assert len(m) == 1 and "超期未办结督办事项 1 件" in m[0]["body"], m
    for u in (heads["gc-sw"], heads["gc-t1"], "gc_head", "gc_contact", "gc_town"):
        assert it.c(u).get(f"/api/v1/bulletins/{bid}").status == 200, u
        assert listed(it.c(u).get("/api/v1/bulletins?per_page=200"), bid), u
        assert it.c(u).get(f"/api/v1/bulletins/{bid}/document.pdf").status == 200, u
    # a unit of the scope the lists do not reach — even one the ranking names — neither hears of it nor reads it
    for u in ("gc_head2", heads["ap-jt"], "ap_head"):
        assert told(it, u, bid) == [], u
        assert it.c(u).get(f"/api/v1/bulletins/{bid}").status == 404, u
        assert it.c(u).get(f"/api/v1/bulletins/{bid}/document.pdf").status == 404, u
        assert not listed(it.c(u).get("/api/v1/bulletins?per_page=200"), bid), u
    # the issued PDF too
    pdf.write_bytes(o.get(f"/api/v1/bulletins/{bid}/document.pdf").raw)
    t = pdf_text(str(pdf)).replace("\n", "")
    assert number in t and "，".join(names) + "：" in t and f"抄送：{cc_name}。" in t


def test_a_public_bulletin_with_lists_stays_public(world, server):
    it = world["it"]
    o = it.c("gc_office")
    r = o.post("/api/v1/bulletins", dict(PERIOD, public=True, main_unit_ids=[it.unit("gc-sw")]))
    assert r.status == 201, r
    bid = r.json["id"]
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        assert it.c(user).post(f"/api/v1/bulletins/{bid}/actions/{action}", {}).status == 200
    pub = server.client().get(f"/api/v1/public/bulletins/{bid}")
    assert pub.status == 200 and pub.json["id"] == bid, pub
    assert it.c("gc_head2").get(f"/api/v1/bulletins/{bid}").status == 404


def test_the_lists_are_edited_in_the_draft(world):
    it = world["it"]
    o = it.c("gc_office")
    r = o.post("/api/v1/bulletins", dict(PERIOD, main_unit_ids=[it.unit("gc-sw")]))
    assert r.status == 201, r
    bid, v = r.json["id"], r.json["version"]
    # 抄送 added alone keeps the 主送 and its words
    r = o.patch(f"/api/v1/bulletins/{bid}", {"cc_unit_ids": [it.unit("gc-t1")], "version": v})
    assert r.status == 200, r
    assert [u["code"] for u in r.json["main_units"]] == ["gc-sw"] and [u["code"] for u in r.json["cc_units"]] == ["gc-t1"]
    sw = r.json["main_units"][0]["name"]
    assert r.json["addressees"] == sw
    # a new 主送 list: the words follow it
    r = o.patch(f"/api/v1/bulletins/{bid}", {"main_unit_ids": [it.unit("gc-zj"), it.unit("gc-sw")]})
    assert r.status == 200, r
    assert [u["code"] for u in r.json["main_units"]] == ["gc-zj", "gc-sw"]
    assert r.json["addressees"] == "，".join(u["name"] for u in r.json["main_units"])
    # 抄送 alone naming a 主送 unit is refused
    r = o.patch(f"/api/v1/bulletins/{bid}", {"cc_unit_ids": [it.unit("gc-zj")]})
    assert r.status == 422 and r.error.get("field") == "cc_unit_ids", r
    # emptying the 主送 list returns it to its scope's rule: no lists
    r = o.patch(f"/api/v1/bulletins/{bid}", {"main_unit_ids": []})
    assert r.status == 200 and r.json["main_units"] == [] and r.json["cc_units"] == [], r
    ev = [e for e in o.get(f"/api/v1/bulletins/{bid}/events").json["events"] if e["action"] == "update"]
    assert any("main_unit_ids" in (e.get("data") or {}) for e in ev), ev


@pytest.mark.parametrize("change,field", [
    ({"main_unit_ids": ["gc-sw", "gc-sw"]}, "main_unit_ids"),
    ({"main_unit_ids": ["gc-sw"], "cc_unit_ids": ["gc-sw"]}, "cc_unit_ids"),
    ({"main_unit_ids": ["ap-jt"]}, "main_unit_ids"),
    ({"main_unit_ids": ["gc"]}, "main_unit_ids"),
    ({"main_unit_ids": [999999]}, "main_unit_ids"),
    ({"main_unit_ids": ["gc-sw"], "cc_unit_ids": ["ap-jt"]}, "cc_unit_ids"),
    ({"cc_unit_ids": ["gc-sw"]}, "main_unit_ids"),
    ({"main_unit_ids": "gc-sw"}, "main_unit_ids"),
    ({"kind": "special_report", "main_unit_ids": ["gc-sw"]}, "main_unit_ids"),
])
def test_bad_lists_name_the_field_and_change_nothing(world, server, change, field):
    it = world["it"]
    o = it.c("gc_office")
    admin, body = server.client("admin"), dict(PERIOD)
    for k, v in change.items():
        body[k] = [admin.unit_id(x) if isinstance(x, str) else x for x in v] if isinstance(v, list) else v
    before = o.get("/api/v1/bulletins?per_page=1").json["total"]
    r = o.post("/api/v1/bulletins", body)
    assert r.status == 422 and r.error.get("field") == field, r
    assert field in r.error["message"], r
    assert o.get("/api/v1/bulletins?per_page=1").json["total"] == before
