"""How the generic workflow tests (test_workflows.py, test_todos_matrix.py) reach the objects of each
registered workflow: one driver per workflow name. A driver knows how to bring a fresh object into a
state with the demo users, which demo user takes a row of a given (capability, role), who holds which
capabilities, how to satisfy a row's condition, and which demo users stand at each place of the object
(its home and its tracks' units) for the to-do matrix. A workflow the server registers without a driver
here fails the generic tests: a new module adds its driver with its table."""
import datetime
import itertools

from cluelib import Clues
from evallib import Evals
from itemlib import ACTOR, BEIJING, ORDER, PATH, Items, day
from surveylib import Surveys

# what each demo user holds at 古城县 (core/perm.c), as (capabilities, role)
GC_CAPS = {
    "gc_office": ({"item_register", "item_review", "item_read"}, "office"),
    "gc_deputy": ({"item_approve", "item_review", "item_read"}, "deputy"),
    "gc_director": ({"item_approve", "item_review", "item_read"}, "director"),
    "gc_leader": ({"item_decide", "item_press", "item_read"}, "leader"),
    "gc_principal": ({"item_decide", "item_press", "item_read"}, "principal"),
    "gc_secretary": ({"item_review", "item_read"}, "secretary"),
    "gc_contact": ({"item_handle", "item_read"}, "contact"),
    "gc_head": ({"item_handle", "item_sign", "item_read"}, "head"),
}

# every demo user that might wrongly receive a to-do or a message (both counties, the city, other units)
ALL_USERS = ["lc_office", "gc_admin", "gc_principal", "gc_leader", "gc_director", "gc_deputy", "gc_secretary",
             "gc_office", "gc_inspector", "gc_parttime", "gc_contact", "gc_head", "gc_contact2", "gc_head2",
             "gc_town", "gc_evaluator", "ap_admin", "ap_office", "ap_deputy", "ap_director", "ap_contact", "ap_head"]


