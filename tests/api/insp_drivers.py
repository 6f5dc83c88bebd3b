"""The generic workflow tests' drivers for the four inspection workflows (plan, inspection,
rectification, review): how to bring a fresh object into each state with the demo users of 古城县, who
takes a row, how to satisfy a row's condition, and what an action's body needs beyond the table's
required members (the id of a proposal, of the inspection to merge into, the scope of a widening); and,
for the to-do matrix, the parts of an object that may wait on someone and the demo users at each place."""
from insplib import ACTOR, CAPS, YEAR, Insp, yday
from itemlib import day

# the demo users holding each role at the home (古城县人民政府) and at the units the drivers' objects touch
HOME = {"office": ["gc_office"], "principal": ["gc_principal"], "leader": ["gc_leader"], "director": ["gc_director"],
        "deputy": ["gc_deputy"], "secretary": ["gc_secretary"]}
UNITS = {"gc-jt": {"contact": ["gc_contact"], "head": ["gc_head"]},
         "gc-zj": {"contact": ["gc_contact2"], "head": ["gc_head2"]},
         "gc-t1": {"contact": ["gc_town"]}, "gc-pg": {"evaluator": ["gc_evaluator"]}}
STARTED = {"in_progress", "findings_submitted", "findings_issued", "concluded", "conclusion_received", "closed"}


class _Base:
    previous = None
    caps = CAPS

    def __init__(self, server):
        self.ins = Insp(server)

    def c(self, user):
        return self.ins.c(user)

    def actor(self, row):
        return ACTOR[(row["cap"], row["role"])]

    def body_for(self, wf, action):
        req = next(a for a in wf["actions"] if a["name"] == action)["requires"]
        return {k: self.BODY[k] for k in req}

    def allowed(self, obj):
        return set(obj["allowed_actions"]) | set(obj.get("unit_actions", []))

    def status(self, oid, user):
        return self.c(user).get(self.PATH.format(oid)).status

    def get(self, oid, user="gc_office"):
        r = self.c(user).get(self.PATH.format(oid))
        assert r.status == 200, (user, r)
        return r.json

    def act(self, oid, user, action, body, expect=200):
        r = self.c(user).post(self.PATH.format(oid) + f"/actions/{action}", self.complete(oid, action, dict(body)))
        if expect is not None:
            assert r.status == expect, (user, action, r)
        return r

    def complete(self, oid, action, body):
        return body

    def events(self, oid):
        return self.c("gc_office").get(self.PATH.format(oid) + "/events").json["events"]

    def visible(self, user, state):
        return True

    def holds_by_default(self, condition):
        return True

    # ---- for the to-do matrix ----

    def bring_shared(self, state):
        return self.bring(state)

    def people(self, who, part):
        if who["at"] == "home":
            return set(HOME.get(who["role"], []))
        if who["at"] == "part":
            return set(UNITS.get(part["unit"], {}).get(who["role"], [])) if part else set()
        if who["at"] == "person":
            return {self.PERSONS[who["person"]]}
        if who["at"] == "part_person":
            return {part["person"]} if part and part.get("person") else set()
        raise AssertionError(who)

    def condition(self, obj, name):
        raise AssertionError(name)

    def concerned(self, row, before, user):
        """The part a row concerns: the object's one unit part for the unit's own rows."""
        if row["scope"] == self.name:
            return None
        return next(p for p in self.parts(before) if p["kind"] == row["scope"])

    def code(self, unit_id):
        for code in UNITS:
            if self.ins.unit(code) == unit_id:
                return code
        return str(unit_id)


