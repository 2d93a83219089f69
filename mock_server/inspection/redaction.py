"""What counts as a secret, defined once: the request log and the recording proxy both redact by these rules."""
from __future__ import annotations

import hashlib
import re

REDACTED = "<redacted>"
# Credentials carried in headers: API keys, the admin token, cookies.
REDACTED_HEADERS = frozenset({"authorization", "x-api-key", "x-admin-token", "cookie", "set-cookie"})
# Query parameters that carry a credential or a secret.
REDACTED_QUERY = frozenset({"admin_token", "api_key", "apikey", "key", "token", "access_token", "password", "code",
                            "webhook_secret", "secret"})
# Body fields whose value is a secret: a workflow password, a one-time code, a webhook secret.
SECRET_BODY_FIELDS = ("password", "code", "webhook_secret", "secret")
# Body fields that carry a file's bytes (AddFile's base64 `data`): kept as their size and SHA-256 only.
FILE_BODY_FIELDS = ("data",)
# An error's `code` is the documented machine-readable error code, not a one-time code.
NOT_SECRET_PARENTS = frozenset({"error"})

_SECRET_HINT = re.compile("|".join(SECRET_BODY_FIELDS))
_SECRET_JSON = re.compile(r'("(?:%s)"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\s]*)' % "|".join(SECRET_BODY_FIELDS))
_SECRET_FORM = re.compile(r"(^|&)(%s)=[^&]*" % "|".join(SECRET_BODY_FIELDS))
_FILE_MARKER = re.compile(r"^<redacted file: (\d+) bytes, sha256 ([0-9a-f]{64})(?:, (\d+) pages?)?>$")


def is_secret_header(name: str) -> bool:
    return name.lower() in REDACTED_HEADERS


def is_secret_query(name: str) -> bool:
    return name.lower() in REDACTED_QUERY


def redact_text(text: str) -> str:
    """Blank the values of SECRET_BODY_FIELDS in a JSON or form body (also when malformed or cut short)."""
    if not text or not _SECRET_HINT.search(text):
        return text
    text = _SECRET_JSON.sub(r'\1"%s"' % REDACTED, text)
    return _SECRET_FORM.sub(r"\1\2=%s" % REDACTED, text)


def redact_json(value, file_bytes=None, parent: str | None = None):
    """Return a copy of parsed JSON with secret fields blanked; file fields go through file_bytes(str) if given."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in SECRET_BODY_FIELDS and parent not in NOT_SECRET_PARENTS and item is not None:
                out[key] = REDACTED
            elif file_bytes is not None and key in FILE_BODY_FIELDS and isinstance(item, str):
                out[key] = file_bytes(item)
            else:
                out[key] = redact_json(item, file_bytes, key)
        return out
    if isinstance(value, list):
        return [redact_json(item, file_bytes, parent) for item in value]
    return value


def file_marker(data: bytes) -> str:
    """Describe a file's bytes without them: size, SHA-256 and (for a PDF) its page count."""
    pages = pdf_page_count(data)
    tail = f", {pages} page{'s' if pages != 1 else ''}" if pages is not None else ""
    return f"<redacted file: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}{tail}>"


def parse_file_marker(text) -> dict | None:
    """Read back what file_marker wrote: {"size", "sha256", "pages"}, or None when text is no such marker."""
    match = _FILE_MARKER.match(text) if isinstance(text, str) else None
    if not match:
        return None
    return {"size": int(match[1]), "sha256": match[2], "pages": int(match[3]) if match[3] else None}


def pdf_page_count(data: bytes) -> int | None:
    """The page count of a PDF, or None when data is not a readable PDF."""
    if not data.startswith(b"%PDF"):
        return None
    import io

    from pypdf import PdfReader  # lazy: only a recorded upload needs it
    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except Exception:  # a damaged PDF: its size and hash still describe it
        return None
