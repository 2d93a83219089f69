"""One JSON error shape for every error: {"error": {"code", "message", "fields"?}}."""
from __future__ import annotations

import threading

from flask import jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError
from .schemas import ErrorSchema

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
    500: "internal_error", 503: "service_unavailable",
}

# Documented on every operation so generated-request checks find each answer declared.
COMMON_ERRORS = (400, 401, 403, 413, 415, 422)


def error_responses(codes, descriptions: dict | None = None) -> dict:
    """Return OpenAPI responses for these error statuses, all in the one error shape (component Error)."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(code): {"description": (descriptions or {}).get(code, HTTP_CODES.get(code, "Error.")), "content": content}
            for code in codes}


def error_body(status: int, code: str | None, message: str, fields: dict | None = None, **extra) -> dict:
    err = {"code": code or HTTP_CODES.get(status, "error"), "message": message}
    if fields:
        err["fields"] = fields
    err.update({k: v for k, v in extra.items() if v is not None})
    return {"error": err}


def _flatten_webargs(messages: dict) -> dict:
    """Turn webargs' {"json": {"email": [...]}} into {"email": [...]}."""
    flat = {}
    for location, per_field in (messages or {}).items():
        if isinstance(per_field, dict):
            flat.update(per_field)
        else:
            flat[location] = per_field
    return flat


def error_response(status: int, code: str | None, message: str, fields: dict | None = None, headers=None, **extra):
    resp = jsonify(error_body(status, code, message, fields, **extra))
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


class MockApi(Api):
    """flask-smorest's Api with this project's error shape."""

    ERROR_SCHEMA = ErrorSchema

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Route the blueprint now; document it when the spec is first asked for.

        Building the OpenAPI document deep-copies every operation's doc: a sixth of cold start,
        paid by every CI run that never reads /openapi.json.
        """
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        if not hasattr(self, "_undocumented"):
            self._undocumented, self._doc_lock = [], threading.Lock()
        self._undocumented.append((blp, name, parameters))

    def document_blueprints(self) -> None:
        """Add every registered blueprint's operations to the spec (once)."""
        with self._doc_lock:
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
                self.spec.tag({"name": name, "description": blp.description})

    def _openapi_json(self):
        self.document_blueprints()
        return super()._openapi_json()
    # Operations list each error status they give; a catch-all "default" would hide undeclared ones.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        status = error.code or 500
        fields = None
        message = error.description or error.name
        if status == 400 and data.get("messages"):
            message = "The request body is not valid JSON."
            code = "malformed_json"
        elif status == 422 and data.get("messages"):
            fields = _flatten_webargs(data["messages"])
            message = "Invalid fields: " + ", ".join(sorted(fields)) + "."
            code = "validation_error"
        else:
            code = HTTP_CODES.get(status, "error")
        if status == 405:
            message = f"{request.method} is not allowed on {request.path}."
        if status == 413:
            message = "The request body is larger than the server accepts."
        return error_response(status, code, message, fields, headers=data.get("headers"))


def handle_domain_error(error: DomainError):
    return error_response(error.status, error.code, error.message, error.fields, **error.extra)


def handle_recursion_error(error: RecursionError):
    # webargs parses bodies with the stdlib json module, which gives up on absurd nesting this way.
    return error_response(400, "malformed_json", "The request body is nested too deeply.")


def init_app(app) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(RecursionError, handle_recursion_error)
