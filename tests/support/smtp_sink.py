#!/usr/bin/python3
"""Real SMTP receiver for tests (Debian's python3-aiosmtpd).

    /usr/bin/python3 tests/support/smtp_sink.py --port P --dir D [--host 127.0.0.1]

Each received message is stored, exactly as received (CRLF line endings, dot-unstuffed), as
D/NNNNNN-<uuid>.eml (written to a .tmp file, fsynced and renamed,
so a reader never sees a partial .eml) and then one JSON line is appended to D/index.jsonl:
    {"file": "000001-....eml", "mail_from": "...", "rcpt_tos": ["..."], "peer": "127.0.0.1:1234",
     "size": 1234, "time": 1700000000.0}
The index line is written after the rename, so a file named in the index always exists.
Prints "ready" on stdout (flushed) once listening; exits 0 on SIGTERM or SIGINT.
--port 0 picks a free port; the chosen port is then printed as "ready PORT".
No AUTH, no TLS; accepts any sender/recipient; SMTPUTF8 and 8BITMIME are accepted.
"""
import argparse
import asyncio
import itertools
import json
import os
import signal
import sys
import threading
import time
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.dir = directory
        self.lock = threading.Lock()
        existing = [f for f in os.listdir(directory) if f.endswith(".eml")]
        self.seq = itertools.count(len(existing) + 1)

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with self.lock:
            name = "%06d-%s.eml" % (next(self.seq), uuid.uuid4().hex[:12])
            path = os.path.join(self.dir, name)
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, path)
            peer = session.peer
            rec = {
                "file": name,
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "peer": "%s:%s" % (peer[0], peer[1]) if isinstance(peer, tuple) else str(peer),
                "size": len(data),
                "time": time.time(),
            }
            with open(os.path.join(self.dir, "index.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                f.flush()
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    port = args.port
    if port == 0:
        import socket
        s = socket.socket()
        s.bind((args.host, 0))
        port = s.getsockname()[1]
        s.close()

    ctl = Controller(Sink(args.dir), hostname=args.host, port=port,
                     enable_SMTPUTF8=True, decode_data=False,
                     data_size_limit=64 * 1024 * 1024, ready_timeout=10)
    try:
        ctl.start()
    except Exception as e:  # port in use etc.
        print("smtp_sink: cannot listen on %s:%d: %s" % (args.host, port, e), file=sys.stderr)
        sys.exit(1)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready" if args.port != 0 else "ready %d" % port, flush=True)
    while not stop.wait(3600):
        pass
    ctl.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
