"""Helpers shared by the third-party evaluation tests (issue 18): an engagement of 古城县 built by its office
for one of its registered items, the units evaluated (交通运输局 by default), the demo's evaluator organisation
古城县民生评估中心 (gc-pg, user gc_evaluator) and two indicators."""

from conftest import Clients, uniq
from itemlib import day

INDICATORS = [{"name": "整改措施落实", "description": "措施是否到位、台账是否完整", "max_score": 60},
              {"name": "群众满意程度", "max_score": 40}]


class Evals(Clients):
    unit_by = "admin"

    def __init__(self, server):
        super().__init__(server)
        self._item = None

    def item(self):
        """A registered item of 古城县 (from the demo)."""
        if self._item is None:
            r = self.c("gc_office").get("/api/v1/items?per_page=50")
            assert r.status == 200, r
            self._item = next(i["id"] for i in r.json["items"] if i.get("number"))
        return self._item

    def body(self, units=("gc-jt",), evaluator="gc-pg", **kw):
        b = {"title": kw.pop("title", f"民生实事第三方评估{uniq()}"),
             "basis": "依据县政府督查工作安排，委托第三方对民生实事落实情况开展评估。",
             "period_start": day(-30), "period_end": day(0), "due_date": day(20),
             "objects": kw.pop("objects", None) or [{"kind": "item", "id": self.item()}],
             "unit_ids": [self.unit(u) for u in units], "indicators": kw.pop("indicators", INDICATORS)}
        if evaluator:
            b["evaluator_unit_id"] = self.unit(evaluator)
        b.update(kw)
        return b

    def create(self, user="gc_office", expect=201, **kw):
        r = self.c(user).post("/api/v1/evaluations", self.body(**kw))
        if expect is not None:
            assert r.status == expect, r
        return r.json if r.status == 201 else r

    def get(self, eid, user="gc_office", expect=200):
        r = self.c(user).get(f"/api/v1/evaluations/{eid}")
        if expect is not None:
            assert r.status == expect, (user, r)
        return r.json if r.status == 200 else r

    def act(self, eid, user, action, body=None, expect=200):
        r = self.c(user).post(f"/api/v1/evaluations/{eid}/actions/{action}", body or {})
        if expect is not None:
            assert r.status == expect, (user, action, r)
        return r

    def score(self, eid, unit, scores, findings=None, user="gc_evaluator", expect=200):
        body = {"scores": scores}
        if findings is not None:
            body["findings"] = findings
        r = self.c(user).put(f"/api/v1/evaluations/{eid}/units/{self.unit(unit)}/scores", body)
        if expect is not None:
            assert r.status == expect, (user, r)
        return r

    def self_assess(self, eid, unit, scores, note="", user="gc_contact", expect=200):
        r = self.c(user).put(f"/api/v1/evaluations/{eid}/units/{self.unit(unit)}/self", {"scores": scores, "note": note})
        if expect is not None:
            assert r.status == expect, (user, r)
        return r

    def score_all(self, ev, values=(50, 30), findings="台账基本完整，个别点位整改不到位。"):
        for u in ev["units"]:
            code = next(k for k, v in self._units.items() if v == u["unit_id"])
            self.score(ev["id"], code, [{"indicator_id": i["id"], "score": v, "comment": "抽查核实"}
                                        for i, v in zip(ev["indicators"], values)], findings)

    def bring(self, state, scored=False, **kw):
        """A fresh engagement in `state`; scored: an engaged one already has every score (ready to submit)."""
        ev = self.create(**kw)
        eid = ev["id"]
        if state == "draft":
            return self.get(eid)
        self.act(eid, "gc_office", "engage")
        ev = self.get(eid)
        if state == "engaged" and not scored:
            return ev
        self.score_all(ev)
        if state == "engaged":
            return self.get(eid)
        self.act(eid, "gc_evaluator", "submit")
        if state == "submitted":
            return self.get(eid)
        self.act(eid, "gc_office", "accept")
        assert state == "accepted", state
        return self.get(eid)
