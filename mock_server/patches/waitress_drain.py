"""waitress: a graceful stop (drain requests in flight, then end the loop), through waitress's server internals.

It reads the server's channel map (`_map`), pulls its `trigger`, accepts queued connections with `handle_accept`
and closes the listener with wasyncore's base `close`. tests/test_framework_patches.py pins each of these.
"""
from __future__ import annotations

import select
import threading
import time

from waitress import wasyncore


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
