"""The library internals mock_server/patches/ relies on, pinned: each test fails if a pinned library changes it.

Plus SIGN8's organisation_id header end to end through a real waitress server (the patch exists for it).
"""
from __future__ import annotations

import http.client
import inspect
import json

import pytest
from flask import Flask
from flask_smorest import Api, Blueprint
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.parser import HTTPRequestParser
from werkzeug.routing import Map, Rule

from mock_server.app import create_app
from mock_server.patches.flask_sync import MockFlask
from mock_server.patches.waitress_headers import OrganisationHeaderParser
from mock_server.patches.werkzeug_rules import LazyBuilderRule
from mock_server.serving import make_server

REQUEST_WITH_HEADER = b"GET / HTTP/1.1\r\nHost: x\r\norganisation_id: abc\r\nOrganization_ID: def\r\n\r\n"


def _call(server, key: str, *headers: tuple[str, str]) -> tuple[int, dict]:
    """POST AddWorkflow through the real server with extra headers (http.client keeps underscores in names)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/api/workflow/AddWorkflow")
        body = b'{"name": "Contract"}'
        for name, value in (("Authorization", f"Bearer {key}"), ("Content-Type", "application/json"),
                            ("Content-Length", str(len(body))), *headers):
            conn.putheader(name, value)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


@pytest.mark.parametrize("name", ["organisation_id", "organization_id"])
def test_the_organisation_id_header_reaches_the_api_through_waitress(live_server, name):
    status, body = _call(live_server, "key-patches")
    assert status == 201
    own = body["organization_id"]
    assert _call(live_server, "key-patches", (name, own))[0] == 201
    status, body = _call(live_server, "key-patches", (name, "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"))
    assert status == 403, body  # a header waitress dropped would pass as 201


def test_waitress_still_drops_underscore_headers_and_the_parser_keeps_them():
    plain = HTTPRequestParser(Adjustments())
    plain.received(REQUEST_WITH_HEADER)
    assert plain.completed and "ORGANISATION_ID" not in plain.headers and "ORGANIZATION_ID" not in plain.headers
    patched = OrganisationHeaderParser(Adjustments())
    patched.received(REQUEST_WITH_HEADER)
    assert patched.headers["ORGANISATION_ID"] == "abc" and patched.headers["ORGANIZATION_ID"] == "def"
    assert "header_plus" in inspect.signature(HTTPRequestParser.parse_header).parameters


def test_waitress_server_internals_the_graceful_stop_uses():
    app = create_app({"db": ":memory:"}, start_background=False)
    server = make_server(app, port=0)
    try:
        assert server in server._map.values() and server.trigger in server._map.values()
        assert callable(server.trigger.pull_trigger) and callable(server.handle_accept)
        assert callable(wasyncore.dispatcher.close) and server.close is not wasyncore.dispatcher.close
        assert "cancel_pending" in inspect.signature(server.task_dispatcher.shutdown).parameters
    finally:
        server.close()
        app.extensions["sign8"].stop()


def test_werkzeug_rules_still_compile_builders_in_compile_builder():
    assert "append_unknown" in inspect.signature(Rule._compile_builder).parameters
    eager, lazy = Map([Rule("/a/<x>", endpoint="a")]), Map([LazyBuilderRule("/a/<x>", endpoint="a")])
    for args in ({"x": "1"}, {"x": "2", "extra": "y"}):
        assert lazy.bind("h").build("a", args) == eager.bind("h").build("a", args)
    assert lazy.bind("h").build("a", {"x": "3"}, append_unknown=False) == "/a/3"


def test_flask_asks_ensure_sync_for_each_view_and_hook():
    app = MockFlask(__name__)

    def view():
        return "ok"

    def hook():
        return None

    app.add_url_rule("/", "view", view)
    app.before_request(hook)
    assert app.test_client().get("/").status_code == 200
    assert {view, hook} <= set(app.__dict__["_sync_funcs"])
    assert Flask.ensure_sync is not MockFlask.ensure_sync


def test_flask_smorest_internals_the_lazy_document_uses():
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/",
                      OPENAPI_JSON_PATH="openapi.json")
    api = Api(app)
    assert isinstance(app.extensions["flask-smorest"]["blp_name_to_api"], dict)
    assert {"api", "app", "spec", "name", "parameters"} <= set(inspect.signature(
        Blueprint.register_views_in_doc).parameters)
    assert callable(api._openapi_json)
    served = create_app({"db": ":memory:"}, start_background=False)
    try:
        doc = served.test_client().get("/openapi.json").get_json()
        assert doc["paths"]["/api/workflow/AddWorkflow"]["post"]["callbacks"]  # the lazy pass and the finish ran
    finally:
        served.extensions["sign8"].stop()
