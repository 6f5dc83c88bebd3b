"""The public side of clues (互联网+督查, issue 18): the form without an account, the challenge (proof of
work) that cannot be skipped or replayed and expires after its lifetime, bad input of every kind refused with a
clear 4xx that stores nothing, the upload limits (a form over 12 MiB, a file part that is no photo, a refusal after
a good photo: no file left, no row), photos stored without their location, the tracking code and page, and the rate limits per
address and for all addresses together (refused before the body is read)."""
import datetime
import hashlib
import http.client
import io
import json
import os
import socket
import threading
import time
import uuid

import pytest
from PIL import Image

from cluelib import (DESCRIPTION, REPORTER, Clues, has_location, jpeg, multipart, photos_settled, png, raw_post, solve,
                     wrong_solution)
from conftest import Server, iso_utc, scan, scratch_dir, server_now, sql_run
from itemlib import clock


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


def test_a_challenge_older_than_its_lifetime_is_refused_naming_it(backend):
    """A challenge is good for its lifetime (15 minutes, expires_at in the challenge): solved and sent within it, the
    clue is taken; sent after it, a 422 naming `challenge` that says it expired and for how long it was good, and
    nothing is stored — a challenge already spent is refused the same way once expired, also after the scheduler
    has forgotten the spent ones (so forgetting them opens no replay). On the test clock, moved past the end."""
    srv = Server(backend.new_db(scanned=True))
    try:
        cl = Clues(srv)
        pub = cl.public
        issued = server_now(srv)
        first, second = pub.challenge(), pub.challenge()
        ends = [int(datetime.datetime.fromisoformat(ch["expires_at"].replace("Z", "+00:00")).timestamp())
                for ch in (first, second)]
        assert all(issued + 900 <= e <= server_now(srv) + 900 for e in ends), (issued, ends)
        n0 = office_total(cl)
        # the last second of its lifetime: still good
        clock(srv, iso_utc(min(ends) - 1), cl)
        sol = solve(first["token"], first["bits"])
        pub.submit(solved=False, extra=[("challenge", first["token"]), ("solution", sol)], expect=201)
        # past it: refused, naming the challenge and its lifetime, storing nothing
        clock(srv, iso_utc(max(ends) + 1), cl)
        r = pub.submit(challenge=second, expect=422)
        assert r.error["code"] == "invalid" and r.error.get("field") == "challenge", r
        assert "已过期" in r.error["message"] and "15 分钟" in r.error["message"], r
        assert office_total(cl) == n0 + 1
        # the spent one too, before and after the scheduler forgets spent challenges past their lifetime
        r = pub.submit(solved=False, extra=[("challenge", first["token"]), ("solution", sol)], expect=422)
        assert r.error.get("field") == "challenge" and "已过期" in r.error["message"], r
        scan(srv)
        assert sql_run(srv.db, ["SELECT COUNT(*) FROM public_challenges"]) == [("0",)]
        r = pub.submit(solved=False, extra=[("challenge", first["token"]), ("solution", sol)], expect=422)
        assert r.error.get("field") == "challenge" and "已过期" in r.error["message"], r
        assert office_total(cl) == n0 + 1
        # a challenge issued now works
        pub.submit(expect=201)
        assert office_total(cl) == n0 + 2
    finally:
        srv.stop()


# ---- upload limits through the public endpoint: a server and data directory of their own ----

@pytest.fixture(scope="module")
def uploads(backend):
    data = scratch_dir("ducha-uploads-")
    s = Server(backend.new_db(scanned=True), data_dir=data)
    yield s, data
    s.stop()


def kept(srv, data):
    """What a submission leaves: the files under data_dir/clues (photos as sent and as stored) and the rows of
    clues, clue_photos and clue_photo_raw."""
    files = sorted(os.path.relpath(os.path.join(d, f), data) for d, _, fs in os.walk(os.path.join(data, "clues"))
                   for f in fs)
    rows = sql_run(srv.db, ["SELECT (SELECT COUNT(*) FROM clues), (SELECT COUNT(*) FROM clue_photos), "
                            "(SELECT COUNT(*) FROM clue_photo_raw)"])
    return files, rows


def parts_body(parts):
    """A multipart/form-data body of the parts in the order given: (name, filename or None, bytes or text)."""
    b = "----ducha" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, filename, data in parts:
        head = f"--{b}\r\nContent-Disposition: form-data; name=\"{name}\""
        head += f"; filename=\"{filename}\"\r\nContent-Type: image/jpeg" if filename else ""
        out.write((head + "\r\n\r\n").encode())
        out.write(data if isinstance(data, bytes) else str(data).encode())
        out.write(b"\r\n")
    out.write(f"--{b}--\r\n".encode())
    return out.getvalue(), "multipart/form-data; boundary=" + b


def photos_settled_all(srv, data, timeout=60):
    """Waits until the photo worker has stored every photo sent so far (no file as sent left, no row waiting)."""
    end = time.time() + timeout
    while time.time() < end:
        files, rows = kept(srv, data)
        if rows[0][2] == "0" and not [f for f in files if f.startswith(os.path.join("clues", "raw"))]:
            return
        time.sleep(0.2)
    raise AssertionError("photos still waiting: %r" % (kept(srv, data),))


