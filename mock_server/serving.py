"""Serve the app with waitress, keeping the SIGN8 `organisation_id` header that waitress would drop."""
from __future__ import annotations

import re

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
