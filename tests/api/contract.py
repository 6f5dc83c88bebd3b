"""The API contract, checked on every exchange: every response the test client receives is compared
with docs/openapi.yaml (conftest.Client calls check() after each request).

What "matches the document" means here, stricter than OpenAPI itself:
- the path and method are a documented operation (an undocumented /api/ path must answer the router's
  404 not_found, an undocumented method on a documented path 405 or 404);
- the status is listed under the operation's responses (no "default": every status is explicit);
- the Content-Type is one of the response's media types, and a 204 (or a response without content)
  has no body;
- a JSON body is valid against the response's schema (JSON Schema 2020-12, formats date and date-time
  checked) with every object CLOSED: an object schema that lists `properties` and says nothing about
  `additionalProperties` accepts no other member. So a field added in C without the document fails,
  a renamed one fails twice (the old one is required, the new one unknown), a mistyped one fails;
- an error body's code is the one its status stands for (404 ↔ not_found …);
- for a 2xx answer, the request's JSON body and its query parameters are valid against the
  operation's requestBody and parameters (also closed), so the inputs that work are documented too.
A failure raises AssertionError naming the operation, the status and the member that differs.

The published document stays open to clients (they must ignore unknown members, see docs/api-changes.md);
only this harness treats it as closed. Schemas that are meant to be open say so with
`additionalProperties: true` (or a schema for the extra members).
"""
import copy
import hashlib
import json
import os
import re
import threading
from collections import Counter

import yaml
from jsonschema import Draft202012Validator, FormatChecker, RefResolver, validators
from jsonschema import _validators as jsonschema_keywords

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC_PATH = os.path.join(ROOT, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# src/base/err.c: the code each status stands for
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 423: "locked", 500: "internal", 503: "unavailable"}

_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

formats = FormatChecker(formats=())
ERROR = {"$ref": "#/components/schemas/Error"}
IMPORT_ERROR = {"$ref": "#/components/schemas/ImportError"}


@formats.checks("date")
def _is_date(v):
    return not isinstance(v, str) or bool(_DATE.match(v))


@formats.checks("date-time")
def _is_instant(v):
    return not isinstance(v, str) or bool(_INSTANT.match(v))


def remembering_validator(valid):
    """Draft202012Validator whose $ref remembers the (target, value) pairs it found valid in the set valid, and
    does not validate such a pair again: a pure function of the two, and the suites send the same objects many
    times inside lists and pages that differ (a to-do or message page of 200 rows of which one is new), whose
    validation, row by row, was most of the test process's CPU. An invalid value is validated every time, so
    its errors are reported as before."""

    def ref(validator, ref, instance, schema):
        if not isinstance(instance, (dict, list)):
            yield from jsonschema_keywords.ref(validator, ref, instance, schema)
            return
        key = (validator.resolver.resolution_scope, ref,
               hashlib.blake2b(json.dumps(instance, ensure_ascii=False).encode(), digest_size=16).digest())
        if key in valid:
            return
        failed = False
        for error in jsonschema_keywords.ref(validator, ref, instance, schema):
            failed = True
            yield error
        if not failed:
            valid.add(key)

    return validators.extend(Draft202012Validator, {"$ref": ref})


def close_objects(node):
    """Returns a copy of node in which every schema with `properties` and no word on additional
    members accepts no additional members."""
    if isinstance(node, dict):
        out = {k: close_objects(v) for k, v in node.items()}
        if isinstance(node.get("properties"), dict) and "additionalProperties" not in node \
                and "unevaluatedProperties" not in node:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [close_objects(v) for v in node]
    return node


def media_type(content_type):
    return (content_type or "").split(";")[0].strip().lower()


def media_matches(pattern, actual):
    if pattern == "*/*":
        return True
    if pattern.endswith("/*"):
        return actual.startswith(pattern[:-1])
    return pattern == actual


