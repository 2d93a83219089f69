"""The apispec attribute function: standard formats, the patterns the server enforces in code, an example per field."""
from __future__ import annotations

from marshmallow import fields

from ..domain.text import CONTROL_FREE_PATTERN
from .examples import FIELD_EXAMPLES, SCHEMA_FIELD_EXAMPLES
from .schemas import no_control_chars

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
    if name.endswith("_id") and type(field) is fields.String and not schema_name.endswith(("Args", "Form")):
        # Ids the server makes are UUIDs; requests already say so (fields.UUID): one format on both sides,
        # so that a generated client can pass an answer's id straight into the next request.
        extra["format"] = "uuid"
    if "example" not in ret and "example" not in field.metadata:
        if (schema_name, name) in SCHEMA_FIELD_EXAMPLES:
            extra["example"] = SCHEMA_FIELD_EXAMPLES[(schema_name, name)]
        elif "enum" in ret:
            extra["example"] = ret["enum"][0]
        elif name in FIELD_EXAMPLES and not isinstance(field, (fields.List, fields.Nested)):
            extra["example"] = FIELD_EXAMPLES[name]
    return extra

