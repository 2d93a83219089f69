"""Examples in the OpenAPI document: one per field, one request body per operation, and responses built from them.

Every example is one the running server accepts: a fresh mock answers 2xx, or 404 for an id it does not have.
"""
from __future__ import annotations

import copy

from ..domain import defaults
from ..domain.events import WORKFLOW_REFUSED

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
    "url": "http://127.0.0.1:9000/sign8-hooks" + WORKFLOW_REFUSED.path,
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
    ("EventSchema", "type"): "created",
    ("SnapshotSchema", "format"): "sign8-mock-snapshot/1",
    ("FileSchema", "sha256"): FIELD_EXAMPLES["sha256"],
    ("AddWorkflowArgs", "interface_id"): None,
    ("AddInterfaceArgs", "icon_file_id"): None, ("AddInterfaceArgs", "logo_file_id"): None,
    ("UpdateInterfaceArgs", "icon_file_id"): None, ("UpdateInterfaceArgs", "logo_file_id"): None,
}


def resolve(schema: dict, doc: dict) -> dict:
    """Follow $refs to the schema they name."""
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example_of(schema: dict, doc: dict, depth: int = 0):
    """An instance of schema built from its examples (used for response examples)."""
    schema = resolve(schema, doc)
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

