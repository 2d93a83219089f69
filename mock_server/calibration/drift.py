"""The drift report: a recorded HAR checked against the mock's OpenAPI document and replayed against a fresh mock.

Findings compare shapes only (status, field names, JSON types, documented enum values), never the values of ids
or times. The JSON form is described field by field in README.md ("Calibrate against your SIGN8 test system").
"""
from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timezone
from urllib.parse import urlsplit

from .. import __version__
from .shapes import Spec, compare_shapes
from .har import EXTRA
from .har import load as load_har
from .proxy import API_PREFIX
from .replay import TRANSPORT_HEADERS, Replay, json_or_none, kind_of, learn_ids

REPORT_VERSION = 1
# Finding kinds, in the order the report lists them (README.md documents each).
KINDS = ("status", "undocumented_status", "schema", "missing_field", "extra_field", "type", "webhook_path",
         "header_missing", "header_extra")


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
            kind = kind_of(entry)
            if kind == "api" and not entry.get(EXTRA, {}).get("error"):
                key, findings, summary, note = _api(entry, replay, spec)
            elif kind == "webhook":
                key, findings, summary, note = _webhook(entry, replay, spec)
            else:
                continue
            group = groups.setdefault(key, {"operation": key, "kind": kind, "exchanges": 0, "real": [], "mock": [],
                                            "findings": [], "notes": []})
            group["exchanges"] += 1
            if note and note not in (n["reason"] for n in group["notes"]):
                group["notes"].append({"reason": note, "entry": index})
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
                            "findings": total,
                            "not_replayed": sum(1 for g in operations for n in g["notes"])},
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
    unseen = replay.unseen_object(entry)
    if unseen:
        note = (f"not replayed: its {unseen} names an object that no recorded call made (a signer's action on "
                "SIGN8's pages did, which the proxy does not see); the answer was still checked against the document")
        return operation, findings, {"real": res["status"], "mock": "not replayed"}, note
    answer = replay.call(entry)
    real_json, mock_json = json_or_none(text), answer.get_json(silent=True)
    if answer.status_code != res["status"]:
        findings.append({"kind": "status", "where": "response.status", "real": res["status"],
                         "mock": answer.status_code})
    elif real_json is not None and mock_json is not None:
        compare_shapes(real_json, mock_json, spec, spec.response_schema(path, req["method"], res["status"]),
                       "response.body", findings)
        if answer.status_code < 400:
            learn_ids(real_json, mock_json, replay.ids)
    return operation, findings, {"real": res["status"], "mock": answer.status_code}, None


def _webhook(entry, replay: Replay, spec: Spec):
    req = entry["request"]
    body = json_or_none((req.get("postData") or {}).get("text"))
    name = body.get("event") if isinstance(body, dict) else None
    key = f"webhook {name or entry[EXTRA].get('webhook_path')}"
    findings = spec.webhook_errors(body) if isinstance(body, dict) else [
        {"kind": "schema", "where": "webhook.body", "real": "not a JSON object", "mock": "a WebhookEvent object"}]
    sent = replay.trigger(body) if isinstance(body, dict) else "its body is not JSON"
    if isinstance(sent, str):
        return key, findings, {"real": entry[EXTRA].get("webhook_path"), "mock": "not replayed"}, f"not replayed: {sent}"
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
    return key, findings, {"real": real_path, "mock": mock_path}, None


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
        lines += [f"- note (HAR entry {n['entry']}): {n['reason']}" for n in g["notes"]]
        if g["notes"]:
            lines.append("")
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
