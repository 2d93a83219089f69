"""Starting and stopping sign8-mock and json-server, their data dirs, and the records they store."""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from mock_server.domain.records import workflow_record

from . import AUTH, BENCH, DESCRIPTION, HOST, JSON_SERVER_BIN, JSON_SERVER_DB, SERVER_CPU, free_port, iso_z
from .machine import pinned


def http_status(port: int, path: str, timeout: float = 1.0) -> int | None:
    """One GET on a fresh connection; None when nothing answers (yet)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def rss_kb(pid: int) -> int | None:
    """VmRSS of pid plus its descendants (the server could fork workers)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            if p == pid:
                return None
        todo.extend(children.get(p, []))
    return total


class Server:
    """One server process started by this harness (its own session, stopped by pid)."""

    def __init__(self, kind: str, cmd: list[str], port: int, health: str, workdir: Path,
                 env: dict | None = None):
        self.kind, self.cmd, self.port, self.health, self.workdir = kind, cmd, port, health, workdir
        self.base = f"http://{HOST}:{port}"
        self.log_path = workdir / f"{kind}-{port}.log"
        self._log = open(self.log_path, "wb")
        self.t_launch = time.perf_counter()
        # Its own session, so that stop() ends the server and anything it forked, and nothing else.
        self.proc = subprocess.Popen(cmd, cwd=workdir, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        self.startup_s: float | None = None

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds from launch to the first 200 on the health path."""
        deadline = self.t_launch + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode} before answering; "
                                   f"log tail: {self.log_tail()}")
            if http_status(self.port, self.health, timeout=1.0) == 200:
                self.startup_s = time.perf_counter() - self.t_launch
                return self.startup_s
            time.sleep(0.002)
        raise RuntimeError(f"{self.kind} gave no 200 on {self.health} within {timeout}s; "
                           f"log tail: {self.log_tail()}")

    def rss_kb(self) -> int | None:
        """RSS of the server and its children, in kB."""
        return rss_kb(self.proc.pid)

    def log_tail(self, n: int = 600) -> str:
        """The end of the server's output, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-n:].strip()
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL it after 10 s."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def ready(server: Server) -> Server:
    """Wait until the server answers; stop it if it never does."""
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


class Harness:
    """One run: its options, its work dir under bench/.tmp, and the servers it starts."""

    def __init__(self, args):
        self.args = args
        self.sign8 = args.sign8_mock
        self.tmp = Path(tempfile.mkdtemp(prefix="run-", dir=self._tmp_root()))
        self.org_id: str | None = None
        self._n = 0

    @staticmethod
    def _tmp_root() -> Path:
        root = BENCH / ".tmp"
        root.mkdir(exist_ok=True)
        return root

    def newdir(self, name: str) -> Path:
        """A fresh numbered directory in the run's work dir."""
        self._n += 1
        d = self.tmp / f"{self._n:02d}-{name}"
        d.mkdir(parents=True)
        return d

    # ---- starting servers
    @staticmethod
    def sign8_env(bytecode_cache: bool = True) -> dict:
        """The sign8-mock server's environment, with or without a bytecode cache."""
        # An installed package has its .pyc files; an editable install under
        # PYTHONDONTWRITEBYTECODE=1 (set on this project's machines) recompiles every module of
        # mock_server at each launch.  By default the server may cache its bytecode, in
        # bench/.tmp/pycache (git-ignored), as a user's install would.
        env = dict(os.environ)
        if bytecode_cache:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(BENCH / ".tmp" / "pycache")
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        return env

    def start_sign8(self, datadir: Path | None = None, wait: bool = True,
                    bytecode_cache: bool = True, extra: list[str] | None = None) -> Server:
        """`sign8-mock serve` on a free port, as users start it (with extra options, e.g. --retention 1)."""
        datadir = datadir or self.newdir("sign8")
        port = free_port()
        cmd = pinned([self.sign8, "serve", "--host", HOST, "--port", str(port),
                      "--db", str(datadir / "db.json"), *(extra or [])], SERVER_CPU)
        s = Server("sign8-mock", cmd, port, "/_mock/health", datadir,
                   env=self.sign8_env(bytecode_cache))
        return ready(s) if wait else s

    def start_json(self, datadir: Path | None = None, wait: bool = True) -> Server:
        """json-server on a free port, on an empty store unless datadir holds one."""
        if datadir is None:
            datadir = self.newdir("json")
            shutil.copy(JSON_SERVER_DB, datadir / "db.json")
        port = free_port()
        # --quiet: no per-request access log (sign8-mock under waitress logs none either).
        cmd = pinned([str(JSON_SERVER_BIN), "--host", HOST, "--port", str(port), "--quiet",
                      str(datadir / "db.json")], SERVER_CPU)
        s = Server("json-server", cmd, port, "/workflows?_limit=1", datadir)
        return ready(s) if wait else s

    # ---- records
    def json_record(self, i: int | None = None, now: float | None = None) -> dict:
        """json-server's equivalent of the stored sign8-mock workflow record."""
        now = now or time.time()
        rec = {"name": "bench", "description": DESCRIPTION,
               "organization_id": self.org_id or str(uuid.uuid4()),
               "status": "draft", "signing_order": "parallel",
               "expires_at": iso_z(now + 30 * 86400), "webhook_url": None, "interface_id": None,
               "metadata": {}, "created_at": iso_z(now), "updated_at": iso_z(now)}
        if i is not None:
            rec = {"id": i, **rec}
        return rec

    def sign8_record(self, now: float) -> dict:
        """A stored sign8-mock workflow of the bench key's organization, for D's prefill."""
        # The one definition of a stored workflow, so the prefill is exactly what AddWorkflow stores.
        return workflow_record(organization_id=self.org_id, name="bench", description=DESCRIPTION,
                               now=iso_z(now), expires_at=iso_z(now + 30 * 86400))

    def add_workflow(self, srv: Server, key_headers=AUTH, **extra) -> dict:
        """One AddWorkflow over HTTP; the stored workflow it answers."""
        body = {"name": "bench", "description": DESCRIPTION, **extra}
        r = requests.post(f"{srv.base}/api/workflow/AddWorkflow", json=body, headers=key_headers,
                          timeout=10)
        if r.status_code != 201:
            raise RuntimeError(f"AddWorkflow -> {r.status_code} {r.text[:300]}")
        return r.json()

    def probe_org_id(self) -> str:
        """organization_id of the bench key, from a real AddWorkflow answer (used by D's prefill)."""
        if self.org_id:
            return self.org_id
        with self.start_sign8() as s:
            wf = self.add_workflow(s)
            org = wf.get("organization_id")
            if not org:
                r = requests.get(f"{s.base}/api/workflow/GetWorkflow",
                                 params={"workflow_id": wf["workflow_id"]}, headers=AUTH, timeout=10)
                org = r.json().get("organization_id")
            if not org:
                raise RuntimeError(f"no organization_id in AddWorkflow answer: {json.dumps(wf)[:300]}")
            self.org_id = org
        return org
