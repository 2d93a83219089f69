"""One definition per record shape: every stored workflow, file, signer, signature, annotation, interface and
webhook delivery is built here, whoever makes it (the API, the seed scenario, the benchmark's prefill, tests).

Each builder takes the caller's values by keyword and fills every other field with its default, so a record
made anywhere has the same fields in the same order.
"""
from __future__ import annotations

import hashlib
import secrets
import time
import uuid

from . import defaults


def new_id() -> str:
    return str(uuid.uuid4())


def new_token() -> str:
    """A signing link's secret: 256 random bits."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def event(kind: str, at: str, actor: str, **details) -> dict:
    """One entry of a workflow's event list."""
    return {"type": kind, "at": at, "actor": actor, **details}


def workflow_record(*, organization_id: str, name: str, now: str, expires_at: str, workflow_id: str | None = None,
                    description: str | None = None, signing_order: str | None = None, webhook_url: str | None = None,
                    interface_id: str | None = None, metadata: dict | None = None, password_hash: str | None = None,
                    status: str = "draft", events: list | None = None, actor: str = "api") -> dict:
    return {
        "workflow_id": workflow_id or new_id(),
        "organization_id": organization_id,
        "name": name,
        "description": description,
        "expires_at": expires_at,
        "signing_order": signing_order or "parallel",
        "webhook_url": webhook_url,
        "interface_id": interface_id,
        "metadata": metadata or {},
        "password_protected": password_hash is not None,
        "password_hash": password_hash,
        "status": status,
        "created_at": now,
        "updated_at": now,
        "events": events if events is not None else [event("created", now, actor)],
    }


def file_record(*, workflow_id: str, organization_id: str, file_name: str, size: int, sha256: str, page_count: int,
                now: str, file_id: str | None = None, content_type: str = "application/pdf",
                kind: str | None = None, source_file_id: str | None = None,
                page_sizes: list | None = None) -> dict:
    """An uploaded file (kind None), or one the mock produced (kind "signed" or "audit_report", from source_file_id)."""
    doc = {
        "file_id": file_id or new_id(),
        "workflow_id": workflow_id,
        "organization_id": organization_id,
        "file_name": file_name,
        "content_type": content_type,
        "size": size,
        "sha256": sha256,
        "page_count": page_count,
        # [width, height] of each page as displayed, for AddSignature's check (None: read from the bytes if needed).
        "page_sizes": page_sizes,
        "created_at": now,
    }
    if kind is None:
        doc["signed_file_id"] = None  # set when the workflow is completed and this file is signed (documents/jobs.py)
    else:
        doc.update(kind=kind, source_file_id=source_file_id)
    return doc


def is_original(file: dict) -> bool:
    """A file the API client uploaded (not one the mock produced)."""
    return file.get("kind") in (None, "original")


def signer_record(*, workflow_id: str, organization_id: str, email: str, order: int, now: str,
                  signer_id: str | None = None, token: str | None = None, first_name: str | None = None,
                  last_name: str | None = None, language: str | None = None, phone: str | None = None,
                  signature_type: str | None = None, company: str | None = None, job_title: str | None = None,
                  status: str = "pending", signed_at: str | None = None, refused_at: str | None = None,
                  refusal_reason: str | None = None, audit: list | None = None) -> dict:
    token = token or new_token()
    return {
        "signer_id": signer_id or new_id(),
        "workflow_id": workflow_id,
        "organization_id": organization_id,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "order": order,
        "language": language or "en",
        "phone": phone,
        "signature_type": signature_type or defaults.DEFAULT_SIGNATURE_TYPE,
        "company": company,
        "job_title": job_title,
        "status": status,
        "token": token,
        "token_hash": token_hash(token),
        "signed_at": signed_at,
        "refused_at": refused_at,
        "refusal_reason": refusal_reason,
        "audit": audit or [],
        "created_at": now,
    }


def signature_record(*, workflow_id: str, organization_id: str, file_id: str, signer_id: str, page: int,
                     x: float, y: float, width: float, height: float, now: str, signature_id: str | None = None,
                     required: bool | None = None, **extra) -> dict:
    return {"signature_id": signature_id or new_id(), "organization_id": organization_id, "workflow_id": workflow_id,
            "file_id": file_id, "signer_id": signer_id, "page": page, "x": x, "y": y, "width": width,
            "height": height, "required": True if required is None else required, **extra, "created_at": now}


def annotation_record(*, workflow_id: str, organization_id: str, file_id: str, page: int, x: float, y: float,
                      text: str, now: str, annotation_id: str | None = None, font_size: float | None = None,
                      color: str | None = None, **extra) -> dict:
    return {"annotation_id": annotation_id or new_id(), "organization_id": organization_id,
            "workflow_id": workflow_id, "file_id": file_id, "page": page, "x": x, "y": y, "text": text,
            "font_size": font_size or 12, "color": color or "#000000",
            **{k: v for k, v in extra.items() if v is not None}, "created_at": now}


def interface_record(*, organization_id: str, now: str, interface_id: str | None = None, name: str | None = None,
                     primary_color: str | None = None, icon_file_id: str | None = None,
                     logo_file_id: str | None = None) -> dict:
    return {
        "interface_id": interface_id or new_id(),
        "organization_id": organization_id,
        "name": name,
        "primary_color": (primary_color or defaults.DEFAULT_PRIMARY_COLOR).upper(),
        "icon_file_id": icon_file_id or defaults.DEFAULT_ICON_FILE_ID,
        "logo_file_id": logo_file_id or defaults.DEFAULT_LOGO_FILE_ID,
        "created_at": now,
        "updated_at": now,
    }


def delivery_record(*, body: dict, url: str | None, now: str, seq: int, redelivery_of: str | None = None) -> dict:
    """One webhook delivery of an event (the event's body, its target URL, no attempts yet); a redelivery names
    the delivery it repeats."""
    doc = {
        "delivery_id": new_id(),
        "event_id": body["event_id"],
        "event": body["event"],
        "workflow_id": body["workflow_id"],
        "organization_id": body["organization_id"],
        "url": url,
        "payload": body,
        "status": "pending" if url else "undeliverable",
        "error": None if url else "No webhook_url on the workflow or its organization.",
        "attempts": [],
        "next_attempt_at": time.time(),
        "created_at": now,
        "seq": seq,
    }
    if redelivery_of is not None:
        doc["redelivery_of"] = redelivery_of
    return doc
