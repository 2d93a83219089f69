"""Hold the webhook sender's wake-ups that a request causes until that request's response is written.

A real service answers the call that refuses or expires a workflow before its webhook goes out; an
integration may rely on that order (it stores the workflow's state from the answer, then handles the
event). Waking the sender at commit let the webhook race the answer: the benchmark's webhook latency
was negative about half the time.

    after_response = AfterResponse()
    after_response.call(fn, *args)     # now, or when the current request's response is written
    wsgi_app = after_response.wrap(app)  # the HTTP server's entry point (serving.make_server)

Outside a wrapped request (background threads, Flask's test client, Services called directly) `call`
runs at once. Inside one, the calls wait until the server closes the response, which waitress does
after it has handed the last byte to the socket.
"""
from __future__ import annotations

import threading
from typing import Callable

from werkzeug.wsgi import ClosingIterator


class AfterResponse:
    """Per-thread lists of calls to make once the current request's response is written."""

    def __init__(self):
        self._local = threading.local()

    def call(self, fn: Callable, *args) -> None:
        """Run fn(*args) now, or after the response of the request this thread is serving."""
        pending = getattr(self._local, "pending", None)
        if pending is None:
            fn(*args)
        else:
            pending.append((fn, args))

    def wrap(self, wsgi_app):
        """Return wsgi_app with every request's held calls run when its response is closed."""
        def app(environ, start_response):
            if getattr(self._local, "pending", None):
                self._release()  # a previous response on this thread was never closed: its calls must not be lost
            self._local.pending = []
            try:
                body = wsgi_app(environ, start_response)
            except BaseException:
                self._release()
                raise
            if not self._local.pending:
                self._local.pending = None  # nothing held: the body goes out untouched (file wrappers stay)
                return body
            return ClosingIterator(body, self._release)
        return app

    def _release(self) -> None:
        pending, self._local.pending = self._local.pending, None
        for fn, args in pending or ():
            fn(*args)
