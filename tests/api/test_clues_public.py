"""The public side of clues (互联网+督查, issue 18): the form without an account, the challenge (proof of
work) that cannot be skipped or replayed, bad input of every kind refused with a clear 4xx that stores
nothing, photos stored without their location, the tracking code and page, and the rate limits per
address and for all addresses together (refused before the body is read)."""
import hashlib
import http.client
import io
import json
import socket
import threading

import pytest
from PIL import Image

from cluelib import (DESCRIPTION, REPORTER, Clues, has_location, jpeg, multipart, photos_settled, png, raw_post, solve,
                     wrong_solution)
from conftest import Server


@pytest.fixture(scope="module")
def cl(server):
    return Clues(server)


def office_total(cl):
    r = cl.c("gc_office").get("/api/v1/clues?per_page=1")
    assert r.status == 200, r
    return r.json["total"]


def find(cl, number, user="gc_office"):
    r = cl.c(user).get(f"/api/v1/clues?q={number}")
    assert r.status == 200, r
    hit = [c for c in r.json["clues"] if c["number"] == number]
    assert len(hit) == 1, (number, r.json)
    return cl.get(hit[0]["id"], user)


def test_the_form_needs_no_account_and_offers_areas_categories_limits(cl):
    f = cl.public.form()
    assert {"environment", "conduct", "burden"} <= {c["name"] for c in f["categories"]}
    names = [a["name"] for a in f["areas"]]
    assert any("城关镇" in n for n in names) and any("古城县" in n for n in names)
    assert all(a["kind"] in ("government", "township") for a in f["areas"])
    assert f["limits"]["photos"] >= 1 and f["limits"]["photo_bytes"] > 100000
    assert "只有督查室" in f["notice"]
    assert f["pow_bits"] == 8  # the test servers' setting (conftest)


def test_a_public_clue_gets_a_tracking_code_and_reaches_the_office(cl):
    pub = cl.public
    # the office's clue to-dos (counts.total counts every kind: the scheduler may hand it others meanwhile)
    before = cl.c("gc_office").get("/api/v1/todos?kind=clue").json["counts"]["by_kind"].get("clue", 0)
    r = pub.submit(pub.fields(name=REPORTER["name"], phone=REPORTER["phone"]))
    out = r.json
    assert out["status"] == "已受理" and out["number"].startswith("古")
    code = out["tracking_code"]
    assert len(code) == 19 and code.count("-") == 3
    # the office has it, with a to-do and a message; its reporter is named only through /reporter
    clue = find(cl, out["number"])
    assert clue["source"] == "public" and clue["state"] == "received" and clue["office_view"] is True
    assert clue["anonymous"] is False
    assert REPORTER["name"] not in json.dumps(clue, ensure_ascii=False)
    after = cl.c("gc_office").get("/api/v1/todos?kind=clue").json
    assert after["counts"]["by_kind"]["clue"] == before + 1
    assert any(t["object_id"] == clue["id"] and t["task"] == "triage" for t in after["todos"])
    inbox = cl.c("gc_office").get("/api/v1/inbox?limit=50")
    assert inbox.status == 200, inbox
    assert any(out["number"] in m["subject"] for m in inbox.json["messages"])
    who = cl.c("gc_office").get(f"/api/v1/clues/{clue['id']}/reporter")
    assert who.status == 200 and who.json["anonymous"] is False
    assert who.json["reporter"] == {"name": REPORTER["name"], "phone": REPORTER["phone"]}
    # the tracking page: status and nothing else
    t = pub.c.get(f"/api/v1/public/clues/{code}")
    assert t.status == 200, t
    assert t.json["number"] == out["number"] and t.json["status"] == "已受理" and not t.json["closed"]
    assert t.json["updates"][0]["text"].startswith("已收到")
    flat = json.dumps(t.json, ensure_ascii=False)
    assert DESCRIPTION not in flat and REPORTER["name"] not in flat and REPORTER["phone"] not in flat
    # lower case and without dashes is the same code (people type it); a wrong one is a plain 404
    assert pub.c.get(f"/api/v1/public/clues/{code.replace('-', '').lower()}").status == 200
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    for bad in (wrong, "x", "A" * 300, "%00", "' OR 1=1 --"):
        r = pub.c.get(f"/api/v1/public/clues/{bad}")
        assert r.status == 404 and "查询码" in r.error["message"], (bad, r)


