"""The harness's own HTTP parts: a signing-flow API client (C, G) and a webhook receiver (G)."""
from __future__ import annotations

import json
import queue
import socket
import struct
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


# Linux: the kernel stamps each received segment (SO_TIMESTAMPNS; Python names neither constant).
SO_TIMESTAMPNS = 35
TIMESPEC = struct.Struct("@qq")


def post_answered_at(url: str, body: dict, headers: dict, timeout: float = 30.0) -> tuple[int, bytes, float]:
    """POST with a bare socket; return (status, body, wall-clock time when the answer's last byte arrived).

    G measures from the moment the call returns. With requests, the figure included the client's own work
    after the answer had arrived (parsing, building its Response), and in this process the receiver thread
    could take the GIL first and stamp the webhook meanwhile: G came out negative although the mock sends a
    webhook only after the answer is written. So the moment is the kernel's receive time of the answer's last
    segment (time.time() when the kernel gives none)."""
    parts = urlsplit(url)
    payload = json.dumps(body).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Host": parts.netloc, "Content-Type": "application/json",
                                                   "Content-Length": len(payload), "Connection": "close"}.items())
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:
            pass
        sock.sendall(f"POST {parts.path} HTTP/1.1\r\n{head}\r\n".encode() + payload)
        answer, answered = b"", None
        while True:
            chunk, ancillary, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(TIMESPEC.size))
            answered = time.time()
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= TIMESPEC.size:
                    seconds, nanoseconds = TIMESPEC.unpack_from(data)
                    answered = seconds + nanoseconds / 1e9
            answer += chunk
            header_end = answer.find(b"\r\n\r\n")
            if header_end >= 0:
                lines = answer[:header_end].decode("latin-1").split("\r\n")
                length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                               if line.lower().startswith("content-length:")), None)
                if length is not None and len(answer) >= header_end + 4 + length:
                    break
            if not chunk:
                break
    return int(lines[0].split()[1]), answer[header_end + 4:], answered


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

    def signer_post(self, signing_url: str, action: str, reason: str) -> float:
        """A signer's sign or refuse on their signing link; return when its answer arrived (wall clock)."""
        # The signer's link carries its own token: no API key, as a signer's browser.
        url = self.base + urlsplit(signing_url).path.rstrip("/") + "/" + action
        status, body, answered = post_answered_at(url, {"reason": reason}, {"Accept": "application/json"})
        if status != 200:
            raise RuntimeError(f"POST .../{action} -> {status}: {body[:300]!r}")
        return answered

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
