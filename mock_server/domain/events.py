"""Every webhook event the mock sends, defined once: its name, when it fires, its payload, its documentation.

The lifecycle fires them (through the Effects port), the outbox addresses them (`path`), the control API filters
deliveries by them (`EVENT_NAMES`), and the OpenAPI document describes them (webhooks/callbacks.py builds the
payload schema and one callback of AddWorkflow per event from this module).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .defaults import SIGNER_STATUSES


@dataclass(frozen=True)
class WebhookEvent:
    name: str  # the payload's "event" and the last segment of the URL it is POSTed to
    status: str  # the workflow's status when it fires
    summary: str  # one line: what happened
    fires: str  # when the mock sends it
    # Payload fields beyond the common ones (PAYLOAD_PROPERTIES): name -> (JSON schema, description).
    details: dict = field(default_factory=dict)

    @property
    def path(self) -> str:
        """Where it is POSTed, below the webhook_url."""
        return f"/api/workflow/{self.name}"


WORKFLOW_REFUSED = WebhookEvent(
    "workflowRefused", "refused", "A signer refused the workflow",
    "a signer refuses on the signing page or by JSON, or on POST /_mock/workflows/{workflow_id}/refuse.",
    details={"signer_id": ({"type": "string", "format": "uuid"}, "who refused."),
             "signer_email": ({"type": "string", "format": "email"}, "their e-mail address."),
             "reason": ({"type": "string", "nullable": True}, "the refusal reason.")})
WORKFLOW_EXPIRED = WebhookEvent(
    "workflowExpired", "expired", "The workflow reached expires_at before it was completed",
    "expires_at passes (on the organization's clock) before the workflow is final, or "
    "on POST /_mock/workflows/{workflow_id}/expire.")

EVENTS = (WORKFLOW_REFUSED, WORKFLOW_EXPIRED)
EVENT_NAMES = tuple(e.name for e in EVENTS)
BY_NAME = {e.name: e for e in EVENTS}

# What every event's payload carries (the outbox builds it; the OpenAPI document describes it).
PAYLOAD_REQUIRED = ("event", "event_id", "occurred_at", "organization_id", "workflow_id", "status", "name",
                    "expires_at", "signers")
PAYLOAD_PROPERTIES = {
    "event": {"type": "string", "enum": list(EVENT_NAMES)},
    "event_id": {"type": "string", "format": "uuid", "description": "Same on every retry and redelivery: "
                                                                    "deduplicate on it."},
    "occurred_at": {"type": "string", "format": "date-time"},
    "organization_id": {"type": "string", "format": "uuid"},
    "workflow_id": {"type": "string", "format": "uuid"},
    "status": {"type": "string", "enum": [e.status for e in EVENTS]},
    "name": {"type": "string"},
    "expires_at": {"type": "string", "format": "date-time"},
    "signers": {"type": "array", "items": {
        "type": "object", "required": ["signer_id", "email", "status", "order"],
        "properties": {"signer_id": {"type": "string", "format": "uuid"},
                       "email": {"type": "string", "format": "email"},
                       "status": {"type": "string", "enum": list(SIGNER_STATUSES)},
                       "order": {"type": "integer"}}}},
}


def payload_schema() -> dict:
    """The JSON schema of every event's payload: the common fields, then each event's own."""
    properties = dict(PAYLOAD_PROPERTIES)
    for event in EVENTS:
        for name, (schema, description) in event.details.items():
            properties[name] = {**schema, "description": f"{event.name}: {description}"}
    return {"type": "object", "required": list(PAYLOAD_REQUIRED), "properties": properties}
