"""Bulletins published to the public (公开发布, issue 12): the office marks a draft public, the principal leader
approves it with the rest, and once issued it is readable without signing in — its words and figures, the
kinds, units and titles of the praise and criticism it names — but no person's data: no record's content or
person, nobody who drafted or approved it, no timeline. Drafts, unpublished and other bulletins are 404."""
import json

import pytest

from itemlib import day


@pytest.fixture(scope="module")
def anon(server):
    return server.client()


def act(c, bid, action, body=None):
    r = c.post(f"/api/v1/bulletins/{bid}/actions/{action}", body or {})
    assert r.status == 200, (action, r)
    return r.json


def issue(server, bid):
    office, principal = server.client("gc_office"), server.client("gc_principal")
    act(office, bid, "submit")
    act(principal, bid, "approve")
    return act(office, bid, "issue")


def test_the_demo_bulletin_is_public_without_its_people(server, anon):
    office = server.client("gc_office")
    r = anon.get("/api/v1/public/bulletins")
    assert r.status == 200 and r.json["total"] >= 1, r
    listed = r.json["bulletins"][0]
    full = office.get(f"/api/v1/bulletins/{listed['id']}").json
    assert full["public"] is True and full["state"] == "issued"
    assert listed["number"] == full["number"] and listed["title"] == full["title"]
    assert listed["issued_on"] == full["issued_on"] and listed["scope"] == {"name": full["scope"]["name"]}
    one = anon.get(f"/api/v1/public/bulletins/{listed['id']}")
    assert one.status == 200, one
    p = one.json
    # the words and every figure are the bulletin's
    for k in ("number", "title", "addressees", "intro", "remarks", "period", "office_name", "issued_on"):
        assert p[k] == full[k], k
    # every figure too, but of the overdue items only those marked public (the demo's are internal: none),
    public = [x for x in full["figures"]["overdue_items"]
              if office.get(f"/api/v1/items/{x['id']}").json["confidentiality"] == "public"]
    # and of the inspections' findings the counts per inspected unit, not the findings themselves
    # the findings are left out, and which units were criticised: the criticisms' rectification in total only
    rect = {k: v for k, v in full["figures"]["rectification"].items() if k != "findings"}
    rect["criticisms"] = {k: v for k, v in rect["criticisms"].items() if k != "units"}
    assert p["figures"] == {**full["figures"], "overdue_items": public, "rectification": rect}
    assert "units" in p["figures"]["rectification"] and "findings" not in p["figures"]["rectification"]
    assert full["figures"]["rectification"]["criticisms"]["units"], "the demo's criticism is counted"
    assert "units" not in p["figures"]["rectification"]["criticisms"]
    assert [(x["kind"], x["unit_name"], x["number"], x["title"]) for x in p["results"]] == [
        (x["kind"], x["unit_name"], x["number"], x["title"]) for x in full["results"]]
    assert p["results"], "the demo bulletin names a praise and a criticism"
    # no person's data: the named records' content and people, who drafted and approved, the timeline
    text = json.dumps(p, ensure_ascii=False)
    for x in full["results"]:
        assert x["content"] not in text
        rec = office.get(f"/api/v1/results/{x['id']}").json
        if rec["person"]:
            assert rec["person"] not in text
    for name in ("何振华", "赵敏", "王建国"):
        assert name not in text, name
    assert not {"events", "named_units", "allowed_actions", "approved_at", "created_at", "document"} & set(p)


def test_published_only_once_issued_and_only_when_chosen(server, anon):
    office = server.client("gc_office")
    period = {"period_from": day(-10), "period_to": day(0)}
    pub = office.post("/api/v1/bulletins", {**period, "public": True})
    private = office.post("/api/v1/bulletins", period)
    assert pub.status == 201 and private.status == 201, (pub, private)
    assert pub.json["public"] is True and private.json["public"] is False

    def public_ids():
        r = anon.get("/api/v1/public/bulletins?per_page=100")
        assert r.status == 200, r
        return {b["id"] for b in r.json["bulletins"]}

    for b in (pub.json, private.json):
        assert anon.get(f"/api/v1/public/bulletins/{b['id']}").status == 404
        assert b["id"] not in public_ids()
    # the office may change its mind while it is a draft; the choice is audited with the edit
    r = office.patch(f"/api/v1/bulletins/{private.json['id']}", {"public": True, "version": private.json["version"]})
    assert r.status == 200 and r.json["public"] is True, r
    r = office.patch(f"/api/v1/bulletins/{private.json['id']}", {"public": False, "version": r.json["version"]})
    assert r.status == 200 and r.json["public"] is False, r
    audit = office.get(f"/api/v1/audit?object_type=bulletin&object_id={private.json['id']}&limit=20").json["records"]
    assert any(a["action"] == "bulletin.update" and a["summary"]["change"].get("public") is True for a in audit)
    r = office.patch(f"/api/v1/bulletins/{pub.json['id']}", {"public": "yes"})
    assert r.status == 422 and r.json["error"]["field"] == "public" and "公开发布" in r.error["message"], r
    # pending: still not public, and no longer changeable
    act(office, pub.json["id"], "submit")
    assert anon.get(f"/api/v1/public/bulletins/{pub.json['id']}").status == 404
    r = office.patch(f"/api/v1/bulletins/{pub.json['id']}", {"public": False})
    assert r.status == 409, r
    act(server.client("gc_principal"), pub.json["id"], "approve")
    assert anon.get(f"/api/v1/public/bulletins/{pub.json['id']}").status == 404
    issued = act(office, pub.json["id"], "issue")
    got = anon.get(f"/api/v1/public/bulletins/{pub.json['id']}")
    assert got.status == 200 and got.json["number"] == issued["number"], got
    assert public_ids() >= {pub.json["id"]}
    # issued without being published: never public
    issue(server, private.json["id"])
    assert anon.get(f"/api/v1/public/bulletins/{private.json['id']}").status == 404
    assert private.json["id"] not in public_ids()
    # a signed-in user of another county reads the same public page
    assert server.client("ap_contact").get(f"/api/v1/public/bulletins/{pub.json['id']}").status == 200


def test_public_paging_and_bad_ids(anon):
    r = anon.get("/api/v1/public/bulletins?per_page=1&page=1")
    assert r.status == 200 and len(r.json["bulletins"]) == 1 and r.json["per_page"] == 1, r
    for q in ("per_page=500", "page=0", "page=x"):
        r = anon.get("/api/v1/public/bulletins?" + q)
        assert r.status == 400 and r.error["code"] == "bad_request", (q, r)
    for bad in ("0", "999999", "abc", "+1"):
        assert anon.get(f"/api/v1/public/bulletins/{bad}").status == 404, bad
