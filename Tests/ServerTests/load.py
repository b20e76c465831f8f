"""One producer of the load test: posts COUNT events (START then COMPLETE of COUNT/2 runs) to
`runledger serve` over one keep-alive connection (http.client), one request at a time, as
an HTTP transport does.

usage: load.py PORT COUNT SEED PRODUCER DEADLINE_SECONDS

Stops at COUNT events or at the deadline, whichever comes first. Prints one JSON object:
the runs whose two events were both acknowledged (201), the events acknowledged, the
errors (any other status or a failed request), and the seconds it took.
"""

import http.client
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

port, count, seed, producer, deadline = (int(value) for value in sys.argv[1:6])
rng = random.Random(seed * 1000 + producer)
base = datetime(2026, 4, 1, tzinfo=timezone.utc)
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
headers = {"Content-Type": "application/json"}
started = time.monotonic()
acknowledged, errors, runs = 0, [], []


def event(kind, rid, seconds):
    return json.dumps({
        "eventType": kind,
        "eventTime": (base + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z"),
        "run": {"runId": rid},
        "job": {"namespace": "load", "name": f"producer-{producer}-job-{rng.randrange(20)}"},
        "producer": "https://example.com/runledger-tests/load.py",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    })


def post(body):
    global connection
    try:
        connection.request("POST", "/api/v1/lineage", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status == 201:
            return True
        errors.append(f"status {response.status}")
    except (OSError, http.client.HTTPException) as error:
        errors.append(f"{type(error).__name__}: {error}")
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return False


for index in range(count // 2):
    if time.monotonic() - started > deadline:
        errors.append("deadline reached")
        break
    rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    at = index * 60 + rng.randrange(30)
    ok = post(event("START", rid, at))
    acknowledged += ok
    done = post(event("COMPLETE", rid, at + 1 + rng.randrange(29)))
    acknowledged += done
    if ok and done:
        runs.append(rid)
connection.close()
print(json.dumps({"runs": runs, "acknowledged": acknowledged, "errors": errors[:20], "error_count": len(errors),
                  "seconds": time.monotonic() - started}))
