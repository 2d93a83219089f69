"""Issue 22: the recording proxy, the webhook relay and the drift report, against stand-ins for a SIGN8 system.

The stand-in upstream is a second mock (the plugin's MockServer) with a WSGI middleware around it: the mock itself
for the no-drift run, or the mock with known differences. The suite serves no HTTP server of its own
(test_architecture): the proxy under test is the product's ProxyServer, the team's receiver the plugin's one.
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import sys
from pathlib import Path

import jsonschema
import pytest
import requests

from mock_server import cli
from mock_server.calibration.drift import drift_report
from mock_server.calibration.proxy import ProxyServer
from mock_server.pytest_plugin import MockServer, WebhookReceiver
from mock_server.samples import sample_pdf
from sign8_flow import wait_until

HAR_SCHEMA = json.loads((Path(__file__).parent / "har-1.2.schema.json").read_text())
JSON = {"Accept": "application/json"}
UNKNOWN_WORKFLOW = "00000000-0000-4000-8000-000000000000"
EXTRA_WEBHOOK_HEADER = "X-Sign8-Delivery-Attempt"


class Secrets:
    """Every secret one flow uses, fresh per test, so a search for them in the HAR means something."""

    def __init__(self):
        self.api_key = "calib-" + secrets.token_hex(16)
        self.password = "Pw-" + secrets.token_hex(8)
        self.webhook_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.codes: list[str] = []


class Tap:
    """WSGI middleware: keep every answer the upstream sent (status, headers, bytes), to compare with the client's."""

    def __init__(self, app):
        self.app = app
        self.answers: list[dict] = []

    def rewrite(self, path: str, status: str, headers: list, body: bytes):
        return status, headers, body

    def __call__(self, environ, start_response):
        seen = {}

        def keep(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)
            return lambda data: None

        result = self.app(environ, keep)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers, body = self.rewrite(environ["PATH_INFO"], seen["status"], seen["headers"], body)
        headers = [(n, v) for n, v in headers if n.lower() != "content-length"] + [("Content-Length", str(len(body)))]
        if "HTTP_X_TEST_POLL" not in environ:  # the test's own look at the upstream, not through the proxy
            self.answers.append({"path": environ["PATH_INFO"], "status": int(status.split()[0]),
                                 "headers": headers, "body": body})
        start_response(status, headers)
        return [body]


class KnownDifferences(Tap):
    """The real service as the test imagines it: a renamed field, an extra field, another status for one error."""

    def rewrite(self, path, status, headers, body):
        code = int(status.split()[0])
        if path.endswith("/AddWorkflow") and code == 201:
            data = json.loads(body)
            data["workflow_description"] = data.pop("description")
            body = json.dumps(data).encode()
        elif path.endswith("/GetWorkflow") and code == 200:
            body = json.dumps({**json.loads(body), "archived": False}).encode()
        elif path.endswith("/GetWorkflow") and code == 404:
            status = "400 BAD REQUEST"
        return status, headers, body


def organizations_file(tmp_path: Path, s: Secrets) -> str:
    path = tmp_path / "upstream-organizations.json"
    path.write_text(json.dumps([{"api_key": s.api_key, "name": "Calibration", "webhook_secret": s.webhook_secret}]))
    return str(path)


@pytest.fixture
def stand_in(tmp_path):
    """Start (upstream, proxy, team's receiver) around a middleware class; stop them all at the end."""
    started = []

    def start(middleware_class, forward=True, **proxy_options):
        s = Secrets()
        taps = []

        def wrap(app):
            taps.append(middleware_class(app))
            return taps[0]

        upstream = MockServer(middleware=wrap, organizations_file=organizations_file(tmp_path, s))
        receiver = WebhookReceiver()
        har = tmp_path / f"recording-{len(started)}.har"
        proxy = ProxyServer(upstream.url, record=str(har), forward_webhooks=receiver.url if forward else None,
                            **proxy_options).start()
        started.append((upstream, receiver, proxy))
        return {"upstream": upstream, "tap": taps[0], "receiver": receiver, "proxy": proxy, "har": har,
                "secrets": s}

    yield start
    for upstream, receiver, proxy in started:
        proxy.stop()
        receiver.stop()
        upstream.stop()


