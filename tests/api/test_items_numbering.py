"""Item numbers: 古督〔year〕n号, one gap-free sequence per office and year, assigned at
registration, distinct under 200 concurrent registrations, never reused (a withdrawn item keeps its
number), and each county numbers its own items."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from itemlib import Items, day

NUM = re.compile(r"(.)督〔(\d{4})〕(\d+)号")


@pytest.fixture(scope="module")
def it(server):
    return Items(server)


def seqs(it, user, prefix):
    out = []
    page = 1
    while True:
        r = it.ledger(user, sort="number", per_page=200, page=page)
        for i in r["items"]:
            if i["number"]:
                m = NUM.fullmatch(i["number"])
                assert m, i["number"]
                if m.group(1) == prefix:
                    out.append(int(m.group(3)))
        if page * 200 >= r["total"]:
            return out
        page += 1


def test_200_concurrent_registrations_are_distinct_and_gap_free(it):
    lead = it.unit("gc-jt")
    body = {"title": "并发立项", "source_kind": "instruction", "lead_unit_id": lead, "due_date": day(30)}
    drafts = [it.c("gc_office").post("/api/v1/items", dict(body, title=f"并发立项{i}")).json["id"] for i in range(200)]
    clients = [it.server.client("gc_office") for _ in range(8)]

    def submit(k):
        return clients[k % 8].post(f"/api/v1/items/{drafts[k]}/actions/submit", {})

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(submit, range(200)))
    assert all(r.status == 200 for r in results), [r for r in results if r.status != 200][:3]
    numbers = [r.json["number"] for r in results]
    assert len(set(numbers)) == 200
    year = {NUM.fullmatch(n).group(2) for n in numbers}
    assert len(year) == 1
    s = sorted(seqs(it, "gc_office", "古"))
    assert s == list(range(1, len(s) + 1)), "gap in the 古 sequence"


def test_withdrawn_keeps_its_number_and_numbers_are_not_reused(it):
    a = it.bring("submitted")
    it.act(a["id"], "gc_office", "withdraw", {"reason": "重复立项"})
    assert it.get(a["id"])["number"] == a["number"]
    b = it.bring("submitted")
    na, nb = (int(NUM.fullmatch(x["number"]).group(3)) for x in (a, b))
    assert nb == na + 1
    listed = it.ledger(state="withdrawn")["items"]
    assert any(i["id"] == a["id"] and i["number"] == a["number"] for i in listed)


def test_each_county_has_its_own_sequence(it):
    ap = it.c("ap_office")
    r = ap.post("/api/v1/items", {"title": "安平县农村公路养护", "source_kind": "work_report",
                                  "lead_unit_id": ap.unit_id("ap-jt"), "due_date": day(40), "submit": True})
    assert r.status == 201, r
    m = NUM.fullmatch(r.json["number"])
    assert m.group(1) == "安"
    s = sorted(seqs(it, "ap_office", "安"))
    assert s == list(range(1, len(s) + 1)) and int(m.group(3)) == s[-1]
    assert "安" not in {NUM.fullmatch(n["number"]).group(1) for n in it.ledger(per_page=200)["items"] if n["number"]}
    # and 古城县 cannot see it
    assert it.c("gc_office").get(f"/api/v1/items/{r.json['id']}").status == 404
