"""Deadlines, working-day calendar, rules, notifications and the test clock (issue 5), over HTTP."""
import base64
import email
import email.header
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import BIN, ROOT, Server, run_cli, scan, scratch_dir, wait_for

SUPPORT = os.path.join(ROOT, "tests", "support")



# subjects of the notices that the demo items send on their own (assignment, overdue ladder)
LADDER_MARKS = ("【催办】", "【督办】", "【书面催办通知】", "【报告】", "【督办通知】")


class Sink:
    """A support sink process (smtp_sink.py or http_sink.py) on a free port."""

    def __init__(self, script, argfn):
        self.dir = scratch_dir("ducha-sink-")
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(SUPPORT, script), "--port", "0", *argfn(self.dir)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "ready", self.proc.stderr.read()
        self.port = int(line[1])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class SmtpSink(Sink):
    def __init__(self):
        super().__init__("smtp_sink.py", lambda d: ["--dir", d])

    def messages(self, all=False):
        """Received messages; without all, only the tests' own (ladder notices of the demo items, whose
        subjects start with 【, are left out)."""
        idx = os.path.join(self.dir, "index.jsonl")
        if not os.path.exists(idx):
            return []
        out = []
        with open(idx) as f:
            for line in f:
                rec = json.loads(line)
                with open(os.path.join(self.dir, rec["file"]), "rb") as m:
                    rec["msg"] = email.message_from_bytes(m.read())
                if all or not subject_of(rec["msg"]).startswith(LADDER_MARKS):
                    out.append(rec)
        return out


class HttpSink(Sink):
    def __init__(self, *flags):
        super().__init__("http_sink.py", lambda d: ["--log", os.path.join(d, "log.jsonl"), *flags])

    def requests(self, all=False):
        p = os.path.join(self.dir, "log.jsonl")
        if not os.path.exists(p):
            return []
        with open(p) as f:
            return [r for r in (json.loads(line) for line in f)
                    if all or not any(k in r["body"] for k in LADDER_MARKS)]


def set_clock(srv, now):
    """Sets the test clock as admin; returns a fresh admin client (moving the clock ends idle sessions)."""
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": now})
    assert r.status == 200, r
    return srv.client("admin")


def subject_of(msg):
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))


# ---- the calendar ----

def test_workdays_across_holidays(server):
    c = server.client("gc_contact")
    cases = [
        ("2025-01-24", 1, "2025-01-26"),   # make-up Sunday before the Spring Festival
        ("2025-01-27", 1, "2025-02-05"),   # 28 Jan – 4 Feb off
        ("2025-09-30", 1, "2025-10-09"),   # National Day 1–8 Oct
        ("2025-12-31", 1, "2026-01-04"),   # year end: 1–3 Jan off, 4 Jan (Sunday) works
        ("2025-12-30", 3, "2026-01-05"),
        ("2026-02-13", 1, "2026-02-14"),   # make-up Saturday
        ("2026-02-14", 1, "2026-02-24"),   # Spring Festival 15–23 Feb
        ("2026-04-30", 3, "2026-05-08"),   # Labour Day 1–5 May
        ("2026-03-02", 0, "2026-03-02"),
        ("2026-03-09", -5, "2026-03-02"),
    ]
    for frm, n, want in cases:
        r = c.get(f"/api/v1/calendar/workdays?from={frm}&add={n}")
        assert r.status == 200, r
        assert r.json["date"] == want, (frm, n, r.json)


def test_workdays_refuses_bad_input(server):
    c = server.client("gc_contact")
    assert c.get("/api/v1/calendar/workdays?from=2026-02-30&add=1").status == 400
    assert c.get("/api/v1/calendar/workdays?from=20260301&add=1").status == 400
    assert c.get("/api/v1/calendar/workdays?from=2026-03-01&add=x").status == 400
    assert c.get("/api/v1/calendar/workdays?from=2026-03-01").status == 400
    assert c.get("/api/v1/calendar/workdays?from=2026-03-01&add=99999").status == 400
    anon = server.client()
    assert anon.get("/api/v1/calendar/workdays?from=2026-03-01&add=1").status == 401


