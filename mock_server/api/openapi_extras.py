"""The parts of /openapi.json that flask-smorest's views do not say by themselves.

The document is a product: Postman's importer, Swagger UI's "Try it out", linters and
Schemathesis work from it alone. So, beside what the views declare:

- field attributes (apispec attribute function): standard formats, the patterns the server
  enforces in code (control characters, http(s) URLs), and an example on every field;
- operationIds (the SIGN8 operation names, Mock* for the control API), descriptions, tags;
- security: the API key on every /api operation (global default), optional on /_mock (it scopes
  the call to the key's organization), the admin token when --admin-token is set, none on /sign;
- request and response examples the running server accepts, links that chain a whole flow;
- the signing actions (/sign/{token}...) and the two webhooks, as callbacks of AddWorkflow.

Rule: whatever the document allows, the server accepts; whatever the server rejects, the document says.
"""
from __future__ import annotations

import copy
import re

from marshmallow import fields

from ..domain import defaults
from ..domain.passwords import MAX_PASSWORD_LENGTH
from ..domain.text import CONTROL_FREE_PATTERN
from .schemas import no_control_chars

# -- examples ------------------------------------------------------------------------------
# Fixed ids: an example that names an object answers 404 on a fresh mock (never 422).
EXAMPLE_IDS = {
    "workflow_id": "3f2c8a1e-5b7d-4c9e-8a6f-1d2e3f4a5b6c",
    "file_id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "signer_id": "c4d5e6f7-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
    "signature_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
    "annotation_id": "a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d",
    "interface_id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
    # Not a fixture organization: an imported collection's dashboard reset must not wipe a demo org.
    "organization_id": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
    "event_id": "0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e",
    "delivery_id": "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a",
    "rule_id": "f0e1d2c3-b4a5-4968-8776-655443322110",
    "icon_file_id": defaults.DEFAULT_ICON_FILE_ID,
    "logo_file_id": defaults.DEFAULT_LOGO_FILE_ID,
}
# A one-page PDF (431 bytes, written by pypdf) that AddFile accepts.
PDF_BASE64 = (
    "JVBERi0xLjMKJeLjz9MKMSAwIG9iago8PAovUHJvZHVjZXIgKHB5cGRmKQo+PgplbmRvYmoKMiAwIG9iago8PAovVHlwZSAvUGFnZXMKL0NvdW50"
    "IDEKL0tpZHMgWyA0IDAgUiBdCj4+CmVuZG9iagozIDAgb2JqCjw8Ci9UeXBlIC9DYXRhbG9nCi9QYWdlcyAyIDAgUgo+PgplbmRvYmoKNCAwIG9i"
    "ago8PAovVHlwZSAvUGFnZQovUmVzb3VyY2VzIDw8Cj4+Ci9NZWRpYUJveCBbIDAuMCAwLjAgNTk1IDg0MiBdCi9QYXJlbnQgMiAwIFIKPj4KZW5k"
    "b2JqCnhyZWYKMCA1CjAwMDAwMDAwMDAgNjU1MzUgZiAKMDAwMDAwMDAxNSAwMDAwMCBuIAowMDAwMDAwMDU0IDAwMDAwIG4gCjAwMDAwMDAxMTMg"
    "MDAwMDAgbiAKMDAwMDAwMDE2MiAwMDAwMCBuIAp0cmFpbGVyCjw8Ci9TaXplIDUKL1Jvb3QgMyAwIFIKL0luZm8gMSAwIFIKPj4Kc3RhcnR4cmVm"
    "CjI1NgolJUVPRgo="
)
WHEN = "2026-11-28T09:30:00Z"
FUTURE = "2031-12-31T23:59:59Z"  # expires_at must lie after the (mock) clock's now
# By field name, whatever the schema; (schema, field) entries win over these.
FIELD_EXAMPLES = {
    **EXAMPLE_IDS,
    "name": "Employment contract",
    "description": "Contract for the new hire; HR signs after the employee.",
    "expires_at": FUTURE,
    "webhook_url": "http://127.0.0.1:9000/sign8-hooks",
    "metadata": {"employee_number": "E-1042"},
    "password": "correct horse battery staple",
    "file_name": "contract.pdf",
    "content_type": "application/pdf",
    "data": PDF_BASE64,
    "email": "ann.example@example.com",
    "first_name": "Ann",
    "last_name": "Example",
    "order": 1,
    "language": "de",
    "phone": "+4915112345678",
    "company": "Example GmbH",
    "job_title": "Head of HR",
    "page": 1, "x": 72.0, "y": 600.0, "width": 180.0, "height": 50.0,
    "required": True,
    "text": "Please initial every page.",
    "font_size": 12.0,
    "color": "#000000",
    "primary_color": "#00A19A",
    "size": 431, "page_count": 1,
    "sha256": "9f3c4e1a0b2d5c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
    "signing_url": "http://127.0.0.1:8080/sign/Zq3h9VYx0m7cW2r8b1LkTnE5pQ4sJ6uA0dG9fH2jK3l",
    "total": 1, "limit": 50, "offset": 0,
    "reason": "The rent in clause 3 is wrong.",
    "refusal_reason": "The rent in clause 3 is wrong.",
    "seconds": 3600.0,
    "now": WHEN, "real_now": WHEN, "at": WHEN, "time": WHEN, "occurred_at": WHEN,
    "offset_seconds": 0.0,
    "version": "0.1.0",
    "message": "Workflow '3f2c8a1e-5b7d-4c9e-8a6f-1d2e3f4a5b6c' does not exist.",
    "path": "/api/workflow/AddWorkflow",
    "method": "POST",
    "delay_ms": 0, "drop": False, "probability": 1.0, "times": 1, "hits": 0,
    "duplicate_next": 1, "delay_count": 1, "reorder_next": False,
    "cleared": 1, "duration_ms": 4.2, "status_code": 204,
    "ip": "127.0.0.1", "user_agent": "Mozilla/5.0",
    "actor": "api", "type": "workflow_created",
    "url": "http://127.0.0.1:9000/sign8-hooks/api/workflow/workflowRefused",
    "body_size": 31, "body_truncated": False, "id": 1,
    "storage": "memory", "workflows": 1,
}
SCHEMA_FIELD_EXAMPLES = {
    ("AddInterfaceArgs", "name"): "Acme blue", ("UpdateInterfaceArgs", "name"): "Acme blue",
    ("InterfaceSchema", "name"): "Acme blue",
    ("FaultRuleArgs", "status"): 503, ("FaultRuleSchema", "status"): 503,
    ("FaultRuleArgs", "times"): 1,
    ("RequestListArgs", "status"): 422, ("RequestListArgs", "path"): "/api/workflow/Add*",
    ("JournalEntrySchema", "status"): 201, ("JournalEntrySchema", "body"): "{\"name\": \"Employment contract\"}",
    ("HealthSchema", "status"): "ok", ("ResetSchema", "reset"): "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
    ("ClockSetArgs", "now"): "2030-01-01T00:00:00Z", ("ErrorBodySchema", "code"): "workflow_not_found",
    ("SnapshotSchema", "format"): "sign8-mock-snapshot/1",
    ("FileSchema", "sha256"): FIELD_EXAMPLES["sha256"],
    ("AddWorkflowArgs", "interface_id"): None,
    ("AddInterfaceArgs", "icon_file_id"): None, ("AddInterfaceArgs", "logo_file_id"): None,
    ("UpdateInterfaceArgs", "icon_file_id"): None, ("UpdateInterfaceArgs", "logo_file_id"): None,
}

