#!/usr/bin/env python3
"""make image-test: build the image, run it, walk a whole flow against it from the host, restart it on the
same volume and read the data back, stop it; then run examples/compose.yaml where a compose tool exists.

Standard library only, so it runs before any test extras are installed. Every wait polls a condition with a
deadline; the container is reached on 127.0.0.1 only (host networking), and so is the webhook receiver.

Sandbox workarounds, each used only when a check shows it is needed:
- no base image on the machine and no registry: a Debian base made with mmdebstrap and imported (cached tar);
- no network inside the build: every wheel is built on the host and installed with --no-index;
- `podman run` cannot set RLIMIT_NPROC/NOFILE: a containers.conf with `default_ulimits = []` (CONTAINERS_CONF),
  `--runtime runc --ulimit host`; `podman build` failing the same way: `--isolation chroot`;
- no systemd for podman's healthcheck timers: `--health-interval disable`, the check is run by hand instead.
"""
from __future__ import annotations

import argparse
import base64
import email
import email.policy
import hashlib
import json
import os
import secrets
import shutil
import socket
import socketserver
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "container"
DEFAULT_BASE = "python:3.11-slim"
LOCAL_BASE = "localhost/sign8-base:bookworm"
DEBIAN_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
WHEELS_IN_CONTEXT = ".cache/container/wheels"  # .containerignore lets exactly this folder of .cache through
ADDED_LIMIT_MB = 120
STOP_LIMIT_S = 5.0
ORG_A = ("demo-key-org-a", "11111111-1111-4111-8111-111111111111")  # fixtures/organizations.json
ORG_B_ID = "22222222-2222-4222-8222-222222222222"


class Skip(Exception):
    """No engine here can run containers: one line, exit 0."""


class Failed(Exception):
    pass


def say(msg: str) -> None:
    print(f"image-test: {msg}", flush=True)


def check(cond, msg: str) -> None:
    if not cond:
        raise Failed(msg)


