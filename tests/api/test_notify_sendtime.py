"""Messages are looked at again when they are actually sent (issue 15): e-mail queued within office hours
but not sent before they end waits for the next office hours instead of leaving at 22:00; a reminder held
over days is rendered again from its milestone — an overdue notice once its date has passed, dropped when
the milestone was done meanwhile or a newer reminder reached the same person. The test clock moves time;
the first server has no SMTP, so its messages wait in the outbox as if the delivery pass had run late."""
import re

import pytest

from conftest import Server, scan
from itemlib import clock
from test_deadlines import SmtpSink, subject_of, wait_for

# the lead unit of the items these tests register: the ladder's messages name the unit whose milestone it is
JT = "古城县交通运输局"


@pytest.fixture
def smtp():
    s = SmtpSink()
    yield s
    s.stop()


def mails_to(smtp, username):
    return [subject_of(m["msg"]) for m in smtp.messages(all=True)
            if f"{username}@demo.ducha.local" in m["rcpt_tos"]]


def outbox(srv, state):
    r = srv.client("admin").get(f"/api/v1/admin/outbox?state={state}&limit=500")
    assert r.status == 200, r
    return r.json["messages"]


def test_a_notice_queued_in_office_hours_waits_for_the_next_ones(backend, smtp):
    db = backend.new_db()
    a = Server(db)  # no SMTP: the e-mail waits in the outbox
    try:
        clock(a, "2026-03-05T17:20:00+08:00")  # Thursday, ten minutes before the office closes
        r = a.client("admin").post("/api/v1/admin/notifications/test", {"username": "gc_office", "subject": "下班前普通"})
        assert r.status == 202, r
        r = a.client("admin").post("/api/v1/admin/notifications/test",
                                   {"username": "gc_office", "subject": "下班前紧急", "urgent": True})
        assert r.status == 202, r
        row = [m for m in outbox(a, "pending") if m["subject"] == "下班前普通"]
        # due at once, in office hours (the test clock runs on with real time: on a slow run seconds may pass
        # between the clock and the send, so the bound is the office's closing, not a few seconds)
        assert len(row) == 1 and "2026-03-05T09:20:00Z" <= row[0]["next_attempt"] < "2026-03-05T09:30:00Z", row
        clock(a, "2026-03-05T22:00:00+08:00")  # the delivery pass runs late: the evening
    finally:
        a.stop()
    b = Server(db, env={"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "DUCHA_OFFICE_HOURS": "08:30-17:30"})
    try:
        assert wait_for(lambda: "下班前紧急" in mails_to(smtp, "gc_office"))  # urgent: at once, at night too
        scan(b)  # another pass at night, done when it returns: the ordinary one still waits
        assert "下班前普通" not in mails_to(smtp, "gc_office")
        row = [m for m in outbox(b, "pending") if m["subject"] == "下班前普通"]
        assert len(row) == 1 and row[0]["next_attempt"] == "2026-03-06T00:30:00Z", row  # Friday 08:30
        clock(b, "2026-03-06T08:31:00+08:00")
        assert wait_for(lambda: "下班前普通" in mails_to(smtp, "gc_office"))
        assert mails_to(smtp, "gc_office").count("下班前普通") == 1
    finally:
        b.stop()


def test_a_held_reminder_becomes_an_overdue_notice_or_is_dropped(backend, smtp):
    db = backend.new_db()
    a = Server(db)
    try:
        clock(a, "2026-03-02T09:00:00+08:00")  # Monday
        # the dates below count in working days (the presets count calendar days, as their sources write)
        r = a.client("admin").put("/api/v1/rules", {"rules": [
            {"milestone": "receipt", "amount": 1, "unit": "workdays"},
            {"milestone": "deployment", "amount": 1, "unit": "workdays", "base": "receipt"},
            {"milestone": "first_feedback", "amount": 7, "unit": "workdays"},
            {"milestone": "resolution", "amount": 10, "unit": "workdays"}]})
        assert r.status == 200, r
        office = a.client("gc_office")
        body = {"title": "背街小巷照明修复", "requirement": "修复路灯并反馈", "source_kind": "leader_assigned",
                "lead_unit_id": office.unit_id("gc-jt"), "co_unit_ids": [], "due_date": "2026-03-16",
                "leader_id": a.client("gc_leader").user["id"]}
        r = office.post("/api/v1/items", body)
        assert r.status == 201, r
        iid = r.json["id"]
        for user, action in (("gc_office", "submit"), ("gc_deputy", "approve"), ("gc_director", "approve"),
                             ("gc_office", "assign")):
            r = a.client(user).post(f"/api/v1/items/{iid}/actions/{action}", {})
            assert r.status == 200, (user, action, r)
        number = office.get(f"/api/v1/items/{iid}").json["number"]
        ms = {m["kind"]: m for m in office.get(f"/api/v1/milestones?item_id={iid}").json["milestones"]}
        receipt, deployment = ms["receipt"], ms["deployment"]
        assert (receipt["due_date"], deployment["due_date"]) == ("2026-03-03", "2026-03-04")
        title = "背街小巷照明修复"

        def held(text):
            """Waits until the contact's e-mail whose subject holds text is pending (the ladder took the step)."""
            return wait_for(lambda: [m for m in outbox(a, "pending") if m["username"] == "gc_contact"
                                     and m["channel"] == "email" and title in m["subject"] and text in m["subject"]])

        # the ladder reminds the contact on each milestone's day (e-mail held: no SMTP on this server)
        clock(a, "2026-03-03T09:00:00+08:00")
        assert held("“签收”节点将于2026年3月3日到期")
        clock(a, "2026-03-04T09:00:00+08:00")
        assert held("“研究部署”节点将于2026年3月4日到期")
        # the unit receives the item: the receipt milestone is done
        r = a.client("gc_contact").post(f"/api/v1/items/{iid}/actions/receive", {})
        assert r.status == 200, r
        # two reminders of the first feedback (two working days before, and on the day)
        clock(a, "2026-03-09T09:00:00+08:00")
        assert held("“首次反馈”节点将于2026年3月11日到期")
        clock(a, "2026-03-11T09:00:00+08:00")
        assert wait_for(lambda: len(held("“首次反馈”节点将于2026年3月11日到期")) == 2)
        clock(a, "2026-03-12T10:00:00+08:00")  # the messages are finally sent a day later
    finally:
        a.stop()
    # held seven working days to see them rechecked: without the limit on stale messages (tested below)
    b = Server(db, env={"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "DUCHA_NOTIFY_STALE_WORKDAYS": "0"})
    try:
        assert wait_for(lambda: len([s for s in mails_to(smtp, "gc_contact") if s.startswith("【逾期】")]) >= 2)

        def unsent():  # the contact's e-mails of this item that are still to go (or going) out
            return [m for state in ("pending", "sending") for m in outbox(b, state)
                    if m["username"] == "gc_contact" and m["channel"] == "email" and title in m["subject"]]
        # every one sent or cancelled (what is sent reached the receiver before it is recorded sent), and
        # another pass, done when it returns, sends nothing more
        assert wait_for(lambda: not unsent()), unsent()
        scan(b)
        mine = [s for s in mails_to(smtp, "gc_contact") if title in s]
        # no reminder announces a date in the past: each became an overdue notice, once per milestone
        announced = [re.search(r"将于(\d{4}年\d+月\d+日)到期", s).group(1) for s in mine if "将于" in s]
        assert announced == ["2026年3月16日"], mine  # the resolution's reminder of today, for a date ahead
        assert sorted(s for s in mine if s.startswith("【逾期】")) == [
            f"【逾期】{number}《{title}》{JT}的“研究部署”节点已于2026年3月4日到期",
            f"【逾期】{number}《{title}》{JT}的“首次反馈”节点已于2026年3月11日到期"], mine
        # the receipt was done: its reminder is not sent; the older first-feedback reminder was superseded
        assert not [s for s in mine if "“签收”节点" in s], mine
        cancelled = {m["subject"]: m["last_error"] for m in outbox(b, "cancelled")
                     if m["username"] == "gc_contact" and title in m["subject"]}
        assert "已办结" in cancelled[f"【催办】{number}《{title}》{JT}的“签收”节点将于2026年3月3日到期"], cancelled
        assert "更新的到期提醒" in cancelled[f"【催办】{number}《{title}》{JT}的“首次反馈”节点将于2026年3月11日到期"]
        # what was sent is what the outbox records
        sent = [m for m in outbox(b, "sent") if m["username"] == "gc_contact" and title in m["subject"]]
        assert sorted(m["subject"] for m in sent) == sorted(mine)
        # the inbox kept the reminder as it was when written
        inbox = b.client("gc_contact").get("/api/v1/inbox?limit=200").json["messages"]
        assert any(m["subject"] == f"【催办】{number}《{title}》{JT}的“研究部署”节点将于2026年3月4日到期" for m in inbox)
        # a refusal: the outbox's state filter names its values
        r = b.client("admin").get("/api/v1/admin/outbox?state=dropped")
        assert r.status == 400 and "cancelled" in r.error["message"]
    finally:
        b.stop()


def test_mail_that_could_not_leave_for_days_is_not_sent_late(backend, smtp):
    """A county that runs without a mail server and configures one later does not send every notice since the
    start at once: an e-mail that could not leave within notify_stale_workdays (3) working days of becoming due
    is cancelled with the reason, the inbox keeping its copy; a younger one is sent (a weekend does not count)."""
    db = backend.new_db()
    a = Server(db)  # no SMTP: the e-mails wait in the outbox
    try:
        admin = a.client("admin")
        for at, subject in (("2026-03-02T10:00:00+08:00", "周一普通"), ("2026-03-03T10:00:00+08:00", "周二紧急"),
                            ("2026-03-06T16:00:00+08:00", "周五普通")):
            clock(a, at)
            r = admin.post("/api/v1/admin/notifications/test",
                           {"username": "gc_office", "subject": subject, "urgent": "紧急" in subject})
            assert r.status == 202, r
        waiting = {m["subject"] for m in outbox(a, "pending") if m["username"] == "gc_office"}
        assert {"周一普通", "周二紧急", "周五普通"} <= waiting, waiting
        # the administrator is told which channels wait, and for how long at most
        r = admin.get("/api/v1/admin/outbox?state=pending&limit=1")
        assert r.json["channels"] == [{"channel": "email", "configured": False},
                                      {"channel": "sms", "configured": False}], r.json
        assert r.json["stale_workdays"] == 3 and r.json["messages"][0]["kind_label"] == "系统通知", r.json
        # the next Wednesday: three working days back is Friday (the weekend between does not count)
        clock(a, "2026-03-11T10:00:00+08:00")
    finally:
        a.stop()
    b = Server(db, env={"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}"})
    try:
        assert wait_for(lambda: "周五普通" in mails_to(smtp, "gc_office"))
        channels = b.client("admin").get("/api/v1/admin/outbox?state=sent&limit=1").json["channels"]
        assert {c["channel"]: c["configured"] for c in channels} == {"email": True, "sms": False}, channels
        scan(b)  # another pass, done when it returns, sends nothing more
        mine = [s for s in mails_to(smtp, "gc_office") if s in ("周一普通", "周二紧急", "周五普通")]
        assert mine == ["周五普通"], mine
        cancelled = {m["subject"]: m for m in outbox(b, "cancelled") if m["username"] == "gc_office"}
        for subject in ("周一普通", "周二紧急"):
            assert subject in cancelled, cancelled
            assert cancelled[subject]["channel"] == "email"
            assert cancelled[subject]["last_error"].startswith("超过 3 个工作日未能发出（2026-03-06前即应发出"), cancelled
            assert "站内消息已送达" in cancelled[subject]["last_error"]
        assert not [m for m in outbox(b, "pending") if m["username"] == "gc_office" and m["subject"] in cancelled]
        # the inbox has them all, as written
        inbox = {m["subject"] for m in b.client("gc_office").get("/api/v1/inbox?limit=200").json["messages"]}
        assert {"周一普通", "周二紧急", "周五普通"} <= inbox, inbox
        # one audit record for the cancelled lot, by the system
        r = b.client("admin").get("/api/v1/audit?action=outbox.stale&limit=20")
        assert r.status == 200, r
        recs = r.json["records"]
        assert len(recs) == 1, recs
        summary = recs[0]["summary"]
        assert summary["cancelled"] >= 2 and summary["due_before"] == "2026-03-06" and summary["workdays"] == 3, recs
    finally:
        b.stop()


def test_the_outbox_pages_newest_first_and_an_administrator_of_several_units_sees_one_list(fresh_server):
    """通知投递 shows the newest 100 of a state; older ones come page by page (`before`: the last id shown). An
    administrator of two counties and of a department inside one of them sees one list, newest first, each
    message once — not each grant's newest in turn, the same message twice."""
    srv = fresh_server  # no SMTP: the e-mails wait in the outbox
    admin = srv.client("admin")
    for i in range(3):
        for user in ("gc_office", "ap_office"):
            r = admin.post("/api/v1/admin/notifications/test", {"username": user, "subject": f"翻页{i}{user}"})
            assert r.status == 202, r
    uid = srv.client("gc_admin").user["id"]
    for code in ("ap", "gc-jt"):
        r = admin.post(f"/api/v1/users/{uid}/roles", {"role": "admin", "unit_id": admin.unit_id(code)})
        assert r.status in (200, 201), r
    gc = srv.client("gc_admin")  # signed in with the three grants

    def ours(msgs):
        return [(m["id"], m["username"]) for m in msgs if m["subject"].startswith("翻页")]

    whole = gc.get("/api/v1/admin/outbox?state=pending&limit=500").json["messages"]
    ids = [m["id"] for m in whole]
    assert ids == sorted(set(ids), reverse=True), ids  # newest first, each once
    assert ours(whole) == ours(admin.get("/api/v1/admin/outbox?state=pending&limit=500").json["messages"])
    assert {u for _, u in ours(whole)} == {"gc_office", "ap_office"}
    # page by page, two at a time: the same list
    paged, before = [], 0
    for _ in range(len(ids) + 1):
        r = gc.get("/api/v1/admin/outbox?state=pending&limit=2" + (f"&before={before}" if before else ""))
        assert r.status == 200 and len(r.json["messages"]) <= 2, r
        paged += r.json["messages"]
        if len(r.json["messages"]) < 2:
            break
        before = r.json["messages"][-1]["id"]
    else:
        raise AssertionError(f"the pages do not end: {[m['id'] for m in paged][:20]}")
    assert [m["id"] for m in paged] == ids
    # 安平县's administrator alone: 安平县's messages only
    assert {u for _, u in ours(srv.client("ap_admin").get("/api/v1/admin/outbox?state=pending&limit=500")
                                .json["messages"])} == {"ap_office"}
    # a cursor that is not one
    for bad in ("-1", "abc"):
        r = gc.get(f"/api/v1/admin/outbox?state=pending&before={bad}")
        assert r.status == 400 and "before" in r.error["message"], r
