"""Attachments: multipart and raw uploads stored by content hash under the data directory, the
size limit and extension allow-list from the configuration, permission of the item for upload and
download, and download headers that never let a browser render the file."""
import hashlib
import os
import uuid

import pytest

from conftest import Server
from itemlib import Items


@pytest.fixture(scope="module")
def srv(backend):
    s = Server(backend.new_db(scanned=True), env={"DUCHA_UPLOAD_LIMIT": "4096", "DUCHA_UPLOAD_TYPES": "pdf,txt,png,docx"})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def it(srv):
    return Items(srv)


def multipart(filename, data, field="file"):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_upload_download_and_headers(it, srv):
    item = it.bring("received")
    iid = item["id"]
    data = b"%PDF-1.4\n" + os.urandom(1000)
    body, ct = multipart("交通整治方案.pdf", data)
    r = it.c("gc_contact").post(f"/api/v1/items/{iid}/attachments", raw=body, content_type=ct)
    assert r.status == 201, r
    att = r.json
    assert att["filename"] == "交通整治方案.pdf" and att["size"] == len(data)
    # stored once under its hash in the data directory
    path = os.path.join(srv.dir, "attachments", att["sm3"][:2], att["sm3"])
    with open(path, "rb") as f:
        assert f.read() == data
    # raw body with ?filename=, linked to a report
    r = it.act(iid, "gc_contact", "report", {"text": "附件见", "percent": 10})
    rid = r.json["report_id"]
    r = it.c("gc_contact").post(f"/api/v1/items/{iid}/attachments?filename=notes.txt&report_id={rid}",
                                raw=b"plain notes", content_type="application/octet-stream")
    assert r.status == 201, r
    txt = r.json
    reports = it.c("gc_office").get(f"/api/v1/items/{iid}/reports").json["reports"]
    assert reports[0]["attachments"][0]["id"] == txt["id"]
    # download with the item's permission
    for user in ("gc_office", "gc_leader", "gc_contact"):
        r = it.c(user).get(f"/api/v1/attachments/{att['id']}")
        assert r.status == 200 and r.raw == data
        assert r.headers["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Type"] == "application/pdf"
    r = it.c("gc_office").get(f"/api/v1/attachments/{txt['id']}")
    assert r.raw == b"plain notes" and "html" not in r.headers["Content-Type"]
    # invisible to another county and to units not on the item
    for user in ("ap_office", "gc_contact2", "gc_town"):
        assert it.c(user).get(f"/api/v1/attachments/{att['id']}").status == 404
        assert it.c(user).get(f"/api/v1/items/{iid}/attachments").status == 404
    assert it.c("gc_office").get("/api/v1/attachments/999999").status == 404
    listed = it.c("gc_leader").get(f"/api/v1/items/{iid}/attachments").json["attachments"]
    assert [a["id"] for a in listed] == [att["id"], txt["id"]]
    ev = it.c("gc_office").get(f"/api/v1/items/{iid}/events").json["events"]
    assert [e["note"] for e in ev if e["action"] == "attach"] == ["交通整治方案.pdf", "notes.txt"]
    assert att["sm3"] != hashlib.sha256(data).hexdigest()  # SM3, not SHA-256


def test_upload_refusals(it):
    item = it.bring("assigned")
    iid = item["id"]
    c = it.c("gc_contact")
    # type not allowed (also: html can never come back inline)
    for name in ("page.html", "run.exe", "noext", "x.pdf.sh"):
        r = c.post(f"/api/v1/items/{iid}/attachments?filename={name}", raw=b"abc", content_type="application/octet-stream")
        assert r.status in (415, 422), (name, r)
    # size limit (4096 in this server's configuration)
    r = c.post(f"/api/v1/items/{iid}/attachments?filename=big.pdf", raw=b"x" * 5000,
               content_type="application/octet-stream")
    assert r.status == 413
    body, ct = multipart("big.pdf", b"x" * 5000)
    assert c.post(f"/api/v1/items/{iid}/attachments", raw=body, content_type=ct).status == 413
    assert c.post(f"/api/v1/items/{iid}/attachments?filename=empty.pdf", raw=b"",
                  content_type="application/octet-stream").status == 422
    assert c.post(f"/api/v1/items/{iid}/attachments", raw=b"--zz\r\n", content_type="multipart/form-data; boundary=zz").status == 400
    # permission: a leader reads but does not upload; other county and other units do not see it
    assert it.c("gc_leader").post(f"/api/v1/items/{iid}/attachments?filename=a.pdf", raw=b"abc",
                                  content_type="application/octet-stream").status == 403
    for user in ("ap_office", "gc_contact2"):
        assert it.c(user).post(f"/api/v1/items/{iid}/attachments?filename=a.pdf", raw=b"abc",
                               content_type="application/octet-stream").status == 404
    # missing CSRF token
    assert c.post(f"/api/v1/items/{iid}/attachments?filename=a.pdf", raw=b"abc",
                  content_type="application/octet-stream", csrf=False).status == 403
    assert it.c("gc_office").get(f"/api/v1/items/{iid}/attachments").json["attachments"] == []
    # an archived item takes no more files
    done = it.bring("archived")
    assert it.c("gc_office").post(f"/api/v1/items/{done['id']}/attachments?filename=a.pdf", raw=b"abc",
                                  content_type="application/octet-stream").status == 409
