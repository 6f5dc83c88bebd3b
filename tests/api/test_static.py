"""The web application's files: served with the right types, SPA fallback, no traversal, security headers."""
import urllib.request
import urllib.error

import pytest

from conftest import Server


@pytest.fixture(scope="module")
def web_server(backend, tmp_path_factory):
    web = tmp_path_factory.mktemp("web")
    (web / "index.html").write_text("<!doctype html><title>督查督办</title>", encoding="utf-8")
    (web / "public.html").write_text("<!doctype html><title>互联网+督查</title>", encoding="utf-8")
    (web / "assets").mkdir()
    (web / "assets" / "app.js").write_text("console.log(1)")
    s = Server(backend.new_db(scanned=True), env={"DUCHA_WEB_DIR": str(web)})
    yield s
    s.stop()


def fetch(url):
    try:
        with urllib.request.urlopen(url) as r:
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
