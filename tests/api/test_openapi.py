"""docs/openapi.yaml and the server's route table describe the same API, and every operation in the
document is described fully enough to build a client from it (docs/internals/api.md)."""
import subprocess

import pytest

import contract
from conftest import BIN

METHODS = ("get", "post", "put", "patch", "delete")


def load_spec():
    return contract.load_doc()


def route_table():
    """{(method, pattern): capability} from `ducha routes`."""
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True).stdout
    return {(line.split()[0].lower(), line.split()[1]): line.split()[2] for line in out.splitlines() if line.strip()}


def operations(spec):
    for path, item in spec["paths"].items():
        for m in METHODS:
            if m in item:
                yield m, path, item[m]


def deref(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def test_route_table_and_openapi_agree():
    routes = set(route_table())
    documented = {(m, p) for m, p, _ in operations(load_spec())}
    assert routes - documented == set(), "routes missing from docs/openapi.yaml"
    assert documented - routes == set(), "docs/openapi.yaml describes routes the server does not have"


def test_security_follows_the_route_table():
    """Public routes need no credentials; every other route takes the session cookie or a bearer token,
    and a route that changes something takes the CSRF header with the cookie."""
    spec, caps = load_spec(), route_table()
    default = spec["security"]
    assert {"session": []} in default and {"bearer": []} in default
    for m, path, op in operations(spec):
        sec = op.get("security", default)
        where = f"{m.upper()} {path}"
        if caps[(m, path)] == "public":
            assert sec == [], f"{where} is public: security must be []"
            continue
        schemes = [set(req) for req in sec]
        assert {"bearer"} in schemes, f"{where}: the bearer token must be accepted"
        if m == "get":
            assert {"session"} in schemes, f"{where}: a read takes the session cookie without CSRF"
        else:
            assert {"session", "csrf"} in schemes and {"session"} not in schemes, \
                f"{where}: a change with the session cookie needs the X-CSRF-Token header"


def test_every_operation_is_fully_described():
    spec = load_spec()
    tags = {t["name"] for t in spec["tags"]}
    ids = set()
    for m, path, op in operations(spec):
        where = f"{m.upper()} {path}"
        assert op.get("operationId") and op["operationId"] not in ids, f"{where}: a unique operationId"
        ids.add(op["operationId"])
        assert op.get("summary"), f"{where}: a summary"
        assert op.get("tags") and set(op["tags"]) <= tags, f"{where}: tags defined at the top"
        responses = op.get("responses", {})
        assert "default" not in responses, f"{where}: list each status, not default"
        assert any(s.startswith("2") for s in responses), f"{where}: a 2xx response"
        if path not in ("/api/v1/health", "/api/v1/health/live"):  # public, no input: no 4xx can come
            assert any(s.startswith("4") for s in responses), f"{where}: the 4xx it can give"
        if not op.get("x-answers-without-database"):  # liveness and metrics answer while the database is down
            assert "503" in responses, f"{where}: 503 (the database is unavailable) can happen on every route"
        for status, resp in responses.items():
            resp = deref(spec, resp)
            content = resp.get("content") or {}
            assert status == "204" or content, f"{where} {status}: content (or 204)"
            for mt, media in content.items():
                assert "schema" in media, f"{where} {status} {mt}: a schema"
                if status[0] in "45":
                    assert mt == "application/json" and media["schema"].get("$ref") in (
                        "#/components/schemas/Error", "#/components/schemas/ImportError"), \
                        f"{where} {status}: errors use the Error schema"
        for p in op.get("parameters", []) + spec["paths"][path].get("parameters", []):
            p = deref(spec, p)
            assert "schema" in p and deref(spec, p["schema"]).get("type"), f"{where}: parameter {p['name']} typed"
            if p["in"] == "path":
                assert p.get("required") is True, f"{where}: path parameter {p['name']} required"


@pytest.mark.parametrize("name", ["Item", "Track", "Milestone", "Event", "Report", "Attachment", "Rule", "Message",
                                  "Seal", "Signature", "Unit", "User", "Error"])
def test_the_domain_objects_are_components(name):
    schema = load_spec()["components"]["schemas"][name]
    assert schema["type"] == "object" and schema.get("required"), name
    assert set(schema["required"]) <= set(schema["properties"]), f"{name}: required members must be described"
