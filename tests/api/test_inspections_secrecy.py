"""Unannounced inspections (暗访) stay secret: until the findings are issued, the users of the inspected
units see nothing of one — not in any list, count, search, to-do, notification, statistic, export,
audit-log view or error message; a direct link answers exactly like an id that does not exist.

The test enumerates every route of the route table (`ducha routes`): it reads every GET route as each
target-unit user before the unannounced inspection exists and again once it is well under way (team,
field records, evidence, drafted findings, a pending widening, a secret plan entry), and the two must be
the same; it calls every route that names an inspection object with the secret object's ids and with ids
that do not exist, as each of those users, and the answers must be the same. Two cases: the county's
office inspects one of its departments (the department's contact and head), and the city's office
inspects the county government itself (a user of every role in the county). Then the findings are issued
and the same reads show the inspection — the test can tell."""
import json
import re
import subprocess

import pytest

from conftest import BIN
from insplib import YEAR, Insp, yday
from test_inspections_flow import jpeg_with_gps

MARK = "暗访标记七号"
NOT_THERE = 987654321

COUNTY_TARGET_USERS = ["gc_contact", "gc_head"]
# every role held in 古城县 (admin, principal, leader, director, deputy, secretary, office, inspector,
# parttime, contact, head, evaluator): all of them are users of the inspected government
CITY_TARGET_USERS = ["gc_admin", "gc_principal", "gc_leader", "gc_director", "gc_deputy", "gc_secretary", "gc_office",
                     "gc_inspector", "gc_parttime", "gc_contact", "gc_head", "gc_contact2", "gc_head2", "gc_town",
                     "gc_evaluator"]

# values for path parameters other than the object ids under test
DEFAULTS = {"id": "1", "action": "comment", "rid": "1", "eid": "1", "fid": "1", "grant": "1", "file": "notice.pdf",
            "year": str(YEAR), "key": "x", "name": "x", "code": "x", "photo": "1",
            "unit": "1", "vid": "1"}


def routes():
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True).stdout
    return [(line.split()[0], line.split()[1]) for line in out.splitlines() if line.strip()]


def fill(pattern, values):
    return re.sub(r"\{([a-z_]+)\}", lambda m: str(values.get(m.group(1), DEFAULTS[m.group(1)])), pattern)


def normal(r):
    """What a response says, without what changes by itself (the clock: "time", and the session's "now")."""
    if not (r.headers.get("Content-Type") or "").startswith("application/json"):
        return (r.status, r.headers.get("Content-Type"))  # files carry their own timestamps
    body = json.loads(r.raw) if r.raw else None
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("time", "now")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return (r.status, json.dumps(strip(body), sort_keys=True, ensure_ascii=False))


def extra_reads(ins, target):
    """The list reads with filters a user of the target would try."""
    u = ins.unit(target)
    return [f"/api/v1/inspections?unit_id={u}", f"/api/v1/inspections?q={MARK}", "/api/v1/inspections?mine=1",
            f"/api/v1/inspections?year={YEAR}&per_page=200", "/api/v1/inspections?basis=decision",
            f"/api/v1/inspections/burden?year={YEAR}", f"/api/v1/inspections/burden?year={YEAR}&unit_id={u}",
            f"/api/v1/inspections/caps?year={YEAR}", f"/api/v1/plans?year={YEAR}", "/api/v1/rectifications",
            f"/api/v1/rectifications?unit_id={u}", "/api/v1/reviews", "/api/v1/inbox?limit=200",
            "/api/v1/audit?limit=500", f"/api/v1/audit?object_type=inspection&limit=500", "/api/v1/inspectors?all=1"]


AUDIT_TRAIL_SIZE = ("/api/v1/audit/verify", "/api/v1/audit/checkpoints")


def snapshot(ins, users, target):
    """Every GET route (ids at their defaults) and the filtered list reads, as each user. Not compared: the
    administrators' own routes, /api/v1/audit/verify and /api/v1/audit/checkpoints, whose record count and
    signed tree sizes are the length of the whole chain (every action anywhere in the system lengthens it,
    and the sealer signs a new checkpoint when it likes; they name nothing)."""
    gets = [fill(p, {}) for m, p in routes() if m == "GET"] + extra_reads(ins, target)
    for u in users:
        ins.c(u)  # everyone signed in first: a sign-in is itself an audit record
    snap = {}
    for u in users:
        c = ins.c(u)
        for path in gets:
            if "/admin/" in path or path.endswith(".zip") or path in AUDIT_TRAIL_SIZE:
                continue
            # a clue's reporter is an audited read: reading it adds a record the second snapshot would see
            if path.endswith("/reporter"):
                continue
            snap[(u, path)] = normal(c.get(path))
    return snap