def sign_with_code(signer: dict, file_ids: list[str], s: Secrets, upstream: MockServer) -> None:
    """Signer 1's whole journey on the upstream's page (its link, not rewritten): password, then the SMS code."""
    url = signer["signing_url"]

    def step(name, body=None):
        resp = requests.post(f"{url}/{name}", json=body or {}, headers=JSON, timeout=10)
        assert resp.status_code == 200, (name, resp.status_code, resp.text)

    step("terms", {"terms": True, "privacy": True})
    step("password", {"password": s.password})
    step("details")
    for file_id in file_ids:
        assert requests.get(f"{url}/documents/{file_id}", headers=JSON, timeout=10).status_code == 200
    step("documents")
    if requests.get(url, headers=JSON, timeout=10).json()["step"] == "identity":
        step("identity")
    step("code")
    sms = requests.get(f"{upstream.url}/_mock/messages", params={"kind": "tan", "to": signer["phone"]},
                       headers={"Authorization": f"Bearer {s.api_key}"}, timeout=10).json()["items"][0]
    code = re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    s.codes.append(code)
    resp = requests.post(f"{url}/sign", data={"code": code}, timeout=10, allow_redirects=False)
    assert resp.status_code in (200, 303), resp.text


def walk_flow(env: dict, relay_extra_header: bool = False) -> dict:
    """A whole flow through the proxy: build, upload (JSON and multipart), start, read, an error, download, one
    signer signs with a password and a one-time code, the other refuses; the refusal webhook comes back through
    the relay. Return what the client got, per call."""
    proxy, upstream, s = env["proxy"], env["upstream"], env["secrets"]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {s.api_key}"
    got = []

    def call(method, op, expect, **kwargs):
        resp = api.request(method, f"{proxy.url}/api/workflow/{op}", timeout=15, **kwargs)
        assert resp.status_code == expect, (op, resp.status_code, resp.text)
        got.append(resp)
        return resp

    pdf = sample_pdf()
    # The drifted stand-in's webhooks go to a receiver of the test's, which sends them on with an extra header.
    relay = env["detour"].url if relay_extra_header else proxy.webhook_url
    wf = call("POST", "AddWorkflow", 201, json={"name": "Calibration", "password": s.password,
                                                 "webhook_url": relay}).json()
    wid = wf["workflow_id"]
    f1 = call("POST", "AddFile", 201, json={"workflow_id": wid, "file_name": "a.pdf",
                                           "data": base64.b64encode(pdf).decode()}).json()
    f2 = call("POST", "AddFile", 201, data={"workflow_id": wid}, files={"file": ("b.pdf", pdf, "application/pdf")}).json()
    # Not a PDF: the drift replays its redacted bytes as as many zero bytes, which the mock refuses the same way.
    call("POST", "AddFile", 415, json={"workflow_id": wid, "file_name": "c.pdf",
                                      "data": base64.b64encode(b"plain text, not a PDF").decode()})
    signers = [call("POST", "AddSigner", 201, json={"workflow_id": wid, "email": f"s{i}@example.com", "order": i + 1,
                                                     "phone": f"+49151{i:08d}"},
                    headers={"organisation_id": wf["organization_id"]}).json() for i in range(2)]
    for i, signer in enumerate(signers):
        call("POST", "AddSignature", 201, json={"workflow_id": wid, "file_id": f1["file_id"],
                                                "signer_id": signer["signer_id"], "page": 1, "x": 10,
                                                "y": 20 + 60 * i, "width": 150, "height": 50})
    call("POST", "StartWorkflow", 200, json={"workflow_id": wid})
    call("GET", "GetWorkflow", 200, params={"workflow_id": wid})
    call("GET", "GetWorkflow", 400 if isinstance(env["tap"], KnownDifferences) else 404,
         params={"workflow_id": UNKNOWN_WORKFLOW})
    call("GET", "GetFile", 200, params={"file_id": f1["file_id"]}, headers={"X-API-Key": s.api_key})
    sign_with_code(signers[0], [f1["file_id"], f2["file_id"]], s, upstream)
    refused = requests.post(f"{signers[1]['signing_url']}/refuse", json={"reason": "Wrong amount."}, headers=JSON,
                            timeout=10)
    assert refused.status_code == 200, refused.text
    if relay_extra_header:
        sent = env["detour"].wait_for("workflowRefused", timeout=10)
        headers = {k: v for k, v in sent["headers"].items() if k.lower() not in ("host", "content-length")}
        resend = requests.post(proxy.webhook_url + sent["path"], data=sent["raw"],
                               headers={**headers, EXTRA_WEBHOOK_HEADER: "1"}, timeout=10)
        assert resend.status_code == 200
    env["receiver"].wait_for("workflowRefused", timeout=10)
    wait_until(lambda: any(e["_sign8"]["kind"] == "webhook" for e in proxy.entries), timeout=10)
    # The refusal's audit report, made by the upstream's worker: an object the replay never makes itself.
    report = wait_until(lambda: requests.get(f"{upstream.url}/api/workflow/GetWorkflow", params={"workflow_id": wid},
                                             headers={"Authorization": f"Bearer {s.api_key}", "X-Test-Poll": "1"},
                                             timeout=10).json().get("audit_report_file_id"), timeout=30, interval=0.1)
    assert report, "the upstream made no audit report for the refused workflow within 30 s"
    call("GET", "GetWorkflow", 200, params={"workflow_id": wid})
    call("GET", "GetFile", 200, params={"file_id": report})
    return {"responses": got, "workflow": wf, "pdf": pdf}


