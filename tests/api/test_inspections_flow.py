"""Inspections (督查) end to end through the API, by the roles involved: the opening rules of Art. 11, the
督查方案 and its frozen scope, the team and who may be on it, field records and evidence (the location
kept for the team, stripped for everyone else), findings turned into rectification tasks (immediate fixes
closed at once), the conclusion, the report, merging and joining, part-timers and evaluators who see only
what they are on, the roster with assignments and training records."""
import struct

import pytest

from conftest import Server
from insplib import YEAR, Insp, yday
from itemlib import pinned_clock


@pytest.fixture(scope="module")
def ins(backend):
    """The server's clock is pinned (itemlib.pinned_clock): a finding due today (ins.day(0)) must still be
    today when the server checks it, also when the run crosses Beijing midnight (16:00 UTC) in between."""
    clock = pinned_clock()
    s = Server(backend.new_db(), clock=clock)
    yield Insp(s, clock=clock)
    s.stop()


def msg(r):
    return r.error["message"]


# ---- opening (Art. 11) ----

def test_a_decision_or_instruction_needs_its_reference(ins):
    r = ins.create(basis="decision", basis_ref="", expect=422)
    assert "basis_ref" in msg(r) and r.error["field"] == "basis_ref"  # marked at the form's field
    r = ins.create(basis="whim", expect=422)
    assert "第十一条" in msg(r)
    obj = ins.create(basis="instruction", basis_ref="王建国县长2026年2月10日批示")
    assert obj["state"] == "draft" and obj["basis_label"] == "政府行政首长指示"
    assert {"open", "submit"} <= set(obj["allowed_actions"])


def test_a_proposal_opens_only_with_the_heads_approval(ins):
    obj = ins.create(basis="proposal", basis_ref="")
    oid = obj["id"]
    assert "open" not in obj["allowed_actions"]
    r = ins.act(oid, "gc_office", "open", expect=409)
    assert "主要领导批准" in msg(r)
    ins.act(oid, "gc_office", "submit")
    assert ins.act(oid, "gc_office", "approve", expect=403).status == 403
    r = ins.act(oid, "gc_principal", "return", {"reason": "请补充督查对象的依据"})
    assert r.json["state"] == "draft"
    ins.act(oid, "gc_office", "submit")
    got = ins.act(oid, "gc_principal", "approve").json
    assert got["state"] == "opened" and got["number"].startswith(f"古督查〔{YEAR}〕")
    assert [o["kind"] for o in got["origins"]] == ["proposal", "approval"]
    events = ins.c("gc_office").get(f"/api/v1/inspections/{oid}/events").json["events"]
    assert [e["action"] for e in events] == ["create", "submit", "return", "submit", "approve"]
    assert events[2]["note"] == "请补充督查对象的依据" and events[-1]["actor"] == "gc_principal"


def test_a_department_led_inspection_outside_the_plan_is_designated_by_the_government(ins):
    obj = ins.create(organiser_unit_ids=[ins.unit("gc-zj")], designation="由县住建局牵头，督查燃气企业安全管理，为期三周")
    assert "open" not in obj["allowed_actions"] and obj["organisers"][0]["name"] == "古城县住房和城乡建设局"
    ins.act(obj["id"], "gc_office", "submit")
    got = ins.act(obj["id"], "gc_principal", "approve").json
    assert got["state"] == "opened" and got["designation"].startswith("由县住建局牵头")


def test_bad_input_changes_nothing(ins):
    assert ins.create(start_date=yday(5, 1), end_date=yday(4, 1), expect=422).status == 422
    assert ins.create(kind="grand", expect=422).status == 422
    r = ins.create(methods=["onsite", "teleport"], expect=422)
    assert "teleport" in msg(r) and "covert（暗访）" in msg(r)
    r = ins.create(targets=("gc-jt", "gc-jt"), expect=422)
    assert "重复" in msg(r)
    # a target outside the government: another county's unit
    r = ins.c("gc_office").post("/api/v1/inspections", {"basis": "decision", "basis_ref": "x", "subject": "跨县督查",
                                                        "kind": "special", "methods": ["onsite"],
                                                        "target_unit_ids": [ins.unit("ap-jt")],
                                                        "start_date": yday(3, 1), "end_date": yday(3, 9)})
    assert r.status == 422 and "管辖范围" in msg(r)
    # an organiser that is also a target
    r = ins.create(organiser_unit_ids=[ins.unit("gc-jt")], expect=422)
    assert "组织单位不能同时是督查对象" in msg(r)
    assert ins.c("gc_contact").post("/api/v1/inspections", {"basis": "decision"}).status == 403
    assert ins.c("ap_office").get("/api/v1/inspections?q=城区燃气").json["total"] == 0


