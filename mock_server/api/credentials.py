"""Read the caller's API key from a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
from __future__ import annotations

from ..domain.errors import Unauthorized

# Open auth mode: every /api answer names the organization the key acted for (a mistyped key gets a new one).
ORGANIZATION_HEADER = "X-Sign8-Mock-Organization"
ACCEPTED_FORMS = "'Authorization: Bearer <key>' or 'X-API-Key: <key>'"


def api_key_of(request) -> str | None:
    """Return the request's API key, or None when it carries none (never raises: the journal calls it too)."""
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else None
    return key or request.headers.get("X-API-Key", "").strip() or None


def check_authorization(request, basic_is_admin: bool = False) -> None:
    """Refuse an Authorization header that carries no Bearer key (401 invalid_authorization).

    A key sent as `Authorization: my-key` or with another scheme would otherwise count as no key at all, and the
    answer "an API key is required" would puzzle whoever sent one. On the control API a browser's Basic
    credentials carry the admin token (basic_is_admin).
    """
    header = request.headers.get("Authorization")
    if header is None or not header.strip():
        return
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        return
    if basic_is_admin and scheme.lower() == "basic":
        return
    if scheme.lower() == "bearer":
        problem = "the Bearer scheme carries no key"
    elif not rest.strip():
        problem = "it has no scheme (a bare key)"
    else:
        problem = f"its scheme is '{scheme[:20]}', not Bearer"
    raise Unauthorized(f"The Authorization header is not understood: {problem}. Send the API key as {ACCEPTED_FORMS}.",
                       code_override="invalid_authorization")
