"""The SMTP relay (--smtp-url): e-mails reach an aiosmtpd catcher on 127.0.0.1; failures are recorded, never felt."""
from __future__ import annotations

import base64
import email
import email.policy
import socket
import threading
import time

import pytest
import requests

from conftest import new_key
from mock_server.app import create_app
from mock_server.cli import build_parser
from mock_server.config import from_env
from sign8_flow import SAMPLE_PDF, Api, wait_until

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Catcher:
    """An SMTP server on 127.0.0.1 that keeps every envelope; wait_for(n) blocks until n arrived."""

    def __init__(self):
        self.envelopes = []
        self.cond = threading.Condition()
        self.controller = aiosmtpd_controller.Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.controller.port}"

    async def handle_DATA(self, server, session, envelope):
        with self.cond:
            self.envelopes.append(envelope)
            self.cond.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.envelopes) >= count, timeout), \
                f"{len(self.envelopes)} of {count} e-mails arrived within {timeout} s"
            return list(self.envelopes)

    def stop(self):
        self.controller.stop()


@pytest.fixture
def catcher():
    c = Catcher()
    yield c
    c.stop()


def relay_of(api: Api, message_id: str) -> dict | None:
    resp = api.control("GET", f"messages/{message_id}")
    assert resp.status_code == 200, resp.text
    relay = resp.json()["relay"]
    return relay if relay and relay["status"] != "queued" else None


def test_relay_delivers_every_email_to_an_smtp_catcher(live_server_factory, catcher):
    server = live_server_factory({"smtp_url": catcher.url})
    api = Api(server.url, new_key())
    made = api.started(["ann@example.com", "bob@example.com"])
    envelopes = catcher.wait_for(2)
    assert sorted(rcpt for e in envelopes for rcpt in e.rcpt_tos) == ["ann@example.com", "bob@example.com"]
    assert {e.mail_from for e in envelopes} == {"no-reply@sign8-mock.invalid"}
    by_to = {e.rcpt_tos[0]: email.message_from_bytes(e.original_content, policy=email.policy.default)
             for e in envelopes}
    ann = by_to["ann@example.com"]
    assert ann["Subject"] == "Please sign: Contract"
    assert made["signers"][0]["signing_url"] in ann.get_body(preferencelist=("plain",)).get_content()
    items = api.control("GET", "messages").json()["items"]
    outcomes = [wait_until(lambda m=m: relay_of(api, m["message_id"])) for m in items]
    assert [o["status"] for o in outcomes] == ["sent", "sent"]
    assert all(o["error"] is None and o["attempts"] == 1 and o["target"] == catcher.url for o in outcomes)


def test_sms_is_not_relayed(live_server_factory, catcher):
    server = live_server_factory({"smtp_url": catcher.url})
    api = Api(server.url, new_key())
    made = api.started(["one@example.com"])
    catcher.wait_for(1)
    svc = server.services
    with svc.store.transaction() as tx:
        wf = svc.store.get("workflows", made["workflow_id"])
        sms = svc.messages.record(tx, "tan", wf, svc.store.get("signers", made["signers"][0]["signer_id"]),
                                  code="123456")
    assert sms["relay"] is None
    api.post("CancelWorkflow", {"workflow_id": made["workflow_id"]}, expect=200)  # one more e-mail...
    envelopes = catcher.wait_for(2)  # ...arrives after the SMS was recorded, so the SMS would be there by now
    assert len(envelopes) == 2 and envelopes[1].rcpt_tos == ["one@example.com"]
    assert b"123456" not in b"".join(e.original_content for e in envelopes)


def test_a_relay_failure_is_recorded_on_the_message_and_the_call_succeeds(live_server_factory):
    dead = free_port()  # nothing listens there
    server = live_server_factory({"smtp_url": f"smtp://127.0.0.1:{dead}"})
    api = Api(server.url, new_key())
    api.started(["nobody@example.com"])  # StartWorkflow answered 200 (asserted inside)
    message = api.control("GET", "messages").json()["items"][0]
    outcome = wait_until(lambda: relay_of(api, message["message_id"]))
    assert outcome["status"] == "failed" and "Connection" in outcome["error"]


