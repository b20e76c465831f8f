"""Emits OpenLineage run streams of the shapes real producers send, through the real
openlineage-python client's HTTP transport, to `runledger serve`.

usage: emit.py URL SEED

The streams depend only on SEED (run ids, times, order), so a second delivery with the same
seed sends exactly the same events again. Prints one JSON object: each run's expected final
state, the number of distinct events sent, the number of posts, and any errors.
"""

import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.facet_v2 import parent_run
from openlineage.client.transport.http import HttpConfig, HttpTransport

url, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=url, timeout=30.0)))
base = datetime(2026, 3, 1, 8, 0, 0, tzinfo=timezone.utc) + timedelta(days=seed % 97)
PRODUCER = "https://example.com/runledger-tests/emit.py"

expected = {}  # run id -> final state
events = []  # (run id, event) in the order they are sent; may repeat an event


def run_id():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def event(kind, rid, job, minute, facets=None):
    return RunEvent(
        eventType=kind,
        eventTime=(base + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z"),
        run=Run(runId=rid, facets=facets or {}),
        job=Job(namespace="emit-tests", name=job),
        producer=PRODUCER,
    )


def stream(job, kinds, final, order=None, repeat=(), facets=None):
    """One run: its events at minutes 0, 1, 2, ... sent in `order` (indices), with the
    events at `repeat` sent twice."""
    rid = run_id()
    made = [event(kind, rid, job, minute, facets) for minute, kind in enumerate(kinds)]
    for index in order if order is not None else range(len(made)):
        events.append(made[index])
        if index in repeat:
            events.append(made[index])
    expected[rid] = final
    return rid, len(made)


count = 0
S, R, C, F, A, O = RunState.START, RunState.RUNNING, RunState.COMPLETE, RunState.FAIL, RunState.ABORT, RunState.OTHER
count += stream("complete", [S, R, C], "COMPLETE")[1]
count += stream("fail", [S, R, F], "FAIL")[1]
count += stream("abort", [S, A], "ABORT")[1]
count += stream("with-other", [O, S, O, R, O, C], "COMPLETE")[1]
count += stream("complete-only", [C], "COMPLETE")[1]
count += stream("fail-only", [F], "FAIL")[1]
count += stream("running-first", [R, C], "COMPLETE")[1]
count += stream("running-only", [R], "RUNNING")[1]
count += stream("out-of-order", [S, R, C], "COMPLETE", order=[2, 0, 1])[1]
count += stream("start-after-end", [S, C], "COMPLETE", order=[1, 0])[1]
count += stream("duplicated", [S, R, C], "COMPLETE", repeat={0, 1, 2})[1]
count += stream("late-running", [S, C, R], "COMPLETE")[1]
parent, made = stream("parent", [S, C], "COMPLETE")
count += made
count += stream(
    "child",
    [S, R, C],
    "COMPLETE",
    facets={
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent), job=parent_run.Job(namespace="emit-tests", name="parent")
        )
    },
)[1]
# Many runs of one job, shuffled across runs (each run's events in order or not).
for _ in range(10):
    kinds = rng.choice([[S, R, C], [S, F], [C], [R, C], [S, R, A]])
    order = list(range(len(kinds)))
    rng.shuffle(order)
    count += stream("shuffled", kinds, {C: "COMPLETE", F: "FAIL", A: "ABORT"}[kinds[-1]], order=order)[1]

errors = []
for item in events:
    try:
        client.emit(item)
    except Exception as error:  # noqa: BLE001 - every failure is reported, none hidden
        errors.append(f"{item.run.runId} {item.eventType}: {error}")
print(json.dumps({"runs": expected, "events": count, "posts": len(events), "errors": errors}))
