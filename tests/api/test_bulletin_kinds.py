"""Special reports (督查专报) and briefings (督查简报) as kinds of their own beside the bulletin (督查通报, issue
12): the same data-drafted, edit-then-issue document, each kind on its own number series (古督通〔年〕n号,
古督专〔年〕n号, a briefing's 第n期), approved by the principal leader, sealed, with the words of its kind in the
PDF's head; a special report goes to the government's principal leaders — the units never read it, nor is it
told to them, nor published —; a briefing goes to its distribution list (发 in the 版记). The refusals."""
import pytest

from docs_util import pdf_text
from itemlib import Items, clock

T0, T1 = "2025-03-03T10:00:00+08:00", "2025-04-07T10:00:00+08:00"
PERIOD = {"period_from": "2025-03-01", "period_to": "2025-03-31"}
KINDS = {"bulletin": "督查通报", "special_report": "督查专报", "briefing": "督查简报"}


@pytest.fixture(scope="module")
def world(server):
    """One item of 古城县 assigned on 3 March 2025 to 住建局 (lead) and 交通运输局 (co), due 10 March and still
    open: overdue at the end of March, so the ranking names both units. The clock then on 7 April 2025."""
    it = Items(server)
    clock(server, T0)
    x = it.create(title="老旧小区雨污分流改造", lead="gc-zj", co=("gc-jt",), due_date="2025-03-10")
    for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                         ("gc_office", "assign")):
        it.act(x["id"], user, action, {})
    clock(server, T1, it)
    return {"it": it, "item": x, "server": server}


def issue(it, bid):
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        r = it.c(user).post(f"/api/v1/bulletins/{bid}/actions/{action}", {})
        assert r.status == 200, (user, action, r)
    return r.json


