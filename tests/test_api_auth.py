"""API keys: Bearer and X-API-Key, 401 without, 403 on a mismatching organisation_id, --auth strict."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from mock_server.app import create_app
from mock_server.domain.organizations import organization_id_for_key

API = "/api/workflow"
ORGS = [{"organization_id": "11111111-1111-4111-8111-111111111111", "name": "A", "api_key": "known-key-a",
         "webhook_url": "http://127.0.0.1:9"}]

OPERATIONS = [
    ("POST", "AddWorkflow"), ("POST", "AddFile"), ("POST", "AddSigner"), ("POST", "AddSignature"),
    ("POST", "AddAnnotation"), ("POST", "AddInterface"), ("POST", "UpdateInterface"), ("GET", "GetInterface"),
    ("POST", "StartWorkflow"), ("POST", "CancelWorkflow"), ("GET", "GetWorkflow"), ("GET", "ListWorkflows"),
    ("GET", "GetFile"),
]


def call(client, method, op, headers):
    if method == "GET":
        return client.get(f"{API}/{op}", headers=headers)
    return client.post(f"{API}/{op}", json={}, headers=headers)


@pytest.mark.parametrize("method, op", OPERATIONS)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"Authorization": ""}])
def test_missing_key_is_401(client, method, op, headers):
    resp = call(client, method, op, headers)
    assert resp.status_code == 401
    assert resp.is_json and resp.get_json()["error"]["code"] == "unauthorized"
    assert "X-Sign8-Mock-Organization" not in resp.headers


@pytest.mark.parametrize("method, op", OPERATIONS)
@pytest.mark.parametrize("value, problem", [("my-key", "no scheme"), ("Basic abc", "scheme is 'Basic'"),
                                            ("Token my-key", "scheme is 'Token'"), ("Bearer ", "carries no key"),
                                            ("Bearer", "carries no key")])
def test_an_authorization_header_without_a_bearer_key_is_401_invalid_authorization(client, method, op, value,
                                                                                   problem):
    # Also with a good X-API-Key beside it: a malformed Authorization header is a bug to fix, not to guess around.
    for extra in ({}, {"X-API-Key": "key-" + uuid.uuid4().hex}):
        resp = call(client, method, op, {"Authorization": value, **extra})
        assert resp.status_code == 401, resp.get_json()
        err = resp.get_json()["error"]
        assert err["code"] == "invalid_authorization" and problem in err["message"]
        assert "'Authorization: Bearer <key>' or 'X-API-Key: <key>'" in err["message"]


def test_control_calls_refuse_a_bad_authorization_header_but_take_basic_as_the_admin_token(client):
    resp = client.get("/_mock/clock", headers={"Authorization": "my-key"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_authorization"
    assert client.get("/_mock/clock", headers={"Authorization": "Basic YTpi"}).status_code == 200


def test_open_mode_answers_name_the_organization_of_the_key(client):
    key = "key-" + uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {key}"}
    created = client.post(f"{API}/AddWorkflow", json={"name": "a"}, headers=headers)
    assert created.headers["X-Sign8-Mock-Organization"] == organization_id_for_key(key)
    # The case this is for: a mistyped key's "does not exist" names an organization that is not yours.
    typo = client.get(f"{API}/GetWorkflow", query_string={"workflow_id": created.get_json()["workflow_id"]},
                      headers={"Authorization": f"Bearer {key}x"})
    assert typo.status_code == 404
    assert typo.headers["X-Sign8-Mock-Organization"] == organization_id_for_key(key + "x")
    # Error answers carry it too (422, 415, an operation that does not exist).
    unknown = client.get(f"{API}/GetWorkflows", headers=headers)
    assert unknown.status_code == 404 and unknown.headers["X-Sign8-Mock-Organization"] == organization_id_for_key(key)
    assert client.post(f"{API}/AddWorkflow", json={}, headers=headers).headers["X-Sign8-Mock-Organization"]
    assert client.post(f"{API}/AddWorkflow", data="x", headers=headers).headers["X-Sign8-Mock-Organization"]


def test_strict_mode_is_unchanged_and_names_no_organization(tmp_path):
    orgs = tmp_path / "orgs.json"
    orgs.write_text(json.dumps(ORGS))
    app = create_app({"db": ":memory:", "auth": "strict", "organizations_file": str(orgs)})
    try:
        client = app.test_client()
        resp = client.get(f"{API}/ListWorkflows", headers={"Authorization": "Bearer known-key-a"})
        assert resp.status_code == 200 and "X-Sign8-Mock-Organization" not in resp.headers
        unknown = client.get(f"{API}/ListWorkflows", headers={"Authorization": "Bearer nobody"})
        assert unknown.status_code == 401 and unknown.get_json()["error"]["code"] == "unauthorized"
    finally:
        app.extensions["sign8"].stop()


def test_x_api_key_and_bearer_are_the_same_organization(client):
    key = "key-" + uuid.uuid4().hex
    via_bearer = client.post(f"{API}/AddWorkflow", json={"name": "a"}, headers={"Authorization": f"Bearer {key}"})
    via_header = client.get(f"{API}/GetWorkflow?workflow_id={via_bearer.get_json()['workflow_id']}",
                            headers={"X-API-Key": key})
    assert via_header.status_code == 200
    assert via_header.get_json()["organization_id"] == organization_id_for_key(key)


def test_open_mode_provisions_uuid5_organization(client, auth):
    key = auth["Authorization"].split()[1]
    org = client.post(f"{API}/AddWorkflow", json={"name": "a"}, headers=auth).get_json()["organization_id"]
    assert org == organization_id_for_key(key)
    assert uuid.UUID(org).version == 5


@pytest.mark.parametrize("header", ["organisation_id", "organization_id"])
def test_mismatching_organization_header_is_403(client, auth, header):
    key = auth["Authorization"].split()[1]
    resp = client.get(f"{API}/ListWorkflows", headers={**auth, header: str(uuid.uuid4())})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
    ok = client.get(f"{API}/ListWorkflows", headers={**auth, header: organization_id_for_key(key)})
    assert ok.status_code == 200


@pytest.fixture
def strict_client(tmp_path):
    orgs = tmp_path / "orgs.json"
    orgs.write_text(json.dumps(ORGS))
    app = create_app({"db": ":memory:", "auth": "strict", "organizations_file": str(orgs)}, start_background=False)
    yield app.test_client()
    app.extensions["sign8"].stop()


def test_strict_mode_accepts_only_known_keys(strict_client):
    resp = strict_client.get(f"{API}/ListWorkflows", headers={"Authorization": "Bearer someone-else"})
    assert resp.status_code == 401
    resp = strict_client.post(f"{API}/AddWorkflow", json={"name": "a"}, headers={"X-API-Key": "known-key-a"})
    assert resp.status_code == 201
    assert resp.get_json()["organization_id"] == ORGS[0]["organization_id"]


def test_strict_mode_flag_on_the_command_line(server_process, tmp_path):
    """Check `serve --auth strict` refuses an unknown key over real HTTP."""
    proc = server_process(str(tmp_path / "db.json"), "--auth", "strict")
    resp = requests.get(f"{proc.url}/api/workflow/ListWorkflows", headers={"Authorization": "Bearer nobody"}, timeout=5)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type_is_415(client, auth, content_type):
    resp = client.post(f"{API}/AddWorkflow", data='{"name": "a"}', headers={**auth, "Content-Type": content_type})
    assert resp.status_code == 415
    assert resp.get_json()["error"]["code"] == "unsupported_media_type"


def test_malformed_json_is_400(client, auth):
    resp = client.post(f"{API}/AddWorkflow", data='{"name": ', headers={**auth, "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "malformed_json"
