"""Schemas of the /_mock control API."""
from marshmallow import fields, validate

from ..api.schema_base import BaseSchema, ResponseSchema, StrictBoolean, StrictFloat, StrictInteger, UuidString
from ..api.schemas import Timestamp, no_control_chars
from ..domain.events import EVENT_NAMES


class HealthSchema(ResponseSchema):
    status = fields.String(required=True)
    version = fields.String(required=True)
    storage = fields.String(required=True)
    auth = fields.String(required=True)
    workflows = fields.Integer(required=True)


class IdleArgs(BaseSchema):
    timeout = fields.Float(load_default=5.0, validate=validate.Range(min=0, max=60),
                           metadata={"description": "Seconds to wait at most.", "example": 5})


class IdleSchema(ResponseSchema):
    idle = fields.Boolean(required=True, metadata={"example": True})


class ClockAdvanceArgs(BaseSchema):
    seconds = StrictFloat(required=True, validate=validate.Range(min=0, max=10 * 365 * 86400))


class ClockSetArgs(BaseSchema):
    now = Timestamp(required=True)


class ClockSchema(ResponseSchema):
    now = Timestamp(required=True)
    real_now = Timestamp(required=True)
    offset_seconds = fields.Float(required=True)
    organization_id = fields.String(allow_none=True)
    expired = fields.List(fields.String(), metadata={"description": "Workflows this call expired."})


class ResetArgs(BaseSchema):
    organization_id = fields.UUID(metadata={"description": "Reset only this organization (also implied by an API key)."})


class ResetSchema(ResponseSchema):
    reset = fields.String(required=True, metadata={"description": "'all' or the organization id."})
    removed = fields.Dict(keys=fields.String(), values=fields.Integer())


class AttemptSchema(ResponseSchema):
    at = Timestamp(required=True)
    url = fields.String(allow_none=True)
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Float()


class DeliverySchema(ResponseSchema):
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


class DeliveryListArgs(BaseSchema):
    workflow_id = fields.UUID()
    event = fields.String(validate=validate.OneOf(EVENT_NAMES))
    status = fields.String(validate=validate.OneOf(["pending", "delivered", "failed", "undeliverable"]))


class DeliveryListSchema(ResponseSchema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class ForceRefuseArgs(BaseSchema):
    signer_id = fields.UUID()
    reason = fields.String(validate=[validate.Length(max=2000), no_control_chars], allow_none=True)


# -- request log -----------------------------------------------------------------------
class RequestListArgs(BaseSchema):
    path = fields.String(validate=validate.Length(max=2048),
                         metadata={"description": "Exact path or glob, e.g. /api/workflow/Add*."})
    method = fields.String(validate=validate.Length(max=16))
    status = fields.Integer(validate=validate.Range(min=100, max=599))
    since = Timestamp(metadata={"description": "Only requests received at or after this moment."})
    organization_id = UuidString()
    violations = fields.Boolean(load_default=False,
                                metadata={"description": "Only /api calls the mock rejected (4xx), with the reason."})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class ViolationSchema(ResponseSchema):
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    field_errors = fields.Dict(allow_none=True, data_key="fields", attribute="fields")


class JournalEntrySchema(ResponseSchema):
    id = fields.Integer(required=True)
    time = fields.String(required=True)
    method = fields.String(required=True)
    path = fields.String(required=True)
    query = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    headers = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "Authorization, X-API-Key, X-Admin-Token and Cookie are redacted."})
    body = fields.Raw(allow_none=True, metadata={"description": "Text up to 2048 characters (see body_truncated)."})
    body_size = fields.Integer(allow_none=True)
    body_truncated = fields.Boolean()
    status = fields.Integer(required=True)
    duration_ms = fields.Float(required=True)
    organization_id = fields.String(allow_none=True)
    violation = fields.Nested(ViolationSchema, allow_none=True)
    fault = fields.String(allow_none=True, metadata={"description": "The fault rule that fired on this request."})
    dropped = fields.Boolean()


class RequestListSchema(ResponseSchema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(JournalEntrySchema), required=True)


class ClearedSchema(ResponseSchema):
    cleared = fields.Integer(required=True)