def run(cmd, *, timeout=600, check_rc=True, quiet=False, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check_rc and res.returncode != 0:
        raise Failed(f"{' '.join(map(str, cmd))} exited {res.returncode}:\n{res.stdout[-3000:]}{res.stderr[-3000:]}")
    return res


def wait_until(what: str, probe, timeout: float, interval: float = 0.02):
    """Poll probe() until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = probe()
        except Exception as exc:  # a refused connection while the server starts is expected
            value, last = None, exc
        if value:
            return value
        time.sleep(interval)
    raise Failed(f"timed out after {timeout} s waiting for {what} (last error: {last})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- engine


class Engine:
    def __init__(self, name: str):
        self.name = name
        self.run_opts: list[str] = []
        self.build_opts: list[str] = []

    def __call__(self, *args, **kw):
        return run([self.name, *args], **kw)

    def image_exists(self, ref: str) -> bool:
        return self("image", "inspect", ref, check_rc=False).returncode == 0

    def image_size(self, ref: str) -> int:
        return int(self("image", "inspect", "--format", "{{.Size}}", ref).stdout.strip())


def find_engine(requested: str | None) -> Engine:
    reasons = []
    for name in ([requested] if requested else ["podman", "docker"]):
        if not shutil.which(name):
            reasons.append(f"{name}: not installed")
            continue
        res = run([name, "info"], check_rc=False, timeout=120)
        if res.returncode == 0:
            return Engine(name)
        reasons.append(f"{name}: '{name} info' failed ({(res.stderr.strip().splitlines() or ['?'])[-1][:120]})")
    raise Skip("; ".join(reasons))


def make_runnable(engine: Engine, probe_image: str) -> None:
    """Find run options under which this engine starts a container; Skip if there are none."""
    if engine(*"run --rm".split(), probe_image, "true", check_rc=False, timeout=120).returncode == 0:
        return
    if engine.name != "podman":
        raise Skip(f"{engine.name} cannot start a container here")
    # Rootful podman in a sandbox that may not raise RLIMIT_NPROC/NOFILE: no default ulimits, keep the host's.
    conf = CACHE / "containers.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("# written by container/image_test.py: the sandbox refuses to raise rlimits\n"
                    "[containers]\ndefault_ulimits = []\n")
    os.environ["CONTAINERS_CONF"] = str(conf)
    opts = (["--runtime", "runc"] if shutil.which("runc") else []) + ["--ulimit", "host"]
    res = engine("run", "--rm", *opts, probe_image, "true", check_rc=False, timeout=120)
    if res.returncode != 0:
        raise Skip(f"podman cannot start a container here, even with CONTAINERS_CONF={conf} {' '.join(opts)}: "
                   f"{(res.stderr.strip().splitlines() or ['?'])[-1][:160]}")
    say(f"podman needs the sandbox workarounds: CONTAINERS_CONF={conf.relative_to(REPO)} {' '.join(opts)}")
    engine.run_opts = opts


def ensure_base(engine: Engine, requested: str | None) -> str:
    """The base image: BASE= if given, else the default if present, else a local Debian one (no registry)."""
    if requested:
        return requested
    if engine.image_exists(DEFAULT_BASE):
        return DEFAULT_BASE
    if not shutil.which("mmdebstrap"):
        say(f"no local {DEFAULT_BASE} and no mmdebstrap: the engine will pull {DEFAULT_BASE}")
        return DEFAULT_BASE
    if not engine.image_exists(LOCAL_BASE):
        tar = CACHE / "base-bookworm.tar"
        if not tar.exists():
            say(f"building a Debian bookworm base with mmdebstrap ({DEBIAN_PACKAGES}); cached as {tar.relative_to(REPO)}")
            CACHE.mkdir(parents=True, exist_ok=True)
            partial = tar.with_suffix(".partial")
            run(["mmdebstrap", "--quiet", "--format=tar", "--variant=minbase", f"--include={DEBIAN_PACKAGES}",
                 "bookworm", str(partial)],
                timeout=1800)
            partial.rename(tar)
        engine("import", str(tar), LOCAL_BASE, timeout=600)
    return LOCAL_BASE


# ---------------------------------------------------------------- build


def source_tree(source: str, workdir: Path) -> Path:
    """A folder to build from: the given folder, or a clean export of a git revision (e.g. HEAD)."""
    if Path(source).is_dir():
        return Path(source).resolve()
    out = workdir / "src"
    out.mkdir()
    data = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", source], capture_output=True, check=True)
    tar_path = workdir / "src.tar"
    tar_path.write_bytes(data.stdout)
    with tarfile.open(tar_path) as t:
        t.extractall(out, filter="data")
    say(f"building from a clean export of git {source} ({run(['git', '-C', str(REPO), 'rev-parse', '--short', source]).stdout.strip()})")
    return out


def host_wheels(src: Path) -> None:
    """Every wheel the image needs, built on the host: the build itself has no network here."""
    wheels = src / WHEELS_IN_CONTEXT
    shutil.rmtree(wheels, ignore_errors=True)  # a stale wheel of the same version would be installed instead
    wheels.mkdir(parents=True)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "-w", str(wheels), str(src)],
        timeout=900)


def build(engine: Engine, src: Path, base: str, image: str) -> float:
    cmd = ["build", "-f", str(src / "Containerfile"), "--build-arg", f"BASE={base}",
           "--build-arg", f"WHEELS={WHEELS_IN_CONTEXT}", "-t", image]
    if engine.name == "podman":
        cmd += ["--format", "docker"]  # the OCI format drops HEALTHCHECK
    started = time.monotonic()
    res = engine(*cmd, str(src), check_rc=False, timeout=1800)
    if res.returncode != 0 and engine.name == "podman":
        say("podman build failed with the default isolation; retrying with --isolation chroot")
        engine.build_opts = ["--isolation", "chroot"]
        started = time.monotonic()
        res = engine(*cmd[:1], *engine.build_opts, *cmd[1:], str(src), check_rc=False, timeout=1800)
    check(res.returncode == 0, f"image build failed:\n{res.stdout[-4000:]}{res.stderr[-4000:]}")
    return time.monotonic() - started


# ---------------------------------------------------------------- host side


class Receiver:
    """Webhook receiver on 127.0.0.1 of the host: answers 200 and remembers path, headers and body."""

    def __init__(self):
        self.items: list[dict] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.cond:
                    outer.items.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body": json.loads(raw or b"null"), "at": time.monotonic()})
                    outer.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, suffix: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for item in self.items:
                    if item["path"].endswith(suffix):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failed(f"no webhook {suffix} within {timeout} s (got {[i['path'] for i in self.items]})")
                self.cond.wait(left)


class Client:
    def __init__(self, base: str, admin_token: str):
        self.base = base
        self.admin = {"X-Admin-Token": admin_token}

    def call(self, method: str, path: str, body=None, headers=None, raw=False):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path if path.startswith("/") else path, data=data, method=method,
                                     headers={**({"Content-Type": "application/json"} if data else {}),
                                              "Accept": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                payload = resp.read()
                return resp.status, (payload if raw else json.loads(payload or b"null"))
        except urllib.error.HTTPError as err:
            payload = err.read()
            return err.code, (payload if raw else json.loads(payload or b"null"))

    def api(self, operation: str, body=None, expect=(200, 201), headers=None, **query):
        key, org = ORG_A
        hdrs = {"Authorization": f"Bearer {key}", "organisation_id": org, **(headers or {})}
        path = f"/api/workflow/{operation}"
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        status, payload = self.call("POST" if body is not None else "GET", path, body, hdrs)
        check(status in expect, f"{operation} answered {status}: {payload}")
        return payload

    def healthy(self):
        status, payload = self.call("GET", "/_mock/health", headers=self.admin)
        return payload if status == 200 else None


class Container:
    """One run of the image on host networking, on a named volume."""

    def __init__(self, engine: Engine, image: str, volume: str, port: int, admin_token: str):
        self.engine, self.image, self.volume, self.port = engine, image, volume, port
        self.name = f"sign8-image-test-{secrets.token_hex(4)}"
        self.env = {
            # Host networking: 127.0.0.1 keeps the mock off the machine's other interfaces.
            "SIGN8_MOCK_HOST": "127.0.0.1", "SIGN8_MOCK_PORT": str(port),
            "SIGN8_MOCK_PUBLIC_URL": f"http://127.0.0.1:{port}", "SIGN8_MOCK_ADMIN_TOKEN": admin_token}

    def start(self, client: Client) -> float:
        opts = list(self.engine.run_opts)
        if self.engine.name == "podman" and not Path("/run/systemd/system").is_dir():
            opts += ["--health-interval", "disable"]  # podman schedules checks with systemd timers; run by hand
        elif self.engine.name == "docker":
            opts += ["--health-interval", "1s"]
        env = [a for k, v in self.env.items() for a in ("-e", f"{k}={v}")]
        started = time.monotonic()
        self.engine("run", "-d", "--name", self.name, "--network", "host", "-v", f"{self.volume}:/data",
                    *opts, *env, self.image)
        wait_until(f"the first /_mock/health 200 of {self.name}", client.healthy, timeout=60)
        return time.monotonic() - started

    def healthcheck(self) -> None:
        """The image's own HEALTHCHECK, as the engine runs it."""
        if self.engine.name == "podman":
            res = self.engine("healthcheck", "run", self.name, check_rc=False)
            check(res.returncode == 0, f"podman healthcheck run: {res.returncode} {res.stdout}{res.stderr}")
        else:
            wait_until("docker's health status 'healthy'", lambda: self.engine(
                "inspect", "--format", "{{.State.Health.Status}}", self.name).stdout.strip() == "healthy", 30, 0.2)

    def stop(self) -> float:
        started = time.monotonic()
        self.engine("stop", "-t", "10", self.name, timeout=60)
        took = time.monotonic() - started
        code = self.engine("inspect", "--format", "{{.State.ExitCode}}", self.name).stdout.strip()
        logs = self.engine("logs", self.name, check_rc=False)
        check(code == "0", f"{self.name} exited {code}:\n{logs.stdout[-2000:]}{logs.stderr[-2000:]}")
        check(took < STOP_LIMIT_S, f"stop took {took:.2f} s (limit {STOP_LIMIT_S} s)")
        check("sign8-mock stopped." in logs.stdout + logs.stderr, "no 'sign8-mock stopped.' in the logs")
        return took

    def remove(self) -> None:
        self.engine("rm", "-f", self.name, check_rc=False)


def start_workflow(client: Client, pdf: bytes, webhook_url: str | None = None, email="ann@example.com"):
    """AddWorkflow, AddFile, AddSigner, AddSignature, StartWorkflow: a workflow in progress."""
    wf = client.api("AddWorkflow", {"name": "image-test lease", **({"webhook_url": webhook_url} if webhook_url else {})})
    wid = wf["workflow_id"]
    f = client.api("AddFile", {"workflow_id": wid, "file_name": "lease.pdf", "content_type": "application/pdf",
                               "data": base64.b64encode(pdf).decode()})
    # A last name in four scripts and an emoji: the report must embed the image's fonts for each.
    signer = client.api("AddSigner", {"workflow_id": wid, "email": email, "first_name": "Ann",
                                      "last_name": "Żółć 李小龙 محمد כהן 🙂", "phone": "+4915112345678"})
    client.api("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": signer["signer_id"],
                                "page": 1, "x": 72, "y": 600, "width": 180, "height": 50})
    started = client.api("StartWorkflow", {"workflow_id": wid})
    check(started["status"] == "in_progress", f"StartWorkflow left status {started['status']}")
    return wid, f, signer


