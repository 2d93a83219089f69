"""waitress: keep the SIGN8 `organisation_id` header, which waitress drops (a parser subclass).

Pinned by tests/test_framework_patches.py: plain waitress still drops the header and still parses headers in
HTTPRequestParser.parse_header; with the patch the header reaches the app through a real server.
"""
from __future__ import annotations

import re

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser

# waitress drops every header whose name has an underscore (it would collide with the dashed
# spelling in the WSGI environ). SIGN8 documents `organisation_id`, so rename just that header
# (and `organization_id`) to its dashed form, which the API reads as the same header.
_ORG_HEADER = re.compile(rb"(?im)^(organi[sz]ation)_(id)[ \t]*:")


class OrganisationHeaderParser(HTTPRequestParser):
    def parse_header(self, header_plus):
        return super().parse_header(_ORG_HEADER.sub(rb"\1-\2:", header_plus))


class OrganisationHeaderChannel(HTTPChannel):
    parser_class = OrganisationHeaderParser


def keep_organisation_header(server) -> None:
    """Make a waitress server's connections parse with OrganisationHeaderParser."""
    server.channel_class = OrganisationHeaderChannel