def test_list_filters_refuse_a_value_outside_their_list(ins):
    """A filter's value that is not one of its kinds or states is refused, naming the filter: it answered an
    empty list, which reads as "nothing of that kind" (a typo in a bookmarked address, an old state's name)."""
    o = ins.c("gc_office")
    for path, name in (("/api/v1/inspections", "state"), ("/api/v1/inspections", "kind"),
                       ("/api/v1/inspections", "basis"), ("/api/v1/rectifications", "state"),
                       ("/api/v1/reviews", "state"), ("/api/v1/inspectors", "kind")):
        r = o.get(f"{path}?{name}=drafted")
        assert r.status == 400 and f"（{name}）" in r.error["message"], (path, name, r)
    ins.create(kind="special")
    assert o.get("/api/v1/inspections?kind=special").json["total"] >= 1
    assert o.get("/api/v1/inspections?state=").json["total"] == o.get("/api/v1/inspections").json["total"]
    assert o.get("/api/v1/inspectors?kind=").status == 200 and o.get("/api/v1/reviews?state=").status == 200


# ---- the scheme (Art. 8, 15) ----

def test_the_scheme_must_be_complete_and_freezes_scope_and_targets(ins):
    obj = ins.create(scheme_scope="")
    oid = obj["id"]
    ins.act(oid, "gc_office", "open")
    r = ins.act(oid, "gc_office", "submit_scheme", expect=422)
    assert "scheme_scope" in msg(r)
    ins.c("gc_office").patch(f"/api/v1/inspections/{oid}", {"scheme_scope": "城区燃气经营企业"})
    r = ins.act(oid, "gc_office", "submit_scheme", expect=422)
    assert "督查组" in msg(r)
    ins.team(oid, leader=None, members=("gc_parttime",))
    ins.act(oid, "gc_office", "submit_scheme")
    # the government names the leader (Art. 8)
    r = ins.act(oid, "gc_principal", "approve_scheme", expect=422)
    assert "第八条" in msg(r)
    got = ins.act(oid, "gc_principal", "approve_scheme", {"team_leader_id": ins.user_id("gc_inspector")}).json
    assert got["state"] == "scheme_approved" and got["frozen"] and got["team_leader"]["name"] == "黄磊"
    assert {m["role"] for m in got["team"]} == {"leader", "member"}
    # frozen: no more changes to the scope or the targets; the leader stays
    r = ins.c("gc_office").patch(f"/api/v1/inspections/{oid}", {"target_unit_ids": [ins.unit("gc-zj")]})
    assert r.status == 409
    r = ins.c("gc_office").put(f"/api/v1/inspections/{oid}/team", {"leader_id": ins.user_id("gc_office")})
    assert r.status == 409 and "政府在批准督查方案时指定" in msg(r)
    # widening is a new approval, recorded
    r = ins.act(oid, "gc_office", "request_widening", {"reason": "线索指向住建局"}, expect=422)
    ins.act(oid, "gc_office", "request_widening", {"reason": "线索指向住建局", "unit_ids": [ins.unit("gc-zj")],
                                                   "scope": "城区燃气经营企业及其主管部门"})
    assert ins.get(oid)["pending_widening"]
    r = ins.act(oid, "gc_office", "request_widening", {"reason": "再扩大", "scope": "全县"}, expect=409)
    assert "正在审批" in msg(r)
    assert ins.act(oid, "gc_office", "decide_widening", {"approve": True}, expect=403).status == 403
    got = ins.act(oid, "gc_principal", "decide_widening", {"approve": True}).json
    assert {t["name"] for t in got["targets"]} == {"古城县交通运输局", "古城县住房和城乡建设局"}
    assert got["scheme_scope"] == "城区燃气经营企业及其主管部门" and got["pending_widening"] is None
    ev = ins.c("gc_office").get(f"/api/v1/inspections/{oid}/events").json["events"][-1]
    assert ev["action"] == "decide_widening" and ev["data"]["added_targets"][0]["name"] == "古城县住房和城乡建设局"


def test_no_one_of_the_inspected_sits_on_the_team(ins):
    obj = ins.create()
    r = ins.c("gc_office").put(f"/api/v1/inspections/{obj['id']}/team",
                               {"members": [{"user_id": ins.user_id("gc_contact")}]})
    assert r.status == 409 and "回避" in msg(r)
    r = ins.c("gc_office").put(f"/api/v1/inspections/{obj['id']}/team", {"leader_id": ins.user_id("gc_head")})
    assert r.status == 409 and "回避" in msg(r)


# ---- announced vs unannounced ----