def drifted_recording(stand_in) -> dict:
    """The flow recorded against KnownDifferences, its webhook sent on with an extra header."""
    env = stand_in(KnownDifferences)
    env["detour"] = WebhookReceiver()
    try:
        walk_flow(env, relay_extra_header=True)
    finally:
        env["detour"].stop()
    return env


def har_text(env) -> str:
    return env["har"].read_text(encoding="utf-8")


# -- the proxy forwards, records and redacts ---------------------------------------------------------------------
def test_the_proxy_forwards_byte_for_byte_records_a_valid_har_and_keeps_no_secret(stand_in):
    env = stand_in(Tap)
    flow = walk_flow(env)
    api_answers = [a for a in env["tap"].answers if a["path"].startswith("/api/workflow/")]
    assert len(api_answers) == len(flow["responses"]) == 14
    for resp, sent in zip(flow["responses"], api_answers):
        assert resp.content == sent["body"] and resp.status_code == sent["status"]
        assert resp.headers["Content-Type"] == dict(sent["headers"])["Content-Type"]
    # Nothing rewritten: the signing links point at the upstream, not at the proxy.
    links = [r.json()["signing_url"] for r in flow["responses"] if "AddSigner" in r.url]
    assert len(links) == 2 and all(link.startswith(env["upstream"].url + "/sign/") for link in links)
    download = next(r for r in flow["responses"] if "GetFile" in r.url)
    assert download.content.startswith(b"%PDF")  # the file's bytes, as they were

    text = har_text(env)
    har = json.loads(text)
    jsonschema.validate(har, HAR_SCHEMA)
    kinds = [e["_sign8"]["kind"] for e in har["log"]["entries"]]
    assert kinds.count("api") == 14 and kinds.count("webhook") == 1

    s = env["secrets"]
    pdf_b64 = base64.b64encode(flow["pdf"]).decode()
    secret_words = {"API key": s.api_key, "password": s.password, "webhook secret": s.webhook_secret,
                    "webhook secret's key": s.webhook_secret[len("whsec_"):], "PDF as base64": pdf_b64[100:180],
**{f"one-time code {c}": c for c in s.codes}}
    assert s.codes, "the flow used a one-time code"
    leaked = [name for name, word in secret_words.items() if word in text or json.dumps(word)[1:-1] in text]
    assert leaked == []
    assert text.count("<redacted>") >= 16  # 14 calls' keys, a GetFile's second one, the password
    assert "<redacted file: " in text and "sha256" in text


def test_keep_bodies_keeps_file_contents_but_still_no_secret(stand_in):
    env = stand_in(Tap, keep_bodies=True)
    flow = walk_flow(env)
    text = har_text(env)
    jsonschema.validate(json.loads(text), HAR_SCHEMA)
    assert base64.b64encode(flow["pdf"]).decode() in text
    assert env["secrets"].api_key not in text and env["secrets"].password not in text