# A subset of what marshmallow's Url(schemes={"http", "https"}, require_tld=False) accepts, lower case.
HTTP_URL = ("^https?://(([a-z0-9]{1,20}\\.){0,3}[a-z]{2,6}|[0-9]{1,3}(\\.[0-9]{1,3}){3})(:[0-9]{1,5})?"
            "(/[A-Za-z0-9._~-]{0,40}){0,6}$")


def field_attributes(self, field, **kwargs) -> dict:
    """apispec attribute function: formats, enforced patterns and an example for each field."""
    ret = kwargs.get("ret") or {}
    extra: dict = {}
    if ret.get("nullable") and "type" not in ret:
        # A typeless (Raw) field already allows null; OpenAPI 3.0 forbids nullable without a type.
        del ret["nullable"]
    if isinstance(field, fields.Url):
        extra["format"] = "uri"  # apispec says "url", which no OpenAPI tool knows
        extra["pattern"] = HTTP_URL
    elif no_control_chars in getattr(field, "validators", ()) and "pattern" not in ret:
        extra["pattern"] = CONTROL_FREE_PATTERN
    schema_name = type(field.parent).__name__ if field.parent is not None else ""
    name = field.name
    if schema_name == "AddFileJsonArgs" and name == "data":
        extra["format"] = "byte"
    if "example" not in ret and "example" not in field.metadata:
        if (schema_name, name) in SCHEMA_FIELD_EXAMPLES:
            extra["example"] = SCHEMA_FIELD_EXAMPLES[(schema_name, name)]
        elif "enum" in ret:
            extra["example"] = ret["enum"][0]
        elif name in FIELD_EXAMPLES and not isinstance(field, (fields.List, fields.Nested)):
            extra["example"] = FIELD_EXAMPLES[name]
    return extra