# -- fault injection -----------------------------------------------------------------------------
class FaultRuleArgs(BaseSchema):
    method = fields.String(load_default="*", validate=validate.OneOf(["*", "GET", "POST", "PUT", "PATCH", "DELETE",
                                                                      "HEAD", "OPTIONS"]))
    path = fields.String(required=True, validate=[validate.Length(min=1, max=2048), validate.Regexp(r"^[/*]")],
                         metadata={"description": "Exact path or glob (fnmatch), e.g. /api/workflow/*."})
    status = StrictInteger(allow_none=True, validate=validate.Range(min=400, max=599))
    delay_ms = StrictInteger(load_default=0, validate=validate.Range(min=0, max=60000))
    drop = StrictBoolean(load_default=False, metadata={"description": "Close the connection without an answer."})
    probability = StrictFloat(load_default=1.0, validate=validate.Range(min=0.0, max=1.0))
    times = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=1_000_000),
                           metadata={"description": "Fire this many times, then disappear (default: forever)."})


class FaultRuleSchema(FaultRuleArgs):
    rule_id = fields.String(required=True)
    hits = fields.Integer(required=True)


class FaultListSchema(ResponseSchema):
    items = fields.List(fields.Nested(FaultRuleSchema), required=True)


class FaultIdArgs(BaseSchema):
    rule_id = fields.UUID(metadata={"description": "Remove only this rule (default: all)."})


class WebhookFaultArgs(BaseSchema):
    duplicate_next = StrictInteger(validate=validate.Range(min=0, max=1000),
                                    metadata={"description": "Send each of the next N events twice."})
    delay_ms = StrictInteger(validate=validate.Range(min=0, max=60000))
    delay_count = StrictInteger(validate=validate.Range(min=0, max=1000),
                                 metadata={"description": "How many next events wait delay_ms (default 1)."})
    reorder_next = StrictBoolean(metadata={"description": "Hold the next event back until the one after it is sent."})


class WebhookFaultSchema(ResponseSchema):
    duplicate_next = fields.Integer(required=True)
    delay_ms = fields.Integer(required=True)
    delay_count = fields.Integer(required=True)
    reorder_next = fields.Boolean(required=True)


# -- snapshot --------------------------------------------------------------------------------------
class SnapshotSchema(ResponseSchema):
    format = fields.String(required=True, metadata={"description": "sign8-mock-snapshot/1"})
    tables = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()), required=True)
    blobs = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True,
                        metadata={"description": "File contents, base64, by SHA-256 (null or absent: none)."})
    test_ca = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "The instance's test CA (cert_pem, key_pem), which signs the signed PDFs: only in the "
                       "operator's snapshot (no API key). Imported only without an API key; absent: the CA is kept.",
        "example": {"cert_pem": "-----BEGIN CERTIFICATE-----\n...", "key_pem": "-----BEGIN PRIVATE KEY-----\n..."}})


class SnapshotImportSchema(ResponseSchema):
    imported = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


# -- the caller's organization ----------------------------------------------------------------------
class OrganizationClockSchema(ResponseSchema):
    now = Timestamp(required=True, metadata={"description": "The organization's mock time."})
    offset_seconds = fields.Float(required=True, metadata={"example": 0.0})


class StoredCountsSchema(ResponseSchema):
    workflows = fields.Integer(required=True, metadata={"example": 3})
    files = fields.Integer(required=True, metadata={"example": 3, "description": "Uploads and produced PDFs."})
    messages = fields.Integer(required=True, metadata={"example": 6, "description": "Captured e-mails and SMS."})


class OrganizationSchema(ResponseSchema):
    organization_id = fields.String(required=True)
    name = fields.String(required=True, metadata={
        "description": "Shown to signers (e-mails, signing page). A key the mock provisioned starts as "
                       "'Organization for key <first characters>…'.", "example": "Acme GmbH"})
    webhook_url = fields.String(allow_none=True, metadata={
        "description": "Where webhooks go (each event's path is appended), unless a workflow names its own.",
        "example": "https://hooks.example.com/sign8"})
    webhook_secret_set = fields.Boolean(required=True, metadata={
        "description": "Whether deliveries are signed (Standard Webhooks). The secret itself is shown only once, "
                       "by POST /_mock/organization/webhook-secret.", "example": True})
    previous_webhook_secret_until = Timestamp(allow_none=True, metadata={
        "description": "After a rotation: until when (real time) each delivery is also signed with the previous "
                       "secret; null when no previous secret signs.", "example": None})
    known = fields.Boolean(required=True, metadata={
        "description": "Whether the organization comes from the organizations file (else the mock provisioned it "
                       "for a new key, in open auth mode).", "example": False})
    auth = fields.String(required=True, validate=validate.OneOf(["open", "strict"]), metadata={
        "description": "The server's auth mode: open makes a new, empty organization for every new key."})
    created_at = Timestamp(allow_none=True)
    clock = fields.Nested(OrganizationClockSchema, required=True)
    stored = fields.Nested(StoredCountsSchema, required=True)
    retention = fields.Nested("RetentionPlanSchema", allow_none=True, metadata={
        "description": "What retention (--retention DAYS) will remove of this organization and when; null when the "
                       "mock runs without retention."})


