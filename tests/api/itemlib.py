"""Helpers shared by the supervision-item API tests: creating items and moving them through the
workflow with the demo roles of 古城县."""
import contextlib
import datetime
import time
from urllib.parse import quote

from conftest import PASSWORD, Clients, run_now, uniq

# the demo user who takes each kind of row of the transition table
ACTOR = {
    ("item_register", "any"): "gc_office",
    ("item_approve", "deputy"): "gc_deputy",
    ("item_approve", "director"): "gc_director",
    ("item_decide", "any"): "gc_leader",
    ("item_read", "any"): "gc_secretary",
    ("item_handle", "any"): "gc_contact",
    ("item_sign", "any"): "gc_head",
}

# the path that brings a fresh item (lead 交通运输局 only) into each state
PATH = {
    "draft": [],
    "submitted": [("gc_office", "submit", {})],
    "deputy_approved": [("gc_deputy", "approve", {})],
    "approved": [("gc_director", "approve", {})],
    "assigned": [("gc_office", "assign", {})],
    "received": [("gc_contact", "receive", {})],
    "in_progress": [("gc_contact", "report", {"text": "已完成方案设计", "percent": 30})],
    "completion_requested": [("gc_contact", "request_completion", {"text": "已按要求办结"})],
    "completion_signed": [("gc_head", "sign", {})],
    "completed": [("gc_office", "verify", {"grade": "良好"})],
    "archived": [("gc_office", "archive", {})],
}
ORDER = list(PATH)


# the server's dates are Beijing dates (UTC+8, no daylight saving): from 16:00 to 24:00 UTC its "today" is
# the UTC tomorrow, so a date computed from the machine's (UTC) date is one day behind there
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


# the date of the module that runs, read once (conftest's fixture one_date_per_module); None: read the clock
READING = {"today": None}


def today():
    """The server's date (Beijing) when its test clock is not moved: the date every day(n) counts from. Read
    once per test module (conftest.one_date_per_module): a module that sends day(80) and later finds day(80)
    compares one date even when its run crosses Beijing midnight (16:00 UTC) in between, and a date it sends
    is never later than the server's today plus its offset. A date the server checks against its own today
    at the boundary (a due date of today) is taken on a pinned clock (pinned_items, ServerClock.day)."""
    return READING["today"] or datetime.datetime.fromtimestamp(run_now(), BEIJING).date()


def day(offset):
    return (today() + datetime.timedelta(days=offset)).isoformat()


def clock(srv, now, *signed_in):
    """Sets the test clock of the server srv to the ISO instant now. Moving the clock ends idle sessions: the
    given helpers (Clients, Items, Surveys …) sign their users in again on their next request."""
    r = srv.client("admin").put("/api/v1/admin/clock", {"now": now})
    assert r.status == 200, r
    for helper in signed_in:
        helper.clients.clear()


def pinned_clock():
    """The coming 10:00 in Beijing as an ISO instant. A server started on this test clock (Server(clock=…),
    with Items(server, clock=…)) shows one Beijing date for 14 hours however long its module runs, so that a
    date the test computes (it.day(n)) and one the server computes (its today, a field's default, a fact)
    are the same day even when the run crosses Beijing midnight (16:00 UTC) between the two. Ahead of the
    real time, so that what the demo data did is in the server's past."""
    now = datetime.datetime.fromtimestamp(run_now(), BEIJING)
    at = now.replace(hour=10, minute=0, second=0, microsecond=0)
    return (at if at > now else at + datetime.timedelta(days=1)).isoformat()


@contextlib.contextmanager
def pinned_items(backend):
    """Items on a new server of the demo data whose test clock starts at pinned_clock(): for a module whose
    tests compare dates they compute (it.day(n)) with dates the server computes."""
    from conftest import Server
    clock = pinned_clock()
    s = Server(backend.new_db(), clock=clock)
    try:
        yield Items(s, clock=clock)
    finally:
        s.stop()


class ServerClock:
    """now(), today() and day(n) of a server whose test clock was started on the ISO instant clock
    (pinned_clock) and ticks with real time since; clock None: the real time."""

    def __init__(self, clock=None):
        self.clock = clock
        self.pin = (datetime.datetime.fromisoformat(clock).timestamp(), time.time()) if clock else None

    def now(self):
        """The server's clock (UTC) unless a test moved it."""
        t = run_now() if not self.pin else self.pin[0] + time.time() - self.pin[1]
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)

    def today(self):
        """On the pinned clock its Beijing date now; else the module's (itemlib.today)."""
        return self.now().astimezone(BEIJING).date() if self.pin else today()

    def day(self, offset):
        return (self.today() + datetime.timedelta(days=offset)).isoformat()


