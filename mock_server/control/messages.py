"""The captured messages under /_mock/messages: list, read, .eml, delete, and the inbox page.

Tenant-scoped like the rest of /_mock: with an API key, only that organization's messages; without, all.
"""
from __future__ import annotations

from flask import Response, make_response, render_template, request
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..api.errors import error_responses
from ..api.schema_base import BaseSchema, ResponseSchema, UuidString
from ..domain.errors import NotFound
from ..messages import CHANNELS, KINDS, NotAnEmail
from ..messages.content import date_words
from . import views

blp = Blueprint("mock_messages", __name__, url_prefix="/_mock", template_folder="templates",
                description="Captured messages: every e-mail and SMS the service would send to signers (invitation, "
                            "reminder, tan, cancelled, completed). With an API key, that organization's only.")
blp.before_request(views.control_auth)

INBOX_LIMIT = 500


def errors(*codes):
    return blp.doc(responses=error_responses(sorted({400, 401, 415, 422} | set(codes))))


# -- schemas ------------------------------------------------------------------------------------
class MessageListArgs(BaseSchema):
    workflow_id = UuidString()
    signer_id = UuidString()
    to = fields.String(validate=validate.Length(max=320), metadata={"description": "E-mail address or phone."})
    kind = fields.String(validate=validate.OneOf(KINDS))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    limit = fields.Integer(validate=validate.Range(min=1, max=5000), load_default=500)


class LinkSchema(ResponseSchema):
    rel = fields.String(required=True, metadata={"description": "sign (the signing link) or workflow."})
    url = fields.String(required=True)
    label = fields.String()


class AttachmentSchema(ResponseSchema):
    file_id = fields.String(allow_none=True)
    file_name = fields.String(required=True)
    content_type = fields.String(required=True)


class RelaySchema(ResponseSchema):
    status = fields.String(metadata={"description": "queued, sent or failed; waiting_for_attachments: a completed "
                                                    "e-mail held until its signed documents are made."})
    target = fields.String()
    error = fields.String(allow_none=True)
    attempts = fields.Integer()
    attempted_at = fields.String()


class MessageSchema(ResponseSchema):
    message_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    to = fields.String(required=True)
    to_name = fields.String(allow_none=True)
    from_name = fields.String(metadata={"description": "The From name: the workflow's interface (brand) name, else the "
                                                    "organization's name."})
    subject = fields.String(required=True)
    text = fields.String(required=True)
    html = fields.String(allow_none=True, metadata={"description": "E-mails only."})
    links = fields.List(fields.Nested(LinkSchema), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    language = fields.String()
    signature_type = fields.String()
    workflow_id = fields.String(required=True)
    signer_id = fields.String(allow_none=True)
    organization_id = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"description": "On the organization's mock clock."})
    relay = fields.Nested(RelaySchema, allow_none=True,
                          metadata={"description": "The SMTP relay's outcome (null when no --smtp-url)."})


class MessageListSchema(ResponseSchema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(MessageSchema), required=True)


class MessagesClearedSchema(ResponseSchema):
    cleared = fields.Integer(required=True)


# -- views ----------------------------------------------------------------------------------------
def _message(message_id: str) -> dict:
    return views.services().message(views.caller_org(), message_id)


@blp.route("/messages", methods=["GET"])
@blp.arguments(MessageListArgs(), location="query")
@blp.response(200, MessageListSchema)
@errors()
def messages_list(args):
    """List captured messages, newest first, with the total; filter by workflow_id, signer_id, to, kind, channel."""
    limit = args.pop("limit")
    if (args.get("to") or "").startswith(" "):  # ?to=+4915... unencoded: the query string's + is a space
        args["to"] = "+" + args["to"][1:]
    rows = views.services().message_list(views.caller_org(), **args)
    return {"total": len(rows), "items": rows[:limit]}


@blp.route("/messages", methods=["DELETE"])
@blp.response(200, MessagesClearedSchema)
@errors()
def messages_clear():
    """Delete every captured message (only the API key's organization's, when a key is given)."""
    return {"cleared": views.services().clear_messages(views.caller_org())}


@blp.route("/messages/inbox", methods=["GET"])
@blp.response(200, {"type": "string"}, description="The inbox page.", content_type="text/html")
@errors()
def inbox():
    """An inbox per recipient: the rendered e-mails and SMS each person received (?to=, ?message_id=)."""
    org = views.caller_org()
    rows = views.services().message_list(org)[:INBOX_LIMIT]
    recipients: dict[str, dict] = {}
    for m in rows:  # newest first, so the first message of a recipient is their latest
        r = recipients.setdefault(m["to"], {"to": m["to"], "name": m.get("to_name"), "count": 0, "latest": m,
                                            "channels": set()})
        r["count"] += 1
        r["channels"].add(m["channel"])
        r["name"] = r["name"] or m.get("to_name")
    for r in recipients.values():
        r["sms_only"] = r.pop("channels") == {"sms"}
        r["initials"] = _initials(r["name"] or r["to"].lstrip("+"))
    wanted_to = request.args.get("to")
    selected = _selected(org, request.args.get("message_id"))
    if selected is not None:
        wanted_to = selected["to"]
    if wanted_to is None and rows:
        wanted_to = rows[0]["to"]
    thread = [m for m in rows if m["to"] == wanted_to]
    if selected is None and thread:
        selected = thread[0]
    workflows = views.services().workflow_names({m["workflow_id"] for m in thread})
    html = render_template("messages.html", recipients=list(recipients.values()), thread=thread, selected=selected,
                           wanted_to=wanted_to, total=len(rows), workflows=workflows, when=_when,
                           sender=(selected or {}).get("from_name") or "SIGN8",
                           relay=views.services().smtp_relay())
    return make_response(html, 200, {"Content-Type": "text/html; charset=utf-8"})


@blp.route("/messages/<message_id>.eml", methods=["GET"])
@blp.response(200, {"type": "string", "format": "binary"}, description="The e-mail as an RFC 5322 message (message/rfc822).",
              content_type="message/rfc822")
@errors(404)
def message_eml(message_id):
    """Download a captured e-mail as a .eml file (attachments included); an SMS answers 404 (no e-mail form)."""
    m = _message(message_id)
    try:
        body = views.services().message_eml(m)
    except NotAnEmail as exc:
        raise NotFound(str(exc), code_override="not_an_email") from exc
    return Response(body, mimetype="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="{message_id}.eml"'})


@blp.route("/messages/<message_id>", methods=["GET"])
@blp.response(200, MessageSchema)
@errors(404)
def message_get(message_id):
    """Read one captured message: text, html, links (the signing link), attachments, relay outcome."""
    return _message(message_id)


def _selected(org: str | None, message_id: str | None) -> dict | None:
    """The message the inbox opens (?message_id=), if it exists."""
    try:
        return views.services().message(org, message_id) if message_id else None
    except NotFound:
        return None


def _initials(name: str) -> str:
    parts = [p for p in name.replace("@", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _when(created_at: str) -> str:
    return date_words(created_at, "en")
