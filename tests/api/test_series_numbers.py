"""Numbers in an office's series take the prefix of the nearest unit that has one on the way up the unit tree
(core/unit_up.h: the unit's own path and its ancestors', read by the index on units.path, whatever the tree
holds): a public clue of 城关镇 gets 古线〔year〕n号 in 古城县's series, one after the other; a government
without a prefix of its own below 古城县 numbers its clues in a series of its own with 古城县's 古; the nearest
government with an office found for a clue of its area is that government, not 古城县."""
import datetime
import re

import pytest

from cluelib import Clues
from conftest import uniq


@pytest.fixture(scope="module")
def cl(server):
    return Clues(server)


def beijing_year(iso):
    at = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (at + datetime.timedelta(hours=8)).year


def number_of(cl, code):
    r = cl.public.c.get(f"/api/v1/public/clues/{code}")
    assert r.status == 200, r
    return r.json["number"], r.json["received_at"]


def test_public_clues_number_in_the_county_series_one_after_the_other(cl):
    got = [cl.public.submit().json for _ in range(2)]
    nums = []
    for g in got:
        m = re.fullmatch(r"古线〔(\d{4})〕(\d+)号", g["number"])
        assert m, g
        assert int(m.group(1)) == beijing_year(g["received_at"]), g
        assert number_of(cl, g["tracking_code"])[0] == g["number"]
        nums.append(int(m.group(2)))
    if got[0]["number"][3:7] == got[1]["number"][3:7]:  # the same Beijing year (a New Year's midnight between)
        assert nums[1] == nums[0] + 1, got


def test_a_government_without_a_prefix_numbers_with_the_nearest_one_above(cl):
    admin = cl.c("admin")
    gc = admin.unit_id("gc")
    r = admin.post("/api/v1/units", {"code": f"gc-kfq-{uniq()}", "name": "古城县经济开发区管委会",
                                     "kind": "government", "parent_id": gc})
    assert r.status == 201, r
    zone = r.json
    assert zone["prefix"] == "" and zone["path"].startswith(admin.get(f"/api/v1/units/{gc}").json["path"])
    username = f"kfq{uniq()}"
    r = admin.post("/api/v1/users", {"username": username, "name": "开发区督查", "unit_id": zone["id"],
                                     "password": "Series2026x", "must_change_password": False,
                                     "roles": [{"role": "office", "unit_id": zone["id"]}]})
    assert r.status == 201, r
    office = cl.server.client(username, password="Series2026x")
    # a clue of the zone: the zone's office receives it (the nearest government with an office), in its own series
    r = office.post("/api/v1/clues", {"category": "livelihood", "area_id": zone["id"], "place": "开发区纬三路",
                                      "description": "开发区纬三路路灯连续多日不亮，夜间行人和车辆通行存在安全隐患。"})
    assert r.status == 201, r
    first = r.json
    assert first["office"]["id"] == zone["id"], first
    assert first["origin_received_on"] is None and first["origin_number"] is None  # not a transfer
    year = beijing_year(first["created_at"])
    assert first["number"] == f"古线〔{year}〕1号", first
    r = office.post("/api/v1/clues", {"category": "livelihood", "area_id": zone["id"], "place": "开发区经五路",
                                      "description": "开发区经五路人行道地砖大面积破损翘起，雨天积水严重，老人出行多次摔倒。"})
    assert r.status == 201, r
    if beijing_year(r.json["created_at"]) == year:
        assert r.json["number"] == f"古线〔{year}〕2号", r.json
    # 古城县's own series goes on apart from the zone's
    county = cl.create()
    m = re.fullmatch(r"古线〔(\d{4})〕(\d+)号", county["number"])
    assert m and county["office"]["id"] == gc, county
    assert office.get(f"/api/v1/clues/{first['id']}").json["number"] == first["number"]
    # 古城县's office sees the zone's clue (the zone lies below it); a clue of 古城县 is not the zone's
    assert cl.get(first["id"])["number"] == first["number"]
    assert office.get(f"/api/v1/clues/{county['id']}").status == 404
