"""The leader in charge (分管领导) of an item (#15): proposed at registration from the leaders' portfolios (分管领域)
of the issuing government, chosen on registration, and shown in the ledger, the exports, the notice PDF and the
item itself. Refusals: a role that does not register items, another county's units, bad input."""
import csv
import io
import re

import pytest

from docs_util import pdf_text
from itemlib import Items
from test_item_documents import xlsx_rows


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def leaders(it, user="gc_office", expect=200, **params):
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = it.c(user).get("/api/v1/leaders" + ("?" + qs if qs else ""))
    assert r.status == expect, r
    return r.json if expect == 200 else r


def test_the_leader_whose_portfolio_covers_the_lead_unit_is_proposed(it):
    li = it.c("gc_leader").user["id"]
    wang = it.c("gc_principal").user["id"]
    out = leaders(it, lead_unit_id=it.unit("gc-jt"))
    assert out["proposed"] == li
    by_id = {x["id"]: x for x in out["leaders"]}
    assert out["leaders"][0]["id"] == li and by_id[li]["covers"] is True
    assert by_id[li]["name"] == "李明" and by_id[li]["role"] == "leader" and by_id[li]["role_label"]
    assert {u["name"] for u in by_id[li]["portfolio"]} >= {"古城县交通运输局", "古城县住房和城乡建设局"}
    # the principal leader may be named too, but is not proposed for a unit outside any portfolio of theirs
    assert by_id[wang]["covers"] is False and by_id[wang]["role"] == "principal"
    # no leader of another county is offered
    assert not [x for x in out["leaders"] if x["unit_name"].startswith("安平县")]
    # a unit no portfolio covers: the leaders are listed, nobody is proposed
    town = leaders(it, lead_unit_id=it.unit("gc-t1"))
    assert town["proposed"] is None and not [x for x in town["leaders"] if x["covers"]]
    assert {x["id"] for x in town["leaders"]} == set(by_id)
    # without a lead unit: the list, nobody proposed
    none = leaders(it)
    assert none["proposed"] is None and {x["id"] for x in none["leaders"]} == set(by_id)
    assert none["office_unit_id"] == out["office_unit_id"]


def test_refusals(it):
    leaders(it, "gc_contact", expect=403)
    leaders(it, "gc_leader", expect=403)
    # another county's office cannot name a lead unit of 古城县, nor ask for 古城县's office
    r = leaders(it, "ap_office", expect=422, lead_unit_id=it.unit("gc-jt"))
    assert r.error["field"] == "lead_unit_id"
    office = leaders(it)["office_unit_id"]
    assert it.c("ap_office").get(f"/api/v1/leaders?office_unit_id={office}").status in (403, 404)
    leaders(it, expect=400, lead_unit_id="abc")
    r = leaders(it, expect=422, lead_unit_id=99999999)
    assert r.error["field"] == "lead_unit_id"
    # a leader who is not one of this government's is refused at registration, naming the field
    r = it.c("gc_office").post("/api/v1/items", {"title": "分管领导错误", "source_kind": "meeting",
                                                 "lead_unit_id": it.unit("gc-jt"), "due_date": "2099-01-01",
                                                 "leader_id": it.c("gc_contact").user["id"]})
    assert r.status == 422 and r.error["field"] == "leader_id", r


def test_the_chosen_leader_is_shown_everywhere(it, tmp_path):
    proposed = leaders(it, lead_unit_id=it.unit("gc-jt"))["proposed"]
    item = it.bring("assigned", title="城区停车设施建设（分管领导）", leader_id=proposed)
    assert item["leader_id"] == proposed and item["leader_name"] == "李明"
    row = next(r for r in it.ledger(q="停车设施建设")["items"] if r["id"] == item["id"])
    assert row["leader_name"] == "李明"
    # the ledger exports
    raw = it.c("gc_office").get(f"/api/v1/items/export.csv?q={'停车设施建设'}").raw.decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(raw, newline="")) if r["编号"] == item["number"]]
    assert rows and rows[0]["分管领导"] == "李明", rows
    x = xlsx_rows(it.c("gc_office").get("/api/v1/items/export.xlsx").raw)
    col = next(k for k, v in x[0].items() if v[1] == "分管领导")
    mine = next(r for r in x[1:] if r.get("B", (0, ""))[1] == item["number"])
    assert mine[col][1] == "李明"
    # the notice names the leader in charge, and copies them
    r = it.c("gc_office").get(f"/api/v1/items/{item['id']}/documents/notice.pdf")
    assert r.status == 200, r
    p = tmp_path / "notice.pdf"
    p.write_bytes(r.raw)
    text = re.sub(r"\s+", "", pdf_text(str(p)))
    assert "（分管领导：李明）" in text and "抄送：李明同志" in text, text[:800]
    # the leader in charge has the item in their ledger filter and may press it
    assert item["id"] in [x["id"] for x in it.ledger(user="gc_leader", leader_id=proposed)["items"]]


def test_the_demo_names_the_leader_whose_portfolio_the_ladder_reaches(it):
    """The demo's numbered items of 古城县 whose lead unit lies in a leader's portfolio name that leader as 分管领导:
    古督〔2026〕4号 (交通, overdue) and 8号 (住建) had none, yet the ladder reached 李明 by his portfolio."""
    demo = [x for x in it.ledger(per_page=200)["items"] if x["title"] in DEMO_TITLES and x["number"]]
    assert {x["title"] for x in demo} == DEMO_TITLES, demo
    for x in demo:
        p = leaders(it, lead_unit_id=x["lead_unit_id"])
        want = next(y["name"] for y in p["leaders"] if y["id"] == p["proposed"])
        assert x["leader_name"] == want, (x["number"], x["title"], x["leader_name"], want)


# the demo's items (src/cli/cli_demo_items.c) whose lead units (交通、住建、水利) lie in 李明's portfolio
DEMO_TITLES = {"城区道路交通拥堵综合治理", "老旧小区改造提升工程", "农村饮水安全巩固提升", "国省干线公路养护专项整治",
               "汛期河道清淤疏浚", "县城停车场规划建设（重复立项）"}
