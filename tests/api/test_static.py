"""The web application's files: served with the right types, SPA fallback, no traversal, security headers, and
the copies compressed at build time to a client that takes gzip."""
import gzip
import json
import urllib.request
import urllib.error

import pytest

from conftest import PASSWORD, Server


BIG_JS = "".join(f"export const v{i} = {i} * 2 // 督查督办 {i}\n" for i in range(2000))
INDEX = "<!doctype html><title>督查督办</title>" + "<!-- 督查督办 -->" * 50


@pytest.fixture(scope="module")
def web_server(backend, tmp_path_factory):
    web = tmp_path_factory.mktemp("web")
    (web / "public.html").write_text("<!doctype html><title>互联网+督查</title>", encoding="utf-8")
    (web / "assets").mkdir()
    (web / "assets" / "app.js").write_text("console.log(1)")
    # the build's compressed copies (web/scripts/precompress.mjs): FILE.gz beside FILE
    (web / "assets" / "big.js").write_text(BIG_JS)
    (web / "assets" / "big.js.gz").write_bytes(gzip.compress(BIG_JS.encode(), 9))
    (web / "index.html.gz").write_bytes(gzip.compress(INDEX.encode(), 9))
    (web / "index.html").write_text(INDEX, encoding="utf-8")
    s = Server(backend.new_db(scanned=True), env={"DUCHA_WEB_DIR": str(web)})
    yield s
    s.stop()


def fetch(url, headers=None, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}, method=method)) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_index_and_assets(web_server):
    st, h, body = fetch(web_server.url + "/")
    assert st == 200 and "督查督办" in body.decode()
    assert h["Content-Type"].startswith("text/html") and "default-src 'self'" in h["Content-Security-Policy"]
    assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    st, h, body = fetch(web_server.url + "/assets/app.js")
    assert st == 200 and h["Content-Type"].startswith("text/javascript") and "immutable" in h["Cache-Control"]


def test_client_routes_fall_back_to_index(web_server):
    st, h, body = fetch(web_server.url + "/items/42")
    assert st == 200 and "督查督办" in body.decode()


def test_public_pages_get_their_own_entry(web_server):
    # the public pages (/p/…, and the published bulletins /public/…) load public.html, their small bundle,
    # never the office app — including the addresses already printed on survey invitations and posters
    for path in ("/p/clue", "/p/track", "/p/survey/k3Yq9ZtW", "/p/survey/k3Yq9ZtW?t=ABCD-EFGH", "/public/bulletins",
                 "/public/bulletins/7"):
        st, h, body = fetch(web_server.url + path)
        assert st == 200 and "互联网+督查" in body.decode(), path
        assert h["Content-Type"].startswith("text/html") and "default-src 'self'" in h["Content-Security-Policy"]
    for path in ("/clues", "/surveys/3", "/bulletins/3", "/pp/clue", "/publications"):
        st, h, body = fetch(web_server.url + path)
        assert st == 200 and "督查督办" in body.decode(), path
    assert fetch(web_server.url + "/p/missing.js")[0] == 404


def test_missing_asset_and_traversal_are_404(web_server):
    assert fetch(web_server.url + "/assets/missing.js")[0] == 404
    assert fetch(web_server.url + "/..%2f..%2fetc/passwd")[0] == 404
    assert fetch(web_server.url + "/assets/..%2f..%2f..%2fetc%2fpasswd")[0] == 404


def test_api_paths_never_fall_back_to_html(web_server):
    st, h, body = fetch(web_server.url + "/api/v1/nothing-here")
    assert st == 404 and h["Content-Type"].startswith("application/json")


def test_a_client_that_takes_gzip_gets_the_compressed_copy(web_server):
    plain = BIG_JS.encode()
    st, h, body = fetch(web_server.url + "/assets/big.js", {"Accept-Encoding": "gzip, deflate, br"})
    assert st == 200 and h["Content-Encoding"] == "gzip" and h["Vary"] == "Accept-Encoding"
    assert h["Content-Type"].startswith("text/javascript") and "immutable" in h["Cache-Control"]
    assert int(h["Content-Length"]) == len(body) < len(plain) // 5 and gzip.decompress(body) == plain
    # the page of the client-side routes too, with its security policy
    for path in ("/", "/items/42"):
        st, h, body = fetch(web_server.url + path, {"Accept-Encoding": "gzip"})
        assert st == 200 and h["Content-Encoding"] == "gzip" and gzip.decompress(body).decode() == INDEX, path
        assert h["Content-Type"].startswith("text/html") and "default-src 'self'" in h["Content-Security-Policy"]
    # a HEAD says the same as the GET, without the body
    st, h, body = fetch(web_server.url + "/assets/big.js", {"Accept-Encoding": "gzip"}, method="HEAD")
    assert st == 200 and h["Content-Encoding"] == "gzip" and body == b""