class PlanDriver(_Base):
    name = "plan"
    PATH = "/api/v1/plans/{}"
    BODY = {"reason": "请补充说明", "text": "备注", "entry_id": 0, "into_id": 0}

    def __init__(self, server):
        super().__init__(server)
        self.year = YEAR + 6  # one plan per office and year: every plan a year of its own, two apart
        self.entries = {}

    def _plan(self):
        self.year += 2
        assert self.year <= 2100
        r = self.c("gc_office").post("/api/v1/plans", {"year": self.year})
        assert r.status == 201, r
        return r.json

    def _propose(self, plan, subject):
        body = {"subject": subject, "kind": "special", "methods": ["onsite"],
                "organiser_unit_id": self.ins.unit("gc-jt"), "target_unit_ids": [self.ins.unit("gc-t1")],
                "start_date": f"{plan['year']}-04-01", "end_date": f"{plan['year']}-04-20"}
        r = self.c("gc_head").post(f"/api/v1/plans/{plan['id']}/entries", body)
        assert r.status == 201, r
        return r.json["id"]

    def bring(self, state, entries=0):
        plan = self._plan()
        pid = plan["id"]
        self.entries[pid] = [self._propose(plan, f"乡镇道路养护专项督查{i}") for i in range(entries)]
        if state != "drafting":
            self.act(pid, "gc_office", "submit", {})
        if state in ("approved", "filed"):
            self.act(pid, "gc_principal", "approve", {})
        if state == "filed":
            self.act(pid, "gc_office", "file", {})
        return self.get(pid)

    def complete(self, oid, action, body):
        ids = self.entries.get(oid) or [0, 0]
        if "entry_id" in body:
            body["entry_id"] = ids[0] or 1
        if "into_id" in body:
            body["into_id"] = (ids[1] if len(ids) > 1 else 0) or 2
        return body

    def holds_by_default(self, condition):
        return condition != "pending_entry"

    def bring_satisfying(self, state, condition):
        assert condition == "pending_entry" and state == "drafting", (state, condition)
        return self.bring(state, entries=2)

    def parts(self, obj):
        """The departments' proposals not yet decided (each waits on the office)."""
        return [{"kind": "entry", "id": e["id"], "state": "pending", "unit": self.code(e["organiser"]["id"])}
                for e in obj["entries"] if e["state"] == "proposed"]


class InspectionDriver(_Base):
    name = "inspection"
    PATH = "/api/v1/inspections/{}"
    BODY = {"reason": "情况说明", "text": "督查结论：总体落实较好，存在的问题已交办整改。", "approve": True, "into_id": 0}

    def bring(self, state, **kw):
        return self.ins.bring(state, **kw)

    def complete(self, oid, action, body):
        if action in ("merge", "join"):
            body["into_id"] = self.ins.create(subject="城区燃气安全专项督查（另一项）")["id"]
        if action == "request_widening":
            body["scope"] = "扩大至城区加油加气站"
        return body

    def visible(self, user, state):
        """The target's users see an announced inspection once it started."""
        if user in ("gc_contact", "gc_head"):
            return state in STARTED
        return True

    def holds_by_default(self, condition):
        return condition not in ("covert", "pending_widening", "report_draft", "closable")

    def bring_satisfying(self, state, condition):
        if condition == "covert":
            return self.bring(state, covert=True)
        obj = self.bring(state)
        oid = obj["id"]
        if condition == "pending_widening":
            self.act(oid, "gc_office", "request_widening", {"reason": "发现相关问题涉及加油加气站"})
        elif condition == "report_draft":
            r = self.c("gc_office").put(f"/api/v1/inspections/{oid}/report", {"text": "督查报告：情况如下……"})
            assert r.status == 200, r
        elif condition == "closable":
            for t in self.ins.tasks(oid):
                self.ins.finish_task(t["id"])
        else:
            raise AssertionError(condition)
        return self.get(oid)

    PERSONS = {"team leader": "gc_inspector"}  # Insp.team's default leader

    def bring_shared(self, state):
        """Two targets (交通运输局 with the finding, 住建局 without) and an engaged evaluator: one target's
        receipt of the conclusion reaches that target alone; the team and the evaluator wait while it runs."""
        kw = {"targets": ("gc-jt", "gc-zj"), "evaluators": ("gc-pg",)}
        if state not in ("conclusion_received", "closed"):
            return self.bring(state, **kw)
        obj = self.bring("concluded", **kw)
        oid = obj["id"]
        self.act(oid, "gc_head", "receive_conclusion", {})
        self.act(oid, "gc_head2", "receive_conclusion", {})
        if state == "closed":
            for t in self.ins.tasks(oid):
                self.ins.finish_task(t["id"])
            self.c("gc_office").put(f"/api/v1/inspections/{oid}/report", {"text": "督查报告正文：问题已全部整改到位。"})
            self.act(oid, "gc_office", "close", {})
        obj = self.get(oid)
        assert obj["state"] == state, obj
        return obj

    def parts(self, obj):
        """The targets; a pending widening; while under way, the team members on the ground (not the
        leader) and the engaged evaluators whose evaluation is not in."""
        oid = obj["id"]
        out = [{"kind": "target", "id": t["id"], "state": t["state"] or obj["state"], "unit": t["code"]}
               for t in obj["targets"]]
        if obj["pending_widening"]:
            out.append({"kind": "widening", "id": obj["pending_widening"], "state": "pending", "unit": None})
        if obj["state"] == "in_progress":
            users = {self.ins.user_id(u): u for u in ("gc_inspector", "gc_parttime")}
            leader = (obj["team_leader"] or {}).get("id")
            done = {e["unit_id"] for e in
                    self.c("gc_office").get(f"/api/v1/inspections/{oid}/evaluations").json["evaluations"]}
            for m in obj["team"]:
                if m["user_id"] and m["user_id"] != leader and m["role"] != "evaluator":
                    out.append({"kind": "member", "id": m["id"], "state": "pending", "unit": None,
                                "person": users.get(m["user_id"])})
                if m["role"] == "evaluator" and m["unit_id"] and m["unit_id"] not in done:
                    out.append({"kind": "engagement", "id": m["id"], "state": "pending", "unit": self.code(m["unit_id"])})
        return out

    def condition(self, obj, name):
        if name == "self_authorised":
            return obj["basis"] != "proposal"
        if name in ("overt", "covert"):
            return obj["covert"] == (name == "covert")
        if name == "closable":
            tasks = self.ins.tasks(obj["id"])
            reviews = self.c("gc_office").get(f"/api/v1/inspections/{obj['id']}/reviews").json["reviews"]
            return all(t["state"] in ("verified", "withdrawn") for t in tasks) and \
                all(r["state"] in ("decided", "rejected", "withdrawn") for r in reviews)
        raise AssertionError(name)

    def concerned(self, row, before, user):
        if row["scope"] == self.name:
            return None
        mine = {"gc_head": "gc-jt", "gc_contact": "gc-jt", "gc_head2": "gc-zj", "gc_contact2": "gc-zj"}[user]
        return next(p for p in self.parts(before) if p["kind"] == "target" and p["unit"] == mine)