class OrganizationUpdateArgs(BaseSchema):
    name = fields.String(validate=[validate.Length(min=1, max=255), no_control_chars],
                         metadata={"example": "Acme GmbH"})
    webhook_url = fields.Url(schemes={"http", "https"}, require_tld=False, allow_none=True,
                             validate=validate.Length(max=2048), metadata={
                                 "description": "null: no webhooks (unless a workflow names its own URL).",
                                 "example": "https://hooks.example.com/sign8"})


class WebhookSecretSchema(ResponseSchema):
    webhook_secret = fields.String(required=True, metadata={
        "description": "The new secret (Standard Webhooks: whsec_ and base64). Shown only in this answer.",
        "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})


class RetentionRunSchema(ResponseSchema):
    organization_id = fields.String(allow_none=True, metadata={
        "description": "The organization whose workflows this run looked at (the API key's); null: all, and idle "
                       "provisioned organizations too.", "example": None})
    days = fields.Float(required=True, metadata={"description": "The retention (--retention DAYS).", "example": 30})
    started_at = Timestamp(required=True, metadata={"description": "Real time."})
    workflows_removed = fields.Integer(required=True, metadata={"example": 120})
    organizations_removed = fields.Integer(required=True, metadata={"example": 1})
    records_removed = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Records removed per table.", "example": {"workflows": 120, "files": 240, "signers": 120,
                                                                 "messages": 360, "deliveries": 120}})
    blobs_removed = fields.Integer(required=True, metadata={
        "description": "Stored file contents no remaining file uses.", "example": 120})
    requests_forgotten = fields.Integer(required=True, metadata={
        "description": "Request-journal entries of removed organizations or naming a removed workflow.",
        "example": 35})
    kept_for_later = fields.Integer(required=True, metadata={
        "description": "Workflows past retention kept until their pending webhook is delivered (or fails for "
                       "good).", "example": 0})
    transactions = fields.Integer(required=True, metadata={"description": "Transactions the removal took.",
                                                            "example": 3})
    longest_lock_ms = fields.Float(required=True, metadata={
        "description": "The longest time one of them held the store's lock: what a request could have waited.",
        "example": 12.5})
    longest_lock_cpu_ms = fields.Float(required=True, metadata={
        "description": "The most CPU time the run spent in one hold of the lock (longest_lock_ms also counts the "
                       "time the machine gave other processes meanwhile).", "example": 2.4})
    compacted = fields.Boolean(required=True, metadata={
        "description": "Whether the database was compacted afterwards (the space goes back to the disk).",
        "example": True})
    duration_ms = fields.Float(required=True, metadata={"example": 180.2})


class WorkflowRemovalSchema(ResponseSchema):
    workflow_id = fields.String(required=True, metadata={"example": "3f2b8c1e-7d4a-4e9b-8f1a-2c3d4e5f6a7b"})
    name = fields.String(required=True, metadata={"example": "Employment contract"})
    status = fields.String(required=True, metadata={"example": "completed"})
    final_at = Timestamp(required=True, metadata={"description": "When it reached its final state (its "
                                                                 "organization's clock)."})
    removal_at = Timestamp(required=True, metadata={
        "description": "final_at + DAYS: removed by the first retention run from then on (its organization's "
                       "clock)."})


class RetentionPlanSchema(ResponseSchema):
    days = fields.Float(required=True, metadata={"example": 30})
    next_run_at = Timestamp(allow_none=True, metadata={"description": "The next background run (real time)."})
    last_call_on = fields.String(allow_none=True, metadata={
        "description": "The real (UTC) day of the organization's last call with its key.", "example": "2026-12-07"})
    organization_removal_at = Timestamp(allow_none=True, metadata={
        "description": "When the organization goes with everything of it if it makes no call before (real time: "
                       "DAYS after the end of last_call_on); null for an organization of organizations.json, "
                       "which is never removed."})
    final_workflows = fields.Integer(required=True, metadata={
        "description": "Final workflows: each goes DAYS after its final state.", "example": 12})
    due_workflows = fields.Integer(required=True, metadata={
        "description": "Of those, the ones past retention now (removed by the next run).", "example": 2})
    next_workflow_removals = fields.List(fields.Nested(WorkflowRemovalSchema), required=True, metadata={
        "description": "The next (at most 10) workflows to go, soonest first."})
