"""The webhook outbox: deliveries are records written in the same transaction as the state change."""
from __future__ import annotations

import itertools
import uuid

from ..domain.clock import iso
from ..domain.events import BY_NAME
from ..domain.records import delivery_record


def event_url(base: str | None, event_name: str) -> str | None:
    if not base:
        return None
    return base.rstrip("/") + BY_NAME[event_name].path


class Outbox:
    """Build event payloads and queue their deliveries."""

    def __init__(self, store, clock, on_queued):
        self.store = store
        self.clock = clock
        existing = [d.get("seq", 0) for d in store.all("deliveries")]
        self._seq = itertools.count(max(existing, default=0) + 1)
        # Told of each delivery once its transaction is durable (never for one a crash would forget).
        self.on_queued = on_queued

    def payload(self, event_name: str, wf: dict, occurred_at: str, **details) -> dict:
        signers = sorted(self.store.by("signers", "workflow_id", wf["workflow_id"]), key=lambda s: s["order"])
        body = {
            "event": event_name,
            "event_id": str(uuid.uuid4()),
            "occurred_at": occurred_at,
            "organization_id": wf["organization_id"],
            "workflow_id": wf["workflow_id"],
            "status": wf["status"],
            "name": wf["name"],
            "expires_at": wf["expires_at"],
            "signers": [{"signer_id": s["signer_id"], "email": s["email"], "status": s["status"],
                         "order": s["order"]} for s in signers],
        }
        body.update(details)
        return body

    def enqueue(self, tx, event_name: str, wf: dict, occurred_at: str, **details) -> dict:
        """Queue one event for delivery inside the caller's transaction."""
        body = self.payload(event_name, wf, occurred_at, **details)
        org = self.store.get("organizations", wf["organization_id"]) or {}
        url = event_url(wf.get("webhook_url") or org.get("webhook_url"), event_name)
        delivery = self.new_delivery(body, url)
        tx.put("deliveries", delivery)
        tx.on_commit(lambda: self.on_queued(delivery))
        return delivery

    def new_delivery(self, body: dict, url: str | None, redelivery_of: str | None = None) -> dict:
        return delivery_record(body=body, url=url, now=iso(self.clock.real_now()), seq=next(self._seq),
                               redelivery_of=redelivery_of)

    def redeliver(self, tx, delivery: dict) -> dict:
        """Queue the same event (same event_id) again, to its current URL."""
        org = self.store.get("organizations", delivery["organization_id"]) or {}
        wf = self.store.get("workflows", delivery["workflow_id"]) or {}
        url = event_url(wf.get("webhook_url") or org.get("webhook_url"), delivery["event"]) or delivery["url"]
        fresh = self.new_delivery(delivery["payload"], url, redelivery_of=delivery["delivery_id"])
        tx.put("deliveries", fresh)
        tx.on_commit(lambda: self.on_queued(fresh))
        return fresh