# -- operations -------------------------------------------------------------------------------
MOCK_OPERATION_IDS = {
    ("get", "/_mock/health"): "MockHealth",
    ("get", "/_mock/clock"): "MockGetClock",
    ("post", "/_mock/clock/advance"): "MockAdvanceClock",
    ("post", "/_mock/clock/set"): "MockSetClock",
    ("post", "/_mock/clock/reset"): "MockResetClock",
    ("post", "/_mock/reset"): "MockReset",
    ("post", "/_mock/retention/run"): "MockRunRetention",
    ("get", "/_mock/webhooks"): "MockListWebhookDeliveries",
    ("post", "/_mock/webhooks/{delivery_id}/redeliver"): "MockRedeliverWebhook",
    ("post", "/_mock/workflows/{workflow_id}/expire"): "MockExpireWorkflow",
    ("post", "/_mock/workflows/{workflow_id}/refuse"): "MockRefuseWorkflow",
    ("get", "/_mock/requests"): "MockListRequests",
    ("delete", "/_mock/requests"): "MockClearRequests",
    ("get", "/_mock/faults"): "MockListFaults",
    ("post", "/_mock/faults"): "MockAddFault",
    ("delete", "/_mock/faults"): "MockClearFaults",
    ("get", "/_mock/webhooks/faults"): "MockGetWebhookFaults",
    ("post", "/_mock/webhooks/faults"): "MockSetWebhookFaults",
    ("delete", "/_mock/webhooks/faults"): "MockClearWebhookFaults",
    ("get", "/_mock/snapshot"): "MockExportSnapshot",
    ("post", "/_mock/snapshot"): "MockImportSnapshot",
    ("get", "/_mock/dashboard"): "MockDashboard",
    ("post", "/_mock/dashboard/advance"): "MockDashboardAdvanceClock",
    ("post", "/_mock/dashboard/reset"): "MockDashboardReset",
    ("post", "/_mock/dashboard/redeliver"): "MockDashboardRedeliver",
    ("get", "/_mock/messages"): "MockListMessages",
    ("delete", "/_mock/messages"): "MockClearMessages",
    ("get", "/_mock/messages/inbox"): "MockMessagesInbox",
    ("get", "/_mock/messages/{message_id}"): "MockGetMessage",
    ("get", "/_mock/messages/{message_id}.eml"): "MockGetMessageEml",
    ("get", "/_mock/organization"): "MockGetOrganization",
    ("patch", "/_mock/organization"): "MockUpdateOrganization",
    ("post", "/_mock/organization/webhook-secret"): "MockNewWebhookSecret",
    ("delete", "/_mock/organization/webhook-secret"): "MockDeleteWebhookSecret",
}
TAGS = [
    {"name": "workflow", "description": "The SIGN8 Workflow API. Every call carries the API key: "
                                        "`Authorization: Bearer YOUR_API_KEY` (or `X-API-Key: YOUR_API_KEY`)."},
    {"name": "signing", "description": "What a signer's `signing_url` offers: the signing page and its Sign and "
                                       "Refuse actions (HTML forms, or JSON for automation). The 256-bit token in "
                                       "the URL is the credential."},
    {"name": "webhooks", "description": "What the mock POSTs to `{webhook_url}/api/workflow/workflowRefused` and "
                                        "`.../workflowExpired` (documented as callbacks of AddWorkflow)."},
    {"name": "mock", "description": "Control API of the mock (reserved prefix `/_mock`). An API key, when given, "
                                    "scopes the call to its organization; without one it acts on all."},
    {"name": "mock_dashboard", "description": "The dashboard (HTML) and the small form endpoints its buttons "
                                              "post to; each redirects back to `/_mock/` with 303."},
]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _camel(path: str, method: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path.replace("_mock", ""))
    return "Mock" + method.capitalize() + "".join(w[:1].upper() + w[1:] for w in words)


def operation_id(method: str, path: str) -> str:
    if path.startswith("/api/workflow/"):
        return path.rsplit("/", 1)[1]  # the SIGN8 operation name, e.g. AddWorkflow
    return MOCK_OPERATION_IDS.get((method, path)) or _camel(path, method)


