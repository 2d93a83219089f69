"""Safe defaults: local bind, admin token on /_mock, strong signing tokens, hash-named blobs, http(s) webhooks, quiet logs."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import signal

import pytest
import requests

from mock_server.app import create_app
from mock_server.config import Settings, from_env

API = "/api/workflow"
ADMIN = "admin-" + "x" * 24


def test_default_bind_is_loopback():
    assert Settings().host == "127.0.0.1"
    assert from_env({}).host == "127.0.0.1"


def test_serve_banner_shows_loopback_by_default(server_process, tmp_path):
    proc = server_process(str(tmp_path / "db.json"), host=None)
    assert proc.url.startswith("http://127.0.0.1:")
    assert requests.get(f"{proc.url}/_mock/health", timeout=5).status_code == 200
    assert "WARNING" not in proc.output()


def public_bind(server_process, tmp_path, *extra: str) -> str:
    """Start serve on 0.0.0.0 for an instant, kill it, and return its stderr."""
    proc = server_process(str(tmp_path / "db.json"), *extra, host="0.0.0.0")
    proc.stop(signal.SIGKILL)
    assert "listening on http://0.0.0.0:" in proc.output()
    return "".join(proc.stderr_lines)


def test_public_bind_without_admin_token_warns(server_process, tmp_path):
    err = public_bind(server_process, tmp_path)
    assert "WARNING" in err and "0.0.0.0" in err and "--admin-token" in err


def test_public_bind_with_admin_token_does_not_warn(server_process, tmp_path):
    assert "WARNING" not in public_bind(server_process, tmp_path, "--admin-token", ADMIN)


def mock_endpoints(app) -> list[tuple[str, str]]:
    """Every (method, path) under /_mock, with placeholders filled in."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/_mock") or rule.endpoint == "swagger_ui_asset":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "00000000-0000-4000-8000-000000000000", rule.rule)
        out += [(m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return out


@pytest.fixture
def admin_app(monkeypatch):
    monkeypatch.setenv("SIGN8_MOCK_ADMIN_TOKEN", ADMIN)
    application = create_app({"db": ":memory:"}, start_background=False)
    yield application
    application.extensions["sign8"].stop()


def test_every_mock_endpoint_demands_the_admin_token(admin_app, auth):
    client = admin_app.test_client()
    endpoints = mock_endpoints(admin_app)
    assert len(endpoints) >= 10
    for method, path in endpoints:
        for headers in ({}, auth, {"X-Admin-Token": "wrong"}, {"X-Admin-Token": ADMIN[:-1]}):
            resp = client.open(path, method=method, headers=headers, json={})
            assert resp.status_code == 401, (method, path, headers, resp.status_code)
            assert resp.get_json()["error"]["code"] == "admin_token_required"
    health = client.get("/_mock/health", headers={"X-Admin-Token": ADMIN})
    assert health.status_code == 200


def test_admin_token_is_not_needed_on_the_api(admin_app, auth):
    resp = admin_app.test_client().get(f"{API}/ListWorkflows", headers=auth)
    assert resp.status_code == 200


def test_signing_tokens_are_long_and_distinct(client, auth):
    wid = client.post(f"{API}/AddWorkflow", json={"name": "t"}, headers=auth).get_json()["workflow_id"]
    tokens = []
    for i in range(20):
        signer = client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": f"{i}@example.com",
                                                                  "phone": "+4915112345678"},
                             headers=auth).get_json()
        token = signer["signing_url"].rsplit("/sign/", 1)[1]
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
        tokens.append(token)
    assert len(set(tokens)) == len(tokens)
    # No shared prefix: tokens are random, not counters or ids with a random tail.
    assert len({t[:6] for t in tokens}) == len(tokens)


@pytest.mark.parametrize("evil_name", ["../../../escape.pdf", "/tmp/absolute.pdf", "..\\..\\win.pdf", "a/b/c.pdf"])
def test_blobs_are_named_by_sha256_only(tmp_path, auth, pdf_bytes, evil_name):
    db = tmp_path / "store" / "mock.json"
    app = create_app({"db": str(db)}, start_background=False)
    client = app.test_client()
    try:
        wid = client.post(f"{API}/AddWorkflow", json={"name": "b"}, headers=auth).get_json()["workflow_id"]
        resp = client.post(f"{API}/AddFile", headers=auth, json={
            "workflow_id": wid, "file_name": evil_name, "data": base64.b64encode(pdf_bytes).decode()})
        assert resp.status_code == 201
        assert resp.get_json()["file_name"] == evil_name
    finally:
        app.extensions["sign8"].stop()
    blob_root = db.with_name(db.name + ".blobs")
    blobs = [p for p in blob_root.rglob("*") if p.is_file()]
    assert blobs, "the file bytes were not stored beside the database"
    for blob in blobs:
        digest = hashlib.sha256(blob.read_bytes()).hexdigest()
        assert blob.relative_to(blob_root).as_posix() == f"{digest[:2]}/{digest}"
    every_name = {p.name for p in tmp_path.rglob("*")}
    assert not any("escape" in n or "absolute" in n or "win" in n or n == "c.pdf" for n in every_name)
    assert not (tmp_path.parent / "escape.pdf").exists()


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "javascript:alert(1)", "file:///etc/passwd",
                                 "gopher://x", "//no-scheme.example.com", "http//broken"])
def test_webhook_url_must_be_http(client, auth, url):
    resp = client.post(f"{API}/AddWorkflow", json={"name": "w", "webhook_url": url}, headers=auth)
    assert resp.status_code == 422
    assert "webhook_url" in resp.get_json()["error"]["fields"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "https://hooks.example.com/a?b=c"])
def test_http_webhook_urls_are_accepted(client, auth, url):
    resp = client.post(f"{API}/AddWorkflow", json={"name": "w", "webhook_url": url}, headers=auth)
    assert resp.status_code == 201 and resp.get_json()["webhook_url"] == url


def test_api_keys_and_secrets_never_reach_the_logs(server_process, tmp_path, make_auth, pdf_bytes):
    secret = "whsec_" + base64.b64encode(b"never-print-this-secret!").decode()
    orgs = tmp_path / "orgs.json"
    orgs.write_text(json.dumps([{"organization_id": "33333333-3333-4333-8333-333333333333", "name": "Quiet",
                                 "api_key": "demo-key-quiet", "webhook_url": "http://127.0.0.1:9/",
                                 "webhook_secret": secret}]))
    proc = server_process(str(tmp_path / "db.json"), "--organizations-file", str(orgs),
                          env={"SIGN8_MOCK_LOG_LEVEL": "debug"})
    keys = []
    for _ in range(3):
        headers = make_auth()
        keys.append(headers["Authorization"].split()[1])
        base = f"{proc.url}{API}"
        wid = requests.post(f"{base}/AddWorkflow", json={"name": "log"}, headers=headers, timeout=5).json()["workflow_id"]
        requests.post(f"{base}/AddFile", headers={"X-API-Key": keys[-1]}, timeout=5, json={
            "workflow_id": wid, "file_name": "f.pdf", "data": base64.b64encode(b"not a pdf").decode()})
        requests.get(f"{base}/GetWorkflow", params={"workflow_id": "bad"}, headers=headers, timeout=5)
        requests.get(f"{proc.url}/_mock/clock", headers=headers, timeout=5)
    requests.get(f"{proc.url}{API}/ListWorkflows", headers={"Authorization": "Bearer demo-key-quiet"}, timeout=5)
    proc.stop(signal.SIGTERM)
    output = proc.output()
    assert "listening on" in output
    for key in keys:
        assert key not in output
    assert secret not in output and secret[6:] not in output
