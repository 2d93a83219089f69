"""Graceful shutdown: SIGTERM lets a slow request finish, keeps pending deliveries, exits 0 within 5 s."""
from __future__ import annotations

import base64
import json
import signal
import socket
import threading
import time

import pytest
import requests

from mock_server.app import create_app
from mock_server.serving import GracefulStop, make_server
from sign8_flow import SAMPLE_PDF, Api, act, down_receiver, wait_until

PADDING = 20_000_000  # a ~20 MB PDF: its upload and processing take a few hundred ms


def big_pdf() -> bytes:
    # A comment before startxref keeps the xref offsets valid, so pypdf reads it quickly.
    pdf = SAMPLE_PDF.read_bytes()
    cut = pdf.rfind(b"startxref")
    return pdf[:cut] + b"%" + b"x" * PADDING + b"\n" + pdf[cut:]


@pytest.mark.parametrize("delay", [0.03, 0.15], ids=["mid-upload", "mid-processing"])
def test_sigterm_finishes_inflight_request_and_keeps_outbox(server_process, tmp_path, delay):
    db = tmp_path / "db.json"
    env = {"SIGN8_MOCK_WEBHOOK_RETRY_SCHEDULE": "0,60,60"}
    receiver = down_receiver()
    proc = server_process(db, env=env)
    api = Api(proc.url)
    refused = api.started(["a@example.com"], webhook_url=receiver.url)
    assert act(refused["signers"][0], "refuse").status_code == 200
    pending = wait_until(lambda: (d := api.deliveries()[0])["attempts"] and d)
    assert pending["status"] == "pending"
    wf = api.post("AddWorkflow", {"name": "big"}, expect=201).json()
    payload = json.dumps({"workflow_id": wf["workflow_id"], "file_name": "big.pdf",
                          "data": base64.b64encode(big_pdf()).decode()}).encode()
    answer = {}

    def upload():
        try:
            answer["resp"] = requests.post(f"{proc.url}/api/workflow/AddFile", data=payload, timeout=30,
                                           headers={**api.headers, "Content-Type": "application/json"})
        except requests.RequestException as exc:
            answer["error"] = exc

    sender = threading.Thread(target=upload)
    sender.start()
    time.sleep(delay)
    sent_at = time.monotonic()
    proc.proc.send_signal(signal.SIGTERM)
    assert proc.stop(signal.SIGTERM, timeout=5) == 0, proc.output()
    assert time.monotonic() - sent_at < 5
    sender.join(10)
    assert "error" not in answer, f"the in-flight request was cut: {answer.get('error')}"
    resp = answer["resp"]
    assert resp.status_code == 201, resp.text
    assert "sign8-mock stopped." in proc.output()
    # New connections are refused once the mock stops listening.
    try:
        requests.get(f"{proc.url}/_mock/health", timeout=2)
        raise AssertionError("the stopped mock still answers")
    except requests.ConnectionError:
        pass
    api = Api(server_process(db, env=env).url, key=api.key)
    stored = api.get("GetWorkflow", workflow_id=wf["workflow_id"]).json()["files"]
    assert [f["file_id"] for f in stored] == [resp.json()["file_id"]]
    kept = api.deliveries(workflow_id=refused["workflow_id"])
    assert [(d["delivery_id"], d["status"]) for d in kept] == [(pending["delivery_id"], "pending")]
    receiver.stop()


def test_sigterm_when_idle_exits_zero_fast(server_process, tmp_path):
    proc = server_process(tmp_path / "db.json")
    api = Api(proc.url)
    api.post("AddWorkflow", {"name": "x"}, expect=201)  # leaves an idle keep-alive connection
    started = time.monotonic()
    assert proc.stop(signal.SIGTERM, timeout=5) == 0
    assert time.monotonic() - started < 2


def test_connections_queued_before_the_signal_are_served():
    app = create_app({"db": ":memory:", "scheduler": False}, start_background=False)
    server = make_server(app, host="127.0.0.1", port=0)
    try:
        # The loop is not running yet: this connection waits, unaccepted, in the kernel's queue.
        client = socket.create_connection(("127.0.0.1", server.effective_port), timeout=5)
        client.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        stop = GracefulStop(server)
        stop.request(signal.SIGTERM, None)
        loop = threading.Thread(target=server.run, daemon=True)
        loop.start()
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        loop.join(5)
        assert not loop.is_alive()
    finally:
        app.extensions["sign8"].stop()
