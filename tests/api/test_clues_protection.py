"""Reporter protection (条例 Art. 26, issue 18): the reporter's identity and contact are seen by the
supervision office alone. Clues with a named reporter (public, staff, transferred) are walked into
verification by 交通运输局 and into a supervision item it leads (its periodic report, the bulletin that counts
it), the inspection one became (a finding's rectification task with a satisfaction survey attached and
answered), a third-party evaluation of that item (scored, self-assessed) and the clue's photo now the item's
attachment; then every operation of docs/openapi.yaml (the server's `ducha routes` has none it lacks) is called as
every demo user of 古城县 — each role of the unit concerned, its leaders, the administrator (audit views, the
outbox) and the office itself — with the ids of those clues, items, bulletins, units, photos and users filled
in (the lists also by the reporter's name, the audit trail by each of those objects, the outbox in every state,
the messages of each), and no answer, export (PDF text, XLSX cells, CSV), message, audit record or error may
carry the reporter's name, phone or e-mail, nor the serial number of the phone that took the photo. Only GET
/api/v1/clues/{id}/reporter,
for the clue's own office, names them. Every route of docs/openapi.yaml that takes an id is classified (KINDS,
UNRELATED, PARAMS): a route added later fails until it says which of these objects it is swept with."""
import io
import json
import os
import re
import subprocess
import tempfile
import zipfile

import pytest

import contract
from cluelib import DESCRIPTION, REPORTER, Clues, jpeg, photos_settled
from conftest import BIN, Client, Server
from itemlib import ORDER, PATH, day

# the reporter's phone's serial number (the photo's Exif maker) names the reporter as surely as a name
MAKER = "ZhenPhone SN-4471"
# a witness's phone the reporter typed into the description (as any other phone number: never the unit's to read)
WITNESS = "0371-66881234"
NEEDLES = [REPORTER["name"], REPORTER["phone"], REPORTER["email"], "甄秘密", MAKER, "66881234"]
# what the reporter of clues 1 (public, became an item) and 6 (staff, became an inspection) typed: the office alone
# reads it as written (the clue's description); everyone else, the office's other answers included, the summary
TYPED = f"我是{REPORTER['name']}，电话{REPORTER['phone']}，邮箱{REPORTER['email']}；邻居也看到了，他的电话{WITNESS}。"

# every demo user of 古城县 but the office, and the office too (everything but /reporter)
USERS = ["gc_contact", "gc_head", "gc_contact2", "gc_head2", "gc_town", "gc_leader", "gc_principal", "gc_director",
         "gc_deputy", "gc_secretary", "gc_inspector", "gc_parttime", "gc_admin", "gc_evaluator", "gc_office"]

# Every route that takes an id, by its path up to the first parameter: the world's objects the sweep fills
# in. A route added later fails test_every_route_of_the_api_is_classified until it is put here: with the kind
# of object a clue is or becomes (a clue, its tracking code, the item or the inspection it was converted
# into, the unit that verifies it, the users who see it, the issued bulletin that counts its item), or in
# UNRELATED.
KINDS = {"/api/v1/clues/": "clue", "/api/v1/public/clues/": "code", "/api/v1/items/": "item",
         "/api/v1/inspections/": "inspection", "/api/v1/units/": "unit", "/api/v1/users/": "user",
         "/api/v1/bulletins/": "bulletin", "/api/v1/public/bulletins/": "bulletin",
         "/api/v1/rectifications/": "rect", "/api/v1/surveys/": "survey", "/api/v1/public/surveys/": "survey_key",
         "/api/v1/evaluations/": "evaluation", "/api/v1/attachments/": "attachment", "/api/v1/inbox/": "message",
         "/api/v1/admin/outbox/": "outbox"}
# objects no clue becomes and that copy nothing of one (their own ids, swept with 1): the inspections'
# plans, reviews and evidence (the team's own photos), results, scorecards and objections, the evaluator's
# evidence, inspectors, webhooks, the calendar, signatures, milestones, counters and claims, and the grassroots
# contact points (the world's clues come from the public, none through a point)
UNRELATED = {"/api/v1/admin/claims/", "/api/v1/admin/counters/", "/api/v1/calendar/", "/api/v1/contact-points/",
             "/api/v1/evaluation-evidence/",
             "/api/v1/evaluator-orgs/", "/api/v1/evidence/", "/api/v1/inspectors/", "/api/v1/milestones/",
             "/api/v1/objections/", "/api/v1/plans/", "/api/v1/results/", "/api/v1/reviews/", "/api/v1/scorecards/",
             "/api/v1/signatures/", "/api/v1/webhooks/"}
