"""Serve the app with waitress (the patches it needs live in patches/waitress_headers.py and waitress_drain.py)."""
from __future__ import annotations

import threading

from waitress import create_server

from .patches.waitress_drain import close_all_channels
from .patches.waitress_headers import keep_organisation_header

INBUF_IN_MEMORY = 64 * 1024 * 1024
# Seconds a document job in progress may take to finish when an in-process server stops (a 50-page signing
# takes ~0.3 s warm; the first job of a process also imports pyHanko and fpdf2, about a second).
IN_PROCESS_DOCUMENT_WAIT = 30.0


def make_server(app, host: str = "127.0.0.1", port: int = 0, threads: int = 8, **kwargs):
    """Create (bind) a waitress server for app; read the real port back from .effective_port."""
    # Request bodies up to INBUF_IN_MEMORY stay in memory: waitress would spool anything over 512 KB to a
    # temporary file and read it back, which doubled the I/O of every PDF upload.
    # A request's webhooks wait until its response is written (webhooks/after_response.py).
    wsgi_app = app.extensions["sign8"].wsgi_app(app)
    server = create_server(wsgi_app, host=host, port=port, threads=threads, ident="sign8-mock",
                           clear_untrusted_proxy_headers=True, inbuf_overflow=INBUF_IN_MEMORY, **kwargs)
    keep_organisation_header(server)  # SIGN8's organisation_id header
    return server


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
        # In a process that goes on (tests, the pytest plugin) the interpreter's own teardown follows, and a daemon
        # thread still inside native code then is ended by a forced unwind: HarfBuzz's shaping (uharfbuzz, C++ with
        # catch-all blocks) turns that into an abort, "FATAL: exception not rethrown", exit -6 after green tests.
        # So the document worker finishes its job here; `serve` keeps the short stop, it leaves with os._exit.
        self.services.stop(document_wait=IN_PROCESS_DOCUMENT_WAIT)
