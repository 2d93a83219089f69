"""Schemathesis hooks for tests/reliability/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

AddWorkflow's expires_at must lie in the future, which JSON Schema cannot say (the document says it
in words). Uniformly drawn date-times are mostly past ones, so most generated workflows would be
refused with 422 and the stateful phase would rarely get a workflow_id to follow its links with.
Leave out bodies whose expires_at is a readable past moment; every other body (negative ones too)
goes through unchanged.

The document's links name the request-body fields they fill in `x-request-body` (openapi-generator's
validation refuses an object `requestBody` in a link, which OpenAPI 3.0 allows); before_load_schema hands
them to Schemathesis' stateful phase as the `requestBody` it reads.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import schemathesis

# Margin for the run's own duration (the mock clock runs in real time unless a case moves it).
MARGIN = timedelta(days=1)


@schemathesis.hook
def filter_body(context, body):
    operation = context.operation
    if operation is None or operation.definition.raw.get("operationId") != "AddWorkflow":
        return True
    if not isinstance(body, dict) or not isinstance(body.get("expires_at"), str):
        return True
    try:
        moment = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    except ValueError:
        return True  # not a date-time: a negative case, which the server must refuse
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment > datetime.now(timezone.utc) + MARGIN


@schemathesis.hook
def before_load_schema(context, raw_schema):
    for item in raw_schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                for link in response.get("links", {}).values():
                    if "x-request-body" in link:
                        link["requestBody"] = link.pop("x-request-body")
