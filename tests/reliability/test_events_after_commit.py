"""Webhooks leave only for states that are durable: a power cut before the fsync sends nothing (issue 9, point 2)."""
from __future__ import annotations

import requests

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
