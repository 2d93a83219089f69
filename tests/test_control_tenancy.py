"""Every /_mock operation called with organization A's key changes nothing organization B can observe (issue 9, point 3).

The matrix is checked against the OpenAPI document: a new control operation fails this test until it is in it.
"""
from __future__ import annotations

import base64
import uuid

from conftest import bearer, running_app
from sign8_flow import wait_until

API = "/api/workflow"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, so deliveries stay pending


def make_tenant(client, name: str, pdf: bytes) -> dict:
    """An organization with a started and a refused workflow, a pending delivery, a fault rule, armed webhook
    faults, a moved clock, journaled requests and captured messages."""
    h = bearer(f"tenancy-{name}-{uuid.uuid4().hex}")

    def post(op, body, status=201):
        resp = client.post(f"{API}/{op}", json=body, headers=h)
        assert resp.status_code == status, (op, resp.get_json())
        return resp.get_json()

    ids = {"headers": h}
    for label in ("running", "refused"):
        wf = post("AddWorkflow", {"name": f"{name} {label}", "webhook_url": UNREACHABLE})
        f = post("AddFile", {"workflow_id": wf["workflow_id"], "file_name": "c.pdf",
                             "data": base64.b64encode(pdf).decode()})
        s = post("AddSigner", {"workflow_id": wf["workflow_id"], "email": f"{name}@example.com",
                               "phone": "+4915112345678"})
        post("AddSignature", {"workflow_id": wf["workflow_id"], "file_id": f["file_id"], "signer_id": s["signer_id"],
                              "page": 1, "x": 10, "y": 10, "width": 100, "height": 40})
        post("StartWorkflow", {"workflow_id": wf["workflow_id"]}, status=200)
        ids[label] = {"workflow_id": wf["workflow_id"], "signer": s}
    token = ids["refused"]["signer"]["signing_url"].rsplit("/sign/", 1)[1]
    assert client.post(f"/sign/{token}/refuse", json={}, headers={"Accept": "application/json"}).status_code == 200
    # The refusal's audit report is made in the background; let it land, or B's own state moves mid-matrix.
    refused = ids["refused"]["workflow_id"]
    assert wait_until(lambda: client.get(f"{API}/GetWorkflow", query_string={"workflow_id": refused},
                                         headers=h).get_json()["audit_report_file_id"], timeout=30)
    ids["organization_id"] = client.get("/_mock/clock", headers=h).get_json()["organization_id"]
    ids["delivery_id"] = client.get("/_mock/webhooks", headers=h).get_json()["items"][0]["delivery_id"]
    assert client.post("/_mock/faults", json={"path": f"/api/workflow/{name}-only", "status": 503},
                       headers=h).status_code == 201
    assert client.post("/_mock/webhooks/faults", json={"duplicate_next": 2}, headers=h).status_code == 200
    assert client.post("/_mock/clock/advance", json={"seconds": 60}, headers=h).status_code == 200
    messages = client.get("/_mock/messages", headers=h).get_json()["items"]
    assert messages, "starting a workflow captures invitations"
    ids["message_id"] = messages[0]["message_id"]
    return ids


def observe(client, tenant: dict) -> dict:
    """Everything organization B can see of itself through the control API and the Workflow API."""
    h = tenant["headers"]
    requests_seen = client.get("/_mock/requests", headers=h).get_json()["items"]
    snapshot = client.get("/_mock/snapshot", headers=h).get_json()
    for row in snapshot["tables"].get("clocks", []):
        row.pop("offset_seconds", None)  # compared through GET /_mock/clock below, rounded
    clock = client.get("/_mock/clock", headers=h).get_json()
    return {
        "snapshot": snapshot,
        "faults": [{k: v for k, v in r.items() if k != "hits"} for r in
                   client.get("/_mock/faults", headers=h).get_json()["items"]],
        "webhook_faults": client.get("/_mock/webhooks/faults", headers=h).get_json(),
        "clock_offset": round(clock["offset_seconds"]),
        "messages": client.get("/_mock/messages", headers=h).get_json(),
        "requests": sorted(r["id"] for r in requests_seen),
        "list": client.get(f"{API}/ListWorkflows", headers=h).get_json(),
        # Its settings and what it stores (its clock runs, and retention's next background run moves on its own).
        "organization": {k: v for k, v in client.get("/_mock/organization", headers=h).get_json().items()
                         if k in ("name", "webhook_url", "webhook_secret_set", "previous_webhook_secret_until",
                                  "stored")},
    }