class ItemDriver:
    """Supervision items (itemlib does the walking)."""

    name = "item"
    # the states a fresh item is brought into, and where `previous` (resume) leads back to
    previous = "in_progress"
    # body members that satisfy every field an action may require
    BODY = {"reason": "情况说明", "text": "办理情况", "new_date": day(200), "plan_date": day(90), "grade": "良好",
            "approve": True, "percent": 50}
    caps = GC_CAPS
    # the demo users holding each role at each place of an item of 古城县 with lead 交通运输局 and co 住建局
    HOME = {"office": ["gc_office"], "deputy": ["gc_deputy"], "director": ["gc_director"],
            "secretary": ["gc_secretary"], "leader": ["gc_leader"], "principal": ["gc_principal"]}
    UNITS = {"gc-jt": {"contact": ["gc_contact"], "head": ["gc_head"]},
             "gc-zj": {"contact": ["gc_contact2"], "head": ["gc_head2"]}}
    PERSONS = {"leader in charge": "gc_leader"}

    def __init__(self, server):
        self.it = Items(server)

    def c(self, user):
        return self.it.c(user)

    def bring(self, state, **kw):
        return self.it.bring(state, **kw)

    def bring_shared(self, state):
        """Like bring, but the item has a co unit (住建局) whose track keeps pace with the lead's: the to-do
        matrix then sees that one unit's action reaches that unit alone."""
        co = {"gc_contact": "gc_contact2", "gc_head": "gc_head2"}
        item = self.it.create(co=("gc-zj",))
        target = {"withdrawn": "draft", "suspended": "in_progress"}.get(state, state)
        for s in ORDER[1:ORDER.index(target) + 1]:
            for user, action, body in PATH[s]:
                self.act(item["id"], user, action, body)
                if user in co:
                    self.act(item["id"], co[user], action, body)
        if state == "withdrawn":
            self.act(item["id"], "gc_office", "withdraw", {"reason": "重复立项"})
        if state == "suspended":
            self.act(item["id"], "gc_leader", "suspend", {"reason": "等待汛期结束"})
        item = self.get(item["id"])
        assert item["state"] == state, item
        return item

    def actor(self, row):
        return ACTOR[(row["cap"], row["role"])]

    def get(self, oid, user="gc_office"):
        return self.it.get(oid, user)

    def act(self, oid, user, action, body, expect=200):
        return self.it.act(oid, user, action, body, expect=expect)

    def body_for(self, wf, action):
        req = next(a for a in wf["actions"] if a["name"] == action)["requires"]
        return {k: self.BODY[k] for k in req}

    def status(self, oid, user):
        """The HTTP status of reading the object as user."""
        return self.c(user).get(f"/api/v1/items/{oid}").status

    def allowed(self, obj):
        return set(obj["allowed_actions"]) | {a for t in obj["tracks"] for a in t["allowed_actions"]}

    def visible(self, user, state):
        """Units see an item once it is assigned."""
        before = {"draft", "submitted", "deputy_approved", "approved", "withdrawn"}
        return not (user in ("gc_contact", "gc_head") and state in before)

    def holds_by_default(self, condition):
        """Does a row's condition hold on a freshly brought object?"""
        return condition != "pending_extension"

    def bring_satisfying(self, state, condition):
        """A fresh object in `state` on which `condition` holds. pending_extension: a unit asked for more
        time — the co unit (its track received, the lead's still assigned) for an assigned item; before
        the completion request for completion_requested."""
        assert condition == "pending_extension", condition
        ext = {"reason": "汛期施工受限", "new_date": day(150)}
        if state == "assigned":
            obj = self.bring("assigned", co=("gc-zj",))
            self.act(obj["id"], "gc_contact2", "receive", {})
            self.act(obj["id"], "gc_contact2", "request_extension", ext)
        elif state == "completion_requested":
            obj = self.bring("in_progress")
            self.act(obj["id"], "gc_contact", "request_extension", ext)
            self.act(obj["id"], "gc_contact", "request_completion", {"text": "已按要求办结"})
        else:
            obj = self.bring(state)
            self.act(obj["id"], "gc_contact", "request_extension", ext)
        obj = self.get(obj["id"])
        assert obj["state"] == state and obj["pending_extension"], obj
        return obj

    # ---- for the to-do matrix ----

    def parts(self, obj):
        """The parts that may wait on someone: tracks, the pending extension (while with the units), the
        reports waiting for review (until the item is closed); each with the code of its unit."""
        code = {t["id"]: t["unit_code"] for t in obj["tracks"]}
        out = [{"kind": "track", "id": t["id"], "state": t["state"], "unit": t["unit_code"]} for t in obj["tracks"]]
        ext = obj.get("pending_extension")
        if ext and obj["state"] in ("assigned", "received", "in_progress", "completion_requested", "completion_signed"):
            out.append({"kind": "extension", "id": ext["id"], "state": "pending", "unit": code.get(ext["track_id"])})
        if obj["state"] not in ("completed", "archived", "withdrawn"):
            units = {t["unit_id"]: t["unit_code"] for t in obj["tracks"]}
            for r in self.c("gc_office").get(f"/api/v1/items/{obj['id']}/reports").json["reports"]:
                if r["review"] == "pending":
                    out.append({"kind": "report", "id": r["id"], "state": "pending", "unit": units[r["unit_id"]]})
        return out

    def people(self, who, part):
        """The demo users a who entry names for an item of 古城县 (lead 交通运输局, co 住建局)."""
        if who["at"] == "home":
            return set(self.HOME.get(who["role"], []))
        if who["at"] == "part":
            return set(self.UNITS.get(part["unit"], {}).get(who["role"], [])) if part else set()
        if who["at"] == "person":
            return {self.PERSONS[who["person"]]} if self.leader else set()
        raise AssertionError(who)

    leader = False  # itemlib's items have no leader in charge unless created with one

    def condition(self, obj, name):
        return {"major": obj["importance"] == "major", "pending_extension": bool(obj.get("pending_extension")),
                "no_pending_extension": not obj.get("pending_extension"), "not_escalated": not obj["escalated"]}[name]

    def concerned(self, row, before, user):
        """The part an action concerns: the actor's own track, or the track whose extension is decided."""
        parts = self.parts(before)
        if row["scope"] == "track":
            mine = {"gc_contact": "gc-jt", "gc_head": "gc-jt", "gc_contact2": "gc-zj", "gc_head2": "gc-zj"}[user]
            return next(p for p in parts if p["kind"] == "track" and p["unit"] == mine)
        if row["action"] == "decide_extension":
            ext = next(p for p in parts if p["kind"] == "extension")
            return next(p for p in parts if p["kind"] == "track" and p["unit"] == ext["unit"])
        return None

    def events(self, oid):
        return [e for e in self.c("gc_office").get(f"/api/v1/items/{oid}/events").json["events"]
                if e["kind"] not in ("notice", "reminder")]