def test_a_hanging_smtp_server_never_slows_an_api_call(live_server_factory):
    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        server = live_server_factory({"smtp_url": f"smtp://127.0.0.1:{silent.getsockname()[1]}"})
        server.services.messages.relay.timeout = 1.0  # so the relay thread gives up soon after the test
        api = Api(server.url, new_key())
        made = api.draft(["a@example.com", "b@example.com", "c@example.com"])
        started = time.monotonic()
        api.post("StartWorkflow", {"workflow_id": made["workflow_id"]}, expect=200)
        api.post("SendReminder", {"workflow_id": made["workflow_id"]}, expect=200)
        assert time.monotonic() - started < 0.9  # less than one relay timeout for six e-mails
        items = api.control("GET", "messages").json()["items"]
        assert len(items) == 6
        outcome = wait_until(lambda: relay_of(api, items[-1]["message_id"]), timeout=10)
        assert outcome["status"] == "failed" and "timed out" in outcome["error"]


def test_smtp_url_from_the_command_line_and_the_environment():
    args = build_parser().parse_args(["serve", "--smtp-url", "smtp://127.0.0.1:1025"])
    assert args.smtp_url == "smtp://127.0.0.1:1025"
    assert from_env({"SIGN8_MOCK_SMTP_URL": "smtp://mailpit:1025"}).smtp_url == "smtp://mailpit:1025"
    assert from_env({}).smtp_url is None
    for bad in ("http://127.0.0.1:1025", "smtp://", "smtp://host:notaport"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["serve", "--smtp-url", bad])


def test_serve_banner_names_the_relay(server_process, catcher, tmp_path):
    proc = server_process(tmp_path / "db.json", "--smtp-url", catcher.url)
    assert wait_until(lambda: f"SMTP relay: {catcher.url}" in proc.output()), proc.output()
    key = new_key()
    api = Api(proc.url, key)
    api.started(["banner@example.com"])
    assert catcher.wait_for(1)[0].rcpt_tos == ["banner@example.com"]
    assert requests.get(f"{proc.url}/_mock/messages/inbox", timeout=10).status_code == 200


def test_emails_still_queued_at_a_crash_are_relayed_at_the_next_start(tmp_path, catcher):
    db = str(tmp_path / "mock.json")
    # First life: the relay points nowhere and its thread never runs (as if the process died right after commit).
    app = create_app({"db": db, "smtp_url": catcher.url}, start_background=False)
    svc = app.extensions["sign8"]
    svc.messages.relay.submit = lambda message_id: None
    api_client = app.test_client()
    key = {"Authorization": "Bearer " + new_key()}
    wid = api_client.post("/api/workflow/AddWorkflow", json={"name": "Crash"}, headers=key).get_json()["workflow_id"]
    fid = api_client.post("/api/workflow/AddFile", json={"workflow_id": wid, "file_name": "c.pdf", "data":
                          base64.b64encode(SAMPLE_PDF.read_bytes()).decode()}, headers=key).get_json()["file_id"]
    sid = api_client.post("/api/workflow/AddSigner", json={"workflow_id": wid, "email": "late@example.com",
                                                          "phone": "+4915112345678"}, headers=key).get_json()["signer_id"]
    api_client.post("/api/workflow/AddSignature", json={"workflow_id": wid, "file_id": fid, "signer_id": sid, "page": 1,
                                                       "x": 1, "y": 1, "width": 10, "height": 10}, headers=key)
    assert api_client.post("/api/workflow/StartWorkflow", json={"workflow_id": wid}, headers=key).status_code == 200
    queued = api_client.get("/_mock/messages", headers=key).get_json()["items"][0]
    assert queued["relay"]["status"] == "queued"
    svc.stop()
    assert not catcher.envelopes
    # Second life: start() relays what was left queued.
    app = create_app({"db": db, "smtp_url": catcher.url})
    try:
        assert catcher.wait_for(1)[0].rcpt_tos == ["late@example.com"]
        store = app.extensions["sign8"].store
        assert wait_until(lambda: (store.get("messages", queued["message_id"])["relay"] or {}).get("status") == "sent")
    finally:
        app.extensions["sign8"].stop()
