"""The public pages' own listener on IPv6 as well as IPv4 (issue 18). public_listen (like listen) takes
HOST:PORT with an IPv4 address or an IPv6 address in brackets: [::] is one dual-stack socket for both families,
[::1] IPv6's loopback alone. An IPv4 client of the dual-stack socket is still known by its IPv4 address (its
limits, its refusals, the log), not by the IPv4-mapped IPv6 address the socket reports: all of IPv4 would be one
/64 to the accept-time closing otherwise. Skipped only when this machine cannot bind ::1."""
import json
import os
import signal
import socket
import subprocess
import urllib.request

import pytest

from cluelib import Public, clue_places as places, flood_once, flood_server, flood_until_closed, solved_form as valid
from conftest import BIN, TEST_AUDIT_KEY, TEST_SECRET_KEY, Client, free_port, wait_for


def ipv6_problem():
    """Why this machine cannot listen on ::1 and [::] (dual stack), or None."""
    try:
        for host, v6only in (("::1", 1), ("::", 0)):
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
                s.bind((host, 0))
    except OSError as e:
        return f"cannot bind {host}: {e}"
    return None


pytestmark = pytest.mark.skipif(ipv6_problem() is not None, reason=f"no IPv6 loopback here: {ipv6_problem()}")


class Elsewhere(Client):
    """A client of the public listener, where the office's routes are 404 (not the documented statuses)."""

    @staticmethod
    def check_contract(*args):
        pass


@pytest.fixture(scope="module")
def srv(backend):
    pport = free_port()
    s = flood_server(backend, public_threads=1, submit_burst=20, env={"DUCHA_PUBLIC_LISTEN": f"[::]:{pport}"})
    s.pport = pport
    yield s
    s.stop()


def test_the_public_listener_answers_on_ipv6_and_on_ipv4(srv):
    office = srv.client("gc_office")
    for base, place in ((f"http://[::1]:{srv.pport}", "六号监听路1号"), (f"http://127.0.0.1:{srv.pport}", "六号监听路2号")):
        pub = Public(Client(base))
        out = pub.submit(pub.fields(place=place)).json
        track = pub.c.get(f"/api/v1/public/clues/{out['tracking_code']}")
        assert track.status == 200 and track.json["number"] == out["number"], track
        # the office's routes there are 404, signed in or not, on either family
        there = Elsewhere(base)
        there.jar, there.csrf, there.token = office.jar, office.csrf, office.token
        r = there.get("/api/v1/clues?per_page=5")
        assert r.status == 404 and "该地址只提供公开页面" in r.error["message"], r
    assert sorted(places(office, "六号监听路")) == ["六号监听路1号", "六号监听路2号"]


def test_ipv4_clients_of_the_dual_stack_listener_are_told_apart(srv):
    # one IPv4 address floods until it is closed at accept ...
    flood_until_closed(srv.pport, "127.0.0.51")
    # ... another IPv4 address is still answered (keyed by its own IPv4 address, not one IPv4-mapped /64) ...
    st, _, raw = flood_once(srv.pport, "127.0.0.52")
    assert st == 422, raw
    pub = Public(Client(f"http://127.0.0.1:{srv.pport}"))
    st, _, raw = flood_once(srv.pport, "127.0.0.53", valid(pub, "六号监听路3号"))
    assert st == 201, raw
    # ... and the log names the flooding address as IPv4
    out = srv.output()
    assert "127.0.0.51" in out and "::ffff:" not in out, out[-3000:]


def test_the_office_listens_on_ipv6_and_a_bad_ipv6_address_stops_the_start(backend, tmp_path):
    env = dict(os.environ, DUCHA_DATA_DIR=str(tmp_path), DUCHA_AUDIT_KEY=TEST_AUDIT_KEY,
               DUCHA_SECRET_KEY=TEST_SECRET_KEY, DUCHA_SCHEDULER="false")
    db = backend.new_db()
    port, pport = free_port(), free_port()
    p = subprocess.Popen([BIN, "serve", "--db", db, "--listen", f"[::1]:{port}"], env=dict(env, DUCHA_PUBLIC_LISTEN=
                         f"[::1]:{pport}"), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def health(url):
            try:
                return json.loads(urllib.request.urlopen(url, timeout=5).read())
            except OSError:
                return None
        assert wait_for(lambda: health(f"http://[::1]:{port}/api/v1/health"), timeout=60), "no answer on [::1]"
        form = json.loads(urllib.request.urlopen(f"http://[::1]:{pport}/api/v1/public/clue-form", timeout=5).read())
        assert form["areas"], form
        with pytest.raises(OSError):  # IPv6's loopback only: not IPv4's
            urllib.request.urlopen(f"http://127.0.0.1:{pport}/api/v1/public/clue-form", timeout=5)
    finally:
        p.send_signal(signal.SIGTERM)
        out = p.communicate(timeout=60)[0]
    assert p.returncode == 0, out[-3000:]
    for bad, said in (("[::g]:8081", "'::g' is not an IPv6 address"), ("[::1]:x", "bad port")):
        r = subprocess.run([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{free_port()}"],
                           env=dict(env, DUCHA_PUBLIC_LISTEN=bad), capture_output=True, text=True, timeout=60,
                           cwd=tmp_path)
        assert r.returncode != 0 and said in r.stdout + r.stderr, r
