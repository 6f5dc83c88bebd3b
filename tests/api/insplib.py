"""Helpers shared by the inspection API tests: creating plans, inspections, rectification tasks and
reviews, and walking them through their workflows with the demo roles of 古城县.

Inspections are dated two years ahead by default (YEAR): a year whose previous year holds no record,
so that no total cap applies unless a test wants one (test_inspections_caps sets its own)."""

from conftest import Clients, uniq
from itemlib import ServerClock, today

YEAR = today().year + 2


def yday(month, dom):
    return f"{YEAR}-{month:02d}-{dom:02d}"


def burden_check(client, body, expect=200):
    """POST /api/v1/inspections/burden-check (减负: an inspection's targets, or request "item"): the answer's JSON
    when expect is 200, else the response (a refusal)."""
    r = client.post("/api/v1/inspections/burden-check", body)
    assert r.status == expect, (body, r)
    return r.json if expect == 200 else r


def refuses_fields(client, path, cases):
    """Each (body, field) of cases POSTed to path is refused with 422 naming the field."""
    for body, field in cases:
        r = client.post(path, body)
        assert r.status == 422 and r.error.get("field") == field, (body, r)


def new_department(h, code, name, parent="gc"):
    """A department of its own under the unit `parent` (code and name made unique), so that nobody else's
    inspections or items count on it; h: Items or Insp."""
    r = h.c("admin").post("/api/v1/units", {"code": f"{code}-{uniq()}", "name": f"{name}{uniq()}",
                                            "kind": "department", "parent_id": h.unit(parent)})
    assert r.status == 201, r
    return r.json


def cap_setting_checked(h, field, cap, bad, words):
    """A burden cap of the inspection settings (field, set to cap by the module, 0 before): the bad values are
    refused with 422 naming it in Chinese (words), an office may not set it, nothing changed, and the change
    to cap is audited."""
    admin = h.c("admin")
    for value in bad:
        r = admin.put("/api/v1/inspections/settings", {field: value})
        assert r.status == 422 and r.error.get("field") == field, (value, r)
        assert words in r.error["message"], r
    assert h.c("gc_office").put("/api/v1/inspections/settings", {field: 9}).status == 403
    assert admin.get("/api/v1/inspections/settings").json[field] == cap  # nothing changed
    recs = admin.get("/api/v1/audit?action=inspection.settings&limit=20").json["records"]
    assert any(r["summary"]["after"][field] == cap and r["summary"]["before"][field] == 0 for r in recs), recs


# the demo user who takes each kind of row, by (capability, role), for every inspection workflow
ACTOR = {
    ("insp_manage", "any"): "gc_office",
    ("insp_approve", "any"): "gc_principal",
    ("insp_decide", "any"): "gc_principal",
    ("insp_field", "any"): "gc_inspector",
    ("insp_read", "any"): "gc_secretary",
    ("rect_handle", "any"): "gc_contact",
    ("rect_handle", "head"): "gc_head",
}

# what each demo user holds at 古城县 (core/perm.c) for the inspection workflows: (capabilities, role).
# gc_parttime and gc_evaluator are left out: they hold capabilities only where they are named (team,
# engagement), which the generic comparison of allowed_actions by role cannot express; their own tests
# cover them.
CAPS = {
    "gc_office": ({"insp_read", "insp_manage", "insp_propose"}, "office"),
    "gc_principal": ({"insp_read", "insp_approve", "insp_decide"}, "principal"),
    "gc_leader": ({"insp_read", "insp_decide"}, "leader"),
    "gc_director": ({"insp_read"}, "director"),
    "gc_secretary": ({"insp_read"}, "secretary"),
    "gc_inspector": ({"insp_read", "insp_field"}, "inspector"),
}