def walk_flow(client: Client, receiver: Receiver, pdf: bytes) -> dict:
    """AddWorkflow ... StartWorkflow, refuse through the signing link, workflowRefused on the host."""
    _, org_id = ORG_A
    # The organisation_id header passes through the container: another organization's id is refused.
    status, payload = client.call("POST", "/api/workflow/AddWorkflow", {"name": "x"},
                                  {"Authorization": f"Bearer {ORG_A[0]}", "organisation_id": ORG_B_ID})
    check(status == 403, f"a foreign organisation_id header answered {status}, not 403: {payload}")
    wid, f, signer = start_workflow(client, pdf, receiver.url)
    check(signer["signing_url"].startswith(client.base + "/sign/"), f"signing_url {signer['signing_url']}")
    refused_at = time.monotonic()
    status, payload = client.call("POST", signer["signing_url"] + "/refuse", {"reason": "Wrong rent"})
    check(status == 200, f"refuse answered {status}: {payload}")
    hook = receiver.wait_for("/api/workflow/workflowRefused", timeout=15)
    check(hook["headers"].get("organisation_id") == org_id, f"webhook organisation_id header: {hook['headers']}")
    check(hook["body"]["workflow_id"] == wid and hook["body"].get("reason") == "Wrong rent", f"webhook body {hook['body']}")
    check(client.api("GetWorkflow", workflow_id=wid)["status"] == "refused", "GetWorkflow is not refused")
    check_report_fonts(client, wid)
    return {"workflow_id": wid, "file_id": f["file_id"], "sha256": hashlib.sha256(pdf).hexdigest(),
            "webhook_ms": (hook["at"] - refused_at) * 1000}


