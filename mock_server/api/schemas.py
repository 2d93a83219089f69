"""Marshmallow schemas of the Workflow API: they validate requests and generate the OpenAPI document."""
from __future__ import annotations

from datetime import timezone

from marshmallow import ValidationError, fields, validate

from .schema_base import BaseSchema, ResponseSchema, StrictBoolean, StrictFloat, StrictInteger

from ..domain.defaults import (DEFAULT_SIGNATURE_TYPE, SIGNATURE_TYPES, SIGNER_STATUSES, SIGNING_ORDERS,
                               WORKFLOW_STATUSES)
from ..domain.passwords import MAX_PASSWORD_LENGTH
from ..domain.text import CONTROL_MESSAGE, has_control_characters

HEX_COLOR = validate.Regexp(r"^#[0-9A-Fa-f]{6}$", error="Must be a colour in the form #RRGGBB.")
E164 = validate.Regexp(r"^\+[1-9][0-9]{6,14}$",
                      error="Must be a phone number in E.164 form: +, country code and number, no spaces "
                            "(e.g. +4915112345678).")
POSITION_NOTE = ("PDF points (1/72 inch), measured from the top-left corner of the page as displayed: its CropBox "
                 "(else MediaBox), wherever that box's origin lies, turned by the page's /Rotate.")
ON_PAGE_RULE = (POSITION_NOTE + " The box must lie wholly inside that page (a page rotated by 90 degrees is as wide "
                "as its box is high): AddSignature's x + width and y + height, AddAnnotation's x (where its text "
                "starts) and y + font_size (its first line). A box off the page answers 422 naming the coordinate and "
                "the page's size, e.g. \"x + width = 680 exceeds the page width 595 pt (page 1 of 'contract.pdf')\".")


