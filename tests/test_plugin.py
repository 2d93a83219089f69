"""The pytest plugin's fixtures: isolation, clock, reset, the webhook receiver, the request journal."""
from datetime import datetime, timedelta, timezone

import pytest

from mock_server.pytest_plugin import WebhookReceiver
from sign8_flow import build_draft

SEEN = {}


def _draft(mock, pdf_bytes, **fields):
    made = build_draft(mock.api, pdf_bytes, [{"email": "p@example.com", "phone": "+4915112345678"}],
                       field=lambda i: {"page": 1, "x": 1, "y": 1, "width": 100, "height": 40},
                       file_name="a.pdf", start=True, **{"name": "Plugin", **fields})
    return made["workflow"], made["signers"][0]


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_its_own_organization(sign8_mock, run):
    SEEN[run] = (sign8_mock.api_key, sign8_mock.url)
    sign8_mock.api("AddWorkflow", {"name": f"run {run}"})
    # The second run sees only its own workflow: the first one's organization is another.
    assert sign8_mock.api("ListWorkflows")["total"] == 1
    if run == 2:
        assert SEEN[1][0] != SEEN[2][0] and SEEN[1][1] == SEEN[2][1]


def test_the_session_carries_the_key_and_the_webhook_url_is_the_receiver(sign8_mock):
    assert sign8_mock.session.headers["Authorization"] == f"Bearer {sign8_mock.api_key}"
    org = sign8_mock.server.services.organizations.get(sign8_mock.organization_id)
    assert org["webhook_url"] == sign8_mock.webhooks.url == sign8_mock.webhook_url


def test_clock_advance_expires_a_workflow_and_the_webhook_arrives(sign8_mock, pdf_bytes):
    expires = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    wf, _ = _draft(sign8_mock, pdf_bytes, expires_at=expires)
    view = sign8_mock.clock.advance(hours=2)
    assert view["expired"] == [wf["workflow_id"]] and view["offset_seconds"] == 7200
    hook = sign8_mock.webhooks.wait_for("workflowExpired", timeout=5)
    assert hook["body"]["workflow_id"] == wf["workflow_id"] and hook["path"] == "/api/workflow/workflowExpired"
    assert hook["headers"]["organisation_id"] == sign8_mock.organization_id


def test_clock_set_and_reset_are_scoped_to_the_key(sign8_mock):
    sign8_mock.clock.set("2030-01-01T00:00:00Z")
    assert sign8_mock.clock.now().startswith("2030-01-01")
    assert sign8_mock.session.get(f"{sign8_mock.url}/_mock/clock", headers={"Authorization": "Bearer other"}
                                  ).json()["offset_seconds"] == 0
    sign8_mock.clock.reset()
    assert sign8_mock.clock.now()[:4] == str(datetime.now(timezone.utc).year)


def test_reset_forgets_this_organizations_records_and_webhooks(sign8_mock, pdf_bytes):
    wf, signer = _draft(sign8_mock, pdf_bytes)
    sign8_mock.session.post(signer["signing_url"] + "/refuse", json={}).raise_for_status()
    sign8_mock.webhooks.wait_for("workflowRefused")
    sign8_mock.reset()
    assert sign8_mock.api("ListWorkflows")["total"] == 0 and sign8_mock.webhooks.received == []
    # The webhook URL survives a reset: the next event still reaches the receiver.
    _, signer = _draft(sign8_mock, pdf_bytes)
    sign8_mock.session.post(signer["signing_url"] + "/refuse", json={}).raise_for_status()
    assert sign8_mock.webhooks.wait_for("workflowRefused")["body"]["signer_id"] == signer["signer_id"]


