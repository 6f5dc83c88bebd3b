"""The public pages' own listener (issue 18: the office's ledger unaffected by the public). With public_listen
the public form, its challenge and the tracking page are served on an address of their own, which answers
nothing of the office whatever the request carries; that listener's threads and the public threads run
public_nice below the office's CPU priority, so that when the cores are short the office is served first.
A flood from one address on it is refused with the JSON 429, then closed at accept, while the office is
answered on its own listener. Functional, not timed."""
import json
import os
import socket
import subprocess
import time

import pytest

from cluelib import (Public, budget_came_back, clue_places as places, flood_once, flood_server, flood_until_closed,
                     has_location, jpeg, photos_settled, solved_form as valid)
from conftest import BIN, TEST_AUDIT_KEY, TEST_SECRET_KEY, Client, free_port, wait_for

CLUE = "/api/v1/public/clues"
NICE = 3


@pytest.fixture(scope="module")
def srv(backend):
    pport = free_port()
    s = flood_server(backend, public_threads=2, submit_burst=20,
                     env={"DUCHA_PUBLIC_LISTEN": f"127.0.0.1:{pport}", "DUCHA_PUBLIC_NICE": str(NICE)})
    s.pport = pport
    s.purl = f"http://127.0.0.1:{pport}"
    yield s
    s.stop()


class Elsewhere(Client):
    """A client of the public listener, where every route but the public pages' is 404: docs/openapi.yaml
    describes the routes at `listen` (and says so of public_listen), so these answers are not checked against
    each route's documented statuses."""

    @staticmethod
    def check_contract(*args):
        pass


def as_on(client, base):
    """The same signed-in client (its cookies, CSRF token) sending to the public listener."""
    c = Elsewhere(base)
    c.jar, c.csrf, c.token = client.jar, client.csrf, client.token
    return c


