"""Helpers shared by the clue tests: the public form (multipart, the proof of work), photos carrying a
location, and a walker that brings a clue of 古城县 into each state with the demo roles."""
import hashlib
import http.client
import io
import time
import uuid

from PIL import Image

from conftest import Clients, wait_for
from itemlib import day

# a distinctive reporter: the protection tests look for these strings everywhere
REPORTER = {"name": "甄秘密举报", "phone": "13912348765", "email": "whistle.zhen@example.cn"}

DESCRIPTION = "解放路与人民街交叉口的污水井盖破损缺失，夜间已有行人跌倒受伤，反映两周仍无人处理。"


def solve(token, bits):
    """The smallest number whose SHA-256 with the token starts with `bits` zero bits."""
    n = 0
    while True:
        h = int.from_bytes(hashlib.sha256(f"{token}:{n}".encode()).digest(), "big")
        if h >> (256 - bits) == 0 if bits else True:
            return str(n)
        n += 1


def wrong_solution(token, bits):
    """A number that does NOT solve the challenge: "0" solves it once in 2**bits tokens, so a test that sends
    a fixed wrong answer fails at random."""
    assert bits > 0, "a challenge of 0 bits has no wrong answer"
    n = 0
    while True:
        h = int.from_bytes(hashlib.sha256(f"{token}:{n}".encode()).digest(), "big")
        if h >> (256 - bits) != 0:
            return str(n)
        n += 1


def raw_post(port, path, body, ctype, source="127.0.0.1"):
    """POST from a chosen loopback address (the public limits count per client address): status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": ctype})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def flood_server(backend, public_threads, submit_burst=3, env=None):
    """A server for the flood tests: two worker threads and `public_threads` public ones (0: the public requests
    on the worker threads), three submissions a minute from one address counted for all nodes (this node's
    burst: submit_burst), and an address refused more than 5 times in a second closed at accept; env: more
    settings."""
    from conftest import Server
    return Server(backend.new_db(), env={"DUCHA_THREADS": "2", "DUCHA_PUBLIC_THREADS": str(public_threads),
                                         "DUCHA_PUBLIC_CLOSE_OVER_PER_S": "5",
                                         "DUCHA_PUBLIC_SUBMIT_PER_MIN": "3",
                                         "DUCHA_PUBLIC_SUBMIT_BURST": str(submit_burst),
                                         "DUCHA_PUBLIC_SUBMIT_GLOBAL_PER_S": "1000",
                                         "DUCHA_PUBLIC_SUBMIT_ALL_PER_MIN": "0", **(env or {})})


def flood_once(port, source, body=None):
    """One submission of the public form from source (by default a form without its fields):
    (status, headers, body bytes), status 0 when the server closed the connection unanswered."""
    try:
        return raw_post(port, "/api/v1/public/clues", *(body or multipart([("description", "刷屏")])), source)
    except OSError:
        return 0, {}, b""


def budget_came_back(start):
    """Submissions from one address that flood_server's limit (3 a minute, in windows of the clock's minutes: the
    server's clock is this machine's, no test clock) allows again after its first three, between the wall time
    start and now: three for each start of a minute since."""
    return 3 * (int(time.time()) // 60 - int(start) // 60)


def flood_until_closed(port, source):
    """Submissions from source one after the other until the server closes its connections at accept (at most
    500): their statuses. Checks what a flood from one address gets: the three a minute refused for their content,
    then 429s, more than 5 of them, then closed. The three are counted per minute of the server's clock
    (src/clues/clue_limits.c: a window is a minute), so a flood that goes on into the next minute — on a loaded
    machine — gets three refusals for their content again (came_back, budget_came_back); nothing is ever stored."""
    statuses = []
    start = time.time()
    while len(statuses) < 500 and (not statuses or statuses[-1] != 0):
        statuses.append(flood_once(port, source)[0])
    came_back = budget_came_back(start)
    assert statuses[-1] == 0 and statuses[:3] == [422] * 3, statuses
    assert set(statuses[3:-1]) <= {429, 422} and statuses[3:-1].count(422) <= came_back, (came_back, statuses)
    assert statuses.count(429) > 5, statuses
    return statuses


def multipart(fields, files=()):
    """A multipart/form-data body: fields [(name, value)], files [(name, filename, bytes, type)]."""
    b = "----ducha" + uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields:
        out.write(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode())
        out.write(v if isinstance(v, bytes) else str(v).encode())
        out.write(b"\r\n")
    for k, fn, data, ct in files:
        out.write(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{fn}\"\r\n"
                  f"Content-Type: {ct}\r\n\r\n".encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{b}--\r\n".encode())
    return out.getvalue(), "multipart/form-data; boundary=" + b


def jpeg(gps=True, size=(96, 64), color=(180, 40, 40), maker="ZhenPhone SN-4471"):
    """A JPEG photo carrying (by default) a GPS location and the camera's maker in its Exif."""
    img = Image.new("RGB", size, color)
    ex = Image.Exif()
    ex[0x010F] = maker
    if gps:
        ex[0x8825] = {1: "N", 2: (36.0, 12.0, 30.5), 3: "E", 4: (111.0, 40.0, 10.0)}
    bio = io.BytesIO()
    img.save(bio, "JPEG", exif=ex.tobytes(), quality=85)
    return bio.getvalue()


