"""The recording proxy: forward calls to a SIGN8 system unchanged, relay its webhooks, record both into a HAR file.

A plain http.server, not waitress: a WSGI server re-spells header names (and waitress drops `organisation_id`,
whose underscore it cannot carry), while this proxy must pass every header on exactly as it came.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .har import HarRecorder

API_PREFIX = "/api/workflow/"
WEBHOOK_PREFIX = "/_proxy/webhooks/"
# Per-connection headers (RFC 9110 7.6.1): each hop sets its own; everything else passes unchanged.
# Expect too: this server already answered the client's 100-continue; http.client would not wait for the upstream's.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect"})
DEFAULT_TIMEOUT = 120.0


class Target:
    """Where a request goes: scheme, host and the path prefix of a base URL."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.scheme, self.netloc, self.prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")

    def connection(self, timeout: float):
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return cls(self.netloc, timeout=timeout)


def send(target: Target, method: str, path: str, headers, body: bytes, timeout: float):
    """Send one request with exactly these headers (plus Host and Content-Length); return status, reason, headers, body."""
    conn = target.connection(timeout)
    try:
        conn.putrequest(method, target.prefix + path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", target.netloc)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read()  # the bytes as sent: http.client undoes chunking, never a Content-Encoding
        return resp.status, resp.reason, resp.getheaders(), data
    finally:
        conn.close()


class RecordingProxy:
    """Forward, relay and record; the HTTP server around it only reads requests and writes answers."""

    def __init__(self, upstream: str, record: str | None = None, keep_bodies: bool = False,
                 forward_webhooks: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        self.upstream = Target(upstream)
        self.webhook_target = Target(forward_webhooks) if forward_webhooks else None
        self.recorder = HarRecorder(record, keep_bodies)
        self.timeout = timeout

    def handle(self, method: str, path: str, headers, body: bytes, version: str, own_url: str):
        """Answer one request: (status, reason, headers, body)."""
        if path.startswith(WEBHOOK_PREFIX):
            return self._relay(method, path, headers, body, version, own_url)
        started, clock = datetime.now(timezone.utc), time.perf_counter()
        try:
            status, reason, resp_headers, data = send(self.upstream, method, path, headers, body, self.timeout)
            error = None
        except OSError as exc:
            status, reason, resp_headers, data, error = _unreachable(self.upstream.base_url, exc)
        # Only the Workflow API is recorded: other paths (a mock's /_mock and signing pages) pass through as they
        # are; their answers carry captured SMS codes and snapshots, which a calibration file has no use for.
        if path.startswith(API_PREFIX):
            sent = [(n, self.upstream.netloc if n.lower() == "host" else v) for n, v in headers]
            operation = path[len(API_PREFIX):].split("?", 1)[0]
            self.recorder.record(kind="api", started=started, elapsed_ms=(time.perf_counter() - clock) * 1000,
                                 method=method, url=self.upstream.base_url + path, req_headers=sent,
                                 req_body=body, status=status, reason=reason, resp_headers=resp_headers,
                                 resp_body=data, version=version,
                                 extra={"operation": operation, **({"error": error} if error else {})})
        return status, reason, resp_headers, data

    def _relay(self, method, path, headers, body, version, own_url):
        rest = path[len(WEBHOOK_PREFIX):]
        started, clock = datetime.now(timezone.utc), time.perf_counter()
        error = None
        if self.webhook_target is None:
            status, reason, resp_headers, data = 204, "No Content", [], b""
            error = "no --forward-webhooks URL: recorded, not forwarded"
        else:
            try:
                status, reason, resp_headers, data = send(self.webhook_target, method, "/" + rest, headers, body,
                                                          self.timeout)
            except OSError as exc:
                status, reason, resp_headers, data, error = _unreachable(self.webhook_target.base_url, exc)
        extra = {"webhook_path": "/" + rest.split("?", 1)[0],
                 "forwarded_to": self.webhook_target.base_url + "/" + rest if self.webhook_target else None}
        if error:
            extra["error"] = error
        self.recorder.record(kind="webhook", started=started, elapsed_ms=(time.perf_counter() - clock) * 1000,
                             method=method, url=own_url + path, req_headers=headers, req_body=body, status=status,
                             reason=reason, resp_headers=resp_headers, resp_body=data, version=version, extra=extra)
        return status, reason, resp_headers, data


def _unreachable(where: str, exc: OSError):
    body = json.dumps({"error": {"code": "proxy_upstream_unreachable",
                                 "message": f"sign8-mock proxy could not reach {where}: {exc}"}}).encode()
    return 502, "Bad Gateway", [("Content-Type", "application/json")], body, f"{type(exc).__name__}: {exc}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for the client; every answer carries its Content-Length
    proxy: RecordingProxy

    def _any(self):
        body = self._read_body()
        own = f"http://{self.headers.get('Host') or '%s:%d' % self.server.server_address[:2]}"
        status, reason, headers, data = self.server.proxy.handle(
            self.command, self.path, list(self.headers.raw_items()), body, self.request_version, own)
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        # A HEAD answer has no body but tells the body's length: pass the upstream's on.
        length = next((v for n, v in headers if n.lower() == "content-length"), None) if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format, *args):
        pass


class ProxyServer:
    """The proxy on host:port (0: any free port), served from daemon threads until stop()."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0, **options):
        self.proxy = RecordingProxy(upstream, **options)
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.proxy = self.proxy
        self.host, self.port = host, self._server.server_address[1]
        self.url = f"http://{host if ':' not in host else '[' + host + ']'}:{self.port}"
        self.webhook_url = self.url + WEBHOOK_PREFIX.rstrip("/")
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"sign8-proxy-{self.port}", daemon=True)

    def start(self) -> "ProxyServer":
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """End serve_forever (from another thread) and close the socket."""
        self._server.shutdown()
        self.close()

    def close(self) -> None:
        self._server.server_close()

    @property
    def entries(self) -> list[dict]:
        return self.proxy.recorder.entries
