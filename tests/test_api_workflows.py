"""AddWorkflow, StartWorkflow, CancelWorkflow, GetWorkflow and ListWorkflows through the test client."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

API = "/api/workflow"


def iso_z(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_z(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value[:-1] + "+00:00")


def is_uuid4(value: str) -> bool:
    return uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value


def add_workflow(client, auth, **body):
    return client.post(f"{API}/AddWorkflow", json={"name": "Contract", **body}, headers=auth)


def test_add_workflow_fills_defaults(client, auth):
    resp = add_workflow(client, auth)
    assert resp.status_code == 201
    wf = resp.get_json()
    assert is_uuid4(wf["workflow_id"])
    assert wf["status"] == "draft"
    assert wf["signing_order"] == "parallel"
    assert wf["metadata"] == {}
    assert wf["webhook_url"] is None and wf["interface_id"] is None
    created = parse_z(wf["created_at"])
    assert parse_z(wf["updated_at"]) == created
    expiry = parse_z(wf["expires_at"]) - created
    assert timedelta(days=30) - timedelta(seconds=2) <= expiry <= timedelta(days=30) + timedelta(seconds=2)


def test_add_workflow_organization_is_the_keys(client, auth, make_auth):
    first = add_workflow(client, auth).get_json()
    again = add_workflow(client, auth).get_json()
    other = add_workflow(client, make_auth()).get_json()
    assert first["organization_id"] == again["organization_id"]
    assert other["organization_id"] != first["organization_id"]


def test_add_workflow_keeps_every_given_field(client, auth):
    iface = client.post(f"{API}/AddInterface", json={}, headers=auth).get_json()
    expires = iso_z(datetime.now(timezone.utc) + timedelta(days=3))
    resp = add_workflow(client, auth, name="N" * 255, description="d", expires_at=expires, signing_order="sequential",
                        webhook_url="https://hooks.example.com/x", interface_id=iface["interface_id"],
                        metadata={"ref": 7, "deep": {"a": [1, 2]}})
    assert resp.status_code == 201, resp.get_json()
    wf = resp.get_json()
    assert (wf["name"], wf["description"], wf["signing_order"]) == ("N" * 255, "d", "sequential")
    assert parse_z(wf["expires_at"]) == parse_z(expires)
    assert wf["webhook_url"] == "https://hooks.example.com/x"
    assert wf["interface_id"] == iface["interface_id"]
    assert wf["metadata"] == {"ref": 7, "deep": {"a": [1, 2]}}


@pytest.mark.parametrize("body, field", [
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"name": 5}, "name"),
    ({"signing_order": "random"}, "signing_order"),
    ({"expires_at": "not a date"}, "expires_at"),
    ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ({"webhook_url": "not a url"}, "webhook_url"),
    ({"interface_id": "nope"}, "interface_id"),
    ({"metadata": [1, 2]}, "metadata"),
])
def test_add_workflow_rejects_invalid_fields(client, auth, body, field):
    resp = add_workflow(client, auth, **body)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "validation_error"
    assert field in err["fields"]


def test_add_workflow_without_name_is_422(client, auth):
    resp = client.post(f"{API}/AddWorkflow", json={}, headers=auth)
    assert resp.status_code == 422
    assert "name" in resp.get_json()["error"]["fields"]


def test_add_workflow_unknown_interface_is_404(client, auth):
    resp = add_workflow(client, auth, interface_id=str(uuid.uuid4()))
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "interface_not_found"


def test_start_moves_draft_to_in_progress(client, auth, draft):
    wid = draft["workflow"]["workflow_id"]
    resp = client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=auth)
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "in_progress"
    assert client.get(f"{API}/GetWorkflow?workflow_id={wid}", headers=auth).get_json()["status"] == "in_progress"


def test_start_names_what_is_missing(client, auth, pdf_bytes):
    wid = add_workflow(client, auth).get_json()["workflow_id"]
    resp = client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=auth)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "workflow_incomplete"
    assert "no file" in err["missing"] and "no signer" in err["missing"]
    client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": "lonely@example.com", "phone": "+4915112345678"}, headers=auth)
    err = client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=auth).get_json()["error"]
    assert "no signer" not in err["missing"]
    assert any("lonely@example.com" in m and "signature" in m for m in err["missing"])


@pytest.mark.parametrize("op, body", [
    ("AddFile", {"file_name": "x.pdf", "content_type": "application/pdf", "data": "JVBERi0="}),
    ("AddSigner", {"email": "late@example.com", "phone": "+4915112345678"}),
    ("AddSignature", {"file_id": "F", "signer_id": "S", "page": 1, "x": 1, "y": 1, "width": 10, "height": 10}),
    ("AddAnnotation", {"file_id": "F", "page": 1, "x": 1, "y": 1, "text": "late"}),
    ("StartWorkflow", {}),
])
def test_parts_after_start_are_409(client, auth, draft, op, body):
    wid = draft["workflow"]["workflow_id"]
    assert client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=auth).status_code == 200
    ids = {"F": draft["file"]["file_id"], "S": draft["signers"][0]["signer_id"]}
    body = {"workflow_id": wid, **{k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}}
    resp = client.post(f"{API}/{op}", json=body, headers=auth)
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["error"]["code"] == "invalid_state"


def test_cancel_is_final(client, auth, draft):
    wid = draft["workflow"]["workflow_id"]
    resp = client.post(f"{API}/CancelWorkflow", json={"workflow_id": wid}, headers=auth)
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "cancelled"
    assert client.post(f"{API}/CancelWorkflow", json={"workflow_id": wid}, headers=auth).status_code == 409
    assert client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=auth).status_code == 409


def test_cancel_in_progress(client, auth, draft):
    wid = draft["workflow"]["workflow_id"]
    client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=auth)
    assert client.post(f"{API}/CancelWorkflow", json={"workflow_id": wid}, headers=auth).get_json()["status"] == "cancelled"


@pytest.mark.parametrize("op", ["StartWorkflow", "CancelWorkflow"])
def test_start_cancel_unknown_ids(client, auth, op):
    assert client.post(f"{API}/{op}", json={"workflow_id": str(uuid.uuid4())}, headers=auth).status_code == 404
    assert client.post(f"{API}/{op}", json={"workflow_id": "x"}, headers=auth).status_code == 422
    assert client.post(f"{API}/{op}", json={}, headers=auth).status_code == 422


def test_get_workflow_returns_every_part(client, auth, draft):
    wid = draft["workflow"]["workflow_id"]
    wf = client.get(f"{API}/GetWorkflow?workflow_id={wid}", headers=auth).get_json()
    assert [f["file_id"] for f in wf["files"]] == [draft["file"]["file_id"]]
    assert [s["signer_id"] for s in wf["signers"]] == [s["signer_id"] for s in draft["signers"]]
    assert all(s["signing_url"].startswith("http") and s["status"] == "pending" for s in wf["signers"])
    assert {s["signature_id"] for s in wf["signatures"]} == {s["signature_id"] for s in draft["signatures"]}
    assert wf["annotations"] == []
    assert "token" not in wf["signers"][0] and "token_hash" not in wf["signers"][0]


def test_get_workflow_errors(client, auth):
    assert client.get(f"{API}/GetWorkflow?workflow_id={uuid.uuid4()}", headers=auth).status_code == 404
    assert client.get(f"{API}/GetWorkflow?workflow_id=abc", headers=auth).status_code == 422
    assert client.get(f"{API}/GetWorkflow", headers=auth).status_code == 422


def test_list_newest_first_with_total_and_paging(client, auth):
    ids = [add_workflow(client, auth, name=f"w{i}").get_json()["workflow_id"] for i in range(5)]
    page = client.get(f"{API}/ListWorkflows", headers=auth).get_json()
    assert page["total"] == 5 and page["offset"] == 0 and page["limit"] == 50
    assert [w["workflow_id"] for w in page["items"]] == ids[::-1]
    page = client.get(f"{API}/ListWorkflows?limit=2&offset=1", headers=auth).get_json()
    assert page["total"] == 5
    assert [w["workflow_id"] for w in page["items"]] == ids[::-1][1:3]
    assert client.get(f"{API}/ListWorkflows?offset=10", headers=auth).get_json()["items"] == []


def test_list_filters_by_status(client, auth, draft):
    wid = draft["workflow"]["workflow_id"]
    other = add_workflow(client, auth).get_json()["workflow_id"]
    client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=auth)
    running = client.get(f"{API}/ListWorkflows?status=in_progress", headers=auth).get_json()
    assert running["total"] == 1 and running["items"][0]["workflow_id"] == wid
    drafts = client.get(f"{API}/ListWorkflows?status=draft", headers=auth).get_json()
    assert [w["workflow_id"] for w in drafts["items"]] == [other]
    assert client.get(f"{API}/ListWorkflows?status=cancelled", headers=auth).get_json()["total"] == 0


@pytest.mark.parametrize("query", ["status=bogus", "limit=0", "limit=501", "offset=-1", "limit=abc"])
def test_list_rejects_bad_query(client, auth, query):
    resp = client.get(f"{API}/ListWorkflows?{query}", headers=auth)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "validation_error"
