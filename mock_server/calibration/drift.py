"""The drift report: a recorded HAR checked against the mock's OpenAPI document and replayed against a fresh mock.

Findings compare shapes only (status, field names, JSON types, documented enum values), never the values of ids
or times. The JSON form is described field by field in README.md ("Calibrate against your SIGN8 test system").
"""
from __future__ import annotations

import base64
import io
import json
import os
import tempfile
from datetime import datetime, timezone
from urllib.parse import urlsplit

from .. import __version__
from ..inspection.redaction import REDACTED, SECRET_BODY_FIELDS, parse_file_marker
from .har import EXTRA
from .har import load as load_har

REPORT_VERSION = 1
API_PREFIX = "/api/workflow/"
# Set by each hop, not by the API: never compared.
TRANSPORT_HEADERS = frozenset({"host", "content-length", "connection", "keep-alive", "user-agent", "accept",
                               "accept-encoding", "date", "server", "transfer-encoding", "te", "via",
                               "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
ORG_HEADERS = ("organisation_id", "organization_id", "organisation-id", "organization-id")
# What a redacted secret is replayed as: values the mock accepts.
PLACEHOLDER_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"sign8-mock drift replay secret!!").decode()
PLACEHOLDERS = {"password": "Drift-placeholder-1", "code": "000000", "webhook_secret": PLACEHOLDER_WEBHOOK_SECRET,
                "secret": PLACEHOLDER_WEBHOOK_SECRET}
SPEC_HOST = "http://sign8.drift"
# Finding kinds, in the order the report lists them (README.md documents each).
KINDS = ("status", "undocumented_status", "schema", "missing_field", "extra_field", "type", "webhook_path",
         "header_missing", "header_extra", "not_replayed")


def _json(text):
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _header(headers, *names):
    wanted = {n.lower() for n in names}
    return next((h["value"] for h in headers if h["name"].lower() in wanted), None)


def jtype(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


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


class Spec:
    """The mock's own OpenAPI document: response validation (openapi-core) and declared fields per schema."""

    def __init__(self, document: dict):
        self.document = {**document, "servers": [{"url": SPEC_HOST}]}
        from openapi_core import OpenAPI  # lazy: only the drift report validates

        self.openapi = OpenAPI.from_dict(self.document)

    def resolve(self, schema):
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 50:
            node = self.document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema, seen = node, seen + 1
        if isinstance(schema, dict) and "allOf" in schema:
            merged = {"properties": {}}
            for part in schema["allOf"]:
                merged["properties"].update(self.resolve(part).get("properties", {}))
            return merged
        return schema if isinstance(schema, dict) else {}

    def response_schema(self, path: str, method: str, status: int):
        op = self.document.get("paths", {}).get(path, {}).get(method.lower(), {})
        answer = op.get("responses", {}).get(str(status), {})
        return self.resolve(answer.get("content", {}).get("application/json", {}).get("schema", {}))

    def validate_response(self, method: str, path: str, status: int, mime: str, body: bytes) -> list[dict]:
        """Every way the answer breaks the document: undocumented status, or each schema error with its place."""
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_core.testing import MockRequest, MockResponse

        request = MockRequest(SPEC_HOST, method.lower(), path)
        response = MockResponse(body, status_code=status, content_type=mime or "application/json")
        result = self.openapi.unmarshal_response(request, response)
        found = []
        for error in result.errors:
            if isinstance(error, (OperationNotFound, PathNotFound)):
                continue  # a call the document has no operation for (a wrong method): only the replay can judge it
            if isinstance(error, ResponseNotFound):
                found.append({"kind": "undocumented_status", "where": "response.status", "real": status,
                              "mock": sorted(int(s) for s in error.availableresponses if s.isdigit())})
                continue
            schema_errors = getattr(error.__cause__, "schema_errors", None)
            if not schema_errors:
                found.append({"kind": "schema", "where": "response", "real": None, "mock": str(error)[:300]})
            for se in schema_errors or ():
                found.append({"kind": "schema", "where": _where("response.body", list(se.absolute_path)),
                              "real": _short(se.instance), "mock": se.message[:300]})
        return found

    def webhook_errors(self, body) -> list[dict]:
        from openapi_schema_validator import OAS30Validator, oas30_format_checker

        schema = self.resolve({"$ref": "#/components/schemas/WebhookEvent"})
        validator = OAS30Validator(schema, format_checker=oas30_format_checker)
        return [{"kind": "schema", "where": _where("webhook.body", list(e.absolute_path)),
                 "real": _short(e.instance), "mock": e.message[:300]}
                for e in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]


def _where(base: str, parts) -> str:
    out = base
    for p in parts:
        out += "[]" if isinstance(p, int) else f".{p}"
    return out


def _short(value):
    """A value as the report shows it: containers by their type only (the bug report needs no customer data)."""
    return value if isinstance(value, (bool, int, float)) or value is None else (
        value[:80] if isinstance(value, str) else jtype(value))


def _sample(items: list):
    """One representative of a list's elements: the union of their fields, first non-null value of each."""
    dicts = [i for i in items if isinstance(i, dict)]
    if dicts:
        merged: dict = {}
        for d in dicts:
            for k, v in d.items():
                if merged.get(k) is None:
                    merged[k] = v
        return merged
    return next((i for i in items if i is not None), None)


def compare_shapes(real, mock, spec: Spec, schema: dict, where: str, out: list) -> None:
    """Append each field the two answers disagree on: missing, extra (and undeclared), or of another type."""
    schema = spec.resolve(schema)
    if real is None or mock is None:
        return  # null where the other has a value is a state (not refused yet...), not a shape
    if jtype(real) != jtype(mock):
        out.append({"kind": "type", "where": where, "real": jtype(real), "mock": jtype(mock)})
        return
    if isinstance(real, dict):
        declared = schema.get("properties", {})
        for key, value in real.items():
            if key not in mock:
                # A documented field the replay lacks comes from a state the replay did not reach (a signer
                # acted on a page the proxy never saw); a field the document does not know is drift.
                if key not in declared:
                    out.append({"kind": "extra_field", "where": f"{where}.{key}", "real": jtype(value), "mock": None})
                continue
            compare_shapes(value, mock[key], spec, declared.get(key, {}), f"{where}.{key}", out)
        for key, value in mock.items():
            if key not in real:
                out.append({"kind": "missing_field", "where": f"{where}.{key}", "real": None, "mock": jtype(value)})
    elif isinstance(real, list) and real and mock:
        compare_shapes(_sample(real), _sample(mock), spec, schema.get("items", {}), f"{where}[]", out)


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

        api = [e for e in entries if e.get(EXTRA, {}).get("kind") == "api"]
        hooks = [e for e in entries if e.get(EXTRA, {}).get("kind") == "webhook"]
        self.keys: dict[str, str] = {}  # credential label -> the replay's API key
        orgs: dict[str, str | None] = {}
        accepted: set[str] = set()
        for e in api:
            label = e[EXTRA].get("credential") or "key-1"
            orgs.setdefault(label, None)
            if e["response"]["status"] != 401:
                accepted.add(label)
            body = _json(e["response"]["content"].get("text"))
            claimed = _header(e["request"]["headers"], *ORG_HEADERS)
            if orgs[label] is None and isinstance(body, dict) and isinstance(body.get("organization_id"), str):
                orgs[label] = body["organization_id"]
            elif orgs[label] is None and claimed:
                orgs[label] = claimed
        signed = any(_header(h["request"]["headers"], "webhook-signature") for h in hooks)
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

    def call(self, entry: dict):
        """Replay one recorded call; return the mock's response."""
        req = entry["request"]
        label = entry[EXTRA].get("credential") or "key-1"
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
                parsed = _json(post.get("text"))
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
        if name == "workflowRefused":
            body = {k: v for k, v in {"signer_id": self.ids.get(event.get("signer_id")),
                                      "reason": event.get("reason")}.items() if v is not None}
            resp = self.client.post(f"/_mock/workflows/{workflow}/refuse", json=body, headers=auth)
        elif name == "workflowExpired":
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


def drift_report(har_path: str) -> dict:
    """Check and replay every recorded exchange; return the report (see README.md for its fields)."""
    # In the order the exchanges began (the file lists them as they ended): a webhook is sent before the call
    # that follows it, and the replay must fire it first.
    entries = load_har(har_path)
    order = sorted(range(len(entries)), key=lambda i: entries[i].get("startedDateTime", ""))
    replay = Replay(entries)
    try:
        spec = Spec(replay.openapi())
        groups: dict[str, dict] = {}
        for index in order:
            entry = entries[index]
            kind = entry.get(EXTRA, {}).get("kind")
            if kind == "api" and not entry[EXTRA].get("error"):
                key, findings, summary = _api(entry, replay, spec)
            elif kind == "webhook":
                key, findings, summary = _webhook(entry, replay, spec)
            else:
                continue
            group = groups.setdefault(key, {"operation": key, "kind": kind, "exchanges": 0, "real": [], "mock": [],
                                            "findings": []})
            group["exchanges"] += 1
            for side in ("real", "mock"):
                if summary[side] not in group[side]:
                    group[side].append(summary[side])
            seen = {(f["kind"], f["where"]) for f in group["findings"]}
            for f in findings:
                if (f["kind"], f["where"]) not in seen:
                    seen.add((f["kind"], f["where"]))
                    group["findings"].append({**f, "entry": index})
        operations = sorted(groups.values(), key=lambda g: (g["kind"] != "api", g["operation"]))
        for g in operations:
            g["findings"].sort(key=lambda f: (KINDS.index(f["kind"]), f["where"]))
        total = sum(len(g["findings"]) for g in operations)
        return {"report_version": REPORT_VERSION, "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "mock_version": __version__, "har": os.path.basename(har_path), "drifted": total > 0,
                "summary": {"exchanges": sum(g["exchanges"] for g in operations if g["kind"] == "api"),
                            "webhooks": sum(g["exchanges"] for g in operations if g["kind"] == "webhook"),
                            "findings": total},
                "operations": operations}
    finally:
        replay.close()


def _api(entry, replay: Replay, spec: Spec):
    req, res = entry["request"], entry["response"]
    path = urlsplit(req["url"]).path
    path = path[path.find(API_PREFIX):] if API_PREFIX in path else path
    operation = path[len(API_PREFIX):] if path.startswith(API_PREFIX) else path
    content = res["content"]
    text = content.get("text")
    body = (base64.b64decode(text) if content.get("encoding") == "base64" else (text or "").encode())
    findings = []
    if "json" in (content.get("mimeType") or "") or res["status"] >= 400:
        findings += spec.validate_response(req["method"], path, res["status"], content.get("mimeType") or "", body)
    answer = replay.call(entry)
    real_json, mock_json = _json(text), answer.get_json(silent=True)
    if answer.status_code != res["status"]:
        findings.append({"kind": "status", "where": "response.status", "real": res["status"],
                         "mock": answer.status_code})
    elif real_json is not None and mock_json is not None:
        compare_shapes(real_json, mock_json, spec, spec.response_schema(path, req["method"], res["status"]),
                       "response.body", findings)
        if answer.status_code < 400:
            learn_ids(real_json, mock_json, replay.ids)
    return operation, findings, {"real": res["status"], "mock": answer.status_code}


def _webhook(entry, replay: Replay, spec: Spec):
    req = entry["request"]
    body = _json((req.get("postData") or {}).get("text"))
    name = body.get("event") if isinstance(body, dict) else None
    key = f"webhook {name or entry[EXTRA].get('webhook_path')}"
    findings = spec.webhook_errors(body) if isinstance(body, dict) else [
        {"kind": "schema", "where": "webhook.body", "real": "not a JSON object", "mock": "a WebhookEvent object"}]
    sent = replay.trigger(body) if isinstance(body, dict) else "its body is not JSON"
    if isinstance(sent, str):
        findings.append({"kind": "not_replayed", "where": "webhook", "real": name, "mock": sent})
        return key, findings, {"real": entry[EXTRA].get("webhook_path"), "mock": None}
    mock_path = urlsplit(sent["url"] or "").path
    if replay.hook_base_path and mock_path.startswith(replay.hook_base_path):
        mock_path = mock_path[len(replay.hook_base_path):]  # the event's own path, after the registered URL
    real_path = entry[EXTRA].get("webhook_path") or ""
    if mock_path != real_path:
        findings.append({"kind": "webhook_path", "where": "webhook.path", "real": real_path, "mock": mock_path})
    real_names = {h["name"].lower() for h in req["headers"]} - TRANSPORT_HEADERS
    mock_names = {n.lower() for n in sent["headers"]} - TRANSPORT_HEADERS
    findings += [{"kind": "header_extra", "where": f"webhook.headers.{n}", "real": n, "mock": None}
                 for n in sorted(real_names - mock_names)]
    findings += [{"kind": "header_missing", "where": f"webhook.headers.{n}", "real": None, "mock": n}
                 for n in sorted(mock_names - real_names)]
    compare_shapes(body, json.loads(sent["body"]), spec, {"$ref": "#/components/schemas/WebhookEvent"},
                   "webhook.body", findings)
    return key, findings, {"real": real_path, "mock": mock_path}


def to_markdown(report: dict) -> str:
    """The report for a person: per operation, what the real service did and what the mock does."""
    s = report["summary"]
    lines = [f"# Drift report: {report['har']}", "",
             f"sign8-mock {report['mock_version']}, {report['generated_at']}: {s['exchanges']} recorded call"
             f"{'s' if s['exchanges'] != 1 else ''} and "
             f"{s['webhooks']} webhook{'s' if s['webhooks'] != 1 else ''}; **{s['findings']} finding{'s' if s['findings'] != 1 else ''}**"
             + (" (the mock matches what was recorded)." if not report["drifted"] else "."), ""]
    for g in report["operations"]:
        lines += [f"## {g['operation']} ({g['exchanges']} recorded)", "",
                  f"- real service: {', '.join(map(str, g['real']))}",
                  f"- mock: {', '.join(map(str, g['mock']))}", ""]
        if not g["findings"]:
            lines += ["No drift.", ""]
            continue
        lines += ["| finding | where | real service | mock | HAR entry |", "| --- | --- | --- | --- | --- |"]
        for f in g["findings"]:
            cells = [f["kind"], f"`{f['where']}`", _cell(f["real"]), _cell(f["mock"]), str(f["entry"])]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "(absent)"
    return str(value).replace("|", "\\|").replace("\n", " ")
