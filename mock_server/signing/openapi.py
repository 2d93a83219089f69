"""The signing actions (/sign/{token}...) in the OpenAPI document: written by hand, as the views are plain Flask."""
from __future__ import annotations

from ..api.examples import EXAMPLE_IDS, FIELD_EXAMPLES, REQUEST_EXAMPLES
from ..domain import defaults
from ..domain.events import WORKFLOW_REFUSED
from ..domain.passwords import MAX_PASSWORD_LENGTH
from ..domain.text import CONTROL_FREE_PATTERN


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
            "description": f"Closes the workflow as refused and sends {WORKFLOW_REFUSED.name} with the reason.",
            "requestBody": {"required": False, "content": form_or_json_reason},
            "responses": {**after_action, "422": {
                "description": "reason is not a string of at most 2000 characters.",
                "content": {**_error_content({"error": {"code": "validation_error",
                                                        "message": "reason must be a string of at most 2000 "
                                                                   "characters.",
                                                        "fields": {"reason": ["Invalid reason."]}}}),
                            "text/html": {"schema": {"type": "string"}, "example": "<!doctype html>..."}}}}}},
    }


SIGNING_SCHEMAS = {
    "SigningResult": SIGNING_RESULT,
    "SignArgs": {"type": "object", "properties": {
        "password": {"type": "string", "maxLength": MAX_PASSWORD_LENGTH, "nullable": True,
                     "description": "The workflow's password, when it has one (JSON: the mock's one-call shortcut)."},
        "code": {"type": "string", "maxLength": 32, "nullable": True,
                 "description": "The SMS one-time code (the signing page's last step)."}}},
    "RefusalArgs": {"type": "object", "properties": {"reason": {
        "type": "string", "maxLength": 2000, "nullable": True, "example": FIELD_EXAMPLES["reason"],
        "pattern": CONTROL_FREE_PATTERN,
        "description": f"Why the signer refuses (sent in {WORKFLOW_REFUSED.name}). No control characters (CR, LF, NUL...; "
                       "tab is fine): 422. The signing page's form turns the line breaks of its text box into "
                       "spaces."}}},
}