class Insp(Clients, ServerClock):
    """Signed-in clients per demo user and helpers on one server; clock: as Items' (itemlib.ServerClock)."""

    unit_by = "admin"

    def __init__(self, server, clock=None):
        Clients.__init__(self, server)
        ServerClock.__init__(self, clock)

    def move_clock(self, now):
        """The server's test clock to the ISO instant now; the sessions idle since are gone: sign in again."""
        r = self.server.client("admin").put("/api/v1/admin/clock", {"now": now})
        assert r.status == 200, r
        self.clients.clear()

    def user_id(self, username):
        return self.c(username).user["id"]

    # ---- inspections ----

    def create(self, subject="城区燃气安全专项督查", targets=("gc-jt",), user="gc_office", expect=201, **kw):
        body = {"subject": subject, "matters": kw.pop("matters", "燃气管网隐患排查整治、餐饮场所燃气报警装置安装"),
                "kind": kw.pop("kind", "special"), "methods": kw.pop("methods", ["onsite"]),
                "basis": kw.pop("basis", "decision"),
                "basis_ref": kw.pop("basis_ref", "古城县人民政府常务会议纪要〔2026〕5号"),
                "target_unit_ids": [self.unit(t) for t in targets],
                "start_date": kw.pop("start_date", yday(3, 2)), "end_date": kw.pop("end_date", yday(3, 20)),
                "scheme_content": kw.pop("scheme_content", "检查燃气管网巡查、隐患整改台账和现场安全状况"),
                "scheme_scope": kw.pop("scheme_scope", "城区燃气经营企业和重点餐饮场所")}
        body.update(kw)
        body = {k: v for k, v in body.items() if v is not None}
        r = self.c(user).post("/api/v1/inspections", body)
        if expect is not None:
            assert r.status == expect, r
        return r.json if r.status == 201 else r

    def act(self, oid, user, action, body=None, expect=200):
        r = self.c(user).post(f"/api/v1/inspections/{oid}/actions/{action}", body or {})
        if expect is not None:
            assert r.status == expect, (user, action, r)
        return r

    def get(self, oid, user="gc_office"):
        r = self.c(user).get(f"/api/v1/inspections/{oid}")
        assert r.status == 200, (user, r)
        return r.json

    def team(self, oid, leader="gc_inspector", members=("gc_parttime",), evaluators=(), user="gc_office"):
        body = {"leader_id": self.user_id(leader) if leader else None,
                "members": [{"user_id": self.user_id(m)} for m in members],
                "evaluator_unit_ids": [self.unit(u) for u in evaluators]}
        r = self.c(user).put(f"/api/v1/inspections/{oid}/team", body)
        assert r.status == 200, r
        return r.json

    def finding(self, oid, user="gc_inspector", unit="gc-jt", **kw):
        body = {"title": kw.pop("title", "燃气管网巡查记录缺失"), "detail": kw.pop("detail", "抽查3家企业，2家无巡查记录"),
                "requirement": kw.pop("requirement", "建立巡查台账并逐项整改"), "unit_id": self.unit(unit),
                "due_date": kw.pop("due_date", self.day(30))}
        body.update(kw)
        r = self.c(user).post(f"/api/v1/inspections/{oid}/findings", body)
        assert r.status == 201, r
        return r.json

    def bring(self, state, covert=False, evaluators=(), rebound=False, **kw):
        """A fresh inspection (basis decision, target 交通运输局) in `state`."""
        if state == "proposed":
            obj = self.create(basis="proposal", basis_ref="", **kw)
            self.act(obj["id"], "gc_office", "submit")
            return self.get(obj["id"])
        methods = ["onsite", "covert"] if covert else ["onsite"]
        obj = self.create(methods=kw.pop("methods", methods), **kw)
        oid = obj["id"]
        if state == "draft":
            return obj
        if state == "withdrawn":
            self.act(oid, "gc_office", "withdraw", {"reason": "与其他督查重复"})
            return self.get(oid)
        if state == "merged":
            other = self.create(subject="城区燃气安全专项督查（合并）")
            self.act(oid, "gc_office", "merge", {"into_id": other["id"]})
            return self.get(oid)
        self.act(oid, "gc_office", "open")
        self.team(oid, evaluators=evaluators)
        if state == "opened":
            return self.get(oid)
        self.act(oid, "gc_office", "submit_scheme")
        if state == "scheme_submitted":
            return self.get(oid)
        self.act(oid, "gc_principal", "approve_scheme")
        if state == "scheme_approved":
            return self.get(oid)
        self.act(oid, "gc_office", "start_covert" if covert else "start")
        if state == "in_progress":
            return self.get(oid)
        self.finding(oid, rebound=rebound)
        self.act(oid, "gc_inspector", "submit_findings")
        if state == "findings_submitted":
            return self.get(oid)
        self.act(oid, "gc_office", "issue_findings")
        if state == "findings_issued":
            return self.get(oid)
        self.act(oid, "gc_office", "issue_conclusion", {"text": "督查发现的问题已交办整改，总体落实较好。"})
        if state == "concluded":
            return self.get(oid)
        self.act(oid, "gc_head", "receive_conclusion")
        if state == "conclusion_received":
            return self.get(oid)
        for t in self.tasks(oid):
            self.finish_task(t["id"])
        self.c("gc_office").put(f"/api/v1/inspections/{oid}/report", {"text": "督查报告正文：问题已全部整改到位。"})
        self.act(oid, "gc_office", "close")
        assert state == "closed", state
        return self.get(oid)

    # ---- rectification tasks ----

    def tasks(self, oid, user="gc_office"):
        r = self.c(user).get(f"/api/v1/rectifications?inspection_id={oid}")
        assert r.status == 200, r
        return r.json["tasks"]

    def rect(self, tid, user="gc_office"):
        r = self.c(user).get(f"/api/v1/rectifications/{tid}")
        assert r.status == 200, (user, r)
        return r.json

    def ract(self, tid, user, action, body=None, expect=200):
        r = self.c(user).post(f"/api/v1/rectifications/{tid}/actions/{action}", body or {})
        if expect is not None:
            assert r.status == expect, (user, action, r)
        return r

    def finish_task(self, tid, head="gc_head", contact="gc_contact"):
        self.ract(tid, contact, "receive")
        self.ract(tid, contact, "submit", {"text": "已建立巡查台账，隐患全部整改"})
        self.ract(tid, head, "sign")
        self.ract(tid, "gc_office", "verify", {"text": "经核查，已整改到位"})

    # ---- reviews ----

    def review(self, oid, user="gc_head", reason="督查结论认定的问题与事实不符，申请复核", expect=201):
        r = self.c(user).post(f"/api/v1/inspections/{oid}/reviews", {"reason": reason})
        if expect is not None:
            assert r.status == expect, r
        return r.json if r.status == 201 else r

    def vact(self, rid, user, action, body=None, expect=200):
        r = self.c(user).post(f"/api/v1/reviews/{rid}/actions/{action}", body or {})
        if expect is not None:
            assert r.status == expect, (user, action, r)
        return r