RESULT_PATH = {
    "draft": [],
    "pending": [("gc_office", "submit", {})],
    "approved": [("gc_principal", "approve", {})],
    "issued": [("gc_office", "issue", {})],
    "held": [("gc_office", "record_talk", {"record": "约谈记录：局长表态一周内完成整改"})],
    "closed": [("gc_office", "follow_up", {"text": "已整改到位"})],
}


def beijing_date(instant):
    """The Beijing date of an ISO instant the API returns (UTC)."""
    return datetime.datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(BEIJING).date().isoformat()


def result_todos(d, user, oid):
    """The user's to-dos about one result record."""
    r = d.c(user).get("/api/v1/todos?kind=result&limit=200")
    assert r.status == 200, r
    return [t for t in r.json["todos"] if t["object_id"] == oid]


def result_inbox(d, user, oid):
    """The user's messages about one result record."""
    r = d.c(user).get("/api/v1/inbox?limit=200")
    assert r.status == 200, r
    return [m for m in r.json["messages"] if m["object_type"] == "result" and m["object_id"] == oid]


def result_body(it, kind, item_id, **kw):
    """A draft of the given kind about 交通运输局, resting on item_id."""
    body = {"kind": kind, "title": "关于城区道路拥堵治理推进不力的" + {"praise": "通报表扬", "criticism": "通报批评",
            "talk": "约谈", "accountability": "问责建议", "referral": "移送",
            "tolerance": "容错认定", "advice": "政策建议"}[kind],
            "content": "经督查，该局在城区道路拥堵治理中进度滞后，多次催办仍未按期完成。",
            "unit_id": it.unit("gc-jt"), "item_ids": [item_id]}
    if kind == "talk":
        body.update(person="何振华（交通运输局局长）", talk_by="王建国（县长）", talk_at=day(7) + " 09:30",
                    talk_place="县政府第三会议室")
    if kind == "accountability":
        body.update(person="何振华", recipient="县纪委监委")
    if kind == "referral":
        body.update(referral_to="supervision", recipient="县监察委员会")
    body.update(kw)
    return body


