"""Shared fixtures: an app, its test client, an API key, a sample PDF, a live server, a server subprocess."""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading

import pytest
from mock_server.app import create_app
from mock_server.contract import LOG_ENV
from mock_server.pytest_plugin import CONTRACT_LOG, MockServer
from sign8_flow import FAST_RETRIES, ROOT, SAMPLE_PDF, Receiver, build_draft  # noqa: F401 (ROOT: for the tests that import it)

BANNER = re.compile(r"listening on (http://\S+)")
START_TIMEOUT = 30.0


def new_key() -> str:
    """Return a fresh random API key (open auth provisions an organization for it)."""
    return "test-" + secrets.token_hex(16)


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@contextlib.contextmanager
def running_app(config: dict | None = None):
    """An in-memory app (with these settings) with its timer and webhook sender running; stopped after."""
    application = create_app({"db": ":memory:", **(config or {})})
    try:
        yield application
    finally:
        application.extensions["sign8"].stop()


@pytest.fixture
def app():
    """Yield an in-memory app with its timer and webhook sender running."""
    with running_app() as application:
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth():
    """Return headers carrying a fresh random API key (a fresh organization)."""
    return bearer(new_key())


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    return SAMPLE_PDF.read_bytes()


@pytest.fixture
def live_server_factory():
    """Return a factory: live_server_factory(config_dict) -> a running mock (the plugin's MockServer); all are
    stopped at teardown."""
    servers = []

    def make(config: dict | None = None) -> MockServer:
        server = MockServer(**(config or {}))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(live_server_factory) -> MockServer:
    """Return a real server (in-memory db) on a free 127.0.0.1 port."""
    return live_server_factory()


class ServerProcess:
    """`python -m mock_server serve` as a subprocess; its stdout and stderr are collected. With the suite's
    contract check on (contract_log), the server judges its own answers into a file, which is added to
    contract_log once it has exited."""

    def __init__(self, db: str, *extra: str, host: str | None = "127.0.0.1", env: dict | None = None,
                 contract_log=None):
        # host=None leaves --host out, to see the default bind address.
        host_args = ["--host", host] if host is not None else []
        cmd = [sys.executable, "-m", "mock_server", "serve", *host_args, "--port", "0", "--db", str(db), *extra]
        # A developer's own SIGN8_MOCK_* settings must not leak into the server under test.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("SIGN8_MOCK_")}
        self.contract_log, self.verdicts = contract_log, None
        if contract_log is not None:
            fd, self.verdicts = tempfile.mkstemp(prefix="sign8-contract-", suffix=".jsonl")
            os.close(fd)
            inherited[LOG_ENV] = self.verdicts
        full_env = {**inherited, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=ROOT, env=full_env)
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._ready = threading.Event()
        self.url: str | None = None
        # Drain both pipes in threads so a chatty server never blocks on a full pipe.
        self._readers = [threading.Thread(target=self._drain, args=(self.proc.stdout, self.stdout_lines, True), daemon=True),
                         threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr_lines, False), daemon=True)]
        for reader in self._readers:
            reader.start()

    def _drain(self, pipe, lines: list, watch_banner: bool) -> None:
        for line in pipe:
            lines.append(line)
            if watch_banner and self.url is None:
                match = BANNER.search(line)
                if match:
                    self.url = match.group(1).replace("0.0.0.0", "127.0.0.1")
                    self._ready.set()
        self._ready.set()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> "ServerProcess":
        if not self._ready.wait(timeout) or self.url is None:
            self.stop(signal.SIGKILL)
            raise RuntimeError(f"server did not start; rc={self.proc.returncode}\n{self.output()}")
        return self

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def output(self) -> str:
        return "".join(self.stdout_lines) + "".join(self.stderr_lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Send sig, wait for the exit, and return the exit code (SIGKILL if it will not stop)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def wait_exit(self, timeout: float = 10.0) -> int:
        """Wait for the exit without sending anything (a second SIGTERM means "stop now" to the mock)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        for reader in self._readers:
            reader.join(timeout=2)
        self._collect_verdicts()
        return self.proc.returncode

    def _collect_verdicts(self) -> None:
        """Add the exited server's verdicts to the suite's contract log (a mismatch fails the running test)."""
        if self.verdicts is None:
            return
        path, self.verdicts = self.verdicts, None
        self.contract_log.read(path)
        os.unlink(path)


@pytest.fixture
def server_process(request):
    """Return a factory: server_process(db, *extra_args, host=..., env=...) -> ready ServerProcess."""
    started: list[ServerProcess] = []
    contract_log = request.config.stash.get(CONTRACT_LOG, None)

    def start(db, *extra: str, host: str | None = "127.0.0.1", env: dict | None = None, wait: bool = True):
        proc = ServerProcess(db, *extra, host=host, env=env, contract_log=contract_log)
        started.append(proc)
        return proc.wait_ready() if wait else proc

    yield start
    for proc in started:
        proc.stop(signal.SIGKILL)


CHROMIUM = os.environ.get("SIGN8_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts this offline machine cannot reach.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in the main thread while it
# is open, and pyHanko (the signed-documents tests) calls asyncio.run(), which fails inside a running loop.
@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (Playwright's own browser download needs the internet)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium) to get it.")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def make_auth():
    """Return a factory of headers, each with a fresh random API key (a fresh organization)."""
    return lambda: bearer(new_key())


def build_workflow(client, headers: dict, pdf: bytes, signers: int = 2, start: bool = False,
                   **workflow_fields) -> dict:
    """Create a draft (started, if start) with one file, `signers` signers and a signature field each, through
    Flask's test client; return the answers (see sign8_flow.build_draft)."""
    def post(op, body):
        resp = client.post(f"/api/workflow/{op}", json=body, headers=headers)
        assert resp.status_code in (200, 201), (op, resp.status_code, resp.get_json())
        return resp.get_json()

    people = [{"email": f"s{i}@example.com", "order": i + 1, "phone": f"+49151{i:08d}"} for i in range(signers)]
    return build_draft(post, pdf, people, file_name="c.pdf", start=start,
                       field=lambda i: {"page": 1, "x": 10, "y": 20 + 60 * i, "width": 150, "height": 50},
                       **workflow_fields)


@pytest.fixture
def draft(client, auth, pdf_bytes) -> dict:
    """Return a ready-to-start draft (a file, two signers, a field each) of the `auth` organization."""
    return build_workflow(client, auth, pdf_bytes)


@pytest.fixture
def workflow_builder():
    """Return build_workflow(client, headers, pdf, signers=2, **fields) for tests that need several drafts."""
    return build_workflow


@pytest.fixture
def server():
    """Yield a live in-memory server with retries milliseconds apart (the flow tests' server)."""
    live = MockServer(webhook_retry_schedule=FAST_RETRIES)
    yield live
    live.stop()


@pytest.fixture
def receiver():
    """Yield a webhook receiver on 127.0.0.1 that records every POST."""
    r = Receiver()
    yield r
    r.stop()