class Items(Clients, ServerClock):
    """Signed-in clients per demo user (created lazily) and item helpers on one server."""

    def __init__(self, server, clock=None):
        """clock: the ISO instant the server's test clock was started on (pinned_clock), from which
        now(), today() and day(n) then count; None: the real time."""
        Clients.__init__(self, server)
        ServerClock.__init__(self, clock)

    def create(self, title="推进城区道路交通拥堵治理", lead="gc-jt", co=(), user="gc_office", **kw):
        body = {"title": title, "requirement": kw.pop("requirement", "完成主干道改造，按月报送进展"),
                "source_kind": kw.pop("source_kind", "meeting"), "lead_unit_id": self.unit(lead),
                "co_unit_ids": [self.unit(x) for x in co], "due_date": kw.pop("due_date", self.day(60))}
        body.update(kw)
        r = self.c(user).post("/api/v1/items", body)
        assert r.status == 201, r
        return r.json

    def act(self, item_id, user, action, body=None, expect=200):
        c = self.c(user)
        if action == "report":
            r = c.post(f"/api/v1/items/{item_id}/reports", body or {})
            ok = 201
        else:
            r = c.post(f"/api/v1/items/{item_id}/actions/{action}", body or {})
            ok = 200
        if expect is not None:
            want = ok if expect == 200 else expect
            assert r.status == want, (user, action, r)
        return r

    def get(self, item_id, user="gc_office"):
        r = self.c(user).get(f"/api/v1/items/{item_id}")
        assert r.status == 200, r
        return r.json

    def bring(self, state, **kw):
        """A new item (lead gc-jt) moved along the main path into `state` (or withdrawn/suspended)."""
        item = self.create(**kw)
        target = {"withdrawn": "draft", "suspended": "in_progress"}.get(state, state)
        for s in ORDER[1:ORDER.index(target) + 1]:
            for user, action, body in PATH[s]:
                self.act(item["id"], user, action, body)
        if state == "withdrawn":
            self.act(item["id"], "gc_office", "withdraw", {"reason": "重复立项"})
        if state == "suspended":
            self.act(item["id"], "gc_leader", "suspend", {"reason": "等待汛期结束"})
        item = self.get(item["id"])
        assert item["state"] == state, item
        return item

    def send(self, item, office="gc_office", approvers=("gc_deputy", "gc_director")):
        """An item in draft submitted by its office, approved by each of the approvers, and assigned (交办)."""
        for user, action in [(office, "submit")] + [(u, "approve") for u in approvers] + [(office, "assign")]:
            self.act(item["id"], user, action, {})

    def add_city_leaders(self, suffix, roles=("deputy", "director")):
        """临川市's leaders lc_<role>_<suffix> (the demo has only the city's office), with the demo password:
        the approvers of the city office's items. Returns their usernames."""
        admin = self.c("admin")
        city = admin.unit_id("lc")
        for role in roles:
            r = admin.post("/api/v1/users", {"username": f"lc_{role}_{suffix}", "name": f"市{role}", "unit_id": city,
                                             "password": PASSWORD, "must_change_password": False,
                                             "roles": [{"role": role, "unit_id": city}]})
            assert r.status == 201, r
        return tuple(f"lc_{role}_{suffix}" for role in roles)

    def city_item(self, **body):
        """An item of the city office (lc_office) for the unit body names, approved by city leaders created here
        (add_city_leaders) and assigned; the body's fields besides the defaults (a work report's item)."""
        lc = self.c("lc_office")
        r = lc.post("/api/v1/items", {"source_kind": "work_report", "due_date": self.day(100), **body})
        assert r.status == 201, r
        self.send(r.json, "lc_office", self.add_city_leaders(uniq()))
        return r.json

    @contextlib.contextmanager
    def days_ago(self, days):
        """Runs the block with the server's test clock `days` ago, then puts it back: an overdue item is one
        registered while its due date, now past, was still ahead (a due date in the past is refused)."""
        admin = self.c("admin")
        now = self.now()
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        r = admin.put("/api/v1/admin/clock", {"now": (now - datetime.timedelta(days=days)).strftime(fmt)})
        assert r.status == 200, r
        try:
            yield
        finally:
            # the sessions used back then look idle for `days` now: sign in again
            self.clients.clear()
            r = self.c("admin").put("/api/v1/admin/clock",
                                    {"now": self.now().strftime(fmt)})
            assert r.status == 200, r
            self.clients.clear()

    def ledger(self, user="gc_office", **params):
        qs = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
        r = self.c(user).get("/api/v1/items" + ("?" + qs if qs else ""))
        assert r.status == 200, r
        return r.json