def test_calendar_year(server):
    c = server.client("gc_office")
    r = c.get("/api/v1/calendar/2025")
    assert r.status == 200, r
    assert r.json["holiday_count"] == 28 and r.json["makeup_count"] == 5
    assert [d["day"] for d in r.json["workdays"]] == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28",
                                                       "2025-10-11"]
    r = c.get("/api/v1/calendar/2026")
    assert r.json["holiday_count"] == 33 and r.json["makeup_count"] == 6
    assert {"day": "2026-02-15", "name": "春节"} in r.json["holidays"]
    assert r.json["working_days"] == 365 - 104 - 33 + 6 + sum(
        1 for d in r.json["holidays"] if time.strptime(d["day"], "%Y-%m-%d").tm_wday >= 5)
    assert c.get("/api/v1/calendar/26").status == 404
    assert c.get("/api/v1/calendar/abcd").status == 404


def test_calendar_admin_edits_are_audited_and_refused_for_others(fresh_server):
    admin = fresh_server.client("admin")
    office = fresh_server.client("gc_office")
    body = {"days": [{"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
                     {"day": "2027-01-04", "kind": "holiday", "name": "测试"},
                     {"day": "2027-01-09", "kind": "workday", "name": "调休"}]}
    r = office.put("/api/v1/calendar/2027", body)
    assert r.status == 403, r
    # a county's administrator does not change the calendar every county shares
    assert fresh_server.client("gc_admin").put("/api/v1/calendar/2027", body).status == 403
    assert fresh_server.client().put("/api/v1/calendar/2027", body).status == 401
    bad = [
        {"days": [{"day": "2028-01-01", "kind": "holiday"}]},            # other year
        {"days": [{"day": "2027-02-30", "kind": "holiday"}]},            # no such day
        {"days": [{"day": "2027-01-01", "kind": "vacation"}]},           # kind
        {"days": [{"day": "2027-01-01", "kind": "holiday"}, {"day": "2027-01-01", "kind": "workday"}]},
        {"days": [{"day": "2027-01-01", "kind": "holiday", "extra": 1}]},
        {"days": "x"},
        {"dayz": []},
    ]
    for b in bad:
        r = admin.put("/api/v1/calendar/2027", b)
        assert r.status == 422, (b, r)
    assert admin.get("/api/v1/calendar/2027").json["holiday_count"] == 0
    r = admin.put("/api/v1/calendar/2027", body)
    assert r.status == 200, r
    assert r.json["holiday_count"] == 2 and r.json["makeup_count"] == 1
    # the arithmetic sees the change at once: Thursday 31 Dec 2026 + 1 skips 1 and 4 Jan 2027
    r = office.get("/api/v1/calendar/workdays?from=2026-12-31&add=1")
    assert r.json["date"] == "2027-01-05"
    r = office.get("/api/v1/calendar/workdays?from=2027-01-08&add=1")
    assert r.json["date"] == "2027-01-09"
    audit = admin.get("/api/v1/audit?action=calendar.replace").json["records"]
    assert len(audit) == 1 and audit[0]["actor"] == "admin" and audit[0]["object_id"] == "2027"
    # replace again with nothing: the year has only weekends again
    r = admin.put("/api/v1/calendar/2027", {"days": []})
    assert r.status == 200 and r.json["holiday_count"] == 0
    assert office.get("/api/v1/calendar/workdays?from=2026-12-31&add=1").json["date"] == "2027-01-01"


def test_calendar_import_csv_and_json(fresh_server):
    admin = fresh_server.client("admin")
    csv = "day,kind,name\n2027-02-05,holiday,春节\n2027-02-06,holiday,春节\n2027-02-07,workday,春节调休\n" \
          "2028-01-03,holiday,元旦\n"
    r = admin.request("POST", "/api/v1/calendar/import", raw=csv, content_type="text/csv")
    assert r.status == 200, r
    assert r.json == {"years": [2027, 2028], "days": 4}
    assert admin.get("/api/v1/calendar/2027").json["makeup_count"] == 1
    assert admin.get("/api/v1/calendar/2028").json["holiday_count"] == 1
    r = admin.request("POST", "/api/v1/calendar/import", raw=json.dumps(
        {"days": [{"day": "2027-10-01", "kind": "holiday", "name": "国庆节"}]}), content_type="application/json")
    assert r.status == 200, r
    y = admin.get("/api/v1/calendar/2027").json
    assert y["holiday_count"] == 1 and y["makeup_count"] == 0  # the year was replaced
    # refusals: header, bad row (nothing changes), media type, non-admin
    r = admin.request("POST", "/api/v1/calendar/import", raw="date,type\n2027-01-01,holiday\n", content_type="text/csv")
    assert r.status == 422
    r = admin.request("POST", "/api/v1/calendar/import", raw="day,kind,name\n2027-01-01,holiday,x\n2027-13-01,holiday,y\n",
                      content_type="text/csv")
    assert r.status == 422 and "第 3 行" in r.error["message"], r
    assert admin.get("/api/v1/calendar/2027").json["holiday_count"] == 1
    r = admin.request("POST", "/api/v1/calendar/import", raw="<xml/>", content_type="application/xml")
    assert r.status == 415
    r = fresh_server.client("gc_office").request("POST", "/api/v1/calendar/import", raw=csv, content_type="text/csv")
    assert r.status == 403
    assert len(admin.get("/api/v1/audit?action=calendar.replace").json["records"]) == 3


# ---- rules ----

def test_rules_presets_custom_and_refusals(fresh_server):
    admin = fresh_server.client("admin")
    office = fresh_server.client("gc_office")
    r = office.get("/api/v1/rules")
    assert r.status == 200
    assert r.json["preset"] == "gu13710"
    assert {p["name"] for p in r.json["presets"]} == {"gu13710", "yangquan"}
    res = [x for x in r.json["rules"] if x["milestone"] == "resolution" and x["importance"] is None
           and x["source_kind"] is None]
    # 古政办发〔2021〕52号 writes 10天: calendar days, and the rule says so in the documents' words
    assert res[0]["amount"] == 10 and res[0]["unit"] == "days" and res[0]["limit_text"] == "10日内"
    assert all(x["unit"] != "workdays" for x in r.json["rules"])
    annual = [x for x in r.json["rules"] if x["item_kind"] == "annual"][0]
    assert annual["unit"] == "dates" and annual["dates"] == "07-15,10-15,01-15"
    assert r.json["ladder"] == {"remind_before": [2, 0], "press_after": 1, "notice_after": 3, "report_after": 5}

    assert office.put("/api/v1/rules", {"preset": "yangquan"}).status == 403
    assert fresh_server.client("ap_admin").put("/api/v1/rules", {"preset": "yangquan"}).status == 403
    r = admin.put("/api/v1/rules", {"preset": "yangquan"})
    assert r.status == 200, r
    assert r.json["preset"] == "yangquan"
    fb = [x for x in r.json["rules"] if x["milestone"] == "first_feedback"][0]
    assert fb["amount"] == 3 and fb["unit"] == "days" and fb["limit_text"] == "3日内"

    custom = {"rules": [
        {"milestone": "receipt", "amount": 2, "unit": "workdays"},
        {"milestone": "deployment", "amount": 1, "unit": "workdays", "base": "receipt"},
        {"milestone": "resolution", "amount": 15, "unit": "days", "source_kind": "complaint", "note": "信访"},
        {"milestone": "periodic_report", "unit": "dates", "dates": "06-30,12-31", "item_kind": "annual"},
    ], "ladder": {"remind_before": [3, 1, 0], "press_after": 2, "notice_after": 4, "report_after": 6}}
    r = admin.put("/api/v1/rules", custom)
    assert r.status == 200, r
    assert r.json["preset"] == "custom" and len(r.json["rules"]) == 4
    assert [x["limit_text"] for x in r.json["rules"]] == ["2个工作日内", "1个工作日内", "15日内", "每年6月30日、12月31日前"]
    assert r.json["ladder"]["remind_before"] == [3, 1, 0]
    bad = [
        {"preset": "nowhere"},
        {},
        {"rules": []},
        {"rules": [{"milestone": "finish", "amount": 1, "unit": "workdays"}]},
        {"rules": [{"milestone": "resolution", "amount": 0, "unit": "workdays"}]},
        {"rules": [{"milestone": "resolution", "amount": 1, "unit": "weeks"}]},
        {"rules": [{"milestone": "resolution", "unit": "dates", "dates": "13-01"}]},
        {"rules": [{"milestone": "receipt", "amount": 1, "unit": "workdays", "base": "resolution"}]},
        {"rules": [{"milestone": "receipt", "amount": 1, "unit": "workdays", "source_kind": "重要会议"}]},
        {"rules": [{"milestone": "receipt", "amount": 1, "unit": "workdays", "colour": "red"}]},
        {"preset": "gu13710", "rules": [{"milestone": "receipt", "amount": 1, "unit": "workdays"}]},
        {"ladder": {"remind_before": [0, 2], "press_after": 1, "notice_after": 3, "report_after": 5}},
        {"ladder": {"remind_before": [2], "press_after": 3, "notice_after": 3, "report_after": 5}},
        {"unknown": 1},
    ]
    for b in bad:
        r = admin.put("/api/v1/rules", b)
        assert r.status == 422, (b, r)
    after = admin.get("/api/v1/rules").json
    assert after["preset"] == "custom" and len(after["rules"]) == 4
    audit = admin.get("/api/v1/audit?action=rules.replace").json["records"]
    assert len(audit) == 2
    assert admin.put("/api/v1/rules", {"preset": "gu13710"}).json["preset"] == "gu13710"


# ---- preferences and inbox ----

def test_preferences(server):
    c = server.client("gc_contact2")
    r = c.get("/api/v1/me/preferences")
    assert r.status == 200
    assert r.json["preferences"]["reminder"] == ["inbox", "email"]
    r = c.put("/api/v1/me/preferences", {"preferences": {"reminder": ["sms"], "press": ["email", "sms"]}})
    assert r.status == 200, r
    assert r.json["preferences"]["reminder"] == ["inbox", "sms"]  # the inbox is always on
    assert r.json["preferences"]["press"] == ["inbox", "email", "sms"]
    for b in ({"preferences": {"gossip": ["inbox"]}}, {"preferences": {"reminder": ["fax"]}},
              {"preferences": {"reminder": "email"}}, {"preferences": {}}, {"prefs": {}}):
        assert c.put("/api/v1/me/preferences", b).status == 422, b
    assert c.get("/api/v1/me/preferences").json["preferences"]["reminder"] == ["inbox", "sms"]
    # another user is unaffected
    assert server.client("gc_head2").get("/api/v1/me/preferences").json["preferences"]["reminder"] == ["inbox", "email"]


def test_inbox_read_and_isolation(server):
    admin = server.client("admin")
    head = server.client("gc_secretary")
    # the demo's messages to the secretary (its past months) read first: the three below are then the unread ones
    assert head.post("/api/v1/inbox/read-all").status == 200
    for i in range(3):
        r = admin.post("/api/v1/admin/notifications/test", {"username": "gc_secretary", "subject": f"消息{i}"})
        assert r.status == 202, r
    r = head.get("/api/v1/inbox")
    assert r.status == 200 and r.json["unread"] == 3
    subjects = [m["subject"] for m in r.json["messages"]]
    assert subjects[:3] == ["消息2", "消息1", "消息0"]
    first = r.json["messages"][0]["id"]
    # someone else cannot read or mark it
    other = server.client("gc_contact")
    assert all(m["id"] != first for m in other.get("/api/v1/inbox").json["messages"])
    assert other.post(f"/api/v1/inbox/{first}/read").status == 404
    assert head.post(f"/api/v1/inbox/{first}/read").status == 204
    r = head.get("/api/v1/inbox?unread=1")
    assert r.json["unread"] == 2 and len(r.json["messages"]) == 2
    r = head.post("/api/v1/inbox/read-all")
    assert r.status == 200 and r.json["marked"] == 2
    assert head.get("/api/v1/inbox").json["unread"] == 0
    assert head.post("/api/v1/inbox/999999/read").status == 404
    # only administrators send test notices, and only inside their subtree
    assert server.client("gc_office").post("/api/v1/admin/notifications/test", {"username": "gc_secretary"}).status == 403
    assert server.client("ap_admin").post("/api/v1/admin/notifications/test", {"username": "gc_secretary"}).status == 404


# ---- delivery: e-mail, SMS, retries, dead letters, office hours ----

@pytest.fixture
def sinks():
    smtp, sms_ok, sms_bad = SmtpSink(), HttpSink(), HttpSink("--always-fail")
    yield smtp, sms_ok, sms_bad
    for s in (smtp, sms_ok, sms_bad):
        s.stop()


def set_phone(admin, username, phone):
    uid = [u for u in admin.get(f"/api/v1/users?q={username}").json["users"] if u["username"] == username][0]["id"]
    r = admin.patch(f"/api/v1/users/{uid}", {"phone": phone})
    assert r.status == 200, r


def test_email_and_sms_delivery_retries_and_dead_letters(backend, sinks):
    smtp, sms_ok, sms_bad = sinks
    env = {"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "DUCHA_SMTP_FROM": "ducha@gucheng.gov.local",
           "DUCHA_SMS_URL": f"http://127.0.0.1:{sms_ok.port}/send", "DUCHA_SMS_TOKEN": "t0ken",
           "DUCHA_NOTIFY_RETRY_S": "1", "DUCHA_NOTIFY_ATTEMPTS": "3", "DUCHA_SMS_TEMPLATE": "【古城督查】{subject}：{body}"}
    # a working day inside office hours (Wednesday 10:00 in Beijing), from the start: no reminder of the
    # demo data's today is queued by a first pass on the real date
    srv = Server(backend.new_db(), env=env, clock="2026-03-04T10:00:00+08:00")
    try:
        admin = set_clock(srv, "2026-03-04T10:00:00+08:00")
        set_phone(admin, "gc_contact", "13800000001")
        r = admin.post("/api/v1/admin/notifications/test", {"username": "gc_contact", "subject": "督办测试",
                                                            "body": "请于本周五前反馈。"})
        assert r.status == 202, r
        assert sorted(q["channel"] for q in r.json["queued"]) == ["email", "inbox"]  # system: inbox + email
        contact = srv.client("gc_contact")
        contact.put("/api/v1/me/preferences", {"preferences": {"system": ["email", "sms"]}})
        r = admin.post("/api/v1/admin/notifications/test", {"username": "gc_contact", "subject": "短信测试"})
        assert sorted(q["channel"] for q in r.json["queued"]) == ["email", "inbox", "sms"]
        ours = ("督办测试", "短信测试", "网关故障")

        def mails_of():  # only this test's own e-mails: the demo data's reminders may be sent meanwhile
            return [x for x in smtp.messages() if subject_of(x["msg"]) in ours]
        mails = wait_for(lambda: len(mails_of()) >= 2 and mails_of())
        assert len(mails) == 2, mails
        m = [x for x in mails if subject_of(x["msg"]) == "督办测试"][0]
        assert m["rcpt_tos"] == ["gc_contact@demo.ducha.local"] and m["mail_from"] == "ducha@gucheng.gov.local"
        assert "请于本周五前反馈。" in m["msg"].get_payload(decode=True).decode()
        reqs = wait_for(lambda: sms_ok.requests())
        assert len(reqs) == 1
        assert reqs[0]["headers"]["Authorization"] == "Bearer t0ken"
        body = json.loads(reqs[0]["body"])
        assert body["to"] == "13800000001"
        assert body["text"] == "【古城督查】短信测试：这是一条测试通知，用于检查邮件和短信设置。"
        # nothing is sent twice: the three are recorded sent, each claimed once, and another pass sends nothing
        def sent():
            r = admin.get("/api/v1/admin/outbox?state=sent&limit=500")
            assert r.status == 200, r
            return [m for m in r.json["messages"] if m["username"] == "gc_contact" and not m["subject"].startswith("【")]
        assert wait_for(lambda: len(sent()) == 3), sent()
        assert [m["attempts"] for m in sent()] == [1, 1, 1], sent()
        scan(srv)
        assert len(mails_of()) == 2 and len(sms_ok.requests()) == 1
    finally:
        srv.stop()

    # the same database, now with an SMS gateway that always fails: retries, then a dead letter
    env["DUCHA_SMS_URL"] = f"http://127.0.0.1:{sms_bad.port}/send"
    srv = Server(srv.db, env=env)
    try:
        admin = srv.client("admin")
        r = admin.post("/api/v1/admin/notifications/test", {"username": "gc_contact", "subject": "网关故障"})
        sms_id = [q["id"] for q in r.json["queued"] if q["channel"] == "sms"][0]
        dead = wait_for(lambda: [m for m in admin.get("/api/v1/admin/outbox?state=dead").json["messages"]
                                 if m["id"] == sms_id], timeout=30)
        assert dead and dead[0]["attempts"] == 3 and "500" in dead[0]["last_error"]
        assert len(sms_bad.requests()) == 3
        times = [q["time"] for q in sms_bad.requests()]
        assert times[2] - times[1] >= times[1] - times[0] - 0.5  # back-off grows
        assert len(mails_of()) == 3  # the e-mail copy went out once
        # refusals: other county's admin, non-admin, wrong state
        assert srv.client("ap_admin").post(f"/api/v1/admin/outbox/{sms_id}/retry").status == 404
        assert srv.client("gc_office").post(f"/api/v1/admin/outbox/{sms_id}/retry").status == 403
        assert srv.client("gc_office").get("/api/v1/admin/outbox?state=dead").status == 403
        assert srv.client("ap_admin").get("/api/v1/admin/outbox?state=dead").json["messages"] == []
        assert admin.get("/api/v1/admin/outbox?state=lost").status == 400
        sent_id = [m for m in admin.get("/api/v1/admin/outbox?state=sent").json["messages"]
                   if m["subject"] == "督办测试"][0]["id"]
        assert admin.post(f"/api/v1/admin/outbox/{sent_id}/retry").status == 409
        r = admin.post(f"/api/v1/admin/outbox/{sms_id}/retry")
        assert r.status == 200, r
        wait_for(lambda: len(sms_bad.requests()) >= 6, timeout=60)
        assert wait_for(lambda: any(m["id"] == sms_id for m in
                                    admin.get("/api/v1/admin/outbox?state=dead").json["messages"]), timeout=60)
        assert len(admin.get("/api/v1/audit?action=outbox.retry").json["records"]) == 1
    finally:
        srv.stop()


def own_mails(smtp, to, subjects):
    """The subjects of the e-mails to `to` among `subjects`, in the order sent: the scheduler's passes at the
    test clock may e-mail reminders of the demo data, whose dates follow the day (and hour) the template was
    made, so a test counts only its own messages."""
    return [subject_of(m["msg"]) for m in smtp.messages()
            if m["rcpt_tos"] == [f"{to}@demo.ducha.local"] and subject_of(m["msg"]) in subjects]


def test_non_urgent_messages_wait_for_office_hours(backend, sinks):
    """Nothing here depends on the wall clock: the server's clock is fixed from its start (preset_clock), only
    this test's own messages are counted (the demo data's reminders, dated from the day the template was made,
    may fall due at the test clock too), and that the night's ordinary message is held is read from the outbox
    (pending until 6 May 08:30) rather than from a pause."""
    smtp = sinks[0]
    env = {"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "DUCHA_OFFICE_HOURS": "08:30-17:30"}
    mine = ("夜间普通", "夜间紧急")
    # Thursday night before the Labour Day holiday (1–5 May 2026), from the start (preset_clock)
    srv = Server(backend.new_db(), env=env, clock="2026-04-30T22:00:00+08:00")
    try:
        admin = set_clock(srv, "2026-04-30T22:00:00+08:00")
        r = admin.post("/api/v1/admin/notifications/test", {"username": "gc_office", "subject": "夜间普通"})
        assert r.status == 202
        r = admin.post("/api/v1/admin/notifications/test", {"username": "gc_office", "subject": "夜间紧急",
                                                            "urgent": True})
        assert r.status == 202
        assert wait_for(lambda: own_mails(smtp, "gc_office", mine)) == ["夜间紧急"]

        def outbox(state):
            return [m for m in admin.get(f"/api/v1/admin/outbox?state={state}&limit=500").json["messages"]
                    if m["subject"] in mine and m["channel"] == "email"]
        assert [m["subject"] for m in wait_for(lambda: outbox("sent"))] == ["夜间紧急"]
        pending = outbox("pending")
        assert len(pending) == 1 and pending[0]["subject"] == "夜间普通", pending
        assert pending[0]["next_attempt"] == "2026-05-06T00:30:00Z"  # Wed 6 May 08:30
        assert own_mails(smtp, "gc_office", mine) == ["夜间紧急"]
        # the inbox has both at once
        inbox = srv.client("gc_office").get("/api/v1/inbox?limit=200").json["messages"]
        assert {m["subject"] for m in inbox} >= set(mine)
        admin = set_clock(srv, "2026-05-06T08:31:00+08:00")
        assert wait_for(lambda: len(own_mails(smtp, "gc_office", mine)) == 2)
        assert own_mails(smtp, "gc_office", mine) == ["夜间紧急", "夜间普通"]
    finally:
        srv.stop()


# ---- the test clock and ducha scan ----

def test_clock_route_exists_only_with_test_clock(backend):
    srv = Server(backend.new_db(), test_clock=False)
    try:
        admin = srv.client("admin")
        r = admin.put("/api/v1/admin/clock", {"now": "2026-03-04T10:00:00+08:00"})
        assert r.status == 404, r
        assert srv.client().put("/api/v1/admin/clock", {"now": "2026-03-04T10:00:00+08:00"}).status == 404
    finally:
        srv.stop()


def test_clock_set_refusals(fresh_server):
    admin = fresh_server.client("admin")
    assert fresh_server.client("gc_office").put("/api/v1/admin/clock", {"now": "2026-03-04T10:00:00Z"}).status == 403
    assert admin.put("/api/v1/admin/clock", {"now": "yesterday"}).status == 422
    assert admin.put("/api/v1/admin/clock", {}).status == 422
    r = admin.put("/api/v1/admin/clock", {"now": "2030-01-02T03:04:05Z"})
    assert r.status == 200 and r.json["now"] == "2030-01-02T03:04:05Z"
    admin = fresh_server.client("admin")
    r = admin.get("/api/v1/audit?action=clock.set")
    assert r.status == 200, r
    assert len(r.json["records"]) == 1


def test_scan_cli(backend):
    db = backend.new_db()
    p = run_cli("scan", "--now", "2026-03-04T10:00:00+08:00", db=db)
    assert "ladder steps 0, sent 0, failed 0" in p.stdout
    p = run_cli("scan", "--now", "not-a-time", db=db, check=False)
    assert p.returncode != 0 and "--now" in p.stderr
    p = run_cli("scan", db=db)
    assert p.returncode == 0


def test_two_nodes_deliver_each_message_once(backend, sinks):
    """Two serve processes with schedulers on one database: every message leaves exactly once."""
    smtp = sinks[0]
    env = {"DUCHA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}"}
    db = backend.new_db()
    a = Server(db, env=env, clock="2026-03-04T10:00:00+08:00")  # both nodes: one database, one clock
    b = Server(db, env=env)
    try:
        admin = set_clock(a, "2026-03-04T10:00:00+08:00")
        admin_b = b.client("admin")
        for i in range(10):
            c = admin if i % 2 else admin_b
            r = c.post("/api/v1/admin/notifications/test", {"username": "gc_office", "subject": f"并发{i}", "urgent": True})
            assert r.status == 202, r
        assert wait_for(lambda: len(smtp.messages()) >= 10, timeout=30)

        def ours():  # this test's ten, as the outbox records them
            r = admin.get("/api/v1/admin/outbox?state=sent&limit=500")
            assert r.status == 200, r
            return [m for m in r.json["messages"] if m["subject"].startswith("并发")]
        # every one recorded sent after one claim (a message is sent only by the node that claimed it), and
        # another pass sends nothing more
        assert wait_for(lambda: len(ours()) == 10), ours()
        assert [m["attempts"] for m in ours()] == [1] * 10, ours()
        scan(a)
        subjects = sorted(subject_of(m["msg"]) for m in smtp.messages())
        assert subjects == sorted(f"并发{i}" for i in range(10))
    finally:
        a.stop()
        b.stop()
