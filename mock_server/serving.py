"""Serve the app with waitress, keeping the SIGN8 `organisation_id` header that waitress would drop."""
from __future__ import annotations

import re
import threading

from waitress import create_server
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


def make_server(app, host: str = "127.0.0.1", port: int = 0, threads: int = 8, **kwargs):
    """Create (bind) a waitress server for app; read the real port back from .effective_port."""
    server = create_server(app, host=host, port=port, threads=threads, ident="sign8-mock",
                           clear_untrusted_proxy_headers=True, **kwargs)
    server.channel_class = _Channel
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

    def _close_all(self) -> None:
        # Runs in the server's loop thread: with every channel (keep-alive ones too) closed, the loop ends.
        for channel in list(self.server._map.values()):
            channel.close()

    def stop(self) -> None:
        """Close every connection, end the loop, stop the mock's background threads."""
        if self.stopped:
            return
        self.stopped = True
        self.server.trigger.pull_trigger(self._close_all)
        self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown(timeout=5)
        self.services.stop()
