"""Helpers for the signing, webhook and reliability tests: an API client, a webhook receiver, polling."""
from __future__ import annotations

import base64
import secrets
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from mock_server.pytest_plugin import MockServer, WebhookReceiver

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PDF = ROOT / "fixtures" / "documents" / "sample-contract.pdf"
FAST_RETRIES = (0, 0.05, 0.1, 0.2)
DEMO_ORG_A = {"organization_id": "11111111-1111-4111-8111-111111111111", "api_key": "demo-key-org-a",
              "webhook_secret": "whsec_C+8G/ydWIdsVSu0CchZ0jC9vPD8mn1kl"}


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02):
    """Poll predicate until it returns something truthy; return it, or None after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return None


# The suite's live server is the pytest plugin's: an in-memory mock in a thread, on a free 127.0.0.1 port.
def LiveServer(config: dict | None = None) -> MockServer:  # noqa: N802 (it stands for the class it returns)
    """Start a mock with these settings (in memory unless config says otherwise)."""
    return MockServer(**(config or {}))


def build_draft(post, pdf: bytes, signers: list[dict], field=None, file_name: str = "contract.pdf",
                start: bool = False, **workflow_fields) -> dict:
    """The one way the tests build a workflow, through post(operation, body) -> answer (whatever the client):
    AddWorkflow, one file, each signer (an AddSigner body without workflow_id) with a signature field
    (field(i) -> its page and box; page 1, stacked, by default), then StartWorkflow when start is true."""
    wf = post("AddWorkflow", {"name": "Contract", **workflow_fields})
    wid = wf["workflow_id"]
    f = post("AddFile", {"workflow_id": wid, "file_name": file_name, "data": base64.b64encode(pdf).decode()})
    made, fields = [], []
    for i, body in enumerate(signers):
        s = post("AddSigner", {"workflow_id": wid, **body})
        box = field(i) if field else {"page": 1, "x": 50, "y": 60 + 60 * i, "width": 150, "height": 40}
        fields.append(post("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": s["signer_id"],
                                            **box}))
        made.append(s)
    if start:
        post("StartWorkflow", {"workflow_id": wid})
    return {"workflow_id": wid, "workflow": wf, "file": f, "signers": made, "signatures": fields}


def iso_in(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


class Api:
    """Call the Workflow API and the control API of one server as one organization."""

    def __init__(self, url: str, key: str | None = None, timeout: float = 15.0):
        self.url = url.rstrip("/")
        self.key = key or "test-" + secrets.token_hex(16)
        self.http = requests.Session()
        self.timeout = timeout

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"}

    def post(self, op: str, body: dict | None = None, expect: int | None = None) -> requests.Response:
        resp = self.http.post(f"{self.url}/api/workflow/{op}", json=body or {}, headers=self.headers,
                              timeout=self.timeout)
        if expect is not None:
            assert resp.status_code == expect, (op, resp.status_code, resp.text)
        return resp

    def get(self, op: str, expect: int | None = 200, **params) -> requests.Response:
        resp = self.http.get(f"{self.url}/api/workflow/{op}", params=params, headers=self.headers,
                             timeout=self.timeout)
        if expect is not None:
            assert resp.status_code == expect, (op, resp.status_code, resp.text)
        return resp

    def control(self, method: str, path: str, body: dict | None = None, scoped: bool = True, **params):
        headers = self.headers if scoped else {}
        return self.http.request(method, f"{self.url}/_mock/{path}", json=body, params=params, headers=headers,
                                 timeout=self.timeout + float(params.get("timeout", 0)))

    def idle(self, timeout: float = 5.0, scoped: bool = True) -> None:
        """Wait until the mock sends nothing more by itself (this organization's work, or anyone's)."""
        resp = self.control("GET", "idle", scoped=scoped, timeout=timeout)
        assert resp.status_code == 200, resp.text

    def workflow(self, workflow_id: str) -> dict:
        return self.get("GetWorkflow", workflow_id=workflow_id).json()

    def deliveries(self, **filters) -> list[dict]:
        resp = self.control("GET", "webhooks", **filters)
        assert resp.status_code == 200, resp.text
        return resp.json()["items"]

    def call(self, op: str, body: dict) -> dict:
        """POST an operation that must succeed (201, or 200 for those that change state); return the answer."""
        resp = self.post(op, body)
        assert resp.status_code in (200, 201), (op, resp.status_code, resp.text)
        return resp.json()

    def draft(self, signers=("a@example.com",), orders=None, pdf: bytes | None = None, **fields) -> dict:
        """Create a draft with one file, the given signers and one signature field each."""
        people = [{"email": email, "first_name": f"S{i}", "phone": f"+49151{i:08d}",
                   **({"order": orders[i]} if orders is not None else {})} for i, email in enumerate(signers)]
        return build_draft(self.call, pdf or SAMPLE_PDF.read_bytes(), people,
                           field=lambda i: {"page": 1, "x": 50, "y": 60 + 40 * i, "width": 120, "height": 30}, **fields)

    def started(self, *args, **kwargs) -> dict:
        """Create a draft (see draft) and start it."""
        made = self.draft(*args, **kwargs)
        self.post("StartWorkflow", {"workflow_id": made["workflow_id"]}, expect=200)
        return made


def act(signer: dict, action: str, reason: str | None = None, timeout: float = 15.0) -> requests.Response:
    """Sign or refuse through a signer's link, asking for JSON."""
    body = {"reason": reason} if reason is not None else {}
    return requests.post(f"{signer['signing_url']}/{action}", json=body, timeout=timeout,
                         headers={"Accept": "application/json"})


# The suite's webhook receiver is the pytest plugin's: one receiver for users and for our own tests.
Receiver = WebhookReceiver


def down_receiver() -> Receiver:
    """Return a receiver that is down now (its port is reserved by number); start() brings it up."""
    return Receiver(start=False)
