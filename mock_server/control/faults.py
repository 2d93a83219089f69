"""Fault injection on the API (like WireMock's): an error status, a delay, or a dropped connection."""
from __future__ import annotations

import fnmatch
import random
import threading
import time
import uuid

from flask import current_app, g, request
from waitress.channel import ClientDisconnected

from ..api.errors import error_response

# Faults never hit the control API or its assets: a rule on "*" must not lock the user out of removing it.
EXEMPT_PREFIX = "/_mock"


class FaultRules:
    """The active rules of one app; a rule with `times` disappears after that many hits."""

    def __init__(self, rng: random.Random | None = None):
        self._rules: list[dict] = []
        self._lock = threading.Lock()
        self._rng = rng or random.Random()

    def add(self, spec: dict) -> dict:
        rule = {"rule_id": str(uuid.uuid4()), "method": (spec.get("method") or "*").upper(), "path": spec["path"],
                "status": spec.get("status"), "delay_ms": spec.get("delay_ms") or 0, "drop": bool(spec.get("drop")),
                "probability": 1.0 if spec.get("probability") is None else spec["probability"],
                "times": spec.get("times"), "hits": 0}
        with self._lock:
            self._rules.append(rule)
        return dict(rule)

    def all(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rules]

    def clear(self) -> int:
        with self._lock:
            n = len(self._rules)
            self._rules.clear()
            return n

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r["rule_id"] != rule_id]
            return len(self._rules) != before

    def match(self, method: str, path: str) -> dict | None:
        """Return the first rule that fires for this request, counting the hit."""
        with self._lock:
            for rule in self._rules:
                if rule["method"] not in ("*", method):
                    continue
                if rule["path"] != path and not fnmatch.fnmatchcase(path, rule["path"]):
                    continue
                if rule["probability"] < 1.0 and self._rng.random() >= rule["probability"]:
                    continue
                rule["hits"] += 1
                if rule["times"] is not None:
                    rule["times"] -= 1
                    if rule["times"] <= 0:
                        self._rules.remove(rule)
                return dict(rule)
        return None


def rules_of(app) -> FaultRules:
    return app.extensions["sign8_faults"]


def inject():
    """Apply the first matching rule before the view runs (before_request hook)."""
    if request.path.startswith(EXEMPT_PREFIX):
        return None
    rule = rules_of(current_app).match(request.method, request.path)
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
    app.extensions["sign8_faults"] = FaultRules()
    app.before_request(inject)
    app.wsgi_app = DropConnections(app.wsgi_app)
