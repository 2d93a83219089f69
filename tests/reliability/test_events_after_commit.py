"""Webhooks leave only for states that are durable (a power cut before the fsync sends nothing), and only
after the answer to the call that caused them is written (issue 9, point 2)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import requests
from werkzeug.test import EnvironBuilder

from conftest import build_workflow
from mock_server.storage.seams import ENV, EXIT_STATUS
from sign8_flow import Api, Receiver, act


def test_a_refusal_lost_to_a_power_cut_never_reaches_the_receiver(tmp_path, server_process):
    db = tmp_path / "db.json"
    receiver = Receiver()
    try:
        server = server_process(db, env={ENV: "deliveries"})
        api = Api(server.url)
        made = api.started(["a@example.com"], webhook_url=receiver.url)
        try:
            act(made["signers"][0], "refuse", "power cut", timeout=10)
        except requests.RequestException:
            pass  # the process died while answering: expected
        # The seam held the window between "journal written" and "fsync" open, then the machine "lost power".
        assert server.proc.wait(10) == EXIT_STATUS
        assert receiver.received == [], "a webhook left for a state the crash then forgot"

        again = server_process(db)
        api = Api(again.url, api.key)
        assert api.workflow(made["workflow_id"])["status"] == "in_progress"
        assert api.deliveries() == []
        assert api.control("GET", "idle", timeout=5).status_code == 200
        assert receiver.received == []
    finally:
        receiver.stop()


def test_an_expiry_lost_to_a_power_cut_never_reaches_the_receiver(tmp_path, server_process):
    """The same property where no request holds the wake-up: the scheduler's own thread expires the workflow,
    so only the outbox's on_commit stands between the journal write and the sender."""
    db = tmp_path / "db.json"
    receiver = Receiver()
    try:
        server = server_process(db, env={ENV: "deliveries"})
        api = Api(server.url)
        soon = (datetime.now(timezone.utc) + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        made = api.started(["a@example.com"], webhook_url=receiver.url, expires_at=soon)
        # The seam fires when the expiry's delivery is journaled, holds the window open, then "loses power".
        assert server.proc.wait(15) == EXIT_STATUS, server.output()
        assert receiver.received == [], "a webhook left for an expiry the crash then forgot"

        again = server_process(db)
        api = Api(again.url, api.key)
        # After the restart the expiry happens again, durably this time, and its webhook leaves once.
        assert receiver.wait_for("workflowExpired", timeout=10)["body"]["workflow_id"] == made["workflow_id"]
        assert api.control("GET", "idle", timeout=5).status_code == 200
        assert [b["event"] for b in receiver.bodies()] == ["workflowExpired"]
    finally:
        receiver.stop()


def test_the_webhook_waits_until_the_answer_to_the_refusal_is_written(app, pdf_bytes):
    """The server's entry point holds the sender's wake-up until the response is closed (waitress closes it
    once the last byte is handed to the socket)."""
    svc = app.extensions["sign8"]
    receiver = Receiver()
    try:
        client, key = app.test_client(), {"Authorization": "Bearer after-response"}
        made = build_workflow(client, key, pdf_bytes, signers=1, webhook_url=receiver.url)
        wf, signer = made["workflow"], made["signers"][0]
        assert client.post("/api/workflow/StartWorkflow", json={"workflow_id": wf["workflow_id"]},
                           headers=key).status_code == 200
        served = svc.after_response.wrap(app)
        environ = EnvironBuilder(path=f"/sign/{signer['signing_url'].rsplit('/', 1)[-1]}/refuse", method="POST",
                                 json={"reason": "no"}, headers={"Accept": "application/json"}).get_environ()
        statuses = []
        body = served(environ, lambda status, headers, exc_info=None: statuses.append(status))
        assert statuses == ["200 OK"]
        assert client.get("/api/workflow/GetWorkflow", query_string={"workflow_id": wf["workflow_id"]},
                          headers=key).get_json()["status"] == "refused"
        # Committed and due, so not idle; but nothing leaves while the answer is still being written.
        assert svc.idle(0.5) is False and receiver.bodies() == []
        assert b"refused" in b"".join(body)
        body.close()
        assert svc.idle(10) and [b["event"] for b in receiver.bodies()] == ["workflowRefused"]
    finally:
        receiver.stop()
