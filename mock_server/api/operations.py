"""Operation names, tags and links of the OpenAPI document."""
from __future__ import annotations

import re

from ..domain.events import EVENTS

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
    {"name": "webhooks", "description": "What the mock POSTs to " + " and ".join(
        f"`{{webhook_url}}{e.path}`" if n == 0 else f"`.../{e.name}`" for n, e in enumerate(EVENTS))
        + " (documented as callbacks of AddWorkflow)."},
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
        # OpenAPI 3.0 allows an object requestBody in a link, but openapi-generator's validation refuses one
        # (and so refuses the document); the fields to fill are named in an extension and in words instead.
        link["x-request-body"] = body
        fields_ = ", ".join(f"`{k}` from `{v.split('#/', 1)[1]}`" for k, v in body.items())
        link["description"] = (description + " " if description else "") + f"Request body: {fields_}."
    return link


def links_by_response() -> dict:
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
                               "MockRefuseWorkflow": {**_link("MockRefuseWorkflow", path="workflow_id"),
                                                      **{k: v for k, v in _link(
                                                          "MockRefuseWorkflow",
                                                          body={"signer_id": "$response.body#/signer_id"}).items()
                                                         if k != "operationId"}},
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


