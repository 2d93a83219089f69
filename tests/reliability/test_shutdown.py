"""Graceful shutdown: SIGTERM lets a slow request finish, keeps pending deliveries, exits 0 within 5 s."""
from __future__ import annotations

import base64
import http.client
import json
import signal
import socket
import threading
import time

import pytest
import requests

from mock_server.app import create_app
from mock_server.patches.waitress_drain import GracefulStop
from mock_server.serving import make_server
from sign8_flow import SAMPLE_PDF, Api, act, down_receiver, wait_until

PADDING = 20_000_000  # a ~20 MB PDF: its upload and processing take a few hundred ms


def big_pdf() -> bytes:
    # A comment before startxref keeps the xref offsets valid, so pypdf reads it quickly.
    pdf = SAMPLE_PDF.read_bytes()
    cut = pdf.rfind(b"startxref")
    return pdf[:cut] + b"%" + b"x" * PADDING + b"\n" + pdf[cut:]


class Upload:
    """An AddFile upload over a raw connection, paused where the test wants the signal to land."""

    def __init__(self, url: str, headers: dict, payload: bytes, pause_after: int):
        host, port = url.split("//")[1].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers, self.payload, self.pause_after = headers, payload, pause_after
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.answer: dict = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.conn.putrequest("POST", "/api/workflow/AddFile")
            for name, value in {**self.headers, "Content-Type": "application/json",
                                "Content-Length": str(len(self.payload))}.items():
                self.conn.putheader(name, value)
            self.conn.endheaders()
            self.conn.send(self.payload[:self.pause_after])
            self.paused.set()
            self.resume.wait(10)
            self.conn.send(self.payload[self.pause_after:])
            resp = self.conn.getresponse()
            self.answer["status"], self.answer["body"] = resp.status, json.loads(resp.read())
        except OSError as exc:
            self.answer["error"] = exc
        finally:
            self.paused.set()


# The signal lands while the body is half sent (the server is still receiving it), or once all of it is sent
# (the server is receiving the tail or already processing it). Waiting on these events, not on a fixed delay,
# removes the old flake: a 30 ms sleep sometimes sent the signal before the upload had even connected.
@pytest.mark.parametrize("part", [0.5, 1.0], ids=["mid-upload", "mid-processing"])
def test_sigterm_finishes_inflight_request_and_keeps_outbox(server_process, tmp_path, part):
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
    upload = Upload(proc.url, api.headers, payload, int(len(payload) * part))
    assert upload.paused.wait(10)
    sent_at = time.monotonic()
    proc.proc.send_signal(signal.SIGTERM)
    upload.resume.set()
    # One signal only: a second SIGTERM tells the mock to stop at once, cutting what is in flight. (The old
    # test sent two; when the first handler ran before the second signal arrived, that was the flake.)
    assert proc.wait_exit(timeout=5) == 0, proc.output()
    assert time.monotonic() - sent_at < 5
    upload.thread.join(10)
    answer = upload.answer
    assert "error" not in answer, f"the in-flight request was cut: {answer.get('error')}"
    assert answer["status"] == 201, answer["body"]
    assert "sign8-mock stopped." in proc.output()
    # New connections are refused once the mock stops listening.
    try:
        requests.get(f"{proc.url}/_mock/health", timeout=2)
        raise AssertionError("the stopped mock still answers")
    except requests.ConnectionError:
        pass
    api = Api(server_process(db, env=env).url, key=api.key)
    stored = api.get("GetWorkflow", workflow_id=wf["workflow_id"]).json()["files"]
    assert [f["file_id"] for f in stored] == [answer["body"]["file_id"]]
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


class HungReceiver:
    """A webhook receiver that accepts connections and never answers (nor reads)."""

    def __init__(self, port: int = 0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.accepted.set()

    def close(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port bound.
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_sigterm_exits_within_5_s_while_a_receiver_hangs_and_the_delivery_is_sent_after_restart(
        server_process, tmp_path):
    db = tmp_path / "db.json"
    spare = down_receiver()  # reserves a port number; the hung receiver takes it, then the real one
    hung = HungReceiver(spare.port)
    proc = server_process(db, env={"SIGN8_MOCK_WEBHOOK_TIMEOUT": "30"})
    api = Api(proc.url)
    made = api.started(["a@example.com"], webhook_url=hung.url)
    assert act(made["signers"][0], "refuse").status_code == 200
    assert hung.accepted.wait(10), "the mock never connected to the receiver"
    started = time.monotonic()
    assert proc.stop(signal.SIGTERM, timeout=10) == 0, proc.output()
    took = time.monotonic() - started
    assert took < 5, f"SIGTERM took {took:.1f} s with a hung receiver"
    hung.close()
    spare.start()
    try:
        again = server_process(db)
        api = Api(again.url, api.key)
        delivered = wait_until(lambda: [d for d in api.deliveries() if d["status"] == "delivered"], timeout=10)
        assert delivered and len(spare.ok()) == 1
        assert json.loads(spare.ok()[0]["raw"])["event"] == "workflowRefused"
    finally:
        spare.stop()
