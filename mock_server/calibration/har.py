"""Write exchanges into a HAR 1.2 file, redacted by the shared rules (inspection/redaction.py) before they are kept."""
from __future__ import annotations

import base64
import binascii
import io
import json
import os
import threading
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import __version__
from ..inspection.redaction import (REDACTED, SECRET_BODY_FIELDS, file_marker, is_secret_header, is_secret_query,
                                    redact_json, redact_text)

# What a HAR entry of the proxy says about itself, next to the standard fields (HAR allows "_"-prefixed ones).
EXTRA = "_sign8"


def media_type(headers) -> str:
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return ""


def _is_text(mime: str) -> bool:
    base = mime.split(";")[0].strip().lower()
    return base.startswith("text/") or base.endswith(("json", "xml")) or base in ("application/x-www-form-urlencoded",
                                                                                 "application/javascript")


class Redactor:
    """Turn raw headers, URLs and bodies into their HAR form with every secret and (unless kept) file bytes out."""

    def __init__(self, keep_bodies: bool = False):
        self.keep_bodies = keep_bodies
        self._labels: dict[str, str] = {}

    def credential(self, headers) -> str | None:
        """Name the API key a call carried ("key-1", "key-2", ... in order of appearance), never the key itself.

        The replay needs to tell callers apart (a key the service rejected must be rejected again); a counter
        says which calls shared a key without anything derived from it, so nothing in the file can be guessed back.
        """
        for name, value in headers:
            if name.lower() in ("authorization", "x-api-key"):
                key = value.split(None, 1)[1] if value.lower().startswith("bearer ") else value
                return self._labels.setdefault(key.strip(), f"key-{len(self._labels) + 1}")
        return None

    def headers(self, headers) -> list[dict]:
        return [{"name": n, "value": REDACTED if is_secret_header(n) else v} for n, v in headers]

    def url(self, url: str) -> tuple[str, list[dict]]:
        """The URL with secret query values blanked, and its query string as HAR lists it."""
        parts = urlsplit(url)
        raw = parse_qsl(parts.query, keep_blank_values=True)
        pairs = [(k, REDACTED if is_secret_query(k) else v) for k, v in raw]
        if pairs != raw:  # re-encoded only when a value was blanked: otherwise the URL stays as it was sent
            url = urlunsplit(parts._replace(query=urlencode(pairs, safe="<>")))
        return url, [{"name": k, "value": v} for k, v in pairs]

    def _file(self, text: str) -> str:
        """A base64 file field: kept with --keep-bodies, else its size, SHA-256 and page count."""
        if self.keep_bodies:
            return text
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            data = text.encode()
        return file_marker(data)

    def json_text(self, raw: bytes) -> str | None:
        """The redacted JSON text, the original bytes when nothing needed redacting; None when raw is no JSON."""
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None
        redacted = redact_json(parsed, self._file)
        return raw.decode("utf-8") if redacted == parsed else json.dumps(redacted, ensure_ascii=False)

    def post_data(self, headers, body: bytes) -> dict | None:
        if not body:
            return None
        mime = media_type(headers) or "application/octet-stream"
        base = mime.split(";")[0].strip().lower()
        if base == "multipart/form-data":
            return {"mimeType": mime, "params": self._multipart(mime, body)}
        if base == "application/x-www-form-urlencoded":
            pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            return {"mimeType": mime, "text": redact_text(body.decode("utf-8", "replace")),
                    "params": self._fields(pairs)}
        text = self.json_text(body) if "json" in base else None
        if text is not None:
            return {"mimeType": mime, "text": text}
        if _is_text(mime):
            return {"mimeType": mime, "text": redact_text(body.decode("utf-8", "replace"))}
        if self.keep_bodies:
            return {"mimeType": mime, "text": base64.b64encode(body).decode(), "comment": "base64"}
        return {"mimeType": mime, "text": file_marker(body)}

    @staticmethod
    def _fields(pairs) -> list[dict]:
        return [{"name": k, "value": REDACTED if k in SECRET_BODY_FIELDS else v} for k, v in pairs]

    def _multipart(self, mime: str, body: bytes) -> list[dict]:
        from werkzeug.formparser import MultiPartParser  # a multipart upload is rare: parse only then
        from werkzeug.http import parse_options_header

        boundary = parse_options_header(mime)[1].get("boundary", "").encode()
        form, files = MultiPartParser().parse(io.BytesIO(body), boundary, len(body))
        params = self._fields(form.items(multi=True))
        for name, upload in files.items(multi=True):
            data = upload.read()
            value = base64.b64encode(data).decode() if self.keep_bodies else file_marker(data)
            params.append({"name": name, "value": value, "fileName": upload.filename or "",
                           "contentType": upload.mimetype or "application/octet-stream",
                           **({"comment": "base64"} if self.keep_bodies else {})})
        return params

    def content(self, headers, body: bytes) -> dict:
        """HAR's response content: the decoded body (HAR keeps it uncompressed), redacted."""
        mime = media_type(headers) or ("application/octet-stream" if body else "")
        encoding = next((v.strip().lower() for n, v in headers if n.lower() == "content-encoding"), "")
        sent = len(body)
        if encoding in ("gzip", "x-gzip", "deflate"):
            import zlib
            try:
                body = zlib.decompress(body, 47 if "gzip" in encoding else 15)
            except zlib.error:
                pass  # not what it says it is: described as bytes below
        content = {"size": len(body), "mimeType": mime, **({"compression": len(body) - sent} if len(body) != sent else {})}
        if not body:
            return content
        text = self.json_text(body) if "json" in mime.lower() else None
        if text is not None:
            content["text"] = text
        elif _is_text(mime):
            content["text"] = redact_text(body.decode("utf-8", "replace"))
        elif self.keep_bodies:
            content.update(text=base64.b64encode(body).decode(), encoding="base64")
        else:
            content["comment"] = file_marker(body)
        return content