def no_control_chars(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError(CONTROL_MESSAGE)


def _depth(value, limit: int, level: int = 0) -> int:
    if level > limit:
        return level
    if isinstance(value, dict):
        return max((_depth(v, limit, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, limit, level + 1) for v in value), default=level + 1)
    return level


def shallow_metadata(value: dict) -> None:
    if _depth(value, 8) > 8:
        raise ValidationError("Must not be nested more than 8 levels deep.")
    if len(repr(value)) > 16384:
        raise ValidationError("Must be at most 16 KiB.")


def Text(max_len: int, **kw):
    return fields.String(validate=[validate.Length(max=max_len), no_control_chars], **kw)


def Id(**kw):
    return fields.UUID(**kw)


class Timestamp(fields.DateTime):
    """ISO 8601 in UTC with a Z; naive input is taken as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) or value is None else super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        dt = super()._deserialize(value, attr, data, **kwargs)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt


# -- requests ------------------------------------------------------------------------
class AddWorkflowArgs(BaseSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=255), no_control_chars])
    description = Text(10000, allow_none=True)
    expires_at = Timestamp(allow_none=True, metadata={"description": "Must be in the future. Default: now + 30 days."})
    signing_order = fields.String(validate=validate.OneOf(SIGNING_ORDERS), load_default="parallel")
    webhook_url = fields.Url(schemes={"http", "https"}, require_tld=False, allow_none=True,
                             validate=validate.Length(max=2048),
                             metadata={"description": "Overrides the organization's webhook_url."})
    interface_id = Id(allow_none=True)
    metadata = fields.Dict(keys=fields.String(validate=validate.Length(max=255)), allow_none=True,
                           validate=shallow_metadata)
    password = fields.String(validate=validate.Length(min=1, max=MAX_PASSWORD_LENGTH), allow_none=True,
                             load_only=True, metadata={
                                 "description": "Optional workflow password the signers must enter before signing "
                                                "(SIGN8 advises sending it by another channel). Stored only as a "
                                                "salted hash, never returned; GetWorkflow shows password_protected."})


class WorkflowIdArgs(BaseSchema):
    workflow_id = Id(required=True)


class AddFileJsonArgs(BaseSchema):
    workflow_id = Id(required=True)
    file_name = fields.String(required=True, validate=[validate.Length(min=1, max=255), no_control_chars])
    content_type = fields.String(validate=validate.Length(max=255), load_default="application/pdf")
    data = fields.String(required=True, metadata={"description": "The file's bytes, base64 (PDF only)."})


class AddFileFormArgs(BaseSchema):
    workflow_id = Id(required=True)
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class AddSignerArgs(BaseSchema):
    workflow_id = Id(required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    first_name = Text(255, allow_none=True)
    last_name = Text(255, allow_none=True)
    order = StrictInteger(validate=validate.Range(min=1, max=1000), allow_none=True,
                           metadata={"description": "Signing group (1 = first). Sequential default: after the last signer."})
    language = fields.String(validate=validate.Regexp(r"^[a-z]{2}(-[A-Z]{2})?$"), allow_none=True)
    phone = fields.String(required=True, validate=E164, metadata={
        "description": "Mobile number in E.164 form (+ country code, no spaces), e.g. +4915112345678. SIGN8 "
                       "requires it for every signature type (the one-time code goes to it by SMS)."})
    signature_type = fields.String(validate=validate.OneOf(SIGNATURE_TYPES), load_default=DEFAULT_SIGNATURE_TYPE,
                                   metadata={"description": "How this signer signs: advanced or qualified "
                                                            "signature, advanced or qualified seal."})
    company = Text(255, allow_none=True)
    job_title = Text(255, allow_none=True)


class PositionMixin(BaseSchema):
    page = StrictInteger(required=True, validate=validate.Range(min=1, max=100000),
                          metadata={"description": "1-based page of the file."})
    x = StrictFloat(required=True, validate=validate.Range(min=0, max=100000), metadata={"description": ON_PAGE_RULE})
    y = StrictFloat(required=True, validate=validate.Range(min=0, max=100000), metadata={"description": ON_PAGE_RULE})


class AddSignatureArgs(PositionMixin):
    workflow_id = Id(required=True)
    file_id = Id(required=True)
    signer_id = Id(required=True)
    width = StrictFloat(required=True, validate=validate.Range(min=0, max=100000, min_inclusive=False), metadata={
        "exclusiveMinimum": True, "description": "PDF points, more than 0; x + width must not exceed the page's displayed width (else 422)."})
    height = StrictFloat(required=True, validate=validate.Range(min=0, max=100000, min_inclusive=False), metadata={
        "exclusiveMinimum": True, "description": "PDF points, more than 0; y + height must not exceed the page's displayed height (else 422)."})
    required = StrictBoolean(load_default=True)


class AddAnnotationArgs(PositionMixin):
    workflow_id = Id(required=True)
    file_id = Id(required=True)
    text = fields.String(required=True, validate=[validate.Length(min=1, max=4000), no_control_chars])
    font_size = StrictFloat(validate=validate.Range(min=1, max=400), load_default=12)
    color = fields.String(validate=HEX_COLOR, load_default="#000000")


class AddInterfaceArgs(BaseSchema):
    name = Text(255, allow_none=True)
    primary_color = fields.String(validate=HEX_COLOR, allow_none=True, metadata={"description": "Default: #00A19A."})
    icon_file_id = Id(allow_none=True, metadata={"description": "Default: the built-in SIGN8 icon."})
    logo_file_id = Id(allow_none=True, metadata={"description": "Default: the built-in SIGN8 logo."})


class UpdateInterfaceArgs(AddInterfaceArgs):
    interface_id = Id(required=True)


class InterfaceIdArgs(BaseSchema):
    interface_id = Id(required=True)


class FileIdArgs(BaseSchema):
    file_id = Id(required=True)


class SendReminderArgs(BaseSchema):
    workflow_id = Id(required=True)
    signer_id = Id(allow_none=True, metadata={"description": "Remind only this signer (if it is their turn). "
                                                             "Default: every pending signer whose turn it is."})


class ListWorkflowsArgs(BaseSchema):
    status = fields.String(validate=validate.OneOf(WORKFLOW_STATUSES))
    limit = fields.Integer(validate=validate.Range(min=1, max=500), load_default=50)
    offset = fields.Integer(validate=validate.Range(min=0, max=10_000_000), load_default=0)


# -- responses -----------------------------------------------------------------------
class EventSchema(ResponseSchema):
    type = fields.String(required=True)
    at = Timestamp(required=True)
    actor = fields.String(required=True)
    signer_id = fields.String()
    error = fields.String(metadata={
        "description": "documents_failed: why the signed files or the audit report could not be made (retried).",
        "example": "ValueError: a signature field is on page 3, but the file has 2 pages"})
    attempt = fields.Integer(metadata={"description": "documents_failed: which attempt failed (1, 2, ...).",
                                       "example": 1})
    retry_in_seconds = fields.Float(metadata={"description": "documents_failed: when the next attempt is due.",
                                              "example": 0.5})
    audit_report_file_id = fields.String(metadata={"description": "documents_ready: the audit report (GetFile).",
                                                   "example": "8d0f3c1e-5b7a-4c2e-9f10-1c0a5e8d0a11"})
    signed_file_ids = fields.List(fields.String(), metadata={
        "description": "documents_ready: the signed files (GetFile), one per original file.",
        "example": ["8d0f3c1e-5b7a-4c2e-9f10-1c0a5e8d0a12"]})


class WorkflowSchema(ResponseSchema):
    workflow_id = fields.String(required=True)
    organization_id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    expires_at = Timestamp(required=True)
    signing_order = fields.String(required=True, validate=validate.OneOf(SIGNING_ORDERS))
    webhook_url = fields.String(allow_none=True)
    interface_id = fields.String(allow_none=True)
    metadata = fields.Dict(required=True)
    status = fields.String(required=True, validate=validate.OneOf(WORKFLOW_STATUSES))
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)
    started_at = Timestamp()
    completed_at = Timestamp()
    refused_at = Timestamp()
    expired_at = Timestamp()
    cancelled_at = Timestamp()
    password_protected = fields.Boolean(metadata={"description": "Whether signers must enter a workflow password."})
    audit_report_file_id = fields.String(allow_none=True, metadata={
        "description": "The audit report (PDF, GetFile) once the workflow is final (completed, refused, expired, "
                       "cancelled) and the report is made, a moment after; null until then. Poll GetWorkflow.",
        "example": "8d0f3c1e-5b7a-4c2e-9f10-1c0a5e8d0a11"})
    events = fields.List(fields.Nested(EventSchema), required=True)


class FileSchema(ResponseSchema):
    file_id = fields.String(required=True)
    workflow_id = fields.String(required=True)
    file_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    page_count = fields.Integer(required=True)
    created_at = Timestamp(required=True)
    signed_file_id = fields.String(allow_none=True, metadata={
        "description": "The signed version of this file (PDF with one digital signature per signer, GetFile) once "
                       "the workflow is completed and the file is signed, a moment after; null until then.",
        "example": "8d0f3c1e-5b7a-4c2e-9f10-1c0a5e8d0a12"})


class AuditSchema(ResponseSchema):
    action = fields.String()
    at = Timestamp()
    ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class SignerSchema(ResponseSchema):
    signer_id = fields.String(required=True)
    workflow_id = fields.String(required=True)
    email = fields.String(required=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    order = fields.Integer(required=True)
    language = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    signature_type = fields.String(validate=validate.OneOf(SIGNATURE_TYPES))
    company = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(SIGNER_STATUSES))
    signing_url = fields.String(required=True)
    signed_at = Timestamp(allow_none=True)
    refused_at = Timestamp(allow_none=True)
    refusal_reason = fields.String(allow_none=True)
    audit = fields.List(fields.Nested(AuditSchema))
    created_at = Timestamp(required=True)


class PlacementSchema(ResponseSchema):
    """What signature fields and annotations share: a place on a page of a file."""

    workflow_id = fields.String(required=True)
    file_id = fields.String(required=True)
    page = fields.Integer(required=True)
    x = fields.Float(required=True, metadata={"description": POSITION_NOTE})
    y = fields.Float(required=True, metadata={"description": POSITION_NOTE})
    created_at = Timestamp(required=True)


class SignatureSchema(PlacementSchema):
    signature_id = fields.String(required=True)
    signer_id = fields.String(required=True)
    width = fields.Float(required=True)
    height = fields.Float(required=True)
    required = fields.Boolean(required=True)


class AnnotationSchema(PlacementSchema):
    annotation_id = fields.String(required=True)
    text = fields.String(required=True)
    font_size = fields.Float(required=True)
    color = fields.String(required=True)


class WorkflowDetailSchema(WorkflowSchema):
    files = fields.List(fields.Nested(FileSchema), required=True)
    signers = fields.List(fields.Nested(SignerSchema), required=True)
    signatures = fields.List(fields.Nested(SignatureSchema), required=True)
    annotations = fields.List(fields.Nested(AnnotationSchema), required=True)


class SkippedReminderSchema(ResponseSchema):
    signer_id = fields.String(required=True)
    reason = fields.String(required=True)


class ReminderSchema(ResponseSchema):
    workflow_id = fields.String(required=True)
    reminded = fields.List(fields.String(), required=True,
                           metadata={"description": "The signers who were sent a reminder e-mail."})
    message_ids = fields.List(fields.String(), required=True,
                              metadata={"description": "The captured reminder e-mails (GET /_mock/messages/<id>)."})
    skipped = fields.List(fields.Nested(SkippedReminderSchema), required=True,
                          metadata={"description": "A signer_id that was given but is not due (signed, refused, "
                                                   "or not their turn yet), with why."})


class WorkflowListSchema(ResponseSchema):
    total = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    items = fields.List(fields.Nested(WorkflowSchema), required=True)


class InterfaceSchema(ResponseSchema):
    interface_id = fields.String(required=True)
    organization_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    primary_color = fields.String(required=True)
    icon_file_id = fields.String(required=True)
    logo_file_id = fields.String(required=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class ErrorBodySchema(BaseSchema):
    code = fields.String(required=True, metadata={"description": "Machine-readable error code."})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", metadata={"description": "Per-field messages (validation errors)."})
    missing = fields.List(fields.String(), metadata={"description": "step_not_ready: the earlier steps not done yet.",
                                                    "example": ["terms"]})
    workflow_status = fields.String()
    operations = fields.List(fields.String(), metadata={"description": "unknown_operation: the operations there are."})
    rule_id = fields.String(metadata={"description": "injected_fault: the fault rule that answered.", "format": "uuid"})
    tries_left = fields.Integer(metadata={"description": "wrong_code: how many more tries the one-time code has.",
                                          "example": 4})
    unopened = fields.List(fields.String(), metadata={
        "description": "step_not_ready on the documents step: the documents not opened yet (file names).",
        "example": ["contract.pdf"]})


class ErrorSchema(BaseSchema):
    error = fields.Nested(ErrorBodySchema, required=True)