# -- examples built from schemas -----------------------------------------------------------------
def _resolve(schema: dict, doc: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example_of(schema: dict, doc: dict, depth: int = 0):
    """An instance of schema built from its examples (used for response examples)."""
    schema = _resolve(schema, doc)
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        return {name: example_of(prop, doc, depth + 1) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [example_of(schema.get("items", {}), doc, depth + 1)]
    fmt = schema.get("format")
    return {"integer": 1, "number": 1.0, "boolean": True}.get(kind) if kind != "string" else {
        "uuid": EXAMPLE_IDS["workflow_id"], "date-time": WHEN, "email": FIELD_EXAMPLES["email"],
        "uri": FIELD_EXAMPLES["webhook_url"], "byte": PDF_BASE64}.get(fmt, "text")


# Request bodies that the running server accepts: a fresh mock answers 2xx, or 404 for an id it does not have.
REQUEST_EXAMPLES = {
    "AddWorkflow": {"name": "Employment contract", "description": FIELD_EXAMPLES["description"],
                    "expires_at": FUTURE, "signing_order": "sequential", "metadata": FIELD_EXAMPLES["metadata"]},
    "AddFile": {"workflow_id": EXAMPLE_IDS["workflow_id"], "file_name": "contract.pdf",
                "content_type": "application/pdf", "data": PDF_BASE64},
    "AddSigner": {"workflow_id": EXAMPLE_IDS["workflow_id"], "email": FIELD_EXAMPLES["email"], "first_name": "Ann",
                  "last_name": "Example", "order": 1, "language": "de", "phone": "+4915112345678"},
    "AddSignature": {"workflow_id": EXAMPLE_IDS["workflow_id"], "file_id": EXAMPLE_IDS["file_id"],
                     "signer_id": EXAMPLE_IDS["signer_id"], "page": 1, "x": 72, "y": 600, "width": 180,
                     "height": 50, "required": True},
    "AddAnnotation": {"workflow_id": EXAMPLE_IDS["workflow_id"], "file_id": EXAMPLE_IDS["file_id"], "page": 1,
                      "x": 72, "y": 100, "text": "Please initial every page.", "font_size": 12, "color": "#000000"},
    "AddInterface": {"name": "Acme blue", "primary_color": "#0055A4"},
    "UpdateInterface": {"interface_id": EXAMPLE_IDS["interface_id"], "primary_color": "#00A19A"},
    "StartWorkflow": {"workflow_id": EXAMPLE_IDS["workflow_id"]},
    "CancelWorkflow": {"workflow_id": EXAMPLE_IDS["workflow_id"]},
    "SendReminder": {"workflow_id": EXAMPLE_IDS["workflow_id"], "signer_id": EXAMPLE_IDS["signer_id"]},
    "MockAdvanceClock": {"seconds": 3600},
    "MockSetClock": {"now": "2030-01-01T00:00:00Z"},  # before FUTURE: AddWorkflow's example still works after it
    "MockRefuseWorkflow": {"signer_id": EXAMPLE_IDS["signer_id"], "reason": FIELD_EXAMPLES["reason"]},
    "MockAddFault": {"method": "POST", "path": "/api/workflow/AddSigner", "status": 503, "times": 1},
    "MockSetWebhookFaults": {"duplicate_next": 1},
    "MockUpdateOrganization": {"name": "Acme GmbH", "webhook_url": "https://hooks.example.com/sign8"},
    "MockImportSnapshot": {"format": "sign8-mock-snapshot/1", "tables": {}, "blobs": {}},
    "MockDashboardAdvanceClock": {"seconds": 3600},
    "MockDashboardReset": {"organization_id": EXAMPLE_IDS["organization_id"]},
    "MockDashboardRedeliver": {"delivery_id": EXAMPLE_IDS["delivery_id"]},
    "SignAsSigner": {},
    "RefuseAsSigner": {"reason": FIELD_EXAMPLES["reason"]},
}


def _link(target: str, *, query: str | None = None, body: dict | None = None, path: str | None = None,
          description: str = "") -> dict:
    link: dict = {"operationId": target}
    if description:
        link["description"] = description
    if query:
        link["parameters"] = {query: f"$response.body#/{query}"}
    if path:
        link["parameters"] = {path: f"$response.body#/{path}"}
    if body:
        link["requestBody"] = body
    return link


def _links() -> dict:
    wid = {"workflow_id": "$response.body#/workflow_id"}
    from_workflow = {
        "AddFile": _link("AddFile", body=wid), "AddSigner": _link("AddSigner", body=wid),
        "AddSignature": _link("AddSignature", body=wid), "AddAnnotation": _link("AddAnnotation", body=wid),
        "StartWorkflow": _link("StartWorkflow", body=wid), "CancelWorkflow": _link("CancelWorkflow", body=wid),
        "GetWorkflow": _link("GetWorkflow", query="workflow_id"),
        "MockExpireWorkflow": _link("MockExpireWorkflow", path="workflow_id"),
        "MockRefuseWorkflow": _link("MockRefuseWorkflow", path="workflow_id"),
    }
    file_body = {"workflow_id": "$response.body#/workflow_id", "file_id": "$response.body#/file_id"}
    signer_body = {"workflow_id": "$response.body#/workflow_id", "signer_id": "$response.body#/signer_id"}
    return {
        ("AddWorkflow", "201"): from_workflow,
        ("StartWorkflow", "200"): {k: from_workflow[k] for k in ("GetWorkflow", "CancelWorkflow",
                                                                 "MockExpireWorkflow", "MockRefuseWorkflow")},
        ("AddFile", "201"): {"GetFile": _link("GetFile", query="file_id"),
                             "AddSignature": _link("AddSignature", body=file_body),
                             "AddAnnotation": _link("AddAnnotation", body=file_body),
                             "GetWorkflow": _link("GetWorkflow", query="workflow_id")},
        ("AddSigner", "201"): {"AddSignature": _link("AddSignature", body=signer_body),
                               "MockRefuseWorkflow": {"operationId": "MockRefuseWorkflow",
                                                      "parameters": {"workflow_id": "$response.body#/workflow_id"},
                                                      "requestBody": {"signer_id": "$response.body#/signer_id"}},
                               "SendReminder": _link("SendReminder", body=signer_body),
                               "GetWorkflow": _link("GetWorkflow", query="workflow_id")},
        ("MockListWebhookDeliveries", "200"): {"MockRedeliverWebhook": {
            "operationId": "MockRedeliverWebhook", "parameters": {"delivery_id": "$response.body#/items/0/delivery_id"},
            "description": "Send the newest listed delivery's event again."}},
        ("AddInterface", "201"): {
            "GetInterface": _link("GetInterface", query="interface_id"),
            "UpdateInterface": _link("UpdateInterface", body={"interface_id": "$response.body#/interface_id"}),
            "AddWorkflow": _link("AddWorkflow", body={"interface_id": "$response.body#/interface_id"}),
            "GetFile": {"operationId": "GetFile", "parameters": {"file_id": "$response.body#/logo_file_id"}}},
        ("MockAddFault", "201"): {"MockClearFaults": _link("MockClearFaults", query="rule_id")},
    }


# -- the signing actions and the webhooks -------------------------------------------------------------
def _error_content(example: dict) -> dict:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "example": example}}


