"""Each time limit counts in the unit its rule says (DOMAIN.md §4, issue #15 "rules read against the seeds"):
the presets follow their source's text — 古政办发〔2021〕52号 writes 1日、1天、7天、10天, calendar days — and a
deployment switches a rule to working days (工作日) with its unit. Every computed deadline uses the rule's unit,
and the documents say which: the notice PDF ("7日内" / "7个工作日内", with the day it falls on) and the
assignment message. The server's test clock is fixed (Beijing time), so nothing depends on today's date."""
import re

import pytest

from conftest import wait_for
from docs_util import pdf_text
from test_deadlines_items import world_at

# Wednesday 30 Sep 2026, the last working day before National Day (1–7 Oct; Saturday 10 Oct is a make-up
# working day, 调休上班)
START = "2026-09-30T09:00:00+08:00"
WORKDAYS = [{"milestone": "receipt", "amount": 1, "unit": "workdays", "note": "1个工作日内签收"},
            {"milestone": "deployment", "amount": 1, "unit": "workdays", "base": "receipt"},
            {"milestone": "first_feedback", "amount": 7, "unit": "workdays"},
            {"milestone": "resolution", "amount": 10, "unit": "workdays"}]


def squash(text):
    """pdftotext's text without spaces, line breaks and page numbers (—1—), which fall anywhere in a line."""
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))


@pytest.fixture
def world(backend):
    with world_at(backend, START) as w:
        yield w


def notice_text(w, iid, tmp_path):
    r = w.c("gc_office").get(f"/api/v1/items/{iid}/documents/notice.pdf")
    assert r.status == 200, r
    p = tmp_path / f"notice-{iid}.pdf"
    p.write_bytes(r.raw)
    return squash(pdf_text(str(p)))


def assignment_message(w, iid):
    r = w.c("gc_contact").get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    got = [m for m in r.json["messages"] if m["kind"] == "assignment" and f"/items/{iid}" in (m.get("link") or "")]
    assert got, r.json["messages"][:3]
    return got[0]["body"]


def test_calendar_days_by_default_working_days_when_switched(world, tmp_path):
    w = world
    # the calendar the tests rely on: 7 Oct is a holiday, 10 Oct a make-up working day
    cal = w.c("gc_office").get("/api/v1/calendar/workdays?from=2026-09-30&add=1").json
    assert cal["date"] == "2026-10-08", cal

    rules = w.c("gc_office").get("/api/v1/rules").json
    assert rules["preset"] == "gu13710"
    general = {x["milestone"]: x for x in rules["rules"]
               if x["source_kind"] is None and x["importance"] is None and x["item_kind"] is None}
    assert {k: (v["amount"], v["unit"], v["limit_text"]) for k, v in general.items()} == {
        "receipt": (1, "days", "1日内"), "deployment": (1, "days", "1日内"),
        "first_feedback": (7, "days", "7日内"), "resolution": (10, "days", "10日内")}

    # calendar days: the limits span the National Day holiday and end on the calendar date; one that ends on a
    # holiday (receipt 1 Oct, first feedback 7 Oct) moves to the next working day
    cal_item = w.item(title="国庆期间城区供暖管网检修", due_date="2026-10-10")
    assert w.dues(cal_item, "gc-jt") == {("receipt", 1): "2026-10-08", ("deployment", 1): "2026-10-09",
                                         ("first_feedback", 1): "2026-10-08", ("resolution", 1): "2026-10-10"}
    text = notice_text(w, cal_item, tmp_path)
    assert "收到本通知后1日内（2026年10月8日前）签收，签收后1日内研究部署，7日内（2026年10月8日前）书面反馈阶段性进展" in text, text
    assert "工作日" not in text
    assert "请于2026年10月10日前办结（交办后10日内）" in text, text
    assert "请于收到通知后1日内签收" in assignment_message(w, cal_item)

    # the administrator switches the table to working days: items assigned afterwards skip the weekend and
    # the holiday, and their documents say 工作日
    r = w.c("admin").put("/api/v1/rules", {"rules": WORKDAYS})
    assert r.status == 200, r
    assert [x["limit_text"] for x in r.json["rules"]] == ["1个工作日内", "1个工作日内", "7个工作日内", "10个工作日内"]
    work_item = w.item(title="国庆期间城区燃气管网检修", due_date="2026-10-20")
    # 8, 9, 10 (make-up Saturday), 12, 13, 14, 15 … 16, 19, 20 Oct
    assert w.dues(work_item, "gc-jt") == {("receipt", 1): "2026-10-08", ("deployment", 1): "2026-10-09",
                                          ("first_feedback", 1): "2026-10-15", ("resolution", 1): "2026-10-20"}
    text = notice_text(w, work_item, tmp_path)
    assert ("收到本通知后1个工作日内（2026年10月8日前）签收，签收后1个工作日内研究部署，"
            "7个工作日内（2026年10月15日前）书面反馈阶段性进展") in text, text
    assert "请于收到通知后1个工作日内签收" in assignment_message(w, work_item)
    assert "请于2026年10月20日前办结（交办后10个工作日内）" in text, text
    # the milestones already computed keep their days
    assert w.dues(cal_item, "gc-jt")[("resolution", 1)] == "2026-10-10"
    # and the calendar-day item's notice still states its rules as they are now (the table is one)
    assert w.c("admin").put("/api/v1/rules", {"preset": "gu13710"}).json["rules"][0]["unit"] == "days"


