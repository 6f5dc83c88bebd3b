"""The authorization matrix, generated from the route table: every route × every principal × an object in
the principal's own unit, in another unit of the same county, in another county, and anonymously. The
expected answer is declared next to each route (`access` in the route tables, the grammar in
src/api/req.h) and read with `ducha routes --json`; a route without a declaration, or with one that
leaves a principal out, fails here.

A route on a new kind of object needs a fixture maker below (World, resolve): the test says which one is
missing. Checks share one object per kind and relation; a route whose allowed request uses its object up
(deletes it, grants a role twice, reviews a report once) declares `fresh` and gets a new object for each
check it expects to be allowed.

DUCHA_AUTHZ_LEARN=1 prints the observed answers as declarations (to review, never to copy blindly)."""
import itertools
import json
import os
import re
import subprocess
import time
import warnings
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from cluelib import Public, jpeg, photos_settled
from conftest import BIN, PASSWORD, Clients, Server, uniq
from insplib import YEAR, yday
from itemlib import PATH, day

PRINCIPALS = ["top", "admin", "principal", "leader", "director", "deputy", "secretary", "office", "inspector",
              "parttime", "contact", "head", "evaluator"]
USER = {"top": "admin", "admin": "gc_admin", "principal": "gc_principal", "leader": "gc_leader",
        "director": "gc_director", "deputy": "gc_deputy", "secretary": "gc_secretary", "office": "gc_office",
        "inspector": "gc_inspector", "parttime": "gc_parttime", "contact": "gc_contact", "head": "gc_head",
        "evaluator": "gc_evaluator"}
RELATIONS = ["own", "other", "county"]
# where the object of each relation lives: a unit code, and the county's user prefix
PLACE = {"own": ("gc-jt", "gc"), "other": ("gc-zj", "gc"), "county": ("ap-jt", "ap")}
CLASS = {"A": "2xx", "R": "409/422 (state or input)", "F": "403", "N": "404", "U": "401"}
LEARN = os.environ.get("DUCHA_AUTHZ_LEARN") == "1"
ONLY = os.environ.get("DUCHA_AUTHZ_ONLY")  # a regular expression: check only the routes whose pattern matches
# a minimal JPEG (body=$jpeg): evidence uploads are checked by their content
JPEG = b"\xff\xd8\xff\xdb\x00\x04\x00\x00\xff\xda\x00\x02" + b"\x11\x22\x33" * 20 + b"\xff\xd9"


def classify(status):
    if 200 <= status < 300:
        return "A"
    if status in (400, 409, 413, 415, 422):
        return "R"
    return {401: "U", 403: "F", 404: "N"}.get(status, "!")


class Declaration:
    """One route's access declaration, parsed."""

    def __init__(self, text):
        self.expect = {}
        self.anon = "U"
        self.body = None
        self.params = {}
        self.query = ""
        self.state = None
        self.type = "application/json"
        self.fresh = False
        self.errors = []
        if not text or not text.strip():
            self.errors.append("no access declaration")
            return
        parts = [p.strip() for p in text.split(";")]
        named = set()
        for clause in parts[0].split():
            who, _, answers = clause.partition(":")
            if not re.fullmatch(r"[ARFNU]|[ARFNU]{3}", answers):
                self.errors.append(f"bad answers {answers!r} in {clause!r}")
                continue
            answers = answers * 3 if len(answers) == 1 else answers
            names = [p for p in PRINCIPALS if p not in named] if who == "*" else who.split(",")
            for n in names:
                if n not in PRINCIPALS:
                    self.errors.append(f"unknown principal {n!r}")
                    continue
                if n in named:
                    self.errors.append(f"{n} declared twice")
                named.add(n)
                for rel, letter in zip(RELATIONS, answers):
                    self.expect[(n, rel)] = letter
        missing = [p for p in PRINCIPALS if p not in named]
        if missing:
            self.errors.append("no answer for " + ", ".join(missing))
        for opt in parts[1:]:
            key, _, value = opt.partition("=")
            if opt == "fresh":
                self.fresh = True
            elif key == "anon":
                self.anon = value
            elif key == "body":
                self.body = value
            elif key == "query":
                self.query = value
            elif key == "state":
                self.state = value
            elif key == "type":
                self.type = value
            elif re.fullmatch(r"[a-z_]+", key):
                self.params[key] = value
            else:
                self.errors.append(f"bad option {opt!r}")


