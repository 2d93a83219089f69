"""Serve the app with waitress, keeping the SIGN8 `organisation_id` header that waitress would drop."""
from __future__ import annotations

import re
import select
import threading
import time

from waitress import create_server, wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser

# waitress drops every header whose name has an underscore (it would collide with the dashed
# spelling in the WSGI environ). SIGN8 documents `organisation_id`, so rename just that header
# (and `organization_id`) to its dashed form, which the API reads as the same header.
_ORG_HEADER = re.compile(rb"(?im)^(organi[sz]ation)_(id)[ \t]*:")


class _Parser(HTTPRequestParser):
    def parse_header(self, header_plus):
        return super().parse_header(_ORG_HEADER.sub(rb"\1-\2:", header_plus))


class _Channel(HTTPChannel):
    parser_class = _Parser


INBUF_IN_MEMORY = 64 * 1024 * 1024


def make_server(app, host: str = "127.0.0.1", port: int = 0, threads: int = 8, **kwargs):
    """Create (bind) a waitress server for app; read the real port back from .effective_port."""
    # Request bodies up to INBUF_IN_MEMORY stay in memory: waitress would spool anything over 512 KB to a
    # temporary file and read it back, which doubled the I/O of every PDF upload.
    # A request's webhooks wait until its response is written (webhooks/after_response.py).
    wsgi_app = app.extensions["sign8"].wsgi_app(app)
    server = create_server(wsgi_app, host=host, port=port, threads=threads, ident="sign8-mock",
                           clear_untrusted_proxy_headers=True, inbuf_overflow=INBUF_IN_MEMORY, **kwargs)
    server.channel_class = _Channel
    return server


class GracefulStop:
    """Stop accepting at the first signal, let requests in flight finish (at most DRAIN_SECONDS), then end the loop.

    Raising SystemExit in the signal handler would leave waitress's loop at once: a request
    still being received would be cut, and an answered one never flushed to its client.
    """

    # Requests in flight get this long; the rest of the stop (webhook sender, timer, documents worker, the
    # store's last snapshot, then os._exit) fits in the remaining time of the 5 s a SIGTERM may take.
    DRAIN_SECONDS = 3.0

    def __init__(self, server):
        self.server = server
        self.requested = False
        self.listener_closed = threading.Event()

    def request(self, signum, frame) -> None:
        if self.requested:
            raise SystemExit(0)  # a second signal: stop now
        self.requested = True
        self.server.trigger.pull_trigger(self._stop_listening)
        threading.Thread(target=self._drain, name="sign8-drain", daemon=True).start()

    def _stop_listening(self) -> None:
        # Connections the kernel already queued were made before the signal: take them in, so they
        # are served like any other request in flight instead of being reset with the listener.
        sock = getattr(self.server, "socket", None)
        while sock is not None and select.select([sock], [], [], 0)[0]:
            before = len(self.server._map)
            self.server.handle_accept()
            if len(self.server._map) == before:
                break
        # The base class's close: the server's own close() would also close the trigger the drain still needs.
        wasyncore.dispatcher.close(self.server)
        self.listener_closed.set()

    def _channels(self) -> list:
        while True:
            try:
                return [c for c in list(self.server._map.values())
                        if c is not self.server and c is not self.server.trigger]
            except RuntimeError:  # the loop thread changed the map while it was copied
                continue

    @staticmethod
    def _busy(channel) -> bool:
        if (getattr(channel, "request", None) is not None or getattr(channel, "requests", None)
                or getattr(channel, "total_outbufs_len", 0)):
            return True
        # Bytes not read yet: a request the loop has not started to parse (a just-accepted connection).
        sock = getattr(channel, "socket", None)
        try:
            return sock is not None and bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):  # closed meanwhile by the loop thread
            return False

    def _drain(self) -> None:
        deadline = time.monotonic() + self.DRAIN_SECONDS
        # Judge what is in flight only once the queued connections have been taken in.
        self.listener_closed.wait(self.DRAIN_SECONDS)
        # Idle must hold for a few polls: between the loop's recv() and its parser taking the bytes,
        # a channel looks idle for an instant.
        idle_polls = 0
        while time.monotonic() < deadline and idle_polls < 3:
            idle_polls = 0 if any(self._busy(c) for c in self._channels()) else idle_polls + 1
            time.sleep(0.02)
        try:
            self.server.trigger.pull_trigger(self._close_all)
        except OSError:
            pass  # the loop ran both thunks and closed the trigger while this one was being added

    def _close_all(self) -> None:
        close_all_channels(self.server)


def close_all_channels(server) -> None:
    """Close every channel (idle keep-alive ones and the trigger too): waitress's loop then returns."""
    for channel in list(server._map.values()):
        channel.close()


class ServerThread:
    """Serve an app with waitress from a daemon thread (tests, the pytest plugin); stop() returns promptly."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, threads: int = 8):
        self.app = app
        self.services = app.extensions["sign8"]
        self.server = make_server(app, host=host, port=port, threads=threads)
        self.host, self.port = host, self.server.effective_port
        self.url = f"http://{host}:{self.port}"
        self.services.bind(host, self.port)
        self.thread = threading.Thread(target=self.server.run, name=f"sign8-mock-{self.port}", daemon=True)
        self.stopped = False

    def start(self) -> "ServerThread":
        self.services.start()
        self.thread.start()
        return self

    def stop(self) -> None:
        """Close every connection, end the loop, stop the mock's background threads."""
        if self.stopped:
            return
        self.stopped = True
        try:
            self.server.trigger.pull_trigger(lambda: close_all_channels(self.server))
        except OSError:
            # The trigger's pipe is already gone (seen once in ~10 full test runs, cause not found):
            # the loop cannot be woken, so close the channels from here; its next poll then ends it.
            close_all_channels(self.server)
        self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown(timeout=5)
        self.services.stop()