# the other parameters of a path, by name: the world's photo and tracking code, the documents and actions
# of items and clues, this year; the rest name nothing of the world (swept with 1)
PARAMS = {"id", "photo", "code", "file", "action", "year", "delivery", "eid", "fid", "grant", "iid", "key", "name",
          "rid", "token", "unit", "user", "vid"}

# writes the sweep sends with bodies that reach the world's objects, besides the empty body every write gets: the
# burden warnings (减负提醒) about the unit concerned over the time of the inspection a clue became, for an
# inspection and for an item
BODIES = {"/api/v1/inspections/burden-check": lambda ids: [
    dict(target_unit_ids=ids["unit"], start_date=day(0), end_date=day(20), **more)
    for more in ({}, {"request": "item"})]}

# the queries the sweep sends to list routes besides the reporter's name as the search term: the audit trail of
# each of the world's objects (its audit view), the outbox (e-mail and SMS of every hand-off) in every state,
# the lists filtered by the world's objects
# the actions the sweep takes on each kind of object ({action}; a clue's by default): refused or not, what they
# answer and the errors they give name nobody
ACTIONS = {"rect": ["receive", "submit", "sign", "verify", "return"], "survey": ["open", "close", "publish"],
           "evaluation": ["engage", "submit", "return", "accept"]}
AUDITED = (("clue", "clue"), ("item", "item"), ("inspection", "inspection"), ("rectification", "rect"),
           ("survey", "survey"), ("evaluation", "evaluation"))
QUERIES = {"/api/v1/audit": lambda ids: [f"object_type={t}&object_id={i}&limit=500" for t, k in AUDITED
                                         for i in ids[k]],
           "/api/v1/admin/outbox": lambda ids: [f"state={s}&limit=500"
                                                for s in ("pending", "sending", "sent", "dead", "cancelled")],
           "/api/v1/inbox": lambda ids: ["limit=200"],
           "/api/v1/rectifications": lambda ids: [f"inspection_id={i}" for i in ids["inspection"]],
           "/api/v1/surveys": lambda ids: [f"rect_task_id={i}" for i in ids["rect"]]}

# writes never sent in the sweep: they would end the sessions under test (signing out, a password, the
# administrator disabling users or their roles, moving units, the clock); the test clock's routes
SKIP = re.compile(r"^(DELETE|PUT|PATCH|POST) /api/v1/(session|users|units|admin/clock|test/)")


def texts_of(raw, ctype):
    """What a person could read in a response: JSON decoded, PDF text, every member of an XLSX/ZIP."""
    ctype = (ctype or "").split(";")[0].strip()
    out = [raw.decode("utf-8", "replace")]
    if ctype == "application/json":
        try:
            out.append(json.dumps(json.loads(raw), ensure_ascii=False))
        except ValueError:
            pass
    elif ctype == "application/pdf" and raw.startswith(b"%PDF"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(raw)
            f.flush()
            out.append(subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True).stdout)
    elif raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            for n in z.namelist():
                data = z.read(n)
                out.append(data.decode("utf-8", "replace"))
                out.extend(texts_of(data, "application/pdf")[1:] if data.startswith(b"%PDF") else [])
    return out


def without_description(value):
    """A JSON value without the members "description" of its clues (office_view): the report as written."""
    if isinstance(value, list):
        return [without_description(v) for v in value]
    if isinstance(value, dict):
        return {k: without_description(v) for k, v in value.items()
                if not (k == "description" and value.get("office_view") is True)}
    return value


