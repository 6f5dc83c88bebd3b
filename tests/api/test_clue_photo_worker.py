"""The photos of a public clue are stored without their metadata after the answer, by the photo worker
(src/clues/clue_photos.c, its thread in src/sched/sched.c): the submission keeps the photo as sent in its
transaction ('pending', nobody served it), the worker walks it, strips it and records 'ready' — or 'rejected'
with a reason the office reads — once, also when the server is killed (kill -9) between the answer and the
work, and when two nodes share the database. The test hook test_hold_photos (test clock only) holds the
worker so that a test sees a photo before it is processed: nothing here waits on timing."""
import os
import time

from cluelib import Clues, Public, has_location, jpeg, photos_settled, png
from conftest import Server, put_setting, sql_run, wait_for
from itemlib import day


def clue_of(office, number):
    r = office.get(f"/api/v1/clues?q={number}")
    assert r.status == 200, r
    [cid] = [c["id"] for c in r.json["clues"] if c["number"] == number]
    return cid


def audit_of(office, cid):
    """The photo worker's audit records of clue cid: [(action, photo id)], once sealed."""
    def read():
        out = []
        for action in ("clue.photo_stored", "clue.photo_rejected"):
            r = office.get(f"/api/v1/audit?action={action}&object_id={cid}")
            assert r.status == 200, r
            out += [(a["action"], a["summary"]["photo"]) for a in r.json["records"]]
        return sorted(out, key=lambda x: x[1])
    return read


def test_a_photo_kept_before_the_answer_is_stored_without_location_after_a_kill_9(backend, data_dir):
    db = backend.new_db()
    put_setting(db, "test_hold_photos", "1")  # the worker claims nothing: the photos stay as they were sent
    raw_dir = os.path.join(data_dir, "clues", "raw")
    a = Server(db, data_dir=data_dir)
    try:
        pub = Public(a.client())
        shot = jpeg()
        assert has_location(shot)
        out = pub.submit(pub.fields(place="照片队列路1号"), photos=[shot, png(), jpeg(gps=False)]).json
        office = a.client("gc_office")
        cid = clue_of(office, out["number"])
        clue = office.get(f"/api/v1/clues/{cid}").json
        assert [p["state"] for p in clue["photos"]] == ["pending"] * 3, clue["photos"]
        assert [p["type"] for p in clue["photos"]] == ["image/jpeg", "image/png", "image/jpeg"]
        ids = [p["id"] for p in clue["photos"]]
        # the office is not served a photo as it was sent: 处理中, and not a byte of it
        for pid in ids:
            r = office.get(f"/api/v1/clues/{cid}/photos/{pid}")
            assert r.status == 409 and "处理中" in r.error["message"], r
            assert b"ZhenPhone" not in r.raw and b"Exif" not in r.raw
        # the photos as sent are kept (their files, fsynced before the clue's transaction, named in it)
        files = sql_run(db, [f"SELECT file FROM clue_photo_raw WHERE photo_id IN ({ids[0]}, {ids[1]}, {ids[2]})"])
        assert len(files) == 3 and all(os.path.isfile(os.path.join(raw_dir, f)) for (f,) in files), files
        assert pub.c.get(f"/api/v1/public/clues/{out['tracking_code']}").status == 200
    finally:
        a.proc.kill()  # kill -9 after the answer, before the worker did anything
        a.proc.wait()
        a.stop(check=False)
    # meanwhile another node had claimed the second photo and died (its lease ran out), and the third had been
    # claimed three times by processes that died in it (its walk kills them): it is rejected, not tried again
    sql_run(db, [f"UPDATE clue_photo_raw SET claimed_by = 'node-gone', lease_until = {int(time.time()) - 1}, "
                 f"attempts = 1 WHERE photo_id = {ids[1]}",
                 f"UPDATE clue_photo_raw SET claimed_by = 'node-gone', lease_until = {int(time.time()) - 1}, "
                 f"attempts = 3 WHERE photo_id = {ids[2]}"])
    # a file as sent that no row names: a process died between writing it and the commit — deleted once an hour
    # old (a younger one may be a submission in flight)
    for name, age in (("0" * 32, 7200), ("1" * 32, 0)):
        with open(os.path.join(raw_dir, name), "wb") as f:
            f.write(jpeg())
        os.utime(os.path.join(raw_dir, name), (time.time() - age, time.time() - age))
    put_setting(db, "test_hold_photos", None)
    b = Server(db, data_dir=data_dir)
    try:
        office = b.client("gc_office")
        clue = photos_settled(office, cid)
        assert [p["state"] for p in clue["photos"]] == ["ready", "ready", "rejected"], clue["photos"]
        assert "多次处理均未完成" in clue["photos"][2]["reason"], clue["photos"]
        for p in clue["photos"][:2]:
            r = office.get(f"/api/v1/clues/{cid}/photos/{p['id']}")
            assert r.status == 200 and r.headers["Content-Type"] == p["type"], r
            assert len(r.raw) == p["size"] and not has_location(r.raw), "a stored photo still carries Exif"
            assert "甄秘密".encode() not in r.raw
        r = office.get(f"/api/v1/clues/{cid}/photos/{ids[2]}")
        assert r.status == 409 and "多次处理均未完成" in r.error["message"], r
        # the photos as sent are gone, the old orphan too; the reporter's tracking code works on the restarted server
        assert sql_run(db, [f"SELECT COUNT(*) FROM clue_photo_raw WHERE photo_id IN ({ids[0]}, {ids[1]}, {ids[2]})"]) \
            == [("0",)]
        assert wait_for(lambda: sorted(os.listdir(raw_dir)) == ["1" * 32]), os.listdir(raw_dir)
        track = b.client().get(f"/api/v1/public/clues/{out['tracking_code']}")
        assert track.status == 200 and track.json["number"] == out["number"], track
        # each photo settled once, in the audit trail of the clue's office
        want = [("clue.photo_stored", ids[0]), ("clue.photo_stored", ids[1]), ("clue.photo_rejected", ids[2])]
        assert wait_for(lambda: audit_of(office, cid)() == want), audit_of(office, cid)()
    finally:
        b.stop()


