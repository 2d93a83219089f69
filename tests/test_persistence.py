"""Data written before a restart is there after it: clean stop (SIGTERM) and crash (SIGKILL)."""
from __future__ import annotations

import base64
import json
import signal
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import build_workflow
from mock_server.app import create_app
from sign8_flow import wait_until

TIMEOUT = 10


def write_everything(url: str, auth: dict, pdf: bytes) -> dict:
    """Create one of every object through the API and return what the API answered."""
    base = f"{url}/api/workflow"

    def post(op, **body):
        resp = requests.post(f"{base}/{op}", json=body, headers=auth, timeout=TIMEOUT)
        assert resp.status_code in (200, 201), (op, resp.text)
        return resp.json()

    iface = post("AddInterface", primary_color="#abcdef")
    started = post("AddWorkflow", name="started", interface_id=iface["interface_id"])
    wid = started["workflow_id"]
    f = post("AddFile", workflow_id=wid, file_name="c.pdf", content_type="application/pdf",
             data=base64.b64encode(pdf).decode())
    s = post("AddSigner", workflow_id=wid, email="p@example.com", phone="+4915112345678")
    post("AddSignature", workflow_id=wid, file_id=f["file_id"], signer_id=s["signer_id"], page=2, x=1, y=2,
         width=3, height=4)
    post("AddAnnotation", workflow_id=wid, file_id=f["file_id"], page=1, x=5, y=6, text="note")
    post("StartWorkflow", workflow_id=wid)
    draft = post("AddWorkflow", name="draft", metadata={"k": ["v"]})
    return {
        "interface": iface,
        "workflows": [requests.get(f"{base}/GetWorkflow", params={"workflow_id": w}, headers=auth,
                                   timeout=TIMEOUT).json() for w in (wid, draft["workflow_id"])],
        "list": requests.get(f"{base}/ListWorkflows", headers=auth, timeout=TIMEOUT).json(),
        "file_id": f["file_id"],
    }


def without_host(wf: dict) -> dict:
    """Drop the host of signing links: the port changes with each start on port 0."""
    signers = [{**s, "signing_url": s["signing_url"].split("/sign/", 1)[1]} for s in wf["signers"]]
    return {**wf, "signers": signers}


def read_everything(url: str, auth: dict, written: dict, pdf: bytes) -> None:
    base = f"{url}/api/workflow"
    for wf in written["workflows"]:
        got = requests.get(f"{base}/GetWorkflow", params={"workflow_id": wf["workflow_id"]}, headers=auth,
                           timeout=TIMEOUT)
        assert got.status_code == 200
        assert without_host(got.json()) == without_host(wf)
    iface = requests.get(f"{base}/GetInterface", params={"interface_id": written["interface"]["interface_id"]},
                         headers=auth, timeout=TIMEOUT)
    assert iface.json() == written["interface"]
    assert requests.get(f"{base}/ListWorkflows", headers=auth, timeout=TIMEOUT).json() == written["list"]
    body = requests.get(f"{base}/GetFile", params={"file_id": written["file_id"]}, headers=auth, timeout=TIMEOUT)
    assert body.status_code == 200 and body.content == pdf


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_restart_keeps_everything(server_process, tmp_path, auth, pdf_bytes, sig):
    db = tmp_path / "data" / "mock.json"
    first = server_process(str(db))
    written = write_everything(first.url, auth, pdf_bytes)
    code = first.stop(sig)
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
    second = server_process(str(db))
    read_everything(second.url, auth, written, pdf_bytes)
    # A second restart reads what the first restart compacted or replayed.
    second.stop(signal.SIGTERM)
    third = server_process(str(db))
    read_everything(third.url, auth, written, pdf_bytes)


def test_file_bytes_live_beside_the_database_not_inside(server_process, tmp_path, auth, pdf_bytes):
    db = tmp_path / "mock.json"
    proc = server_process(str(db))
    write_everything(proc.url, auth, pdf_bytes)
    proc.stop(signal.SIGTERM)
    stored = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file() and p.suffix != "")
    assert base64.b64encode(pdf_bytes[:300]).decode() not in stored
    assert json.loads(db.read_text())  # the snapshot is plain JSON a TinyDB can open
    blobs = [p for p in tmp_path.rglob("*") if p.is_file() and p.read_bytes() == pdf_bytes]
    assert len(blobs) == 1


def test_a_workflow_that_expired_while_the_mock_was_down_is_expired_before_start_returns(tmp_path, pdf_bytes):
    """Expired once, in start(), before the first request can be answered; one workflowExpired is queued."""
    db, key = str(tmp_path / "db.json"), {"Authorization": "Bearer expired-while-down"}
    first = create_app({"db": db})
    client = first.test_client()
    expiry = datetime.now(timezone.utc) + timedelta(seconds=1)
    made = build_workflow(client, key, pdf_bytes, signers=1, expires_at=expiry.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                          webhook_url="http://127.0.0.1:9/hooks")
    wid = made["workflow"]["workflow_id"]
    assert client.post("/api/workflow/StartWorkflow", json={"workflow_id": wid}, headers=key).status_code == 200
    first.extensions["sign8"].stop()
    assert wait_until(lambda: datetime.now(timezone.utc) > expiry, timeout=5)

    again = create_app({"db": db}, start_background=False)
    svc = again.extensions["sign8"]
    try:
        svc.start()
        wf = svc.store.get("workflows", wid)  # at once: no request has been served yet
        assert wf["status"] == "expired", "start() returned before expiring what fell due while the mock was down"
        assert [e["type"] for e in wf["events"]].count("expired") == 1
        events = [d["event"] for d in svc.store.all("deliveries") if d["workflow_id"] == wid]
        assert events == ["workflowExpired"]
        # Stamped with its own expires_at, not with the time the mock came back.
        expires_at = made["workflow"]["expires_at"]
        assert wf["expired_at"] == expires_at
        assert [e["at"] for e in wf["events"] if e["type"] == "expired"] == [expires_at]
        assert [d["payload"]["occurred_at"] for d in svc.store.all("deliveries") if d["workflow_id"] == wid] == \
            [expires_at]
    finally:
        svc.stop()
