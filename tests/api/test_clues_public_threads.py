"""Where the public pages' admitted requests run (issue 18): on threads of their own (public_threads, by
default 4) so that a crowd of the public never holds the worker threads the office's requests need, or, with
public_threads=0, on the worker threads as before. Both ways the public form works and its limits hold; with
the default, the office is answered while many addresses submit at once. Functional, not timed: every bound
is generous, and the crowd runs until the office has had its answers."""
import json
import threading

import pytest

from cluelib import (Public, clue_places as places, flood_once, flood_server, flood_until_closed,
                     solved_form as valid)
from conftest import Server, wait_for

CLUE = "/api/v1/public/clues"


def post(port, source, body=None):
    """(status, headers, JSON body or None); status 0 when the server closed the connection unanswered."""
    st, headers, raw = flood_once(port, source, body)
    return st, headers, json.loads(raw) if raw else None


@pytest.fixture
def on_workers(backend):
    # the public requests on the two worker threads; this node's burst wider than the three a minute counted
    # for all nodes, so that the database's count refuses first
    srv = flood_server(backend, public_threads=0, submit_burst=20)
    yield srv
    srv.stop()


def test_with_no_public_threads_the_form_works_and_its_limits_hold(on_workers):
    s = on_workers
    pub = Public(s.client())
    office = s.client("gc_office")
    assert s.client().get("/api/v1/public/clue-form").status == 200

    # a reporter's clue is accepted and can be followed
    first = valid(pub, "无公共线程路1号")
    st, _, got = post(s.port, "127.0.0.31", first)
    assert st == 201, got
    track = pub.c.get(f"{CLUE}/{got['tracking_code']}")
    assert track.status == 200 and track.json["number"] == got["number"], track

    # the same address: its three a minute are the accepted clue, the same form sent again (its challenge
    # spent: refused in the transaction that would have stored it) and a form without its fields; then 429
    # with Retry-After, its challenge solved or not; nothing of the refused ones is stored
    st, _, err = post(s.port, "127.0.0.31", first)
    assert st == 409 and "已使用过" in err["error"]["message"], err
    assert post(s.port, "127.0.0.31")[0] == 422
    st, headers, err = post(s.port, "127.0.0.31", valid(pub, "无公共线程路2号"))
    assert st == 429, err
    assert err["error"]["code"] == "too_many_requests" and "秒后再试" in err["error"]["message"], err
    assert 1 <= int(headers["Retry-After"]) <= 60, headers
    # another address is accepted meanwhile
    st, _, got = post(s.port, "127.0.0.32", valid(pub, "无公共线程路3号"))
    assert st == 201, got
    assert places(office, "无公共线程路") == ["无公共线程路1号", "无公共线程路3号"]

    # one address that keeps on: the JSON 429, then, past 5 refusals a second, closed at accept; the office,
    # the public form and other addresses are answered meanwhile
    flood_until_closed(s.port, "127.0.0.33")
    assert post(s.port, "127.0.0.34")[0] == 422
    assert s.client().get("/api/v1/public/clue-form").status == 200
    assert office.get("/api/v1/items?limit=5").status == 200
    assert places(office, "无公共线程路") == ["无公共线程路1号", "无公共线程路3号"]


def test_with_the_default_public_threads_the_office_is_answered_while_many_submit(backend):
    # two worker threads, the default public threads; the limits wide, so that every submission of the
    # crowd (each from its own address) is admitted and handled: its count in the database, its challenge
    s = Server(backend.new_db(), env={"DUCHA_THREADS": "2", "DUCHA_PUBLIC_SUBMIT_PER_MIN": "100",
                                      "DUCHA_PUBLIC_SUBMIT_BURST": "100", "DUCHA_PUBLIC_SUBMIT_GLOBAL_PER_S": "0",
                                      "DUCHA_PUBLIC_SUBMIT_ALL_PER_MIN": "0"})
    try:
        pub = Public(s.client())
        office = s.client("gc_office")  # signed in before the crowd
        seen, lock, stop = {}, threading.Lock(), threading.Event()

        def crowd(k):
            i = 0
            while not stop.is_set():
                st = post(s.port, f"127.0.{100 + k}.{1 + i % 250}")[0]
                i += 1
                with lock:
                    seen[st] = seen.get(st, 0) + 1

        def handled():
            with lock:
                return seen.get(422, 0)

        threads = [threading.Thread(target=crowd, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        try:
            assert wait_for(lambda: handled() >= 30), seen
            before = handled()
            # the office's ledger, its clues and a reporter's valid clue, while the crowd goes on
            assert office.get("/api/v1/items?limit=5").status == 200
            assert office.get("/api/v1/clues?per_page=5").status == 200
            st, _, got = post(s.port, "127.0.99.1", valid(pub, "默认公共线程路1号"))
            assert st == 201, got
            # the crowd was being handled all along: more of it answered after the office's requests
            assert wait_for(lambda: handled() > before), seen
        finally:
            stop.set()
            for t in threads:
                t.join()
        # every request of the crowd was admitted and refused for its content: none lost, none left waiting
        assert set(seen) == {422}, seen
        assert places(office, "默认公共线程路") == ["默认公共线程路1号"]
        assert pub.c.get(f"{CLUE}/{got['tracking_code']}").status == 200
    finally:
        s.stop()
