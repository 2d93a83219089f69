"""The harness's own HTTP parts: a signing-flow API client (C, G) and a webhook receiver (G)."""
from __future__ import annotations

import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

from . import API_KEY, DESCRIPTION, HOST


class Receiver:
    """Small threaded HTTP server on 127.0.0.1 that timestamps every POST it gets."""

    def __init__(self):
        self.events: "queue.Queue[tuple[float, float, str, bytes]]" = queue.Queue()
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                # Stamped before reading the body: the latency ends when the POST arrives.
                t_mono, t_wall = time.perf_counter(), time.time()
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                events.put((t_mono, t_wall, self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{HOST}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.pending: list = []

    def wait_for(self, path_suffix: str, needle: str, timeout: float):
        """First event whose path ends with path_suffix and whose body contains needle."""
        deadline = time.perf_counter() + timeout
        while True:
            for ev in self.pending:
                if ev[2].endswith(path_suffix) and needle.encode() in ev[3]:
                    self.pending.remove(ev)
                    return ev
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                self.pending.append(self.events.get(timeout=min(left, 0.05)))
            except queue.Empty:
                pass

    def close(self):
        """Stop serving and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()


class Client:
    """The API calls of one signing flow, for one API key."""

    def __init__(self, base: str, key: str = API_KEY):
        self.base = base
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {key}"

    def call(self, name: str, body: dict, want: int) -> dict:
        """POST one API operation; its JSON answer, or an error unless the status is want."""
        r = self.s.post(f"{self.base}/api/workflow/{name}", json=body, timeout=30)
        if r.status_code != want:
            raise RuntimeError(f"{name} -> {r.status_code} (wanted {want}): {r.text[:300]}")
        return r.json() if r.content else {}

    def signer_post(self, signing_url: str, action: str, reason: str) -> None:
        """A signer's sign or refuse on their signing link."""
        # The signer's link carries its own token: no API key, as a signer's browser.
        url = self.base + urlsplit(signing_url).path.rstrip("/") + "/" + action
        r = requests.post(url, json={"reason": reason}, headers={"Accept": "application/json"},
                          timeout=30)
        if r.status_code != 200:
            raise RuntimeError(f"POST .../{action} -> {r.status_code}: {r.text[:300]}")

    def prepared(self, pdf_b64: str, signers: int = 2, **wf_extra) -> tuple[str, list[dict]]:
        """AddWorkflow, AddFile, AddSigner xN, AddSignature xN, StartWorkflow."""
        wf = self.call("AddWorkflow", {"name": "bench", "description": DESCRIPTION, **wf_extra}, 201)
        wid = wf["workflow_id"]
        f = self.call("AddFile", {"workflow_id": wid, "file_name": "x.pdf",
                                  "content_type": "application/pdf", "data": pdf_b64}, 201)
        out = []
        for i in range(signers):
            sg = self.call("AddSigner", {"workflow_id": wid, "email": f"signer{i}@example.com",
                                         "first_name": f"Signer{i}", "last_name": "Bench",
                                         "phone": "+4915112345678"}, 201)
            self.call("AddSignature", {"workflow_id": wid, "file_id": f["file_id"],
                                       "signer_id": sg["signer_id"], "page": 1, "x": 10,
                                       "y": 10 + 60 * i, "width": 100, "height": 40}, 201)
            out.append(sg)
        self.call("StartWorkflow", {"workflow_id": wid}, 200)
        return wid, out
