"""Replay recorded calls against a fresh in-memory mock: ids mapped, secrets and files stood in for."""
from __future__ import annotations

import base64
import io
import json
import os
import tempfile
from urllib.parse import urlsplit

from ..domain.events import WORKFLOW_EXPIRED, WORKFLOW_REFUSED
from ..inspection.redaction import REDACTED, SECRET_BODY_FIELDS, parse_file_marker
from .har import EXTRA
from .proxy import API_PREFIX

# Set by each hop, not by the API: never compared.
TRANSPORT_HEADERS = frozenset({"host", "content-length", "connection", "keep-alive", "user-agent", "accept",
                               "accept-encoding", "date", "server", "transfer-encoding", "te", "via",
                               "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
ORG_HEADERS = ("organisation_id", "organization_id", "organisation-id", "organization-id")
# What a redacted secret is replayed as: values the mock accepts.
PLACEHOLDER_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"sign8-mock drift replay secret!!").decode()
PLACEHOLDERS = {"password": "Drift-placeholder-1", "code": "000000", "webhook_secret": PLACEHOLDER_WEBHOOK_SECRET,
                "secret": PLACEHOLDER_WEBHOOK_SECRET}


def kind_of(entry: dict) -> str | None:
    """"api" or "webhook" as the proxy marked the entry; a Workflow API call also in a HAR from another tool."""
    marked = entry.get(EXTRA, {}).get("kind")
    if marked:
        return marked
    return "api" if API_PREFIX in urlsplit(entry.get("request", {}).get("url", "")).path else None


def json_or_none(text):
    """Parse a recorded body; None when it is empty or no JSON."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def header(headers, *names):
    """The value of the first HAR header with one of these names (any case)."""
    wanted = {n.lower() for n in names}
    return next((h["value"] for h in headers if h["name"].lower() in wanted), None)


def make_pdf(pages: int) -> bytes:
    """A PDF with this many blank A4 pages: what a redacted upload is replayed as."""
    from pypdf import PdfWriter  # lazy: only a replayed upload needs it

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stand_in_file(marker: dict) -> bytes:
    """What a redacted file is replayed as: a PDF with its page count, or as many zero bytes if it was no PDF."""
    return make_pdf(marker["pages"]) if marker["pages"] else b"\0" * marker["size"]


def collect_ids(value, out: set) -> set:
    """Every id (a string under a key ending in _id or _ids) in a recorded answer or webhook."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_id") and isinstance(item, str):
                out.add(item)
            elif key.endswith("_ids") and isinstance(item, list):
                out.update(i for i in item if isinstance(i, str))
            else:
                collect_ids(item, out)
    elif isinstance(value, list):
        for item in value:
            collect_ids(item, out)
    return out


def learn_ids(real, mock, ids: dict) -> None:
    """Map the ids in a recorded answer to the replay's, walking both answers side by side."""
    if isinstance(real, dict) and isinstance(mock, dict):
        for key, value in real.items():
            other = mock.get(key)
            if key.endswith("_id") and isinstance(value, str) and isinstance(other, str):
                ids.setdefault(value, other)
            elif key.endswith("_ids") and isinstance(value, list) and isinstance(other, list):
                for a, b in zip(value, other):
                    if isinstance(a, str) and isinstance(b, str):
                        ids.setdefault(a, b)
            else:
                learn_ids(value, other, ids)
    elif isinstance(real, list) and isinstance(mock, list):
        for a, b in zip(real, mock):
            learn_ids(a, b, ids)


