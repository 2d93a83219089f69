"""Concurrency: 16 clients x 300 mixed requests against one server with its timer and webhook sender running."""
from __future__ import annotations

import collections
import os
import random
import threading
import time

import requests

from sign8_flow import Api, Receiver, act, iso_in, wait_until

THREADS = int(os.environ.get("SIGN8_CONCURRENCY_THREADS", "16"))
REQUESTS = int(os.environ.get("SIGN8_CONCURRENCY_REQUESTS", "300"))


class Client(threading.Thread):
    """One client: its own organization, a random mix of operations, a tally of what it made."""

    def __init__(self, url: str, receiver_url: str, seed: int):
        super().__init__(daemon=True)
        self.api = Api(url, timeout=30)
        self.receiver_url = receiver_url
        self.rng = random.Random(seed)
        self.sent = 0
        self.codes = collections.Counter()
        self.errors: list[str] = []
        self.created = collections.Counter()  # workflows by the status they must end in
        self.workflow_ids: list[str] = []
        self.open_signers: list[dict] = []

    def call(self, fn, *args, **kwargs):
        self.sent += 1
        try:
            resp = fn(*args, **kwargs)
        except requests.RequestException as exc:
            self.errors.append(repr(exc))
            raise
        self.codes[resp.status_code // 100 * 100] += 1
        if resp.status_code >= 500:
            self.errors.append(f"{resp.status_code} {resp.text[:200]}")
        return resp

    def run(self):
        try:
            while self.sent < REQUESTS:
                self.step()
        except requests.RequestException:
            pass  # already in self.errors
        except Exception as exc:  # a failed check in this thread must fail the test, not vanish as a warning
            self.errors.append(repr(exc))

    def step(self):
        roll = self.rng.random()
        if roll < 0.25 or not self.workflow_ids:
            short = self.rng.random() < 0.2
            body = {"name": "load", "webhook_url": self.receiver_url}
            if short:
                body["expires_at"] = iso_in(5.0)  # the timer expires it during the run (5 s: queueing on a busy machine)
            resp = self.call(self.api.post, "AddWorkflow", body)
            assert resp.status_code == 201, resp.text
            self.workflow_ids.append(resp.json()["workflow_id"])
            self.created["expired" if short else "draft"] += 1
        elif roll < 0.45:
            self.call(self.api.get, "GetWorkflow", workflow_id=self.rng.choice(self.workflow_ids))
        elif roll < 0.55:
            self.call(self.api.get, "ListWorkflows", limit=20)
        elif roll < 0.75 or not self.open_signers:
            # A started workflow of one signer: AddWorkflow, AddFile, AddSigner, AddSignature, StartWorkflow.
            self.sent += 5
            made = self.api.started(["x@example.com"], webhook_url=self.receiver_url)
            self.codes[200] += 5
            self.workflow_ids.append(made["workflow_id"])
            self.open_signers.append(made["signers"][0])
            self.created["in_progress"] += 1
        else:
            signer = self.open_signers.pop(self.rng.randrange(len(self.open_signers)))
            action = self.rng.choice(["sign", "refuse"])
            resp = self.call(act, signer, action, None, 30)
            assert resp.status_code == 200, resp.text
            self.created["in_progress"] -= 1
            self.created["completed" if action == "sign" else "refused"] += 1


def test_mixed_load_has_no_errors_and_counts_match(server_process, tmp_path):
    receiver = Receiver()
    proc = server_process(tmp_path / "db.json", "--threads", "16")
    clients = [Client(proc.url, receiver.url, seed) for seed in range(THREADS)]
    started = time.monotonic()
    for c in clients:
        c.start()
    for c in clients:
        c.join(600)
    elapsed = time.monotonic() - started
    errors = [e for c in clients for e in c.errors]
    assert errors == [], errors[:5]
    sent = sum(c.sent for c in clients)
    assert sent >= THREADS * REQUESTS
    # Every answer was a 2xx, and every request was counted.
    for c in clients:
        assert set(c.codes) == {200}, c.codes
        assert sum(c.codes.values()) == c.sent
    # The last short-lived workflows reach their expiry (by the timer, within ~5 s).
    assert wait_until(lambda: all(
        c.api.get("ListWorkflows", status="expired", limit=1).json()["total"] == c.created["expired"]
        for c in clients), timeout=15)
    refused_total = 0
    for c in clients:
        total = c.api.get("ListWorkflows", limit=1).json()["total"]
        assert total == len(c.workflow_ids) == sum(c.created.values())
        for status, count in c.created.items():
            listed = c.api.get("ListWorkflows", status=status, limit=1).json()["total"]
            assert listed == count, (status, listed, count)
        refused = c.api.deliveries(event="workflowRefused")
        assert len(refused) == c.created["refused"]
        assert len(c.api.deliveries(event="workflowExpired")) == c.created["expired"]
        refused_total += c.created["refused"]
    expected_hooks = refused_total + sum(c.created["expired"] for c in clients)
    assert wait_until(lambda: len(receiver.ok()) >= expected_hooks, timeout=10), (len(receiver.ok()), expected_hooks)
    receiver.stop()
    print(f"\nconcurrency: threads={THREADS} requests={sent} seconds={elapsed:.1f} "
          f"rate={sent / elapsed:.0f}/s webhooks={expected_hooks} 5xx=0 connection_errors=0")