# -- the webhook relay ---------------------------------------------------------------------------------------------
def test_the_relay_records_and_forwards_a_refusal_webhook_unchanged(stand_in):
    env = stand_in(Tap)
    flow = walk_flow(env)
    got = env["receiver"].wait_for("workflowRefused")
    assert got["path"] == "/api/workflow/workflowRefused"
    assert got["headers"]["organisation_id"] == flow["workflow"]["organization_id"]
    assert got["body"]["organization_id"] == flow["workflow"]["organization_id"]
    assert got["body"]["event"] == "workflowRefused" and got["body"]["reason"] == "Wrong amount."
    # What the upstream sent is what the receiver got: the very bytes, and each header (signature too).
    delivery = env["upstream"].services.deliveries(None, event="workflowRefused")["items"][0]
    assert json.loads(got["raw"]) == delivery["payload"]
    assert got["raw"] == json.dumps(delivery["payload"], separators=(",", ":")).encode()
    from standardwebhooks.webhooks import Webhook
    Webhook(env["secrets"].webhook_secret).verify(got["raw"], got["headers"])
    entry = next(e for e in json.loads(har_text(env))["log"]["entries"] if e["_sign8"]["kind"] == "webhook")
    recorded = {h["name"]: h["value"] for h in entry["request"]["headers"]}
    assert recorded["organisation_id"] == flow["workflow"]["organization_id"]
    assert json.loads(entry["request"]["postData"]["text"]) == delivery["payload"]
    assert entry["response"]["status"] == 200 and entry["_sign8"]["webhook_path"] == "/api/workflow/workflowRefused"


# -- the drift report ----------------------------------------------------------------------------------------------
# What KnownDifferences does to the answers, as the drift report must name it (operation, kind, where).
KNOWN_API_FINDINGS = {
    ("AddWorkflow", "schema", "response.body"),  # additionalProperties: workflow_description
    ("AddWorkflow", "extra_field", "response.body.workflow_description"),
    ("AddWorkflow", "missing_field", "response.body.description"),
    ("GetWorkflow", "schema", "response.body"),  # additionalProperties: archived
    ("GetWorkflow", "extra_field", "response.body.archived"),
    ("GetWorkflow", "status", "response.status"),  # 400 where the mock answers 404
}


def findings(report: dict) -> set[tuple[str, str, str]]:
    return {(g["operation"], f["kind"], f["where"]) for g in report["operations"] for f in g["findings"]}


def test_the_mock_itself_upstream_shows_no_drift(stand_in, capsys):
    env = stand_in(Tap)
    walk_flow(env)
    report = drift_report(str(env["har"]))
    assert findings(report) == set()
    assert report["drifted"] is False and report["summary"] == {"exchanges": 14, "webhooks": 1, "findings": 0, "not_replayed": 1}
    assert {g["operation"] for g in report["operations"]} == {
        "AddWorkflow", "AddFile", "AddSigner", "AddSignature", "StartWorkflow", "GetWorkflow", "GetFile",
        "webhook workflowRefused"}
    notes = [n["reason"] for g in report["operations"] for n in g["notes"]]
    assert len(notes) == 1 and notes[0].startswith("not replayed: its file_id names an object")
    assert cli.main(["drift", str(env["har"])]) == 0
    assert "**0 findings** (the mock matches what was recorded)" in capsys.readouterr().out


def test_the_drift_report_lists_exactly_the_known_differences(stand_in, tmp_path, capsys):
    env = drifted_recording(stand_in)
    report = drift_report(str(env["har"]))
    assert findings(report) == KNOWN_API_FINDINGS | {
        ("webhook workflowRefused", "header_extra", f"webhook.headers.{EXTRA_WEBHOOK_HEADER.lower()}")}
    by_kind = {(g["operation"], f["kind"]): f for g in report["operations"] for f in g["findings"]}
    assert by_kind[("GetWorkflow", "status")]["real"] == 400 and by_kind[("GetWorkflow", "status")]["mock"] == 404
    assert "workflow_description" in by_kind[("AddWorkflow", "schema")]["mock"]
    assert report["drifted"] is True

    assert cli.main(["drift", str(env["har"]), "--format", "json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert findings(printed) == findings(report) and printed["report_version"] == 1
    assert cli.main(["drift", str(env["har"])]) == 1
    markdown = capsys.readouterr().out
    assert "## GetWorkflow" in markdown and "| status | `response.status` | 400 | 404 |" in markdown


def test_drift_on_a_file_that_is_no_har_or_holds_no_call_exits_2(tmp_path, capsys):
    bad = tmp_path / "x.har"
    bad.write_text("{}")
    assert cli.main(["drift", str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err
    bad.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}}))
    assert cli.main(["drift", str(bad)]) == 2
    assert "nothing to compare" in capsys.readouterr().err