def test_an_announced_inspection_reaches_its_targets_when_it_starts(ins):
    obj = ins.bring("scheme_approved")
    oid = obj["id"]
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}").status == 404
    r = ins.act(oid, "gc_office", "start_covert", expect=409)
    assert "不是暗访" in msg(r)
    ins.act(oid, "gc_office", "start")
    got = ins.c("gc_head").get(f"/api/v1/inspections/{oid}")
    assert got.status == 200 and got.json["allowed_actions"] == ["comment"] and not got.json["office_side"]
    # the notice (督查通知) reaches the target's head, and nobody at the other units
    told = [m for m in ins.c("gc_head").get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_type"] == "inspection" and m["object_id"] == oid]
    assert told and "启动督查" in told[0]["subject"], told
    assert not [m for m in ins.c("gc_head2").get("/api/v1/inbox?limit=200").json["messages"]
                if m["object_type"] == "inspection" and m["object_id"] == oid]


def test_an_unannounced_inspection_is_not_started_with_a_notice(ins):
    obj = ins.bring("scheme_approved", covert=True)
    r = ins.act(obj["id"], "gc_office", "start", expect=409)
    assert "不得事先通知" in msg(r)
    ins.act(obj["id"], "gc_office", "start_covert")
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{obj['id']}").status == 404
    inbox = ins.c("gc_head").get("/api/v1/inbox?limit=200").json["messages"]
    assert not any(m["object_id"] == obj["id"] and m["object_type"] == "inspection" for m in inbox)


# ---- on the ground ----

def jpeg_with_gps(lat=35.6, lon=111.35):
    """A minimal JPEG whose Exif carries a GPS position and the time of taking."""
    def rational(v):
        d = int(v)
        m = int((v - d) * 60)
        s = round(((v - d) * 60 - m) * 60 * 100)
        return struct.pack(">IIIIII", d, 1, m, 1, s, 100)
    # TIFF, big endian: IFD0 with GPS (0x8825) and Exif (0x8769) pointers
    ifd0_off = 8
    ifd0 = struct.pack(">H", 2)
    gps_off = ifd0_off + 2 + 2 * 12 + 4
    exif_off = gps_off + 2 + 4 * 12 + 4
    lat_off = exif_off + 2 + 12 + 4
    lon_off = lat_off + 24
    dt_off = lon_off + 24
    ifd0 += struct.pack(">HHII", 0x8825, 4, 1, gps_off) + struct.pack(">HHII", 0x8769, 4, 1, exif_off) + b"\0\0\0\0"
    gps = struct.pack(">H", 4)
    gps += struct.pack(">HHI4s", 1, 2, 2, b"N\0\0\0") + struct.pack(">HHII", 2, 5, 3, lat_off)
    gps += struct.pack(">HHI4s", 3, 2, 2, b"E\0\0\0") + struct.pack(">HHII", 4, 5, 3, lon_off) + b"\0\0\0\0"
    exif = struct.pack(">H", 1) + struct.pack(">HHII", 0x9003, 2, 20, dt_off) + b"\0\0\0\0"
    tiff = b"MM\0*" + struct.pack(">I", ifd0_off) + ifd0 + gps + exif + rational(lat) + rational(lon) + b"2026:03:05 10:12:00\0"
    app1 = b"Exif\0\0" + tiff
    seg = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    comment = b"\xff\xfe" + struct.pack(">H", 2 + 11) + b"photographer"[:11]
    body = b"\xff\xdb\x00\x04\x00\x00" + b"\xff\xda\x00\x02" + b"\x11\x22\x33" * 20 + b"\xff\xd9"
    return b"\xff\xd8" + seg + comment + body


def test_field_records_and_evidence_from_a_phone(ins):
    obj = ins.bring("in_progress", covert=True)
    oid = obj["id"]
    part = ins.c("gc_parttime")
    r = part.post(f"/api/v1/inspections/{oid}/records",
                  {"place": "城关镇建设路12号某餐馆后厨", "seen": "燃气报警器未安装，软管老化开裂",
                   "interviewees": "店主（化名）", "unit_id": ins.unit("gc-jt"), "location": {"lat": 35.61, "lon": 111.35}})
    assert r.status == 201, r
    assert r.json["location"] == {"lat": 35.61, "lon": 111.35} and r.json["author"] == "马丽"
    bad = part.post(f"/api/v1/inspections/{oid}/records", {"place": "x", "seen": "y", "location": {"lat": 95, "lon": 1}})
    assert bad.status == 422
    photo = jpeg_with_gps()
    up = part.request("POST", f"/api/v1/inspections/{oid}/evidence?filename=IMG_0231.jpg&record_id={r.json['id']}",
                      raw=photo, content_type="application/octet-stream")
    assert up.status == 201, up
    ev = up.json
    assert ev["content_type"] == "image/jpeg" and ev["taken_at"] == "2026:03:05 10:12:00"
    assert abs(ev["location"]["lat"] - 35.6) < 0.001 and abs(ev["location"]["lon"] - 111.35) < 0.001
    original = part.get(ev["url"])
    assert original.status == 200 and original.raw == photo
    clean = part.get(ev["url"] + "?variant=clean")
    assert clean.status == 200 and b"Exif" not in clean.raw and b"photographer" not in clean.raw
    assert clean.raw.startswith(b"\xff\xd8") and clean.raw.endswith(b"\xff\xd9") and len(clean.raw) < len(photo)
    # not an image: refused by its bytes, whatever it is called
    fake = part.request("POST", f"/api/v1/inspections/{oid}/evidence?filename=x.jpg", raw=b"<html>",
                        content_type="application/octet-stream")
    assert fake.status == 415
    # the working papers are the team's: an office reads them, the target (after the findings) does not
    assert ins.c("gc_office").get(f"/api/v1/inspections/{oid}/records").json["records"][0]["place"].startswith("城关镇")
    assert ins.c("gc_contact").get(ev["url"]).status == 404
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/records").status == 404
    assert ins.c("ap_office").get(ev["url"]).status == 404
    # the target hears of the findings, then sees the inspection but not the papers nor the original
    ins.finding(oid, title="餐饮场所燃气报警装置未安装", rebound=True)
    ins.act(oid, "gc_inspector", "submit_findings")
    ins.act(oid, "gc_office", "issue_findings")
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}").status == 200
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/records").status == 403
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/evidence").status == 403
    assert ins.c("gc_contact").get(ev["url"]).status == 404