def assert_clean(resp, what, echo=None, office=False):
    """No needle in what resp lets a person read (echo: the search terms the response may repeat back, as the
    caller typed them: the query in JSON, the filter line of a list PDF; office: the clue's own office, which
    reads a clue's description as written and nothing else of it)."""
    texts = texts_of(resp.raw, resp.headers.get("Content-Type"))
    if office and texts[1:] and (resp.headers.get("Content-Type") or "").startswith("application/json"):
        texts = [json.dumps(without_description(json.loads(resp.raw)), ensure_ascii=False)]
    for text in texts:
        for e in echo or ():
            text = text.replace(e, "")
        for needle in NEEDLES:
            assert needle not in text, f"{what} → {resp.status} shows the reporter ({needle})"


class Quiet(Client):
    """A client whose requests with made-up bodies are not held to the contract (only protection)."""

    @staticmethod
    def check_contract(*a, **kw):
        pass


@pytest.fixture(scope="module")
def server(backend):
    """This module's server: the demo's, with an e-mail channel whose server never answers (a closed loopback
    port), so that the outbox keeps the e-mail of every hand-off (pending, retried, dead) for the sweep to read."""
    s = Server(backend.new_db(scanned=True), env={"DUCHA_SMTP_URL": "smtp://127.0.0.1:9"})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def world(server):
    cl = Clues(server)
    pub = cl.public
    office = cl.c("gc_office")
    jt = cl.unit("gc-jt")
    # 1. a public clue with a named reporter and a photo, verified by 交通运输局 and made an item it leads
    out = pub.submit(pub.fields(name=REPORTER["name"], phone=REPORTER["phone"], email=REPORTER["email"],
                                description=DESCRIPTION + TYPED), photos=[jpeg()]).json
    c1 = next(c["id"] for c in office.get(f"/api/v1/clues?q={out['number']}").json["clues"])
    cl.assign(c1)
    cl.act(c1, "gc_contact", "comment", {"text": "联络员的内部备注"})
    cl.act(c1, "gc_contact", "report", {"text": "经核查情况属实", "finding": "substantiated"})
    item = cl.act(c1, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30)}).json["item"]
    from itemlib import Items
    it = Items(server)
    it.clients = cl.clients
    for s in ORDER[1:ORDER.index("in_progress") + 1]:
        for user, action, body in PATH[s]:
            it.act(item["id"], user, action, body)
    cl.act(c1, "gc_office", "reply", {"reply": "已列为督办事项。"})
    # 2. a staff record with the reporter, being verified by 交通运输局
    c2 = cl.create(reporter=REPORTER)["id"]
    cl.assign(c2)
    # 3. a transfer from above naming the reporter, being verified too
    from test_clues_office import upload, csv_bytes
    row = ["GWYP-0001", "国务院“互联网+督查”平台", "民生保障", "城关镇", "西街", "西街路灯大面积不亮，夜间出行很不安全，已反映多次。",
           day(10), day(-1), REPORTER["name"], REPORTER["phone"]]
    r = upload(cl, csv_bytes([row]), "转办.csv")
    assert r.status == 201, r
    c3 = r.json["clues"][0]["id"]
    cl.assign(c3)
    # 4. merged and closed ones, with a reporter
    c4 = cl.create(reporter=REPORTER, description="西街路灯大面积不亮，晚上出行很不安全，反映多次无人管。")["id"]
    cl.act(c4, "gc_office", "merge", {"into": c3})
    c5 = cl.create(reporter=REPORTER)["id"]
    cl.act(c5, "gc_office", "close", {"close_reason": "out_of_scope", "reply": "不属于督查范围，已转有关部门。"})
    # 5. one converted into an inspection of 交通运输局
    c6 = cl.create(reporter=REPORTER, description="城关镇北街工地夜间违规施工，噪声扰民一个多月，投诉多次无人处理。" + TYPED)["id"]
    insp = cl.act(c6, "gc_office", "convert_inspection", {"start_date": day(3), "end_date": day(12),
                                                          "target_unit_ids": [jt]}).json["inspection"]
    # 6. what was added since around an item: its unit's periodic report (the form pre-filled from the item), and
    # the government's bulletin with its roll-up per government below (本级及下级), issued and public
    r = cl.c("gc_contact").post(f"/api/v1/items/{item['id']}/reports",
                                {"text": "已完成路面修复方案", "percent": 30, "problems": "部分路段涉及管线迁改"})
    assert r.status == 201, r
    bul = office.post("/api/v1/bulletins", {"period_from": day(-40), "period_to": day(0), "levels": "below",
                                            "public": True})
    assert bul.status == 201, bul
    for user, action in (("gc_office", "submit"), ("gc_principal", "approve"), ("gc_office", "issue")):
        r = cl.c(user).post(f"/api/v1/bulletins/{bul.json['id']}/actions/{action}", {})
        assert r.status == 200, (user, action, r)
    # the sweep reaches it: the unit concerned reads it, and the public too
    assert cl.c("gc_contact").get(f"/api/v1/bulletins/{bul.json['id']}").status == 200
    assert pub.c.get(f"/api/v1/public/bulletins/{bul.json['id']}").status == 200
    # 7. the inspection the clue became, approved and started, with a finding for 交通运输局: its rectification
    # task, a satisfaction survey attached to the task and answered by the public
    from insplib import Insp
    from surveylib import Surveys, sheet
    ins = Insp(server)
    ins.clients = cl.clients
    iid = insp["id"]
    ins.act(iid, "gc_office", "submit")
    ins.act(iid, "gc_principal", "approve", {"approve": True})  # opened by the approval
    ins.team(iid)
    r = ins.c("gc_office").patch(f"/api/v1/inspections/{iid}", {"scheme_content": "核查线索反映的夜间施工扰民问题",
                                                                  "scheme_scope": "城关镇北街在建工地"})
    assert r.status == 200, r
    ins.act(iid, "gc_office", "submit_scheme")
    ins.act(iid, "gc_principal", "approve_scheme")
    ins.act(iid, "gc_office", "start")
    ins.finding(iid, title="夜间违规施工未查处", detail="群众反映的夜间施工属实，交通运输局未依职责查处")
    ins.act(iid, "gc_inspector", "submit_findings")
    ins.act(iid, "gc_office", "issue_findings")
    task = ins.tasks(iid)[0]["id"]
    ins.ract(task, "gc_contact", "receive")
    sv = Surveys(server)
    sv.clients = cl.clients
    survey = sv.create(mode="device", rect_task_id=task)
    sv.act(survey["id"], "open")
    sv.answer(survey["link_key"], sheet(survey, text="夜间施工已停止"), device="d" * 32)
    # 8. a third-party evaluation of the item the clue became: scored by the evaluator, assessed by the unit
    from evallib import Evals
    evs = Evals(server)
    evs.clients = cl.clients
    ev = evs.create(objects=[{"kind": "item", "id": item["id"]}])
    evs.act(ev["id"], "gc_office", "engage")
    got = evs.get(ev["id"], "gc_evaluator")
    marks = [{"indicator_id": x["id"], "score": 20, "comment": "抽查群众反映问题的整改"} for x in got["indicators"]]
    evs.score(ev["id"], "gc-jt", marks, "路面修复进度滞后。")
    evs.self_assess(ev["id"], "gc-jt", marks, "已按期推进。")
    evs.act(ev["id"], "gc_evaluator", "submit")
    # the office reads the reporters (each read audited) — the audit views must still not name them
    for c in (c1, c2, c3):
        who = office.get(f"/api/v1/clues/{c}/reporter")
        assert who.status == 200 and who.json["reporter"]["name"] == REPORTER["name"], who
    photo = photos_settled(office, c1)["photos"][0]["id"]  # stored by the photo worker
    users = {u: cl.c(u) for u in USERS}
    # the clue's photo became the item's attachment when the worker stored it
    att = office.get(f"/api/v1/items/{item['id']}/attachments")
    assert att.status == 200 and att.json["attachments"], att
    # the messages of every hand-off around these objects, each user's own, and the outbox's deliveries of them
    world_objects = {("clue", c) for c in (c1, c2, c3, c4, c5, c6)} | {
        ("item", item["id"]), ("inspection", iid), ("rectification", task), ("survey", survey["id"]),
        ("evaluation", ev["id"])}
    messages = set()
    for name, c in users.items():
        r = c.get("/api/v1/inbox?limit=200")
        assert r.status == 200, (name, r)
        messages |= {m["id"] for m in r.json["messages"] if (m["object_type"], m["object_id"]) in world_objects}
    assert len(messages) >= 5, messages
    outbox = {}
    for state in ("pending", "sending", "sent", "dead", "cancelled"):
        r = cl.c("admin").get(f"/api/v1/admin/outbox?state={state}&limit=500")
        assert r.status == 200, r
        outbox.update({d["id"]: d["subject"] for d in r.json["messages"]})
    # the e-mails of the clues' hand-offs are there: the sweep takes them by id
    about_clues = sorted(i for i, subject in outbox.items() if "线索" in subject)
    assert about_clues, sorted(outbox.values())[:20]
    ids = {
        "clue": [c1, c2, c3, c4, c5, c6],
        "item": [item["id"]],
        "inspection": [insp["id"]],
        "unit": [jt, cl.unit("gc-zj")],
        "user": [users["gc_contact"].user["id"], users["gc_office"].user["id"]],
        "bulletin": [bul.json["id"]],
        "photo": [photo],
        "code": [out["tracking_code"]],
        "rect": [task],
        "survey": [survey["id"]],
        "survey_key": [survey["link_key"]],
        "evaluation": [ev["id"]],
        "attachment": [a["id"] for a in att.json["attachments"]],
        "message": sorted(messages),
        "outbox": about_clues[-20:],
    }
    # the sweep's burden checks reach the inspection the clue became (its overlap with the time asked about) and
    # the item it became (交办事项 of 交通运输局 now)
    for body in BODIES["/api/v1/inspections/burden-check"](ids):
        r = office.post("/api/v1/inspections/burden-check", body)
        assert r.status == 200 and [w for w in r.json["warnings"] if w["kind"] == "overlap"], (body, r)
    return cl, users, ids


