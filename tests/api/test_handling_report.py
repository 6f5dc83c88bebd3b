"""The report a unit owes after the completion (办理情况报告, issue #15 "rules read against the seeds"). 江苏 (seed
004): "对省人大代表建议和省政协提案，承办单位一般在交办后3个月内答复建议提案人，并在当年办理任务完成后20日内向交办单位
报告办理情况". The reply limit is the resolution (3个月); the report is an obligation the completion starts: when the
office verifies the completion, each responsible unit gets a handling_report milestone 20 calendar days later,
holds the to-do to report (with a message), is reminded and pressed like any other milestone, the light turns red
when it is missed, and the unit's filed report (text and an attachment of the item) closes it and reaches the
office. The server's test clock is fixed (Beijing time): nothing depends on today's date."""
from conftest import wait_for
from docs_util import pdf_text
from test_rules_units import march, squash  # noqa: F401 (march: a fixture, the server's clock on Monday 2 March)

VERIFY_DAY = "2026-03-10T09:00:00+08:00"  # a Tuesday: + 20 days = Monday 30 March, a working day


def complete(w, iid, units=(("gc_contact", "gc_head"),)):
    """Every unit receives, reports, asks for completion and signs; then the office verifies on VERIFY_DAY."""
    for contact, head in units:
        c = w.c(contact)
        assert c.post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
        assert c.post(f"/api/v1/items/{iid}/reports", {"text": "已答复代表", "percent": 90}).status == 201
        r = c.post(f"/api/v1/items/{iid}/actions/request_completion", {"text": "已答复代表，代表表示满意"})
        assert r.status == 200, r
        assert w.c(head).post(f"/api/v1/items/{iid}/actions/sign", {}).status == 200
    w.clock(VERIFY_DAY)
    r = w.c("gc_office").post(f"/api/v1/items/{iid}/actions/verify", {"grade": "良好"})
    assert r.status == 200, r


def owed(w, iid, unit):
    got = [m for m in w.milestones(iid) if m["kind"] == "handling_report" and m["unit_id"] == w.unit(unit)]
    assert len(got) <= 1, got
    return got[0] if got else None


def todo_tasks(w, user, iid):
    r = w.c(user).get("/api/v1/todos?kind=item&limit=200")
    assert r.status == 200, r
    return [t["task"] for t in r.json["todos"] if t["object_id"] == iid]


def test_the_rule_counts_from_the_completion_in_calendar_days(march):
    w = march
    rules = [x for x in w.c("gc_office").get("/api/v1/rules").json["rules"] if x["source_kind"] == "npc_cppcc"]
    by = {x["milestone"]: x for x in rules}
    assert by["resolution"]["limit_text"] == "3个月内", rules
    report = by["handling_report"]
    assert (report["base"], report["unit"], report["amount"], report["limit_text"], report["milestone_label"]) == \
        ("completion", "days", 20, "办结后20日内", "办理情况报告"), report
    # a rule for the handling report must count from the completion; a custom table says so or is refused
    admin = w.c("admin")
    table = admin.get("/api/v1/rules").json["rules"]
    bad = [dict(x, base="start") if x["milestone"] == "handling_report" else x for x in table]
    r = admin.put("/api/v1/rules", {"rules": bad})
    assert r.status == 422 and "completion" in r.error["message"], r
    assert admin.get("/api/v1/rules").json["rules"] == table  # nothing changed


