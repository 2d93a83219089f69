"""The whole request sequence of a workflow over real HTTP, plus /openapi.json, /docs and health."""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlparse

import requests

TIMEOUT = 10


def test_full_sequence_over_http(live_server, auth, pdf_bytes):
    base = f"{live_server.url}/api/workflow"
    http = requests.Session()
    http.headers.update(auth)

    def post(op, **body):
        resp = http.post(f"{base}/{op}", json=body, timeout=TIMEOUT)
        assert resp.status_code == 201, (op, resp.status_code, resp.text)
        assert resp.headers["Content-Type"].startswith("application/json")
        return resp.json()

    iface = post("AddInterface", primary_color="#112233")
    wf = post("AddWorkflow", name="Sales contract", interface_id=iface["interface_id"], signing_order="sequential",
              metadata={"deal": "42"})
    wid = wf["workflow_id"]
    f = post("AddFile", workflow_id=wid, file_name="contract.pdf", content_type="application/pdf",
             data=base64.b64encode(pdf_bytes).decode())
    s1 = post("AddSigner", workflow_id=wid, email="first@example.com", first_name="First", phone="+4915112345671")
    s2 = post("AddSigner", workflow_id=wid, email="second@example.com", first_name="Second", phone="+4915112345672")
    sig1 = post("AddSignature", workflow_id=wid, file_id=f["file_id"], signer_id=s1["signer_id"],
                page=1, x=50, y=600, width=180, height=50)
    sig2 = post("AddSignature", workflow_id=wid, file_id=f["file_id"], signer_id=s2["signer_id"],
                page=3, x=300, y=600, width=180, height=50, required=False)
    ann = post("AddAnnotation", workflow_id=wid, file_id=f["file_id"], page=2, x=72, y=72, text="Ref 42")
    started = http.post(f"{base}/StartWorkflow", json={"workflow_id": wid}, timeout=TIMEOUT)
    assert started.status_code == 200 and started.json()["status"] == "in_progress"

    got = http.get(f"{base}/GetWorkflow", params={"workflow_id": wid}, timeout=TIMEOUT).json()
    assert got["status"] == "in_progress" and got["interface_id"] == iface["interface_id"]
    assert got["organization_id"] == wf["organization_id"] == iface["organization_id"]
    assert got["metadata"] == {"deal": "42"}
    assert got["files"] == [f]
    assert [s["signer_id"] for s in got["signers"]] == [s1["signer_id"], s2["signer_id"]]
    assert [s["order"] for s in got["signers"]] == [1, 2]
    assert [s["signing_url"] for s in got["signers"]] == [s1["signing_url"], s2["signing_url"]]
    assert sorted(got["signatures"], key=lambda x: x["page"]) == [sig1, sig2]
    assert got["annotations"] == [ann]
    assert got["updated_at"] >= wf["updated_at"]

    # Signing links point at this very server (services.bind adopted the real port).
    link = urlparse(s1["signing_url"])
    assert f"{link.scheme}://{link.netloc}" == live_server.url
    page = requests.get(s1["signing_url"], headers={"Accept": "application/json"}, timeout=TIMEOUT)
    assert page.status_code == 200 and page.json()["workflow_id"] == wid

    body = http.get(f"{base}/GetFile", params={"file_id": f["file_id"]}, timeout=TIMEOUT)
    assert body.headers["Content-Type"] == "application/pdf"
    assert hashlib.sha256(body.content).hexdigest() == f["sha256"]
    listing = http.get(f"{base}/ListWorkflows", timeout=TIMEOUT).json()
    assert listing["total"] == 1 and listing["items"][0]["workflow_id"] == wid


def test_multipart_upload_over_http(live_server, auth, pdf_bytes):
    base = f"{live_server.url}/api/workflow"
    wid = requests.post(f"{base}/AddWorkflow", json={"name": "m"}, headers=auth, timeout=TIMEOUT).json()["workflow_id"]
    resp = requests.post(f"{base}/AddFile", headers=auth, data={"workflow_id": wid},
                         files={"file": ("scan.pdf", pdf_bytes, "application/pdf")}, timeout=TIMEOUT)
    assert resp.status_code == 201, resp.text
    assert resp.json()["page_count"] == 3 and resp.json()["file_name"] == "scan.pdf"


def test_openapi_docs_and_health(live_server):
    spec = requests.get(f"{live_server.url}/openapi.json", timeout=TIMEOUT).json()
    assert spec["openapi"].startswith("3.")
    ops = {p.rsplit("/", 1)[1] for p in spec["paths"] if p.startswith("/api/workflow/")}
    assert ops >= {"AddWorkflow", "AddFile", "AddSigner", "AddSignature", "AddAnnotation", "AddInterface",
                   "UpdateInterface", "GetInterface", "StartWorkflow", "CancelWorkflow", "GetWorkflow",
                   "ListWorkflows", "GetFile"}
    assert "top-left" in str(spec["paths"]["/api/workflow/AddSignature"])
    docs = requests.get(f"{live_server.url}/docs", timeout=TIMEOUT)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    # No CDN: every script the docs page loads comes from this server.
    assert "cdn" not in docs.text.lower() and "unpkg" not in docs.text.lower()
    health = requests.get(f"{live_server.url}/_mock/health", timeout=TIMEOUT)
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_api_errors_are_json_not_html(live_server, auth):
    for resp, status in ((requests.get(f"{live_server.url}/api/workflow/Nope", headers=auth, timeout=TIMEOUT), 404),
                         (requests.delete(f"{live_server.url}/api/workflow/AddWorkflow", headers=auth,
                                          timeout=TIMEOUT), 405),
                         (requests.get(f"{live_server.url}/api/workflow/ListWorkflows", timeout=TIMEOUT), 401)):
        assert resp.status_code == status
        assert resp.headers["Content-Type"].startswith("application/json")
        assert set(resp.json()["error"]) >= {"code", "message"}
