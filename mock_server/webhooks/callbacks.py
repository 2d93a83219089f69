"""The webhooks in the OpenAPI document: the event payload schema and one callback of AddWorkflow per event."""
from __future__ import annotations

from ..api.examples import EXAMPLE_IDS, FIELD_EXAMPLES, FUTURE, WHEN
from ..domain import defaults

WEBHOOK_PAYLOAD = {
    "type": "object",
    "required": ["event", "event_id", "occurred_at", "organization_id", "workflow_id", "status", "name",
                 "expires_at", "signers"],
    "properties": {
        "event": {"type": "string", "enum": ["workflowRefused", "workflowExpired"]},
        "event_id": {"type": "string", "format": "uuid", "description": "Same on every retry and redelivery: "
                                                                        "deduplicate on it."},
        "occurred_at": {"type": "string", "format": "date-time"},
        "organization_id": {"type": "string", "format": "uuid"},
        "workflow_id": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["refused", "expired"]},
        "name": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
        "signers": {"type": "array", "items": {
            "type": "object", "required": ["signer_id", "email", "status", "order"],
            "properties": {"signer_id": {"type": "string", "format": "uuid"}, "email": {"type": "string",
                                                                                         "format": "email"},
                           "status": {"type": "string", "enum": list(defaults.SIGNER_STATUSES)},
                           "order": {"type": "integer"}}}},
        "signer_id": {"type": "string", "format": "uuid", "description": "workflowRefused: who refused."},
        "signer_email": {"type": "string", "format": "email", "description": "workflowRefused: their e-mail address."},
        "reason": {"type": "string", "nullable": True, "description": "workflowRefused: the refusal reason."},
    },
}


def _webhook_example(event: str) -> dict:
    body = {"event": event, "event_id": EXAMPLE_IDS["event_id"], "occurred_at": WHEN,
            "organization_id": EXAMPLE_IDS["organization_id"], "workflow_id": EXAMPLE_IDS["workflow_id"],
            "status": "refused" if event == "workflowRefused" else "expired", "name": "Employment contract",
            "expires_at": FUTURE if event == "workflowRefused" else WHEN,
            "signers": [{"signer_id": EXAMPLE_IDS["signer_id"], "email": FIELD_EXAMPLES["email"],
                         "status": "refused" if event == "workflowRefused" else "pending", "order": 1}]}
    if event == "workflowRefused":
        body.update(signer_id=EXAMPLE_IDS["signer_id"], signer_email=FIELD_EXAMPLES["email"],
                    reason=FIELD_EXAMPLES["reason"])
    return body


def _webhook_operation(event: str, summary: str) -> dict:
    header = lambda name, desc, schema, example: {  # noqa: E731
        "name": name, "in": "header", "required": name == "organisation_id", "description": desc,
        "schema": schema, "example": example}
    return {"post": {
        "operationId": event, "tags": ["webhooks"], "summary": summary,
        "description": f"The mock POSTs this to `{{webhook_url}}/api/workflow/{event}` (the workflow's webhook_url, "
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


WEBHOOK_SCHEMAS = {"WebhookEvent": WEBHOOK_PAYLOAD}


def callbacks() -> dict:
    """AddWorkflow's callbacks: one POST per webhook event."""
    return {
        "workflowRefused": {"{$request.body#/webhook_url}/api/workflow/workflowRefused": _webhook_operation(
            "workflowRefused", "A signer refused the workflow")},
        "workflowExpired": {"{$request.body#/webhook_url}/api/workflow/workflowExpired": _webhook_operation(
            "workflowExpired", "The workflow reached expires_at before it was completed")},
    }