def test_a_photo_that_is_no_image_is_rejected_and_the_clue_kept(server):
    pub = Public(server.client())
    broken = b"\xff\xd8\xff\xe0" + b"\0" * 100  # a JPEG's first bytes, no image
    fake_png = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>"
    out = pub.submit(pub.fields(place="照片队列路2号"), photos=[broken, jpeg(), fake_png]).json
    office = server.client("gc_office")
    cid = clue_of(office, out["number"])
    clue = photos_settled(office, cid)
    assert [p["state"] for p in clue["photos"]] == ["rejected", "ready", "rejected"], clue["photos"]
    assert all(p["reason"] and "照片" in p["reason"] for p in (clue["photos"][0], clue["photos"][2])), clue["photos"]
    assert clue["photos"][1]["reason"] is None
    for p in (clue["photos"][0], clue["photos"][2]):
        r = office.get(f"/api/v1/clues/{cid}/photos/{p['id']}")
        assert r.status == 409 and p["reason"] in r.error["message"] and b"<script>" not in r.raw, r
    assert office.get(f"/api/v1/clues/{cid}/photos/{clue['photos'][1]['id']}").status == 200
    # a unit that cannot see the clue learns nothing of its photos, rejected or not
    other = server.client("gc_contact2")
    assert other.get(f"/api/v1/clues/{cid}/photos/{clue['photos'][0]['id']}").status == 404
    assert pub.c.get(f"/api/v1/public/clues/{out['tracking_code']}").status == 200


def test_two_nodes_share_the_photos_and_each_is_settled_once(backend, data_dir):
    db = backend.new_db()
    put_setting(db, "test_hold_photos", "1")
    a = Server(db, data_dir=data_dir)
    b = Server(db, data_dir=data_dir)  # the nodes share data_dir, as a deployment of several nodes must
    try:
        pubs = [Public(a.client()), Public(b.client())]
        numbers = [pubs[i % 2].submit(pubs[i % 2].fields(place=f"照片队列路{10 + i}号"),
                                      photos=[jpeg(color=(i, 2 * i, 3 * i)), png(), jpeg(gps=False)]).json["number"]
                   for i in range(4)]
        office = a.client("gc_office")
        cids = [clue_of(office, n) for n in numbers]
        put_setting(db, "test_hold_photos", None)
        # one more submission on each node wakes both workers at once: they race for the twelve photos
        for i, p in enumerate(pubs):
            numbers.append(p.submit(p.fields(place=f"照片队列路{20 + i}号"), photos=[jpeg()]).json["number"])
        cids += [clue_of(office, n) for n in numbers[4:]]
        for cid in cids:
            clue = photos_settled(office, cid)
            assert {p["state"] for p in clue["photos"]} == {"ready"}, clue["photos"]
            for p in clue["photos"]:  # either node serves what either stored
                for srv in (a, b):
                    r = srv.client("gc_office").get(f"/api/v1/clues/{cid}/photos/{p['id']}")
                    assert r.status == 200 and not has_location(r.raw), r
            want = [("clue.photo_stored", p["id"]) for p in clue["photos"]]
            assert wait_for(lambda: audit_of(office, cid)() == want), (audit_of(office, cid)(), want)
        assert sql_run(db, ["SELECT COUNT(*) FROM clue_photo_raw"]) == [("0",)]
        assert wait_for(lambda: os.listdir(os.path.join(data_dir, "clues", "raw")) == []), "a file as sent is left"
    finally:
        a.stop()
        b.stop()