def test_the_server_log_keeps_no_address_of_a_reporter_nor_a_tracking_code(cl, server):
    out = cl.public.submit().json
    assert cl.public.c.get(f"/api/v1/public/clues/{out['tracking_code']}").status == 200
    assert cl.public.c.get(f"/api/v1/public/clues/{out['tracking_code'].lower()}").status == 200
    log = server.output()
    assert "- POST /api/v1/public/clues 201" in log
    assert "127.0.0.1 POST /api/v1/public/clues" not in log
    assert "127.0.0.1 GET /api/v1/public/clues/" not in log
    # the code is the reporter's key to the clue: the log names the route, never the code
    assert "GET /api/v1/public/clues/{code} 200" in log
    code = out["tracking_code"]
    for shown in (code, code.lower(), code.replace("-", "")):
        assert shown not in log, shown
    assert "127.0.0.1 GET /api/v1/public/clue-form" in log  # other requests keep theirs


def test_anonymous_is_the_default_without_a_name_or_contact(cl):
    out = cl.public.submit().json
    clue = find(cl, out["number"])
    assert clue["anonymous"] is True
    r = cl.c("gc_office").get(f"/api/v1/clues/{clue['id']}/reporter")
    assert r.status == 200 and r.json == {"anonymous": True, "reporter": None}


def test_the_challenge_cannot_be_skipped_forged_replayed_or_reused_elsewhere(cl):
    pub = cl.public
    n0 = office_total(cl)
    # none
    r = pub.submit(solved=False, expect=422)
    assert "challenge" in r.error["message"] or "人机验证" in r.error["message"], r
    # a token without a solution, a wrong solution, a forged token, a token of another shape
    ch = pub.challenge()
    bad_solution = wrong_solution(ch["token"], ch["bits"])
    for extra in ([("challenge", ch["token"])],
                  [("challenge", ch["token"]), ("solution", bad_solution)],
                  [("challenge", ch["token"][:-4] + "AAAA"), ("solution", solve(ch["token"], ch["bits"]))],
                  [("challenge", "v1.clue.1.8.x.y"), ("solution", "1")],
                  [("challenge", ch["token"]), ("solution", "-1")],
                  [("challenge", ch["token"]), ("solution", "9" * 40)]):
        r = pub.submit(solved=False, extra=extra, expect=422)
        assert r.error["code"] == "invalid", r
    # a good one works once; replayed it is a 409 and stores nothing
    ch = pub.challenge()
    sol = solve(ch["token"], ch["bits"])
    pub.submit(solved=False, extra=[("challenge", ch["token"]), ("solution", sol)], expect=201)
    r = pub.submit(solved=False, extra=[("challenge", ch["token"]), ("solution", sol)], expect=409)
    assert "已使用过" in r.error["message"], r
    assert office_total(cl) == n0 + 1
    # only the public forms have challenges, and a survey's challenge does not carry a clue
    r = pub.c.post("/api/v1/public/challenges", {"form": "poll"})
    assert r.status == 422, r
    r = pub.submit(challenge=pub.challenge(form="survey"), expect=422)
    assert "不是为此表单签发" in r.error["message"], r
    assert office_total(cl) == n0 + 1


