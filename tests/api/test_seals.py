"""Digital seals: creating a unit's SM2 seal needs the secret_key and the unit-write capability in scope."""
import re

import pytest

from conftest import Server

@pytest.fixture(scope="module")
def sealed(server):
    """The test servers run with a secret_key (conftest)."""
    return server


@pytest.fixture(scope="module")
def no_secret(backend):
    s = Server(backend.new_db(), env={"DUCHA_SECRET_KEY": ""})
    yield s
    s.stop()


# 安平县交通运输局 has no seal in the demo (古城县's bureaus signed their completions in the demo's past months, and a
# first signature makes the unit's seal)


def test_seal_refused_without_secret_key(no_secret):
    admin = no_secret.client("ap_admin")
    jt = admin.unit_id("ap-jt")
    r = admin.post(f"/api/v1/units/{jt}/seal")
    assert r.status == 409, r
    assert "secret_key" in r.error["message"]
    assert admin.get(f"/api/v1/units/{jt}/seal").status == 404


def test_seal_create_get_and_refusals(sealed):
    admin = sealed.client("ap_admin")
    jt = admin.unit_id("ap-jt")
    # a unit contact may read units but not create seals
    assert sealed.client("ap_contact").post(f"/api/v1/units/{jt}/seal").status == 403
    # another county's administrator does not see the unit at all
    assert sealed.client("gc_admin").post(f"/api/v1/units/{jt}/seal").status == 404
    assert sealed.client("ap_contact").get(f"/api/v1/units/{jt}/seal").status == 404  # none yet

    r = admin.post(f"/api/v1/units/{jt}/seal")
    assert r.status == 201, r
    assert re.fullmatch(r"[0-9a-f]{64}", r.json["fingerprint"])
    assert "BEGIN PUBLIC KEY" in r.json["public_key"]
    assert "private" not in r.raw.decode().lower()
    again = admin.post(f"/api/v1/units/{jt}/seal")
    assert again.status == 409 and "已有电子印章" in again.error["message"]

    g = sealed.client("ap_contact").get(f"/api/v1/units/{jt}/seal")
    assert g.status == 200 and g.json["fingerprint"] == r.json["fingerprint"]
    assert "安平县交通运输局" in g.json["unit_name"]
    assert sealed.client("gc_admin").get(f"/api/v1/units/{jt}/seal").status == 404

    audit = admin.get("/api/v1/audit?action=seal.create")
    assert audit.status == 200, audit
    assert [a["summary"]["fingerprint"] for a in audit.json["records"] if a["object_id"] == str(jt)] == \
        [r.json["fingerprint"]]


def test_signature_of_unknown_id_is_404(sealed):
    c = sealed.client("gc_office")
    assert c.get("/api/v1/signatures/999999").status == 404
    assert c.get("/api/v1/signatures/abc").status == 404


def test_sign_without_secret_key_signs_without_seal(no_secret):
    """Deployments without secret_key keep working: the reply is signed, no seal is made."""
    from itemlib import Items
    it = Items(no_secret)
    jt = it.unit("gc-jt")
    before = it.c("gc_office").get(f"/api/v1/units/{jt}/seal")  # the demo's, made with its secret key
    item = it.bring("completion_signed", title="无印章的办结答复")
    after = it.c("gc_office").get(f"/api/v1/units/{jt}/seal")
    assert after.status == before.status and (after.status == 404 or after.json == before.json), (before, after)
    audit = it.c("gc_office").get("/api/v1/audit?action=seal.sign&limit=500")
    assert audit.status == 200
    assert [a for a in audit.json["records"] if a["summary"].get("object_id") == item["id"]] == []
    assert item["state"] == "completion_signed"


def test_sign_seals_the_reply_with_the_units_key(sealed):
    from itemlib import Items
    it = Items(sealed)
    item = it.bring("completion_signed", title="加盖电子印章的办结答复")
    jt = it.unit("gc-jt")
    seal = it.c("gc_office").get(f"/api/v1/units/{jt}/seal")
    assert seal.status == 200
    audit = it.c("gc_office").get("/api/v1/audit?action=seal.sign")
    sig_ids = [a["summary"]["signature_id"] for a in audit.json["records"] if a["summary"]["object_id"] == item["id"] and a["summary"]["object_type"] == "item"]
    assert len(sig_ids) == 1
    sig = it.c("gc_head").get(f"/api/v1/signatures/{sig_ids[0]}").json
    assert sig["fingerprint"] == seal.json["fingerprint"] and sig["signer"] == "何振华"
    assert '"reply":"已按要求办结"' in sig["content"] and f'"item_id":{item["id"]}' in sig["content"]


def test_rotate_retires_the_old_seal_and_old_signatures_still_verify(sealed, tmp_path):
    import subprocess
    from conftest import BIN
    from itemlib import Items
    it = Items(sealed)
    admin = sealed.client("gc_admin")
    zj = admin.unit_id("gc-jt")
    if admin.get(f"/api/v1/units/{zj}/seal").status == 404:
        assert admin.post(f"/api/v1/units/{zj}/seal").status == 201
    first = admin.get(f"/api/v1/units/{zj}/seal")
    item = it.bring("completion_signed", title="更换印章前签署")
    audit = admin.get("/api/v1/audit?action=seal.sign").json["records"]
    sig_id = [a["summary"]["signature_id"] for a in audit if a["summary"]["object_id"] == item["id"]][0]
    assert sealed.client("gc_contact").post(f"/api/v1/units/{zj}/seal?rotate=1").status == 403
    second = admin.post(f"/api/v1/units/{zj}/seal?rotate=1")
    assert second.status == 201 and second.json["fingerprint"] != first.json["fingerprint"]
    assert admin.get(f"/api/v1/units/{zj}/seal").json["fingerprint"] == second.json["fingerprint"]
    # the signature carries the signed reply: the office reads it, the administrator (no item_read) does not
    assert admin.get(f"/api/v1/signatures/{sig_id}").status == 404
    sig = sealed.client("gc_office").get(f"/api/v1/signatures/{sig_id}")
    assert sig.json["fingerprint"] == first.json["fingerprint"]
    f = tmp_path / "old.json"
    f.write_bytes(sig.raw)
    p = subprocess.run([BIN, "verify", str(f)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert admin.post(f"/api/v1/units/{zj}/seal?rotate=2").status == 400
