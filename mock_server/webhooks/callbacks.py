"""The webhooks in the OpenAPI document, built from their definitions (domain/events.py): one callback of
AddWorkflow per event, and the payload schema."""
from __future__ import annotations

from ..api.examples import EXAMPLE_IDS, FIELD_EXAMPLES, FUTURE, WHEN
from ..domain.events import EVENTS, WebhookEvent, payload_schema

# Example values of each event's own payload fields (the common ones are built below).
DETAIL_EXAMPLES = {"signer_id": EXAMPLE_IDS["signer_id"], "signer_email": FIELD_EXAMPLES["email"],
                   "reason": FIELD_EXAMPLES["reason"]}


def _webhook_example(event: WebhookEvent) -> dict:
    expired = event.status == "expired"
    body = {"event": event.name, "event_id": EXAMPLE_IDS["event_id"], "occurred_at": WHEN,
            "organization_id": EXAMPLE_IDS["organization_id"], "workflow_id": EXAMPLE_IDS["workflow_id"],
            "status": event.status, "name": "Employment contract", "expires_at": WHEN if expired else FUTURE,
            "signers": [{"signer_id": EXAMPLE_IDS["signer_id"], "email": FIELD_EXAMPLES["email"],
                         "status": "refused" if event.status == "refused" else "pending", "order": 1}]}
    body.update({name: DETAIL_EXAMPLES[name] for name in event.details})
    return body


def _webhook_operation(event: WebhookEvent) -> dict:
    header = lambda name, desc, schema, example: {  # noqa: E731
        "name": name, "in": "header", "required": name == "organisation_id", "description": desc,
        "schema": schema, "example": example}
    return {"post": {
        "operationId": event.name, "tags": ["webhooks"], "summary": event.summary,
        "description": f"Sent when {event.fires} "
                       f"The mock POSTs this to `{{webhook_url}}{event.path}` (the workflow's webhook_url, "
                       "else its organization's) from a durable outbox, retrying on the Standard Webhooks schedule "
                       "until a 2xx. The three webhook-* headers come only when the organization has a "
                       "webhook_secret (Standard Webhooks signature: HMAC-SHA256 over `id.timestamp.body`).",
        "security": [],
        "parameters": [
            header("organisation_id", "The workflow's organization.", {"type": "string", "format": "uuid"},
                   EXAMPLE_IDS["organization_id"]),
            header("webhook-id", "The event_id.", {"type": "string"}, EXAMPLE_IDS["event_id"]),
            header("webhook-timestamp", "Unix seconds when this attempt was signed.",
                   {"type": "string", "pattern": "^[0-9]+$"}, "1795772400"),
            header("webhook-signature", "`v1,<base64 HMAC-SHA256>`.", {"type": "string"},
                   "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
        ],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/WebhookEvent"}, "example": _webhook_example(event)}}},
        "responses": {
            "2XX": {"description": "Delivered."},
            "410": {"description": "Gone: the mock marks the delivery failed and stops retrying."},
            "4XX": {"description": "Any other answer (or none within the timeout) is retried on the schedule; a "
                                   "Retry-After header is honoured."},
        },
    }}


WEBHOOK_SCHEMAS = {"WebhookEvent": payload_schema()}


def callbacks() -> dict:
    """AddWorkflow's callbacks: one POST per webhook event."""
    return {event.name: {f"{{$request.body#/webhook_url}}{event.path}": _webhook_operation(event)} for event in EVENTS}
