"""Shapes as the drift report reads them: the mock's OpenAPI document (openapi-core) and answers compared by shape."""
from __future__ import annotations

from ..contract import Contract


def jtype(value) -> str:
    """The JSON type of a parsed value (integers and decimals are both "number")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class Spec:
    """The mock's own OpenAPI document: response validation (openapi-core) and declared fields per schema."""

    def __init__(self, document: dict):
        # The document as --sign8-contract judges the mock by it (closed objects, a fixed server): one reading.
        self.contract = Contract(document)
        self.document, self.openapi = self.contract.document, self.contract.openapi
        self.host = self.document["servers"][0]["url"]

    def resolve(self, schema):
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 50:
            node = self.document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema, seen = node, seen + 1
        if isinstance(schema, dict) and "allOf" in schema:
            merged = {"properties": {}}
            for part in schema["allOf"]:
                merged["properties"].update(self.resolve(part).get("properties", {}))
            return merged
        return schema if isinstance(schema, dict) else {}

    def response_schema(self, path: str, method: str, status: int):
        op = self.document.get("paths", {}).get(path, {}).get(method.lower(), {})
        answer = op.get("responses", {}).get(str(status), {})
        return self.resolve(answer.get("content", {}).get("application/json", {}).get("schema", {}))

    def validate_response(self, method: str, path: str, status: int, mime: str, body: bytes) -> list[dict]:
        """Every way the answer breaks the document: undocumented status, or each schema error with its place."""
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_core.testing import MockRequest, MockResponse

        request = MockRequest(self.host, method.lower(), path)
        response = MockResponse(body, status_code=status, content_type=mime or "application/json")
        result = self.openapi.unmarshal_response(request, response)
        found = []
        for error in result.errors:
            if isinstance(error, (OperationNotFound, PathNotFound)):
                continue  # a call the document has no operation for (a wrong method): only the replay can judge it
            if isinstance(error, ResponseNotFound):
                found.append({"kind": "undocumented_status", "where": "response.status", "real": status,
                              "mock": sorted(int(s) for s in error.availableresponses if s.isdigit())})
                continue
            schema_errors = getattr(error.__cause__, "schema_errors", None)
            if not schema_errors:
                found.append({"kind": "schema", "where": "response", "real": None, "mock": str(error)[:300]})
            for se in schema_errors or ():
                found.append({"kind": "schema", "where": _where("response.body", list(se.absolute_path)),
                              "real": _short(se.instance), "mock": se.message[:300]})
        return found

    def webhook_errors(self, body) -> list[dict]:
        from openapi_schema_validator import OAS30Validator, oas30_format_checker

        schema = self.resolve({"$ref": "#/components/schemas/WebhookEvent"})
        validator = OAS30Validator(schema, format_checker=oas30_format_checker)
        return [{"kind": "schema", "where": _where("webhook.body", list(e.absolute_path)),
                 "real": _short(e.instance), "mock": e.message[:300]}
                for e in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))]


def _where(base: str, parts) -> str:
    out = base
    for p in parts:
        out += "[]" if isinstance(p, int) else f".{p}"
    return out


def _short(value):
    """A value as the report shows it: containers by their type only (the bug report needs no customer data)."""
    return value if isinstance(value, (bool, int, float)) or value is None else (
        value[:80] if isinstance(value, str) else jtype(value))


def _sample(items: list):
    """One representative of a list's elements: the union of their fields, first non-null value of each."""
    dicts = [i for i in items if isinstance(i, dict)]
    if dicts:
        merged: dict = {}
        for d in dicts:
            for k, v in d.items():
                if merged.get(k) is None:
                    merged[k] = v
        return merged
    return next((i for i in items if i is not None), None)


def compare_shapes(real, mock, spec: Spec, schema: dict, where: str, out: list) -> None:
    """Append each field the two answers disagree on: missing, extra (and undeclared), or of another type."""
    schema = spec.resolve(schema)
    if real is None or mock is None:
        return  # null where the other has a value is a state (not refused yet...), not a shape
    if jtype(real) != jtype(mock):
        out.append({"kind": "type", "where": where, "real": jtype(real), "mock": jtype(mock)})
        return
    if isinstance(real, dict):
        declared = schema.get("properties", {})
        for key, value in real.items():
            if key not in mock:
                # A documented field the replay lacks comes from a state the replay did not reach (a signer
                # acted on a page the proxy never saw); a field the document does not know is drift.
                if key not in declared:
                    out.append({"kind": "extra_field", "where": f"{where}.{key}", "real": jtype(value), "mock": None})
                continue
            compare_shapes(value, mock[key], spec, declared.get(key, {}), f"{where}.{key}", out)
        for key, value in mock.items():
            if key not in real:
                out.append({"kind": "missing_field", "where": f"{where}.{key}", "real": None, "mock": jtype(value)})
    elif isinstance(real, list) and real and mock:
        compare_shapes(_sample(real), _sample(mock), spec, schema.get("items", {}), f"{where}[]", out)