def told(it, user, bid):
    return [m for m in it.c(user).get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_type"] == "bulletin" and m["object_id"] == bid]


def test_each_kind_numbered_on_its_own_series_and_read_by_whom_it_is_for(world, tmp_path):
    it = world["it"]
    o = it.c("gc_office")
    made = []
    for kind in ("special_report", "briefing", "bulletin", "special_report", "briefing"):
        r = o.post("/api/v1/bulletins", dict(PERIOD, kind=kind))
        assert r.status == 201, r
        assert r.json["kind"] == kind and r.json["kind_label"] == KINDS[kind] and r.json["number"] is None
        made.append(r.json)
    special, briefing, bulletin = made[0], made[1], made[2]
    # the first words are the kind's
    assert special["title"] == "关于2025年3月督查督办情况的专报"
    assert special["addressees"] == "古城县人民政府主要领导"
    assert briefing["title"] == "2025年3月督查督办工作情况"
    assert briefing["addressees"] == "古城县人民政府所属各单位"
    assert bulletin["title"] == "关于2025年3月督查督办情况的通报"
    # the figures are the same data's, whatever the kind
    assert special["figures"]["totals"] == bulletin["figures"]["totals"] == briefing["figures"]["totals"]
    assert special["figures"]["totals"]["overdue"] == 1
    # a special report waits for the principal leader like any bulletin; only they approve it
    assert o.post(f"/api/v1/bulletins/{special['id']}/actions/submit", {}).status == 200
    todo = [t for t in it.c("gc_principal").get("/api/v1/todos?kind=bulletin&limit=200").json["todos"]
            if t["object_id"] == special["id"]]
    assert len(todo) == 1 and todo[0]["link"] == f"/bulletins/{special['id']}"
    # the to-do and its message name the document's kind, not the workflow's word (督查通报)
    assert (todo[0]["variety"], todo[0]["variety_label"], todo[0]["kind_label"]) == ("special_report", "督查专报", "督查通报")
    msg = [m for m in told(it, "gc_principal", special["id"]) if m["subject"].startswith("【待办】")]
    assert len(msg) == 1 and msg[0]["body"].startswith("督查专报《"), msg
    for u in ("gc_director", "gc_deputy", "gc_office"):
        assert it.c(u).post(f"/api/v1/bulletins/{special['id']}/actions/approve", {}).status == 403, u
    assert o.post(f"/api/v1/bulletins/{special['id']}/actions/withdraw", {"reason": "改为下期"}).status == 200
    numbers = [issue(it, b["id"])["number"] for b in made[1:]]
    assert numbers == ["第1期", "古督通〔2025〕1号", "古督专〔2025〕1号", "第2期"]
    special2, briefing2 = made[3], made[4]
    # the list filters by kind
    for kind in KINDS:
        got = o.get(f"/api/v1/bulletins?kind={kind}&per_page=200").json["bulletins"]
        assert got and {b["kind"] for b in got} == {kind}
        assert {b["id"] for b in made if b["kind"] == kind} <= {b["id"] for b in got}, kind
    assert o.get("/api/v1/bulletins?kind=report").status == 400
    # the units of the scope read the bulletin and the briefings, never a special report, and are told only
    # of what is for them
    for u in ("gc_head", "gc_head2", "gc_contact"):
        c = it.c(u)
        for b in (bulletin, briefing, briefing2):
            assert c.get(f"/api/v1/bulletins/{b['id']}").status == 200, (u, b["kind"])
        assert c.get(f"/api/v1/bulletins/{special2['id']}").status == 404, u
        assert c.get(f"/api/v1/bulletins/{special2['id']}/document.pdf").status == 404, u
        seen = {b["id"] for b in c.get("/api/v1/bulletins?per_page=200").json["bulletins"]}
        assert special2["id"] not in seen and {bulletin["id"], briefing["id"], briefing2["id"]} <= seen, u
        assert c.get("/api/v1/bulletins?kind=special_report").json["bulletins"] == [], u
    for u in ("gc_head", "gc_head2"):
        assert told(it, u, special2["id"]) == [], u
        m = told(it, u, briefing2["id"])
        assert len(m) == 1 and m[0]["subject"].startswith("【督查简报】第2期"), m
    # the government's leaders read the special report
    assert it.c("gc_principal").get(f"/api/v1/bulletins/{special2['id']}").status == 200
    assert it.c("ap_office").get(f"/api/v1/bulletins/{special2['id']}").status == 404
    # timeline and audit
    ev = o.get(f"/api/v1/bulletins/{special2['id']}/events").json["events"]
    assert [e["action"] for e in ev] == ["create", "submit", "approve", "issue"]
    assert ev[-1]["data"]["number"] == "古督专〔2025〕1号"
    audit = o.get(f"/api/v1/audit?object_type=bulletin&object_id={briefing2['id']}&limit=50").json["records"]
    assert {a["action"] for a in audit} == {"bulletin.create", "bulletin.submit", "bulletin.approve",
                                            "bulletin.issue"}
    world["issued"] = {"bulletin": bulletin["id"], "special_report": special2["id"], "briefing": briefing2["id"]}


def todos_of(it, user, bid):
    return [t for t in it.c(user).get("/api/v1/todos?kind=bulletin&limit=200").json["todos"] if t["object_id"] == bid]


@pytest.mark.parametrize("kind", ["special_report", "briefing"])
def test_each_kind_says_its_word_in_to_dos_messages_timeline_and_audit(world, kind):
    """A special report's or a briefing's to-dos, their messages, its timeline and audit records say 督查专报 /
    督查简报, never 通报 (which the bulletin's keep)."""
    it, word = world["it"], KINDS[kind]
    o = it.c("gc_office")
    bid = o.post("/api/v1/bulletins", dict(PERIOD, kind=kind, public=kind == "briefing")).json["id"]
    steps = (("gc_office", None, "草稿待报批"), ("gc_principal", "submit", "待主要领导审批"),
             ("gc_office", "approve", "已批准待印发"))
    for user, before, label in steps:
        if before:
            r = it.c("gc_office" if before == "submit" else "gc_principal").post(
                f"/api/v1/bulletins/{bid}/actions/{before}", {})
            assert r.status == 200, r
        todo = todos_of(it, user, bid)
        assert [t["label"] for t in todo] == [word + label], todo
        if not before:
            continue  # a new draft's to-do is no action's: nobody is sent a message
        msg = [m for m in told(it, user, bid) if m["subject"].startswith("【待办】" + word + label)]
        assert len(msg) == 1 and msg[0]["body"].startswith(word), msg
        assert "通报" not in msg[0]["subject"] + msg[0]["body"], msg
    ev = o.get(f"/api/v1/bulletins/{bid}/events").json["events"]
    assert [(e["action"], e["data"].get("kind_label")) for e in ev[1:]] == [("submit", word), ("approve", word)]
    audit = o.get(f"/api/v1/audit?object_type=bulletin&object_id={bid}&limit=50").json["records"]
    assert {a["summary"]["body"]["kind_label"] for a in audit if a["action"] in ("bulletin.submit", "bulletin.approve")} \
        == {word}
    r = o.post(f"/api/v1/bulletins/{bid}/actions/issue", {})
    assert r.status == 200, r
    assert todos_of(it, "gc_office", bid) == []
    if kind == "briefing":  # the units it ranks are told in the briefing's word
        m = told(it, "gc_head", bid)
        assert len(m) == 1 and "在简报中排第" in m[0]["body"] and "查阅简报全文" in m[0]["body"], m
        assert "通报" not in m[0]["body"], m
        # the public page says the kind
        anon = world["server"].client()
        got = anon.get(f"/api/v1/public/bulletins/{bid}").json
        assert (got["kind"], got["kind_label"]) == ("briefing", word), got
        row = [b for b in anon.get("/api/v1/public/bulletins?per_page=100").json["bulletins"] if b["id"] == bid]
        assert [(b["kind"], b["kind_label"]) for b in row] == [("briefing", word)]


def test_a_bulletin_keeps_its_words(world):
    it = world["it"]
    bid = it.c("gc_office").post("/api/v1/bulletins", dict(PERIOD, kind="bulletin")).json["id"]
    assert [t["label"] for t in todos_of(it, "gc_office", bid)] == ["通报草稿待报批"]
    assert it.c("gc_office").post(f"/api/v1/bulletins/{bid}/actions/withdraw", {"reason": "测试"}).status == 200


def test_the_pdf_head_says_the_kind_and_its_number(world, tmp_path):
    it = world["it"]
    o = it.c("gc_office")
    ids = world["issued"]
    texts = {}
    for kind, bid in ids.items():
        r = o.get(f"/api/v1/bulletins/{bid}/document.pdf")
        assert r.status == 200 and r.raw[:5] == b"%PDF-", r
        pdf = tmp_path / f"{kind}.pdf"
        pdf.write_bytes(r.raw)
        texts[kind] = pdf_text(str(pdf)).replace("\n", "")
    t = texts["special_report"]
    for words in ("督查专报", "古督专〔2025〕1号", "2025年4月7日", "关于2025年3月督查督办情况的专报",
                  "古城县人民政府主要领导：", "超期未办结1件", "下一步工作建议", "电子签章"):
        assert words in t, (words, t[:2000])
    assert "督查通报" not in t and "文件" not in t[:200] and "草稿" not in t
    t = texts["briefing"]
    for words in ("督查简报", "第2期", "2025年3月督查督办工作情况", "发：古城县人民政府所属各单位。", "电子签章"):
        assert words in t, (words, t[:2000])
    assert "古城县人民政府所属各单位：" not in t and "督查专报" not in t
    t = texts["bulletin"]
    for words in ("古城县人民政府办公室文件", "古督通〔2025〕1号", "古城县人民政府所属各单位："):
        assert words in t, (words, t[:2000])
    # a draft says so and carries no number
    bid = o.post("/api/v1/bulletins", dict(PERIOD, kind="briefing")).json["id"]
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(o.get(f"/api/v1/bulletins/{bid}/document.pdf").raw)
    t = pdf_text(str(pdf)).replace("\n", "")
    assert "督查简报" in t and "草稿（未印发）" in t and "第3期" not in t and "电子签章" not in t


@pytest.mark.parametrize("change,field", [
    ({"kind": "report"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"kind": 3}, "kind"),
    ({"kind": "special_report", "public": True}, "public"),
])
def test_bad_kind_names_the_field(world, change, field):
    o = world["it"].c("gc_office")
    before = o.get("/api/v1/bulletins?per_page=200").json["total"]
    r = o.post("/api/v1/bulletins", dict(PERIOD, **change))
    assert r.status == 422 and field in r.error["message"], r
    assert r.error.get("field") == field, r
    assert o.get("/api/v1/bulletins?per_page=200").json["total"] == before


def test_refusals(world):
    it = world["it"]
    for u in ("gc_contact", "gc_head", "gc_principal"):
        assert it.c(u).post("/api/v1/bulletins", dict(PERIOD, kind="special_report")).status == 403, u
    o = it.c("gc_office")
    b = o.post("/api/v1/bulletins", dict(PERIOD, kind="special_report")).json
    # the kind is chosen when drafting; a special report never becomes public
    r = o.patch(f"/api/v1/bulletins/{b['id']}", {"kind": "bulletin"})
    assert r.status == 422 and "kind" in r.error["message"], r
    r = o.patch(f"/api/v1/bulletins/{b['id']}", {"public": True})
    assert r.status == 422 and r.error.get("field") == "public", r
    got = o.get(f"/api/v1/bulletins/{b['id']}").json
    assert got["kind"] == "special_report" and got["public"] is False and got["version"] == b["version"]
    # a briefing may be published
    r = o.post("/api/v1/bulletins", dict(PERIOD, kind="briefing", public=True))
    assert r.status == 201 and r.json["public"] is True
