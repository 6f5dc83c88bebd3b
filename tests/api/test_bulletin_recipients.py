"""Who a bulletin reaches at issue (issue 12; Jilin `000_…` 五、, Gu County `003_…` 三(五): 通报结果…抄送…各乡镇及县直
各单位; Jiangsu `004_…` 情况通报制度): it is issued to the units right below its scope (主送: a county's departments and
townships, a province's cities and departments), whose heads are told once, in one statement however many they are,
and who pass it on; the units it names (the overdue ranking as the document lists it, the praise and criticism it
carries) are told in their own words instead. Nobody hears of a draft, a unit outside the scope hears nothing, and a
unit reads the bulletin only once issued. A province's ranking of thousands names only the units the document lists
(test_bulletin_annex: the parts of the generated province's bulletin)."""
import pytest

from conftest import uniq
from itemlib import Items
from test_bulletin_kinds import PERIOD, T0, T1, clock, told


@pytest.fixture(scope="module")
def world(server):
    """One item of 古城县 assigned on 3 March 2025 to 住建局 (lead) and 交通运输局 (co), due 10 March and still open:
    the ranking names both. Heads created at 水利局 and at 城关镇 (addressees the ranking does not name) and at
    安平县交通运输局 (another county). The clock then on 7 April 2025."""
    it = Items(server)
    clock(server, T0)
    x = it.create(title="老旧小区雨污分流改造", lead="gc-zj", co=("gc-jt",), due_date="2025-03-10")
    it.send(x)
    admin = server.client("admin")
    heads = {}
    for code in ("gc-sw", "gc-t1", "ap-jt"):
        name, unit = f"rc_{code.replace('-', '_')}_{uniq()}", admin.unit_id(code)
        r = admin.post("/api/v1/users", {"username": name, "name": "单位负责人", "unit_id": unit,
                                         "password": "Demo2026", "must_change_password": False,
                                         "roles": [{"role": "head", "unit_id": unit}]})
        assert r.status == 201, r
        heads[code] = name
    clock(server, T1, it)
    return {"it": it, "heads": heads}


def test_issued_to_the_units_below_the_scope_and_the_named_units_in_their_own_words(world):
    it, heads = world["it"], world["heads"]
    o = it.c("gc_office")
    b = o.post("/api/v1/bulletins", PERIOD)
    assert b.status == 201, b
    bid = b.json["id"]
    assert {u["code"] for u in b.json["named_units"]} == {"gc-jt", "gc-zj"}
    everyone = ("gc_head", "gc_head2", "gc_contact", "gc_town", heads["gc-sw"], heads["gc-t1"], heads["ap-jt"])
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve")):
        assert it.c(user).post(f"/api/v1/bulletins/{bid}/actions/{action}", {}).status == 200
        # a draft, or one approved but not issued, is told to nobody and read by no unit
        for u in everyone:
            assert told(it, u, bid) == [], (action, u)
        for u in ("gc_head", heads["gc-sw"], "gc_town"):
            assert it.c(u).get(f"/api/v1/bulletins/{bid}").status == 404, (action, u)
    r = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    assert r.status == 200, r
    number = r.json["number"]
    # the named units: their rank, not the addressees' words; once each
    for u in ("gc_head", "gc_head2"):
        m = told(it, u, bid)
        assert len(m) == 1 and "超期未办结督办事项 1 件" in m[0]["body"] and "主送" not in m[0]["body"], (u, m)
        assert number in m[0]["subject"] and m[0]["link"] == f"/bulletins/{bid}", m[0]
    # the addressees the ranking does not name: a department and a township, each head once, with the link
    for code in ("gc-sw", "gc-t1"):
        m = told(it, heads[code], bid)
        assert len(m) == 1, (code, m)
        assert m[0]["subject"] == f"【督查通报】{number}《{r.json['title']}》" and m[0]["link"] == f"/bulletins/{bid}"
        assert "主送古城县人民政府所属各单位" in m[0]["body"] and "传达到所属单位" in m[0]["body"], m[0]
        assert it.c(heads[code]).get(f"/api/v1/bulletins/{bid}").status == 200, code
    # a contact is not told (the head answers for the unit) but reads it; another county neither hears nor reads
    assert told(it, "gc_contact", bid) == [] and told(it, "gc_town", bid) == []
    assert it.c("gc_town").get(f"/api/v1/bulletins/{bid}").status == 200
    assert told(it, heads["ap-jt"], bid) == [] and told(it, "ap_head", bid) == []
    assert it.c(heads["ap-jt"]).get(f"/api/v1/bulletins/{bid}").status == 404


def test_a_scope_below_the_government_reaches_its_own_units_only(world):
    """A bulletin on one department (its scope) is issued to the units below that department: none here, so only
    the named unit hears of it — not the county's other departments and townships."""
    it, heads = world["it"], world["heads"]
    o = it.c("gc_office")
    r = o.post("/api/v1/bulletins", dict(PERIOD, scope_unit_id=it.unit("gc-zj")))
    assert r.status == 201, r
    bid = r.json["id"]
    assert [u["code"] for u in r.json["named_units"]] == ["gc-zj"]
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        assert it.c(user).post(f"/api/v1/bulletins/{bid}/actions/{action}", {}).status == 200
    assert len(told(it, "gc_head2", bid)) == 1
    for u in ("gc_head", heads["gc-sw"], heads["gc-t1"], heads["ap-jt"]):
        assert told(it, u, bid) == [], u


def test_a_special_report_tells_no_unit(world):
    it, heads = world["it"], world["heads"]
    o = it.c("gc_office")
    r = o.post("/api/v1/bulletins", dict(PERIOD, kind="special_report"))
    assert r.status == 201 and r.json["named_units"] == [], r
    bid = r.json["id"]
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        assert it.c(user).post(f"/api/v1/bulletins/{bid}/actions/{action}", {}).status == 200
    for u in ("gc_head", "gc_head2", heads["gc-sw"], heads["gc-t1"]):
        assert told(it, u, bid) == [], u
