"""Expiry times that are true: a workflow expired by a clock jump is stamped with its own expires_at, and several
expiring in one jump go out in expires_at order; the delivery's webhook-timestamp stays real time."""
from __future__ import annotations

import time

from sign8_flow import FAST_RETRIES, Api, iso_in


def test_a_jump_over_three_expiries_sends_three_webhooks_in_expires_at_order_each_at_its_own_time(
        live_server_factory, receiver):
    # One sender thread: with several, webhooks of different workflows leave in order but may overtake each other
    # on the way (the order the mock keeps is per workflow); here the arrival order is the sending order.
    api = Api(live_server_factory({"webhook_retry_schedule": FAST_RETRIES, "webhook_workers": 1}).url)
    # Made (and started) in another order than they expire: 3 h, 1 h, 2 h from now.
    made = [api.started(["a@example.com"], webhook_url=receiver.url, expires_at=iso_in(hours * 3600), name=name)
            for hours, name in ((3, "third"), (1, "first"), (2, "second"))]
    expires = {m["workflow_id"]: m["workflow"]["expires_at"] for m in made}
    in_order = sorted(expires, key=expires.get)

    moved = api.control("POST", "clock/advance", {"seconds": 4 * 3600})
    assert moved.status_code == 200 and moved.json()["expired"] == in_order
    hits = [receiver.wait_for("workflowExpired", count=n) for n in (1, 2, 3)]
    assert [h["body"]["workflow_id"] for h in hits] == in_order
    assert [h["body"]["name"] for h in hits] == ["first", "second", "third"]
    for hit in hits:
        wid = hit["body"]["workflow_id"]
        # The payload, the event and GetWorkflow all say when it expired: at its expires_at, not at the jump's end.
        assert hit["body"]["occurred_at"] == expires[wid] == hit["body"]["expires_at"]
        detail = api.workflow(wid)
        assert detail["status"] == "expired" and detail["expired_at"] == expires[wid]
        assert [e["at"] for e in detail["events"] if e["type"] == "expired"] == [expires[wid]]
    # The delivery log holds them in the same order (oldest last), and no webhook is sent twice.
    api.idle()
    assert [d["workflow_id"] for d in api.deliveries(event="workflowExpired")] == in_order[::-1]
    assert len(receiver.received) == 3


def test_the_webhook_timestamp_stays_real_time(live_server_factory, receiver):
    api = Api(live_server_factory({"webhook_retry_schedule": FAST_RETRIES}).url)
    assert api.control("POST", "organization/webhook-secret").status_code == 201
    made = api.started(["a@example.com"], webhook_url=receiver.url, expires_at=iso_in(3600))
    api.control("POST", "clock/advance", {"seconds": 30 * 86400})
    hit = receiver.wait_for("workflowExpired")
    headers = {k.lower(): v for k, v in hit["headers"].items()}
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert hit["body"]["occurred_at"] == made["workflow"]["expires_at"]


def test_a_forced_expiry_happens_now(live_server_factory):
    api = Api(live_server_factory().url)
    made = api.started(["a@example.com"], expires_at=iso_in(3600))
    forced = api.control("POST", f"workflows/{made['workflow_id']}/expire").json()
    assert forced["status"] == "expired" and forced["expired_at"] < made["workflow"]["expires_at"]
