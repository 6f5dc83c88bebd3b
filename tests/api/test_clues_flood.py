"""The office keeps its pages while one address floods the public form (issue 18). The flood is refused as
soon as its request header is in (429 with Retry-After, a refusal built once, logged once and then only
counted); the public requests that are admitted are handled by threads of their own (public_threads), so the
office's requests are not queued behind them, and the valid submissions of other addresses go through. An
address refused far beyond its limits (public_close_over_per_s) is closed at accept, unanswered, until it
slows down. Functional, not timed: every bound is generous, and the flood runs until the office and the
reporters have had their answers."""
import http.client
import json
import threading

import pytest

from cluelib import Public, flood_once, flood_server, flood_until_closed, multipart, raw_post, solve
from conftest import wait_for

CLUE = "/api/v1/public/clues"


@pytest.fixture(scope="module")
def s(backend):
    # two worker threads and one public thread: a flood that held either would be seen here
    srv = flood_server(backend, public_threads=1)
    yield srv
    srv.stop()


def test_the_office_and_other_reporters_are_served_while_one_address_floods(s):
    pub = Public(s.client())
    office = s.client("gc_office")  # signed in before the flood
    seen = {}
    answers = []
    stop = threading.Event()
    lock = threading.Lock()

    def flood():
        while not stop.is_set():
            st, headers, raw = flood_once(s.port, "127.0.0.9")
            with lock:
                seen[st] = seen.get(st, 0) + 1
                if st == 429 and len(answers) < 3:
                    answers.append((headers, raw))

    flooders = [threading.Thread(target=flood) for _ in range(1)]
    for t in flooders:
        t.start()
    try:
        assert wait_for(lambda: seen.get(429, 0) + seen.get(0, 0) >= 50), seen
        # the office's ledger and its clues answer while the flood goes on
        r = office.get("/api/v1/items?limit=5")
        assert r.status == 200, r
        assert office.get("/api/v1/clues?per_page=5").status == 200
        # reporters at other addresses are accepted, each with its solved challenge
        codes = []
        for i in range(2):
            ch = pub.challenge()
            body, ctype = multipart(pub.fields(place=f"洪水测试路{i}号") +
                                    [("challenge", ch["token"]), ("solution", solve(ch["token"], ch["bits"]))])
            st, _, raw = raw_post(s.port, CLUE, body, ctype, f"127.0.0.{60 + i}")
            assert st == 201, raw
            codes.append(json.loads(raw)["tracking_code"])
        refused_during = seen.get(429, 0) + seen.get(0, 0)
    finally:
        stop.set()
        for t in flooders:
            t.join()

    # the flood got its burst (refused for its content) and nothing else: 429s, and once it was far over
    # its limits (more than 5 refusals a second), connections closed unanswered (0)
    assert set(seen) <= {0, 422, 429} and seen.get(422, 0) <= 3 and seen.get(429, 0) >= 1, seen
    assert refused_during >= 50, seen
    # each refusal is a JSON 429 a person understands, and closes the connection
    for headers, raw in answers:
        err = json.loads(raw)["error"]
        assert err["code"] == "too_many_requests" and "秒后再试" in err["message"], err
        assert 1 <= int(headers["Retry-After"]) <= 60, headers
        assert headers["Connection"].lower() == "close", headers
    # the reporters follow their clues, which reached the office
    for code in codes:
        r = pub.c.get(f"{CLUE}/{code}")
        assert r.status == 200, r
    places = {c["place"] for c in office.get("/api/v1/clues?q=洪水测试路&per_page=10").json["clues"]}
    assert places == {f"洪水测试路{i}号" for i in range(2)}, places
    # the log has a line for the first refusal of each ten seconds, not one per refusal
    log = s.output()
    lines = [line for line in log.splitlines() if "127.0.0.9 POST /api/v1/public/clues 429" in line]
    assert 1 <= len(lines) <= 6 and len(lines) * 10 < sum(seen.values()), (len(lines), seen)