REPORT_FONTS = (b"NotoSans", b"NotoSansArabic", b"NotoSansHebrew", b"DroidSansFallback")  # no emoji font: U+FFFD


def check_report_fonts(client: Client, wid: str) -> None:
    """The audit report of the refused workflow embeds a font of the image for each script of the signer's name."""
    deadline = time.monotonic() + 60
    while not (report_id := client.api("GetWorkflow", workflow_id=wid).get("audit_report_file_id")):
        check(time.monotonic() < deadline, "no audit report within 60 s")
        time.sleep(0.2)
    status, data = client.call("GET", f"/api/workflow/GetFile?file_id={report_id}",
                               headers={"Authorization": f"Bearer {ORG_A[0]}"}, raw=True)
    check(status == 200 and data.startswith(b"%PDF-"), f"GetFile of the report answered {status}")
    missing = [name.decode() for name in REPORT_FONTS if b"+" + name not in data]
    check(not missing, f"the audit report embeds no {', '.join(missing)}: fonts missing from the image")


def sign_flow(client: Client, pdf: bytes) -> float:
    """A second workflow signed through its link: the image signs the PDF (pyHanko, PAdES) and the signed file is
    a PDF with a signature over a byte range; the seconds from the signature to the signed file are returned."""
    wid, _, signer = start_workflow(client, pdf, email="bob@example.com")
    signed_at = time.monotonic()
    status, payload = client.call("POST", signer["signing_url"] + "/sign", {})
    check(status == 200, f"sign answered {status}: {payload}")
    deadline = time.monotonic() + 60
    while not (signed_id := client.api("GetWorkflow", workflow_id=wid)["files"][0].get("signed_file_id")):
        check(time.monotonic() < deadline, "no signed file within 60 s of the signature")
        time.sleep(0.1)
    took = time.monotonic() - signed_at
    check(client.api("GetWorkflow", workflow_id=wid)["status"] == "completed", "the signed workflow is not completed")
    status, data = client.call("GET", f"/api/workflow/GetFile?file_id={signed_id}",
                               headers={"Authorization": f"Bearer {ORG_A[0]}"}, raw=True)
    check(status == 200 and data.startswith(b"%PDF-"), f"GetFile of the signed file answered {status}")
    for mark in (b"/ByteRange", b"/ETSI.CAdES.detached", b"/Contents <"):
        check(mark in data, f"the signed file has no {mark.decode()}: no PAdES signature")
    return took