class RectificationDriver(_Base):
    name = "rectification"
    PATH = "/api/v1/rectifications/{}"
    BODY = {"reason": "整改不到位，请重新整改", "text": "已完成整改", "percent": 60}
    STEPS = [("rectifying", "gc_contact", "receive", {}),
             ("signing", "gc_contact", "submit", {"text": "已建立巡查台账"}),
             ("submitted", "gc_head", "sign", {}),
             ("verified", "gc_office", "verify", {"text": "经核查已整改到位"})]

    def bring(self, state):
        insp = self.ins.bring("findings_issued")
        tid = self.ins.tasks(insp["id"])[0]["id"]
        if state == "withdrawn":
            self.act(tid, "gc_office", "withdraw", {"reason": "复核决定撤销"})
        for to, user, action, body in self.STEPS:
            if state in ("assigned", "withdrawn"):
                break
            self.act(tid, user, action, body)
            if to == state:
                break
        return self.get(tid)

    def parts(self, obj):
        """The one responsible unit."""
        return [{"kind": "unit", "id": obj["id"], "state": obj["state"], "unit": obj["unit"]["code"]}]


class ReviewDriver(_Base):
    name = "review"
    PATH = "/api/v1/reviews/{}"
    BODY = {"reason": "撤回申请", "text": "经复核，维持原督查结论。", "result": "upheld"}

    def bring(self, state):
        insp = self.ins.bring("conclusion_received")
        rid = self.ins.review(insp["id"])["id"]
        if state in ("accepted", "decided"):
            self.act(rid, "gc_office", "accept", {})
        if state == "decided":
            self.act(rid, "gc_principal", "decide", {"result": "upheld", "text": "维持"})
        if state == "rejected":
            self.act(rid, "gc_office", "reject", {"reason": "不属于复核范围"})
        if state == "withdrawn":
            self.act(rid, "gc_head", "withdraw", {"reason": "撤回"})
        return self.get(rid)

    def parts(self, obj):
        """The requesting unit."""
        return [{"kind": "unit", "id": obj["id"], "state": obj["state"], "unit": self.code(obj["unit"]["id"])}]


DRIVERS = {d.name: d for d in (PlanDriver, InspectionDriver, RectificationDriver, ReviewDriver)}
