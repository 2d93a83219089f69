"""The finishing pass over /openapi.json: what flask-smorest's views do not say by themselves.

The document is a product: Postman's importer, Swagger UI's "Try it out", linters and
Schemathesis work from it alone. So, beside what the views declare, this pass adds:

- security: the API key on every /api operation (global default), optional on /_mock (it scopes
  the call to the key's organization), the admin token when --admin-token is set, none on /sign;
- operationIds, descriptions and tags (api/operations.py), request and response examples the running
  server accepts (api/examples.py), links that chain a whole flow (api/operations.py);
- the signing actions (signing/openapi.py) and the webhooks as callbacks of AddWorkflow (webhooks/callbacks.py).

Field formats, enforced patterns and per-field examples come earlier, from api/openapi_fields.py.
Rule: whatever the document allows, the server accepts; whatever the server rejects, the document says.
"""
from __future__ import annotations

import copy
import json
import re

from ..signing.openapi import SIGNING_SCHEMAS, signing_paths
from ..webhooks.callbacks import WEBHOOK_SCHEMAS, callbacks
from .examples import REQUEST_EXAMPLES, SCHEMA_FIELD_EXAMPLES, FIELD_EXAMPLES, example_of, resolve
from .operations import METHODS, TAGS, links_by_response, operation_id

EXTRA_SCHEMAS = {**SIGNING_SCHEMAS, **WEBHOOK_SCHEMAS}


def _has_required_fields(body: dict, doc: dict) -> bool:
    return any(resolve(media.get("schema", {}), doc).get("required") for media in body.get("content", {}).values())


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
    _nullable_refs(components.get("schemas", {}))
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
    links = links_by_response()
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
                        schema = resolve(media.get("schema", {}), doc)
                        media["example"] = {name: example_of(prop, doc) for name, prop in
                                            schema.get("properties", {}).items() if name in schema.get("required", [])}
            for param in [*op.get("parameters", []), *item.get("parameters", [])]:
                if param.get("in") == "path" and param["name"].endswith("_id") and "$ref" not in param:
                    # The server's ids are UUIDs: one format for an id wherever it appears (a path with
                    # anything else answers 404, as for an id that does not exist).
                    param.setdefault("schema", {}).setdefault("format", "uuid")
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
        add["callbacks"] = callbacks()
    return doc


_NULL_OBJECT = {"type": "object", "nullable": True}


def _nullable_refs(schemas: dict) -> None:
    """Say "this object or null" as a $ref to a nullable schema, where that schema is used only there.

    apispec writes a Nested(allow_none=True) field as anyOf [$ref, {type: object, nullable: true}]; openapi-generator's
    Java client makes a wrapper class of that anyOf which fails on null (MockListMessages with relay: null), and the
    second branch lets any object through. allOf [$ref] + nullable would refuse null in openapi-core (allOf applies
    to null too), so the nullable goes on the referenced schema itself.
    """
    uses: dict = {}
    for schema in schemas.values():
        for ref in re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", json.dumps(schema)):
            uses[ref] = uses.get(ref, 0) + 1
    for schema in schemas.values():
        for name, prop in schema.get("properties", {}).items():
            branches = prop.get("anyOf") or []
            refs = [b["$ref"] for b in branches if set(b) == {"$ref"}]
            if len(branches) != 2 or len(refs) != 1 or _NULL_OBJECT not in branches:
                continue
            target = refs[0].rsplit("/", 1)[1]
            if uses.get(target) != 1 or target not in schemas:
                continue  # used elsewhere too: making it nullable would loosen the other places
            schemas[target]["nullable"] = True
            if prop.get("description") and not schemas[target].get("description"):
                schemas[target]["description"] = prop["description"]
            schema["properties"][name] = {"$ref": refs[0]}

