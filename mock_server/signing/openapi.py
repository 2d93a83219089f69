"""The signing link's operations (/sign/{token}...) in the OpenAPI document: written by hand, as the views are plain Flask.

The journey's steps are operations with JSON bodies, so that a generated client can walk terms, password, details,
documents, identity, code and sign (or refuse) without a browser; each error answer lists the one JSON error shape
first, then the page a browser gets.
"""
from __future__ import annotations

from ..api.examples import EXAMPLE_IDS, FIELD_EXAMPLES, REQUEST_EXAMPLES, WHEN
from ..domain import defaults
from ..domain.events import WORKFLOW_REFUSED
from ..domain.passwords import MAX_PASSWORD_LENGTH
from ..domain.steps import STEP_NAMES
from ..domain.text import CONTROL_FREE_PATTERN


def _error_content(example: dict) -> dict:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "example": example}}


def _err(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


JOURNEY_STEPS = STEP_NAMES
HTML = {"text/html": {"schema": {"type": "string"}, "example": "<!doctype html>..."}}
BINARY = {"type": "string", "format": "binary"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


SIGNING_RESULT = {
    "type": "object", "required": ["workflow_id", "workflow_status", "signer_id", "signer_status"],
    "properties": {
        "workflow_id": {"type": "string", "format": "uuid", "example": EXAMPLE_IDS["workflow_id"]},
        "workflow_status": {"type": "string", "enum": list(defaults.WORKFLOW_STATUSES), "example": "completed"},
        "signer_id": {"type": "string", "format": "uuid", "example": EXAMPLE_IDS["signer_id"]},
        "signer_status": {"type": "string", "enum": list(defaults.SIGNER_STATUSES), "example": "signed"},
    },
}
_STEP = {"type": "string", "enum": list(JOURNEY_STEPS)}
SIGNER_STATE_PROPERTIES = {
    **SIGNING_RESULT["properties"],
    "workflow_status": {**SIGNING_RESULT["properties"]["workflow_status"], "example": "in_progress"},
    "signer_status": {**SIGNING_RESULT["properties"]["signer_status"], "example": "pending"},
    "your_turn": {"type": "boolean", "example": True,
                  "description": "Whether this signer may act now (false while an earlier signer of a sequential "
                                 "workflow has not signed)."},
    "signature_type": {"type": "string", "enum": list(defaults.SIGNATURE_TYPES), "example": "advanced_signature"},
    "password_protected": {"type": "boolean", "example": False,
                           "description": "Whether the journey has the password step."},
    "steps": {"type": "array", "items": _STEP, "example": ["terms", "details", "documents", "code"],
              "description": "This signer's journey, in order."},
    # null is in the enum too: a nullable enum without it would still refuse null (OpenAPI 3.0.3, 4.7.24.1).
    "step": {**_STEP, "enum": [*JOURNEY_STEPS, None], "nullable": True, "example": "terms",
             "description": "The step to do next (`code`: send the one-time code, then sign with it); null when "
                            "the link shows an end page (signed, refused, closed, waiting for an earlier signer, "
                            "or a draft)."},
    "steps_done": {"type": "array", "items": _STEP, "example": [], "description": "The steps done so far."},
    "documents": {"type": "array", "description": "The documents to open once each (OpenSigningDocument).",
                  "items": {"type": "object", "required": ["file_id", "file_name", "opened"], "properties": {
                      "file_id": {"type": "string", "format": "uuid", "example": EXAMPLE_IDS["file_id"]},
                      "file_name": {"type": "string", "example": "contract.pdf"},
                      "opened": {"type": "boolean", "example": False}}}},
    "code": {"type": "object", "nullable": True, "required": ["sent_at", "expires_at", "failed_tries", "locked"],
             "description": "The last one-time code sent by SMS (never the code itself); null before SendSigningCode.",
             "properties": {"sent_at": {"type": "string", "format": "date-time", "example": WHEN},
                            "expires_at": {"type": "string", "format": "date-time", "example": "2026-11-28T09:35:00Z"},
                            "failed_tries": {"type": "integer", "minimum": 0, "example": 0},
                            "locked": {"type": "boolean", "example": False}}},
}
SIGNER_STATE = {"type": "object", "required": list(SIGNER_STATE_PROPERTIES), "properties": SIGNER_STATE_PROPERTIES}
SIGNER_DOCUMENT = {"type": "object", "required": [*SIGNER_STATE_PROPERTIES, "page_sizes"], "properties": {
    **SIGNER_STATE_PROPERTIES,
    "page_sizes": {"type": "array", "description": "Each page's width and height in PDF points.",
                   "example": [[595.0, 842.0]],
                   "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}}}}}
TOKEN_PARAM = {"name": "token", "in": "path", "required": True,
               "description": "The token at the end of the signer's signing_url.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"},
               "example": "Zq3h9VYx0m7cW2r8b1LkTnE5pQ4sJ6uA0dG9fH2jK3l"}
FILE_PARAM = {"name": "file_id", "in": "path", "required": True, "description": "A file of the link's workflow.",
              "schema": {"type": "string", "format": "uuid"}, "example": EXAMPLE_IDS["file_id"]}


def _json_or_html(description: str, example: dict) -> dict:
    """An error answer: the one error shape as JSON (listed first), the page saying why for a browser."""
    return {"description": description, "content": {**_error_content(example), **HTML}}


SIGNING_ERRORS = {
    "404": _json_or_html("No signer has this token.", _err("signer_not_found", "This signing link does not exist.")),
    "409": _json_or_html("Not this signer's turn yet, or the signer already signed or refused (not_your_turn, "
                         "already_acted); step_not_ready: an earlier step of the journey is not done (`missing` "
                         "names them; the documents step: `unopened` names the documents not opened yet); "
                         "code_not_sent, code_expired (older than 5 minutes by the mock clock), code_locked (5 "
                         "wrong codes; send a new one); no_phone (SendSigningCode: the signer has no mobile "
                         "number).",
                         {"error": {"code": "step_not_ready", "message": "Finish the earlier steps first: terms.",
                                    "missing": ["terms"]}}),
    "410": _json_or_html("The workflow is completed, refused, expired or cancelled: the link is closed "
                         "(`workflow_status` says which).",
                         {"error": {"code": "link_closed", "message": "This workflow is refused; the link no longer "
                                                                      "works.", "workflow_status": "refused"}}),
}
SIGN_ERRORS = {
    "403": _json_or_html("wrong_password: the workflow's password is missing or wrong; wrong_code: a wrong "
                         "one-time code (`tries_left` says how many remain). Both are recorded in the signer's "
                         "audit.",
                         {"error": {"code": "wrong_code", "message": "The code is wrong.", "tries_left": 4}}),
    "422": _json_or_html("The password is not a string of at most 128 characters, or the code is not 6 digits.",
                         {"error": {"code": "validation_error", "message": "Invalid fields: password.",
                                    "fields": {"password": ["Not a valid string."]}}}),
}
STATE_ANSWER = {"200": {"description": "Done: the signer's state after it (JSON body, or Accept: application/json).",
                        "content": {"application/json": {"schema": _ref("SignerState")}}},
                "303": {"description": "Done (a browser's form post): back to the signing page.",
                        "headers": {"Location": {"schema": {"type": "string"}, "description": "/sign/{token}"}}}}


def _body(schema: str, example: dict) -> dict:
    """A JSON body (what a generated client sends) or the page's form (what a browser sends)."""
    return {"required": True, "content": {
        "application/json": {"schema": _ref(schema), "example": example},
        "application/x-www-form-urlencoded": {"schema": _ref(schema), "example": example}}}


def _step(op_id: str, summary: str, description: str, body: tuple, extra_errors: dict | None = None) -> dict:
    return {"parameters": [TOKEN_PARAM], "post": {"operationId": op_id, "tags": ["signing"], "security": [], "summary": summary,
                     "description": description + " JSON: send a JSON body (`{}` when it has no fields) and get "
                                                  "the signer's state back; a form post redirects to the page.",
                     "requestBody": _body(*body),
                     "responses": {**STATE_ANSWER, **SIGNING_ERRORS, **(extra_errors or {})}}}


def signing_paths() -> dict:
    reason = {"application/json": {"schema": _ref("RefusalArgs"), "example": REQUEST_EXAMPLES["RefuseAsSigner"]},
              "application/x-www-form-urlencoded": {"schema": _ref("RefusalArgs"),
                                                    "example": REQUEST_EXAMPLES["RefuseAsSigner"]}}
    outcome = {
        "200": {"description": "Done (JSON: the request was JSON or asked for JSON with Accept).",
                "content": {"application/json": {"schema": _ref("SigningResult")}}},
        "303": STATE_ANSWER["303"],
        **SIGNING_ERRORS,
    }
    validation = _json_or_html("A field is not what the step takes.",
                               {"error": {"code": "validation_error", "message": "Accept the terms of use and the "
                                          "privacy notice to go on.", "fields": {"terms": ["Required."]}}})
    no_body = ("StepArgs", {})
    return {
        "/sign/{token}": {"parameters": [TOKEN_PARAM], "get": {
            "operationId": "GetSigningPage", "tags": ["signing"], "security": [],
            "summary": "Open a signer's signing page",
            "description": "The signer's state as JSON with `Accept: application/json` (what to do next, the "
                           "documents to open, the one-time code's state); the page (HTML, styled with the "
                           "workflow's interface) for a browser. A closed link answers 410.",
            "responses": {
                "200": {"description": "The state as JSON, or the page.",
                        "content": {"application/json": {"schema": _ref("SignerState")}, **HTML}},
                **{k: v for k, v in SIGNING_ERRORS.items() if k != "409"}}}},
        "/sign/{token}/terms": _step(
            "AcceptSigningTerms", "Accept the terms of use and the privacy notice",
            "The journey's first step: both must be true (a form sends `on`).",
            ("TermsArgs", {"terms": True, "privacy": True}), {"422": validation}),
        "/sign/{token}/password": _step(
            "EnterSigningPassword", "Enter the workflow's password",
            "Only when the workflow has a password (`password_protected`). A wrong one answers 403 wrong_password "
            "and is recorded in the signer's audit.",
            ("PasswordArgs", {"password": FIELD_EXAMPLES["password"]}),
            {"403": SIGN_ERRORS["403"], "422": SIGN_ERRORS["422"]}),
        "/sign/{token}/details": _step(
            "ConfirmSigningDetails", "Confirm the overview and one's own details", "The details step.", no_body),
        "/sign/{token}/documents/{file_id}": {"parameters": [TOKEN_PARAM, FILE_PARAM], "get": {
            "operationId": "OpenSigningDocument", "tags": ["signing"], "security": [],
            "summary": "Open one document of the journey",
            "description": "Marks the document opened (the documents step needs each opened once). JSON with "
                           "`Accept: application/json`: the signer's state and the document's page sizes; a browser "
                           "gets the page with every page rendered, the signature fields and annotations.",
            "responses": {"200": {"description": "The state and the page sizes as JSON, or the page.",
                                  "content": {"application/json": {"schema": _ref("SignerDocument")}, **HTML}},
                          "404": _json_or_html("No signer has this token, or no such file in the workflow.",
                                               _err("file_not_found", "No such file in this workflow.")),
                          "410": SIGNING_ERRORS["410"]}}},
        "/sign/{token}/documents": _step(
            "ConfirmSigningDocuments", "Go on after opening every document",
            "409 step_not_ready while a document is not opened yet (`unopened`).", no_body),
        "/sign/{token}/identity": _step(
            "ConfirmSigningIdentity", "Confirm the simulated identity check",
            "Only for a qualified signature or seal (`steps` lists `identity`).", no_body),
        "/sign/{token}/code": _step(
            "SendSigningCode", "Send a one-time code by SMS",
            "A new 6-digit code to the signer's mobile number, valid 5 minutes by the mock clock (read it from "
            "`GET /_mock/messages?kind=tan`); a new code replaces the last one and lifts a lock. Then sign with it "
            "(SignAsSigner with `code`).", no_body),
        "/sign/{token}/sign": {"parameters": [TOKEN_PARAM], "post": {
            "operationId": "SignAsSigner", "tags": ["signing"], "security": [],
            "summary": "Sign as the link's signer",
            "description": "At the end of the journey: `{\"code\": \"123456\"}` (the one-time code; every earlier "
                           "step done). The mock's one-call shortcut for automation: a JSON body without `code` "
                           "(`{}`, or `{\"password\"}` when the workflow has one) signs at once, no journey. A form "
                           "post redirects to the page. The last signature completes the workflow.",
            "requestBody": {"required": False, "content": {
                "application/json": {"schema": _ref("SignArgs"), "example": {}},
                "application/x-www-form-urlencoded": {"schema": _ref("SignArgs"), "example": {}}}},
            "responses": {**outcome, **SIGN_ERRORS}}},
        "/sign/{token}/refuse": {"parameters": [TOKEN_PARAM], "post": {
            "operationId": "RefuseAsSigner", "tags": ["signing"], "security": [],
            "summary": "Refuse as the link's signer",
            "description": "At any step, no password needed: closes the workflow as refused and sends "
                           f"{WORKFLOW_REFUSED.name} with the reason.",
            "requestBody": {"required": False, "content": reason},
            "responses": {**outcome, "422": _json_or_html(
                "reason is not a string of at most 2000 characters, or holds control characters.",
                {"error": {"code": "validation_error", "message": "reason must be a string of at most 2000 "
                                                                  "characters.",
                           "fields": {"reason": ["Invalid reason."]}}})}}},
        "/sign/{token}/files/{file_id}": {"parameters": [TOKEN_PARAM, FILE_PARAM], "get": {
            "operationId": "GetSigningFile", "tags": ["signing"], "security": [],
            "summary": "Download a file of the link's workflow",
            "description": "A document of the workflow, or its interface's icon or logo, as stored.",
            "parameters": [{"name": "download", "in": "query", "required": False,
                            "description": "Any value: `Content-Disposition: attachment` instead of inline.",
                            "schema": {"type": "string", "maxLength": 10}, "example": "1"}],
            "responses": {"200": {"description": "The file's bytes.",
                                  "content": {"application/pdf": {"schema": BINARY}, "image/png": {"schema": BINARY}}},
                          "404": _json_or_html("No signer has this token, or no such file in the workflow.",
                                               _err("file_not_found", "No such file in this workflow."))}}},
        "/sign/{token}/files/{file_id}/pages/{number}.png": {"parameters": [TOKEN_PARAM, FILE_PARAM, {
            "name": "number", "in": "path", "required": True, "description": "The page, from 1.",
            "schema": {"type": "integer", "minimum": 1, "maximum": 10000}, "example": 1}], "get": {
            "operationId": "GetSigningPageImage", "tags": ["signing"], "security": [],
            "summary": "One page of a document as a PNG",
            "description": "Rendered on the server (cached); what the signing page shows.",
            "responses": {"200": {"description": "The page as a PNG.", "content": {"image/png": {"schema": BINARY}}},
                          "404": _json_or_html("No signer has this token, no such file, or no such page.",
                                               _err("page_not_found", "The document has 1 pages."))}}},
    }


SIGNING_SCHEMAS = {
    "SigningResult": SIGNING_RESULT,
    "SignerState": SIGNER_STATE,
    "SignerDocument": SIGNER_DOCUMENT,
    "StepArgs": {"type": "object", "properties": {}, "description": "No fields: send `{}`."},
    "TermsArgs": {"type": "object", "required": ["terms", "privacy"], "properties": {
        "terms": {"type": "boolean", "enum": [True], "description": "The terms of use are accepted."},
        "privacy": {"type": "boolean", "enum": [True], "description": "The privacy notice is accepted."}}},
    "PasswordArgs": {"type": "object", "required": ["password"], "properties": {
        "password": {"type": "string", "maxLength": MAX_PASSWORD_LENGTH, "example": FIELD_EXAMPLES["password"]}}},
    "SignArgs": {"type": "object", "properties": {
        "password": {"type": "string", "maxLength": MAX_PASSWORD_LENGTH, "nullable": True,
                     "description": "The workflow's password, when it has one (JSON: the mock's one-call shortcut)."},
        "code": {"type": "string", "maxLength": 32, "nullable": True, "example": "123456",
                 "description": "The SMS one-time code (the journey's last step)."}}},
    "RefusalArgs": {"type": "object", "properties": {"reason": {
        "type": "string", "maxLength": 2000, "nullable": True, "example": FIELD_EXAMPLES["reason"],
        "pattern": CONTROL_FREE_PATTERN,
        "description": f"Why the signer refuses (sent in {WORKFLOW_REFUSED.name}). No control characters (CR, LF, NUL...; "
                       "tab is fine): 422. The signing page's form turns the line breaks of its text box into "
                       "spaces."}}},
}