class Operation:
    def __init__(self, method, template, op, path_params):
        self.method = method
        self.template = template
        self.op = op
        self.id = op.get("operationId", f"{method.upper()} {template}")
        params = {}
        for p in list(path_params) + list(op.get("parameters", [])):
            params[(p["in"], p["name"])] = p  # operation parameters override path-level ones
        self.params = params


_docs = {}


def load_doc(path=SPEC_PATH):
    """The YAML document at path (docs/openapi.yaml by default), parsed once per test process with libyaml
    (the pure-Python parser took 3 to 9 s for docs/openapi.yaml, and the tests of the document read it some
    thirty times a suite); each caller gets a copy of its own to change."""
    if path not in _docs:
        with open(path, encoding="utf-8") as f:
            _docs[path] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return copy.deepcopy(_docs[path])


class Contract:
    def __init__(self, path=SPEC_PATH):
        self.raw = load_doc(path)
        self.spec = close_objects(self.raw)
        self.resolver = RefResolver(base_uri="openapi.yaml", referrer=self.spec)
        self.ops = []
        for template, item in self.spec["paths"].items():
            path_params = [self.deref(p) for p in item.get("parameters", [])]
            literal = len([s for s in template.split("/") if s and not s.startswith("{")])
            rx = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
            for m in METHODS:
                if m in item:
                    op = copy.deepcopy(item[m])
                    op["parameters"] = [self.deref(p) for p in op.get("parameters", [])]
                    self.ops.append((literal, rx, Operation(m, template, op, path_params)))
        # the most literal template first: /api/v1/items/meta before /api/v1/items/{id}
        self.ops.sort(key=lambda t: -t[0])
        self.lock = threading.Lock()
        self.validated = Counter()  # operationId -> responses validated
        self.statuses = Counter()  # (operationId, status)
        self._validators = {}
        self._valid = set()  # (operationId, status, media type, digest of the body) of bodies found valid
        self._valid_refs = set()  # (scope, $ref, digest of the value) found valid (remembering_validator)
        self._valid_params = set()  # (operationId, parameter, value) found valid
        self.Validator = remembering_validator(self._valid_refs)
        self._found = {}  # (method, path) -> find's answer

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node and len(node) == 1:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def validator(self, schema):
        # by the schema object (kept in the entry, so that its id is not reused): the document's schemas are
        # the same objects at every call, and writing one out as the key cost more than many validations. One
        # resolver for all: each new one searched the whole document once for its $id and anchors
        v = self._validators.get(id(schema))
        if v is None or v[0] is not schema:
            v = (schema, self.Validator(schema, resolver=self.resolver, format_checker=formats))
            self._validators[id(schema)] = v
        return v[1]

    def find(self, method, path):
        """(operation, path_known): the documented operation for method and path (remembered: the suites ask
        for the same paths many times, and the templates are tried one after the other)."""
        key = (method, path)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._find(method, path)
        return found

    def _find(self, method, path):
        known = False
        for _, rx, op in self.ops:
            if rx.match(path):
                if op.method == method.lower() or (method.upper() == "HEAD" and op.method == "get"):
                    return op, True
                known = True
        return None, known

    def check_schema(self, schema, value, what):
        errors = sorted(self.validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            lines = []
            for e in errors[:8]:
                where = "".join(f"[{p!r}]" for p in e.absolute_path) or "(body)"
                lines.append(f"  at {where}: {e.message[:300]}")
            raise AssertionError(f"{what} does not match docs/openapi.yaml:\n" + "\n".join(lines))

    def check(self, method, path, status, content_type, body, req_json=None, req_query=None):
        """Checks one exchange (see the module comment). body: the raw response bytes."""
        path = path.split("?")[0]
        op, known = self.find(method, path)
        what = f"{method} {path} → {status}"
        if op is None:
            if not path.startswith("/api/"):
                return  # static files of the web app are not part of the API
            allowed = (404, 405) if known else (404,)
            assert status in allowed, f"{what}: the route is not in docs/openapi.yaml (document it)"
            self.check_error(status, body, what)
            return
        what = f"{op.id} ({method} {op.template}) → {status}"
        responses = op.op.get("responses", {})
        resp = responses.get(str(status)) or responses.get(f"{status // 100}XX")
        assert resp is not None, f"{what}: status {status} is not documented for this operation " \
                                 f"(documented: {', '.join(sorted(responses))}); body {body[:300]!r}"
        resp = self.deref(resp)
        content = resp.get("content") or {}
        if method.upper() == "HEAD":
            pass
        elif not content:
            assert not body, f"{what}: documented without content, but the body is {body[:200]!r}"
        else:
            actual = media_type(content_type)
            match = next((m for m in content if media_matches(m.lower(), actual)), None)
            assert match, f"{what}: Content-Type {content_type!r} is not documented " \
                          f"(documented: {', '.join(content)})"
            schema = content[match].get("schema")
            assert schema is not None, f"{what}: {match} has no schema in docs/openapi.yaml"
            # a body found valid for this operation, status and media type before is valid again: the same
            # bytes against the same schema (validation is a function of the two); the suites see the same
            # lists and pages many times, and validating them was most of the test process's CPU
            seen = (op.id, status, match, hashlib.blake2b(body, digest_size=16).digest())
            if actual == "application/json" and seen not in self._valid:
                try:
                    value = json.loads(body)
                except ValueError:
                    raise AssertionError(f"{what}: the body is not JSON: {body[:200]!r}")
                self.check_schema(schema, value, what)
                if status >= 400:
                    self.check_error(status, body, what)
                self._valid.add(seen)
        if 200 <= status < 300:
            self.check_request(op, req_json, req_query or {}, what)
        with self.lock:
            self.validated[op.id] += 1
            self.statuses[(op.id, status)] += 1

    def check_error(self, status, body, what):
        try:
            err = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            raise AssertionError(f"{what}: an error must be {{\"error\":{{\"code\",\"message\"}}}}, got {body[:200]!r}")
        self.check_schema(IMPORT_ERROR if "rows" in err else ERROR, json.loads(body), what)
        want = ERROR_CODES.get(status)
        assert want is None or err.get("code") == want, f"{what}: status {status} must carry code {want}, " \
                                                       f"not {err.get('code')!r}"

    def check_request(self, op, req_json, query, what):
        """A request the server accepted must be one the document allows."""
        if req_json is not None:
            rb = self.deref(op.op.get("requestBody") or {})
            schema = (rb.get("content") or {}).get("application/json", {}).get("schema")
            assert schema is not None, f"{what}: the request had a JSON body, but the operation documents none"
            self.check_schema(schema, req_json, what + " (request body)")
        for name, values in query.items():
            p = op.params.get(("query", name))
            assert p is not None, f"{what}: query parameter {name!r} is not documented"
            schema = self.deref(p.get("schema", {}))
            for v in values:
                if (op.id, name, v) in self._valid_params:
                    continue
                self.check_schema(p.get("schema", {}), coerce(schema, v, self), what + f" (query {name}={v!r})")
                self._valid_params.add((op.id, name, v))


def coerce(schema, text, contract):
    """A query string value as the JSON value its schema describes (integers stay text if malformed)."""
    schema = contract.deref(schema)
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "integer" in types and re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    return text


_contract = None


def contract():
    """The document, loaded once per test session."""
    global _contract
    if _contract is None:
        _contract = Contract()
    return _contract


def summary():
    """Lines for the end of a test run: how many responses were validated, which operations were not."""
    c = _contract
    if c is None:
        return []
    total = sum(c.validated.values())
    ops = [op.id for _, _, op in c.ops]
    missing = sorted(set(ops) - set(c.validated))
    lines = [f"openapi: {total} responses validated against docs/openapi.yaml ({len(c._valid)} distinct JSON "
             f"bodies); {len(ops) - len(missing)} of {len(ops)} operations exercised"]
    if missing:
        lines.append("openapi: operations no test exercised: " + ", ".join(missing))
    return lines