class ResultDriver:
    """Praise, criticism, talks, accountability proposals and referrals (src/results): a talk about
    交通运输局 resting on one assigned item unless a condition asks for another kind."""

    name = "result"
    path = "/api/v1/results"  # get, act, status and events of this family of drivers go through it
    previous = None
    BODY = {"reason": "情况说明", "record": "约谈记录：已当面指出问题", "text": "已整改到位",
            "rectification": "已对照通报逐项整改：拥堵路段已完成信号灯配时优化"}
    caps = {u: (set(cs) | {"gc_office": {"result_draft"}, "gc_principal": {"result_approve"},
                           "gc_contact": {"rect_handle"}, "gc_head": {"rect_handle"}}.get(u, set()), role)
            for u, (cs, role) in GC_CAPS.items()}
    HOME = ItemDriver.HOME
    UNITS = ItemDriver.UNITS
    ACTOR = {("result_draft", "any"): "gc_office", ("result_approve", "principal"): "gc_principal",
             ("rect_handle", "any"): "gc_contact"}

    def __init__(self, server):
        self.it = Items(server)
        self.item = None

    def c(self, user):
        return self.it.c(user)

    def base_item(self):
        if not self.item:
            self.item = self.it.bring("in_progress")
        return self.item

    def create(self, kind="talk", user="gc_office", **kw):
        r = self.c(user).post("/api/v1/results", result_body(self.it, kind, self.base_item()["id"], **kw))
        assert r.status == 201, r
        return r.json

    def bring(self, state, kind=None):
        """A talk in `state`; a criticism when the state is its rectification's (reviewing)."""
        obj = self.create(kind or ("criticism" if state == "reviewing" else "talk"))
        order = list(RESULT_PATH)
        end = {"refused": "pending", "withdrawn": "draft", "reviewing": "issued"}.get(state, state)
        for s in order[1:order.index(end) + 1]:
            for user, action, body in RESULT_PATH[s]:
                self.act(obj["id"], user, action, body)
        if state == "refused":
            self.act(obj["id"], "gc_principal", "refuse", {"reason": "事实尚需核实"})
        if state == "withdrawn":
            self.act(obj["id"], "gc_office", "withdraw", {"reason": "重复起草"})
        if state == "reviewing":
            self.act(obj["id"], "gc_contact", "report_rectification", {"rectification": self.BODY["rectification"]})
        obj = self.get(obj["id"])
        assert obj["state"] == state, obj
        return obj

    bring_shared = bring

    def actor(self, row):
        return self.ACTOR[(row["cap"], row["role"])]

    def get(self, oid, user="gc_office"):
        r = self.c(user).get(f"{self.path}/{oid}")
        assert r.status == 200, (user, r)
        return r.json

    def act(self, oid, user, action, body, expect=200):
        r = self.c(user).post(f"{self.path}/{oid}/actions/{action}", body or {})
        if expect is not None:
            assert r.status == expect, (user, action, r)
        return r

    def body_for(self, wf, action):
        req = next(a for a in wf["actions"] if a["name"] == action)["requires"]
        return {k: self.BODY[k] for k in req}

    def status(self, oid, user):
        return self.c(user).get(f"{self.path}/{oid}").status

    def allowed(self, obj):
        return set(obj["allowed_actions"])

    def visible(self, user, state):
        """The unit concerned sees a record only once it is issued."""
        return not (user in ("gc_contact", "gc_head") and state not in ("issued", "held", "closed", "reviewing"))

    def holds_by_default(self, condition):
        return condition == "talk"

    def bring_satisfying(self, state, condition):
        assert condition in ("outcome", "rectify"), condition
        return self.bring(state, kind="accountability" if condition == "outcome" else "criticism")

    def parts(self, obj):
        return [{"kind": "target", "id": obj["unit"]["id"], "state": obj["state"], "unit": obj["unit"]["code"]}]

    def people(self, who, part):
        if who["at"] == "home":
            return set(self.HOME.get(who["role"], []))
        if who["at"] == "part":
            return set(self.UNITS.get(part["unit"], {}).get(who["role"], [])) if part else set()
        raise AssertionError(who)

    def condition(self, obj, name):
        return {"talk": obj["kind"] == "talk", "outcome": obj["kind"] in ("accountability", "referral"),
                "rectify": obj["kind"] == "criticism" and bool((obj["rectification"] or {}).get("due_date"))}[name]

    def concerned(self, row, before, user):
        """An issue, the unit's rectification and its review concern the unit the record is about."""
        acts = ("issue", "report_rectification", "accept_rectification", "return_rectification")
        return self.parts(before)[0] if row["action"] in acts else None

    def events(self, oid):
        return self.c("gc_office").get(f"{self.path}/{oid}/events").json["events"]


