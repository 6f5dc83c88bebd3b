#!/usr/bin/python3
"""Small HTTP receiver for SMS-gateway tests (stdlib only, threaded).

    /usr/bin/python3 tests/support/http_sink.py --port P --log FILE
        [--fail-first N | --always-fail] [--fail-status 500] [--status 200]
        [--response BODY] [--content-type application/json] [--delay SECONDS] [--host 127.0.0.1]

Every request (any method) is appended to FILE as one JSON line, flushed before the response is sent:
    {"n": 1, "time": 1700000000.0, "method": "POST", "path": "/send?x=1",
     "headers": {"Content-Type": "...", ...}, "body": "<utf-8 text>", "body_b64": "<base64>",
     "status": 500, "client": "127.0.0.1:40000"}
("body" is the body decoded as UTF-8 with invalid bytes replaced; "body_b64" is exact.
 Repeated headers are joined with ", ".)
Responses: --fail-first N answers --fail-status (500) to the first N requests, then --status (200);
--always-fail answers --fail-status to every request. The response body is --response
(default {"ok":true} / {"ok":false}). --delay sleeps before answering (timeout tests).
Prints "ready" on stdout once listening ("ready PORT" with --port 0); exits 0 on SIGTERM/SIGINT.
"""
import argparse
import base64
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(args, state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ducha-http-sink/1"

        def log_message(self, fmt, *a):  # keep stderr quiet
            pass

        def _handle(self):
            length = self.headers.get("Content-Length")
            if length is not None:
                body = self.rfile.read(int(length))
            elif "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = self._read_chunked()
            else:
                body = b""
            headers = {}
            for k, v in self.headers.items():
                headers[k] = headers[k] + ", " + v if k in headers else v
            with state["lock"]:
                state["n"] += 1
                n = state["n"]
                fail = args.always_fail or n <= args.fail_first
                status = args.fail_status if fail else args.status
                rec = {
                    "n": n,
                    "time": time.time(),
                    "method": self.command,
                    "path": self.path,
                    "headers": headers,
                    "body": body.decode("utf-8", "replace"),
                    "body_b64": base64.b64encode(body).decode("ascii"),
                    "status": status,
                    "client": "%s:%s" % self.client_address[:2],
                }
                state["log"].write(json.dumps(rec, ensure_ascii=False) + "\n")
                state["log"].flush()
            if args.delay:
                time.sleep(args.delay)
            if args.response is not None:
                out = args.response.encode("utf-8")
            else:
                out = b'{"ok":false}' if fail else b'{"ok":true}'
            self.send_response(status)
            self.send_header("Content-Type", args.content_type)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)

        def _read_chunked(self):
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler


def main():
    ap = argparse.ArgumentParser(description="HTTP sink for tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True, help="JSON-lines file, one line per request")
    ap.add_argument("--host", default="127.0.0.1")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--fail-first", type=int, default=0, metavar="N")
    g.add_argument("--always-fail", action="store_true")
    ap.add_argument("--fail-status", type=int, default=500)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--response", default=None)
    ap.add_argument("--content-type", default="application/json")
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()

    state = {"lock": threading.Lock(), "n": 0, "log": open(args.log, "a", encoding="utf-8")}
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    try:
        srv = ThreadingHTTPServer((args.host, args.port), make_handler(args, state))
    except OSError as e:
        print("http_sink: cannot listen on %s:%d: %s" % (args.host, args.port, e), file=sys.stderr)
        sys.exit(1)

    def on_signal(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    port = srv.server_address[1]
    print("ready" if args.port != 0 else "ready %d" % port, flush=True)
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()
    state["log"].close()
    sys.exit(0)


if __name__ == "__main__":
    main()
