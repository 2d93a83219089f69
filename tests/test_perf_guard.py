"""Regression guard for issue 6: the cost of a write stays flat as the store grows (no absolute timings)."""
import json
import statistics
import time
import uuid

from mock_server.app import create_app
from mock_server.domain.records import workflow_record

BODY = {"name": "guard", "description": "a workflow record of a few hundred bytes " * 6}


def median_add_workflow_ms(client, headers, n=150) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.post("/api/workflow/AddWorkflow", json=BODY, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201
    return statistics.median(samples)


def prefill(services, organization_id: str, count: int) -> None:
    """Store count workflows through the storage layer, not HTTP (as the benchmark's scenario D does)."""
    with services.store.transaction() as tx:
        for _ in range(count):
            tx.put("workflows", workflow_record(organization_id=organization_id, name="prefill",
                                                description=BODY["description"], now="2026-01-01T00:00:00.000Z",
                                                expires_at="2099-01-01T00:00:00.000Z"))


def add_workflow_ms(client, headers) -> float:
    started = time.perf_counter()
    response = client.post("/api/workflow/AddWorkflow", json=BODY, headers=headers)
    assert response.status_code == 201
    return (time.perf_counter() - started) * 1000


def test_add_workflow_latency_at_10k_stored_is_within_3x_of_empty(tmp_path):
    # Two stores side by side, written in turn: a busy machine slows both alike, so only the store's size
    # can make the ratio grow (measuring one after the other let a load spike between them fail it).
    empty_app = create_app({"db": str(tmp_path / "empty.json")}, start_background=False)
    full_app = create_app({"db": str(tmp_path / "full.json")}, start_background=False)
    try:
        headers = {"Authorization": "Bearer perf-guard"}
        empty_client, full_client = empty_app.test_client(), full_app.test_client()
        median_add_workflow_ms(empty_client, headers, n=30)  # warm-up: imports, first fsyncs
        median_add_workflow_ms(full_client, headers, n=30)
        org = full_client.get("/api/workflow/ListWorkflows", headers=headers).get_json()["items"][0]["organization_id"]
        prefill(full_app.extensions["sign8"], org, 10_000)
        empty_ms, full_ms = [], []
        for _ in range(150):
            empty_ms.append(add_workflow_ms(empty_client, headers))
            full_ms.append(add_workflow_ms(full_client, headers))
        empty, full = statistics.median(empty_ms), statistics.median(full_ms)
        print(f"AddWorkflow p50: {empty:.2f} ms empty, {full:.2f} ms at 10k stored ({full / empty:.2f}x)")
        assert full <= 3 * empty, f"write cost grew with the store: {empty:.2f} ms -> {full:.2f} ms"
    finally:
        empty_app.extensions["sign8"].stop()
        full_app.extensions["sign8"].stop()


def write_big_store(directory, snapshot_n: int, journal_n: int) -> None:
    """A store as a long-running mock leaves it: a TinyDB snapshot (as compaction writes it) and a journal."""
    org = str(uuid.uuid4())

    def record():
        return workflow_record(organization_id=org, name="guard", description=BODY["description"],
                               now="2026-01-01T00:00:00.000Z", expires_at="2099-01-01T00:00:00.000Z")
    snapshot = {"_meta": {"1": {"journal_generation": 0}},
                "workflows": {str(i): record() for i in range(1, snapshot_n + 1)}}
    (directory / "db.json").write_text(json.dumps(snapshot, separators=(",", ":")))
    with open(directory / "db.json.journal.0", "w") as fh:
        for _ in range(journal_n):
            fh.write(json.dumps({"ops": [["put", "workflows", record()]]}, separators=(",", ":")) + "\n")


STARTUP = """
import sys, time
from mock_server.app import create_app
app = create_app({"db": sys.argv[1]}, start_background=True)
assert app.test_client().get("/_mock/health").status_code == 200
print(time.process_time(), flush=True)
app.extensions["sign8"].stop()
"""


def startup_s(db) -> float:
    """CPU seconds of a fresh interpreter (steadier than wall time on a shared machine) from its launch to the
    first 200 on /_mock/health: imports, the store's load, the background threads as `serve` starts them."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", STARTUP, str(db)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout.split()[0])


def test_startup_with_50k_workflows_is_within_5x_of_empty(tmp_path):
    """Issue 14 (bench scenario I): a restart with 50,000 workflows (30,000 in the snapshot, a 20,000-line journal)."""
    import shutil
    import tinydb

    big = tmp_path / "big"
    big.mkdir()
    write_big_store(big, 30_000, 20_000)
    empty = min(startup_s(tmp_path / f"empty{i}" / "db.json") for i in range(2))
    run = tmp_path / "run"
    shutil.copytree(big, run)
    full = startup_s(run / "db.json")
    print(f"start-up: {empty * 1000:.0f} ms empty, {full * 1000:.0f} ms at 50,000 workflows ({full / empty:.1f}x)")
    assert full <= 5 * empty, f"start-up grew with the store: {empty * 1000:.0f} ms -> {full * 1000:.0f} ms"
    # Stopping compacted it: the snapshot it wrote is still one plain TinyDB opens, with every workflow.
    with tinydb.TinyDB(str(run / "db.json"), access_mode="r") as db:
        assert len(db.table("workflows")) == 50_000