def _err(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


SIGNING_RESULT = {
    "type": "object", "required": ["workflow_id", "workflow_status", "signer_id", "signer_status"],
    "properties": {
        "workflow_id": {"type": "string", "format": "uuid", "example": EXAMPLE_IDS["workflow_id"]},
        "workflow_status": {"type": "string", "enum": list(defaults.WORKFLOW_STATUSES), "example": "in_progress"},
        "signer_id": {"type": "string", "format": "uuid", "example": EXAMPLE_IDS["signer_id"]},
        "signer_status": {"type": "string", "enum": list(defaults.SIGNER_STATUSES), "example": "pending"},
        "your_turn": {"type": "boolean", "description": "Only on GET: whether this signer may act now."},
    },
}
TOKEN_PARAM = {"name": "token", "in": "path", "required": True,
               "description": "The token at the end of the signer's signing_url.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"},
               "example": "Zq3h9VYx0m7cW2r8b1LkTnE5pQ4sJ6uA0dG9fH2jK3l"}
SIGNING_ERRORS = {
    "404": {"description": "No signer has this token.",
            "content": {**_error_content(_err("signer_not_found", "This signing link does not exist.")),
                        "text/html": {"schema": {"type": "string"}, "example": "<!doctype html>..."}}},
    "409": {"description": "Not this signer's turn yet, or the signer already signed or refused (not_your_turn, "
                           "already_acted). Signing on the page also: step_not_ready (an earlier step of the "
                           "journey is not done), code_not_sent, code_expired (older than 5 minutes by the mock "
                           "clock), code_locked (5 wrong codes; send a new one).",
            "content": {**_error_content(_err("already_acted", "This signer has already signed.")),
                        "text/html": {"schema": {"type": "string"}, "example": "<!doctype html>..."}}},
    "410": {"description": "The workflow is completed, refused, expired or cancelled: the link is closed.",
            "content": {**_error_content(_err("link_closed", "This workflow is closed.")),
                        "text/html": {"schema": {"type": "string"}, "example": "<!doctype html>..."}}},
}
def _json_or_html(description: str, example: dict) -> dict:
    return {"description": description, "content": {**_error_content(example), "text/html": {
        "schema": {"type": "string"}, "example": "<!doctype html>..."}}}


SIGN_ERRORS = {
    "403": _json_or_html("wrong_password: the workflow's password is missing or wrong; wrong_code: a wrong "
                         "one-time code (error.tries_left says how many remain). Both are recorded in the "
                         "signer's audit.",
                         _err("wrong_password", "The workflow password is wrong.")),
    "422": _json_or_html("The password is not a string of at most 128 characters, or the code is not 6 digits.",
                         {"error": {"code": "validation_error", "message": "Invalid fields: password.",
                                    "fields": {"password": ["Not a valid string."]}}}),
}
WEBHOOK_PAYLOAD = {
    "type": "object",
    "required": ["event", "event_id", "occurred_at", "organization_id", "workflow_id", "status", "name",
                 "expires_at", "signers"],
    "properties": {
        "event": {"type": "string", "enum": ["workflowRefused", "workflowExpired"]},
        "event_id": {"type": "string", "format": "uuid", "description": "Same on every retry and redelivery: "
                                                                        "deduplicate on it."},
        "occurred_at": {"type": "string", "format": "date-time"},
        "organization_id": {"type": "string", "format": "uuid"},
        "workflow_id": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["refused", "expired"]},
        "name": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
        "signers": {"type": "array", "items": {
            "type": "object", "required": ["signer_id", "email", "status", "order"],
            "properties": {"signer_id": {"type": "string", "format": "uuid"}, "email": {"type": "string",
                                                                                         "format": "email"},
                           "status": {"type": "string", "enum": list(defaults.SIGNER_STATUSES)},
                           "order": {"type": "integer"}}}},
        "signer_id": {"type": "string", "format": "uuid", "description": "workflowRefused: who refused."},
        "signer_email": {"type": "string", "format": "email", "description": "workflowRefused: their e-mail address."},
        "reason": {"type": "string", "nullable": True, "description": "workflowRefused: the refusal reason."},
    },
}


