"""sign8-mock started from a pytest test with Testcontainers for Python: wait for /_mock/health, walk a flow, and
check that workflowRefused reached a webhook receiver in this test.

    SIGN8_MOCK_IMAGE=localhost/sign8-mock:latest pytest -q

Host networking: the mock listens on 127.0.0.1:<free port> of this machine and reaches the receiver on 127.0.0.1
too (Linux; with Docker Desktop, expose 8080 and give the webhook_url host.docker.internal instead).
"""
from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from testcontainers.core.container import DockerContainer
from testcontainers.core.docker_client import DockerClient

IMAGE = os.environ.get("SIGN8_MOCK_IMAGE", "localhost/sign8-mock:latest")
PDF = Path(os.environ.get("SIGN8_PDF", "contract.pdf"))  # any real PDF


def engine_problem() -> str | None:
    """Why no container engine can be used here, or None."""
    try:
        DockerClient().client.ping()
    except Exception as exc:  # no socket, refused, permission denied: all mean "no engine"
        return str(exc).splitlines()[0]
    return None


PROBLEM = engine_problem()
if PROBLEM:  # pytest -rs prints it as one SKIPPED line
    pytest.skip(f"no container engine can run containers here ({PROBLEM})", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """Webhook receiver on 127.0.0.1: remembers path, headers and body of each POST."""

    def __init__(self) -> None:
        self.hooks: list[dict] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.cond:
                    outer.hooks.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body": json.loads(raw or b"null")})
                    outer.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, suffix: str, timeout: float) -> dict:
        with self.cond:
            found = self.cond.wait_for(lambda: [h for h in self.hooks if h["path"].endswith(suffix)], timeout)
            assert found, f"no webhook {suffix} within {timeout} s: {[h['path'] for h in self.hooks]}"
            return found[0]


@pytest.fixture(scope="module")
def mock_url():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = (DockerContainer(IMAGE)
                 .with_env("SIGN8_MOCK_HOST", "127.0.0.1").with_env("SIGN8_MOCK_PORT", str(port))
                 .with_env("SIGN8_MOCK_PUBLIC_URL", url).with_env("SIGN8_MOCK_DB", ":memory:")
                 # host networking; podman without systemd cannot schedule the image's HEALTHCHECK
                 .with_kwargs(network_mode="host", healthcheck={"test": ["NONE"]}))
    with container:
        deadline = time.monotonic() + 60
        while True:  # wait for /_mock/health
            try:
                if requests.get(f"{url}/_mock/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "no /_mock/health 200 within 60 s"
            time.sleep(0.05)
        yield url


def test_refusal_reaches_the_webhook_receiver(mock_url):
    receiver = Receiver()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer testcontainers-python-{uuid.uuid4()}"

    def api(operation: str, body: dict) -> dict:
        res = session.post(f"{mock_url}/api/workflow/{operation}", json=body)
        assert res.ok, f"{operation} answered {res.status_code}: {res.text}"
        return res.json()

    assert session.get(f"{mock_url}/_mock/health").json()["status"] == "ok"
    wf = api("AddWorkflow", {"name": "Testcontainers lease", "webhook_url": receiver.url})
    f = api("AddFile", {"workflow_id": wf["workflow_id"], "file_name": "lease.pdf",
                        "data": base64.b64encode(PDF.read_bytes()).decode()})
    signer = api("AddSigner", {"workflow_id": wf["workflow_id"], "email": "ann@example.com", "phone": "+4915112345678"})
    api("AddSignature", {"workflow_id": wf["workflow_id"], "file_id": f["file_id"], "signer_id": signer["signer_id"],
                         "page": 1, "x": 72, "y": 600, "width": 180, "height": 50})
    api("StartWorkflow", {"workflow_id": wf["workflow_id"]})

    assert requests.post(signer["signing_url"] + "/refuse", json={"reason": "Wrong rent"}).status_code == 200

    hook = receiver.wait_for("/api/workflow/workflowRefused", timeout=15)
    assert hook["body"]["workflow_id"] == wf["workflow_id"]
    assert hook["body"]["reason"] == "Wrong rent"
    assert hook["headers"]["organisation_id"] == wf["organization_id"]
    got = session.get(f"{mock_url}/api/workflow/GetWorkflow", params={"workflow_id": wf["workflow_id"]})
    assert got.json()["status"] == "refused"
    receiver.server.shutdown()