METHODS = ("get", "post", "put", "patch", "delete")


def routes():
    """Every operation of docs/openapi.yaml (method, path template): what the sweep calls, so that a route
    documented later is swept without anyone adding it here."""
    for path, ops in contract.load_doc()["paths"].items():
        if path.startswith("/api/"):
            for method in METHODS:
                if method in ops:
                    yield method.upper(), path


def served():
    """The server's own routes (`ducha routes`): (method, path template)."""
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("/api/"):
            yield parts[0], parts[1]


def unclassified(path):
    """What of a route template the sweep does not know: its first part, or a parameter's name; None."""
    prefix = path.split("{")[0]
    if "{" in path and prefix not in KINDS and prefix not in UNRELATED:
        return prefix
    return next((n for n in re.findall(r"\{(\w+)\}", path) if n not in PARAMS), None)


def expand(path, ids):
    """The concrete paths of a route template (one per id it may take)."""
    assert not unclassified(path), (path, "not classified for the sweep: KINDS, UNRELATED, PARAMS")
    kind = KINDS.get(path.split("{")[0])
    out = [path]
    for name in re.findall(r"\{(\w+)\}", path):
        values = {"id": ids[kind] if kind else [1], "photo": ids["photo"], "code": ids["code"], "unit": ids["unit"],
                  "key": ids["survey_key"] if kind == "survey_key" else [1],
                  "file": ["notice.pdf", "reminder.pdf", "record.pdf"],
                  "action": ACTIONS.get(kind, ["report", "comment", "assign", "close", "merge", "convert_item", "reply",
                                               "recall"]),
                  "year": [int(day(0)[:4])]}.get(name, [1])
        out = [p.replace("{" + name + "}", str(v)) for p in out for v in values]
    return out