def test_rectification_evidence_is_shown_without_location(ins):
    obj = ins.bring("findings_issued")
    tid = ins.tasks(obj["id"])[0]["id"]
    ins.ract(tid, "gc_contact", "receive")
    photo = jpeg_with_gps(34.1, 112.2)
    up = ins.c("gc_contact").request("POST", f"/api/v1/rectifications/{tid}/evidence?filename=整改后.jpg", raw=photo,
                                     content_type="application/octet-stream")
    assert up.status == 201, up
    assert "location" not in up.json  # the unit is not the team
    task = ins.rect(tid, "gc_contact")
    assert task["evidence"][0]["filename"] == "整改后.jpg"
    got = ins.c("gc_contact").get(task["evidence"][0]["url"])
    assert got.status == 200 and b"Exif" not in got.raw
    assert ins.c("gc_office").get(task["evidence"][0]["url"]).raw == photo
    assert ins.c("gc_contact2").post(f"/api/v1/rectifications/{tid}/evidence?filename=x.jpg", raw=photo,
                                     content_type="application/octet-stream").status == 404


# ---- findings, tasks, conclusion ----

def test_findings_become_tasks_and_immediate_fixes_close_at_once(ins):
    obj = ins.bring("in_progress")
    oid = obj["id"]
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/findings").json["findings"] == []
    r = ins.c("gc_inspector").post(f"/api/v1/inspections/{oid}/findings",
                                   {"title": "消防通道被占用", "unit_id": ins.unit("gc-jt"), "due_date": ins.day(1),
                                    "immediate": True})
    assert r.status == 422 and "fix_note" in msg(r)
    r = ins.c("gc_inspector").post(f"/api/v1/inspections/{oid}/findings",
                                   {"title": "问题", "unit_id": ins.unit("gc-zj"), "due_date": ins.day(10)})
    assert r.status == 422 and "不是本次督查的对象" in msg(r)
    r = ins.c("gc_inspector").post(f"/api/v1/inspections/{oid}/findings",
                                   {"title": "问题", "unit_id": ins.unit("gc-jt"), "due_date": ins.day(-1)})
    assert r.status == 422
    ins.finding(oid, title="消防通道被占用", immediate=True, fix_note="已当场清理，督查组拍照确认", due_date=ins.day(0))
    f2 = ins.finding(oid, title="隐患整改台账不全", due_date=ins.day(20))
    f3 = ins.finding(oid, title="临时记录", due_date=ins.day(20))
    assert ins.c("gc_inspector").delete(f"/api/v1/inspections/{oid}/findings/{f3['id']}").status == 204
    assert ins.c("gc_contact").post(f"/api/v1/inspections/{oid}/findings", {}).status == 403
    # only the team leader submits the list
    r = ins.act(oid, "gc_parttime", "submit_findings", expect=409)
    assert "组长" in msg(r)
    ins.act(oid, "gc_inspector", "submit_findings")
    ins.act(oid, "gc_office", "return_findings", {"reason": "请补充问题的证据"})
    assert ins.get(oid)["state"] == "in_progress"
    ins.act(oid, "gc_inspector", "submit_findings")
    got = ins.act(oid, "gc_office", "issue_findings").json
    assert got["counts"] == {"records": 0, "evidence": 0, "findings": 2, "tasks": 2, "open_tasks": 1}
    tasks = {t["title"]: t for t in ins.tasks(oid)}
    assert tasks["消防通道被占用"]["state"] == "verified" and tasks["消防通道被占用"]["immediate"]
    t = tasks["隐患整改台账不全"]
    assert t["state"] == "assigned" and t["light"] in ("green", "yellow") and t["number"].endswith("-2")
    # the unit sees its task, and its contact has been told
    assert ins.rect(t["id"], "gc_contact")["unit_actions"] == ["receive"]
    inbox = ins.c("gc_contact").get("/api/v1/inbox?limit=200").json["messages"]
    assert {m["link"] for m in inbox if m["object_type"] == "rectification" and m["object_id"] == t["id"]} \
        == {f"/inspections/rectifications/{t['id']}"}  # the message opens the task
    assert ins.c("gc_contact2").get(f"/api/v1/rectifications/{t['id']}").status == 404
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/findings").json["findings"][0]["state"] == "issued"
    assert f2["id"] in {f["id"] for f in ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/findings").json["findings"]}
    # the unit's way: receive, progress, report, the head signs; the office verifies or returns
    ins.ract(t["id"], "gc_contact", "receive")
    ins.ract(t["id"], "gc_contact", "report", {"text": "已完成一半", "percent": 50})
    ins.ract(t["id"], "gc_contact", "submit", {"text": "台账已补齐"})
    assert ins.ract(t["id"], "gc_contact", "sign", expect=403).status == 403
    ins.ract(t["id"], "gc_head", "sign")
    ins.ract(t["id"], "gc_office", "return", {"reason": "台账缺少签字"})
    assert ins.rect(t["id"])["state"] == "rectifying"
    ins.ract(t["id"], "gc_contact", "submit", {"text": "已补签字"})
    ins.ract(t["id"], "gc_head", "sign")
    got = ins.ract(t["id"], "gc_office", "verify", {"text": "经现场核查已整改到位"}).json
    assert got["state"] == "verified" and got["progress"] == 100 and got["lookback_due"] is None
    # the conclusion, the target signs for it
    r = ins.act(oid, "gc_office", "issue_conclusion", {}, expect=422)
    got = ins.act(oid, "gc_office", "issue_conclusion", {"text": "问题已整改，总体较好"}).json
    assert got["state"] == "concluded" and got["conclusion"]["number"].startswith(f"古政督〔{YEAR}〕")
    assert got["targets"][0]["state"] == "concluded"
    assert ins.get(oid, "gc_head")["targets"][0]["allowed_actions"] == ["receive_conclusion"]
    assert ins.act(oid, "gc_contact2", "receive_conclusion", expect=404).status == 404
    got = ins.act(oid, "gc_head", "receive_conclusion").json
    assert got["state"] == "conclusion_received" and got["targets"][0]["received_at"]
    # report, then close
    assert "send_report" not in got["allowed_actions"]
    rep = ins.c("gc_office").get(f"/api/v1/inspections/{oid}/report").json
    assert rep["generated"] and "消防通道被占用" in rep["text"] and "共交办整改任务2项，已核查销号2项" in rep["text"]
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/report").status == 403
    ins.c("gc_office").put(f"/api/v1/inspections/{oid}/report", {"text": rep["text"] + "\n（督查室修改）"})
    ins.act(oid, "gc_office", "send_report")
    assert ins.c("gc_office").get(f"/api/v1/inspections/{oid}/report").json["text"].endswith("（督查室修改）")
    assert ins.act(oid, "gc_office", "close").json["state"] == "closed"


def test_close_waits_for_every_task(ins):
    obj = ins.bring("conclusion_received")
    r = ins.act(obj["id"], "gc_office", "close", expect=409)
    assert "整改任务尚未全部核查销号" in msg(r)


def test_a_rebounding_problem_schedules_a_look_back(ins):
    obj = ins.bring("findings_issued", rebound=True)
    tid = ins.tasks(obj["id"])[0]["id"]
    ins.finish_task(tid)
    t = ins.rect(tid)
    assert t["rebound"] and t["lookback_due"] and t["lookback_due"] > ins.day(80)


# ---- no duplication: merge and join ----

def test_merge_keeps_both_origins_and_join_makes_a_joint_inspection(ins):
    a = ins.create(subject="城区燃气安全专项督查", basis="instruction", basis_ref="县长批示")
    b = ins.create(subject="城区燃气安全隐患督查", targets=("gc-jt", "gc-zj"))
    assert any(d["id"] == a["id"] and d["proposal"] == "merge" for d in b["duplicates"])
    got = ins.act(a["id"], "gc_office", "merge", {"into_id": b["id"]}).json
    assert got["state"] == "merged" and got["merged_into"] == b["id"]
    survivor = ins.get(b["id"])
    kinds = [o["kind"] for o in survivor["origins"]]
    assert kinds == ["decision", "instruction", "merged"], kinds
    assert {t["name"] for t in survivor["targets"]} == {"古城县交通运输局", "古城县住房和城乡建设局"}
    # merged ones leave the duplicate index
    probe = {"subject": "城区燃气安全专项督查", "target_unit_ids": [ins.unit("gc-jt")], "start_date": yday(3, 1),
             "end_date": yday(3, 31)}
    ids = {d["id"] for d in ins.c("gc_office").post("/api/v1/inspections/duplicates", probe).json["duplicates"]}
    assert a["id"] not in ids and b["id"] in ids
    # a frozen one takes a joint organiser, not a merge
    c = ins.bring("in_progress")
    d = ins.create(subject="燃气安全督查（住建牵头）", organiser_unit_ids=[ins.unit("gc-zj")])
    r = ins.act(d["id"], "gc_office", "merge", {"into_id": c["id"]}, expect=409)
    assert "并入联合督查" in msg(r)
    ins.act(d["id"], "gc_office", "join", {"into_id": c["id"]})
    joint = ins.get(c["id"])
    orgs = {o["name"]: o for o in joint["organisers"]}
    assert orgs["古城县住房和城乡建设局"]["joined_from"] == d["id"] and not orgs["古城县住房和城乡建设局"]["lead"]
    assert joint["origins"][-1]["kind"] == "joined"
    r = ins.act(c["id"], "gc_office", "merge", {"into_id": 999999}, expect=409)  # wrong state first
    r = ins.act(ins.create()["id"], "gc_office", "merge", {"into_id": 999999}, expect=422)
    assert "into_id" in msg(r)


# ---- who must act: the workbench's to-dos (GET /api/v1/todos) ----

def todos(ins, user, kind, oid):
    out = ins.c(user).get(f"/api/v1/todos?kind={kind}&limit=200").json["todos"]
    return [t["task"] for t in out if t["object_id"] == oid]


def test_the_team_the_evaluator_and_the_units_find_their_work_on_the_workbench(ins):
    obj = ins.bring("in_progress", evaluators=("gc-pg",))
    oid = obj["id"]
    assert todos(ins, "gc_inspector", "inspection", oid) == ["submit_findings"]  # the team leader
    assert todos(ins, "gc_parttime", "inspection", oid) == ["field_work"]
    assert todos(ins, "gc_evaluator", "inspection", oid) == ["evaluate"]
    t = [x for x in ins.c("gc_parttime").get("/api/v1/todos?kind=inspection").json["todos"] if x["object_id"] == oid][0]
    assert t["link"] == f"/inspections/{oid}" and t["title"] == obj["subject"] and t["due_date"] == obj["end_date"]
    # the member's own to-do names no unit (it showed the member's own name, 马丽, under it on the workbench)
    assert t["unit_name"] is None, t
    # the evaluation is in: the evaluator's to-do goes
    r = ins.c("gc_evaluator").post(f"/api/v1/inspections/{oid}/evaluations", {"summary": "满意度88%", "score": 88})
    assert r.status == 201, r
    assert todos(ins, "gc_evaluator", "inspection", oid) == []
    # the findings go to the office; issued, each task waits on its unit's contact, who is told
    ins.finding(oid)
    ins.act(oid, "gc_inspector", "submit_findings")
    assert todos(ins, "gc_parttime", "inspection", oid) == [] and todos(ins, "gc_inspector", "inspection", oid) == []
    assert todos(ins, "gc_office", "inspection", oid) == ["issue_findings"]
    ins.act(oid, "gc_office", "issue_findings")
    tid = ins.tasks(oid)[0]["id"]
    assert todos(ins, "gc_contact", "rectification", tid) == ["receive"]
    assert todos(ins, "gc_contact2", "rectification", tid) == []
    told = [m for m in ins.c("gc_contact").get("/api/v1/inbox?limit=200").json["messages"]
            if m["object_type"] == "rectification" and m["object_id"] == tid]
    assert len(told) == 1 and told[0]["kind"] == "todo" and "整改任务" in told[0]["subject"], told
    ins.ract(tid, "gc_contact", "receive")
    assert todos(ins, "gc_contact", "rectification", tid) == ["report"]


def test_a_department_names_targets_beyond_its_own_units(ins):
    """Proposing for the plan, a department may pick any unit of the plan's government by name (and only
    there): GET /api/v1/plans/{id}/units."""
    r = ins.c("gc_office").post("/api/v1/plans", {"year": YEAR + 40})
    assert r.status == 201, r
    pid = r.json["id"]
    got = ins.c("gc_head2").get(f"/api/v1/plans/{pid}/units?q=交通运输").json["units"]
    assert [u["code"] for u in got] == ["gc-jt"] and set(got[0]) == {"id", "code", "name", "kind"}
    assert "gc" not in {u["code"] for u in ins.c("gc_head2").get(f"/api/v1/plans/{pid}/units").json["units"]}
    assert ins.c("ap_office").get(f"/api/v1/plans/{pid}/units").status == 404
    assert ins.c("gc_head2").get(f"/api/v1/plans/{pid}/units?q=" + "x" * 101).status == 400
    body = {"subject": "液化气运输车辆安全专项督查", "kind": "special", "methods": ["onsite"],
            "organiser_unit_id": ins.unit("gc-zj"), "target_unit_ids": [got[0]["id"]],
            "start_date": f"{YEAR + 40}-03-02", "end_date": f"{YEAR + 40}-03-20"}
    assert ins.c("gc_head2").post(f"/api/v1/plans/{pid}/entries", body).status == 201


# ---- who sees what ----

def test_part_timers_and_evaluators_see_only_what_they_are_on(ins):
    on = ins.bring("in_progress", evaluators=("gc-pg",))
    off = ins.bring("in_progress", **{})
    ins.team(off["id"], leader="gc_inspector", members=())
    part = ins.c("gc_parttime")
    mine = {i["id"] for i in part.get("/api/v1/inspections?per_page=200").json["inspections"]}
    assert on["id"] in mine and off["id"] not in mine
    assert part.get(f"/api/v1/inspections/{off['id']}").status == 404
    ev = ins.c("gc_evaluator")
    seen = {i["id"] for i in ev.get("/api/v1/inspections?per_page=200").json["inspections"]}
    assert on["id"] in seen and off["id"] not in seen
    # every one it sees (the demo's too) has 古城县民生评估中心 engaged
    for i in seen:
        team = ins.get(i)["team"]
        assert any(m["role"] == "evaluator" and m["unit_id"] == ins.unit("gc-pg") for m in team), (i, team)
    assert ev.get(f"/api/v1/inspections/{on['id']}/records").status == 403
    r = ev.post(f"/api/v1/inspections/{on['id']}/evaluations", {"summary": "抽样调查群众满意度86%", "score": 82})
    assert r.status == 201, r
    assert ev.post(f"/api/v1/inspections/{off['id']}/evaluations", {"summary": "越权"}).status == 404
    assert part.post(f"/api/v1/inspections/{on['id']}/evaluations", {"summary": "不是评估机构"}).status == 403
    got = ins.c("gc_office").get(f"/api/v1/inspections/{on['id']}/evaluations").json["evaluations"]
    assert got[0]["unit_name"] == "古城县民生评估中心" and got[0]["score"] == 82


def test_the_roster_with_assignments_and_training(ins):
    office = ins.c("gc_office")
    r = office.post("/api/v1/inspectors", {"name": "马丽", "kind": "npc_deputy", "organisation": "县人大代表",
                                           "user_id": ins.user_id("gc_parttime")})
    assert r.status in (201, 409), r
    if r.status == 409:
        rid = next(i["id"] for i in office.get("/api/v1/inspectors").json["inspectors"] if i["name"] == "马丽")
    else:
        rid = r.json["id"]
    assert office.post("/api/v1/inspectors", {"name": "某", "kind": "wizard"}).status == 422
    r = office.post("/api/v1/inspectors", {"name": "赵参事", "kind": "counsellor", "organisation": "县政府参事室"})
    assert r.status == 201
    counsellor = r.json["id"]
    r = office.post(f"/api/v1/inspectors/{rid}/trainings", {"day": ins.day(-30), "title": "督查业务培训（暗访方法）", "hours": 4})
    assert r.status == 201 and r.json["trainings"][0]["hours"] == 4
    obj = ins.create()
    got = office.put(f"/api/v1/inspections/{obj['id']}/team",
                     {"leader_id": ins.user_id("gc_inspector"),
                      "members": [{"inspector_id": rid}, {"inspector_id": counsellor, "role": "outside", "note": "特邀"}]})
    assert got.status == 200, got
    roles = {m["name"]: (m["role"], m["kind"]) for m in got.json["team"]}
    assert roles["赵参事"] == ("outside", "counsellor") and roles["马丽"] == ("member", "npc_deputy")
    me = ins.c("gc_parttime").get("/api/v1/inspectors").json["inspectors"]
    assert [i["name"] for i in me] == ["马丽"]
    full = ins.c("gc_parttime").get(f"/api/v1/inspectors/{rid}").json
    assert any(a["inspection_id"] == obj["id"] for a in full["assignments"])
    assert ins.c("gc_parttime").get(f"/api/v1/inspectors/{counsellor}").status == 404
    assert ins.c("gc_parttime").post("/api/v1/inspectors", {"name": "x", "kind": "other"}).status == 403
    r = office.patch(f"/api/v1/inspectors/{counsellor}", {"active": False})
    assert r.status == 200 and not r.json["active"]
    r = office.put(f"/api/v1/inspections/{obj['id']}/team", {"members": [{"inspector_id": counsellor}]})
    assert r.status == 409 and "不在督查员名录的在册人员中" in msg(r)


def test_filing_outside_the_plan(ins):
    obj = ins.bring("opened")
    assert obj["needs_filing"] and "file" in obj["allowed_actions"]
    got = ins.act(obj["id"], "gc_office", "file").json
    assert got["filed_at"] and "file" not in got["allowed_actions"]
    ev = ins.c("gc_office").get(f"/api/v1/inspections/{obj['id']}/events").json["events"][-1]
    assert ev["data"]["filed_to"]["name"] == "临川市人民政府"
    assert obj["id"] in {i["id"] for i in ins.c("lc_office").get("/api/v1/inspections?filed=1&per_page=200").json["inspections"]}


def test_burden_counts_inspections_per_unit(ins):
    ins.bring("opened", targets=("gc-t2",))
    units = ins.c("gc_office").get(f"/api/v1/inspections/burden?year={YEAR}").json["units"]
    t2 = next(u for u in units if u["name"].endswith("岳阳镇人民政府"))
    assert t2["inspections"] >= 1


# ---- an escalated item becomes a proposal; the conclusion as an official document ----

def test_an_escalated_item_becomes_a_proposal_linked_both_ways(ins):
    from itemlib import Items
    items = Items(ins.server, clock=ins.clock)
    item = items.bring("in_progress")
    r = items.act(item["id"], "gc_office", "escalate", {"reason": "逾期未办结，报请县政府主要领导列入督查事项"})
    ev = [e for e in ins.c("gc_office").get(f"/api/v1/items/{item['id']}/events").json["events"] if e["action"] == "escalate"]
    insp_id = ev[-1]["data"]["inspection_id"]
    got = ins.get(insp_id)
    assert got["state"] == "draft" and got["basis"] == "proposal" and got["kind"] == "case"
    assert got["subject"].startswith(item["title"]) and [t["name"] for t in got["targets"]] == ["古城县交通运输局"]
    assert [o["kind"] for o in got["origins"]] == ["proposal", "item"] and got["origins"][1]["ref_id"] == item["id"]
    assert "submit" in got["allowed_actions"] and "open" not in got["allowed_actions"]
    # the office's reason is one sentence of the matters, whether or not it ends with a full stop
    assert got["matters"] == (f"督办事项{item['number']}《{item['title']}》列入督查事项：逾期未办结，报请县政府主要领导列入督查事项。"
                              "拟开展个案督查，查明未按期办结的原因，推动落实。")
    other = items.bring("in_progress", title="城南农贸市场周边交通秩序整治")
    items.act(other["id"], "gc_office", "escalate", {"reason": "整治进展缓慢，群众反映强烈。"})
    ev = [e for e in ins.c("gc_office").get(f"/api/v1/items/{other['id']}/events").json["events"] if e["action"] == "escalate"]
    matters = ins.get(ev[-1]["data"]["inspection_id"])["matters"]
    assert "群众反映强烈。拟开展个案督查" in matters and "。。" not in matters, matters
    linked = ins.c("gc_office").get(f"/api/v1/inspections?item_id={item['id']}").json["inspections"]
    assert [i["id"] for i in linked] == [insp_id]
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{insp_id}").status == 404  # a draft of the office


def test_the_conclusion_is_an_official_document(ins, tmp_path):
    import subprocess
    obj = ins.bring("concluded")
    oid = obj["id"]
    r = ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/conclusion.pdf")
    assert r.status == 200 and r.raw.startswith(b"%PDF") and r.headers["Content-Type"] == "application/pdf"
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(r.raw)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout.replace(" ", "")
    number = obj["conclusion"]["number"]
    for want in ("古城县人民政府督查室文件", number, "的督查结论", "古城县交通运输局：", "一、督查结论", "二、发现的问题和整改要求",
                 "燃气管网巡查记录缺失", "第十七条"):
        assert want in text, (want, text)
    assert "电子签章" in text  # the 督查室's seal pressed over the issuer and date
    assert ins.c("gc_contact2").get(f"/api/v1/inspections/{oid}/conclusion.pdf").status == 404
    assert ins.c("gc_office").get(f"/api/v1/inspections/{ins.bring('in_progress')['id']}/conclusion.pdf").status == 404
    rep = ins.c("gc_office").get(f"/api/v1/inspections/{oid}/report.pdf")
    assert rep.status == 200 and rep.raw.startswith(b"%PDF")
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}/report.pdf").status == 403