def test_drift_without_the_contract_extra_says_what_to_install(tmp_path, capsys, monkeypatch):
    """openapi-core is the extra `contract`: without it, one line naming the install command, exit 2."""
    monkeypatch.setitem(sys.modules, "openapi_core", None)  # `import openapi_core` now raises ImportError
    har = tmp_path / "x.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}}))
    assert cli.main(["drift", str(har)]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == ("sign8-mock drift needs openapi-core, which is not installed: "
                           "pip install 'sign8-mock[contract]'\n")


def test_drift_reads_a_har_from_another_tool(stand_in, tmp_path):
    """A browser's or Postman's HAR has no _sign8 marks: its Workflow API calls are still compared."""
    env = drifted_recording(stand_in)
    har = json.loads(har_text(env))
    har["log"]["entries"] = [{k: v for k, v in e.items() if k != "_sign8"} for e in har["log"]["entries"]
                             if e["_sign8"]["kind"] == "api"]
    foreign = tmp_path / "foreign.har"
    foreign.write_text(json.dumps(har))
    report = drift_report(str(foreign))
    assert report["summary"] == {"exchanges": 14, "webhooks": 0, "findings": len(KNOWN_API_FINDINGS),
                                 "not_replayed": 1}
    assert findings(report) == KNOWN_API_FINDINGS


def test_without_forward_webhooks_the_relay_records_and_answers_204(stand_in):
    env = stand_in(Tap, forward=False)
    resp = requests.post(env["proxy"].webhook_url + "/api/workflow/workflowExpired", data=b'{"event":"workflowExpired"}',
                         headers={"Content-Type": "application/json", "organisation_id": "org-1"}, timeout=10)
    assert resp.status_code == 204 and env["receiver"].received == []
    entry = json.loads(har_text(env))["log"]["entries"][0]
    assert entry["_sign8"]["kind"] == "webhook" and entry["_sign8"]["forwarded_to"] is None
    assert {"name": "organisation_id", "value": "org-1"} in entry["request"]["headers"]


def test_an_unreachable_upstream_answers_502_and_is_recorded_as_such(tmp_path):
    receiver = WebhookReceiver(start=False)  # a port nobody listens on
    proxy = ProxyServer(receiver.url, record=str(tmp_path / "down.har")).start()
    try:
        resp = requests.get(f"{proxy.url}/api/workflow/ListWorkflows", headers={"Authorization": "Bearer k"},
                            timeout=10)
    finally:
        proxy.stop()
    assert resp.status_code == 502 and resp.json()["error"]["code"] == "proxy_upstream_unreachable"
    entry = json.loads((tmp_path / "down.har").read_text())["log"]["entries"][0]
    assert entry["_sign8"]["error"] and {"name": "Authorization", "value": "<redacted>"} in entry["request"]["headers"]
    # drift leaves out what never reached the service
    assert drift_report(str(tmp_path / "down.har"))["summary"]["exchanges"] == 0


def test_the_proxy_command_refuses_an_upstream_that_is_no_url(capsys):
    assert cli.main(["proxy", "--upstream", "sign8.example", "--port", "0"]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err


def test_the_recorder_redacts_query_and_nested_secrets_and_keeps_error_codes(tmp_path):
    from datetime import datetime, timezone

    from mock_server.calibration.har import HarRecorder

    path = tmp_path / "unit.har"
    HarRecorder(str(path)).record(
        kind="api", started=datetime.now(timezone.utc), elapsed_ms=1.5, method="POST",
        url="http://up/api/workflow/AddWorkflow?token=T0KEN-1&workflow_id=w%201",
        req_headers=[("Content-Type", "application/json"), ("X-Api-Key", "K3Y-1"), ("Cookie", "sid=C00KIE-1")],
        req_body=b'{"name": "n", "webhook_secret": "whsec_S3CRET", "signer": {"code": "918273"}}',
        status=422, reason="UNPROCESSABLE ENTITY",
        resp_headers=[("Content-Type", "application/json"), ("Set-Cookie", "sid=C00KIE-2")],
        resp_body=b'{"error": {"code": "validation_error", "message": "Invalid fields: name."}}')
    text = path.read_text()
    jsonschema.validate(json.loads(text), HAR_SCHEMA)
    assert [w for w in ("T0KEN-1", "K3Y-1", "C00KIE-1", "whsec_S3CRET", "918273", "C00KIE-2") if w in text] == []
    entry = json.loads(text)["log"]["entries"][0]
    assert entry["request"]["queryString"] == [{"name": "token", "value": "<redacted>"},
                                               {"name": "workflow_id", "value": "w 1"}]
    assert json.loads(entry["response"]["content"]["text"])["error"]["code"] == "validation_error"
    assert entry["_sign8"]["credential"] == "key-1"
