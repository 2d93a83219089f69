"""Base classes of this project's schemas: cheap to deep-copy, and a fast dump for responses.

flask-smorest deep-copies an operation's doc (schemas included) in every decorator; a schema
is configuration that nothing mutates, so copying it is wasted start-up time.

Response schemas project stored records onto the schema's fields.

marshmallow's dump walks every field through its generic machinery on each request, a third of
a GetWorkflow's time. Our records are validated on the way in and already hold JSON-ready values
(strings for timestamps and ids), so a response only needs the schema's whitelist of keys, nested
schemas included. The schema stays the single source of truth: the projection is compiled from it.
"""
from __future__ import annotations

from marshmallow import Schema, fields


def _compile(schema: Schema):
    plan = []
    for name, field in schema.dump_fields.items():
        source = field.attribute or name
        target = field.data_key or name
        inner = None
        if isinstance(field, fields.Nested):
            inner = ("one", field.schema)
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            inner = ("many", field.inner.schema)
        plan.append((source, target, inner))
    return plan


class StrictBoolean(fields.Boolean):
    """A JSON boolean only: marshmallow's Boolean also takes 1, "yes", "on"..., which the document
    (type: boolean) does not allow; whatever the server accepts, the document must allow."""

    def _deserialize(self, value, attr, data, **kwargs):
        # `0 in {False}` is true in Python, so test the type, not set membership.
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class StrictInteger(fields.Integer):
    """A JSON integer only (for bodies): marshmallow's Integer turns 2.5e-42 into 0 and takes "5" and true."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictFloat(fields.Float):
    """A JSON number only (for bodies): marshmallow's Float also takes "1.5" and true."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class UuidString(fields.UUID):
    """A UUID that stays a str once loaded (documented as format uuid, like every id the server makes)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))


class BaseSchema(Schema):
    """A schema that deep-copies as itself."""

    def __deepcopy__(self, memo):
        return self


class ResponseSchema(BaseSchema):
    """A response schema whose dump of plain dicts is a compiled projection (other input: marshmallow)."""

    def dump(self, obj, *, many: bool | None = None):
        many = self.many if many is None else many
        if many:
            if all(isinstance(o, dict) for o in obj):
                return [self._project(o) for o in obj]
        elif isinstance(obj, dict):
            return self._project(obj)
        return super().dump(obj, many=many)

    def _project(self, obj: dict) -> dict:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = _compile(self)
        out = {}
        for source, target, inner in plan:
            if source not in obj:
                continue
            value = obj[source]
            if inner is not None and value is not None:
                kind, schema = inner
                value = schema.dump(value, many=kind == "many")
            out[target] = value
        return out