def test_the_secret_fixture_signs_webhooks_and_verify_checks_them(sign8_mock, sign8_webhook_secret, pdf_bytes):
    from standardwebhooks.webhooks import WebhookVerificationError

    assert sign8_webhook_secret.startswith("whsec_") and sign8_mock.webhook_secret == sign8_webhook_secret
    _, signer = _draft(sign8_mock, pdf_bytes)
    sign8_mock.session.post(signer["signing_url"] + "/refuse", json={}).raise_for_status()
    hit = sign8_mock.webhooks.wait_for("workflowRefused")
    assert sign8_mock.verify(hit)["signer_id"] == signer["signer_id"]
    with pytest.raises(WebhookVerificationError):
        sign8_mock.verify({**hit, "raw": hit["raw"].replace(b"refused", b"complete")})
    # A rotation: the next webhook verifies with the old secret and with the new one.
    new = sign8_mock.new_webhook_secret()
    _, signer = _draft(sign8_mock, pdf_bytes)
    sign8_mock.session.post(signer["signing_url"] + "/refuse", json={}).raise_for_status()
    hit = sign8_mock.webhooks.wait_for("workflowRefused", count=2)
    assert sign8_mock.verify(hit, sign8_webhook_secret) == sign8_mock.verify(hit, new)
    # A reset forgets the secret: webhooks go unsigned again.
    sign8_mock.reset()
    assert sign8_mock.webhook_secret is None
    _, signer = _draft(sign8_mock, pdf_bytes)
    sign8_mock.session.post(signer["signing_url"] + "/refuse", json={}).raise_for_status()
    assert "webhook-signature" not in {k.lower() for k in sign8_mock.webhooks.wait_for("workflowRefused")["headers"]}


def test_requests_lists_this_organizations_violations(sign8_mock):
    sign8_mock.session.post(f"{sign8_mock.url}/api/workflow/AddWorkflow", json={})
    found = sign8_mock.requests(violations="true")
    assert len(found) == 1 and found[0]["violation"]["code"] == "validation_error"


def test_wait_for_times_out_with_a_clear_message():
    receiver = WebhookReceiver()
    try:
        with pytest.raises(AssertionError, match="no workflowRefused webhook within 0.1 s"):
            receiver.wait_for("workflowRefused", timeout=0.1)
    finally:
        receiver.stop()


LOGGER_LEVELS_AFTER_IMPORT = r"""
import importlib, json, logging, pkgutil, sys
import mock_server, mock_server.pytest_plugin
for module in pkgutil.walk_packages(mock_server.__path__, "mock_server."):
    if module.name != "mock_server.__main__":  # that one runs the command
        importlib.import_module(module.name)
import fpdf, fontTools, pypdf, pyhanko  # the libraries whose loggers the mock quiets in its own command
loggers = {name: logging.getLogger(name).level for name in list(logging.root.manager.loggerDict)}
print(json.dumps({"root": logging.getLogger().level, "loggers": loggers}))
"""


def test_importing_the_mock_changes_no_logger_level():
    """A user's test process keeps its own logging: only `sign8-mock serve` quiets noisy libraries."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", LOGGER_LEVELS_AFTER_IMPORT], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    levels = json.loads(out)
    assert levels["root"] == 30  # logging's own default, WARNING
    assert {"fpdf", "fontTools", "pypdf"} <= set(levels["loggers"])
    assert {name: level for name, level in levels["loggers"].items() if level != 0} == {}


def test_an_in_process_server_stops_only_after_its_document_worker():
    """The interpreter's teardown would end a worker still inside HarfBuzz by a forced unwind, which aborts the
    process (exit -6 after green tests): stop() returns only once the worker has finished its job."""
    import threading

    from sign8_flow import Api, LiveServer, act

    def workers() -> set:
        return {t for t in threading.enumerate() if t.name == "sign8-documents" and t.is_alive()}

    others = workers()  # the session's servers' workers, which go on
    server = LiveServer()
    try:
        for _ in range(3):  # three refusals: three audit reports queued just before the stop
            made = Api(server.url).started(["a@example.com"])
            assert act(made["signers"][0], "refuse").status_code == 200
    finally:
        server.stop()
    assert workers() - others == set()
