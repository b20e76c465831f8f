#!/usr/bin/env python3
"""A webhook receiver for NotifyCommandTests: a loopback HTTP server on a free port.

usage: webhook.py LOG [--fail-first K | --always STATUS] [--lifetime SECONDS]

Prints its port alone on the first line of stdout (flushed), then serves until killed (or
--lifetime passes: a test that dies leaves no server behind for long). It answers 503 to the
first K requests and 200 after them, or STATUS to every request with --always. Each request
is appended to LOG as one JSON line before the answer is sent: the arrival time (monotonic
seconds), method, path, headers, body, the status answered, and "signature_ok": whether
X-RunLedger-Signature is sha256= and the hex HMAC-SHA256 of the body under
$RUNLEDGER_WEBHOOK_SECRET (checked with hmac.compare_digest; null when that variable is not
set).
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--always", type=int)
    parser.add_argument("--lifetime", type=float, default=600)
    options = parser.parse_args()
    secret = os.environ.get("RUNLEDGER_WEBHOOK_SECRET")
    lock = threading.Lock()
    seen = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                seen[0] += 1
                if options.always is not None:
                    status = options.always
                else:
                    status = 503 if seen[0] <= options.fail_first else 200
                signature_ok = None
                if secret is not None:
                    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
                    given = self.headers.get("X-RunLedger-Signature", "")
                    signature_ok = hmac.compare_digest(expected, given)
                entry = {
                    "time": time.monotonic(),
                    "method": self.command,
                    "path": self.path,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": body.decode("utf-8", "replace"),
                    "status": status,
                    "signature_ok": signature_ok,
                }
                with open(options.log, "a", encoding="utf-8") as log:
                    log.write(json.dumps(entry) + "\n")
            answer = b"ok\n" if status < 300 else b"not now\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):
            pass  # the log file is the record

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    timer = threading.Timer(options.lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