def test_targets_show_their_rectification_between_the_findings_and_the_conclusion(ins):
    """Between the findings and the conclusion a target has no state of its own (it acts only to sign for the
    conclusion): its work is its rectification tasks, which each target row counts."""
    oid = ins.bring("in_progress", subject="道路运输与建筑工地扬尘专项督查", targets=("gc-jt", "gc-zj"))["id"]
    ins.finding(oid, title="运输车辆未密闭")
    ins.finding(oid, title="渣土车夜间违规运输")

    def rect(user="gc_office"):
        return {t["name"]: (t["state"], t["rectification"]) for t in ins.get(oid, user)["targets"]}

    assert set(x[1] for x in rect().values()) == {None}  # nothing issued yet
    ins.act(oid, "gc_inspector", "submit_findings")
    assert set(x[1] for x in rect().values()) == {None}
    ins.act(oid, "gc_office", "issue_findings")
    jt, zj = "古城县交通运输局", "古城县住房和城乡建设局"
    assert rect() == {jt: (None, {"tasks": 2, "verified": 0}), zj: (None, {"tasks": 0, "verified": 0})}, rect()
    assert rect("gc_contact") == rect()  # the target's own people read the same
    first = ins.tasks(oid)[0]["id"]
    ins.finish_task(first)
    assert rect()[jt] == (None, {"tasks": 2, "verified": 1})
    # once concluded the target's own state shows; the tasks are still counted
    ins.act(oid, "gc_office", "issue_conclusion", {"text": "督查发现的问题已交办整改。"})
    assert rect()[jt] == ("concluded", {"tasks": 2, "verified": 1})