class BulletinDriver(ResultDriver):
    """Bulletins (督查通报) of 古城县 over the last two months up to yesterday (so that what other tests
    do today leaves their figures as drafted); their parts are the units they name once issued."""

    name = "bulletin"
    path = "/api/v1/bulletins"
    PATH = {"draft": [], "pending": [("gc_office", "submit", {})], "approved": [("gc_principal", "approve", {})],
            "issued": [("gc_office", "issue", {})]}
    BODY = {"reason": "情况说明"}

    def create(self, user="gc_office", **kw):
        body = {"period_from": day(-60), "period_to": day(-1)}
        body.update(kw)
        r = self.c(user).post("/api/v1/bulletins", body)
        assert r.status == 201, r
        return r.json

    def bring(self, state, kind=None):
        obj = self.create()
        order = list(self.PATH)
        for s in order[1:order.index(state if state != "withdrawn" else "draft") + 1]:
            for user, action, body in self.PATH[s]:
                self.act(obj["id"], user, action, body)
        if state == "withdrawn":
            self.act(obj["id"], "gc_office", "withdraw", {"reason": "数据口径有误"})
        obj = self.get(obj["id"])
        assert obj["state"] == state, obj
        return obj

    bring_shared = bring

    def visible(self, user, state):
        """The units of its scope read a bulletin once issued."""
        return not (user in ("gc_contact", "gc_head") and state != "issued")

    def parts(self, obj):
        return [{"kind": "named unit", "id": u["id"], "state": obj["state"], "unit": u["code"]}
                for u in obj["named_units"]]

    def told_besides(self, row, before, after):
        """Told by an effect, not by the table's informs: at issue a bulletin or briefing goes to the units right
        below its scope (主送), whose heads hear of it unless the bulletin names their unit (then in its words)."""
        if self.name != "bulletin" or row["action"] != "issue" or after["kind"] == "special_report":
            return set()
        named = {u["code"] for u in after["named_units"]}
        return {u for u, code in (("gc_head", "gc-jt"), ("gc_head2", "gc-zj")) if code not in named}

    def condition(self, obj, name):
        """The waits of a bulletin say its kind's word: each holds for its own kind only."""
        if name in ("bulletin", "special_report", "briefing"):
            return obj["kind"] == name
        raise AssertionError(name)

    def concerned(self, row, before, user):
        return None


class ScorecardDriver(BulletinDriver):
    """Year-end scorecards (目标责任考评) of 古城县: one per government and year, so each object the
    generic tests ask for scores a year of its own (2001, 2002, …: no items, every unit at the base); the
    units scored are its parts once issued."""

    name = "scorecard"
    path = "/api/v1/scorecards"
    PATH = {"draft": [], "pending": [("gc_office", "submit", {})], "approved": [("gc_principal", "approve", {})],
            "issued": [("gc_office", "issue", {})]}
    years = itertools.count(2001)

    def create(self, user="gc_office", **kw):
        body = {"year": next(self.years)}
        body.update(kw)
        r = self.c(user).post("/api/v1/scorecards", body)
        assert r.status == 201, r
        return r.json

    def parts(self, obj):
        return [{"kind": "unit scored", "id": u["unit_id"], "state": obj["state"], "unit": u["code"]}
                for u in obj["units"]]


class ObjectionDriver(BulletinDriver):
    """Objections (考评异议) of 交通运输局 (its head) to the office's adjustments of one issued card of 古城县 for
    the year 2000, which no other driver scores: every object is an objection to an adjustment of its own; the
    unit that objected is its one part."""

    name = "objection"
    path = "/api/v1/objections"
    BODY = {"reason": "经核实，该项扣分依据不足"}
    POOL = 40

    def __init__(self, server):
        super().__init__(server)
        self.card, self.pool = None, []

    def target(self):
        if self.card is None:
            office = self.c("gc_office")
            r = office.post("/api/v1/scorecards", {"year": 2000})
            assert r.status == 201, r
            self.card = r.json["id"]
            for k in range(self.POOL):
                r = office.post(f"/api/v1/scorecards/{self.card}/adjustments",
                                {"unit_id": self.it.unit("gc-jt"), "points": -1, "reason": f"未按要求报送材料{k}"})
                assert r.status == 201, r
                self.pool.append(max(a["id"] for a in r.json["adjustments"]))
            for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
                r = self.c(user).post(f"/api/v1/scorecards/{self.card}/actions/{action}", {})
                assert r.status == 200, r
        assert self.pool, "the driver's adjustments are used up: raise POOL"
        return self.pool.pop(0)

    def create(self, user="gc_head"):
        adjustment = self.target()
        r = self.c(user).post(f"/api/v1/scorecards/{self.card}/objections",
                              {"adjustment_id": adjustment, "reason": "已按时报送，有签收记录", "evidence": "报送签收单"})
        assert r.status == 201, r
        return r.json

    def bring(self, state, kind=None):
        obj = self.create()
        if state != "pending":
            self.act(obj["id"], "gc_office", {"upheld": "uphold", "rejected": "reject"}[state], {"reason": "经核实"})
        obj = self.get(obj["id"])
        assert obj["state"] == state, obj
        return obj

    bring_shared = bring

    def visible(self, user, state):
        """The unit that objected (交通运输局) sees its objection in every state."""
        return True

    def parts(self, obj):
        return [{"kind": "unit that objected", "id": obj["unit"]["id"], "state": obj["state"],
                 "unit": obj["unit"]["code"]}]


