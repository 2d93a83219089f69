"""GET/POST /_mock/snapshot: export the whole state, files included, and restore it elsewhere."""
import pytest

from mock_server.app import create_app
from mock_server.pytest_plugin import WebhookReceiver
from conftest import build_workflow
from sign8_flow import wait_until

KEY = {"Authorization": "Bearer snapshot-webhooks"}


def started_workflow(client, key, pdf_bytes, webhook_url) -> dict:
    """A started workflow with one signer; its signer's token."""
    made = build_workflow(client, key, pdf_bytes, signers=1, start=True, webhook_url=webhook_url)
    return {"workflow_id": made["workflow_id"], "token": made["signers"][0]["signing_url"].rsplit("/", 1)[-1]}


def test_a_snapshot_restores_workflows_and_files_in_another_app(client, auth, draft, pdf_bytes):
    snap = client.get("/_mock/snapshot")
    assert snap.status_code == 200
    body = snap.get_json()
    assert body["format"] == "sign8-mock-snapshot/1" and len(body["blobs"]) == 1
    other = create_app({"db": ":memory:"}, start_background=False)
    try:
        oc = other.test_client()
        resp = oc.post("/_mock/snapshot", json=body)
        assert resp.status_code == 200 and resp.get_json()["imported"]["workflows"] == 1
        wid, fid = draft["workflow"]["workflow_id"], draft["file"]["file_id"]
        got = oc.get("/api/workflow/GetWorkflow", query_string={"workflow_id": wid}, headers=auth).get_json()
        assert [s["email"] for s in got["signers"]] == ["s0@example.com", "s1@example.com"]
        assert oc.get("/api/workflow/GetFile", query_string={"file_id": fid}, headers=auth).data == pdf_bytes
    finally:
        other.extensions["sign8"].stop()


@pytest.mark.parametrize("snapshot", [
    {"format": "something-else", "tables": {}},
    {"format": "sign8-mock-snapshot/1"},
    {"format": "sign8-mock-snapshot/1", "tables": {"nope": []}},
    {"format": "sign8-mock-snapshot/1", "tables": {"workflows": [{"no_id": 1}]}},
    {"format": "sign8-mock-snapshot/1", "tables": {}, "blobs": {"abc": "!!notbase64"}},
    {"format": "sign8-mock-snapshot/1", "tables": {}, "blobs": {"abc": "aGVsbG8="}},
    [1, 2, 3],
])
def test_an_invalid_snapshot_answers_422_and_changes_nothing(client, auth, draft, snapshot):
    resp = client.post("/_mock/snapshot", json=snapshot)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "invalid_snapshot"
    listed = client.get("/api/workflow/ListWorkflows", headers=auth).get_json()
    assert listed["total"] == 1


def test_a_snapshot_must_be_json(client):
    assert client.post("/_mock/snapshot", data="x", content_type="text/plain").status_code == 415
    resp = client.post("/_mock/snapshot", data="{", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] in ("malformed_json", "bad_request")


def test_pending_webhooks_of_an_imported_snapshot_are_sent(pdf_bytes):
    """A snapshot taken while a receiver was down carries a pending delivery; the mock it is imported into
    sends it (and /_mock/idle does not wait for it forever)."""
    down, up = WebhookReceiver(start=False), WebhookReceiver()
    source = create_app({"db": ":memory:", "webhook_retry_schedule": (0, 3600)})
    target = create_app({"db": ":memory:"})
    try:
        made = started_workflow(source.test_client(), KEY, pdf_bytes, down.url)
        source_svc = source.extensions["sign8"]
        assert source.test_client().post(f"/sign/{made['token']}/refuse", json={"reason": "no"}).status_code == 200
        assert wait_until(lambda: [d for d in source_svc.store.all("deliveries") if d["attempts"]])
        snapshot = source.test_client().get("/_mock/snapshot").get_json()
        [pending] = snapshot["tables"]["deliveries"]
        assert pending["status"] == "pending"
        pending["url"] = up.url  # the receiver is reachable where the snapshot is restored
        pending["next_attempt_at"] = 0
        assert target.test_client().post("/_mock/snapshot", json=snapshot).status_code == 200
        assert target.extensions["sign8"].idle(10)
        assert [b["event"] for b in up.bodies()] == ["workflowRefused"]
    finally:
        for app in (source, target):
            app.extensions["sign8"].stop()
        up.stop()
