"""Messages: record what SIGN8 would send to people (e-mail and SMS), in the caller's transaction."""
from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial

from ..domain import defaults
from ..domain.clock import iso, parse_iso
from . import content
from ..domain.colors import palette
from .relay import SmtpRelay

KINDS = ("invitation", "reminder", "tan", "cancelled", "completed")
CHANNELS = ("email", "sms")
TAN_VALID_MINUTES = 5


class Messages:
    """Build one message record per call, store it in the `messages` table, relay e-mails after commit.

    record(tx, kind, workflow, signer, **context):
      invitation / reminder: the signing link (computed from the signer's token; context signing_url overrides)
      tan: code=<6 digits>, optional valid_minutes or expires_at
      cancelled: nothing
      completed: optional attachments=[{file_id, file_name, content_type}] (read from the blob store by the .eml);
                 attachments_pending=True: the documents come later (attach), and so does the SMTP relay
    attach(tx, message, attachments): add the attachments to a recorded e-mail (re-worded), then relay it
    """

    def __init__(self, store, clock, settings, address=None):
        self.store = store
        self.clock = clock
        self.settings = settings
        # Where links point: an object with base_url (the bound address), else the settings' base_url.
        self.address = address
        smtp_url = getattr(settings, "smtp_url", None)
        self.relay = SmtpRelay(store, clock, smtp_url) if smtp_url else None

    @property
    def base_url(self) -> str:
        return (self.address or self.settings).base_url.rstrip("/")

    def start(self) -> None:
        """Relay the e-mails that were still queued when the mock last stopped (or crashed)."""
        if self.relay is None:
            return
        for m in self.store.all("messages"):
            if (m.get("relay") or {}).get("status") == "queued":
                self.relay.submit(m["message_id"])

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()

    # -- recording ---------------------------------------------------------------------------
    def record(self, tx, kind: str, workflow: dict, signer: dict, **context) -> dict:
        """Build the message, put it in the `messages` table within tx, and relay it after commit."""
        if kind not in KINDS:
            raise ValueError(f"unknown message kind {kind!r} (known: {', '.join(KINDS)})")
        org_id = workflow["organization_id"]
        now_dt = self.clock.now(org_id)
        lang = content.language_of(signer)
        channel = "sms" if kind == "tan" else "email"
        wid = workflow["workflow_id"]
        signing_url = context.get("signing_url") or f"{self.base_url}/sign/{signer['token']}"
        workflow_url = f"{self.base_url}/api/workflow/GetWorkflow?workflow_id={wid}"
        attachments = [_attachment(a) for a in context.get("attachments") or []]
        sender = self._sender(workflow)
        built = content.build(kind, lang, sender=sender, workflow=workflow, signer=signer,
                              colors=self._colors(workflow), signing_url=signing_url, workflow_url=workflow_url,
                              code=context.get("code"), minutes=_minutes(context, now_dt),
                              attachments=attachments)
        message = {
            "message_id": str(uuid.uuid4()),
            "kind": kind,
            "channel": channel,
            "to": (signer.get("phone") if channel == "sms" else signer.get("email")) or "",
            "to_name": content.person_name(signer) or None,
            "from_name": sender,
            "subject": built["subject"],
            "text": built["text"],
            "html": built["html"] if channel == "email" else None,
            "links": [link for link in built["links"] if link.get("url")],
            "attachments": attachments,
            "language": lang,
            "signature_type": signer.get("signature_type") or defaults.DEFAULT_SIGNATURE_TYPE,
            "workflow_id": wid,
            "signer_id": signer.get("signer_id"),
            "organization_id": org_id,
            "created_at": iso(now_dt),
            "relay": None,
        }
        if self.relay is not None and channel == "email":
            if context.get("attachments_pending"):  # relayed by attach(), with its attachments
                message["relay"] = {"status": "waiting_for_attachments", "target": self.relay.display,
                                    "error": None, "attempts": 0}
            else:
                message["relay"] = {"status": "queued", "target": self.relay.display, "error": None, "attempts": 0}
                tx.on_commit(partial(self.relay.submit, message["message_id"]))
        tx.put("messages", message)
        return message

    def attach(self, tx, message: dict, attachments: list[dict]) -> dict:
        """Add attachments to a recorded e-mail within tx (its words say so), and relay it after commit if held."""
        workflow = self.store.get("workflows", message["workflow_id"]) or {}
        signer = self.store.get("signers", message.get("signer_id") or "") or {}
        if not workflow or not signer:
            return message
        merged = list(message.get("attachments") or [])
        known = {a.get("file_id") for a in merged}
        merged += [_attachment(a) for a in attachments if a.get("file_id") not in known]
        built = content.build(message["kind"], message.get("language") or content.language_of(signer),
                              sender=self._sender(workflow), workflow=workflow, signer=signer,
                              colors=self._colors(workflow), signing_url=f"{self.base_url}/sign/{signer.get('token')}",
                              workflow_url=f"{self.base_url}/api/workflow/GetWorkflow?workflow_id={workflow['workflow_id']}",
                              attachments=merged)
        updated = {**message, "from_name": self._sender(workflow), "subject": built["subject"], "text": built["text"],
                   "html": built["html"] if message["channel"] == "email" else None,
                   "links": [link for link in built["links"] if link.get("url")], "attachments": merged}
        relay = message.get("relay") or {}
        if self.relay is not None and relay.get("status") == "waiting_for_attachments":
            updated["relay"] = {**relay, "status": "queued"}
            tx.on_commit(partial(self.relay.submit, message["message_id"]))
        tx.put("messages", updated)
        return updated

    def _interface(self, workflow: dict) -> dict:
        return (self.store.get("interfaces", workflow["interface_id"]) if workflow.get("interface_id") else None) or {}

    def _sender(self, workflow: dict) -> str:
        """Who the message is from: the workflow's interface (its brand name), else its organization's name."""
        org = self.store.get("organizations", workflow["organization_id"]) or {}
        return content.sender_name(self._interface(workflow).get("name"), org.get("name"))

    def _colors(self, workflow: dict) -> dict:
        return palette(self._interface(workflow).get("primary_color") or defaults.DEFAULT_PRIMARY_COLOR)

    # -- reading (control API) ----------------------------------------------------------------
    def query(self, organization_id: str | None = None, **filters) -> list[dict]:
        """Messages newest first; filters: workflow_id, signer_id, to, kind, channel (exact; `to` ignores case)."""
        if organization_id:
            rows = self.store.by("messages", "organization_id", organization_id)
        else:
            rows = self.store.all("messages")
        wanted = {k: str(v) for k, v in filters.items() if v not in (None, "")}
        to = wanted.pop("to", None)
        out = [m for m in rows if all(m.get(k) == v for k, v in wanted.items())
               and (to is None or (m.get("to") or "").lower() == to.lower())]
        # Newest first in the order they were recorded (the store keeps it, across restarts and snapshots):
        # created_at follows each organization's mock clock, which a test may set back.
        out.reverse()
        return out

    def get(self, message_id: str, organization_id: str | None = None) -> dict | None:
        m = self.store.get("messages", message_id)
        if m is None or (organization_id and m.get("organization_id") != organization_id):
            return None
        return m

    def clear(self, organization_id: str | None = None) -> int:
        """Delete every message (of one organization); return how many."""
        with self.store.transaction() as tx:
            rows = self.query(organization_id)
            for m in rows:
                tx.delete("messages", m["message_id"])
        return len(rows)


def _attachment(a: dict) -> dict:
    out = {"file_id": a.get("file_id"), "file_name": a.get("file_name") or "document.pdf",
           "content_type": a.get("content_type") or "application/pdf"}
    if a.get("sha256"):
        out["sha256"] = a["sha256"]
    return out


def _minutes(context: dict, now_dt) -> int:
    if context.get("valid_minutes"):
        return int(context["valid_minutes"])
    expires = context.get("expires_at")
    if expires:
        dt = parse_iso(expires) if isinstance(expires, str) else expires
        return max(1, round((dt - now_dt) / timedelta(minutes=1)))
    return TAN_VALID_MINUTES