class ClueDriver:
    """Clues (线索) of 古城县: the office sorts them; 交通运输局 verifies those it is assigned."""

    name = "clue"
    previous = None  # no row returns to the state before
    OFFICE_CAPS = {"clue_read", "clue_manage", "clue_reporter"}
    caps = {
        "gc_office": (OFFICE_CAPS, "office"),
        "gc_principal": ({"clue_read"}, "principal"),
        "gc_leader": ({"clue_read"}, "leader"),
        "gc_director": ({"clue_read"}, "director"),
        "gc_deputy": ({"clue_read"}, "deputy"),
        "gc_contact": ({"clue_read", "clue_verify"}, "contact"),
        "gc_head": ({"clue_read", "clue_verify"}, "head"),
    }
    ACTOR = {("clue_manage", "any"): "gc_office", ("clue_verify", "any"): "gc_contact",
             ("clue_read", "any"): "gc_office"}
    HOME = {"office": ["gc_office"], "principal": ["gc_principal"], "director": ["gc_director"],
            "deputy": ["gc_deputy"], "leader": ["gc_leader"]}
    UNITS = {"gc-jt": {"contact": ["gc_contact"], "head": ["gc_head"]}}

    def __init__(self, server):
        self.cl = Clues(server)

    def c(self, user):
        return self.cl.c(user)

    def bring(self, state):
        return self.cl.bring(state)

    bring_shared = bring

    def actor(self, row):
        return self.ACTOR[(row["cap"], row["role"])]

    def get(self, oid, user="gc_office"):
        return self.cl.get(oid, user)

    def act(self, oid, user, action, body, expect=200):
        return self.cl.act(oid, user, action, body, expect=expect)

    def body_for(self, wf, action):
        req = next(a for a in wf["actions"] if a["name"] == action)["requires"]
        jt = self.cl.unit("gc-jt")
        values = {"unit_id": jt, "lead_unit_id": jt, "due_date": day(10), "text": "核查情况说明",
                  "finding": "partly", "reason": "需要调整核查单位", "reply": "感谢您的反映，正在办理。",
                  "close_reason": "resolved", "start_date": day(3), "end_date": day(12)}
        body = {k: values[k] for k in req if k in values}
        if action == "convert_inspection":
            body["target_unit_ids"] = [jt]
        if "into" in req:
            body["into"] = self.cl.create()["id"]
        return body

    def status(self, oid, user):
        return self.c(user).get(f"/api/v1/clues/{oid}").status

    def allowed(self, obj):
        return set(obj["allowed_actions"]) | set(obj["verification_actions"])

    def visible(self, user, state):
        """A verifying unit sees a clue once it is asked to verify it (bring: verifying, verified)."""
        return user not in ("gc_contact", "gc_head") or state in ("verifying", "verified")

    def holds_by_default(self, condition):
        return True

    def bring_satisfying(self, state, condition):
        raise AssertionError(f"clues have no conditions ({condition})")

    def parts(self, obj):
        """The latest verification (the engine's one track), with the state it stands for."""
        if not obj["verifications"]:
            return []
        v = obj["verifications"][-1]
        state = {"verifying": "verifying", "verified": "verified", "recalled": "received"}[v["state"]]
        code = {self.cl.unit("gc-jt"): "gc-jt"}.get(v["unit_id"], str(v["unit_id"]))
        return [{"kind": "verification", "id": v["id"], "state": state, "unit": code}]

    def people(self, who, part):
        if who["at"] == "home":
            return set(self.HOME.get(who["role"], []))
        if who["at"] == "part":
            return set(self.UNITS.get(part["unit"], {}).get(who["role"], [])) if part else set()
        raise AssertionError(who)

    def condition(self, obj, name):
        raise AssertionError(name)

    def concerned(self, row, before, user):
        """The verification a row is about: the verifier's own, or the one recalled or pressed."""
        parts = self.parts(before)
        if row["scope"] == "verification" or row["action"] in ("recall", "press"):
            return parts[0] if parts else None
        return None

    def events(self, oid):
        r = self.c("gc_office").get(f"/api/v1/clues/{oid}/events")
        assert r.status == 200, r
        return [e for e in r.json["events"] if e["kind"] != "deadline"]