def test_every_route_of_the_api_is_classified():
    # the sweep calls every operation of docs/openapi.yaml; the server has no route the document lacks (so none
    # escapes the sweep), and each one is known to the sweep: a route added without saying which of the world's
    # objects it takes fails here, not silently with id 1
    documented = set(routes())
    assert set(served()) <= documented, sorted(set(served()) - documented)
    missing = sorted({unclassified(p) for _, p in documented if unclassified(p)})
    assert not missing, f"routes not classified for the reporter-protection sweep: {missing}"


def test_no_route_shows_the_reporter_to_anyone_but_the_office(world, server):
    cl, users, ids = world
    seen = 0
    for method, path in routes():
        if SKIP.match(f"{method} {path}"):
            continue
        for concrete in expand(path, ids):
            for name, c in users.items():
                if name == "gc_office" and concrete.endswith("/reporter"):
                    continue
                office = name == "gc_office"
                if method == "GET":
                    r = c.get(concrete)
                    # list routes: also with the reporter's name as the search term
                    if r.status == 200 and "{" not in path:
                        q = Quiet(c.base)
                        q.jar, q.csrf, q.token = c.jar, c.csrf, c.token
                        assert_clean(q.get(concrete + "?q=" + REPORTER["name"] + "&per_page=200"), concrete + "?q",
                                     echo=("q=" + REPORTER["name"], "检索：" + REPORTER["name"]), office=office)
                        for query in QUERIES[path](ids) if path in QUERIES else ():
                            assert_clean(q.get(f"{concrete}?{query}"), f"{name}: GET {concrete}?{query}", office=office)
                else:
                    q = Quiet(c.base)
                    q.jar, q.csrf, q.token = c.jar, c.csrf, c.token
                    for body in BODIES[path](ids) if path in BODIES else ():
                        assert_clean(q.request(method, concrete, body), f"{name}: {method} {concrete} {body}",
                                     office=office)
                    r = q.request(method, concrete, {})
                assert_clean(r, f"{name}: {method} {concrete}", office=office)
                seen += 1
    assert seen > 500, seen  # the sweep did reach the routes
    for name, c in users.items():  # … as the users it meant to be (no session was lost on the way)
        assert c.get("/api/v1/session").status == 200, name


