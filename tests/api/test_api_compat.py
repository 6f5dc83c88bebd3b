"""/api/v1 stays compatible: docs/openapi.yaml is compared with the last released document
(docs/openapi-v1-baseline.yaml). Removing an operation, a parameter, a request member, a response
status or member, an enumerated value, or making an input newly required, or widening a response
member's type (e.g. integer → integer|null), breaks the clients built on the baseline: each such
difference must be named in docs/api-changes.md as "- removed: `…`" or "- changed: `…`" (with the reason).
No server needed."""
import os
import re

import pytest

import contract
from conftest import ROOT

METHODS = ("get", "post", "put", "patch", "delete")


def load(name):
    return contract.load_doc(os.path.join(ROOT, "docs", name))


def deref(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def types(spec, schema):
    """The JSON types a schema allows (alternatives of anyOf/oneOf included); None for any."""
    schema = deref(spec, schema)
    if "const" in schema:
        return {type(schema["const"]).__name__}
    alts = schema.get("anyOf") or schema.get("oneOf")
    if alts:
        out = set()
        for a in alts:
            t = types(spec, a)
            if t is None:
                return None
            out |= t
        return out
    t = schema.get("type")
    if t is None:
        return None
    return set(t) if isinstance(t, list) else {t}


def shapes(spec, schema, where, seen=()):
    """{path: (types, required, enum, schema)} for every member reachable from schema."""
    schema = deref(spec, schema)
    out = {where: (types(spec, schema), None, set(schema.get("enum", [])) or None)}
    key = id(schema)
    if key in seen:
        return out
    seen = seen + (key,)
    alts = [deref(spec, a) for a in (schema.get("anyOf") or schema.get("oneOf") or [])] or [schema]
    for s in alts:
        req = set(s.get("required", []))
        for name, sub in (s.get("properties") or {}).items():
            for p, v in shapes(spec, sub, f"{where}.{name}", seen).items():
                out[p] = v if p != f"{where}.{name}" else (v[0], name in req, v[2])
        if isinstance(s.get("additionalProperties"), dict):
            out.update(shapes(spec, s["additionalProperties"], f"{where}.*", seen))
        if "items" in s:
            out.update(shapes(spec, s["items"], f"{where}[]", seen))
    return out


def operations(spec):
    for path, item in spec["paths"].items():
        for m in METHODS:
            if m in item:
                params = {(p["in"], p["name"]): p for p in
                          [deref(spec, p) for p in item.get("parameters", []) + item[m].get("parameters", [])]}
                yield f"{m.upper()} {path}", item[m], params


def json_schema(spec, holder):
    holder = deref(spec, holder or {})
    media = (holder.get("content") or {}).get("application/json")
    return media.get("schema") if media else None


def differences(base, cur):
    """The incompatible differences of cur against base, as (kind, what, reason) triples."""
    out = []
    cur_ops = {name: (op, params) for name, op, params in operations(cur)}
    for name, op, params in operations(base):
        if name not in cur_ops:
            out.append(("removed", name, "the operation is gone"))
            continue
        cop, cparams = cur_ops[name]
        for key, p in params.items():
            if key not in cparams:
                out.append(("removed", f"{name} {key[0]}:{key[1]}", "the parameter is gone"))
            else:
                old, new = set(deref(base, p.get("schema", {})).get("enum", [])), \
                    set(deref(cur, cparams[key].get("schema", {})).get("enum", []))
                if old and new and old - new:
                    out.append(("removed", f"{name} {key[0]}:{key[1]}", f"values {sorted(old - new)} refused now"))
        for key, p in cparams.items():
            if p.get("required") and (key not in params or not params[key].get("required")):
                out.append(("changed", f"{name} {key[0]}:{key[1]}", "the parameter is required now"))
        # request body: members the baseline accepted must still be accepted; none newly required
        breq, creq = json_schema(base, op.get("requestBody")), json_schema(cur, cop.get("requestBody"))
        if breq is not None:
            if creq is None:
                out.append(("removed", f"{name} request", "the JSON body is no longer accepted"))
            else:
                old, new = shapes(base, breq, "request"), shapes(cur, creq, "request")
                for path, (t, req, enum) in old.items():
                    if path not in new:
                        out.append(("removed", f"{name} {path}", "the request member is refused now"))
                    elif enum and new[path][2] and enum - new[path][2]:
                        out.append(("removed", f"{name} {path}", f"values {sorted(enum - new[path][2])} refused now"))
                for path, (t, req, enum) in new.items():
                    if req and not (path in old and old[path][1]):
                        out.append(("changed", f"{name} {path}", "the request member is required now"))
        # responses: every status and member the baseline promised, with no wider type
        bres, cres = op.get("responses", {}), cop.get("responses", {})
        for status, resp in bres.items():
            if status not in cres:
                out.append(("removed", f"{name} {status}", "the response status is gone"))
                continue
            bs, cs = json_schema(base, resp), json_schema(cur, cres[status])
            if bs is None or status[0] != "2":
                continue
            if cs is None:
                out.append(("removed", f"{name} {status}", "the JSON body is gone"))
                continue
            out += narrowed(base, bs, cur, cs, name, status)
    # events out: a receiver built on the baseline reads each payload like a response
    cur_hooks = cur.get("webhooks") or {}
    for event, item in (base.get("webhooks") or {}).items():
        name = f"webhook {event}"
        if event not in cur_hooks:
            out.append(("removed", name, "the event is no longer sent"))
            continue
        bs, cs = json_schema(base, item["post"].get("requestBody")), json_schema(cur, cur_hooks[event]["post"].get(
            "requestBody"))
        if bs is not None:
            out += narrowed(base, bs, cur, cs, name, "payload") if cs is not None else \
                [("removed", f"{name} payload", "the JSON body is gone")]
    return out


def narrowed(base, bs, cur, cs, name, where):
    """What a reader of schema bs (a response or an event payload) relies on and cs no longer gives:
    a member gone, a wider type, a member no longer always present."""
    out = []
    old, new = shapes(base, bs, where), shapes(cur, cs, where)
    for path, (t, req, enum) in old.items():
        if path not in new:
            out.append(("removed", f"{name} {path}", "the member is gone"))
            continue
        nt, nreq, nenum = new[path]
        if t is not None and (nt is None or nt - t):
            out.append(("changed", f"{name} {path}", f"type {sorted(t)} became {sorted(nt or ['any'])}"))
        if req and not nreq:
            out.append(("changed", f"{name} {path}", "the member is no longer always present"))
    return out


def noted(changes_md, kind, what):
    return re.search(r"^\s*- " + kind + r": `" + re.escape(what) + "`", changes_md, re.M) is not None


def test_the_baseline_is_a_released_document():
    base = load("openapi-v1-baseline.yaml")
    assert base["openapi"].startswith("3.1") and base["info"]["version"].startswith("1.")
    assert sum(1 for _ in operations(base)) >= 64


def test_nothing_of_the_last_release_is_removed_or_changed_without_a_note():
    base, cur = load("openapi-v1-baseline.yaml"), load("openapi.yaml")
    changes = open(os.path.join(ROOT, "docs", "api-changes.md"), encoding="utf-8").read()
    missing = [f"- {kind}: `{what}` ({why})" for kind, what, why in differences(base, cur)
               if not noted(changes, kind, what)]
    assert missing == [], ("incompatible with docs/openapi-v1-baseline.yaml; keep /api/v1 compatible, or name each "
                           "in docs/api-changes.md with the reason and what to use instead:\n" + "\n".join(missing))


@pytest.mark.parametrize("edit, expect", [
    (lambda s: s["paths"].pop("/api/v1/units/{id}/subtree"), "removed: `GET /api/v1/units/{id}/subtree`"),
    (lambda s: s["components"]["schemas"]["Unit"]["properties"].pop("code"), "removed: `GET /api/v1/units/{id} 200.code`"),
    (lambda s: s["components"]["schemas"]["Unit"]["properties"].update(depth={"type": ["integer", "null"]}),
     "changed: `GET /api/v1/units/{id} 200.depth`"),
    (lambda s: s["components"]["schemas"]["UnitCreate"]["required"].append("principal"),
     "changed: `POST /api/v1/units request.principal`"),
    (lambda s: s["components"]["schemas"]["UnitUpdate"]["properties"].pop("sort"),
     "removed: `PATCH /api/v1/units/{id} request.sort`"),
    (lambda s: s["paths"]["/api/v1/units"]["get"]["parameters"].pop(0), "removed: `GET /api/v1/units query:parent_id`"),
])
def test_the_comparison_catches_each_kind_of_break(edit, expect):
    base = load("openapi-v1-baseline.yaml")
    cur = load("openapi-v1-baseline.yaml")
    edit(cur)
    found = [f"{kind}: `{what}`" for kind, what, _ in differences(base, cur)]
    assert expect in found, found
    assert differences(base, base) == []


@pytest.mark.parametrize("edit, expect", [
    (lambda s: s["webhooks"].pop("item.overdue"), "removed: `webhook item.overdue`"),
    (lambda s: s["components"]["schemas"]["WebhookPayload"]["properties"].pop("occurred_at"),
     "removed: `webhook item.assigned payload.occurred_at`"),
    (lambda s: s["components"]["schemas"]["WebhookPayload"]["required"].remove("unit"),
     "changed: `webhook item.completed payload.unit`"),
    (lambda s: s["components"]["schemas"]["WebhookPayload"]["properties"].update(id={"type": ["string", "null"]}),
     "changed: `webhook item.received payload.id`"),
])
def test_the_comparison_covers_the_events_out(edit, expect):
    """The payloads in `webhooks` are a contract too (the baseline of the next release will hold them)."""
    base = load("openapi.yaml")
    cur = load("openapi.yaml")
    edit(cur)
    found = [f"{kind}: `{what}`" for kind, what, _ in differences(base, cur)]
    assert expect in found, found
    assert differences(base, base) == []