def test_periodic_limits_are_stated_in_the_notice(world, tmp_path):
    w = world
    annual = w.item(title="年度重点工作：城乡供水一体化", kind="annual", due_date="2026-12-31")
    text = notice_text(w, annual, tmp_path)
    assert "每年7月15日、10月15日、1月15日前报告进展" in text, text
    ongoing = w.item(title="常态化工作：城区环境卫生整治", kind="ongoing", due_date="2026-12-31")
    assert "每月报告进展" in notice_text(w, ongoing, tmp_path)



@pytest.fixture
def march(backend):
    with world_at(backend, "2026-03-02T09:00:00+08:00") as w:  # a Monday
        yield w


def test_an_important_meetings_decision_owes_a_report_within_30_days(march, tmp_path):
    """江苏 (004): 对省政府召开的重要会议、下发的重要文件，一般在30日内报告贯彻落实情况 — a report the unit owes 30 days
    after assignment (implementation_report), answered by its progress report; not the deadline of the work. It
    climbs the ladder like every milestone: the unit is reminded on the day (and holds the to-do to report), the
    leader in charge is asked to press it the next working day, and the office gets the written notice."""
    w = march
    rules = {x["source_kind"]: x for x in w.c("gc_office").get("/api/v1/rules").json["rules"] if x["source_kind"]}
    assert (rules["meeting"]["milestone"], rules["meeting"]["limit_text"]) == ("implementation_report", "30日内")
    assert rules["major_decision"]["milestone"] == "implementation_report"
    iid = w.item(title="县政府常务会议议定事项：城区停车场建设", source_kind="meeting")
    dues = w.dues(iid, "gc-jt")
    # 2 Mar + 30 days = 1 Apr; the work itself has the general limit (10 days)
    assert dues == {("receipt", 1): "2026-03-03", ("deployment", 1): "2026-03-04", ("first_feedback", 1): "2026-03-09",
                    ("implementation_report", 1): "2026-04-01", ("resolution", 1): "2026-03-12"}, dues
    text = notice_text(w, iid, tmp_path)
    assert "30日内（2026年4月1日前）报告贯彻落实情况" in text, text

    contact = w.c("gc_contact")
    assert contact.post(f"/api/v1/items/{iid}/actions/receive", {}).status == 200
    assert contact.post(f"/api/v1/items/{iid}/reports", {"text": "已研究部署", "percent": 10}).status == 201

    def ms(kind):
        return [m for m in w.milestones(iid) if m["kind"] == kind][0]
    # the first report is the first feedback; the report obligation is still owed
    assert ms("first_feedback")["state"] == "done" and ms("implementation_report")["state"] == "open"
    report = ms("implementation_report")
    assert report["kind_label"] == "落实情况报告", report

    def kinds(user):
        return sorted(m["kind"] for m in w.inbox_for(user, report["id"]))
    assert report["due_date"] == "2026-04-01"
    w.reminded_on_the_day(report, "落实情况报告")
    todos = w.c("gc_contact").get("/api/v1/todos?kind=item&limit=200").json["todos"]
    assert [t["task"] for t in todos if t["object_id"] == iid] == ["report"], todos
    # missed: the leader in charge is asked to press (2 Apr), the office gets the written notice (7 Apr: 4–6 Apr
    # is the Qingming holiday)
    w.clock("2026-04-02T09:00:00+08:00")
    assert wait_for(lambda: "press" in kinds("gc_leader")), kinds("gc_leader")
    w.clock("2026-04-07T09:00:00+08:00")
    assert wait_for(lambda: "notice" in kinds("gc_office")), kinds("gc_office")
    # the unit's next report answers it (late)
    assert w.c("gc_contact").post(f"/api/v1/items/{iid}/reports", {"text": "贯彻落实情况", "percent": 50}).status == 201
    done = ms("implementation_report")
    assert done["state"] == "done" and done["light"] == "done_late", done