def routes():
    out = subprocess.run([BIN, "routes", "--json"], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_every_route_declares_who_gets_in():
    bad = []
    for r in routes():
        d = Declaration(r["access"])
        if r["cap"] == "public" and "anon=" not in (r["access"] or ""):
            d.errors.append("a public route must declare anon=")
        if d.errors:
            bad.append(f"{r['method']} {r['pattern']}: {'; '.join(d.errors)}")
    assert bad == [], "\n".join(bad)


# ---- the world: objects in the own unit, another unit and another county ----

class World(Clients):
    """Signed-in clients (c: the sessions that make the objects) and objects of every kind at each relation,
    made through the API."""

    unit_by = "admin"

    def __init__(self, server):
        super().__init__(server)
        self.probes = {}   # sessions that send the checked requests (a request may end its own session)
        self.ids = {}
        self.years = YEAR + 10  # plans of fresh years ($newyear)

    def probe(self, principal):
        if principal not in self.probes:
            self.probes[principal] = self.server.client(USER[principal])
        return self.probes[principal]

    def unit(self, rel):
        return super().unit(PLACE[rel][0])

    def user(self, rel):
        def find():
            name = {"own": "gc_contact", "other": "gc_contact2", "county": "ap_contact"}[rel]
            users = self.c("admin").get(f"/api/v1/users?q={name}").json["users"]
            return [u["id"] for u in users if u["username"] == name][0]
        return self.ids.setdefault(("user", rel), find())

    def new_unit(self, rel):
        r = self.c("admin").post("/api/v1/units", {"code": f"mx-{uniq()}", "name": "矩阵测试单位",
                                                   "kind": "department", "parent_id": self.unit(rel)})
        assert r.status == 201, r
        return r.json["id"]

    def new_user(self, rel):
        r = self.c("admin").post("/api/v1/users", {
            "username": f"mx{uniq()}", "name": "矩阵测试", "unit_id": self.unit(rel),
            "password": "Matrix2026x", "roles": [{"role": "contact", "unit_id": self.unit(rel)}]})
        assert r.status == 201, r
        return r.json["id"]

    def new_item(self, rel, state="in_progress"):
        """An item led by the relation's unit, moved by its county's users into state."""
        county = PLACE[rel][1]
        office = self.c(f"{county}_office")
        r = office.post("/api/v1/items", {"title": "矩阵测试事项", "requirement": "按期办理", "source_kind": "meeting",
                                          "lead_unit_id": self.unit(rel), "co_unit_ids": [], "due_date": day(60)})
        assert r.status == 201, r
        iid = r.json["id"]
        contact = {"own": "gc_contact", "other": "gc_contact2", "county": "ap_contact"}[rel]
        head = {"own": "gc_head", "other": "gc_head2", "county": "ap_head"}[rel]
        order = list(PATH)
        for s in order[1:order.index(state) + 1]:
            for user, action, body in PATH[s]:
                user = {"gc_contact": contact, "gc_head": head}.get(user, user).replace("gc_", f"{county}_", 1)
                if action == "report":
                    r = self.c(user).post(f"/api/v1/items/{iid}/reports", body)
                    assert r.status == 201, (user, action, r)
                else:
                    r = self.c(user).post(f"/api/v1/items/{iid}/actions/{action}", body)
                    assert r.status == 200, (user, action, r)
        return iid

    def item(self, rel, state="in_progress"):
        key = ("item", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_item(rel, state)
        return self.ids[key]

    def report(self, rel, iid):
        county = PLACE[rel][1]
        r = self.c(f"{county}_office").get(f"/api/v1/items/{iid}/reports")
        assert r.status == 200, r
        return r.json["reports"][0]["id"]

    def instruction(self, rel, iid):
        """A new pending leader's instruction (领导批示) on the item, recorded by its county's office."""
        county = PLACE[rel][1]
        r = self.c(f"{county}_office").post(f"/api/v1/items/{iid}/instructions",
                                            {"leader_name": "矩阵领导", "text": "矩阵批示", "instructed_on": day(-1)})
        assert r.status == 201, r
        return r.json["id"]

    def attachment(self, rel, iid):
        county = PLACE[rel][1]
        r = self.c(f"{county}_office").post(f"/api/v1/items/{iid}/attachments?filename=matrix.pdf",
                                            raw=b"%PDF-1.4\n%matrix\n", content_type="application/pdf")
        assert r.status == 201, r
        return r.json["id"]

    def milestone(self, rel, iid):
        county = PLACE[rel][1]
        r = self.c(f"{county}_office").get(f"/api/v1/milestones?item_id={iid}")
        assert r.status == 200 and r.json["milestones"], r
        return r.json["milestones"][0]["id"]

    def notify(self, user):
        """A test notification to user: {channel: id} of the in-app message and the e-mail queued."""
        key = ("notify", user)
        if key not in self.ids:
            r = self.c("admin").post("/api/v1/admin/notifications/test", {"username": user})
            assert r.status == 202, r
            self.ids[key] = {q["channel"]: q["id"] for q in r.json["queued"]}
        return self.ids[key]

    def message(self, rel, principal):
        """An in-app message: the principal's own, another user's of the county, another county's."""
        user = {"own": USER[principal], "other": "gc_contact2", "county": "ap_contact"}[rel]
        return self.notify(user)["inbox"]

    def outbox(self, rel):
        """An e-mail waiting in the outbox for a user of the relation's unit."""
        return self.notify({"own": "gc_contact", "other": "gc_contact2", "county": "ap_contact"}[rel])["email"]

    def grant(self, rel, uid):
        r = self.c("admin").get(f"/api/v1/users/{uid}")
        assert r.status == 200, r
        return r.json["roles"][0]["id"]

    def token(self, rel, uid):
        """A new API token of user uid (each revocation uses one up)."""
        r = self.c("admin").post(f"/api/v1/users/{uid}/tokens", {"name": "矩阵"})
        assert r.status == 201, r
        return r.json["id"]

    def signature(self, rel):
        key = ("signature", rel)
        if key not in self.ids:
            iid = self.new_item(rel, "completion_signed")  # the head's signature seals the reply
            recs = self.c("admin").get("/api/v1/audit?action=seal.sign&limit=200").json["records"]
            ids = [a["summary"]["signature_id"] for a in recs if a["summary"].get("object_id") == iid]
            assert ids, "no seal signature on a signed item"
            self.ids[key] = ids[0]
        return self.ids[key]

    # ---- inspections (#11): the county's office inspects the relation's unit ----

    def insp_people(self, rel):
        """(office, principal, team leader, the target unit's contact and head) of the relation."""
        county = PLACE[rel][1]
        if county == "gc":
            return ("gc_office", "gc_principal", "gc_inspector", {"own": "gc_contact", "other": "gc_contact2"}[rel],
                    {"own": "gc_head", "other": "gc_head2"}[rel])
        return ("ap_office", "ap_principal", self.ap_inspector(), "ap_contact", "ap_head")

    def ap_inspector(self):
        """安平县 has no inspector among the demo users: one is made (its office's team leader)."""
        if "ap_inspector" not in self.ids:
            gov = self.c("admin").unit_id("ap")
            r = self.c("admin").post("/api/v1/users", {
                "username": "ap_mx_inspector", "name": "矩阵督查员", "unit_id": gov, "password": PASSWORD,
                "roles": [{"role": "inspector", "unit_id": gov}]})
            assert r.status == 201, r
            c = self.server.client("ap_mx_inspector")  # a new account changes its password first
            r = c.put("/api/v1/session/password", {"old_password": PASSWORD, "new_password": "Matrix2026x"})
            assert r.status == 204, r
            self.clients["ap_mx_inspector"] = self.server.client("ap_mx_inspector", "Matrix2026x")
            self.ids["ap_inspector"] = "ap_mx_inspector"
        return self.ids["ap_inspector"]

    def insp_act(self, user, oid, action, body=None):
        r = self.c(user).post(f"/api/v1/inspections/{oid}/actions/{action}", body or {})
        assert r.status == 200, (user, action, r)

    def new_insp(self, rel, state="in_progress"):
        """An inspection of the relation's unit by its county's office, moved into state."""
        office, principal, leader, contact, head = self.insp_people(rel)
        r = self.c(office).post("/api/v1/inspections", {
            "subject": f"矩阵测试专项督查{uniq()}", "matters": "燃气管网隐患排查整治", "kind": "special",
            "methods": ["onsite"], "basis": "decision", "basis_ref": "常务会议纪要〔2026〕5号",
            "target_unit_ids": [self.unit(rel)], "start_date": yday(3, 2), "end_date": yday(3, 20),
            "scheme_content": "检查燃气管网巡查台账", "scheme_scope": "城区燃气经营企业"})
        assert r.status == 201, r
        oid = r.json["id"]
        if state == "draft":
            return oid
        self.insp_act(office, oid, "open")
        team = {"leader_id": self.c(leader).user["id"], "members": [],
                "evaluator_unit_ids": [self.c("admin").unit_id("gc-pg")] if PLACE[rel][1] == "gc" else []}
        if PLACE[rel][1] == "gc":
            team["members"] = [{"user_id": self.c("gc_parttime").user["id"]}]
        r = self.c(office).put(f"/api/v1/inspections/{oid}/team", team)
        assert r.status == 200, r
        if state == "opened":
            return oid
        self.insp_act(office, oid, "submit_scheme")
        self.insp_act(principal, oid, "approve_scheme")
        self.insp_act(office, oid, "start")
        if state == "in_progress":
            return oid
        self.new_finding(rel, oid)
        self.insp_act(leader, oid, "submit_findings")
        if state == "findings_submitted":
            return oid
        self.insp_act(office, oid, "issue_findings")
        if state == "findings_issued":
            return oid
        self.insp_act(office, oid, "issue_conclusion", {"text": "督查发现的问题已交办整改。"})
        if state == "concluded":
            return oid
        self.insp_act(head, oid, "receive_conclusion")
        assert state == "conclusion_received", state
        return oid

    def insp(self, rel, state="in_progress"):
        key = ("insp", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_insp(rel, state)
        return self.ids[key]

    def new_finding(self, rel, oid):
        leader = self.insp_people(rel)[2]
        r = self.c(leader).post(f"/api/v1/inspections/{oid}/findings", {
            "title": "燃气管网巡查记录缺失", "detail": "抽查3家企业，2家无巡查记录", "requirement": "建立巡查台账",
            "unit_id": self.unit(rel), "due_date": day(30)})
        assert r.status == 201, r
        return r.json["id"]

    def finding(self, rel, oid):
        key = ("finding", oid)
        if key not in self.ids:
            self.ids[key] = self.new_finding(rel, oid)
        return self.ids[key]

    def evidence(self, rel):
        key = ("evidence", rel)
        if key not in self.ids:
            oid, leader = self.insp(rel), self.insp_people(rel)[2]
            r = self.c(leader).request("POST", f"/api/v1/inspections/{oid}/evidence?filename=matrix.jpg", raw=JPEG,
                                       content_type="application/octet-stream")
            assert r.status == 201, r
            self.ids[key] = r.json["id"]
        return self.ids[key]

    def rect(self, rel):
        """The rectification task of an inspection whose findings were issued to the relation's unit."""
        key = ("rect", rel)
        if key not in self.ids:
            oid = self.insp(rel, "findings_issued")
            r = self.c(self.insp_people(rel)[0]).get(f"/api/v1/rectifications?inspection_id={oid}")
            assert r.status == 200 and r.json["tasks"], r
            self.ids[key] = r.json["tasks"][0]["id"]
        return self.ids[key]

    def review(self, rel):
        """A review of a conclusion asked for by the relation's unit's head (once received)."""
        key = ("review", rel)
        if key not in self.ids:
            oid = self.insp(rel, "conclusion_received")
            r = self.c(self.insp_people(rel)[4]).post(f"/api/v1/inspections/{oid}/reviews",
                                                      {"reason": "督查结论认定的问题与事实不符，申请复核"})
            assert r.status == 201, r
            self.ids[key] = r.json["id"]
        return self.ids[key]

    def plan(self, rel):
        """The county's annual inspection plan (one per office and year: own and other share it)."""
        key = ("plan", PLACE[rel][1])
        if key not in self.ids:
            r = self.c(self.insp_people(rel)[0]).post("/api/v1/plans", {"year": YEAR})
            assert r.status == 201, r
            self.ids[key] = r.json["id"]
        return self.ids[key]

    def entry(self, rel, pid):
        """A proposal for the plan by the relation's unit's head."""
        head = self.insp_people(rel)[4]
        r = self.c(head).post(f"/api/v1/plans/{pid}/entries", {
            "subject": f"矩阵测试提名{uniq()}", "kind": "special", "methods": ["onsite"],
            "organiser_unit_id": self.unit(rel),
            "target_unit_ids": [self.c("admin").unit_id(PLACE[rel][1] + "-t1")],
            "start_date": f"{YEAR}-05-01", "end_date": f"{YEAR}-05-20"})
        assert r.status == 201, r
        return r.json["id"]

    def inspector(self, rel):
        """A roster entry of the county's office."""
        key = ("inspector", PLACE[rel][1])
        if key not in self.ids:
            r = self.c(self.insp_people(rel)[0]).post("/api/v1/inspectors", {"name": "赵参事", "kind": "counsellor",
                                                                           "organisation": "县政府参事室"})
            assert r.status == 201, r
            self.ids[key] = r.json["id"]
        return self.ids[key]

    # ---- using the results (#12): the county's office drafts about the relation's unit ----

    def result_act(self, user, kind, oid, action, body=None):
        r = self.c(user).post(f"/api/v1/{kind}/{oid}/actions/{action}", body or {})
        assert r.status == 200, (user, kind, action, r)

    def new_result(self, rel, state="draft"):
        """A criticism of the relation's unit resting on an item it leads, taken by its county into state
        (draft, pending, approved or issued)."""
        office, principal = self.insp_people(rel)[:2]
        r = self.c(office).post("/api/v1/results", {
            "kind": "criticism", "title": "矩阵测试通报批评", "content": "矩阵测试：超期未办结",
            "unit_id": self.unit(rel), "item_ids": [self.item(rel)]})
        assert r.status == 201, r
        oid = r.json["id"]
        steps = [(office, "submit"), (principal, "approve"), (office, "issue")]
        for user, action in steps[:["draft", "pending", "approved", "issued"].index(state)]:
            self.result_act(user, "results", oid, action)
        return oid

    def result(self, rel, state="draft"):
        key = ("result", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_result(rel, state)
        return self.ids[key]

    def new_bulletin(self, rel, state="draft"):
        """A bulletin of the last 30 days whose scope is the relation's unit, by its county's office, taken
        into state (state 'public': issued and published to the public)."""
        office, principal = self.insp_people(rel)[:2]
        public = state == "public"
        state = "issued" if public else state
        r = self.c(office).post("/api/v1/bulletins", {"period_from": day(-30), "period_to": day(0),
                                                      "scope_unit_id": self.unit(rel), "public": public})
        assert r.status == 201, r
        oid = r.json["id"]
        steps = [(office, "submit"), (principal, "approve"), (office, "issue")]
        for user, action in steps[:["draft", "pending", "approved", "issued"].index(state)]:
            self.result_act(user, "bulletins", oid, action)
        return oid

    def bulletin(self, rel, state="draft"):
        key = ("bulletin", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_bulletin(rel, state)
        return self.ids[key]

    # ---- year-end scoring (#12): one card per government and year, so each card scores a year of its own ----

    card_years = itertools.count(2001)

    def new_scorecard(self, rel, state="draft"):
        """A scorecard of the relation's county (own and other share their county's), taken into state."""
        office, principal = self.insp_people(rel)[:2]
        r = self.c(office).post("/api/v1/scorecards", {"year": next(self.card_years)})
        assert r.status == 201, r
        oid = r.json["id"]
        steps = [(office, "submit"), (principal, "approve"), (office, "issue")]
        for user, action in steps[:["draft", "pending", "approved", "issued"].index(state)]:
            self.result_act(user, "scorecards", oid, action)
        return oid

    def scorecard(self, rel, state="draft"):
        key = ("scorecard", PLACE[rel][1], state)
        if key not in self.ids:
            self.ids[key] = self.new_scorecard(rel, state)
        return self.ids[key]

    # ---- objections to an issued scorecard (#12): one issued card per county whose units carry a pool of the
    # office's adjustments, each objected to at most once ----

    def objection_card(self, county):
        key = ("objection_card", county)
        if key not in self.ids:
            rel = "own" if county == "gc" else "county"
            office, principal = self.insp_people(rel)[:2]
            r = self.c(office).post("/api/v1/scorecards", {"year": next(self.card_years)})
            assert r.status == 201, r
            oid, pool = r.json["id"], {}
            for unit_rel in (("own", "other") if county == "gc" else ("county",)):
                pool[unit_rel] = []
                for k in range(10):
                    r = self.c(office).post(f"/api/v1/scorecards/{oid}/adjustments",
                                            {"unit_id": self.unit(unit_rel), "points": -1, "reason": f"矩阵调整{k}"})
                    assert r.status == 201, r
                    pool[unit_rel].append(max(a["id"] for a in r.json["adjustments"]))
            for user, action in ((office, "submit"), (principal, "approve"), (office, "issue")):
                self.result_act(user, "scorecards", oid, action)
            self.ids[key] = (oid, pool)
        return self.ids[key]

    def objection_target(self, rel, fresh=True):
        """(card, adjustment of the relation's unit on it) nobody objected to yet."""
        key = ("objection_target", rel)
        if fresh or key not in self.ids:
            card, pool = self.objection_card(PLACE[rel][1])
            target = (card, pool[rel].pop())
            if fresh:
                return target
            self.ids[key] = target
        return self.ids[key]

    def new_objection(self, rel, state="pending"):
        """An objection of the relation's unit (its head) to an adjustment, decided by its office unless pending."""
        card, adj = self.objection_target(rel)
        office, head = self.insp_people(rel)[0], self.insp_people(rel)[4]
        r = self.c(head).post(f"/api/v1/scorecards/{card}/objections", {"adjustment_id": adj, "reason": "矩阵异议"})
        assert r.status == 201, r
        oid = r.json["id"]
        if state != "pending":
            self.result_act(office, "objections", oid, {"upheld": "uphold", "rejected": "reject"}[state],
                            {"reason": "矩阵处理"})
        return oid

    def objection(self, rel, state="pending"):
        key = ("objection", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_objection(rel, state)
        return self.ids[key]

    # ---- clues (#18): a public report of the relation's county, sent for verification to its unit ----

    def new_clue(self, rel, state="verifying"):
        """(id, tracking code) of a clue from the public form (named reporter, one photo) about the relation's
        county, sent by its office to the relation's unit for verification unless state is received."""
        county = PLACE[rel][1]
        office = self.c(f"{county}_office")
        pub = Public(self.server.client())
        town = self.c("admin").unit_id(county + "-t1")
        fields = pub.fields(area_id=str(town), name="矩阵反映人", phone="13900000000", anonymous="0",
                            description=f"矩阵测试反映的问题{uniq()}：路灯损坏已有一个月无人维修。")
        out = pub.submit(fields, photos=[jpeg()]).json
        r = office.get(f"/api/v1/clues?q={urllib.parse.quote(out['number'])}")
        cid = [c["id"] for c in r.json["clues"] if c["number"] == out["number"]][0]
        if state == "verifying":
            summary = office.get(f"/api/v1/clues/{cid}").json["summary"]  # confirmed by the office
            r = office.post(f"/api/v1/clues/{cid}/actions/assign", {"unit_id": self.unit(rel), "due_date": day(10),
                                                                    "summary": summary})
            assert r.status == 200, r
        return cid, out["tracking_code"]

    def clue(self, rel, state="verifying", fresh=False):
        key = ("clue", rel, state)
        if fresh:
            return self.new_clue(rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_clue(rel, state)
        return self.ids[key]

    def clue_photo(self, rel, cid):
        clue = photos_settled(self.c(f"{PLACE[rel][1]}_office"), cid)  # stored by the photo worker
        assert clue["photos"] and clue["photos"][0]["state"] == "ready", clue["photos"]
        return clue["photos"][0]["id"]

    # ---- surveys (#18): a questionnaire of the relation's county (own and other share 古城县's) ----

    def new_survey(self, rel, state="draft"):
        """(id, link key) of a token-mode survey built by the county's office, opened unless state is draft."""
        office = self.c(f"{PLACE[rel][1]}_office")
        r = office.post("/api/v1/surveys", {"title": f"矩阵测试问卷{uniq()}", "mode": "token",
                                            "closes_on": day(30), "questions": [
                                                {"kind": "scale", "text": "您对办理结果满意吗", "required": True}]})
        assert r.status == 201, r
        if state in ("open", "closed"):
            assert office.post(f"/api/v1/surveys/{r.json['id']}/actions/open", {}).status == 200
        if state == "closed":
            assert office.post(f"/api/v1/surveys/{r.json['id']}/actions/close", {}).status == 200
        return r.json["id"], r.json["link_key"]

    def survey(self, rel, state="draft", fresh=False):
        if fresh:
            return self.new_survey(rel, state)
        key = ("survey", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_survey(rel, state)
        return self.ids[key]

    # ---- third-party evaluation (#18): an engagement of the relation's unit, 古城县's with its evaluator ----

    def new_evaluation(self, rel, state="engaged"):
        """An engagement by the county's office of the relation's unit for one of its items; 古城县's engage
        古城县民生评估中心 (安平县 has no evaluator: its engagement stays a draft, out of 古城县's sight anyway)."""
        office = self.c(f"{PLACE[rel][1]}_office")
        body = {"title": f"矩阵测试评估{uniq()}", "period_start": day(-30), "period_end": day(0),
                "due_date": day(20), "objects": [{"kind": "item", "id": self.item(rel)}], "unit_ids": [self.unit(rel)],
                "indicators": [{"name": "落实情况", "max_score": 100}]}
        if rel != "county":
            body["evaluator_unit_id"] = self.c("admin").unit_id("gc-pg")
        r = office.post("/api/v1/evaluations", body)
        assert r.status == 201, r
        eid = r.json["id"]
        if state != "draft" and rel != "county":
            assert office.post(f"/api/v1/evaluations/{eid}/actions/engage", {}).status == 200
        return eid

    def evaluation(self, rel, state="engaged", fresh=False):
        if fresh:
            return self.new_evaluation(rel, state)
        key = ("evaluation", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_evaluation(rel, state)
        return self.ids[key]

    def evaluation_evidence(self, rel):
        """A photo the evaluator uploaded about the relation's unit (安平县: none, an id nobody sees)."""
        key = ("evaluation_evidence", rel)
        if key not in self.ids:
            if rel == "county":
                self.ids[key] = 999999999
            else:
                eid = self.evaluation(rel)
                r = self.c("gc_evaluator").request(
                    "POST", f"/api/v1/evaluations/{eid}/units/{self.unit(rel)}/evidence?filename=matrix.jpg", raw=JPEG,
                    content_type="application/octet-stream")
                assert r.status == 201, r
                self.ids[key] = r.json["id"]
        return self.ids[key]


    # ---- evaluator organisations (#18): registered by the relation's county office (gc: own and other) ----

    def new_evaluator_org(self, rel, state="active"):
        office = self.c(f"{PLACE[rel][1]}_office")
        r = office.post("/api/v1/evaluator-orgs", {"name": f"矩阵评估机构{uniq()}"})
        assert r.status == 201, r
        oid = r.json["id"]
        if state == "suspended":
            assert office.post(f"/api/v1/evaluator-orgs/{oid}/suspend", {"reason": "矩阵测试"}).status == 200
        return oid

    def evaluator_org(self, rel, state="active", fresh=False):
        if fresh:
            return self.new_evaluator_org(rel, state)
        key = ("evaluator_org", rel, state)
        if key not in self.ids:
            self.ids[key] = self.new_evaluator_org(rel, state)
        return self.ids[key]

    def evaluator_org_user(self, rel, org):
        """An account of the organisation, opened by the office that registered it."""
        key = ("evaluator_org_user", org)
        if key not in self.ids:
            r = self.c(f"{PLACE[rel][1]}_office").post(f"/api/v1/evaluator-orgs/{org}/users", {
                "username": f"matrix_eval_{uniq()}", "name": "矩阵评估员", "password": "Matrix-Eval-2026!"})
            assert r.status == 201, r
            self.ids[key] = r.json["id"]
        return self.ids[key]


    # ---- grassroots contact points (基层联系点): the relation's unit designated by its county's office ----

    def new_contact_point(self, unit, rel):
        r = self.c(f"{PLACE[rel][1]}_office").post("/api/v1/contact-points", {"unit_id": unit,
                                                                              "focus": f"矩阵测试联系重点{uniq()}"})
        assert r.status == 201, r
        return r.json["id"]

    def contact_point(self, rel, fresh=False):
        """The point at the relation's unit itself (its liaison officer and head report through it); fresh: one at a
        new unit below it, for the office's changes that use a point up."""
        if fresh:
            return self.new_contact_point(self.new_unit(rel), rel)
        key = ("contact_point", rel)
        if key not in self.ids:
            self.ids[key] = self.new_contact_point(self.unit(rel), rel)
        return self.ids[key]


    def visit(self, rel, point, fresh=False):
        """A draft research visit at the point, its report written (the office may submit it)."""
        key = ("visit", point)
        if fresh or key not in self.ids:
            r = self.c(f"{PLACE[rel][1]}_office").post(f"/api/v1/contact-points/{point}/visits", {
                "topic": f"矩阵调研{uniq()}", "start_date": day(0), "end_date": day(0), "team": "矩阵调研组",
                "situation": "矩阵情况", "analysis": "矩阵分析", "suggestions": "矩阵建议"})
            assert r.status == 201, r
            if fresh:
                return r.json["id"]
            self.ids[key] = r.json["id"]
        return self.ids[key]


def resolve(world, route, decl, principal, rel, fresh):
    """The path, query and body of the route's request for (principal, relation)."""
    pattern = route["pattern"]
    values = {}
    item = None

    def insp_id():
        nonlocal item
        if item is None:
            state = decl.state or "in_progress"
            item = world.new_insp(rel, state) if fresh else world.insp(rel, state)
        return item

    clue = None

    def clue_of():
        nonlocal clue
        if clue is None:
            clue = world.clue(rel, decl.state or "verifying", fresh)
        return clue

    def item_id():
        nonlocal item
        if item is None:
            item = world.new_item(rel, decl.state or "in_progress") if fresh else world.item(rel, decl.state or
                                                                                              "in_progress")
        return item

    target = None

    def fill(text):
        nonlocal target
        if "$objcard" in text or "$adjustment" in text:
            target = target or world.objection_target(rel, fresh)
            text = text.replace("$objcard", str(target[0])).replace("$adjustment", str(target[1]))
        out = text.replace("$uniq", uniq())
        out = out.replace("$unitcode", PLACE[rel][0])
        out = out.replace("$username", {"own": "gc_contact", "other": "gc_contact2", "county": "ap_contact"}[rel])
        out = out.replace("$now", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        while "$newyear" in out:
            world.years += 1
            out = out.replace("$newyear", str(world.years), 1)
        out = out.replace("$year", str(YEAR)).replace("$today", day(0)).replace("$due", day(30))
        if "$town" in out:
            out = out.replace("$town", str(world.c("admin").unit_id(PLACE[rel][1] + "-t1")))
        if "$newunit" in out:
            out = out.replace("$newunit", str(world.new_unit(rel)))
        if "$unit" in out:
            out = out.replace("$unit", str(world.unit(rel)))
        if "$user" in out:
            out = out.replace("$user", str(world.user(rel)))
        if "$item" in out:
            out = out.replace("$item", str(item_id()))
        return out

    for name in re.findall(r"\{(\w+)\}", pattern):
        before = pattern.split("{" + name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
        if name in decl.params:
            values[name] = fill(decl.params[name])
        elif (before, name) == ("units", "id"):
            values[name] = world.new_unit(rel) if fresh else world.unit(rel)
        elif (before, name) == ("users", "id"):
            values[name] = world.new_user(rel) if fresh else world.user(rel)
        elif (before, name) == ("items", "id"):
            values[name] = item_id()
        elif (before, name) == ("contact-points", "id"):
            values[name] = world.contact_point(rel, fresh)
        elif (before, name) == ("visits", "vid"):
            values[name] = world.visit(rel, values["id"], fresh)
        elif (before, name) == ("reports", "rid"):
            values[name] = world.report(rel, item_id())
        elif (before, name) == ("instructions", "iid"):
            values[name] = world.instruction(rel, item_id())
        elif (before, name) == ("attachments", "id"):
            values[name] = world.attachment(rel, item_id())
        elif (before, name) == ("milestones", "id"):
            values[name] = world.milestone(rel, item_id())
        elif (before, name) == ("inbox", "id"):
            values[name] = world.message(rel, principal)
        elif (before, name) == ("outbox", "id"):
            values[name] = world.outbox(rel)
        elif (before, name) == ("roles", "grant"):
            values[name] = world.grant(rel, values["id"])
        elif (before, name) == ("tokens", "token"):
            values[name] = world.token(rel, values["id"])
        elif (before, name) == ("signatures", "id"):
            values[name] = world.signature(rel)
        elif (before, name) == ("inspections", "id"):
            values[name] = insp_id()
        elif (before, name) == ("findings", "fid"):
            values[name] = world.new_finding(rel, values["id"]) if fresh else world.finding(rel, values["id"])
        elif (before, name) == ("evidence", "id"):
            values[name] = world.evidence(rel)
        elif (before, name) == ("rectifications", "id"):
            values[name] = world.rect(rel)
        elif (before, name) == ("reviews", "id"):
            values[name] = world.review(rel)
        elif (before, name) == ("plans", "id"):
            values[name] = world.plan(rel)
        elif (before, name) == ("entries", "eid"):
            values[name] = world.entry(rel, values["id"])
        elif (before, name) == ("inspectors", "id"):
            values[name] = world.inspector(rel)
        elif (before, name) == ("results", "id"):
            state = decl.state or "draft"
            values[name] = world.new_result(rel, state) if fresh else world.result(rel, state)
        elif (before, name) == ("bulletins", "id"):
            state = decl.state or "draft"
            values[name] = world.new_bulletin(rel, state) if fresh else world.bulletin(rel, state)
        elif (before, name) == ("scorecards", "id"):
            state = decl.state or "draft"
            values[name] = world.new_scorecard(rel, state) if fresh else world.scorecard(rel, state)
        elif (before, name) == ("objections", "id"):
            state = decl.state or "pending"
            values[name] = world.new_objection(rel, state) if fresh else world.objection(rel, state)
        elif (before, name) == ("units", "unit"):
            values[name] = world.unit(rel)
        elif (before, name) == ("clues", "id"):
            values[name] = clue_of()[0]
        elif (before, name) == ("clues", "code"):
            values[name] = clue_of()[1]
        elif (before, name) == ("surveys", "id"):
            values[name] = world.survey(rel, decl.state or "draft", fresh)[0]
        elif (before, name) == ("surveys", "key"):
            values[name] = world.survey(rel, "open")[1]
        elif (before, name) == ("evaluations", "id"):
            values[name] = world.evaluation(rel, decl.state or "engaged", fresh)
        elif (before, name) == ("evaluator-orgs", "id"):
            values[name] = world.evaluator_org(rel, decl.state or "active", fresh)
        elif (before, name) == ("users", "user") and "/evaluator-orgs/" in pattern:
            values[name] = world.evaluator_org_user(rel, values["id"])
        elif (before, name) == ("evaluation-evidence", "id"):
            values[name] = world.evaluation_evidence(rel)
        elif (before, name) == ("photos", "photo"):
            values[name] = world.clue_photo(rel, values["id"])
        else:
            pytest.fail(f"no fixture for {{{name}}} in {pattern}: add one to World/resolve, or declare {name}=VALUE")
    path = re.sub(r"\{(\w+)\}", lambda m: urllib.parse.quote(str(values[m.group(1)]), safe=""), pattern)
    query = fill(decl.query)
    body = fill(decl.body) if decl.body else None
    return path + ("?" + query if query else ""), body


def send(client, method, path, body, content_type, server):
    if method == "GET" and body is None:
        try:
            return client.request(method, path)
        except ConnectionResetError as e:
            # Seen twice in whole `make test` runs, under a load of ~20 on 2 cores, never alone (also not under 14
            # busy loops): one connection of the ~20,000 of this sweep reset before its reply. A read is asked once
            # more (it changes nothing; a write is not), and the reset reported with the server's lines about its
            # connections, so that the cause can be found; the answer is still checked against the declaration
            lines = [x for x in server.output().splitlines() if " http: " in x][-20:]
            warnings.warn(f"{method} {path}: {e!r}; the server's connection lines: {lines}")
            return client.request(method, path)
    if body is None:
        return client.request(method, path)
    if body == "$jpeg":
        return client.request(method, path, raw=JPEG, content_type=content_type)
    return client.request(method, path, raw=body.encode(), content_type=content_type)


@pytest.fixture(scope="module")
def world(backend):
    s = Server(backend.new_db(), env={"DUCHA_SMTP_URL": "smtp://127.0.0.1:9", "DUCHA_SCHEDULER": "false"})
    w = World(s)
    yield w
    s.stop()


def test_every_route_answers_every_principal_as_declared(world):
    table = routes()
    mismatches, learned = [], []
    started = time.time()
    for r in table:
        if ONLY and not re.search(ONLY, r["pattern"]):
            continue
        decl = Declaration(r["access"])
        if decl.errors and not LEARN:
            continue  # reported by test_every_route_declares_who_gets_in
        mutating = r["method"] != "GET"
        observed = {}
        # the objects first (one at a time: they are made through the API), then the checks in parallel
        # (a thread per principal, each with its own session)
        plan = {}
        for principal in PRINCIPALS:
            for rel in RELATIONS:
                want = decl.expect.get((principal, rel), "?")
                plan[(principal, rel)] = (want, *resolve(world, r, decl, principal, rel, decl.fresh and want == "A"))

        session_route = r["pattern"].startswith("/api/v1/session") and mutating

        def check(principal):
            for rel in RELATIONS:
                want, path, body = plan[(principal, rel)]
                # a request that may end its own session gets a session of its own
                client = world.server.client(USER[principal]) if session_route else world.probe(principal)
                resp = send(client, r["method"], path, body, decl.type, world.server)
                got = classify(resp.status)
                observed[(principal, rel)] = got
                if not LEARN and got != want:
                    mismatches.append(f"{r['method']} {r['pattern']} as {principal} on {rel}: "
                                      f"declared {CLASS.get(want, want)}, got {CLASS.get(got, got)} ({path}: "
                                      f"{resp.error if resp.status >= 400 else resp.status})")

        for principal in PRINCIPALS:
            world.probe(principal)  # signed in before the threads start
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(check, PRINCIPALS))
        path, body = resolve(world, r, decl, "top", "own", False)
        anon = classify(send(world.server.client(), r["method"], path, body, decl.type, world.server).status)
        if not LEARN and anon != decl.anon:
            mismatches.append(f"{r['method']} {r['pattern']} anonymously: declared {CLASS.get(decl.anon)}, got "
                              f"{CLASS.get(anon, anon)}")
        if LEARN:
            groups = {}
            for p in PRINCIPALS:
                groups.setdefault("".join(observed[(p, rel)] for rel in RELATIONS), []).append(p)
            clauses = " ".join(f"{','.join(ps)}:{a[0] if len(set(a)) == 1 else a}" for a, ps in groups.items())
            learned.append(f"{r['method']:6} {r['pattern']:45} {clauses}; anon={anon}")
    if LEARN:
        print("\n" + "\n".join(learned))
    print(f"\n{len(table)} routes x {len(PRINCIPALS)} principals x {len(RELATIONS)} objects + anonymous in "
          f"{time.time() - started:.0f} s")
    assert mismatches == [], f"{len(mismatches)} answers differ from the declarations:\n" + "\n".join(mismatches)
