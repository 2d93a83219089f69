"""The domain's way out: each effect a change has beyond its own records, by name (Services implements the port).

A refusal, say, goes Lifecycle.refuse -> Effects.webhook(tx, WORKFLOW_REFUSED, ...) -> Outbox.enqueue (in the same
transaction) -> Dispatcher, once the transaction is durable and the call has been answered.
"""
from __future__ import annotations

from typing import Protocol

from .events import WebhookEvent


class Effects(Protocol):
    def webhook(self, tx, event: WebhookEvent, workflow: dict, occurred_at: str, **details) -> None:
        """Queue the event's delivery in the change's transaction (webhooks/outbox.py)."""

    def documents_due(self, tx, workflow: dict) -> None:
        """The workflow became final: queue its signed files and audit report in the same transaction."""

    def message(self, tx, kind: str, workflow: dict, signer: dict, **details) -> dict:
        """Capture an e-mail or SMS to a signer in the same transaction (messages/service.py)."""

    def watch_expiry(self, workflow: dict) -> None:
        """Once a change is durable: let the expiry timer know the workflow's expires_at."""