def calls_of(a: dict, b: dict, snapshot_of_a: dict) -> list[tuple[str, str, dict]]:
    """(method, documented path, request options) for every control operation, made with A's key; several
    try to reach B's objects by id ("foreign": those must answer 404) or by naming B's organization."""
    return [
        ("GET", "/_mock/health", {}),
        ("GET", "/_mock/idle", {"query_string": {"timeout": 0}}),
        ("GET", "/_mock/clock", {}),
        ("POST", "/_mock/clock/advance", {"json": {"seconds": 3600}}),
        ("POST", "/_mock/clock/set", {"json": {"now": "2031-01-01T00:00:00Z"}}),
        ("POST", "/_mock/clock/reset", {"json": {}}),
        ("POST", "/_mock/reset", {"query_string": {"organization_id": b["organization_id"]}}),
        ("POST", "/_mock/reset", {}),
        ("POST", "/_mock/retention/run", {}),
        ("GET", "/_mock/webhooks", {}),
        ("POST", "/_mock/webhooks/{delivery_id}/redeliver", {"path": {"delivery_id": b["delivery_id"]}, "foreign": 1}),
        ("POST", "/_mock/webhooks/{delivery_id}/redeliver", {"path": {"delivery_id": a["delivery_id"]}}),
        ("POST", "/_mock/workflows/{workflow_id}/expire", {"path": {"workflow_id": b["running"]["workflow_id"]},
                                                          "foreign": 1}),
        ("POST", "/_mock/workflows/{workflow_id}/refuse", {"path": {"workflow_id": b["running"]["workflow_id"]},
                                                          "json": {}, "foreign": 1}),
        ("GET", "/_mock/requests", {"query_string": {"organization_id": b["organization_id"]}}),
        ("DELETE", "/_mock/requests", {}),
        ("GET", "/_mock/faults", {}),
        ("POST", "/_mock/faults", {"json": {"path": "/api/workflow/*", "status": 503}}),
        ("DELETE", "/_mock/faults", {}),
        ("GET", "/_mock/webhooks/faults", {}),
        ("POST", "/_mock/webhooks/faults", {"json": {"delay_ms": 10, "delay_count": 3, "reorder_next": True}}),
        ("DELETE", "/_mock/webhooks/faults", {}),
        ("GET", "/_mock/snapshot", {}),
        ("POST", "/_mock/snapshot", {"json": snapshot_of_a}),
        ("POST", "/_mock/dashboard/advance", {"data": {"seconds": "3600", "organization_id": b["organization_id"]}}),
        ("POST", "/_mock/dashboard/reset", {"data": {"organization_id": b["organization_id"]}}),
        ("POST", "/_mock/dashboard/redeliver", {"data": {"delivery_id": b["delivery_id"]}, "foreign": 1}),
        ("GET", "/_mock/messages", {"query_string": {"to": "b@example.com"}}),
        ("DELETE", "/_mock/messages", {}),
        ("GET", "/_mock/messages/inbox", {}),
        ("GET", "/_mock/messages/{message_id}.eml", {"path": {"message_id": b["message_id"]}, "foreign": 1}),
        ("GET", "/_mock/messages/{message_id}", {"path": {"message_id": b["message_id"]}, "foreign": 1}),
        ("GET", "/_mock/ca.pem", {}),
        ("GET", "/_mock/dashboard", {}),
        ("GET", "/_mock/organization", {}),
        ("PATCH", "/_mock/organization", {"json": {"name": "A renamed", "webhook_url": "http://127.0.0.1:9/a"}}),
        ("POST", "/_mock/organization/webhook-secret", {}),
        ("DELETE", "/_mock/organization/webhook-secret", {}),
    ]


def test_no_control_call_with_one_key_changes_what_another_organization_sees(pdf_bytes):
    # Retention on: its run is in the matrix too. Retries an hour apart: B's webhook to a closed port must not be
    # retried by itself in the middle of the matrix (the default's second attempt comes after 5 s, which a loaded
    # machine reaches), or B's deliveries change between two observations whatever A did.
    with running_app({"retention": 1, "webhook_retry_schedule": (0, 3600)}) as app:
        check_the_matrix(app, pdf_bytes)


def check_the_matrix(app, pdf_bytes) -> None:
    client = app.test_client()
    a, b = make_tenant(client, "a", pdf_bytes), make_tenant(client, "b", pdf_bytes)
    snapshot_of_a = client.get("/_mock/snapshot", headers=a["headers"]).get_json()
    calls = calls_of(a, b, snapshot_of_a)
    spec = client.get("/openapi.json").get_json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() if p.startswith("/_mock")
                  for m in ops if m in ("get", "post", "put", "patch", "delete")}
    assert {(m, p) for m, p, _ in calls} == documented, "the matrix must cover every documented control operation"
    before = observe(client, b)
    for method, path, options in calls:
        url = path.format(**options.get("path", {}))
        resp = client.open(url, method=method, headers=a["headers"], json=options.get("json"),
                           data=options.get("data"), query_string=options.get("query_string"))
        assert resp.status_code < 500, (method, path, resp.status_code, resp.get_data(as_text=True)[:300])
        after = observe(client, b)
        # B's own observation calls are journaled too: compare the entries that existed before.
        assert set(before["requests"]) <= set(after["requests"]), (method, path, "cleared B's journal")
        for key in before:
            if key != "requests":
                assert after[key] == before[key], (method, path, key)
        # B's objects, reached by id with A's key, are as unknown as ids that never existed.
        if options.get("foreign"):
            assert resp.status_code == 404, (method, path, resp.status_code)
        before = after
    # The calls made with A's key did act on A: its own records are gone after its reset.
    assert client.get(f"{API}/ListWorkflows", headers=a["headers"]).get_json()["total"] == 0