def test_the_completion_starts_the_report_the_unit_owes(march, tmp_path):
    w = march
    iid = w.item(title="人大代表建议第21号：城区停车难问题", source_kind="npc_cppcc", due_date="2026-06-02",
                 co=["gc-zj"])
    # assignment computes the work's limits; the report waits for the completion
    assert owed(w, iid, "gc-jt") is None
    # the notice states both limits of the rule in its own words
    r = w.c("gc_office").get(f"/api/v1/items/{iid}/documents/notice.pdf")
    assert r.status == 200, r
    (tmp_path / "notice.pdf").write_bytes(r.raw)
    assert "办结后20日内向交办单位报告办理情况" in squash(pdf_text(str(tmp_path / "notice.pdf")))

    # a unit cannot report before the completion: it owes nothing yet
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/handling-report", {"text": "提前报告"})
    assert r.status == 409 and "没有待报告的办理情况" in r.error["message"], r

    complete(w, iid, (("gc_contact", "gc_head"), ("gc_contact2", "gc_head2")))
    for unit in ("gc-jt", "gc-zj"):
        ms = owed(w, iid, unit)
        assert (ms["state"], ms["due_date"], ms["kind_label"]) == ("open", "2026-03-30", "办理情况报告"), ms
    # each unit's contact holds the to-do and was told, with the item's link
    assert todo_tasks(w, "gc_contact", iid) == ["handling_report"]
    assert todo_tasks(w, "gc_contact2", iid) == ["handling_report"]
    r = w.c("gc_contact").get("/api/v1/inbox?limit=200")
    told = [m for m in r.json["messages"] if m["kind"] == "todo" and m["object_id"] == iid
            and "向交办单位报告办理情况" in m["subject"]]
    # the to-do and its message carry the report's own day, not the item's due date
    assert len(told) == 1 and "办理时限 2026-03-30" in told[0]["body"], told
    todo = [t for t in w.c("gc_contact").get("/api/v1/todos?kind=item&limit=200").json["todos"]
            if t["object_id"] == iid][0]
    assert todo["due_date"] == "2026-03-30", todo
    # the office's to-do is to archive, not to report
    assert "handling_report" not in todo_tasks(w, "gc_office", iid)

    # refusals change nothing: a role that handles no unit (403), another county (404), bad input (422)
    before = w.c("gc_office").get(f"/api/v1/items/{iid}").json["version"]
    r = w.c("gc_office").post(f"/api/v1/items/{iid}/handling-report", {"text": "代报"})
    assert r.status == 403, r
    r = w.c("ap_contact").post(f"/api/v1/items/{iid}/handling-report", {"text": "外县"})
    assert r.status == 404, r
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/handling-report", {"text": "   "})
    assert r.status == 422 and "办理情况" in r.error["message"], r
    other = w.item(title="另一事项", source_kind="npc_cppcc")
    att = w.c("gc_office").post(f"/api/v1/items/{other}/attachments?filename=other.pdf", raw=b"%PDF-1.4\n%x\n",
                                content_type="application/pdf")
    assert att.status == 201, att
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/handling-report",
                               {"text": "附件不对", "attachment_id": att.json["id"]})
    assert r.status == 422 and "办理情况报告附件" in r.error["message"], r
    assert w.c("gc_office").get(f"/api/v1/items/{iid}").json["version"] == before
    assert owed(w, iid, "gc-jt")["state"] == "open"

    # on the day the unit's contact is reminded; missed, the light is red and the leader in charge is asked to press
    ms = owed(w, iid, "gc-jt")

    def kinds(user):
        return sorted(m["kind"] for m in w.inbox_for(user, ms["id"]))
    reminder = w.reminded_on_the_day(ms, "办理情况报告")  # 30 March
    assert reminder["link"] == f"/items/{iid}", reminder
    w.clock("2026-03-31T09:00:00+08:00")
    assert owed(w, iid, "gc-jt")["light"] == "red"
    assert wait_for(lambda: "press" in kinds("gc_leader")), kinds("gc_leader")

    # gc-jt files its report late, with a file of the item
    mine = w.c("gc_contact").post(f"/api/v1/items/{iid}/attachments?filename=办理情况报告.pdf",
                                  raw=b"%PDF-1.4\n%report\n", content_type="application/pdf")
    assert mine.status == 201, mine
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/handling-report",
                               {"text": "  已于3月答复代表，代表满意；停车场选址已确定  ",
                                "attachment_id": mine.json["id"]})
    assert r.status == 201, r
    assert (r.json["text"], r.json["late"], r.json["due_date"]) == \
        ("已于3月答复代表，代表满意；停车场选址已确定", True, "2026-03-30"), r.json
    done = owed(w, iid, "gc-jt")
    assert (done["state"], done["light"]) == ("done", "done_late"), done
    assert todo_tasks(w, "gc_contact", iid) == []
    assert todo_tasks(w, "gc_contact2", iid) == ["handling_report"]  # the other unit still owes its own
    # the office receives the report
    got = [m for m in w.c("gc_office").get("/api/v1/inbox?limit=200").json["messages"]
           if m["object_id"] == iid and "办理情况报告" in m["subject"]]
    assert got and "停车场选址已确定" in got[-1]["body"] and "办理情况报告.pdf" in got[-1]["body"], got
    # the timeline says it in words
    events = w.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    ev = [e for e in events if e["event"] == "handling_report"]
    assert len(ev) == 1 and ev[0]["action_label"] == "报告办理情况", ev
    assert "向交办单位报告办理情况（逾期）：已于3月答复代表" in ev[0]["text"], ev
    assert "《办理情况报告.pdf》" in ev[0]["text"], ev
    # once is enough
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/handling-report", {"text": "再报一次"})
    assert r.status == 409, r

    # the record PDF (办理情况) prints the report under its unit's reply and seal, not in the timeline
    r = w.c("gc_office").get(f"/api/v1/items/{iid}/documents/record.pdf")
    assert r.status == 200, r
    (tmp_path / "record.pdf").write_bytes(r.raw)
    text = squash(pdf_text(str(tmp_path / "record.pdf")))
    timeline, replies = text.split("、办结答复", 1)
    assert "向交办单位报告办理情况" not in timeline and "停车场选址已确定" not in timeline, timeline
    lead, co = replies.split("（二）古城县住房和城乡建设局", 1)
    assert lead.index("已答复代表，代表表示满意") < lead.index("办理情况报告（2026年3月31日向交办单位报送，逾期）："
                                                      "已于3月答复代表，代表满意；停车场选址已确定（附件《办理情况报告.pdf》）"), lead
    assert "办理情况报告（" not in co, co  # the co unit has not filed its own yet


