"""Item numbers: 古督〔year〕n号, one gap-free sequence per office and year, assigned at
registration, distinct under 200 concurrent registrations, never reused (a withdrawn item keeps its
number), and each county numbers its own items."""
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from itemlib import Items, day

NUM = re.compile(r"(.+?)督〔(\d{4})〕(\d+)号")


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


def test_an_office_at_a_department_numbers_with_its_own_prefix_and_sequence(fresh_server):
    """An office role held at a department (部门督查室) numbers its items with the department's prefix in a sequence
    of its own (DOMAIN.md §11): registering at the same time as the county office, neither gives the other's
    number. A department without a prefix numbers with its own name; the administrator sets one."""
    srv = fresh_server
    admin = srv.client("admin")
    # a fixed day (Beijing time), so the year of the numbers is known
    assert admin.put("/api/v1/admin/clock", {"now": "2026-06-01T10:00:00+08:00"}).status == 200
    admin = srv.client("admin")
    county = srv.client("gc_office")
    jt = county.unit_id("gc-jt")
    r = admin.post("/api/v1/users", {"username": "jt_office", "name": "交通局督查员", "unit_id": jt,
                                     "password": "Demo2026", "must_change_password": False,
                                     "roles": [{"role": "office", "unit_id": jt}]})
    assert r.status == 201, r
    dept = srv.client("jt_office", "Demo2026")
    before = {i["number"] for i in county.get("/api/v1/items?per_page=200").json["items"] if i["number"]}

    def register(client, title, lead):
        return client.post("/api/v1/items", {"title": title, "source_kind": "instruction", "lead_unit_id": lead,
                                             "due_date": "2026-09-30", "submit": True})

    jobs = [(county, f"县政府督查室立项{i}", county.unit_id("gc-zj")) for i in range(12)] + \
           [(dept, f"交通运输局督查室立项{i}", jt) for i in range(12)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda j: register(*j), jobs))
    assert all(r.status == 201 for r in results), [r for r in results if r.status != 201][:3]
    county_nums = [r.json["number"] for r in results[:12]]
    dept_nums = [r.json["number"] for r in results[12:]]
    assert len(set(county_nums + dept_nums)) == 24 and not (set(county_nums + dept_nums) & before)
    assert all(re.fullmatch(r"古督〔2026〕\d+号", n) for n in county_nums), county_nums
    # the department's own sequence: 1…12 with its name as the prefix (it has none of its own)
    assert sorted(dept_nums, key=lambda n: int(re.search(r"〕(\d+)号", n).group(1))) == \
        [f"古城县交通运输局督〔2026〕{k}号" for k in range(1, 13)], dept_nums
    county_seq = sorted(int(re.search(r"〕(\d+)号", n).group(1)) for n in county_nums)
    assert county_seq == list(range(county_seq[0], county_seq[0] + 12)), "gap-free 古 sequence"

    # the administrator gives the department a prefix of its own: a new sequence, the county's runs on
    unit = admin.get(f"/api/v1/units/{jt}").json
    r = admin.patch(f"/api/v1/units/{jt}", {"prefix": "古交", "version": unit["version"]})
    assert r.status == 200, r
    r = register(dept, "交通运输局督查室立项（新前缀）", jt)
    assert r.status == 201 and r.json["number"] == "古交督〔2026〕1号", r
    r = register(county, "县政府督查室立项（之后）", county.unit_id("gc-zj"))
    assert r.status == 201 and r.json["number"] == f"古督〔2026〕{county_seq[-1] + 1}号", r
    # numbers given before stay as they were
    assert dept.get(f"/api/v1/items/{results[12].json['id']}").json["number"] == dept_nums[0]
    # the department's office sees its own items only, not the county office's
    seen = {i["id"] for i in dept.get("/api/v1/items?per_page=200").json["items"]}
    assert {r.json["id"] for r in results[12:]} <= seen and not ({r.json["id"] for r in results[:12]} & seen)


PRIVATE = "\ue000"  # the token of a number taken at the commit begins with it: it must never be seen


def item_todos(c):
    """Every item to-do of the user (walking the pages)."""
    out, after = [], None
    while True:
        r = c.get("/api/v1/todos?kind=item&limit=200" + (f"&after={after}" if after else ""))
        assert r.status == 200, r
        out += r.json["todos"]
        after = r.json["next"]
        if not after:
            return out


def test_every_text_of_a_registration_carries_its_number(it):
    """The number is taken by the last statement of the submit's transaction (counter_next_late): the timeline,
    the audit record, the deputy director's to-do and message, written before it, carry the number all the same."""
    draft = it.create(title="核查县城供水管网漏损")
    r = it.c("gc_office").post(f"/api/v1/items/{draft['id']}/actions/submit", {})
    assert r.status == 200, r
    number = r.json["number"]
    assert NUM.fullmatch(number), number
    assert it.get(draft["id"])["number"] == number
    events = it.c("gc_office").get(f"/api/v1/items/{draft['id']}/events").json
    assert PRIVATE not in json.dumps(events, ensure_ascii=False)
    submit = [e for e in events["events"] if e["action"] == "submit"]
    assert len(submit) == 1 and submit[0]["data"]["number"] == number, submit
    todos = [t for t in item_todos(it.c("gc_deputy")) if t["object_id"] == draft["id"]]
    assert [t["number"] for t in todos] == [number], todos
    msgs = [m for m in it.c("gc_deputy").get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_type"] == "item" and m["object_id"] == draft["id"]]
    assert msgs and all(number in m["subject"] and number in m["body"] for m in msgs), msgs
    recs = it.c("admin").get(f"/api/v1/audit?object_type=item&object_id={draft['id']}").json["records"]
    sub = [x for x in recs if x["action"] == "item.submit"]
    assert len(sub) == 1 and sub[0]["summary"]["body"]["number"] == number, sub
    assert PRIVATE not in json.dumps(recs, ensure_ascii=False)
    v = it.c("admin").get("/api/v1/audit/verify")
    assert v.status == 200 and v.json["ok"], v