def item_photos(office, iid):
    """The attachments of item iid: [(filename, bytes)], in order."""
    r = office.get(f"/api/v1/items/{iid}/attachments")
    assert r.status == 200, r
    out = []
    for a in r.json["attachments"]:
        f = office.get(a["url"])
        assert f.status == 200 and len(f.raw) == a["size"], f
        out.append((a["filename"], f.raw))
    return out


def clue_photo(office, cid, photo):
    r = office.get(f"/api/v1/clues/{cid}/photos/{photo['id']}")
    assert r.status == 200, r
    return r.raw


def test_a_clue_converted_while_its_photos_wait_gives_the_item_every_photo_once_stored(backend, data_dir):
    """A conversion into an item takes the photos stored; each one still waiting reaches the item when the worker
    stores it (the worker takes the clue's lock, as a conversion does); a rejected one never; an item withdrawn
    meanwhile takes none, and the worker is not held up by it."""
    db = backend.new_db()
    a = Server(db, data_dir=data_dir)
    try:
        cl = Clues(a)
        office, jt = cl.c("gc_office"), cl.unit("gc-jt")
        broken = b"\xff\xd8\xff\xe0" + b"\0" * 100
        # 1. photos stored before the conversion: the conversion attaches them, the worker adds none later
        early = cl.public.submit(cl.public.fields(place="照片转办路1号"), photos=[jpeg(), png()]).json
        cid1 = clue_of(office, early["number"])
        stored = photos_settled(office, cid1)["photos"]
        iid1 = cl.act(cid1, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30),
                                                      "summary": cl.get(cid1)["summary"]}).json["item"]["id"]
        want1 = [("线索照片1.jpg", clue_photo(office, cid1, stored[0])), ("线索照片2.png", clue_photo(office, cid1, stored[1]))]
        assert item_photos(office, iid1) == want1
        # 2. and 3. photos still waiting when their clues are converted (the worker held)
        put_setting(db, "test_hold_photos", "1")
        late = cl.public.submit(cl.public.fields(place="照片转办路2号"), photos=[jpeg(color=(9, 9, 9)), broken, png()]).json
        gone = cl.public.submit(cl.public.fields(place="照片转办路3号"), photos=[jpeg(color=(7, 7, 7))]).json
        cid2, cid3 = clue_of(office, late["number"]), clue_of(office, gone["number"])
        assert [p["state"] for p in cl.get(cid2)["photos"]] == ["pending"] * 3
        iid2 = cl.act(cid2, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30),
                                                      "summary": cl.get(cid2)["summary"]}).json["item"]["id"]
        iid3 = cl.act(cid3, "gc_office", "convert_item", {"lead_unit_id": jt, "due_date": day(30),
                                                      "summary": cl.get(cid3)["summary"]}).json["item"]["id"]
        assert item_photos(office, iid2) == [] and item_photos(office, iid3) == []
        # the third item is withdrawn before its photo is stored: it takes no more files
        r = office.post(f"/api/v1/items/{iid3}/actions/withdraw", {"reason": "线索已另案处理"})
        assert r.status == 200, r
        put_setting(db, "test_hold_photos", None)
        # a submission wakes the worker at once (else its idle pass within 5 s)
        cl.public.submit(cl.public.fields(place="照片转办路4号"))
        clue2 = photos_settled(office, cid2)
        assert [p["state"] for p in clue2["photos"]] == ["ready", "rejected", "ready"], clue2["photos"]
        p1, _, p3 = clue2["photos"]
        # the item's copies are the stored ones, without location
        want2 = [("线索照片1.jpg", clue_photo(office, cid2, p1)), ("线索照片3.png", clue_photo(office, cid2, p3))]
        got2 = item_photos(office, iid2)
        assert [n for n, _ in got2] == [n for n, _ in want2] and got2 == want2
        assert not any(has_location(b) for _, b in got2)
        # on the item's timeline and in its audit trail, each once, by the system
        ev = office.get(f"/api/v1/items/{iid2}/events").json["events"]
        attached = [e for e in ev if e.get("action") == "attach"]
        assert sorted(e["data"]["filename"] for e in attached) == ["线索照片1.jpg", "线索照片3.png"], attached
        assert [e["actor_name"] for e in attached] == ["系统", "系统"], attached
        assert wait_for(lambda: len(office.get(f"/api/v1/audit?action=item.attach&object_id={iid2}")
                                    .json["records"]) == 2)
        # the withdrawn item: the photo stored on the clue, not attached, nothing left waiting
        clue3 = photos_settled(office, cid3)
        assert [p["state"] for p in clue3["photos"]] == ["ready"], clue3["photos"]
        assert item_photos(office, iid3) == []
        assert sql_run(db, ["SELECT COUNT(*) FROM clue_photo_raw"]) == [("0",)]
        # the first item was not given its photos twice by the worker's passes
        assert item_photos(office, iid1) == want1
    finally:
        a.stop()