def _webhook_example(event: str) -> dict:
    body = {"event": event, "event_id": EXAMPLE_IDS["event_id"], "occurred_at": WHEN,
            "organization_id": EXAMPLE_IDS["organization_id"], "workflow_id": EXAMPLE_IDS["workflow_id"],
            "status": "refused" if event == "workflowRefused" else "expired", "name": "Employment contract",
            "expires_at": FUTURE if event == "workflowRefused" else WHEN,
            "signers": [{"signer_id": EXAMPLE_IDS["signer_id"], "email": FIELD_EXAMPLES["email"],
                         "status": "refused" if event == "workflowRefused" else "pending", "order": 1}]}
    if event == "workflowRefused":
        body.update(signer_id=EXAMPLE_IDS["signer_id"], signer_email=FIELD_EXAMPLES["email"],
                    reason=FIELD_EXAMPLES["reason"])
    return body


def _webhook_operation(event: str, summary: str) -> dict:
    header = lambda name, desc, schema, example: {  # noqa: E731
        "name": name, "in": "header", "required": name == "organisation_id", "description": desc,
        "schema": schema, "example": example}
    return {"post": {
        "operationId": event, "tags": ["webhooks"], "summary": summary,
        "description": f"The mock POSTs this to `{{webhook_url}}/api/workflow/{event}` (the workflow's webhook_url, "
                       "else its organization's) from a durable outbox, retrying on the Standard Webhooks schedule "
                       "until a 2xx. The three webhook-* headers come only when the organization has a "
                       "webhook_secret (Standard Webhooks signature: HMAC-SHA256 over `id.timestamp.body`).",
        "security": [],
        "parameters": [
            header("organisation_id", "The workflow's organization.", {"type": "string", "format": "uuid"},
                   EXAMPLE_IDS["organization_id"]),
            header("webhook-id", "The event_id.", {"type": "string"}, EXAMPLE_IDS["event_id"]),
            header("webhook-timestamp", "Unix seconds when this attempt was signed.",
                   {"type": "string", "pattern": "^[0-9]+$"}, "1795772400"),
            header("webhook-signature", "`v1,<base64 HMAC-SHA256>`.", {"type": "string"},
                   "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
        ],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/WebhookEvent"}, "example": _webhook_example(event)}}},
        "responses": {
            "2XX": {"description": "Delivered."},
            "410": {"description": "Gone: the mock marks the delivery failed and stops retrying."},
            "4XX": {"description": "Any other answer (or none within the timeout) is retried on the schedule; a "
                                   "Retry-After header is honoured."},
        },
    }}


def signing_paths() -> dict:
    html_page = {"text/html": {"schema": {"type": "string"}, "example": "<!doctype html>..."}}
    result_json = {"application/json": {"schema": {"$ref": "#/components/schemas/SigningResult"}}}
    form_or_json_reason = {
        "application/json": {"schema": {"$ref": "#/components/schemas/RefusalArgs"},
                             "example": REQUEST_EXAMPLES["RefuseAsSigner"]},
        "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/RefusalArgs"},
                                              "example": REQUEST_EXAMPLES["RefuseAsSigner"]},
    }
    after_action = {
        "200": {"description": "Done (JSON: the request was JSON or asked for JSON with Accept).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SigningResult"},
                                                  "example": {"workflow_id": EXAMPLE_IDS["workflow_id"],
                                                              "workflow_status": "completed",
                                                              "signer_id": EXAMPLE_IDS["signer_id"],
                                                              "signer_status": "signed"}}}},
        "303": {"description": "Done (a browser's form post): back to the signing page.",
                "headers": {"Location": {"schema": {"type": "string"}, "description": "/sign/{token}"}}},
        **SIGNING_ERRORS,
    }
    return {
        "/sign/{token}": {"parameters": [TOKEN_PARAM], "get": {
            "operationId": "GetSigningPage", "tags": ["signing"], "security": [],
            "summary": "Open a signer's signing page",
            "description": "HTML for a browser (styled with the workflow's interface), or the signer's state as "
                           "JSON with `Accept: application/json`.",
            "responses": {
                "200": {"description": "The page, or the state as JSON.",
                        "content": {**html_page, "application/json": {
                            **result_json["application/json"],
                            "example": {"workflow_id": EXAMPLE_IDS["workflow_id"], "workflow_status": "in_progress",
                                        "signer_id": EXAMPLE_IDS["signer_id"], "signer_status": "pending",
                                        "your_turn": True}}}},
                **{k: v for k, v in SIGNING_ERRORS.items() if k != "409"}}}},
        "/sign/{token}/sign": {"parameters": [TOKEN_PARAM], "post": {
            "operationId": "SignAsSigner", "tags": ["signing"], "security": [],
            "summary": "Sign as the link's signer",
            "description": "Send `Accept: application/json` (or a JSON body) for a JSON answer; a form post "
                           "redirects to the page. The last signature completes the workflow.",
            "requestBody": {"required": False, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/SignArgs"}, "example": {}},
                "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/SignArgs"},
                                                      "example": {}}}},
            "responses": {**after_action, **SIGN_ERRORS}}},
        "/sign/{token}/refuse": {"parameters": [TOKEN_PARAM], "post": {
            "operationId": "RefuseAsSigner", "tags": ["signing"], "security": [],
            "summary": "Refuse as the link's signer",
            "description": "Closes the workflow as refused and sends workflowRefused with the reason.",
            "requestBody": {"required": False, "content": form_or_json_reason},
            "responses": {**after_action, "422": {
                "description": "reason is not a string of at most 2000 characters.",
                "content": {**_error_content({"error": {"code": "validation_error",
                                                        "message": "reason must be a string of at most 2000 "
                                                                   "characters.",
                                                        "fields": {"reason": ["Invalid reason."]}}}),
                            "text/html": {"schema": {"type": "string"}, "example": "<!doctype html>..."}}}}}},
    }


