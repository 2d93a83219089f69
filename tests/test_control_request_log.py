"""The request journal: what is recorded, redaction, truncation, violations, filters, clearing, the bound."""
import base64
import time
from datetime import datetime, timezone

from mock_server.app import create_app
from mock_server.domain.clock import iso
from mock_server.control.request_log import BODY_LIMIT
from mock_server.inspection import RequestLog
from mock_server.domain.organizations import organization_id_for_key
from sign8_flow import ROOT



def _items(client, **params):
    resp = client.get("/_mock/requests", query_string=params)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["items"]


def test_records_an_api_call_with_secrets_redacted(client, auth):
    resp = client.post("/api/workflow/AddWorkflow?x=1", json={"name": "Journaled"},
                       headers={**auth, "X-Admin-Token": "secret-token", "X-Trace": "t1"})
    assert resp.status_code == 201
    entry = _items(client, path="/api/workflow/AddWorkflow")[0]
    assert entry["method"] == "POST" and entry["status"] == 201 and entry["query"] == {"x": ["1"]}
    assert entry["headers"]["Authorization"] == "<redacted>" and entry["headers"]["X-Admin-Token"] == "<redacted>"
    assert entry["headers"]["X-Trace"] == "t1"
    assert "Journaled" in entry["body"] and entry["body_truncated"] is False
    assert entry["time"].endswith("Z")
    assert entry["organization_id"] == organization_id_for_key(auth["Authorization"][7:])
    assert entry["violation"] is None


def test_the_journal_endpoint_and_static_assets_are_not_journaled(client):
    client.get("/_mock/requests")
    client.get("/sign/_static/sign.css")
    client.get("/_mock/health")
    paths = [e["path"] for e in _items(client)]
    assert paths == ["/_mock/health"]