class Replay:
    """A fresh in-memory mock that the recorded calls are replayed against, with ids and secrets mapped."""

    def __init__(self, entries: list[dict]):
        from ..app import create_app  # lazy: `sign8-mock proxy` never needs the app

        api = [e for e in entries if kind_of(e) == "api"]
        hooks = [e for e in entries if kind_of(e) == "webhook"]
        self.keys: dict[str, str] = {}  # credential label -> the replay's API key
        orgs: dict[str, str | None] = {}
        accepted: set[str] = set()
        for e in api:
            label = e.get(EXTRA, {}).get("credential") or "key-1"
            orgs.setdefault(label, None)
            if e["response"]["status"] != 401:
                accepted.add(label)
            body = json_or_none(e["response"]["content"].get("text"))
            claimed = header(e["request"]["headers"], *ORG_HEADERS)
            if orgs[label] is None and isinstance(body, dict) and isinstance(body.get("organization_id"), str):
                orgs[label] = body["organization_id"]
            elif orgs[label] is None and claimed:
                orgs[label] = claimed
        signed = any(header(h["request"]["headers"], "webhook-signature") for h in hooks)
        hook_base = None
        if hooks:
            url, path = hooks[0]["request"]["url"], hooks[0][EXTRA].get("webhook_path") or ""
            hook_base = url[: len(url) - len(path)] if path and url.endswith(path) else url
        # Known organizations with the recorded ids, in strict mode: a key the service rejected stays rejected.
        known = []
        for label in sorted(orgs):
            self.keys[label] = f"drift-replay-{label}" if label in accepted else f"drift-rejected-{label}"
            if label in accepted:
                known.append({"api_key": self.keys[label], "name": f"replay {label}",
                              **({"organization_id": orgs[label]} if orgs[label] else {}),
                              "webhook_url": hook_base,
                              "webhook_secret": PLACEHOLDER_WEBHOOK_SECRET if signed else None})
        fd, self._orgs_file = tempfile.mkstemp(prefix="sign8-drift-orgs-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(known, fh)
        self.app = create_app({"db": ":memory:", "auth": "strict", "organizations_file": self._orgs_file,
                               "scheduler": False}, start_background=False)
        self.services = self.app.extensions["sign8"]
        self.client = self.app.test_client()
        self.ids: dict[str, str] = {}
        # Ids the real service handed out; one the replay never mapped was made by what it cannot see.
        self.recorded_ids: set[str] = set()
        for e in entries:
            collect_ids(json_or_none(e["response"]["content"].get("text")), self.recorded_ids)
            collect_ids(json_or_none((e["request"].get("postData") or {}).get("text")) if kind_of(e) == "webhook"
                        else None, self.recorded_ids)
        self.org_key = {o.get("organization_id"): o["api_key"] for o in known}
        self.hook_base_path = urlsplit(hook_base).path.rstrip("/") if hook_base else ""

    def close(self) -> None:
        self.services.stop()
        os.unlink(self._orgs_file)

    def openapi(self) -> dict:
        return self.client.get("/openapi.json").get_json()

    def _map(self, value):
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, list):
            return [self._map(v) for v in value]
        if isinstance(value, dict):
            return {k: self._field(k, v) for k, v in value.items()}
        return value

    def _field(self, key, value):
        if value == REDACTED and key in SECRET_BODY_FIELDS:
            return PLACEHOLDERS[key]
        marker = parse_file_marker(value)
        if marker is not None:
            return base64.b64encode(stand_in_file(marker)).decode()
        return self._map(value)

    def unseen_object(self, entry: dict) -> str | None:
        """The field of a recorded call that names an object the replay never made, if any.

        Such an object came from a signer's action on SIGN8's own pages (a signed file, an audit report), which
        the proxy does not see; replaying the call could only answer 404, which would be no drift of the API."""
        req = entry["request"]
        fields = [(q["name"], q["value"]) for q in req.get("queryString", [])]
        body = json_or_none((req.get("postData") or {}).get("text"))
        if isinstance(body, dict):
            fields += list(body.items())
        for name, value in fields:
            if isinstance(value, str) and value in self.recorded_ids and value not in self.ids:
                return name
        return None

    def call(self, entry: dict):
        """Replay one recorded call; return the mock's response."""
        req = entry["request"]
        label = entry.get(EXTRA, {}).get("credential") or "key-1"
        headers = []
        for h in req["headers"]:
            name, value = h["name"], h["value"]
            low = name.lower()
            if low in TRANSPORT_HEADERS or low == "content-type":
                continue
            if low == "authorization":
                value = f"Bearer {self.keys[label]}"
            elif low == "x-api-key":
                value = self.keys[label]
            elif low in ORG_HEADERS:
                value = self.ids.get(value, value)
            headers.append((name, value))
        path = urlsplit(req["url"]).path
        path = path[path.find(API_PREFIX):] if API_PREFIX in path else path
        query = [(q["name"], self._field(q["name"], q["value"])) for q in req.get("queryString", [])]
        post = req.get("postData")
        kwargs = {}
        if post:
            mime = post.get("mimeType") or ""
            if mime.startswith("multipart/form-data"):
                data = {}
                for p in post.get("params", []):
                    if "fileName" in p:
                        marker = parse_file_marker(p.get("value"))
                        raw = (stand_in_file(marker) if marker else
                               base64.b64decode(p.get("value") or "") if p.get("comment") == "base64" else b"")
                        data[p["name"]] = (io.BytesIO(raw), p.get("fileName") or "upload.pdf",
                                           p.get("contentType") or "application/pdf")
                    else:
                        data[p["name"]] = self._field(p["name"], p.get("value", ""))
                kwargs.update(data=data, content_type="multipart/form-data")
            else:
                parsed = json_or_none(post.get("text"))
                text = json.dumps(self._map(parsed)) if parsed is not None else (post.get("text") or "")
                kwargs.update(data=text.encode(), content_type=mime)
        return self.client.open(path, method=req["method"], query_string=query, headers=headers, **kwargs)

    def trigger(self, event: dict):
        """Make the replay fire the event a recorded webhook reported; return what the mock sends, or a reason."""
        name, workflow = event.get("event"), self.ids.get(event.get("workflow_id"))
        if workflow is None:
            return "its workflow_id was never answered by a recorded call"
        key = self.org_key.get(event.get("organization_id")) or next(iter(self.org_key.values()), None)
        auth = {"Authorization": f"Bearer {key}"} if key else {}
        if name == WORKFLOW_REFUSED.name:
            body = {k: v for k, v in {"signer_id": self.ids.get(event.get("signer_id")),
                                      "reason": event.get("reason")}.items() if v is not None}
            resp = self.client.post(f"/_mock/workflows/{workflow}/refuse", json=body, headers=auth)
        elif name == WORKFLOW_EXPIRED.name:
            resp = self.client.post(f"/_mock/workflows/{workflow}/expire", headers=auth)
        else:
            return f"the mock has no event named {name!r}"
        if resp.status_code != 200:
            return f"the mock answered {resp.status_code} to firing {name}: {resp.get_data(as_text=True)[:200]}"
        org = resp.get_json()["organization_id"]
        found = self.services.deliveries(org, workflow_id=workflow, event=name)["items"]
        if not found:
            return f"the mock queued no {name} delivery (no webhook URL)"
        return self.services.webhook_request(org, found[0]["delivery_id"])