def nice_of(pid, tid=None):
    """(name, nice) of a thread (/proc/PID/task/TID), or of the process's main thread."""
    d = f"/proc/{pid}/task/{tid or pid}"
    with open(d + "/comm") as f:
        name = f.read().strip()
    with open(d + "/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return name, int(fields[16])  # field 19 of stat(5), counted after the name


def test_the_public_listener_serves_the_public_pages_and_the_office_sees_the_clue(srv):
    pub = Public(Client(srv.purl))
    assert pub.c.get("/api/v1/public/clue-form").status == 200
    # the published bulletins' page reads its API there too
    assert pub.c.get("/api/v1/public/bulletins").status == 200
    st, _, raw = flood_once(srv.pport, "127.0.0.41", valid(pub, "公开监听路1号"))
    got = json.loads(raw)
    assert st == 201, got
    track = pub.c.get(f"{CLUE}/{got['tracking_code']}")
    assert track.status == 200 and track.json["number"] == got["number"], track
    # the office reads it on its own listener, the reporter's page is the same there
    office = srv.client("gc_office")
    assert places(office, "公开监听路") == ["公开监听路1号"]
    assert srv.client().get(f"{CLUE}/{got['tracking_code']}").json["number"] == got["number"]
    # a photo sent there is stored without its location, and the office sees it
    shot = jpeg()
    assert has_location(shot)
    pub.submit(pub.fields(place="公开监听路3号"), photos=[shot])
    [found] = office.get("/api/v1/clues?q=公开监听路3号").json["clues"]
    clue = photos_settled(office, found["id"])
    [photo] = clue["photos"]
    assert photo["state"] == "ready", photo
    r = office.get(f"/api/v1/clues/{clue['id']}/photos/{photo['id']}")
    assert r.status == 200 and not has_location(r.raw), "a stored photo still carries Exif"


def test_the_public_listener_answers_nothing_of_the_office(srv):
    office = srv.client("gc_office")
    assert office.get("/api/v1/items?limit=5").status == 200
    there = as_on(office, srv.purl)
    for method, path, body in [("GET", "/api/v1/items?limit=5", None), ("GET", "/api/v1/clues?per_page=5", None),
                               ("GET", "/api/v1/session", None), ("GET", "/api/v1/health", None),
                               ("POST", "/api/v1/session", {"username": "gc_office", "password": "x"}),
                               ("PATCH", "/api/v1/clues/1", {"reply": "改"})]:
        r = there.request(method, path, body)
        assert r.status == 404 and r.json["error"]["code"] == "not_found", (method, path, r)
        assert r.json["error"]["message"] == "该地址只提供公开页面", r
    # nothing changed, the session still works where it belongs
    assert office.get("/api/v1/session").status == 200
    # an anonymous sign-in on the public listener gets no session
    r = Elsewhere(srv.purl).post("/api/v1/session", {"username": "gc_office", "password": "demo1234"})
    assert r.status == 404 and b"csrf_token" not in r.raw, r


def test_the_public_threads_run_below_the_office_priority(srv):
    pid = srv.proc.pid
    _, base = nice_of(pid)
    assert base < 19, "the tests run at nice 19: no lower priority to see"
    threads = [nice_of(pid, t) for t in os.listdir(f"/proc/{pid}/task")]
    lowered = sorted(name for name, n in threads if n == min(19, base + NICE))
    # the 2 public threads, public_listen's 2 worker threads (libmicrohttpd names its own) and the photo worker
    assert lowered == ["MHD-worker"] * 2 + ["ducha-photos"] + ["ducha-public"] * 2, threads
    # everything else at the office's: its 2 worker threads among them
    rest = [(name, n) for name, n in threads if n != min(19, base + NICE)]
    assert {n for _, n in rest} == {base} and [name for name, _ in rest].count("MHD-worker") == 2, threads


def test_a_flood_on_the_public_listener_is_refused_while_the_office_is_answered(srv):
    office = srv.client("gc_office")
    statuses = flood_until_closed(srv.pport, "127.0.0.43")
    st, headers, raw = flood_once(srv.pport, "127.0.0.44")
    assert st == 422, raw
    # the refusals were the JSON 429 with Retry-After (one more from a fresh address after its three; on a loaded
    # machine a new minute may give it three more meanwhile, as in flood_until_closed)
    start, before = time.time(), []
    while len(before) < 10:
        st, headers, raw = flood_once(srv.pport, "127.0.0.45")
        if st != 422:
            break
        before.append(st)
    err = json.loads(raw)
    assert st == 429 and err["error"]["code"] == "too_many_requests", raw
    assert 3 <= len(before) <= 3 + budget_came_back(start), before
    assert headers["Content-Type"].startswith("application/json") and 1 <= int(headers["Retry-After"]) <= 60
    assert len(statuses) > 9
    # the office on its listener meanwhile, and a reporter at another address on the public one
    assert office.get("/api/v1/items?limit=5").status == 200
    pub = Public(Client(srv.purl))
    st, _, raw = flood_once(srv.pport, "127.0.0.46", valid(pub, "公开监听路2号"))
    assert st == 201, raw
    assert wait_for(lambda: "公开监听路2号" in places(office, "公开监听路"))


def test_a_public_listen_that_cannot_be_read_stops_the_start(backend, tmp_path):
    env = dict(os.environ, DUCHA_DATA_DIR=str(tmp_path), DUCHA_AUDIT_KEY=TEST_AUDIT_KEY,
               DUCHA_SECRET_KEY=TEST_SECRET_KEY, DUCHA_PUBLIC_LISTEN="nowhere", DUCHA_SCHEDULER="false")
    out = subprocess.run([BIN, "serve", "--db", backend.new_db(), "--listen", f"127.0.0.1:{free_port()}"],
                         capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert out.returncode != 0
    assert "public_listen address 'nowhere' must be HOST:PORT" in out.stdout + out.stderr, out


def test_an_office_address_in_use_stops_the_start_after_the_public_listener_opened(backend, tmp_path):
    # the public listener opens first (so that it answers once the office does); when the office's address is
    # then taken, the start stops with the address named, and what the public side started is stopped cleanly
    env = dict(os.environ, DUCHA_DATA_DIR=str(tmp_path), DUCHA_AUDIT_KEY=TEST_AUDIT_KEY,
               DUCHA_SECRET_KEY=TEST_SECRET_KEY, DUCHA_PUBLIC_LISTEN=f"127.0.0.1:{free_port()}",
               DUCHA_SCHEDULER="false")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = subprocess.run([BIN, "serve", "--db", backend.new_db(), "--listen", f"127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    said = out.stdout + out.stderr
    assert out.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in said, said
    assert "Sanitizer" not in said and "runtime error" not in said, said
