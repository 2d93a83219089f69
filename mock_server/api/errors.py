"""One JSON error shape for every error: {"error": {"code", "message", "fields"?}}."""
from __future__ import annotations

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..domain.errors import DomainError
from ..patches.flask_smorest_docs import LazyDocsApi
from ..storage.errors import StorageFull
from . import openapi_fields
from .credentials import ORGANIZATION_HEADER, api_key_of
from .schemas import ErrorSchema

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
    500: "internal_error", 503: "service_unavailable", 507: "insufficient_storage",
}

# Documented on every operation so generated-request checks find each answer declared.
COMMON_ERRORS = (400, 401, 403, 413, 415, 422)


# One example answer per status, so every documented response shows what arrives.
ERROR_EXAMPLES = {
    400: ("malformed_json", "The request body is not valid JSON."),
    401: ("unauthorized", "Missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."),
    403: ("forbidden", "The organisation_id header does not match the API key's organization."),
    404: ("workflow_not_found", "Workflow '3f2c8a1e-5b7d-4c9e-8a6f-1d2e3f4a5b6c' does not exist."),
    405: ("method_not_allowed", "GET is not allowed on /api/workflow/AddWorkflow."),
    409: ("invalid_state", "The workflow is in_progress; only a draft can change."),
    410: ("link_closed", "This workflow is closed."),
    413: ("payload_too_large", "The request body is larger than the server accepts."),
    415: ("unsupported_media_type", "Content-Type must be application/json, not 'text/plain'."),
    422: ("validation_error", "Invalid fields: email."),
}


def _error_example(code: int) -> dict:
    name, message = ERROR_EXAMPLES.get(code, (HTTP_CODES.get(code, "error"), "Error."))
    body = {"code": name, "message": message}
    if code == 422:
        body["fields"] = {"email": ["Not a valid email address."]}
    return {"error": body}


def error_responses(codes, descriptions: dict | None = None) -> dict:
    """Return OpenAPI responses for these error statuses, all in the one error shape (component Error)."""
    return {str(code): {"description": (descriptions or {}).get(code, HTTP_CODES.get(code, "Error.")),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"},
                                                         "example": _error_example(code)}}}
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


class MockApi(LazyDocsApi):
    """flask-smorest's Api with this project's error shape."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, **kwargs):
        super().__init__(app, **kwargs)
        # Standard formats, enforced patterns and examples on every field (see openapi_fields).
        self.ma_plugin.converter.add_attribute_function(openapi_fields.field_attributes)

    def document_variant(self) -> tuple:
        """What the document depends on besides where the mock listens (its servers entry)."""
        return ("admin_token", bool(self._app.extensions["sign8"].settings.admin_token))

    def finish_document(self, doc: dict) -> dict:
        """Complete the generated document (api/openapi_document.py); inside a request its servers entry may name
        the address asked."""
        from . import openapi_document  # imports the signing and webhook pages of the document: after they load

        settings = self._app.extensions["sign8"].settings
        return openapi_document.finish(doc, server_url=server_url(settings), admin_token=self.document_variant()[1])

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
        headers = dict(data.get("headers") or {})
        if isinstance(error, MethodNotAllowed):
            message = f"{request.method} is not allowed on {request.path}."
            # RFC 9110: a 405 lists the methods the resource does allow.
            headers["Allow"] = ", ".join(sorted(set(error.valid_methods or ()) | {"OPTIONS"}))
        if status == 413:
            message = "The request body is larger than the server accepts."
        if isinstance(error, NotFound) and request.url_rule is None and request.path.startswith(OPERATION_PREFIX):
            return unknown_operation()
        return error_response(status, code, message, fields, headers=headers)


OPERATION_PREFIX = "/api/workflow/"


def operations() -> list[str]:
    """The Workflow API's operation names, from the routes (so a new view is listed by itself)."""
    return sorted({rule.rule[len(OPERATION_PREFIX):] for rule in current_app.url_map.iter_rules()
                   if rule.rule.startswith(OPERATION_PREFIX) and "<" not in rule.rule})


def unknown_operation():
    name = request.path[len(OPERATION_PREFIX):]
    known = operations()
    # No view ran to read the key: name its organization here too, as every /api answer in open mode does.
    key = api_key_of(request)
    org = current_app.extensions["sign8"].organization_of_key(key) if key else None
    headers = {ORGANIZATION_HEADER: org} if org and current_app.extensions["sign8"].settings.auth == "open" else None
    return error_response(404, "unknown_operation",
                          f"There is no operation '{name[:100]}'. Operations: {', '.join(known)}.", operations=known,
                          headers=headers)


def server_url(settings) -> str:
    """The URL the document's servers entry names: --public-url, else where the mock really listens."""
    if settings.public_url:
        return settings.base_url
    if settings.host in ("0.0.0.0", "::", ""):
        # Bound to every interface: the address this client reached us on is the useful one.
        return request.host_url.rstrip("/")
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def handle_domain_error(error: DomainError):
    return error_response(error.status, error.code, error.message, error.fields, **error.extra)


def handle_storage_full(error: StorageFull):
    # 507 Insufficient Storage: the change was not made (memory and disk are as before); retrying later works.
    return error_response(507, "insufficient_storage", str(error))


def handle_recursion_error(error: RecursionError):
    # webargs parses bodies with the stdlib json module, which gives up on absurd nesting this way.
    return error_response(400, "malformed_json", "The request body is nested too deeply.")


def init_app(app) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StorageFull, handle_storage_full)
    app.register_error_handler(RecursionError, handle_recursion_error)
