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