def same_as_missing(ins, users, ids):
    """Every route that names an inspection object, called with the secret ids and with missing ones."""
    bodies = {"POST": {}, "PUT": {}, "PATCH": {}, "DELETE": None}
    checked = 0
    for method, pattern in routes():
        if not re.search(r"/(inspections|evidence|plans)/\{id\}", pattern):
            continue
        kind = "evidence" if pattern.startswith("/api/v1/evidence") else "plan" if "/plans/" in pattern else "inspection"
        if kind == "plan" and "{eid}" not in pattern:
            continue
        secret = fill(pattern, {"id": ids[kind], "fid": ids["finding"], "eid": ids["entry"], "action": "comment"})
        missing = fill(pattern, {"id": NOT_THERE if kind != "plan" else ids["plan"], "fid": NOT_THERE,
                                 "eid": NOT_THERE, "action": "comment"})
        for u in users:
            c = ins.c(u)
            a = c.request(method, secret, bodies.get(method))
            b = c.request(method, missing, bodies.get(method))
            assert normal(a) == normal(b), (u, method, pattern, a, b)
            assert a.status >= 400, (u, method, pattern, a)
            checked += 1
    return checked


def county_covert(ins):
    """A county office's 暗访 of 交通运输局, under way with all its papers."""
    obj = ins.create(subject=f"城区燃气安全暗访（{MARK}）", methods=["onsite", "covert"], start_date=yday(3, 2),
                     end_date=yday(3, 20))
    oid = obj["id"]
    ins.act(oid, "gc_office", "open")
    ins.team(oid, evaluators=("gc-pg",))
    ins.act(oid, "gc_office", "submit_scheme")
    ins.act(oid, "gc_principal", "approve_scheme")
    ins.act(oid, "gc_office", "start_covert")
    ins.act(oid, "gc_office", "comment", {"text": f"注意保密（{MARK}）"})
    r = ins.c("gc_parttime").post(f"/api/v1/inspections/{oid}/records",
                                  {"place": f"城关镇{MARK}", "seen": "现场所见", "unit_id": ins.unit("gc-jt")})
    assert r.status == 201, r
    ev = ins.c("gc_parttime").request("POST", f"/api/v1/inspections/{oid}/evidence?filename=a.jpg", raw=jpeg_with_gps(),
                                      content_type="application/octet-stream").json
    f = ins.finding(oid, title=f"问题（{MARK}）")
    ins.act(oid, "gc_office", "request_widening", {"reason": f"扩大（{MARK}）", "scope": "扩大"})
    return oid, ev["id"], f["id"]


def test_a_county_offices_unannounced_inspection_of_a_department(server):
    ins = Insp(server)
    office = ins.c("gc_office")
    plan = office.post("/api/v1/plans", {"year": YEAR}).json
    ins.bring("in_progress")  # an announced one exists: the lists are not empty
    before = snapshot(ins, COUNTY_TARGET_USERS, "gc-jt")

    oid, eid, fid = county_covert(ins)
    entry = office.post(f"/api/v1/plans/{plan['id']}/entries",
                        {"subject": f"交通运输领域暗访（{MARK}）", "kind": "special", "methods": ["covert"],
                         "organiser_unit_id": ins.unit("gc"), "target_unit_ids": [ins.unit("gc-jt")],
                         "start_date": yday(9, 1), "end_date": yday(9, 10)}).json
    after = snapshot(ins, COUNTY_TARGET_USERS, "gc-jt")
    changed = [k for k in before if before[k] != after[k]]
    assert not changed, [(k, before[k], after[k]) for k in changed[:3]]
    assert not any(MARK in after[k][1] for k in after if isinstance(after[k][1], str))
    ids = {"inspection": oid, "evidence": eid, "finding": fid, "plan": plan["id"], "entry": entry["id"]}
    assert same_as_missing(ins, COUNTY_TARGET_USERS, ids) > 40
    # the duplicate check does not name it to them either
    probe = {"subject": f"城区燃气安全暗访（{MARK}）", "target_unit_ids": [ins.unit("gc-jt")], "start_date": yday(3, 1),
             "end_date": yday(3, 31)}
    for u in COUNTY_TARGET_USERS:
        found = ins.c(u).post("/api/v1/inspections/duplicates", probe).json["duplicates"]
        assert oid not in {d["id"] for d in found if d["kind"] == "inspection"} and MARK not in json.dumps(found)
    # the office side and the team see it
    assert MARK in ins.c("gc_inspector").get(f"/api/v1/inspections/{oid}").raw.decode()
    assert oid in {d["id"] for d in ins.c("gc_office").post("/api/v1/inspections/duplicates", probe).json["duplicates"]}

    # the findings are issued: the secret ends, and the same reads show it (the test can tell)
    ins.act(oid, "gc_inspector", "submit_findings")
    ins.act(oid, "gc_office", "issue_findings")
    issued = snapshot(ins, COUNTY_TARGET_USERS, "gc-jt")
    assert MARK in issued[("gc_contact", "/api/v1/inspections")][1]
    assert issued[("gc_head", "/api/v1/inspections/burden?year=%d&unit_id=%d" % (YEAR, ins.unit("gc-jt")))] != \
        after[("gc_head", "/api/v1/inspections/burden?year=%d&unit_id=%d" % (YEAR, ins.unit("gc-jt")))]
    assert ins.c("gc_contact").get(f"/api/v1/inspections/{oid}").status == 200


