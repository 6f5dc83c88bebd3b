"""Events out (webhooks): an administrator registers an endpoint of another system for chosen event
kinds; deliveries reach a real receiver on loopback (tests/support/http_sink.py), signed with HMAC-SM3
under the endpoint's secret and timestamped; a receiver that is down, slow or answers 500 is retried
with back-off until it takes the delivery or the delivery becomes a dead letter that can be resent;
an endpoint receives only the events of its unit's subtree; every payload matches the `webhooks` of
docs/openapi.yaml."""
import base64
import datetime
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import textwrap
import time

import pytest

import contract
from conftest import ROOT, Server, iso_utc, scan, scratch_dir, server_now
from itemlib import ORDER, PATH, Items, day
from test_deadlines import HttpSink, wait_for

# http:// to loopback is allowed by the explicit switch; fast retries and a short timeout for tests
WEBHOOK_ENV = {"DUCHA_WEBHOOK_ALLOW_HTTP": "true", "DUCHA_WEBHOOK_RETRY_S": "1", "DUCHA_WEBHOOK_ATTEMPTS": "4",
               "DUCHA_WEBHOOK_TIMEOUT_S": "2"}
SPEC = contract.Contract()


@pytest.fixture
def srv(backend):
    """A server of its own per test on the scanned template: the demo data's steps of today are taken before any
    endpoint exists, as on the plain one, whose first pass took them on PostgreSQL in 1-2 s under load."""
    s = Server(backend.new_db(scanned=True), env=WEBHOOK_ENV)
    yield s
    s.stop()


@pytest.fixture
def sinks():
    made = []

    def make(*flags):
        s = HttpSink(*flags)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def sm3(b):
    h = hashlib.new("sm3")
    h.update(b)
    return h.digest()


def hmac_sm3(key, msg):
    """HMAC (RFC 2104) over SM3, written out here so that the server's signature is checked by an
    independent implementation."""
    if len(key) > 64:
        key = sm3(key)
    key = key.ljust(64, b"\0")
    return sm3(bytes(k ^ 0x5C for k in key) + sm3(bytes(k ^ 0x36 for k in key) + msg)).hex()