def test_the_unit_concerned_is_refused_the_reporter_without_being_told_it(world):
    cl, users, ids = world
    for name in ("gc_contact", "gc_head", "gc_leader", "gc_principal", "gc_admin"):
        for cid in ids["clue"]:
            r = users[name].get(f"/api/v1/clues/{cid}/reporter")
            assert r.status in (403, 404), (name, r)
            assert_clean(r, f"{name} /reporter")
    # the verifier's view of a clue shows the summary, never the report as written or the anonymity flag
    got = cl.get(ids["clue"][0], "gc_contact")
    assert got["office_view"] is False
    assert "description" not in got and "anonymous" not in got
    # what the reporter typed reached the unit masked (the office reads it as written), and so did the item and the
    # inspection the clues became
    masked = "我是【姓名已隐去】，电话【电话已隐去】，邮箱【邮箱已隐去】；邻居也看到了，他的电话【电话已隐去】。"
    assert got["summary"].endswith(masked), got["summary"]
    assert cl.get(ids["clue"][0])["description"].endswith(TYPED)
    item = users["gc_contact"].get(f"/api/v1/items/{ids['item'][0]}").json
    assert masked in item["requirement"], item["requirement"]
    insp = users["gc_office"].get(f"/api/v1/inspections/{ids['inspection'][0]}").json
    assert masked in json.dumps(insp, ensure_ascii=False), insp


def test_every_reporter_read_is_audited_without_naming_the_reporter(world):
    cl, users, ids = world
    r = users["gc_office"].get("/api/v1/audit?action=clue.reporter_read&limit=500")
    assert r.status == 200, r
    reads = [a for a in r.json["records"] if a["action"] == "clue.reporter_read"]
    assert {int(a["object_id"]) for a in reads} >= set(ids["clue"][:3]), reads
    assert_clean(r, "audit")
    # a public submission's audit record keeps no client address (it may name the sender)
    r = users["gc_office"].get(f"/api/v1/audit?action=clue.submit&object_id={ids['clue'][0]}")
    assert r.status == 200 and [a["client"] for a in r.json["records"]] == ["-"], r.json


def test_the_stored_photo_and_the_database_rows_the_unit_can_reach_hold_no_reporter(world, server):
    """The reporter is kept sealed: the clue_reporters row holds no readable name or phone."""
    cl, users, ids = world
    db = server.db
    if db.startswith("postgres"):
        rows = subprocess.run(["psql", db, "-At", "-c", "SELECT sealed FROM clue_reporters"],
                              capture_output=True, text=True).stdout
    else:
        import sqlite3
        con = sqlite3.connect(db)
        rows = "\n".join(r[0] for r in con.execute("SELECT sealed FROM clue_reporters"))
        con.close()
    assert rows.strip() and all(line.startswith("v1.") for line in rows.split()), rows[:200]
    for needle in NEEDLES:
        assert needle not in rows