@pytest.mark.parametrize("accept", [None, "", "identity", "deflate, br", "gzip;q=0", "gzip; q=0.000, br",
                                    "*;q=0", "br, gzip;q=0, *;q=1", "gzipped", "xgzip"])
def test_a_client_that_does_not_take_gzip_gets_the_file_as_it_is(web_server, accept):
    st, h, body = fetch(web_server.url + "/assets/big.js", {} if accept is None else {"Accept-Encoding": accept})
    assert st == 200 and h["Content-Encoding"] is None and body == BIG_JS.encode(), accept
    assert h["Vary"] == "Accept-Encoding"  # a cache between keeps the two apart


@pytest.mark.parametrize("accept", ["GZIP", "x-gzip", "gzip;q=0.5", "br;q=1, gzip;q=0.001", "*", "deflate, *;q=0.1"])
def test_gzip_is_recognised_as_http_names_it(web_server, accept):
    st, h, body = fetch(web_server.url + "/assets/big.js", {"Accept-Encoding": accept})
    assert st == 200 and h["Content-Encoding"] == "gzip" and gzip.decompress(body) == BIG_JS.encode(), accept


def test_a_file_without_a_compressed_copy_is_sent_as_it_is(web_server):
    st, h, body = fetch(web_server.url + "/assets/app.js", {"Accept-Encoding": "gzip"})
    assert st == 200 and h["Content-Encoding"] is None and h["Vary"] is None and body == b"console.log(1)"
    # the compressed copy is not a file of its own to the client, nor a way around a missing one
    assert fetch(web_server.url + "/assets/missing.js", {"Accept-Encoding": "gzip"})[0] == 404


# ---- the API's replies ----

def test_json_replies_go_compressed_to_a_client_that_takes_gzip(web_server):
    """A JSON reply of 1 KB or more (a ledger page of 50 items: tens of KB) goes gzip-compressed to a client that
    takes gzip, as the web app's files do; the same JSON once decompressed. A small reply, a client that does not
    take it, and the session's reply — it holds the CSRF token, and a compressed reply whose size depends on a secret
    beside text an attacker chose would leak it (BREACH) — go as they are."""
    c = web_server.client("gc_office")
    page = "/api/v1/items?limit=50"
    plain = c.get(page)
    assert plain.status == 200 and len(plain.raw) > 10000, len(plain.raw)
    assert plain.headers["Content-Encoding"] is None and plain.headers["Vary"] == "Accept-Encoding"
    for accept in ("gzip, deflate, br", "GZIP", "br;q=1, gzip;q=0.5"):
        z = c._send("GET", page, None, {"Accept-Encoding": accept})  # the raw reply: not parsed as JSON
        assert z.status == 200 and z.headers["Content-Encoding"] == "gzip" and z.headers["Vary"] == "Accept-Encoding"
        body = gzip.decompress(z.raw)
        assert json.loads(body) == plain.json and len(z.raw) * 4 < len(body), (accept, len(z.raw), len(body))
        assert z.headers["Content-Length"] == str(len(z.raw))
    for accept in ("gzip;q=0", "identity", "deflate, br"):
        r = c._send("GET", page, None, {"Accept-Encoding": accept})
        assert r.headers["Content-Encoding"] is None and json.loads(r.raw) == plain.json, accept
    # a small reply: a packet as it is
    small = c._send("GET", "/api/v1/health", None, {"Accept-Encoding": "gzip"})
    assert small.status == 200 and len(small.raw) < 1024 and small.headers["Content-Encoding"] is None
    assert small.headers["Vary"] is None
    # the session's reply, as large as a compressed one (a contact of a dozen units: its roles), is never compressed
    admin = web_server.client("admin")
    units = [u for u in admin.get("/api/v1/units?q=gc-&limit=200").json["units"] if u["code"].startswith("gc-")][:12]
    r = admin.post("/api/v1/users", {"username": "many_roles", "name": "多个单位的联络员", "unit_id": units[0]["id"],
                                     "password": PASSWORD, "must_change_password": False,
                                     "roles": [{"role": "contact", "unit_id": u["id"]} for u in units]})
    assert r.status == 201, r
    login = web_server.client()._send("POST", "/api/v1/session", json.dumps({"username": "many_roles", "password": PASSWORD})
                                     .encode(), {"Content-Type": "application/json", "Accept-Encoding": "gzip"})
    assert login.status == 200 and json.loads(login.raw)["csrf_token"], login
    assert len(login.raw) >= 1024 and login.headers["Content-Encoding"] is None, len(login.raw)
    many = web_server.client("many_roles")
    s = many._send("GET", "/api/v1/session", None, {"Accept-Encoding": "gzip"})
    assert s.status == 200 and json.loads(s.raw)["csrf_token"], s
    assert len(s.raw) >= 1024 and s.headers["Content-Encoding"] is None, len(s.raw)