def test_an_item_of_another_source_owes_no_report(march):
    w = march
    iid = w.item(title="城区道路积水点整治", source_kind="leader_assigned", due_date="2026-06-02")
    complete(w, iid)
    assert owed(w, iid, "gc-jt") is None
    assert todo_tasks(w, "gc_contact", iid) == []
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/handling-report", {"text": "无需报告"})
    assert r.status == 409, r


def test_a_report_on_time_is_done_and_the_item_can_be_archived(march):
    w = march
    iid = w.item(title="政协提案第8号：老旧小区加装电梯", source_kind="npc_cppcc", due_date="2026-06-02")
    complete(w, iid)
    w.clock("2026-03-20T09:00:00+08:00")
    assert owed(w, iid, "gc-jt")["light"] in ("green", "yellow")
    r = w.c("gc_contact").post(f"/api/v1/items/{iid}/handling-report", {"text": "已报告办理情况"})
    assert r.status == 201 and r.json["late"] is False, r
    assert owed(w, iid, "gc-jt")["light"] == "done"
    audit = w.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}&limit=50")
    assert audit.status == 200, audit
    assert [a for a in audit.json["records"] if a["action"] == "item.handling_report"], audit.json
    assert w.c("gc_office").post(f"/api/v1/items/{iid}/actions/archive", {}).status == 200


def test_archiving_names_the_reports_it_cancels_and_needs_a_confirmation(march):
    """Archiving ends every clock of the item, the handling reports still owed too: the office is told which ones
    (409, field confirm, each unit and its day, nothing changed) and archives only with confirm: true; then the
    timeline and the audit record say what was cancelled and each unit's contact hears that it owes nothing."""
    w = march
    iid = w.item(title="人大代表建议第33号：农村客运班线", source_kind="npc_cppcc", due_date="2026-06-02", co=["gc-zj"])
    complete(w, iid, (("gc_contact", "gc_head"), ("gc_contact2", "gc_head2")))
    # gc-zj files its report, gc-jt still owes one
    assert w.c("gc_contact2").post(f"/api/v1/items/{iid}/handling-report", {"text": "已报告"}).status == 201
    office = w.c("gc_office")
    before = office.get(f"/api/v1/items/{iid}").json
    for body in ({}, {"confirm": False}):
        r = office.post(f"/api/v1/items/{iid}/actions/archive", body)
        assert r.status == 409, r
        assert r.error["field"] == "confirm", r.error
        assert "古城县交通运输局（应于2026年3月30日前报告）" in r.error["message"], r.error
        assert "古城县住房和城乡建设局" not in r.error["message"], r.error  # its report is filed
    r = office.post(f"/api/v1/items/{iid}/actions/archive", {"confirm": "yes"})
    assert r.status == 422 and r.error["field"] == "confirm", r
    after = office.get(f"/api/v1/items/{iid}").json
    assert (after["state"], after["version"]) == ("completed", before["version"]), after
    assert owed(w, iid, "gc-jt")["state"] == "open"
    assert todo_tasks(w, "gc_contact", iid) == ["handling_report"]

    # another county's office cannot archive it, whatever it confirms (404)
    assert w.c("ap_office").post(f"/api/v1/items/{iid}/actions/archive", {"confirm": True}).status == 404

    r = office.post(f"/api/v1/items/{iid}/actions/archive", {"confirm": True})
    assert r.status == 200 and r.json["state"] == "archived", r
    assert owed(w, iid, "gc-jt")["state"] == "cancelled"
    assert todo_tasks(w, "gc_contact", iid) == []
    events = office.get(f"/api/v1/items/{iid}/events").json["events"]
    ev = [e for e in events if e["action"] == "archive"]
    assert len(ev) == 1 and ev[0]["text"] == "立卷归档，取消古城县交通运输局尚未报送的办理情况报告。", ev
    audit = w.c("admin").get(f"/api/v1/audit?object_type=item&object_id={iid}&action=item.archive&limit=5")
    assert audit.status == 200, audit
    rec = [a for a in audit.json["records"] if a["action"] == "item.archive"]
    assert len(rec) == 1 and [x["unit"] for x in rec[0]["summary"]["body"]["cancelled_reports"]] == ["古城县交通运输局"], rec
    told = [m for m in w.c("gc_contact").get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_id"] == iid and m["subject"].startswith("【办理情况报告已取消】")]
    assert len(told) == 1 and "无需再报送" in told[0]["body"], told
    assert not [m for m in w.c("gc_contact2").get("/api/v1/inbox?limit=200").json["messages"]
                if m["object_id"] == iid and m["subject"].startswith("【办理情况报告已取消】")]