def png(text="Author: 甄秘密"):
    img = Image.new("RGB", (40, 30), (20, 120, 40))
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_itxt("Author", text)
    bio = io.BytesIO()
    img.save(bio, "PNG", pnginfo=info)
    return bio.getvalue()


def has_location(data):
    """Does a stored photo still carry a GPS block, a maker, or any Exif at all?"""
    img = Image.open(io.BytesIO(data))
    img.load()
    exif = img.getexif()
    return bool(exif) or b"Exif" in data or b"ZhenPhone" in data


def photos_settled(client, cid, timeout=60):
    """The clue `cid` as `client` reads it once the photo worker has settled each of its photos (none still
    'pending': stored without metadata, or rejected with a reason). The worker runs after the answer."""
    seen = {}

    def settled():
        r = client.get(f"/api/v1/clues/{cid}")
        assert r.status == 200, r
        seen["clue"] = r.json
        return all(p["state"] != "pending" for p in r.json["photos"])
    assert wait_for(settled, timeout=timeout), seen["clue"]["photos"]
    return seen["clue"]


class Public:
    """The public form through an anonymous client."""

    def __init__(self, client):
        self.c = client
        self._form = None

    def form(self):
        if self._form is None:
            r = self.c.get("/api/v1/public/clue-form")
            assert r.status == 200, r
            self._form = r.json
        return self._form

    def area(self, name="城关镇"):
        return next(a["id"] for a in self.form()["areas"] if name in a["name"])

    def challenge(self, form="clue", key=None):
        r = self.c.post("/api/v1/public/challenges", {"form": form, **({"key": key} if key else {})})
        assert r.status == 201, r
        return r.json

    def fields(self, **kw):
        """The fields of a valid submission, with kw replacing or adding some (None drops one)."""
        f = {"category": "environment", "area_id": str(self.area()), "place": "解放路与人民街交叉口",
             "description": DESCRIPTION}
        f.update(kw)
        return [(k, v) for k, v in f.items() if v is not None]

    def submit(self, fields=None, photos=(), solved=True, challenge=None, extra=(), expect=201):
        ch = challenge or self.challenge()
        fl = list(fields if fields is not None else self.fields())
        if solved:
            fl += [("challenge", ch["token"]), ("solution", solve(ch["token"], ch["bits"]))]
        fl += list(extra)
        body, ctype = multipart(fl, [("photo", f"现场{i}.jpg", p, "image/jpeg") for i, p in enumerate(photos)])
        r = self.c.post("/api/v1/public/clues", raw=body, content_type=ctype)
        if expect is not None:
            assert r.status == expect, r
        return r


class Clues(Clients):
    """Clues of 古城县 moved through the workflow by the demo users."""

    def __init__(self, server):
        super().__init__(server)
        self.public = Public(server.client())

    def create(self, user="gc_office", reporter=None, **kw):
        """A clue recorded by staff (anonymous unless a reporter is given)."""
        body = {"category": "livelihood", "area_id": self.public.area(), "place": "城关镇东街",
                "description": kw.pop("description", "东街菜市场周边占道经营严重，早晚高峰车辆通行困难，行人只能走机动车道。")}
        if reporter:
            body["reporter"] = reporter
            body["anonymous"] = False
        body.update(kw)
        r = self.c(user).post("/api/v1/clues", body)
        assert r.status == 201, r
        return r.json

    def get(self, cid, user="gc_office"):
        r = self.c(user).get(f"/api/v1/clues/{cid}")
        assert r.status == 200, (user, r)
        return r.json

    def act(self, cid, user, action, body=None, expect=200):
        r = self.c(user).post(f"/api/v1/clues/{cid}/actions/{action}", body or {})
        if expect is not None:
            assert r.status == expect, (action, user, r)
        return r

    def assign(self, cid, unit="gc-jt", due=7, user="gc_office"):
        """Sends the clue for verification, the office confirming the summary it reads (as the app does)."""
        return self.act(cid, user, "assign", {"unit_id": self.unit(unit), "due_date": day(due),
                                              "request": "请实地核查并拍照说明",
                                              "summary": self.get(cid, user)["summary"]}).json

    def bring(self, state, **kw):
        """A fresh clue in state: verifying/verified by 交通运输局; the rest straight from received."""
        cl = self.create(**kw)
        cid = cl["id"]
        if state in ("verifying", "verified"):
            self.assign(cid)
        if state == "verified":
            self.act(cid, "gc_contact", "report", {"text": "经实地核查，情况属实，已责成修复", "finding": "substantiated"})
        if state == "converted":
            self.act(cid, "gc_office", "convert_item", {"lead_unit_id": self.unit("gc-jt"), "due_date": day(30)})
        if state == "closed":
            self.act(cid, "gc_office", "close", {"close_reason": "resolved", "reply": "问题已解决，感谢您的监督。"})
        if state == "merged":
            other = self.create()
            self.act(cid, "gc_office", "merge", {"into": other["id"]})
        cl = self.get(cid)
        assert cl["state"] == state, cl
        return cl


def solved_form(pub, place):
    """A valid submission's body (multipart, its challenge solved) at place."""
    ch = pub.challenge()
    return multipart(pub.fields(place=place) + [("challenge", ch["token"]), ("solution", solve(ch["token"], ch["bits"]))])


def clue_places(office, prefix):
    """The places of the office's clues that match prefix, sorted."""
    r = office.get(f"/api/v1/clues?q={prefix}&per_page=50")
    assert r.status == 200, r
    return sorted(c["place"] for c in r.json["clues"])