def test_an_address_far_over_its_limits_is_closed_at_accept_until_it_slows_down(s):
    # one request after the other: the burst, then 429s, until more than 5 refusals fall in one second;
    # then its connections are closed before a byte of the request is read
    flood_until_closed(s.port, "127.0.0.11")
    # another address, the public pages and the office are answered meanwhile
    assert flood_once(s.port, "127.0.0.12")[0] == 422
    assert s.client().get("/api/v1/public/clue-form").status == 200
    assert s.client("gc_office").get("/api/v1/clues?per_page=1").status == 200

    # asking three times a second is slowing down: within two seconds it gets the refusal a person reads
    def answered():
        st, headers, raw = flood_once(s.port, "127.0.0.11")
        return st == 429 and (headers, json.loads(raw))

    got = wait_for(answered, step=0.34)
    assert got, "still closed at accept"
    headers, body = got
    assert body["error"]["code"] == "too_many_requests" and int(headers["Retry-After"]) >= 1, got


def test_a_trusted_proxys_connection_is_kept_open_while_its_flooding_client_is_refused(backend):
    # behind a reverse proxy one connection carries many clients: a client over its limits gets the JSON 429 on
    # it without closing it (after its small body is read), so the proxy does not open a connection per refusal
    # and its other clients go on through it; a refused body larger than 16 KiB is not read: closed
    srv = flood_server(backend, public_threads=1, env={"DUCHA_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        proxy = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        proxy.connect()
        sock = proxy.sock

        def via(method, path, client, body=None, ctype=None):
            headers = {"X-Forwarded-For": client, **({"Content-Type": ctype} if ctype else {})}
            proxy.request(method, path, body=body, headers=headers)
            r = proxy.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()

        flood = multipart([("description", "刷屏")])
        statuses = [via("POST", CLUE, "203.0.113.9", *flood)[0] for _ in range(3)]
        assert statuses == [422] * 3, statuses  # the burst, refused for its content
        # far more refusals than an address that is its own client may have before it is closed (5 a second)
        for _ in range(20):
            st, headers, raw = via("POST", CLUE, "203.0.113.9", *flood)
            assert st == 429 and json.loads(raw)["error"]["code"] == "too_many_requests", (st, raw)
            assert 1 <= int(headers["retry-after"]) <= 60 and headers.get("connection", "").lower() != "close", headers
            assert proxy.sock is sock, "the proxy's connection was closed"
        # another client of the proxy, on the same connection: its clue is accepted
        _, _, raw = via("GET", "/api/v1/public/clue-form", "198.51.100.7")
        area = next(a["id"] for a in json.loads(raw)["areas"] if "城关镇" in a["name"])
        st, _, raw = via("POST", "/api/v1/public/challenges", "198.51.100.7", json.dumps({"form": "clue"}),
                         "application/json")
        ch = json.loads(raw)
        body, ctype = multipart([("category", "environment"), ("area_id", str(area)), ("place", "代理测试路1号"),
                                 ("description", "代理之后的群众反映：路灯损坏多日无人修理，夜间行人出行不便。"),
                                 ("challenge", ch["token"]), ("solution", solve(ch["token"], ch["bits"]))])
        st, _, raw = via("POST", CLUE, "198.51.100.7", body, ctype)
        assert st == 201 and proxy.sock is sock, raw
        # a refused request with a large body is answered before its body and closes the connection
        st, headers, raw = via("POST", CLUE, "203.0.113.9", *multipart([("description", "刷" * 8000)]))
        assert st == 429 and headers["connection"].lower() == "close", headers
        # the proxy's address is never closed at accept, and nothing of the flood was stored
        office = srv.client("gc_office")
        assert [c["place"] for c in office.get("/api/v1/clues?q=代理测试路&per_page=10").json["clues"]] == ["代理测试路1号"]
        assert office.get("/api/v1/clues?q=刷屏&per_page=10").json["clues"] == []
        proxy.close()
    finally:
        srv.stop()