EXTRA_SCHEMAS = {
    "SigningResult": SIGNING_RESULT,
    "SignArgs": {"type": "object", "properties": {
        "password": {"type": "string", "maxLength": MAX_PASSWORD_LENGTH, "nullable": True,
                     "description": "The workflow's password, when it has one (JSON: the mock's one-call shortcut)."},
        "code": {"type": "string", "maxLength": 32, "nullable": True,
                 "description": "The SMS one-time code (the signing page's last step)."}}},
    "RefusalArgs": {"type": "object", "properties": {"reason": {
        "type": "string", "maxLength": 2000, "nullable": True, "example": FIELD_EXAMPLES["reason"],
        "pattern": CONTROL_FREE_PATTERN,
        "description": "Why the signer refuses (sent in workflowRefused). No control characters (CR, LF, NUL...; "
                       "tab is fine): 422. The signing page's form turns the line breaks of its text box into "
                       "spaces."}}},
    "WebhookEvent": WEBHOOK_PAYLOAD,
}


def _has_required_fields(body: dict, doc: dict) -> bool:
    return any(_resolve(media.get("schema", {}), doc).get("required") for media in body.get("content", {}).values())


# Rules across fields, which marshmallow checks in code.
SCHEMA_RULES = {
    # faults_add: a rule needs an effect (a status, a delay or a drop).
    # snapshot_import ignores keys it does not know.
    "Snapshot": {"additionalProperties": True},
    "FaultRuleArgs": {"anyOf": [
        {"required": ["status"], "properties": {"status": {"type": "integer"}}},
        {"required": ["delay_ms"], "properties": {"delay_ms": {"type": "integer", "minimum": 1}}},
        {"required": ["drop"], "properties": {"drop": {"type": "boolean", "enum": [True]}}},
    ]},
}


