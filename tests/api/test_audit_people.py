"""The audit log as its reader reads it (issue 15, walk10): each record names the person beside the account
(赵敏 beside gc_office) and the role the person acted in, also for a sign-in and for invitation codes, which
no workflow action decides; a record of the system names no person."""
from surveylib import Surveys


def records(server, **q):
    query = "&".join(f"{k}={v}" for k, v in q.items())
    r = server.client("gc_admin").get(f"/api/v1/audit?{query}&limit=50")
    assert r.status == 200, r
    return r.json["records"]


def test_a_record_names_the_person_and_the_role_acted_in(server):
    # a sign-in: the person and the role the account holds
    contact = server.client("gc_contact")
    login = [r for r in records(server, actor="gc_contact", action="session.login")]
    assert login, "the sign-in is recorded"
    assert login[0]["actor_name"] == contact.user["name"] and contact.user["name"] != "gc_contact"
    assert login[0]["role"] == contact.user["roles"][0]["role"] and login[0]["role"]
    # invitation codes of a survey: the office's role, the office's person
    sv = Surveys(server)
    s = sv.create()
    sv.tokens(s["id"], 2)
    office = sv.c("gc_office").user
    inv = records(server, action="survey.invite", object_type="survey", object_id=s["id"])
    assert len(inv) == 1, inv
    assert (inv[0]["actor"], inv[0]["actor_name"], inv[0]["role"]) == ("gc_office", office["name"], "office"), inv
    # the survey's creation, decided by the office's role, says the same
    made = records(server, action="survey.create", object_type="survey", object_id=s["id"])
    assert (made[0]["actor_name"], made[0]["role"]) == (office["name"], "office"), made


def test_the_reader_is_refused_without_the_audit_role(server):
    # the person's name travels only to those who may read the log
    assert server.client("gc_contact").get("/api/v1/audit?limit=5").status == 403


def test_from_and_to_take_an_instant_or_a_day_and_refuse_anything_else(server):
    """from/to compare as instants: a time with an offset (+08:00) means the same instant as its UTC spelling
    (compared as text it did not), a day is from its start to its end in Beijing time (to=the last day of a range
    left that day out); anything else is refused, naming the parameter (from=yesterday answered an empty list,
    to=2026-13-45 every record)."""
    server.client("gc_contact")  # signs in: the record the filters find
    last = records(server, actor="gc_contact", action="session.login")[0]
    at = last["at"]  # "YYYY-MM-DDTHH:MM:SSZ"
    import datetime
    t = datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))
    beijing = t.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    for spelled in (at, beijing.isoformat().replace("+", "%2B")):
        got = records(server, actor="gc_contact", action="session.login", **{"from": spelled})
        assert last["seq"] in [r["seq"] for r in got], spelled
        assert not [r for r in records(server, actor="gc_contact", action="session.login", to=spelled)
                    if r["seq"] == last["seq"]], spelled
    # a day: from its start, to its end — the web page's date range (12-01 to 12-06) takes both days whole
    day = beijing.date().isoformat()
    assert last["seq"] in [r["seq"] for r in records(server, actor="gc_contact", **{"from": day, "to": day})]
    before = (beijing.date() - datetime.timedelta(days=1)).isoformat()
    assert last["seq"] not in [r["seq"] for r in records(server, actor="gc_contact", to=before)]
    a = server.client("gc_admin")
    for name in ("from", "to"):
        for bad in ("yesterday", "2026-13-45", "2026-12-06T25:00:00Z", "20261206"):
            r = a.get(f"/api/v1/audit?{name}={bad}")
            assert r.status == 400 and f"“{name}”" in r.error["message"], (name, bad, r)
