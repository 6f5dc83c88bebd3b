#!/usr/bin/env python3
"""A receiver of ducha's events out (webhooks), Python standard library only — a starting point for
another system (an OA, the 12345 hotline, a dashboard). It checks each delivery's signature and
timestamp, takes an event once however often it is delivered, and answers at once.

    python3 webhook_receiver.py --port 8080 --secrets /etc/oa/ducha-webhook.secret --log events.jsonl

Run it behind your HTTPS front (ducha sends only to https:// endpoints). --secrets names a file with
the endpoint's secret (`whsec_…`, shown once by POST /api/v1/webhooks and by POST …/{id}/secret), one
per line: while you rotate the secret, keep the old line until the new one is in use. The file is read
for every request, so a new secret needs no restart. Each accepted event is appended to --log as one
JSON line; hand it to your own processing from there (a queue, a table) rather than inside the request.

What ducha sends (docs/openapi.yaml, `webhooks`): POST with a JSON body and the headers
    X-Ducha-Event       item.assigned, item.overdue, …
    X-Ducha-Event-Id    the event's id (the body's `id`): the same on every retry of that event
    X-Ducha-Delivery    the delivery's number (GET /api/v1/webhooks/{id}/deliveries)
    X-Ducha-Timestamp   Unix seconds when this attempt was sent
    X-Ducha-Signature   hmac-sm3=<hex>: HMAC-SM3 under the secret (the whole `whsec_…` string, as
                        UTF-8) over "<X-Ducha-Timestamp>.<the raw body bytes>"
Answer 2xx within webhook_timeout_s (10 s); anything else is retried with back-off (30 s doubling, at
most an hour apart, 10 attempts), then kept as a dead letter that an administrator can resend.

The same check from a shell (OpenSSL 3):
    printf '%s.%s' "$TS" "$BODY" | openssl dgst -sm3 -hmac "$SECRET"

Prints "ready PORT" on stdout once listening (--port 0 picks a free port); stops on SIGTERM/SIGINT.
"""
import argparse
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300  # refuse a timestamp more than 5 minutes away from our clock (replays)


def signature_ok(secrets, timestamp, body, header):
    """True when header is "hmac-sm3=<hex>" over "<timestamp>.<body>" under one of the secrets."""
    if not header.startswith("hmac-sm3="):
        return False
    given = header[len("hmac-sm3="):]
    message = timestamp.encode("ascii") + b"." + body
    # hashlib's "sm3" comes from OpenSSL (Debian 12, RHEL 9, openEuler); compare in constant time
    return any(hmac.compare_digest(hmac.new(s.encode("utf-8"), message, "sm3").hexdigest(), given)
               for s in secrets)


def check(secrets, headers, body, now):
    """None when the delivery is genuine and fresh, else the reason to refuse it."""
    ts = headers.get("X-Ducha-Timestamp", "")
    if not ts.isdigit():
        return "no timestamp"
    if abs(now - int(ts)) > TOLERANCE_S:
        return "timestamp too far from now (a replay, or a clock to fix)"
    if not signature_ok(secrets, ts, body, headers.get("X-Ducha-Signature", "")):
        return "bad signature"
    return None


class Receiver:
    def __init__(self, secrets_path, log_path):
        self.secrets_path, self.log_path = secrets_path, log_path
        self.seen = set()  # event ids taken; a real system keeps them in its database (a unique key)
        self.lock = threading.Lock()
        try:
            with open(log_path, encoding="utf-8") as f:
                self.seen = {json.loads(line)["id"] for line in f if line.strip()}
        except FileNotFoundError:
            pass

    def secrets(self):
        with open(self.secrets_path, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]

    def take(self, headers, body):
        """(status, reason) for one request."""
        why = check(self.secrets(), headers, body, time.time())
        if why:
            return 401, why
        try:
            event = json.loads(body)
        except ValueError:
            return 400, "not JSON"
        with self.lock:
            if event["id"] in self.seen:
                return 200, "already taken"  # a retry of an event we have: 2xx, so ducha stops
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(event, ensure_ascii=False) + "\n")
            self.seen.add(event["id"])
        return 200, "taken"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--secrets", required=True, help="file with the endpoint's secret(s), one per line")
    ap.add_argument("--log", required=True, help="accepted events are appended here, one JSON line each")
    args = ap.parse_args()
    receiver = Receiver(args.secrets, args.log)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, reason = receiver.take(self.headers, body)
            out = json.dumps({"result": reason}, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    print("ready", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
