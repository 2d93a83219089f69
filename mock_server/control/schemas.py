"""Schemas of the /_mock control API."""
from marshmallow import Schema, fields, validate

from ..api.schemas import Timestamp


class HealthSchema(Schema):
    status = fields.String(required=True)
    version = fields.String(required=True)
    storage = fields.String(required=True)
    auth = fields.String(required=True)
    workflows = fields.Integer(required=True)


class ClockAdvanceArgs(Schema):
    seconds = fields.Float(required=True, validate=validate.Range(min=0, max=10 * 365 * 86400))


class ClockSetArgs(Schema):
    now = Timestamp(required=True)


class ClockSchema(Schema):
    now = Timestamp(required=True)
    real_now = Timestamp(required=True)
    offset_seconds = fields.Float(required=True)
    organization_id = fields.String(allow_none=True)
    expired = fields.List(fields.String(), metadata={"description": "Workflows this call expired."})


class ResetArgs(Schema):
    organization_id = fields.UUID(metadata={"description": "Reset only this organization (also implied by an API key)."})


class ResetSchema(Schema):
    reset = fields.String(required=True, metadata={"description": "'all' or the organization id."})
    removed = fields.Dict(keys=fields.String(), values=fields.Integer())


class AttemptSchema(Schema):
    at = Timestamp(required=True)
    url = fields.String(allow_none=True)
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Float()


class DeliverySchema(Schema):
    delivery_id = fields.String(required=True)
    event_id = fields.String(required=True)
    event = fields.String(required=True)
    workflow_id = fields.String(required=True)
    organization_id = fields.String(required=True)
    url = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending", "delivered", "failed", "undeliverable"]))
    error = fields.String(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptSchema), required=True)
    payload = fields.Dict(required=True)
    created_at = Timestamp(required=True)
    delivered_at = Timestamp()
    redelivery_of = fields.String()


class DeliveryListArgs(Schema):
    workflow_id = fields.UUID()
    event = fields.String(validate=validate.OneOf(["workflowRefused", "workflowExpired"]))
    status = fields.String(validate=validate.OneOf(["pending", "delivered", "failed", "undeliverable"]))


class DeliveryListSchema(Schema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class ForceRefuseArgs(Schema):
    signer_id = fields.UUID()
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)