class SurveyDriver:
    """Surveys (民意调查) of 古城县: its office drafts, opens and closes them; the government's leaders read them."""

    name = "survey"
    previous = None
    caps = {
        "gc_office": ({"clue_read", "survey_manage"}, "office"),
        "gc_principal": ({"clue_read"}, "principal"),
        "gc_leader": ({"clue_read"}, "leader"),
        "gc_director": ({"clue_read"}, "director"),
        "gc_deputy": ({"clue_read"}, "deputy"),
    }
    ACTOR = {("survey_manage", "any"): "gc_office"}
    HOME = {"office": ["gc_office"]}

    def __init__(self, server):
        self.sv = Surveys(server)

    def c(self, user):
        return self.sv.c(user)

    def bring(self, state):
        return self.sv.bring(state)

    bring_shared = bring

    def actor(self, row):
        return self.ACTOR[(row["cap"], row["role"])]

    def get(self, oid, user="gc_office"):
        return self.sv.get(oid, user)

    def act(self, oid, user, action, body, expect=200):
        r = self.c(user).post(f"/api/v1/surveys/{oid}/actions/{action}", body or {})
        if expect is not None:
            assert r.status == expect, (user, action, r)
        return r

    def body_for(self, wf, action):
        return {}

    def status(self, oid, user):
        return self.c(user).get(f"/api/v1/surveys/{oid}").status

    def allowed(self, obj):
        return set(obj["allowed_actions"])

    def visible(self, user, state):
        return True

    def holds_by_default(self, condition):
        return True

    def bring_satisfying(self, state, condition):
        raise AssertionError(f"surveys have no conditions ({condition})")

    def parts(self, obj):
        return []

    def people(self, who, part):
        if who["at"] == "home":
            return set(self.HOME.get(who["role"], []))
        raise AssertionError(who)

    def condition(self, obj, name):
        raise AssertionError(name)

    def concerned(self, row, before, user):
        return None

    def events(self, oid):
        return self.c("gc_office").get(f"/api/v1/surveys/{oid}/events").json["events"]