BAD_FIELDS = [
    ({"category": None}, "category"),
    ({"category": "ufo"}, "category"),
    ({"area_id": None}, "area_id"),
    ({"area_id": "abc"}, "area_id"),
    ({"area_id": "999999"}, "地区"),
    ({"description": None}, "description"),
    ({"description": "太短"}, "description"),
    ({"description": "\u3000\u3000  \t  \u3000" * 3}, "description"),  # white space only: trimmed, empty
    ({"description": "很" * 4001}, "description"),
    ({"place": "路" * 201}, "place"),
    ({"anonymous": "maybe"}, "anonymous"),
    ({"phone": "call me"}, "phone"),
    ({"email": "not-an-address"}, "email"),
    ({"name": "名" * 51}, "name"),
    ({"color": "red"}, "color"),
]


@pytest.mark.parametrize("change,field", BAD_FIELDS, ids=[f for _, f in BAD_FIELDS])
def test_bad_fields_get_a_422_naming_the_field_and_store_nothing(cl, change, field):
    n0 = office_total(cl)
    r = cl.public.submit(cl.public.fields(**change), expect=422)
    assert r.error["code"] == "invalid" and field in r.error["message"], r
    if field.isascii() and field != "color":  # a form marks the member at fault
        assert r.error.get("field") == field, r
    assert office_total(cl) == n0


