"""The response checker of tests/api/contract.py fails on what it is meant to catch (so that the
"every response validated" of the other tests means something). No server: synthetic exchanges."""
import json

import pytest

import contract

UNIT = {"id": 33, "code": "gc-jt", "name": "古城县交通运输局", "kind": "department", "kind_label": "部门",
        "parent_id": 2, "path": "/1/2/33/", "depth": 2, "principal": "", "contact": "", "phone": "",
        "prefix": "", "sort": 0, "version": 1, "created_at": "2026-03-02T01:30:00Z",
        "updated_at": "2026-03-02T01:30:00Z"}


@pytest.fixture(scope="module")
def c():
    return contract.Contract()


def check(c, body, status=200, method="GET", path="/api/v1/units/33", ct="application/json; charset=utf-8", **kw):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    c.check(method, path, status, ct, raw, **kw)


def test_a_documented_response_passes(c):
    check(c, UNIT)
    check(c, {"units": [UNIT]}, path="/api/v1/units", req_query={"limit": ["50"], "q": ["交通"]})


def test_an_added_field_fails(c):
    with pytest.raises(AssertionError, match="Additional properties.*'email'"):
        check(c, dict(UNIT, email="x@gc.gov.cn"))


def test_a_renamed_field_fails(c):
    u = dict(UNIT)
    u["unit_code"] = u.pop("code")
    with pytest.raises(AssertionError, match="'code' is a required property"):
        check(c, u)


def test_a_mistyped_field_fails(c):
    with pytest.raises(AssertionError, match=r"\['version'\]"):
        check(c, dict(UNIT, version="1"))
    with pytest.raises(AssertionError, match="created_at"):
        check(c, dict(UNIT, created_at="2026-03-02 01:30"))
    with pytest.raises(AssertionError, match="kind"):
        check(c, dict(UNIT, kind="ministry"))


def test_a_body_is_validated_once_per_operation_and_status_and_a_wrong_one_every_time(c):
    """contract.Contract remembers the bodies it found valid (by operation, status, media type and digest), not
    the ones it refused: a wrong body fails however often it comes, and a body valid for one operation or status
    is checked again under another."""
    for _ in range(2):
        with pytest.raises(AssertionError, match="Additional properties.*'email'"):
            check(c, dict(UNIT, email="x@gc.gov.cn"))
    check(c, UNIT)
    check(c, UNIT)
    error = {"error": {"code": "not_found", "message": "x"}}
    check(c, error, status=404)
    with pytest.raises(AssertionError, match="must carry code forbidden"):
        check(c, error, status=403)
    with pytest.raises(AssertionError, match="does not match"):
        check(c, UNIT, path="/api/v1/units")


def test_a_row_found_valid_is_not_validated_again_and_a_changed_row_fails_every_time(c):
    """contract.Contract also remembers the objects it found valid under each schema they are checked against (a $ref:
    the rows of a page), so that a page of rows seen before costs one validation per new row; a row that differs from
    them in anything (a field added, mistyped) is validated and fails, at its place in the page, however many valid
    pages came before; and a query value found valid for one parameter is checked again under another."""
    rows = [UNIT, dict(UNIT, id=34, code="gc-zj")]
    check(c, {"units": rows}, path="/api/v1/units")
    check(c, {"units": rows + [dict(UNIT, id=35, code="gc-t1")]}, path="/api/v1/units")
    for _ in range(2):
        with pytest.raises(AssertionError, match=r"\['units'\]\[1\]: Additional properties.*'email'"):
            check(c, {"units": [UNIT, dict(rows[1], email="x@gc.gov.cn")]}, path="/api/v1/units")
        with pytest.raises(AssertionError, match=r"\['units'\]\[2\]\['version'\]"):
            check(c, {"units": rows + [dict(UNIT, version="1")]}, path="/api/v1/units")
    check(c, {"units": rows}, path="/api/v1/units", req_query={"limit": ["50"]})
    with pytest.raises(AssertionError, match="query limit='many'"):
        check(c, {"units": rows}, path="/api/v1/units", req_query={"limit": ["many"]})


def test_nested_objects_are_closed_too(c):
    with pytest.raises(AssertionError, match=r"\['units'\]\[0\]"):
        check(c, {"units": [dict(UNIT, extra=1)]}, path="/api/v1/units")


def test_an_undocumented_status_fails(c):
    with pytest.raises(AssertionError, match="status 409 is not documented"):
        check(c, {"error": {"code": "conflict", "message": "x"}}, status=409, path="/api/v1/units/33/subtree")


def test_an_error_must_carry_the_code_of_its_status(c):
    check(c, {"error": {"code": "not_found", "message": "单位不存在"}}, status=404)
    with pytest.raises(AssertionError, match="must carry code not_found"):
        check(c, {"error": {"code": "invalid", "message": "x"}}, status=404)
    with pytest.raises(AssertionError, match="does not match"):
        check(c, {"error": {"code": "not_found"}}, status=404)


def test_an_undocumented_route_fails(c):
    check(c, {"error": {"code": "not_found", "message": "接口不存在"}}, status=404, path="/api/v1/nothing")
    with pytest.raises(AssertionError, match="not in docs/openapi.yaml"):
        check(c, {"ok": True}, path="/api/v1/nothing")
    with pytest.raises(AssertionError, match="not in docs/openapi.yaml"):
        check(c, {"ok": True}, method="PUT", path="/api/v1/units/33/subtree")


def test_content_type_and_empty_bodies(c):
    with pytest.raises(AssertionError, match="Content-Type"):
        check(c, b"%PDF-1.7", ct="application/pdf")
    with pytest.raises(AssertionError, match="without content"):
        check(c, b"{}", status=204, method="DELETE")
    check(c, b"", status=204, method="DELETE", ct=None)


def test_accepted_requests_must_be_documented(c):
    with pytest.raises(AssertionError, match=r"(?s)request body.*'email'"):
        check(c, UNIT, status=201, method="POST", path="/api/v1/units",
              req_json={"code": "x", "name": "x", "kind": "department", "email": "x"})
    with pytest.raises(AssertionError, match="query parameter 'sort' is not documented"):
        check(c, {"units": []}, path="/api/v1/units", req_query={"sort": ["name"]})
    with pytest.raises(AssertionError, match="limit"):
        check(c, {"units": []}, path="/api/v1/units", req_query={"limit": ["6000"]})


def test_literal_paths_win_over_templates(c):
    op, _ = c.find("GET", "/api/v1/items/meta")
    assert op.id == "getItemsMeta"
    op, _ = c.find("GET", "/api/v1/items/12")
    assert op.id == "getItem"


def test_one_user_as_the_administrator_sees_it(server):
    """GET /api/v1/users/{id} (no other test reads one user): validated like every response."""
    admin = server.client("gc_admin")
    me = next(u for u in admin.get("/api/v1/users?q=gc_contact").json["users"] if u["username"] == "gc_contact")
    r = admin.get(f"/api/v1/users/{me['id']}")
    assert r.status == 200 and r.json["username"] == "gc_contact" and r.json["roles"]
    assert server.client("ap_admin").get(f"/api/v1/users/{me['id']}").status == 404
    assert server.client("gc_contact").get(f"/api/v1/users/{me['id']}").status == 403