def http_version(version: str) -> str:
    return version if version.startswith("HTTP/") else f"HTTP/{version}"


class HarRecorder:
    """Keep a HAR 1.2 log in a file; rewritten whole (and atomically) after every exchange, so it always parses."""

    def __init__(self, path: str | None, keep_bodies: bool = False):
        self.path = path
        self.redactor = Redactor(keep_bodies)
        self.entries: list[dict] = []
        self._texts: list[str] = []
        self._lock = threading.Lock()
        if path:
            self._write()

    def meta(self) -> dict:
        return {"version": "1.2", "creator": {"name": "sign8-mock proxy", "version": __version__},
                "comment": "Recorded by `sign8-mock proxy`; secrets are <redacted>, file bytes are their size and "
                           "SHA-256 unless --keep-bodies was given."}

    def log(self) -> dict:
        return {"log": {**self.meta(), "entries": self.entries}}

    def record(self, *, kind: str, started: datetime, elapsed_ms: float, method: str, url: str, req_headers,
               req_body: bytes, status: int, reason: str, resp_headers, resp_body: bytes, extra: dict | None = None,
               version: str = "HTTP/1.1") -> dict:
        """Add one exchange (kind "api" or "webhook"), redacted, and write the file."""
        r = self.redactor
        shown_url, query = r.url(url)
        request = {"method": method, "url": shown_url, "httpVersion": http_version(version), "cookies": [],
                   "headers": r.headers(req_headers), "queryString": query, "headersSize": -1,
                   "bodySize": len(req_body)}
        post = r.post_data(req_headers, req_body)
        if post is not None:
            request["postData"] = post
        location = next((v for n, v in resp_headers if n.lower() == "location"), "")
        response = {"status": status, "statusText": reason or "", "httpVersion": http_version(version),
                    "cookies": [], "headers": r.headers(resp_headers), "content": r.content(resp_headers, resp_body),
                    "redirectURL": location, "headersSize": -1, "bodySize": len(resp_body)}
        elapsed = round(max(elapsed_ms, 0.0), 3)
        entry = {"startedDateTime": started.astimezone(timezone.utc).isoformat(timespec="milliseconds"),
                 "time": elapsed, "request": request, "response": response, "cache": {},
                 "timings": {"send": 0, "wait": elapsed, "receive": 0}, EXTRA: {"kind": kind, **(extra or {})}}
        with self._lock:
            if kind == "api":
                entry[EXTRA]["credential"] = r.credential(req_headers)
            self.entries.append(entry)
            if self.path:
                self._write()
        return entry

    def _write(self) -> None:
        # Each entry is serialized once: a long session rewrites the file, not every entry's JSON.
        self._texts.extend(json.dumps(e, ensure_ascii=False, indent=1) for e in self.entries[len(self._texts):])
        text = ('{"log": ' + json.dumps(self.meta(), ensure_ascii=False)[:-1] + ', "entries": [\n'
                + ",\n".join(self._texts) + "\n]}}\n")
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)


def load(path: str) -> list[dict]:
    """The entries of a HAR file."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["log"]["entries"]