def readme_genuine():
    """The function genuine(secret, headers, body) of README.md's webhook section, as printed there."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        code = re.search(r"```python\n(.*?def genuine.*?)```", f.read(), re.S).group(1)
    scope = {}
    exec(textwrap.dedent(code), scope)
    return scope["genuine"]


def register(c, url, events, status=201, **kw):
    r = c.post("/api/v1/webhooks", {"name": "古城县协同办公系统", "url": url, "events": events, **kw})
    assert r.status == status, r
    return r.json


def received(sink, event=None):
    out = []
    for r in sink.requests(all=True):
        body = json.loads(r["body"])
        if event is None or body["event"] == event:
            out.append((r, body))
    return out


def check_delivery(req, body, secret):
    """The headers, the signature and the payload of one delivery, as docs/openapi.yaml says."""
    h = {k.lower(): v for k, v in req["headers"].items()}
    assert h["content-type"].startswith("application/json")
    assert h["x-ducha-event"] == body["event"] and h["x-ducha-event-id"] == body["id"]
    ts = int(h["x-ducha-timestamp"])
    assert abs(ts - time.time()) < 300
    raw = req["body"].encode("utf-8")
    assert h["x-ducha-signature"] == "hmac-sm3=" + hmac_sm3(secret.encode(), f"{ts}.".encode() + raw)
    assert body["event"] in SPEC.raw["webhooks"], body["event"]
    SPEC.check_schema({"$ref": "#/components/schemas/WebhookPayload"}, body, f"webhook {body['event']}")
    if body["object"]["type"] == "item":
        assert body["item"]["id"] == body["object"]["id"]


def move(items, item_id, frm, to):
    """Takes the item along the main path from state frm to state to."""
    for s in ORDER[ORDER.index(frm) + 1:ORDER.index(to) + 1]:
        for user, action, body in PATH[s]:
            items.act(item_id, user, action, body)


def deliveries(c, wid, **q):
    qs = "&".join(f"{k}={v}" for k, v in q.items())
    r = c.get(f"/api/v1/webhooks/{wid}/deliveries" + (f"?{qs}" if qs else ""))
    assert r.status == 200, r
    return r.json["deliveries"]


def test_an_endpoint_is_registered_and_its_secret_shown_once(srv, unique):
    c = srv.client("gc_admin")
    r = c.get("/api/v1/webhooks/events")
    assert r.status == 200
    names = [e["name"] for e in r.json["events"]]
    assert {"item.assigned", "item.overdue", "item.completed"} <= set(names)
    # the document describes exactly the kinds the server offers (and the test ping)
    assert set(names) == set(SPEC.raw["components"]["schemas"]["WebhookEventName"]["enum"])
    assert set(names) | {"webhook.ping"} == set(SPEC.raw["webhooks"])
    w = register(c, "https://oa.gucheng.gov.cn/ducha/events", ["item.assigned", "item.completed"],
                 name=f"OA {unique}")
    assert w["secret"].startswith("whsec_") and w["unit_name"] == "古城县人民政府" and w["active"] is True
    assert w["deliveries"] == {"pending": 0, "sending": 0, "sent": 0, "dead": 0, "cancelled": 0}
    got = c.get(f"/api/v1/webhooks/{w['id']}").json
    assert "secret" not in got and got["events"] == ["item.assigned", "item.completed"]
    assert [x["id"] for x in c.get("/api/v1/webhooks").json["webhooks"]] == [w["id"]]
    audit = c.get(f"/api/v1/audit?action=webhook.create&object_id={w['id']}").json["records"]
    assert len(audit) == 1 and audit[0]["summary"]["url"] == w["url"] and "secret" not in json.dumps(audit)
    # a new secret replaces the old one, shown once again, audited
    r = c.post(f"/api/v1/webhooks/{w['id']}/secret")
    assert r.status == 200 and r.json["secret"] != w["secret"]
    assert c.get(f"/api/v1/audit?action=webhook.rotate_secret&object_id={w['id']}").json["records"]


def test_bad_endpoints_are_refused_with_the_field_named(backend, srv):
    c = srv.client("gc_admin")
    for url, words in [("ftp://oa.gucheng.gov.cn/x", "https://"), ("https://user:pw@oa.gucheng.gov.cn/x", "用户名"),
                       ("http://oa.gucheng.gov.cn/x", "https://"), ("http://10.0.0.7:8080/x", "https://"),
                       ("https://oa.gucheng.gov.cn/x#top", "片段"), ("https://oa.gucheng.gov.cn/a b", "ASCII")]:
        r = c.post("/api/v1/webhooks", {"name": "x", "url": url, "events": ["item.assigned"]})
        assert r.status == 422 and words in r.error["message"], (url, r)
    r = c.post("/api/v1/webhooks", {"name": "x", "url": "https://oa.gov.cn/x", "events": ["item.lost"]})
    assert r.status == 422 and "item.lost" in r.error["message"]
    r = c.post("/api/v1/webhooks", {"name": "x", "url": "https://oa.gov.cn/x", "events": []})
    assert r.status == 422 and "events" in r.error["message"]
    r = c.post("/api/v1/webhooks", {"name": "x", "url": "https://oa.gov.cn/x", "events": ["item.assigned"], "x": 1})
    assert r.status == 422 and "x" in r.error["message"]
    assert c.get("/api/v1/webhooks").json["webhooks"] == []
    # without the switch, http:// is refused even to loopback
    plain = Server(backend.new_db(scanned=True))
    try:
        r = plain.client("gc_admin").post("/api/v1/webhooks", {"name": "x", "url": "http://127.0.0.1:9/x",
                                                                 "events": ["item.assigned"]})
        assert r.status == 422 and "webhook_allow_http" in r.error["message"]
    finally:
        plain.stop()


def test_only_administrators_of_the_unit_manage_endpoints(srv):
    gc = srv.client("gc_admin")
    w = register(gc, "https://oa.gucheng.gov.cn/ducha/events", ["item.assigned"])
    assert srv.client("gc_office").get("/api/v1/webhooks").status == 403
    assert srv.client("gc_office").post("/api/v1/webhooks", {"name": "x", "url": "https://a.gov.cn/x",
                                                              "events": ["item.assigned"]}).status == 403
    ap = srv.client("ap_admin")
    assert ap.get("/api/v1/webhooks").json["webhooks"] == []
    assert ap.get(f"/api/v1/webhooks/{w['id']}").status == 404
    assert ap.patch(f"/api/v1/webhooks/{w['id']}", {"active": False}).status == 404
    assert ap.delete(f"/api/v1/webhooks/{w['id']}").status == 404
    # another county's unit is not the county administrator's to register at
    r = ap.post("/api/v1/webhooks", {"name": "x", "url": "https://a.gov.cn/x", "events": ["item.assigned"],
                                     "unit_id": gc.user["roles"][0]["unit_id"]})
    assert r.status == 404
    # the city's administrator sees the county's endpoint
    assert w["id"] in [x["id"] for x in srv.client("admin").get("/api/v1/webhooks").json["webhooks"]]


def test_deliveries_are_signed_and_reach_only_the_units_that_see_the_item(srv, sinks):
    county, other, city = sinks(), sinks(), sinks()
    w = register(srv.client("gc_admin"), f"http://127.0.0.1:{county.port}/in", ["item.assigned", "item.completed"])
    wo = register(srv.client("ap_admin"), f"http://127.0.0.1:{other.port}/in", ["item.assigned", "item.completed"])
    wc = register(srv.client("admin"), f"http://127.0.0.1:{city.port}/in", ["item.assigned"])
    items = Items(srv)
    it = items.bring("assigned", title="推进城区道路交通拥堵治理（推送）")
    assert wait_for(lambda: received(county, "item.assigned") and received(city, "item.assigned"))
    (req, body), = received(county, "item.assigned")
    check_delivery(req, body, w["secret"])
    assert body["item"]["id"] == it["id"] and body["item"]["state"] == "assigned"
    assert body["webhook_id"] == w["id"] and body["actor"]["username"] == "gc_office"
    assert body["item"]["tracks"][0]["unit_name"] == "古城县交通运输局"
    (creq, cbody), = received(city, "item.assigned")
    check_delivery(creq, cbody, wc["secret"])
    assert cbody["id"] == body["id"], "one event, one id for every endpoint"
    move(items, it["id"], "assigned", "completed")
    assert wait_for(lambda: received(county, "item.completed"))
    (req, body), = received(county, "item.completed")
    check_delivery(req, body, w["secret"])
    assert body["item"]["state"] == "completed" and body["data"].get("grade") == "良好"
    assert received(city, "item.completed") == [], "the city endpoint did not subscribe to item.completed"
    # a delivery is queued in the transaction of its change: 安平县's endpoint has none, and hears nothing
    assert deliveries(srv.client("ap_admin"), wo["id"]) == [] and received(other) == [], \
        "安平县's endpoint must not hear of 古城县's item"
    # the receiver logs a request before it answers: wait until ducha has recorded the answers too
    assert wait_for(lambda: all(d["state"] == "sent" for d in deliveries(srv.client("gc_admin"), w["id"])))
    sent = deliveries(srv.client("gc_admin"), w["id"])
    assert [d["event"] for d in sent] == ["item.completed", "item.assigned"]
    assert all(d["state"] == "sent" and d["attempts"] == 1 and d["sent_at"] for d in sent)
    got = srv.client("gc_admin").get(f"/api/v1/webhooks/{w['id']}").json
    assert got["deliveries"]["sent"] == 2 and got["last_delivery"]["event"] == "item.completed"


def test_a_receiver_answering_500_is_retried_with_back_off(backend, sinks):
    """The back-off (a minute, then two) is counted on the test clock and each retry brought by moving the
    clock to the delivery's next attempt: the waits the server chose are read from it, not measured between
    requests (a loaded machine stretches a measured wait of a second or two at random)."""
    srv = Server(backend.new_db(scanned=True), env={**WEBHOOK_ENV, "DUCHA_WEBHOOK_RETRY_S": "60"})
    try:
        sink = sinks("--fail-first", "2")
        c = srv.client("gc_admin")
        w = register(c, f"http://127.0.0.1:{sink.port}/in", ["item.assigned"])

        def failed(n):  # the delivery once its n-th attempt failed and it waits for the next one
            ds = deliveries(srv.client("gc_admin"), w["id"])
            return ds and ds[0]["attempts"] == n and ds[0]["state"] == "pending" and ds[0]["last_error"] and ds[0]

        def instant(iso):
            return int(datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())

        items = Items(srv)
        before = server_now(srv)
        items.bring("assigned")
        d = wait_for(lambda: failed(1))
        assert d, deliveries(c, w["id"])
        # a minute after the failed attempt, made by now (and after `before`, bar a scheduler pass that had
        # started earlier: the bound below leaves such a pass half a minute)
        first = instant(d["next_attempt"])
        assert before + 30 < first <= server_now(srv) + 60, (before, d)
        assert srv.client("admin").put("/api/v1/admin/clock", {"now": iso_utc(first)}).status == 200
        d = wait_for(lambda: failed(2))
        assert d, deliveries(srv.client("gc_admin"), w["id"])
        # two minutes after the second attempt, made at `first` or later: the wait doubled
        second = instant(d["next_attempt"])
        assert first + 120 <= second <= server_now(srv) + 120, (first, d)
        assert srv.client("admin").put("/api/v1/admin/clock", {"now": iso_utc(second)}).status == 200
        c = srv.client("gc_admin")
        assert wait_for(lambda: any(d["state"] == "sent" for d in deliveries(c, w["id"])), timeout=30)
        reqs = received(sink, "item.assigned")
        assert [r["status"] for r, _ in reqs] == [500, 500, 200]
        assert len({b["id"] for _, b in reqs}) == 1, "a retry carries the same event id"
        for r, b in reqs:
            check_delivery(r, b, w["secret"])
        d, = deliveries(c, w["id"])
        assert d["attempts"] == 3 and d["last_error"] == ""
    finally:
        srv.stop()


def test_a_receiver_that_is_down_ends_as_a_dead_letter_that_can_be_resent(srv, sinks):
    c = srv.client("gc_admin")
    # a port bound and never listened on: connections are refused, and no other process on the machine can
    # start listening there meanwhile (a port closed again could be taken by another suite's server)
    down = socket.socket()
    down.bind(("127.0.0.1", 0))
    port = down.getsockname()[1]
    w = register(c, f"http://127.0.0.1:{port}/in", ["item.assigned"])
    items = Items(srv)
    items.bring("assigned")
    assert wait_for(lambda: [d["state"] for d in deliveries(c, w["id"])] == ["dead"], timeout=40)
    d, = deliveries(c, w["id"])
    assert d["attempts"] == 4 and "无法连接" in d["last_error"] and d["next_attempt"] is None
    assert c.get(f"/api/v1/webhooks/{w['id']}").json["deliveries"]["dead"] == 1
    # the administrator points the endpoint at a live receiver and resends the dead letter
    sink = sinks()
    r = c.patch(f"/api/v1/webhooks/{w['id']}", {"url": f"http://127.0.0.1:{sink.port}/in"})
    assert r.status == 200
    r = c.post(f"/api/v1/webhooks/{w['id']}/deliveries/{d['id']}/retry")
    assert r.status == 202 and r.json["state"] in ("pending", "sending")
    assert wait_for(lambda: received(sink, "item.assigned"))
    (req, body), = received(sink, "item.assigned")
    check_delivery(req, body, w["secret"])
    assert body["id"] == d["event_id"]
    assert wait_for(lambda: deliveries(c, w["id"])[0]["state"] == "sent")
    # a delivery that is sent cannot be "retried" while queued twice; another admin's county cannot
    assert srv.client("ap_admin").post(f"/api/v1/webhooks/{w['id']}/deliveries/{d['id']}/retry").status == 404
    assert c.get(f"/api/v1/audit?action=webhook.redeliver&object_id={w['id']}").json["records"]
    down.close()


def test_a_slow_receiver_times_out_and_is_retried(srv, sinks):
    slow = sinks("--delay", "4")
    c = srv.client("gc_admin")
    w = register(c, f"http://127.0.0.1:{slow.port}/in", ["item.assigned"], active=False)
    items = Items(srv)
    items.bring("assigned")
    for _ in range(3):
        assert c.post(f"/api/v1/webhooks/{w['id']}/ping").status == 202
    assert c.patch(f"/api/v1/webhooks/{w['id']}", {"active": True}).status == 200
    # four deliveries due at once: after the first timeout the pass puts the other three back unsent
    # (pending, not counted as attempts) instead of waiting for the hanging receiver three more times
    def one_tried_others_waiting():
        ds = deliveries(c, w["id"])
        tried = [d for d in ds if d["last_error"]]
        return len(tried) == 1 and "秒内没有应答" in tried[0]["last_error"] and \
            all(d["state"] == "pending" and d["attempts"] == 0 for d in ds if not d["last_error"])
    assert wait_for(one_tried_others_waiting, timeout=30, step=0.1), deliveries(c, w["id"])
    assert wait_for(lambda: all(d["last_error"] for d in deliveries(c, w["id"])), timeout=60)
    d = next(d for d in deliveries(c, w["id"]) if d["event"] == "item.assigned")
    assert d["state"] in ("pending", "sending", "dead") and "秒内没有应答" in d["last_error"]
    assert len(received(slow)) >= 4


def test_a_paused_endpoint_keeps_its_queue_and_a_removed_one_cancels_it(srv, sinks):
    sink = sinks()
    c = srv.client("gc_admin")
    w = register(c, f"http://127.0.0.1:{sink.port}/in", ["item.assigned", "item.received"], active=False)
    items = Items(srv)
    it = items.bring("assigned")
    scan(srv)  # a scheduler pass: a paused endpoint is sent nothing
    assert received(sink) == [] and [d["state"] for d in deliveries(c, w["id"])] == ["pending"]
    r = c.patch(f"/api/v1/webhooks/{w['id']}", {"active": True, "version": w["version"]})
    assert r.status == 200 and r.json["active"] is True
    assert wait_for(lambda: received(sink, "item.assigned"))
    # a stale version is refused
    assert c.patch(f"/api/v1/webhooks/{w['id']}", {"active": False, "version": w["version"]}).status == 409
    # removed: what waits is cancelled, the history stays in the audit trail
    assert c.patch(f"/api/v1/webhooks/{w['id']}", {"active": False}).status == 200
    move(items, it["id"], "assigned", "received")
    assert wait_for(lambda: any(d["event"] == "item.received" for d in deliveries(c, w["id"])))
    assert c.delete(f"/api/v1/webhooks/{w['id']}").status == 204
    assert c.get(f"/api/v1/webhooks/{w['id']}").status == 404
    assert c.get("/api/v1/webhooks").json["webhooks"] == []
    assert c.get(f"/api/v1/audit?action=webhook.delete&object_id={w['id']}").json["records"]
    scan(srv)  # a scheduler pass: what waited was cancelled, nothing is sent
    assert received(sink, "item.received") == []


def test_ping_and_the_rotated_secret(srv, sinks):
    sink = sinks()
    c = srv.client("gc_admin")
    w = register(c, f"http://127.0.0.1:{sink.port}/in", ["item.assigned"])
    r = c.post(f"/api/v1/webhooks/{w['id']}/ping")
    assert r.status == 202 and r.json["event"] == "webhook.ping" and r.json["state"] in ("pending", "sending")
    assert wait_for(lambda: received(sink, "webhook.ping"))
    (req, body), = received(sink, "webhook.ping")
    check_delivery(req, body, w["secret"])
    assert body["object"] == {"type": "webhook", "id": w["id"]} and "item" not in body
    new = c.post(f"/api/v1/webhooks/{w['id']}/secret").json["secret"]
    assert c.post(f"/api/v1/webhooks/{w['id']}/ping").status == 202
    assert wait_for(lambda: len(received(sink, "webhook.ping")) == 2)
    req, body = received(sink, "webhook.ping")[1]
    check_delivery(req, body, new)
    with pytest.raises(AssertionError):
        check_delivery(req, body, w["secret"])
    # the README's verification snippet says the same
    genuine, raw = readme_genuine(), base64.b64decode(req["body_b64"])
    assert genuine(new, req["headers"], raw) and not genuine(w["secret"], req["headers"], raw)
    assert not genuine(new, req["headers"], raw.replace(b"webhook.ping", b"webhook.pong"))


def test_an_overdue_item_is_pushed(srv, sinks):
    """item.overdue is the ladder's first step after the deadline (press): the test clock moves past it."""
    sink = sinks()
    c = srv.client("gc_admin")
    w = register(c, f"http://127.0.0.1:{sink.port}/in", ["item.overdue"])
    items = Items(srv)
    it = items.bring("received", due_date=day(3))
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": day(20) + "T09:00:00+08:00"})
    assert r.status == 200
    # the demo items' overdue milestones are pushed too, in whatever order the ladder's passes take them
    def ours():
        return [x for x in received(sink, "item.overdue") if x[1]["item"]["id"] == it["id"]]
    assert wait_for(ours, timeout=60), "the item's overdue milestones are pushed"
    # every step of the day taken (a pass of its own, done when it returns) and every delivery sent
    scan(srv)
    admin = srv.client("gc_admin")  # moving the clock ended the idle session of c
    assert wait_for(lambda: not any(deliveries(admin, w["id"], state=st, limit=200) for st in ("pending", "sending")),
                    timeout=60)
    mine = ours()
    for req, body in mine:
        check_delivery(req, body, w["secret"])
        assert body["unit"]["name"] == "古城县交通运输局" and body["data"]["step"] == "press"
    # one event per overdue milestone (receipt, deployment, first feedback, resolution …)
    assert len({b["data"]["milestone"] for _, b in mine}) == len(mine)


