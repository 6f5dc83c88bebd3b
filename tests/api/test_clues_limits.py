"""The public forms' limits hold across nodes (issue 18): a province runs several `ducha serve` on one
database, and a flooder spread over them by a load balancer must not get each node's allowance. Two server
processes on one database; their own token buckets set wide, so that only the counts kept in the database
(public_hits: public_submit_per_min per client address, public_submit_all_per_min for all addresses, per
minute) can refuse. The test clock puts every request a few seconds into one minute, so no window ends
between them; the address is kept only as an HMAC, and the scheduler deletes the counts of past minutes."""
import json
import subprocess

from cluelib import multipart, raw_post
from conftest import BACKEND, Server, wait_for
from itemlib import clock

CLUE = "/api/v1/public/clues"
LIMITS = {"DUCHA_PUBLIC_SUBMIT_PER_MIN": "3", "DUCHA_PUBLIC_SUBMIT_BURST": "50",
          "DUCHA_PUBLIC_SUBMIT_GLOBAL_PER_S": "1000", "DUCHA_PUBLIC_SUBMIT_ALL_PER_MIN": "5"}


def rows(db, statement):
    if BACKEND == "postgres":
        out = subprocess.run(["psql", "-qAt", "-F", "|", "-v", "ON_ERROR_STOP=1", db, "-c", statement], check=True,
                             capture_output=True, text=True).stdout
        return [line.split("|") for line in out.splitlines() if line]
    import sqlite3
    con = sqlite3.connect(db)
    try:
        return [[str(v) for v in r] for r in con.execute(statement).fetchall()]
    finally:
        con.close()



def test_the_limits_are_counted_for_all_nodes_together(backend):
    db = backend.new_db()
    a = Server(db, env=LIMITS)
    b = Server(db, env=LIMITS)
    try:
        clock(a, "2026-06-10T10:00:05+08:00")
        # a form without its fields: admitted by the limits, then refused for its content (422, nothing stored)
        body, ctype = multipart([("category", "environment")])

        def post(srv, source, path=CLUE, data=body, content_type=ctype):
            st, headers, raw = raw_post(srv.port, path, data, content_type, source)
            return st, headers, json.loads(raw) if raw else None

        # one address, three submissions spread over both nodes: the limit of 3 per minute is reached ...
        assert [post(a, "127.0.0.21")[0], post(b, "127.0.0.21")[0], post(a, "127.0.0.21")[0]] == [422] * 3
        # ... and the next one is refused on node b too, which has seen one of them only
        st, headers, err = post(b, "127.0.0.21")
        assert st == 429, err
        assert err["error"]["code"] == "too_many_requests" and "提交过于频繁" in err["error"]["message"], err
        assert 1 <= int(headers["Retry-After"]) <= 60, headers
        assert post(a, "127.0.0.21")[0] == 429
        # a survey answer is a submission of the same address: refused before its body is looked at
        st, _, err = post(b, "127.0.0.21", "/api/v1/public/surveys/no-such-key/responses", b"{}", "application/json")
        assert st == 429 and "提交过于频繁" in err["error"]["message"], err

        # all addresses together: 5 per minute; three are counted already, two more go through
        assert post(b, "127.0.0.22")[0] == 422
        assert post(a, "127.0.0.23")[0] == 422
        st, headers, err = post(b, "127.0.0.24")
        assert st == 429 and err["error"]["message"] == "访问的人太多，请稍后再试", err
        assert 1 <= int(headers["Retry-After"]) <= 60, headers
        assert post(a, "127.0.0.25")[0] == 429

        # the addresses are not kept: only their MACs, and the all-addresses row
        keys = [r[0] for r in rows(db, "SELECT key FROM public_hits")]
        assert "*" in keys and len(keys) >= 5, keys
        assert not [k for k in keys if "127.0" in k], keys

        # the next minute starts afresh, on either node
        clock(a, "2026-06-10T10:01:05+08:00")
        assert post(b, "127.0.0.21")[0] == 422
        assert post(a, "127.0.0.24")[0] == 422

        # the scheduler forgets the minutes that have ended
        clock(a, "2026-06-10T10:05:05+08:00")
        assert wait_for(lambda: rows(db, "SELECT COUNT(*) FROM public_hits")[0][0] == "0"), \
            rows(db, "SELECT span, key, win, n FROM public_hits")
        assert post(a, "127.0.0.21")[0] == 422
    finally:
        a.stop()
        b.stop()


def test_with_the_limits_off_nothing_is_counted(backend):
    db = backend.new_db()
    s = Server(db, env={"DUCHA_PUBLIC_SUBMIT_PER_MIN": "0", "DUCHA_PUBLIC_SUBMIT_ALL_PER_MIN": "0"})
    try:
        body, ctype = multipart([("category", "environment")])
        assert [raw_post(s.port, CLUE, body, ctype, "127.0.0.31")[0] for _ in range(8)] == [422] * 8
        assert rows(db, "SELECT COUNT(*) FROM public_hits")[0][0] == "0"
    finally:
        s.stop()