class EvaluationDriver:
    """Third-party evaluations (第三方评估) of 古城县: its office engages 古城县民生评估中心 (gc_evaluator) for
    交通运输局 (gc_contact self-assesses), the evaluator scores and submits, the office returns or accepts."""

    name = "evaluation"
    previous = None
    caps = {
        "gc_office": ({"insp_read", "insp_manage"}, "office"),
        "gc_principal": ({"insp_read"}, "principal"),
        "gc_leader": ({"insp_read"}, "leader"),
        "gc_contact": ({"insp_read", "item_handle"}, "contact"),
        "gc_head": ({"insp_read", "item_handle"}, "head"),
        "gc_evaluator": ({"insp_evaluate"}, "evaluator"),
    }
    ACTOR = {("insp_manage", "any"): "gc_office", ("insp_evaluate", "any"): "gc_evaluator"}
    HOME = {"office": ["gc_office"]}
    UNITS = {"gc-jt": {"contact": ["gc_contact"], "head": ["gc_head"]}, "gc-pg": {"evaluator": ["gc_evaluator"]}}

    def __init__(self, server):
        self.ev = Evals(server)

    def c(self, user):
        return self.ev.c(user)

    def bring(self, state):
        return self.ev.bring(state, scored=True)

    bring_shared = bring

    def actor(self, row):
        return self.ACTOR[(row["cap"], row["role"])]

    def get(self, oid, user="gc_office"):
        return self.ev.get(oid, user)

    def act(self, oid, user, action, body, expect=200):
        return self.ev.act(oid, user, action, body, expect=expect)

    def body_for(self, wf, action):
        return {"reason": "评分依据不充分"} if action == "return" else {}

    def status(self, oid, user):
        return self.c(user).get(f"/api/v1/evaluations/{oid}").status

    def allowed(self, obj):
        return set(obj["allowed_actions"])

    def visible(self, user, state):
        """The evaluator and the unit see an engagement once it is engaged."""
        return user not in ("gc_contact", "gc_head", "gc_evaluator") or state != "draft"

    def holds_by_default(self, condition):
        return True

    def bring_satisfying(self, state, condition):
        raise AssertionError(f"evaluations have no conditions ({condition})")

    def code(self, unit_id):
        return {self.ev.unit("gc-jt"): "gc-jt", self.ev.unit("gc-pg"): "gc-pg"}.get(unit_id, str(unit_id))

    def parts(self, obj):
        """The engaged organisation (the track, in the engagement's state) and each unit's self-assessment."""
        out = []
        if obj["evaluator"]:
            out.append({"kind": "engagement", "id": obj["evaluator"]["id"], "state": obj["state"],
                        "unit": self.code(obj["evaluator"]["id"])})
        for u in obj["units"]:
            pending = obj["state"] in ("engaged", "submitted") and not u["self"]["submitted_at"]
            out.append({"kind": "self", "id": u["id"], "state": "pending" if pending else "done",
                        "unit": self.code(u["unit_id"])})
        return out

    def people(self, who, part):
        if who["at"] == "home":
            return set(self.HOME.get(who["role"], []))
        if who["at"] == "part":
            return set(self.UNITS.get(part["unit"], {}).get(who["role"], [])) if part else set()
        raise AssertionError(who)

    def condition(self, obj, name):
        raise AssertionError(name)

    def concerned(self, row, before, user):
        parts = [p for p in self.parts(before) if p["kind"] == "engagement"]
        return parts[0] if row["scope"] != "evaluation" and parts else None

    def events(self, oid):
        return self.c("gc_office").get(f"/api/v1/evaluations/{oid}/events").json["events"]


DRIVERS = {"item": ItemDriver, "result": ResultDriver, "bulletin": BulletinDriver, "scorecard": ScorecardDriver,
           "objection": ObjectionDriver, "clue": ClueDriver, "survey": SurveyDriver, "evaluation": EvaluationDriver}

from insp_drivers import DRIVERS as INSP_DRIVERS  # noqa: E402  (the inspection module's workflows)

DRIVERS.update(INSP_DRIVERS)


def workflow_definitions(server):
    """The workflows as GET /api/v1/workflows gives them (the generic matrix tests walk each)."""
    r = server.client("gc_office").get("/api/v1/workflows")
    assert r.status == 200, r
    return r.json["workflows"]


def drivers_for(server, workflows):
    """A driver on server for each workflow; a workflow without one fails the test that asks."""
    missing = [w["name"] for w in workflows if w["name"] not in DRIVERS]
    assert not missing, f"no test driver for workflow(s) {missing}: add one to tests/api/workflow_drivers.py"
    return {w["name"]: DRIVERS[w["name"]](server) for w in workflows}