def test_a_stated_limit_governs_and_the_documents_name_the_rule(march, tmp_path):
    """古政办发〔2021〕52号: 一般性问题原则上10天内落实 …… 凡注明办理期限的事项承办单位必须如期办结. The item's own due
    date (the office states it, the form proposes the rule's day) is the resolution milestone whether it is later
    or earlier than the rule's; the milestone, the item page's 时限依据 and the notice name the rule's day, so the
    due date, the milestones, the reminders and the notice never disagree."""
    w = march
    later = w.item(title="城区老旧小区雨污分流改造", due_date="2026-04-30")
    res = w.resolution(later)
    assert (res["due_date"], res["overridden"]) == ("2026-04-30", True)
    assert res["reason"] == "按立项注明的办理期限；规则时限为交办后10日内（2026年3月12日）"
    assert w.c("gc_office").get(f"/api/v1/items/{later}").json["due_date"] == "2026-04-30"
    text = notice_text(w, later, tmp_path)
    assert "请于2026年4月30日前办结（本通知注明的办理期限；规则时限为交办后10日内，即2026年3月12日前）" in text, text
    assert "办结时限 2026-04-30" in assignment_message(w, later)
    # the rule's day passes and the item is not overdue: the unit has until 30 April
    w.clock("2026-03-13T09:00:00+08:00")
    assert w.resolution(later)["light"] != "red"
    # an earlier stated limit (assigned Friday 13 Mar, rule 23 Mar): the resolution falls on it, and the first
    # feedback (rule: 20 Mar) not after it
    early = w.item(title="城区积水点应急排查", due_date="2026-03-16")
    dues = w.dues(early, "gc-jt")
    assert dues[("resolution", 1)] == "2026-03-16" and dues[("first_feedback", 1)] == "2026-03-16", dues
    fb = [m for m in w.milestones(early) if m["kind"] == "first_feedback" and m["unit_id"] == w.unit("gc-jt")][0]
    assert fb["reason"] == "不晚于立项注明的办理期限；规则时限为交办后7日内（2026年3月20日）", fb
    text = notice_text(w, early, tmp_path)
    assert "请于2026年3月16日前办结（本通知注明的办理期限；规则时限为交办后10日内，即2026年3月23日前）" in text, text
    assert "7日内（2026年3月16日前）书面反馈阶段性进展" in text, text
