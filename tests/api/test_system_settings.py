"""Settings shared by the whole system (completion grades, deadline rules, the working-day calendar)
go through one check: only the administrator of a top unit changes them. A county administrator is
refused (403) and nothing changes; the office that uses the grades keeps working."""


def test_a_county_administrator_cannot_change_system_settings(fresh_server):
    s = fresh_server
    before = s.client("gc_office").get("/api/v1/items/meta").json["grades"]
    rules = s.client("admin").get("/api/v1/rules").json
    for user in ("ap_admin", "gc_admin"):
        c = s.client(user)
        r = c.put("/api/v1/items/grades", {"grades": ["甲", "乙"]})
        assert r.status == 403 and "最上级单位" in r.error["message"], (user, r)
        assert c.put("/api/v1/calendar/2031", {"days": []}).status == 403
        r = c.put("/api/v1/rules", {k: v for k, v in rules.items() if k in ("rules",)} or rules)
        assert r.status == 403, (user, r)
        assert c.post("/api/v1/calendar/import", raw="day,kind,name\n2031-10-01,holiday,国庆节\n",
                      content_type="text/csv").status == 403
    assert s.client("gc_office").get("/api/v1/items/meta").json["grades"] == before
    # the top administrator may
    r = s.client("admin").put("/api/v1/items/grades", {"grades": ["优秀", "良好", "一般"]})
    assert r.status == 200, r
    assert s.client("gc_office").get("/api/v1/items/meta").json["grades"] == ["优秀", "良好", "一般"]