def test_malformed_bodies_are_refused_and_store_nothing(cl):
    pub = cl.public
    n0 = office_total(cl)
    ch = pub.challenge()
    sol = solve(ch["token"], ch["bits"])
    good = pub.fields() + [("challenge", ch["token"]), ("solution", sol)]
    body, ctype = multipart(good)
    dup = multipart(good + [("description", "再来一次描述，重复的字段不行")])
    gbk = multipart([(k, v.encode("gbk") if k == "description" else v) for k, v in good])
    cases = [
        (body, "application/json", (415,)),
        (body, "multipart/form-data", (415,)),  # no boundary
        (body[: len(body) // 2], ctype, (400, 422)),  # truncated
        (b"", ctype, (400, 422)),
        (dup[0], dup[1], (422,)),
        (gbk[0], gbk[1], (422,)),
    ]
    for raw, ct, statuses in cases:
        r = pub.c.post("/api/v1/public/clues", raw=raw, content_type=ct)
        assert r.status in statuses and r.error.get("message"), (ct, r)
    assert office_total(cl) == n0
    # the challenge was not spent by any refusal: it still works
    pub.submit(solved=False, extra=[("challenge", ch["token"]), ("solution", sol)], expect=201)


def test_photos_are_stored_without_location_or_metadata(cl):
    pub = cl.public
    shot = jpeg()
    assert has_location(shot)  # the test photo does carry a location and a maker
    out = pub.submit(photos=[shot, png()]).json
    clue = photos_settled(cl.c("gc_office"), find(cl, out["number"])["id"])
    assert [p["type"] for p in clue["photos"]] == ["image/jpeg", "image/png"]
    assert [p["state"] for p in clue["photos"]] == ["ready", "ready"], clue["photos"]
    for p in clue["photos"]:
        r = cl.c("gc_office").get(f"/api/v1/clues/{clue['id']}/photos/{p['id']}")
        assert r.status == 200 and r.headers["Content-Type"] == p["type"], r
        assert len(r.raw) == p["size"]
        assert not has_location(r.raw), "a stored photo still carries Exif"
        assert b"\xe7\x94\x84" not in r.raw and "甄秘密".encode() not in r.raw  # PNG text chunk gone
        img = Image.open(io.BytesIO(r.raw))
        img.load()  # still a valid image of the same size
        assert img.size in ((96, 64), (40, 30))
        assert r.headers["Content-Security-Policy"] == "sandbox"
    # a photo the caller cannot see is a 404
    assert cl.c("gc_contact2").get(f"/api/v1/clues/{clue['id']}/photos/{clue['photos'][0]['id']}").status == 404


def test_photos_that_are_not_images_too_big_or_too_many_are_refused(cl):
    pub = cl.public
    lim = pub.form()["limits"]
    n0 = office_total(cl)
    r = pub.submit(photos=[b"<html><script>alert(1)</script></html>"], expect=415)
    assert "照片" in r.error["message"], r
    big = jpeg(size=(2600, 2600), color=(1, 2, 3))
    big += b"\0" * max(0, lim["photo_bytes"] + 1 - len(big))
    r = pub.submit(photos=[big], expect=413)
    assert "照片" in r.error["message"], r
    r = pub.submit(photos=[jpeg(gps=False)] * (lim["photos"] + 1), expect=422)
    assert str(lim["photos"]) in r.error["message"], r
    r = pub.submit(extra=[], photos=(), fields=pub.fields() + [("photo", "x")], expect=422)
    assert office_total(cl) == n0


def test_a_clue_for_an_area_without_an_office_is_refused(cl):
    # the form offers only areas some supervision office answers for; any other unit id is refused
    areas = {a["id"] for a in cl.public.form()["areas"]}
    jt = cl.unit("gc-jt")  # a department, not an area
    assert jt not in areas
    r = cl.public.submit(cl.public.fields(area_id=str(jt)), expect=422)
    assert "地区" in r.error["message"], r


# ---- rate limits: a server of its own with the limits on ----

@pytest.fixture(scope="module")
def limited(backend):
    # three a minute, all in the burst: after it the address earns a submission every 20 s, and the count of
    # the minute (kept in the database) refuses a fourth within it, so the flood's 40 requests would have to
    # take 20 s, not 10, before one more goes through
    s = Server(backend.new_db(), env={"DUCHA_PUBLIC_SUBMIT_PER_MIN": "3", "DUCHA_PUBLIC_SUBMIT_BURST": "3",
                                      "DUCHA_PUBLIC_SUBMIT_GLOBAL_PER_S": "5",
                                      "DUCHA_PUBLIC_READ_PER_MIN": "60", "DUCHA_PUBLIC_READ_BURST": "20",
                                      "DUCHA_PUBLIC_READ_GLOBAL_PER_S": "1000"})
    yield s
    s.stop()


def test_a_flood_from_one_address_is_refused_before_its_body(limited):
    port = limited.port
    body, ctype = multipart([("category", "environment")])
    statuses = [raw_post(port, "/api/v1/public/clues", body, ctype, "127.0.0.7")[0] for _ in range(40)]
    # the burst goes through (and is refused for its content), everything after it is 429
    assert statuses[:3] == [422, 422, 422], statuses
    assert set(statuses[3:]) == {429}, statuses
    st, headers, raw = raw_post(port, "/api/v1/public/clues", body, ctype, "127.0.0.7")
    assert st == 429 and int(headers["Retry-After"]) >= 1
    err = json.loads(raw)["error"]
    assert err["code"] == "too_many_requests" and "秒后再试" in err["message"]
    # a large body from the refused address is refused all the same, before a byte of it is sent
    s = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=("127.0.0.7", 0))
    s.sendall(f"POST /api/v1/public/clues HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
              f"Content-Length: 5000000\r\n\r\n".encode())
    head = s.recv(4096)
    s.close()
    assert head.startswith(b"HTTP/1.1 429"), head
    # another address is not held back by that one
    assert raw_post(port, "/api/v1/public/clues", body, ctype, "127.0.0.8")[0] == 422
    # reads have their own, larger budget: the refused address can still follow its clue
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=("127.0.0.7", 0))
    c.request("GET", "/api/v1/public/clue-form")
    assert c.getresponse().status == 200
    c.close()
    # signed-in users are not limited
    office = limited.client("gc_office")
    for _ in range(30):
        assert office.get("/api/v1/clues?per_page=1").status == 200


def test_a_crowd_of_addresses_is_held_to_the_global_rate(limited):
    port = limited.port
    body, ctype = multipart([("category", "environment")])
    results = []
    lock = threading.Lock()

    def one(i):
        st = raw_post(port, "/api/v1/public/clues", body, ctype, f"127.0.{1 + i // 200}.{1 + i % 200}")[0]
        with lock:
            results.append(st)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every address sent one request, well inside its own limit; all together they exceed 5/s
    assert results.count(429) >= 30, results
    assert set(results) <= {422, 429}, results
