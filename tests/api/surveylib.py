"""Helpers shared by the survey tests (issue 18): a questionnaire of 古城县 built by its office, the public
link answered through an anonymous client with the proof of work solved."""

from cluelib import solve, wrong_solution
from conftest import Clients, uniq
from itemlib import day

QUESTIONS = [
    {"kind": "single", "text": "您是否知道本次整改的内容？", "required": True, "options": ["知道", "不知道"]},
    {"kind": "multiple", "text": "您通过哪些渠道了解到？", "options": ["政府网站", "社区公告", "新闻报道", "其他"]},
    {"kind": "scale", "text": "您对整改结果的满意程度", "required": True, "scale_max": 5},
    {"kind": "text", "text": "您还有什么意见和建议？"},
]


class Surveys(Clients):
    def __init__(self, server):
        super().__init__(server)
        self.anon = server.client()

    def create(self, user="gc_office", mode="token", expect=201, **kw):
        body = {"title": kw.pop("title", f"整改满意度调查{uniq()}"), "intro": "请根据实际情况作答。",
                "mode": mode, "closes_on": kw.pop("closes_on", day(30)), "questions": kw.pop("questions", QUESTIONS)}
        body.update(kw)
        r = self.c(user).post("/api/v1/surveys", body)
        if expect is not None:
            assert r.status == expect, r
        return r.json if r.status == 201 else r

    def act(self, sid, action, user="gc_office", expect=200):
        r = self.c(user).post(f"/api/v1/surveys/{sid}/actions/{action}", {})
        if expect is not None:
            assert r.status == expect, (action, user, r)
        return r

    def get(self, sid, user="gc_office"):
        r = self.c(user).get(f"/api/v1/surveys/{sid}")
        assert r.status == 200, (user, r)
        return r.json

    def bring(self, state, **kw):
        s = self.create(**kw)
        if state in ("open", "closed"):
            self.act(s["id"], "open")
        if state == "closed":
            self.act(s["id"], "close")
        s = self.get(s["id"])
        assert s["state"] == state, s
        return s

    def tokens(self, sid, n=3, user="gc_office"):
        r = self.c(user).post(f"/api/v1/surveys/{sid}/invitations", {"count": n})
        assert r.status == 201, r
        return r.json["tokens"]

    def challenge(self):
        r = self.anon.post("/api/v1/public/challenges", {"form": "survey"})
        assert r.status == 201, r
        return r.json

    def answer(self, key, answers, token=None, device=None, solved=True, challenge=None, expect=201, **extra):
        ch = challenge or self.challenge()
        body = {"answers": answers, "challenge": ch["token"],
                "solution": solve(ch["token"], ch["bits"]) if solved else wrong_solution(ch["token"], ch["bits"])}
        if token is not None:
            body["token"] = token
        if device is not None:
            body["device"] = device
        body.update(extra)
        r = self.anon.post(f"/api/v1/public/surveys/{key}/responses", body)
        if expect is not None:
            assert r.status == expect, r
        return r


def sheet(survey, single=0, multiple=(0, 2), value=4, text="希望继续加强巡查"):
    """A complete answer sheet to QUESTIONS (ids from the survey)."""
    q = [x["id"] for x in survey["questions"]]
    out = [{"question_id": q[0], "choice": single}, {"question_id": q[2], "value": value}]
    if multiple is not None:
        out.append({"question_id": q[1], "choices": list(multiple)})
    if text is not None:
        out.append({"question_id": q[3], "text": text})
    return out
