"""Regression guard for issue 6: the cost of a write stays flat as the store grows (no absolute timings)."""
import statistics
import time
import uuid

from mock_server.app import create_app

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
    now = "2026-01-01T00:00:00.000Z"
    with services.store.transaction() as tx:
        for _ in range(count):
            tx.put("workflows", {"workflow_id": str(uuid.uuid4()), "organization_id": organization_id,
                                 "name": "prefill", "description": BODY["description"], "status": "draft",
                                 "signing_order": "parallel", "expires_at": "2099-01-01T00:00:00.000Z",
                                 "webhook_url": None, "interface_id": None, "metadata": {},
                                 "created_at": now, "updated_at": now, "events": []})


def test_add_workflow_latency_at_10k_stored_is_within_3x_of_empty(tmp_path):
    app = create_app({"db": str(tmp_path / "db.json")}, start_background=False)
    services = app.extensions["sign8"]
    try:
        client = app.test_client()
        headers = {"Authorization": "Bearer perf-guard"}
        median_add_workflow_ms(client, headers, n=30)  # warm-up: imports, first fsyncs
        empty = median_add_workflow_ms(client, headers)
        org = client.get("/api/workflow/ListWorkflows", headers=headers).get_json()["items"][0]["organization_id"]
        prefill(services, org, 10_000)
        full = median_add_workflow_ms(client, headers)
        print(f"AddWorkflow p50: {empty:.2f} ms empty, {full:.2f} ms at 10k stored ({full / empty:.2f}x)")
        assert full <= 3 * empty, f"write cost grew with the store: {empty:.2f} ms -> {full:.2f} ms"
    finally:
        services.stop()