def read_back(client: Client, flow: dict) -> None:
    wf = client.api("GetWorkflow", workflow_id=flow["workflow_id"])
    check(wf["status"] == "refused", f"after the restart the workflow is {wf['status']}")
    status, data = client.call("GET", f"/api/workflow/GetFile?file_id={flow['file_id']}",
                               headers={"Authorization": f"Bearer {ORG_A[0]}"}, raw=True)
    check(status == 200 and hashlib.sha256(data).hexdigest() == flow["sha256"], "GetFile bytes differ after the restart")
    status, log = client.call("GET", f"/_mock/webhooks?workflow_id={flow['workflow_id']}",
                              headers={**client.admin, "Authorization": f"Bearer {ORG_A[0]}"})
    check(status == 200 and "workflowRefused" in json.dumps(log), f"webhook log after the restart: {status} {log}")


# ---------------------------------------------------------------- compose


class SmtpSink:
    """The smallest SMTP server smtplib talks to, on 127.0.0.1 of the host: stands in for the compose file's
    mail catcher (no registry here to pull it from) and remembers each message's recipients and data."""

    def __init__(self):
        self.mails: list[dict] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                rcpt, data = [], None
                while line := self.rfile.readline():
                    verb = line.strip().split(b" ", 1)[0].upper().split(b":", 1)[0]
                    if verb == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        lines = []
                        while (chunk := self.rfile.readline()) and chunk.rstrip(b"\r\n") != b".":
                            lines.append(chunk)
                        data = b"".join(lines)
                        with outer.cond:
                            outer.mails.append({"rcpt": rcpt, "data": data})
                            outer.cond.notify_all()
                        rcpt = []
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"RCPT":
                        rcpt.append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # EHLO/HELO, MAIL, RSET, NOOP: no extensions offered, so no STARTTLS or AUTH
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"smtp://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, recipient: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not (found := [m for m in self.mails if recipient in m["rcpt"]]):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failed(f"no e-mail to {recipient} reached the SMTP sink within {timeout} s")
                self.cond.wait(left)
            return found[0]



def compose_command(engine: Engine) -> list[str] | None:
    if engine.name == "podman":
        local = Path(sys.executable).parent / "podman-compose"
        found = str(local) if local.exists() else shutil.which("podman-compose")
        return [found] if found else None
    if run(["docker", "compose", "version"], check_rc=False).returncode == 0:
        return ["docker", "compose"]
    return None


