"""Fault injection on the sending side (armed through /_mock/webhooks/faults): duplicate, delay or reorder events."""
from __future__ import annotations

import threading


class WebhookFaults:
    """Faults on the sending side, for testing receivers: duplicate, delay, reorder the next events."""

    def __init__(self):
        self.clear()

    def clear(self):
        self.duplicate_next = 0
        self.delay_next_ms = 0
        self.delay_count = 0
        self.reorder_next = False
        # A delivery held back to be sent after the next one (the reorder fault), and that next one.
        self.held: str | None = None
        self.release_after: str | None = None

    def as_dict(self) -> dict:
        return {"duplicate_next": self.duplicate_next, "delay_ms": self.delay_next_ms,
                "delay_count": self.delay_count, "reorder_next": self.reorder_next}

    @property
    def armed(self) -> bool:
        return bool(self.duplicate_next or self.delay_count or self.reorder_next or self.held)

    def arm(self, args: dict) -> None:
        if "duplicate_next" in args:
            self.duplicate_next = args["duplicate_next"]
        if "delay_ms" in args:
            self.delay_next_ms = args["delay_ms"]
            self.delay_count = args.get("delay_count", 1 if args["delay_ms"] else 0)
        elif "delay_count" in args:
            self.delay_count = args["delay_count"]
        if "reorder_next" in args:
            self.reorder_next = args["reorder_next"]


class WebhookFaultBook:
    """Webhook faults per organization: armed with an API key they touch only that organization's events;
    armed without one (the operator) they touch everyone's events that have none of their own."""

    ALL = "*"

    def __init__(self):
        self.lock = threading.Lock()
        self._by_scope: dict[str, WebhookFaults] = {}

    def of(self, organization_id: str | None) -> WebhookFaults:
        """Return the faults armed for this scope (created empty on first use); hold self.lock."""
        return self._by_scope.setdefault(organization_id or self.ALL, WebhookFaults())

    def for_delivery(self, organization_id: str) -> WebhookFaults:
        """Return the faults that apply to an organization's event; hold self.lock."""
        own = self._by_scope.get(organization_id)
        if own is not None and own.armed:
            return own
        return self.of(None)

    def held(self) -> set[str]:
        """The deliveries held back by a reorder fault; hold self.lock."""
        return {f.held for f in self._by_scope.values() if f.held}

    def clear(self, organization_id: str | None = None) -> None:
        with self.lock:
            if organization_id is None:
                self._by_scope.clear()
            else:
                self._by_scope.pop(organization_id, None)