def settled_start(uploads):
    """The uploads server, its data directory, its public form, what is kept once every photo sent so far is stored,
    and a challenge with its solution."""
    srv, data = uploads
    pub = Clues(srv).public
    photos_settled_all(srv, data)
    ch = pub.challenge()
    return srv, data, pub, kept(srv, data), ch, solve(ch["token"], ch["bits"])


def test_a_form_over_12_mib_gets_413_with_the_json_error_and_stores_nothing(uploads):
    srv, data, pub, before, ch, sol = settled_start(uploads)
    lim = pub.form()["limits"]
    photo = jpeg(gps=False)
    photo += b"\0" * (lim["photo_bytes"] - 1024 - len(photo))  # each photo under its own limit
    n = (12 * 1024 * 1024) // len(photo) + 1
    fields = pub.fields() + [("challenge", ch["token"]), ("solution", sol)]
    body, ctype = multipart(fields, [("photo", f"现场{i}.jpg", photo, "image/jpeg") for i in range(n)])
    assert len(body) > 12 * 1024 * 1024, len(body)
    # declared by Content-Length: read and dropped, then the 413
    r = pub.c.post("/api/v1/public/clues", raw=body, content_type=ctype)
    assert r.status == 413 and r.headers["Content-Type"].startswith("application/json"), r
    assert r.error["code"] == "too_large" and "12582912" in r.error["message"], r
    # sent in chunks, without a length: the same
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
        conn.request("POST", "/api/v1/public/clues", body=chunks, headers={"Content-Type": ctype},
                     encode_chunked=True)
        resp = conn.getresponse()
        status, out = resp.status, json.loads(resp.read())
    except (BrokenPipeError, ConnectionResetError):  # the server may answer and close before the last chunk
        resp = conn.getresponse()
        status, out = resp.status, json.loads(resp.read())
    finally:
        conn.close()
    assert status == 413 and out["error"]["code"] == "too_large" and out["error"]["message"], out
    assert kept(srv, data) == before
    # the challenge was not spent by either: the same form with one photo is taken
    body, ctype = multipart(fields, [("photo", "现场.jpg", jpeg(gps=False), "image/jpeg")])
    r = pub.c.post("/api/v1/public/clues", raw=body, content_type=ctype)
    assert r.status == 201, r


def test_a_file_part_not_named_photo_is_refused_naming_the_field(uploads):
    srv, data, pub, before, ch, sol = settled_start(uploads)
    for name in ("attachment", "photos", "file"):
        body, ctype = parts_body([(k, None, v) for k, v in pub.fields()] +
                                 [("challenge", None, ch["token"]), ("solution", None, sol), (name, "现场.jpg", jpeg())])
        r = pub.c.post("/api/v1/public/clues", raw=body, content_type=ctype)
        assert r.status == 422 and r.error["code"] == "invalid" and r.error.get("field") == "photo", (name, r)
        assert f"“{name}”" in r.error["message"] and "photo" in r.error["message"], r
    assert kept(srv, data) == before


def test_a_refused_submission_with_a_good_photo_leaves_no_file_and_no_row(uploads):
    """A good photo then a bad field (refused before anything is written), and a good photo with a challenge spent
    meanwhile (refused inside the transaction, after the photo was written to data_dir/clues/raw for the worker):
    no file as sent is left, no clue, photo or queue row."""
    srv, data, pub, before, ch, sol = settled_start(uploads)
    good = [("challenge", None, ch["token"]), ("solution", None, sol), ("photo", "现场.jpg", jpeg())]
    for bad, field in (({"phone": "call me"}, "phone"), ({"email": "nobody"}, "email"), ({"anonymous": "x"}, "anonymous")):
        body, ctype = parts_body(good + [(k, None, v) for k, v in pub.fields(**bad)])
        r = pub.c.post("/api/v1/public/clues", raw=body, content_type=ctype)
        assert r.status == 422 and r.error.get("field") == field, (field, r)
        assert kept(srv, data) == before
    # the challenge spent by another submission (without a photo) in between
    pub.submit(solved=False, extra=[("challenge", ch["token"]), ("solution", sol)], expect=201)
    after_one = kept(srv, data)
    assert after_one[0] == before[0] and int(after_one[1][0][0]) == int(before[1][0][0]) + 1, (before, after_one)
    body, ctype = parts_body([(k, None, v) for k, v in pub.fields()] + good + [("photo", "二.jpg", png())])
    r = pub.c.post("/api/v1/public/clues", raw=body, content_type=ctype)
    assert r.status == 409 and "已使用过" in r.error["message"], r
    assert kept(srv, data) == after_one


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
    if field.isascii():  # a form marks the member at fault, an unknown one too
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
        (body, "application/json", (415,), None),
        (body, "multipart/form-data", (415,), None),  # no boundary
        (body[: len(body) // 2], ctype, (400, 422), None),  # truncated
        (b"", ctype, (400, 422), None),
        (dup[0], dup[1], (422,), "description"),  # a field twice: the field named
        (gbk[0], gbk[1], (422,), "description"),  # not UTF-8: the field named
    ]
    for raw, ct, statuses, field in cases:
        r = pub.c.post("/api/v1/public/clues", raw=raw, content_type=ct)
        assert r.status in statuses and r.error.get("message"), (ct, r)
        if field:
            assert r.error.get("field") == field and field in r.error["message"], r
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