def compose_smoke(engine: Engine, src: Path, image: str, workdir: Path, pdf: bytes) -> str:
    """examples/compose.yaml, as written, plus an override for this machine: host networking, a free port, and
    the mail relay pointed at a sink on the host instead of the mailpit service (no registry to pull it from)."""
    cmd = compose_command(engine)
    if cmd is None:
        return "skipped (no podman-compose / docker compose)"
    port, token, sink = free_port(), secrets.token_hex(8), SmtpSink()
    override = workdir / "compose.override.yaml"
    override.write_text(json.dumps({"services": {"sign8-mock": {
        "network_mode": "host", "ports": [],
        "environment": {"SIGN8_MOCK_HOST": "127.0.0.1", "SIGN8_MOCK_PORT": str(port),
                        "SIGN8_MOCK_PUBLIC_URL": f"http://127.0.0.1:{port}", "SIGN8_MOCK_ADMIN_TOKEN": token,
                        "SIGN8_MOCK_SMTP_URL": sink.url}}}}))
    project = f"sign8imagetest{secrets.token_hex(3)}"
    base = [*cmd, "-p", project, "-f", str(src / "examples" / "compose.yaml"), "-f", str(override)]
    env = {**os.environ, "SIGN8_MOCK_IMAGE": image}
    if engine.name == "podman" and engine.run_opts:
        # podman-compose passes these on to `podman run` (the same sandbox workaround as above).
        base[len(cmd):len(cmd)] = ["--podman-run-args", " ".join(engine.run_opts)]
    try:
        run([*base, "up", "-d", "sign8-mock"], env=env, timeout=300)  # only the mock: mailpit cannot be pulled here
        client = Client(f"http://127.0.0.1:{port}", token)
        wait_until("compose: first /_mock/health 200", client.healthy, timeout=60)
        address = f"compose-{secrets.token_hex(4)}@example.com"
        _, _, signer = start_workflow(client, pdf, email=address)
        mail = sink.wait_for(address, timeout=30)
        parsed = email.message_from_bytes(mail["data"], policy=email.policy.default)
        text = " ".join(part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text")
        check(signer["signing_url"] in text, "compose: the relayed invitation does not carry the signing link")
    finally:
        run([*base, "down", "-v"], env=env, check_rc=False, timeout=300)
        sink.server.shutdown()
    tool = " ".join(cmd[:2]) if cmd[0] == "docker" else Path(cmd[0]).name
    return f"passed ({tool}: health, a workflow started, its invitation relayed over SMTP to the host)"


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default=os.environ.get("ENGINE") or None, help="podman or docker (default: whichever runs)")
    parser.add_argument("--base", default=os.environ.get("BASE") or None, help=f"base image (default {DEFAULT_BASE} or a local Debian one)")
    parser.add_argument("--image", default="localhost/sign8-mock:image-test", help="tag to build")
    parser.add_argument("--source", default=str(REPO), help="folder to build from, or a git revision (e.g. HEAD)")
    parser.add_argument("--no-compose", action="store_true")
    args = parser.parse_args(argv)
    try:
        engine = find_engine(args.engine)
    except Skip as why:
        say(f"SKIPPED: no container engine can run containers here ({why})")
        return 0
    say(f"engine: {engine.name} {engine('--version').stdout.strip()}")
    workdir = Path(tempfile.mkdtemp(prefix="sign8-image-test-"))
    volume = f"sign8-image-test-{secrets.token_hex(4)}"
    containers: list[Container] = []
    try:
        base = ensure_base(engine, args.base)
        try:
            make_runnable(engine, base)
        except Skip as why:
            say(f"SKIPPED: no container engine can run containers here ({why})")
            return 0
        src = source_tree(args.source, workdir)
        host_wheels(src)
        build_s = build(engine, src, base, args.image)
        size, base_size = engine.image_size(args.image), engine.image_size(base)
        added_mb = (size - base_size) / 1e6
        check(added_mb < ADDED_LIMIT_MB, f"the image adds {added_mb:.1f} MB over its base (limit {ADDED_LIMIT_MB} MB)")
        user = engine("image", "inspect", "--format", "{{.Config.User}}", args.image).stdout.strip()
        check(user and not user.startswith(("0", "root")), f"the image runs as '{user}', not a non-root user")
        say(f"built {args.image} in {build_s:.1f} s; user {user}")

        engine("volume", "create", volume)
        receiver, token, port = Receiver(), secrets.token_hex(16), free_port()
        client = Client(f"http://127.0.0.1:{port}", token)
        first = Container(engine, args.image, volume, port, token)
        containers.append(first)
        start_s = first.start(client)
        health = client.healthy()
        check(health["storage"] == "/data/sign8-mock.json", f"storage is {health['storage']}, not the volume")
        first.healthcheck()
        pdf = (src / "mock_server" / "assets" / "sample-contract.pdf").read_bytes()
        flow = walk_flow(client, receiver, pdf)
        say(f"flow passed: AddWorkflow..StartWorkflow, refuse, workflowRefused on the host "
            f"{flow['webhook_ms']:.0f} ms after the refuse (organisation_id header ok, foreign one 403)")
        sign_s = sign_flow(client, pdf)
        say(f"signing passed: a workflow signed through its link, its PAdES-signed file {sign_s:.1f} s later")
        stop1_s = first.stop()
        first.remove()

        second = Container(engine, args.image, volume, port, token)
        containers.append(second)
        restart_s = second.start(client)
        read_back(client, flow)
        second.healthcheck()
        say("restart on the same volume: workflow refused, file bytes equal, webhook log kept")
        stop2_s = second.stop()
        second.remove()

        compose = "skipped (--no-compose)" if args.no_compose else compose_smoke(engine, src, args.image, workdir, pdf)
        say(f"compose: {compose}")
        say("PASSED")
        print(f"  image:  {args.image}  {size / 1e6:.1f} MB; base {base} {base_size / 1e6:.1f} MB; "
              f"adds {added_mb:.1f} MB (limit {ADDED_LIMIT_MB} MB)")
        print(f"  build:  {build_s:.1f} s")
        print(f"  start to first /_mock/health 200: {start_s:.2f} s (restart on the volume: {restart_s:.2f} s)")
        print(f"  stop:   {stop1_s:.2f} s and {stop2_s:.2f} s, exit 0 (limit {STOP_LIMIT_S:.0f} s)", flush=True)
        return 0
    except Failed as err:
        say(f"FAILED: {err}")
        return 1
    finally:
        for c in containers:
            c.remove()
        engine("volume", "rm", "-f", volume, check_rc=False)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
