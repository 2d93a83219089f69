"""Read the caller's API key from a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
from __future__ import annotations


def api_key_of(request) -> str | None:
    """Return the request's API key, or None when it carries none."""
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else None
    return key or request.headers.get("X-API-Key", "").strip() or None