def test_a_city_offices_unannounced_inspection_of_the_county(server):
    ins = Insp(server)
    city = ins.c("lc_office")
    before = snapshot(ins, CITY_TARGET_USERS, "gc")
    r = city.post("/api/v1/inspections", {"subject": f"县级政府作风暗访（{MARK}）", "matters": MARK, "kind": "special",
                                          "methods": ["covert"], "basis": "decision", "basis_ref": "临川市政府常务会议",
                                          "target_unit_ids": [ins.unit("gc")], "start_date": yday(4, 1),
                                          "end_date": yday(4, 10), "scheme_content": MARK, "scheme_scope": MARK})
    assert r.status == 201, r
    oid = r.json["id"]
    city.post(f"/api/v1/inspections/{oid}/actions/open", {})
    city.put(f"/api/v1/inspections/{oid}/team", {"leader_id": ins.user_id("lc_office")})
    city.post(f"/api/v1/inspections/{oid}/actions/comment", {"text": MARK})
    after = snapshot(ins, CITY_TARGET_USERS, "gc")
    changed = [k for k in before if before[k] != after[k]]
    assert not changed, [(k, before[k], after[k]) for k in changed[:3]]
    ids = {"inspection": oid, "evidence": NOT_THERE - 1, "finding": NOT_THERE - 1, "plan": 1, "entry": NOT_THERE - 1}
    assert same_as_missing(ins, CITY_TARGET_USERS, ids) > 200
    # no one of the county may be put on its team
    r = city.put(f"/api/v1/inspections/{oid}/team", {"members": [{"user_id": ins.user_id("gc_inspector")}]})
    assert r.status == 409 and "回避" in r.error["message"]
    # a county inspection like it: its duplicates do not name the city's secret one
    mine = ins.create(subject=f"县级政府作风督查（{MARK}）", matters=MARK, targets=("gc-jt",), start_date=yday(4, 1),
                      end_date=yday(4, 10))
    assert all(d["id"] != oid for d in mine["duplicates"])
    assert ins.c("lc_office").get(f"/api/v1/inspections/{oid}").status == 200


def test_the_demos_unannounced_visit_is_invisible_to_the_township(server):
    """The demo data's 暗访 of 城关镇 (under way): its township's user sees nothing of it, its team does."""
    ins = Insp(server)
    office = ins.c("gc_office").get("/api/v1/inspections?q=人居环境整治暗访&per_page=50").json["inspections"]
    visit = [i for i in office if i["covert"] and i["state"] == "in_progress"]
    assert len(visit) == 1, office
    oid = visit[0]["id"]
    town = ins.c("gc_town")
    assert oid not in {i["id"] for i in town.get("/api/v1/inspections?per_page=200").json["inspections"]}
    assert "人居环境整治暗访" not in town.get("/api/v1/inspections?q=暗访").raw.decode()
    assert normal(town.get(f"/api/v1/inspections/{oid}")) == normal(town.get(f"/api/v1/inspections/{NOT_THERE}"))
    assert ins.c("gc_parttime").get(f"/api/v1/inspections/{oid}").status == 200