class ExampleReceiver:
    """docs/examples/webhook_receiver.py (the README's example) on a free port."""

    def __init__(self):
        self.dir = scratch_dir("ducha-receiver-")
        self.secrets, self.log = os.path.join(self.dir, "secrets"), os.path.join(self.dir, "events.jsonl")
        open(self.secrets, "w").close()
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "docs", "examples", "webhook_receiver.py"),
                                      "--port", "0", "--secrets", self.secrets, "--log", self.log],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "ready", self.proc.stderr.read()
        self.port = int(line[1])

    def set_secrets(self, *secrets):
        with open(self.secrets, "w") as f:
            f.write("".join(s + "\n" for s in secrets))

    def events(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def post(self, body, headers):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("POST", "/in", body=body, headers={"Content-Type": "application/json", **headers})
        r = conn.getresponse()
        out = (r.status, json.loads(r.read())["result"])
        conn.close()
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def test_the_readmes_example_receiver_takes_real_deliveries_and_refuses_forgeries(srv, sinks):
    """The README points integrators at docs/examples/webhook_receiver.py: it must accept what the
    server really sends (also across a secret rotation) and refuse a wrong signature, a stale
    timestamp and a replayed event."""
    rx = ExampleReceiver()
    try:
        c = srv.client("gc_admin")
        w = register(c, f"http://127.0.0.1:{rx.port}/in", ["item.assigned"])
        rx.set_secrets(w["secret"])
        assert c.post(f"/api/v1/webhooks/{w['id']}/ping").status == 202
        assert wait_for(lambda: len(rx.events()) == 1)
        (ev,) = rx.events()
        assert ev["event"] == "webhook.ping" and ev["object"] == {"type": "webhook", "id": w["id"]}
        # the receiver holds the event before its answer reaches the server, which then marks the delivery sent
        assert wait_for(lambda: deliveries(c, w["id"])[0]["state"] == "sent")
        assert deliveries(c, w["id"])[0]["event_id"] == ev["id"]

        # rotation: the receiver holds old and new secret meanwhile, then only the new one
        new = c.post(f"/api/v1/webhooks/{w['id']}/secret").json["secret"]
        rx.set_secrets(w["secret"], new)
        assert c.post(f"/api/v1/webhooks/{w['id']}/ping").status == 202
        assert wait_for(lambda: len(rx.events()) == 2)
        rx.set_secrets(new)
        assert c.post(f"/api/v1/webhooks/{w['id']}/ping").status == 202
        assert wait_for(lambda: len(rx.events()) == 3)

        # forgeries, signed here as an attacker without the secret (or replaying an old request)
        body = json.dumps({**ev, "id": "evt_forged"}).encode()
        ts = str(int(time.time()))
        sig = "hmac-sm3=" + hmac_sm3(b"whsec_guess", ts.encode() + b"." + body)
        assert rx.post(body, {"X-Ducha-Timestamp": ts, "X-Ducha-Signature": sig}) == (401, "bad signature")
        old = str(int(time.time()) - 600)
        sig = "hmac-sm3=" + hmac_sm3(new.encode(), old.encode() + b"." + body)
        assert rx.post(body, {"X-Ducha-Timestamp": old, "X-Ducha-Signature": sig})[0] == 401
        # a genuine event delivered again (a retry after a lost answer) is acknowledged, not taken twice
        body = json.dumps(rx.events()[2]).encode()
        sig = "hmac-sm3=" + hmac_sm3(new.encode(), ts.encode() + b"." + body)
        assert rx.post(body, {"X-Ducha-Timestamp": ts, "X-Ducha-Signature": sig}) == (200, "already taken")
        assert len(rx.events()) == 3
    finally:
        rx.stop()


def test_deliveries_claimed_by_a_killed_node_are_sent_by_another_within_the_lease(backend, sinks):
    """Node A claims a delivery and hangs on a receiver that never answers; A is killed. Node B (same
    database) leaves it while A's lease (webhook_timeout_s + 20 s) runs, sends it once the lease has run
    out, not after 300 s, and once. The lease is counted on the test clock: B's clock is first set an hour
    back (the lease cannot run out while B starts, however slow the machine), then 31 s past the moment A
    claimed the row (an earlier upper bound of that moment: the lease is over whatever the real time is)."""
    stall = socket.socket()
    stall.bind(("127.0.0.1", 0))
    stall.listen(16)  # accepts connections, never answers
    sink = sinks()
    db = backend.new_db()
    a = Server(db, env={**WEBHOOK_ENV, "DUCHA_WEBHOOK_TIMEOUT_S": "10"})
    b = None
    try:
        c = a.client("gc_admin")
        w = register(c, f"http://127.0.0.1:{stall.getsockname()[1]}/in", ["item.assigned"])
        assert c.post(f"/api/v1/webhooks/{w['id']}/ping").status == 202
        assert wait_for(lambda: deliveries(c, w["id"])[0]["state"] == "sending", 60)
        claimed_by = server_now(a)  # A claimed the row at this instant of its clock or before
        a.proc.kill()
        a.proc.wait()
        b = Server(db, env=WEBHOOK_ENV, clock=iso_utc(claimed_by - 3600))
        cb = b.client("gc_admin")
        # the receiver moved meanwhile: a row is sent to the endpoint's URL of the moment
        r = cb.patch(f"/api/v1/webhooks/{w['id']}", {"url": f"http://127.0.0.1:{sink.port}/in"})
        assert r.status == 200, r
        # B's passes (its first one is done) leave the row to A while A's lease runs
        d = deliveries(cb, w["id"])[0]
        assert d["state"] == "sending" and d["attempts"] == 1 and received(sink) == [], d
        # 31 s after A's claim: the lease is over, B sends it (and a lease of 300 s would still hold it)
        assert b.client("admin").put("/api/v1/admin/clock", {"now": iso_utc(claimed_by + 31)}).status == 200
        cb = b.client("gc_admin")  # moving the clock ended the idle session
        assert wait_for(lambda: received(sink, "webhook.ping"), 45), deliveries(cb, w["id"])
        assert wait_for(lambda: deliveries(cb, w["id"])[0]["state"] == "sent")
        (req, body), = received(sink, "webhook.ping")
        check_delivery(req, body, w["secret"])
        d = deliveries(cb, w["id"])[0]
        assert d["state"] == "sent" and d["attempts"] == 2, d
        # once: another pass sends nothing more
        scan(b)
        assert len(received(sink, "webhook.ping")) == 1
    finally:
        a.stop(check=False)
        if b:
            b.stop()
        stall.close()
