"""pytest fixtures for users' test suites: a mock server in the test process, one organization per test.

    def test_refusal(sign8_mock):
        wf = sign8_mock.session.post(f"{sign8_mock.url}/api/workflow/AddWorkflow", json={"name": "x"}).json()
        ...
        event = sign8_mock.webhooks.wait_for("workflowRefused", timeout=5)
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from .app import create_app
from .serving import ServerThread

HOST = "127.0.0.1"
# Retries a few hundred milliseconds apart: a test waits for a webhook, not for Standard Webhooks' hours.
FAST_RETRY_SCHEDULE = (0.0, 0.1, 0.3, 1.0)


class MockServer(ServerThread):
    """A running in-memory mock on 127.0.0.1 and a free port, with retries a test can wait for."""

    def __init__(self, middleware=None, **config):
        """middleware(wsgi_app) -> wsgi_app, if given, wraps the mock (Flask's own way: app.wsgi_app), e.g. to make
        a stand-in for another service that answers like the mock with known differences."""
        settings = {"db": ":memory:", "auth": "open", "host": HOST, "port": 0,
                    "webhook_retry_schedule": FAST_RETRY_SCHEDULE, "webhook_timeout": 5.0, **config}
        app = create_app(settings, start_background=False)
        if middleware is not None:
            app.wsgi_app = middleware(app.wsgi_app)
        super().__init__(app, host=HOST)
        self.start()


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that records every webhook and answers as told.

    By default every POST gets 200. `answers` is a list of (status, headers, delay_seconds) used one per
    request in turn, then `default`. stop() then start() keeps the port, so a stopped receiver is "down"
    (connection refused) for the mock until it comes back.
    """

    def __init__(self, answers=None, default=(200, {}, 0.0), start: bool = True):
        self.answers = list(answers or [])
        self.default = default
        self.received: list[dict] = []
        self._cond = threading.Condition()
        self.port = 0
        self._server = None
        if start:
            self.start()
        else:
            self.start().stop()  # reserve a port number for a receiver that is down for now

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, delay = receiver._next_answer()
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                receiver._add({"path": self.path, "headers": dict(self.headers.items()), "body": body, "raw": raw,
                               "event": body.get("event") if isinstance(body, dict) else None,
                               "at": time.time(), "status": status})
                if delay:
                    time.sleep(delay)  # a slow receiver, as scripted by the test
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the mock gave up waiting (its timeout): nothing to answer to

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer((HOST, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="sign8-webhook-receiver", daemon=True).start()
        return self

    def _next_answer(self):
        with self._cond:
            return self.answers.pop(0) if self.answers else self.default

    def _add(self, item: dict) -> None:
        with self._cond:
            self.received.append(item)
            self._cond.notify_all()

    def wait_for(self, event: str, timeout: float = 5.0, count: int = 1) -> dict:
        """Block until `count` webhooks of this event arrived; return the last one (path, headers, body)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self.received if r["event"] == event]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [r["event"] for r in self.received]
                    raise AssertionError(f"no {event} webhook within {timeout} s (received: {seen})")
                self._cond.wait(left)

    def bodies(self) -> list[dict]:
        """The JSON bodies received, in order."""
        with self._cond:
            return [r["body"] for r in self.received]

    def ok(self) -> list[dict]:
        """The requests this receiver answered with a 2xx."""
        with self._cond:
            return [r for r in self.received if 200 <= r["status"] < 300]

    def clear(self) -> None:
        with self._cond:
            self.received.clear()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class Clock:
    """The mock clock of one organization (the fixture's API key)."""

    def __init__(self, mock: "Sign8Mock"):
        self._mock = mock

    def _post(self, path: str, body: dict | None = None) -> dict:
        resp = self._mock.session.post(f"{self._mock.url}/_mock/clock/{path}", json=body or {})
        resp.raise_for_status()
        return resp.json()

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> dict:
        """Move this organization's clock forward; due workflows expire before this returns."""
        return self._post("advance", {"seconds": seconds + 60 * minutes + 3600 * hours + 86400 * days})

    def set(self, now) -> dict:
        """Set this organization's clock to a moment (datetime or ISO 8601 string)."""
        return self._post("set", {"now": now if isinstance(now, str) else now.isoformat()})

    def reset(self) -> dict:
        return self._post("reset")

    def now(self) -> str:
        return self._mock.session.get(f"{self._mock.url}/_mock/clock").json()["now"]


class CapturedMessages:
    """The e-mails and SMS of the fixture's organization (GET /_mock/messages), waited for by polling."""

    POLL_SECONDS = 0.02

    def __init__(self, mock: "Sign8Mock"):
        self._mock = mock

    def all(self, **filters) -> list[dict]:
        """This organization's messages, newest first (filters: kind, to, channel, workflow_id, signer_id)."""
        resp = self._mock.session.get(f"{self._mock.url}/_mock/messages", params=filters)
        resp.raise_for_status()
        return resp.json()["items"]

    def wait_for(self, kind: str, to: str | None = None, timeout: float = 5.0, count: int = 1, **filters) -> dict:
        """Block until `count` messages of this kind (to this address or phone) exist; return the count-th, oldest first."""
        wanted = {"kind": kind, **({"to": to} if to else {}), **filters}
        deadline = time.monotonic() + timeout
        while True:
            found = list(reversed(self.all(**wanted)))
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() >= deadline:
                seen = [(m["kind"], m["to"]) for m in self.all()]
                raise AssertionError(f"no {kind} message{' to ' + to if to else ''} within {timeout} s (captured: {seen})")
            time.sleep(self.POLL_SECONDS)

    def clear(self) -> int:
        resp = self._mock.session.delete(f"{self._mock.url}/_mock/messages")
        resp.raise_for_status()
        return resp.json()["cleared"]

    @staticmethod
    def signing_link(message: dict) -> str:
        """The signing link of an invitation or reminder."""
        return signing_link(message)

    @staticmethod
    def code(message: dict) -> str:
        """The 6-digit one-time code of a tan SMS."""
        return code(message)


def signing_link(message: dict) -> str:
    """The signing link of an invitation or reminder."""
    for link in message.get("links") or []:
        if link.get("rel") == "sign":
            return link["url"]
    raise AssertionError(f"the {message.get('kind')} message {message.get('message_id')} has no signing link")


def code(message: dict) -> str:
    """The 6-digit one-time code of a tan SMS."""
    import re
    found = re.findall(r"(?<!\d)(\d{6})(?!\d)", message.get("text") or "")
    if not found:
        raise AssertionError(f"the {message.get('kind')} message {message.get('message_id')} has no 6-digit code")
    return found[-1]  # the code comes after the workflow's name, which may hold digits too


class Sign8Mock:
    """What the sign8_mock fixture gives a test: url, api_key, session, clock, webhooks, reset(), verify()."""

    def __init__(self, server: MockServer, receiver: WebhookReceiver):
        self.server = server
        self.url = server.url
        self.api_key = "pytest-" + secrets.token_hex(16)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.api_key}"
        self.organization_id = server.services.provision(self.api_key, webhook_url=receiver.url)
        self.webhooks = receiver
        self.webhook_url = receiver.url
        self.webhook_secret: str | None = None
        self.clock = Clock(self)
        self.messages = CapturedMessages(self)

    def api(self, operation: str, body: dict | None = None, **params) -> dict:
        """Call a Workflow API operation (POST with a body, else GET with params); raise on an error answer."""
        url = f"{self.url}/api/workflow/{operation}"
        resp = self.session.post(url, json=body) if body is not None else self.session.get(url, params=params)
        resp.raise_for_status()
        return resp.json()

    def sample_pdf(self) -> bytes:
        """A small three-page PDF shipped with the package, ready for AddFile (no repo checkout needed)."""
        from .samples import sample_pdf  # imported here: one self-contained addition to this class
        return sample_pdf()

    def requests(self, **filters) -> list[dict]:
        """This organization's journaled requests, newest first (filters: path, method, status, violations)."""
        resp = self.session.get(f"{self.url}/_mock/requests", params=filters)
        resp.raise_for_status()
        return resp.json()["items"]

    def reset(self) -> None:
        """Forget this organization's records, clock, settings and received webhooks; keep its key and webhook URL."""
        self.session.post(f"{self.url}/_mock/reset").raise_for_status()
        # A reset gives the organization its first settings back (no URL, no secret): point it at the receiver again.
        self.session.patch(f"{self.url}/_mock/organization", json={"webhook_url": self.webhook_url}).raise_for_status()
        self.webhook_secret = None
        self.webhooks.clear()

    def new_webhook_secret(self) -> str:
        """Give this organization a new webhook secret: from now on each webhook is signed with it (Standard
        Webhooks). Return it; verify() checks a received webhook against it."""
        resp = self.session.post(f"{self.url}/_mock/organization/webhook-secret")
        resp.raise_for_status()
        self.webhook_secret = resp.json()["webhook_secret"]
        return self.webhook_secret

    def verify(self, webhook: dict, secret: str | None = None) -> dict:
        """Check a received webhook's signature (with secret, default the last new_webhook_secret()) as a receiver
        would, with the standardwebhooks library; return its payload, or raise WebhookVerificationError."""
        from standardwebhooks import Webhook

        key = secret or self.webhook_secret
        if key is None:
            raise AssertionError("no webhook secret: call new_webhook_secret() (or use the sign8_webhook_secret fixture)")
        return Webhook(key).verify(webhook["raw"], webhook["headers"])

    def idle(self, timeout: float = 5.0) -> None:
        """Wait until the mock has no webhook to send now and no expiry due; then nothing more will arrive by itself."""
        if not self.server.services.idle(timeout):
            raise AssertionError(f"the mock was still busy (webhooks or expiries due) after {timeout} s")

    def close(self) -> None:
        self.server.services.reset(self.organization_id)
        self.session.close()


@pytest.fixture(scope="session")
def sign8_mock_server():
    """One sign8-mock server (in-memory) for the whole test session."""
    server = MockServer()
    yield server
    server.stop()


@pytest.fixture
def sign8_mock(sign8_mock_server):
    """A fresh organization on the session's mock server, with a webhook receiver as its webhook_url."""
    receiver = WebhookReceiver()
    mock = Sign8Mock(sign8_mock_server, receiver)
    yield mock
    mock.close()
    receiver.stop()


@pytest.fixture
def sign8_webhook_secret(sign8_mock) -> str:
    """A new webhook secret for the test's organization: its webhooks are signed; sign8_mock.verify(hit) checks one."""
    return sign8_mock.new_webhook_secret()


# -- the contract: every answer checked against the served document (opt in) -----------------------------
CONTRACT_LOG = pytest.StashKey[object]()
CONTRACT_UNWATCH = pytest.StashKey[object]()


def pytest_addoption(parser):
    group = parser.getgroup("sign8-mock")
    help_text = ("Check every answer of a sign8-mock app in this test process against the document it serves at "
                 "/openapi.json; an answer the document does not describe fails the test that got it "
                 "(needs openapi-core: pip install 'sign8-mock[contract]').")
    group.addoption("--sign8-contract", action="store_true", default=False, help=help_text)
    parser.addini("sign8_contract", help_text + " Same as --sign8-contract.", type="bool", default=False)


def pytest_configure(config):
    if not (config.getoption("sign8_contract") or config.getini("sign8_contract")):
        return
    from .contract import ContractExtraMissing, ContractLog, require_openapi_core, watch

    try:
        require_openapi_core()  # fail here, with the fix, rather than on the first answer
    except ContractExtraMissing as exc:
        raise pytest.UsageError(f"--sign8-contract {exc}") from None
    log = ContractLog()
    config.stash[CONTRACT_LOG] = log
    config.stash[CONTRACT_UNWATCH] = watch(log)


def pytest_unconfigure(config):
    unwatch = config.stash.get(CONTRACT_UNWATCH, None)
    if unwatch is not None:
        unwatch()


def _contract_failures(item) -> str | None:
    log = item.config.stash.get(CONTRACT_LOG, None)
    if log is None:
        return None
    found = log.take()
    if not found:
        return None
    lines = "\n".join(f"  {m}" for m in found[:20])
    return f"{len(found)} answer(s) the served /openapi.json does not describe:\n{lines}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    log = item.config.stash.get(CONTRACT_LOG, None)
    if log is not None:
        log.current_test = item.nodeid
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    failure = _contract_failures(item)  # answers of the test's fixtures count too: their setup ran just before
    if failure:
        pytest.fail(failure, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    failure = _contract_failures(item)
    if failure:
        pytest.fail(failure, pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    log = config.stash.get(CONTRACT_LOG, None)
    if log is None:
        return
    terminalreporter.write_line(f"sign8-mock contract: {log.checked} responses validated against the served "
                                f"/openapi.json, {len(log.mismatches)} mismatches")
    for (kind, count, first) in log.kinds()[:50]:
        terminalreporter.write_line(f"  {count} x {kind} (first in {first})")


@pytest.fixture
def sign8_contract(request):
    """The run's contract log (checked, mismatches), or a skip when --sign8-contract is off."""
    log = request.config.stash.get(CONTRACT_LOG, None)
    if log is None:
        pytest.skip("the contract check is off: run with --sign8-contract (or sign8_contract = true in the ini)")
    return log
