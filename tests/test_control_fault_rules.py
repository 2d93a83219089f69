"""Fault injection: status, delay, dropped connection, probability, times; and webhook faults."""
import time

import pytest
import requests

from mock_server.pytest_plugin import WebhookReceiver


def _rule(client, **rule):
    resp = client.post("/_mock/faults", json=rule)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_a_status_rule_fires_the_given_times_with_the_documented_body(client, auth):
    rule = _rule(client, method="POST", path="/api/workflow/AddWorkflow", status=503, times=1)
    first = client.post("/api/workflow/AddWorkflow", json={"name": "x"}, headers=auth)
    assert first.status_code == 503
    assert first.get_json()["error"]["code"] == "injected_fault" and first.get_json()["error"]["rule_id"] == rule["rule_id"]
    assert client.post("/api/workflow/AddWorkflow", json={"name": "x"}, headers=auth).status_code == 201
    assert client.get("/_mock/faults").get_json()["items"] == []
    entry = client.get("/_mock/requests", query_string={"status": 503}).get_json()["items"][0]
    assert entry["fault"] == rule["rule_id"] and entry["violation"] is None


def test_globs_and_methods_select_requests(client, auth):
    _rule(client, method="GET", path="/api/workflow/Get*", status=500)
    assert client.get("/api/workflow/GetWorkflow", query_string={"workflow_id": "x"}, headers=auth).status_code == 500
    assert client.get("/api/workflow/ListWorkflows", headers=auth).status_code == 200
    assert client.post("/api/workflow/GetWorkflow", json={}, headers=auth).status_code != 500
    listed = client.get("/_mock/faults").get_json()["items"]
    assert listed[0]["hits"] == 1 and listed[0]["times"] is None


def test_a_delay_rule_slows_the_answer(client, auth):
    _rule(client, path="/api/workflow/ListWorkflows", delay_ms=300, times=1)
    started = time.monotonic()
    assert client.get("/api/workflow/ListWorkflows", headers=auth).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_probability_zero_never_fires(client, auth):
    _rule(client, path="/api/*", status=500, probability=0)
    assert all(client.get("/api/workflow/ListWorkflows", headers=auth).status_code == 200 for _ in range(20))


def test_the_control_api_is_never_faulted(client):
    _rule(client, path="*", status=500)
    assert client.get("/_mock/health").status_code == 200
    assert client.delete("/_mock/faults").get_json() == {"cleared": 1}


@pytest.mark.parametrize("rule", [{"path": "/api/x"}, {"path": "/api/x", "status": 200},
                                  {"path": "api/x", "status": 500}, {"path": "/x", "drop": True, "probability": 2},
                                  {"status": 500}, {"path": "/x", "status": 500, "times": 0}])
def test_invalid_rules_answer_422(client, rule):
    resp = client.post("/_mock/faults", json=rule)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_error"


def test_delete_one_rule_or_all(client):
    a = _rule(client, path="/a", status=500)
    _rule(client, path="/b", status=500)
    assert client.delete("/_mock/faults", query_string={"rule_id": a["rule_id"]}).get_json() == {"cleared": 1}
    assert client.delete("/_mock/faults", query_string={"rule_id": a["rule_id"]}).status_code == 404
    assert [r["path"] for r in client.get("/_mock/faults").get_json()["items"]] == ["/b"]
    assert client.post("/_mock/reset").status_code == 200
    assert client.get("/_mock/faults").get_json()["items"] == []


def test_a_drop_rule_closes_the_connection_without_an_answer(live_server):
    http = requests.Session()
    http.post(f"{live_server.url}/_mock/faults", json={"path": "/api/workflow/ListWorkflows", "drop": True,
                                                       "times": 1}).raise_for_status()
    headers = {"Authorization": "Bearer drop-test-key"}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{live_server.url}/api/workflow/ListWorkflows", headers=headers, timeout=5)
    assert requests.get(f"{live_server.url}/api/workflow/ListWorkflows", headers=headers, timeout=5).status_code == 200
    dropped = http.get(f"{live_server.url}/_mock/requests").json()["items"]
    http.close()  # a kept-alive connection would keep waitress's loop running at teardown
    assert any(e["dropped"] for e in dropped)


# -- webhook faults -----------------------------------------------------------------------------------
@pytest.fixture
def hooks(live_server, workflow_builder, pdf_bytes):
    """A live server whose organization posts webhooks to a local receiver; yields (server, receiver, start)."""
    receiver = WebhookReceiver()
    key = {"Authorization": "Bearer webhook-faults-key"}
    client = live_server.app.test_client()
    svc = live_server.services
    org = svc.organizations.authenticate("webhook-faults-key")
    svc.organizations.set_webhook_url(org["organization_id"], receiver.url)

    def started_workflow() -> str:
        return workflow_builder(client, key, pdf_bytes, signers=1, start=True)["workflow_id"]

    yield client, receiver, started_workflow
    receiver.stop()


def test_webhook_faults_are_read_set_and_cleared(client):
    assert client.post("/_mock/webhooks/faults", json={"delay_ms": 100}).get_json() == {
        "duplicate_next": 0, "delay_ms": 100, "delay_count": 1, "reorder_next": False}
    assert client.get("/_mock/webhooks/faults").get_json()["delay_count"] == 1
    assert client.post("/_mock/webhooks/faults", json={"duplicate_next": -1}).status_code == 422
    assert client.delete("/_mock/webhooks/faults").get_json()["delay_ms"] == 0


def test_duplicate_next_sends_the_next_event_twice(hooks):
    client, receiver, started_workflow = hooks
    wid = started_workflow()
    client.post("/_mock/webhooks/faults", json={"duplicate_next": 1})
    assert client.post(f"/_mock/workflows/{wid}/refuse", json={}).status_code == 200
    second = receiver.wait_for("workflowRefused", timeout=5, count=2)
    first = receiver.received[0]
    assert first["body"]["event_id"] == second["body"]["event_id"] and second["body"]["workflow_id"] == wid
    assert client.get("/_mock/webhooks/faults").get_json()["duplicate_next"] == 0


def test_delay_holds_the_next_event_back(hooks):
    client, receiver, started_workflow = hooks
    wid = started_workflow()
    client.post("/_mock/webhooks/faults", json={"delay_ms": 600, "delay_count": 1})
    started = time.monotonic()
    client.post(f"/_mock/workflows/{wid}/refuse", json={})
    receiver.wait_for("workflowRefused", timeout=5)
    assert time.monotonic() - started >= 0.6


def test_reorder_delivers_two_events_out_of_order(hooks):
    client, receiver, started_workflow = hooks
    first, second = started_workflow(), started_workflow()
    client.post("/_mock/webhooks/faults", json={"reorder_next": True})
    client.post(f"/_mock/workflows/{first}/refuse", json={})
    # The first event is queued and held (it does not count as due) before the second exists.
    assert client.get("/_mock/idle", query_string={"timeout": 5}).status_code == 200
    assert receiver.received == []
    client.post(f"/_mock/workflows/{second}/refuse", json={})
    receiver.wait_for("workflowRefused", timeout=5, count=2)
    assert [r["body"]["workflow_id"] for r in receiver.received] == [second, first]