# -- the finishing pass -------------------------------------------------------------------------------
# Every /api answer in open auth mode (api/workflow.py): which organization the key acted for.
ORGANIZATION_HEADER = {
    "description": "Open auth mode only: the organization the API key acts for. A new key gets a new, empty "
                   "organization, so a mistyped key shows here as an id you do not know (compare with "
                   "GET /_mock/organization).",
    "schema": {"type": "string", "format": "uuid"}, "example": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"}
API_SECURITY = [{"bearerAuth": []}, {"apiKeyHeader": []}]


def security_schemes(admin_token: bool) -> dict:
    schemes = {
        "bearerAuth": {"type": "http", "scheme": "bearer",
                       "description": "`Authorization: Bearer YOUR_API_KEY`. In the default open auth mode any "
                                      "non-empty key works and gets its own organization."},
        "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                         "description": "The same API key in an `X-API-Key` header."},
    }
    if admin_token:
        schemes["adminToken"] = {"type": "apiKey", "in": "header", "name": "X-Admin-Token",
                                 "description": "The --admin-token the mock was started with."}
        schemes["adminBasic"] = {"type": "http", "scheme": "basic",
                                 "description": "For a browser: any user name, the admin token as the password."}
    return schemes


def mock_security(admin_token: bool) -> list:
    # The key is optional on /_mock: it narrows the call to its organization (listed first so that an
    # imported Postman collection sends it and never resets other organizations).
    if admin_token:
        return [{"adminToken": [], "bearerAuth": []}, {"adminToken": [], "apiKeyHeader": []}, {"adminToken": []},
                {"adminBasic": []}]
    return [{"bearerAuth": []}, {"apiKeyHeader": []}, {}]


def finish(doc: dict, *, server_url: str, admin_token: bool) -> dict:
    """Complete the generated document (a fresh dict, changed in place and returned)."""
    doc["servers"] = [{"url": server_url, "description": "This mock, where it listens."}]
    doc["security"] = API_SECURITY
    components = doc.setdefault("components", {})
    components["securitySchemes"] = security_schemes(admin_token)
    for name, schema in EXTRA_SCHEMAS.items():
        components.setdefault("schemas", {})[name] = copy.deepcopy(schema)
    for name, rules in SCHEMA_RULES.items():
        if name in components.get("schemas", {}):
            components["schemas"][name].update(copy.deepcopy(rules))
    test_ca = components.get("schemas", {}).get("Snapshot", {}).get("properties", {}).get("test_ca")
    if test_ca is not None:
        # An import with an API key ignores test_ca whatever it holds: the document may not narrow it.
        for key in ("type", "additionalProperties"):
            test_ca.pop(key, None)
    doc["paths"].update(copy.deepcopy(signing_paths()))
    # Our descriptions for the tags we know; a blueprint added later keeps its own.
    known = {tag["name"] for tag in TAGS}
    doc["tags"] = TAGS + [tag for tag in doc.get("tags", []) if tag["name"] not in known]
    # The dashboard is documented at its slash-less alias (app.py): API paths do not end with a slash.
    if "/_mock/" in doc["paths"]:
        doc["paths"]["/_mock/dashboard"] = doc["paths"].pop("/_mock/")
    schemas = components.get("schemas", {})
    if "PaginationMetadata" in schemas and "PaginationMetadata" not in str(doc["paths"]):
        del schemas["PaginationMetadata"]  # flask-smorest registers it; no operation here paginates by header
    links = _links()
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            op.setdefault("operationId", operation_id(method, path))
            op_id = op["operationId"]
            if path.startswith("/_mock"):
                op["security"] = mock_security(admin_token)
            if "summary" in op and not op.get("description"):
                op["description"] = op["summary"]
            body = op.get("requestBody")
            if body and path.startswith("/_mock") and not _has_required_fields(body, doc):
                # webargs reads a missing body as {}: when no field is required, /_mock accepts none.
                # (/api insists on a JSON Content-Type, so there the body stays required; {} will do.)
                body["required"] = False
            if body:
                for media_type, media in body.get("content", {}).items():
                    # A multipart example would need a file: its fields' examples say enough.
                    if "example" in media or media_type == "multipart/form-data":
                        continue
                    if op_id in REQUEST_EXAMPLES:
                        media["example"] = REQUEST_EXAMPLES[op_id]
                    else:
                        # An operation added later: its required fields, each from its example.
                        schema = _resolve(media.get("schema", {}), doc)
                        media["example"] = {name: example_of(prop, doc) for name, prop in
                                            schema.get("properties", {}).items() if name in schema.get("required", [])}
            for param in op.get("parameters", []):
                if "example" not in param and "example" not in param.get("schema", {}):
                    example = SCHEMA_FIELD_EXAMPLES.get((op_id, param["name"]), FIELD_EXAMPLES.get(param["name"]))
                    param["example"] = example if example is not None else example_of(param.get("schema", {}), doc)
            for status, response in op.get("responses", {}).items():
                if path.startswith("/api/") and status != "401":
                    response.setdefault("headers", {})["X-Sign8-Mock-Organization"] = copy.deepcopy(
                        ORGANIZATION_HEADER)
                for media_type, media in response.get("content", {}).items():
                    if "example" in media or "examples" in media:
                        continue
                    if media_type == "application/json":
                        media["example"] = example_of(media.get("schema", {}), doc)
                    elif media_type == "text/html":
                        media["example"] = "<!doctype html>..."
                    elif media_type == "application/pdf":
                        media["example"] = "%PDF-1.7 ... (the file's bytes)"
                    else:
                        media["example"] = f"({media_type} bytes)"
                if (op_id, status) in links:
                    response["links"] = copy.deepcopy(links[(op_id, status)])
    # A link must name an operation of this document.
    known = {op.get("operationId") for item in doc["paths"].values() for m in METHODS if (op := item.get(m))}
    for item in doc["paths"].values():
        for method in METHODS:
            for response in (item.get(method) or {}).get("responses", {}).values():
                for name in [n for n, link in response.get("links", {}).items() if link["operationId"] not in known]:
                    del response["links"][name]
    add = doc["paths"].get("/api/workflow/AddWorkflow", {}).get("post")
    if add is not None:
        add["callbacks"] = {
            "workflowRefused": {"{$request.body#/webhook_url}/api/workflow/workflowRefused": _webhook_operation(
                "workflowRefused", "A signer refused the workflow")},
            "workflowExpired": {"{$request.body#/webhook_url}/api/workflow/workflowExpired": _webhook_operation(
                "workflowExpired", "The workflow reached expires_at before it was completed")},
        }
    return doc
