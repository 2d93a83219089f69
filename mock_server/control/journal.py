"""The request journal (like WireMock's): every request the mock served, newest last, in a bounded ring buffer."""
from __future__ import annotations

import fnmatch
import itertools
import threading
import time
from collections import deque
from datetime import datetime, timezone

from flask import current_app, g, request

from ..api.credentials import api_key_of
from ..domain.clock import iso, parse_iso
from ..domain.organizations import organization_id_for_key
from ..domain.workflows import token_hash

DEFAULT_CAPACITY = 5000
BODY_LIMIT = 2048
REDACTED_HEADERS = {"authorization", "x-api-key", "x-admin-token", "cookie", "set-cookie"}
# The journal's own endpoint and static assets would only drown the calls an integrator made.
UNJOURNALED_PREFIXES = ("/_mock/static/", "/sign/_static/")
UNJOURNALED_PATHS = {"/_mock/requests"}
SECRET_BODY_PATHS = {"/_mock/snapshot"}


class RequestJournal:
    """Keep the last `capacity` requests; thread-safe; one per app."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, entry: dict) -> dict:
        with self._lock:
            entry["id"] = next(self._ids)
            self._entries.append(entry)
        return entry

    def clear(self, organization_id: str | None = None) -> int:
        """Forget every entry (or one organization's); return how many went."""
        with self._lock:
            before = len(self._entries)
            if organization_id is None:
                self._entries.clear()
            else:
                kept = [e for e in self._entries if e.get("organization_id") != organization_id]
                self._entries = deque(kept, maxlen=self.capacity)
            return before - len(self._entries)

    def query(self, path=None, method=None, status=None, since=None, organization_id=None,
              violations=False, limit=None) -> list[dict]:
        """Return matching entries, newest first."""
        with self._lock:
            rows = list(self._entries)
        since_dt = since if since is None or isinstance(since, datetime) else parse_iso(since)
        out = []
        for e in reversed(rows):
            if path and not (e["path"] == path or fnmatch.fnmatchcase(e["path"], path)):
                continue
            if method and e["method"] != method.upper():
                continue
            if status is not None and e["status"] != status:
                continue
            if since_dt is not None and parse_iso(e["time"]) < since_dt:
                continue
            if organization_id and e.get("organization_id") != organization_id:
                continue
            if violations and not e.get("violation"):
                continue
            out.append(e)
            if limit and len(out) >= limit:
                break
        return out


def journal_of(app) -> RequestJournal:
    return app.extensions["sign8_journal"]


def resolve_organization(services) -> str | None:
    """Tell the caller's organization from its key or signing link, without provisioning anything."""
    authenticated = g.get("organization")
    if authenticated is not None:
        return authenticated["organization_id"]
    key = api_key_of(request)
    if key:
        org = services.organizations.find_by_key(key)
        # Open mode would provision this key under its derived id; strict mode rejects it (no organization).
        if org is not None:
            return org["organization_id"]
        return organization_id_for_key(key) if services.settings.auth == "open" else None
    parts = request.path.split("/")
    if len(parts) >= 3 and parts[1] == "sign" and parts[2] and parts[2] != "_static":
        for signer in services.store.by("signers", "token_hash", token_hash(parts[2])):
            return signer["organization_id"]
    return request.args.get("organization_id") if request.path.startswith("/_mock") else None


def _headers(req) -> dict:
    return {k: ("[redacted]" if k.lower() in REDACTED_HEADERS else v) for k, v in req.headers.items()}


def _size(stream) -> int | None:
    try:
        position = stream.tell()
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(position)
        return size
    except (OSError, ValueError):
        return None


def _body() -> dict:
    """Describe the request body: text up to BODY_LIMIT characters, multipart as fields and file sizes."""
    if request.mimetype == "multipart/form-data":
        files = [{"field": name, "file_name": f.filename, "content_type": f.mimetype, "size": _size(f.stream)}
                 for name, f in request.files.items()]
        return {"body": {"form": request.form.to_dict(), "files": files}, "body_size": request.content_length,
                "body_truncated": False}
    try:
        raw = request.get_data(cache=True)
    except Exception:  # a body over MAX_CONTENT_LENGTH: the answer already says 413
        return {"body": None, "body_size": request.content_length, "body_truncated": True}
    text = raw.decode("utf-8", errors="replace")
    truncated = len(text) > BODY_LIMIT
    return {"body": (text[:BODY_LIMIT] if truncated else text) or None, "body_size": len(raw),
            "body_truncated": truncated}


def _violation(response) -> dict | None:
    """Return the documented error of a rejected /api call: the contract break an integrator must fix."""
    if not (400 <= response.status_code < 500) or not request.path.startswith("/api/"):
        return None
    if g.get("sign8_fault"):
        return None
    payload = response.get_json(silent=True) if response.is_json else None
    err = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(err, dict):
        return {"code": err.get("code"), "message": err.get("message"), "fields": err.get("fields")}
    return {"code": f"http_{response.status_code}", "message": response.status}


def start_timer() -> None:
    g.sign8_started = time.perf_counter()
    g.sign8_received = datetime.now(timezone.utc)


def record(response):
    """Append this request and its answer to the journal (after_request hook)."""
    # One real request object instead of the proxy: this hook runs on every request.
    req = request._get_current_object()
    path = req.path
    if path in UNJOURNALED_PATHS or path.startswith(UNJOURNALED_PREFIXES):
        return response
    app = current_app._get_current_object()
    started = g.get("sign8_started") or time.perf_counter()
    entry = {
        "time": iso(g.get("sign8_received") or datetime.now(timezone.utc)),
        "method": req.method,
        "path": path,
        "query": req.args.to_dict(flat=False) if req.query_string else {},
        "headers": _headers(req),
        **(_SECRET_BODY if path in SECRET_BODY_PATHS else _body() if req.content_length or req.mimetype else _NO_BODY),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "organization_id": resolve_organization(app.extensions["sign8"]),
        "violation": _violation(response) if response.status_code >= 400 else None,
        "fault": g.get("sign8_fault"),
        "dropped": bool(req.environ.get("sign8.drop")),
    }
    journal_of(app).add(entry)
    return response


_NO_BODY = {"body": None, "body_size": 0, "body_truncated": False}
_SECRET_BODY = {"body": "[redacted: a snapshot holds API keys and webhook secrets]", "body_size": None,
                "body_truncated": True}


def init_app(app, capacity: int = DEFAULT_CAPACITY) -> None:
    app.extensions["sign8_journal"] = RequestJournal(capacity)
    app.before_request(start_timer)
    app.after_request(record)