def test_the_favicon_is_the_mocks_icon_and_not_journaled(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200
    assert resp.mimetype == "image/vnd.microsoft.icon"
    body = resp.get_data()
    # An ICO header with one 256x256 entry whose image, at offset 22, is the mock's PNG icon.
    assert body[:6] == b"\x00\x00\x01\x00\x01\x00"
    assert body[22:] == (ROOT / "mock_server" / "assets" / "default-icon.png").read_bytes()
    client.get("/_mock/health")
    assert [e["path"] for e in _items(client)] == ["/_mock/health"]


def test_schemathesis_state_is_git_ignored():
    assert ".schemathesis/" in (ROOT / ".gitignore").read_text().splitlines()


def test_large_bodies_are_truncated_and_say_so(client, auth, draft, pdf_bytes):
    wid = draft["workflow"]["workflow_id"]
    data = base64.b64encode(pdf_bytes).decode()
    client.post("/api/workflow/AddFile", json={"workflow_id": wid, "file_name": "b.pdf", "data": data}, headers=auth)
    entry = _items(client, path="/api/workflow/AddFile")[0]
    assert entry["body_truncated"] is True
    assert len(entry["body"]) == BODY_LIMIT and entry["body_size"] > len(data)


def test_violations_list_only_rejected_api_calls_with_the_reason(client, auth):
    client.post("/api/workflow/AddWorkflow", json={"name": "ok"}, headers=auth)
    client.post("/api/workflow/AddWorkflow", json={"description": "no name"}, headers=auth)
    client.get("/api/workflow/GetWorkflow", query_string={"workflow_id": "00000000-0000-4000-8000-000000000000"},
               headers=auth)
    client.get("/_mock/workflows/nope/expire")  # a control call: never a contract violation
    found = _items(client, violations="true")
    assert [e["status"] for e in found] == [404, 422]
    assert found[1]["violation"]["code"] == "validation_error" and "name" in found[1]["violation"]["fields"]
    assert found[0]["violation"]["code"] == "workflow_not_found"


def test_filters_by_method_status_since_and_organization(client, make_auth):
    a, b = make_auth(), make_auth()
    client.post("/api/workflow/AddWorkflow", json={"name": "A"}, headers=a)
    time.sleep(0.01)
    mark = iso(datetime.now(timezone.utc))
    time.sleep(0.01)
    client.get("/api/workflow/ListWorkflows", headers=b)
    assert [e["method"] for e in _items(client, method="get", path="/api/*")] == ["GET"]
    assert [e["status"] for e in _items(client, status=201)] == [201]
    since = _items(client, since=mark)
    assert [e["method"] for e in since] == ["GET"] and all(e["time"] >= mark for e in since)
    assert len(_items(client, since=mark)) < len(_items(client))
    org_b = organization_id_for_key(b["Authorization"][7:])
    assert {e["organization_id"] for e in _items(client, organization_id=org_b)} == {org_b}
    # With an API key the journal shows only that key's organization.
    resp = client.get("/_mock/requests", headers=a)
    assert {e["organization_id"] for e in resp.get_json()["items"]} == {organization_id_for_key(a["Authorization"][7:])}


def test_bad_filters_answer_422(client):
    resp = client.get("/_mock/requests", query_string={"status": "abc"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_error"


def test_signing_links_resolve_the_organization_without_provisioning(app, client):
    before = app.extensions["sign8"].store.count("organizations")
    client.get("/sign/no-such-token", headers={"X-API-Key": "never-seen-key"})
    entry = _items(client)[0]
    assert entry["organization_id"] == organization_id_for_key("never-seen-key")
    assert entry["headers"]["X-Api-Key"] == "<redacted>"
    assert app.extensions["sign8"].store.count("organizations") == before


def test_delete_clears_the_journal(client, auth):
    client.get("/api/workflow/ListWorkflows", headers=auth)
    resp = client.delete("/_mock/requests")
    assert resp.status_code == 200 and resp.get_json()["cleared"] >= 1
    assert _items(client) == []


def test_reset_of_one_organization_forgets_its_requests(client, make_auth):
    a, b = make_auth(), make_auth()
    client.get("/api/workflow/ListWorkflows", headers=a)
    client.get("/api/workflow/ListWorkflows", headers=b)
    client.post("/_mock/reset", headers=a)
    orgs = {e["organization_id"] for e in _items(client, path="/api/workflow/ListWorkflows")}
    assert orgs == {organization_id_for_key(b["Authorization"][7:])}


def test_the_ring_buffer_is_bounded():
    journal = RequestLog(capacity=3)
    for n in range(5):
        journal.add({"method": "GET", "path": f"/{n}", "status": 200, "time": "2026-01-01T00:00:00.000Z"})
    assert [e["path"] for e in journal.query()] == ["/4", "/3", "/2"]


def test_each_app_has_its_own_journal(app):
    other = create_app({"db": ":memory:"}, start_background=False)
    other.test_client().get("/_mock/health")
    assert other.extensions["sign8"].request_log is not app.extensions["sign8"].request_log
    assert app.extensions["sign8"].request_log.query() == []


def test_snapshot_bodies_are_never_journaled(client, auth):
    client.post("/api/workflow/AddWorkflow", json={"name": "Before snapshot"}, headers=auth)
    snapshot = client.get("/_mock/snapshot").get_json()
    secret = "whsec_journal-must-not-hold-this"
    snapshot["tables"]["organizations"].append({"organization_id": "44444444-4444-4444-8444-444444444444",
                                                "api_key": "key-journal-must-not-hold", "webhook_secret": secret,
                                                "name": "Restored", "known": False})
    assert client.post("/_mock/snapshot", json=snapshot).status_code == 200
    entry = _items(client, path="/_mock/snapshot", method="POST")[0]
    assert secret not in str(entry) and "key-journal-must-not-hold" not in str(entry)
    assert entry["body"].startswith("<redacted")


def test_secrets_in_the_query_string_are_redacted_like_headers(client, auth):
    resp = client.get("/api/workflow/GetWorkflow", headers=auth, query_string=[
        ("workflow_id", "wf-1"), ("api_key", "k-secret"), ("Token", "t-secret"), ("password", "p1"), ("password", "p2")])
    assert resp.status_code == 422  # GetWorkflow takes workflow_id only; the call is journaled all the same
    entry = _items(client, path="/api/workflow/GetWorkflow")[0]
    assert entry["query"] == {"workflow_id": ["wf-1"], "api_key": ["<redacted>"], "Token": ["<redacted>"],
                              "password": ["<redacted>", "<redacted>"]}
    assert "secret" not in str(entry) and "p1" not in str(entry["query"])
