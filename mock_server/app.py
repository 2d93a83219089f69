"""create_app(config): wire storage, services, the scheduler and the blueprints into a Flask app."""
from __future__ import annotations

import json

from flask import Flask, Response, current_app, redirect, request
from flask.json.provider import DefaultJSONProvider
from swagger_ui_bundle import swagger_ui_path

from . import __version__
from . import api as api_pkg
from . import control, signing
from .api.errors import MockApi
from .config import Settings, from_env
from .patches.flask_sync import MockFlask
from .services import Services


class StrictJSONProvider(DefaultJSONProvider):
    """Parse JSON; turn absurd nesting into a decode error (a 400), not a RecursionError (a 500)."""

    sort_keys = False

    def loads(self, s, **kwargs):
        try:
            return json.loads(s, **kwargs)
        except RecursionError as exc:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from exc


def index():
    """A small JSON index of the mock; a browser is sent to the API docs."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]:
        return redirect("/docs", code=302)
    return {"name": "sign8-mock", "description": "A local mock server of the SIGN8 Workflow API.",
            "version": __version__, "links": {"docs": "/docs", "openapi": "/openapi.json", "dashboard": "/_mock/",
                                              "health": "/_mock/health"}}


def favicon():
    """The mock's icon, so a browser's tab shows it (and its request is not a 404)."""
    body = current_app.extensions["sign8"].favicon()
    return Response(body, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"})


EXPOSED_HEADERS = "Allow, Content-Disposition, Retry-After, X-Sign8-Mock-Organization"
CORS_ALLOW_HEADERS = "Authorization, X-API-Key, X-Admin-Token, Content-Type, organisation_id, organization_id"


def enable_cors(app, origins: str) -> None:
    """Answer browsers' preflights (no key needed) and mark answers readable by the allowed origins."""
    allowed = {o.strip().rstrip("/") for o in origins.split(",") if o.strip()}

    def origin_ok():
        origin = request.headers.get("Origin")
        return origin if origin and ("*" in allowed or origin in allowed) else None

    def preflight():
        if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method") and origin_ok():
            resp = app.make_response(("", 204))
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
            resp.headers["Access-Control-Max-Age"] = "600"
            return resp
        return None

    def mark(resp):
        origin = origin_ok()
        if origin:
            resp.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
            resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            resp.vary.add("Origin")
        return resp

    # First of all before_request hooks: a preflight never carries the key, so it must not meet the auth check.
    app.before_request_funcs.setdefault(None, []).insert(0, preflight)
    app.after_request(mark)


def create_app(config: Settings | dict | None = None, start_background: bool = True) -> Flask:
    """Build a mock server app; config is Settings, a dict of overrides, or None (environment)."""
    settings = config if isinstance(config, Settings) else from_env(**(config or {}))
    app = MockFlask(__name__)
    app.json = StrictJSONProvider(app)
    app.config.update(
        API_TITLE="SIGN8 Workflow API (sign8-mock)",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/_mock/static/swagger-ui/",
        # Base64 inflates by 4/3; leave room for the JSON around a file at the size limit.
        MAX_CONTENT_LENGTH=int(settings.max_file_bytes * 4 / 3) + 1024 * 1024,
        JSON_SORT_KEYS=False,
        SIGN8_SETTINGS=settings,
        API_SPEC_OPTIONS={
            "info": {
                "description": "A local mock of the SIGN8 Workflow API (e-signature workflows), its signing links, "
                               "webhooks and a control API under `/_mock`. Every `/api` call carries an API key: "
                               "`Authorization: Bearer YOUR_API_KEY` (or `X-API-Key`). Errors share one shape: "
                               "`{\"error\": {\"code\", \"message\", \"fields\"}}`; invalid fields answer 422. "
                               "Text (names, descriptions, file names, reasons, annotation texts) must not contain "
                               "control characters (CR, LF, NUL, any below U+0020 but tab, DEL): 422 naming the field. "
                               "An `Authorization` header that is not `Bearer <key>` answers 401 "
                               "`invalid_authorization`. In open auth mode a new key is a new, empty organization; "
                               "each answer names it in `X-Sign8-Mock-Organization`.",
                "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
                "contact": {"name": "sign8-mock maintainers"},
            },
            # servers, security and the rest are completed per request by api/openapi_document.finish().
        },
    )
    services = Services(settings)
    app.extensions["sign8"] = services
    api = MockApi(app)
    api_pkg.init_app(app, api)
    signing.init_app(app)
    control.init_app(app, api, swagger_ui_path)
    app.add_url_rule("/", "index", index, methods=["GET"])
    app.add_url_rule("/favicon.ico", "favicon", favicon, methods=["GET"])
    if settings.cors_origins:
        enable_cors(app, settings.cors_origins)
    # The dashboard's slash-less alias (the document's path); the same endpoint keeps its blueprint's auth hook.
    app.add_url_rule("/_mock/dashboard", "mock_dashboard.page", app.view_functions["mock_dashboard.page"],
                     methods=["GET"])
    if start_background:
        services.start()
    return app
