"""Record every request the mock served into the instance's request log (Flask hooks only)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import current_app, g, request

from ..api.credentials import api_key_of
from ..domain.clock import iso
from ..inspection.redaction import REDACTED, REDACTED_HEADERS, is_secret_query, redact_text

BODY_LIMIT = 2048
# The log's own endpoint, static assets and the browser's favicon request would only drown the calls an integrator made.
UNJOURNALED_PREFIXES = ("/_mock/static/", "/sign/_static/")
UNJOURNALED_PATHS = {"/_mock/requests", "/favicon.ico"}
SECRET_BODY_PATHS = {"/_mock/snapshot"}


def resolve_organization(services) -> str | None:
    """Tell the caller's organization from its key or signing link, without provisioning anything."""
    authenticated = g.get("organization")
    if authenticated is not None:
        return authenticated["organization_id"]
    key = api_key_of(request)
    if key:
        return services.organization_of_key(key)
    if g.get("link_organization_id"):  # a signing view or action noted it (signing/__init__.py)
        return g.link_organization_id
    parts = request.path.split("/")
    if len(parts) >= 3 and parts[1] == "sign" and parts[2] and parts[2] != "_static":
        return services.organization_of_signing_token(parts[2])
    return request.args.get("organization_id") if request.path.startswith("/_mock") else None


_HEADER_NAMES: dict[str, str] = {}  # WSGI environ key -> header name as werkzeug spells it ("HTTP_X_API_KEY" -> "X-Api-Key")
_REDACTED_KEYS = {"HTTP_" + h.upper().replace("-", "_") for h in REDACTED_HEADERS}


def _headers(req) -> dict:
    """The request's headers as req.headers lists them (same names, same order), secrets redacted.

    Read from the WSGI environ directly, with each name spelled once per process: werkzeug's EnvironHeaders
    re-spells every name on every iteration, a tenth of this hook on a GetWorkflow."""
    out = {}
    names = _HEADER_NAMES
    for key, value in req.environ.items():
        if key.startswith("HTTP_"):
            if key == "HTTP_CONTENT_TYPE" or key == "HTTP_CONTENT_LENGTH":
                continue
        elif not ((key == "CONTENT_TYPE" or key == "CONTENT_LENGTH") and value):
            continue
        name = names.get(key)
        if name is None:
            name = names[key] = (key[5:] if key.startswith("HTTP_") else key).replace("_", "-").title()
        out[name] = REDACTED if key in _REDACTED_KEYS else value
    return out


def _query(req) -> dict:
    """The query string, with the values of secret parameters (tokens, keys) blanked like headers."""
    return {k: ([REDACTED] * len(v) if is_secret_query(k) else v)
            for k, v in req.args.to_dict(flat=False).items()}


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
    # Cut first, then redact what is kept: redacting a 27 MB upload only to keep 2 KB of it cost a third of its
    # request time. A UTF-8 character is at most 4 bytes, so this slice holds at least BODY_LIMIT characters.
    text = raw[:BODY_LIMIT * 4].decode("utf-8", errors="replace")
    truncated = len(raw) > BODY_LIMIT * 4 or len(text) > BODY_LIMIT
    text = redact_text(text[:BODY_LIMIT])[:BODY_LIMIT]
    return {"body": text or None, "body_size": len(raw), "body_truncated": truncated}


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
    """Append this request and its answer to the log (after_request hook)."""
    # One real request object instead of the proxy: this hook runs on every request.
    req = request._get_current_object()
    path = req.path
    if path in UNJOURNALED_PATHS or path.startswith(UNJOURNALED_PREFIXES):
        return response
    app = current_app._get_current_object()
    gobj = g._get_current_object()  # and the real g: each proxy lookup costs as much as the dict read behind it
    started = gobj.get("sign8_started") or time.perf_counter()
    services = app.extensions["sign8"]
    authenticated = gobj.get("organization")
    entry = {
        "time": iso(gobj.get("sign8_received") or datetime.now(timezone.utc)),
        "method": req.method,
        "path": path,
        "query": _query(req) if req.query_string else {},
        "headers": _headers(req),
        **(_SECRET_BODY if path in SECRET_BODY_PATHS else _body() if req.content_length or req.mimetype else _NO_BODY),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "organization_id": (authenticated["organization_id"] if authenticated is not None
                            else resolve_organization(services)),
        "violation": _violation(response) if response.status_code >= 400 else None,
        "fault": gobj.get("sign8_fault"),
        "dropped": bool(req.environ.get("sign8.drop")),
    }
    services.log_request(entry)
    return response


_NO_BODY = {"body": None, "body_size": 0, "body_truncated": False}
_SECRET_BODY = {"body": "<redacted: a snapshot holds API keys and webhook secrets>", "body_size": None,
                "body_truncated": True}


def init_app(app) -> None:
    app.before_request(start_timer)
    app.after_request(record)
