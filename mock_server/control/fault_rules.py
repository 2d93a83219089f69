"""Apply the instance's fault rules to API requests (Flask hook and WSGI middleware only)."""
from __future__ import annotations

import time

from flask import current_app, g, request
from waitress.channel import ClientDisconnected

from ..api.credentials import api_key_of
from ..api.errors import error_response

# Faults never hit the control API or its assets: a rule on "*" must not lock the user out of removing it.
EXEMPT_PREFIX = "/_mock"


def inject():
    """Apply the first matching rule before the view runs (before_request hook)."""
    services = current_app.extensions["sign8"]
    # No rule at all (the usual case): answer without resolving the caller's key (7% of a GetWorkflow).
    if not services.has_fault_rules() or request.path.startswith(EXEMPT_PREFIX):
        return None
    key = api_key_of(request)
    rule = services.match_fault(request.method, request.path, services.organization_of_key(key) if key else None)
    if rule is None:
        return None
    g.sign8_fault = rule["rule_id"]
    if rule["delay_ms"]:
        time.sleep(rule["delay_ms"] / 1000.0)
    if rule["drop"]:
        request.environ["sign8.drop"] = True
        return error_response(503, "injected_fault", "Connection dropped by a fault rule.", rule_id=rule["rule_id"])
    if rule["status"]:
        return error_response(rule["status"], "injected_fault",
                              f"Fault injected by rule {rule['rule_id']} (status {rule['status']}).",
                              rule_id=rule["rule_id"])
    return None


class DropConnections:
    """WSGI middleware: close the socket without an answer when a rule said drop.

    Waitress exposes no socket to the app; raising its ClientDisconnected before any header
    is written makes it close the connection and send nothing, which is what a client sees
    when a server dies mid-request.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        held = {}

        def hold(status, headers, exc_info=None):
            held["args"] = (status, headers, exc_info)
            return lambda data: None

        result = self.wsgi_app(environ, hold)
        if not environ.get("sign8.drop"):
            if "args" in held:
                start_response(*held["args"])
            return result
        if hasattr(result, "close"):
            result.close()
        raise ClientDisconnected("sign8-mock fault rule: connection dropped")


def init_app(app) -> None:
    app.before_request(inject)
    app.wsgi_app = DropConnections(app.wsgi_app)
