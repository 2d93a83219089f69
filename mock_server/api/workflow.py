"""The Workflow API blueprint: each view parses the request, calls one Services method and answers."""
from __future__ import annotations

import base64
import binascii

from flask import Response, current_app, g, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from ..domain.errors import UnsupportedMediaType, ValidationFailed
from ..domain.text import has_control_characters
from . import schemas as s
from .credentials import ORGANIZATION_HEADER, api_key_of, check_authorization
from .errors import COMMON_ERRORS, error_responses
from ..http_headers import content_disposition

blp = Blueprint("workflow", __name__, url_prefix="/api/workflow",
                description="The SIGN8 Workflow API. Every call needs 'Authorization: Bearer <api key>'.")

ERROR_DESCRIPTIONS = {
    400: "Malformed JSON.", 401: "Missing or unknown API key (unauthorized), or an Authorization header that is not "
         "'Bearer <key>' (invalid_authorization).", 403: "organisation_id header does not match the key.",
    404: "No such object in the caller's organization.", 409: "Conflict with the workflow's state or a duplicate.",
    413: "Body or file too large.", 415: "Wrong Content-Type, or the file is not a PDF.",
    422: "Invalid fields (see error.fields), or the workflow is incomplete.",
    507: "The store could not write the change (a full disk): nothing changed; the same call works once there is room.",
}


def errors(*codes):
    """Declare the error answers of an operation in the OpenAPI document."""
    # No catch-all "default" answer: each status is listed, so status-code conformance checks have teeth.
    return blp.doc(responses=error_responses(sorted(set(COMMON_ERRORS) | set(codes)), ERROR_DESCRIPTIONS))


def services():
    return current_app.extensions["sign8"]


def org_id() -> str:
    return g.organization["organization_id"]


def _str_ids(data: dict) -> dict:
    return {k: (str(v) if k.endswith("_id") and v is not None else v) for k, v in data.items()}


@blp.route("/AddWorkflow", methods=["POST"])
@blp.arguments(s.AddWorkflowArgs())
@blp.response(201, s.WorkflowSchema)
@errors(404, 507)
def add_workflow(args):
    """Create a workflow in draft."""
    return services().add_workflow(org_id(), _str_ids(args))


@blp.route("/AddFile", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/AddFileJsonArgs"}},
    "multipart/form-data": {"schema": {"$ref": "#/components/schemas/AddFileFormArgs"}},
}})
@blp.response(201, s.FileSchema)
@errors(404, 409, 507)
def add_file(*_args):
    """Attach a PDF to a draft workflow (JSON with base64 data, or multipart with a file part)."""
    if request.mimetype == "multipart/form-data":
        raw = {"workflow_id": request.form.get("workflow_id")}
        upload = request.files.get("file")
        errs = {}
        if upload is None:
            errs["file"] = ["Missing file part."]
        elif upload.filename and (has_control_characters(upload.filename) or len(upload.filename) > 255):
            errs["file"] = ["The file name must be at most 255 characters, without control characters "
                            "(CR, LF, NUL...)."]
        try:
            parsed = s.WorkflowIdArgs().load(raw)
        except ValidationError as exc:
            errs.update(exc.messages)
        if errs:
            raise ValidationFailed("Invalid fields: " + ", ".join(sorted(errs)) + ".", fields=errs)
        # The bytes decide whether it is a PDF (415 otherwise), not the declared content type.
        name, data = upload.filename or "upload.pdf", upload.read()
    else:
        body = request.get_json(silent=False)
        try:
            parsed = s.AddFileJsonArgs().load(body if isinstance(body, dict) else {"_": body})
        except ValidationError as exc:
            raise ValidationFailed("Invalid fields: " + ", ".join(sorted(exc.messages)) + ".", fields=exc.messages)
        try:
            data = base64.b64decode(parsed["data"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("data is not valid base64.", fields={"data": ["Not valid base64."]})
        name = parsed["file_name"]
    return services().add_file(org_id(), str(parsed["workflow_id"]), name, data)


@blp.route("/AddSigner", methods=["POST"])
@blp.arguments(s.AddSignerArgs())
@blp.response(201, s.SignerSchema)
@errors(404, 409, 507)
def add_signer(args):
    """Add a signer to a draft workflow; the answer carries its signing_url."""
    return services().add_signer(org_id(), _str_ids(args))


@blp.route("/AddSignature", methods=["POST"])
@blp.arguments(s.AddSignatureArgs())
@blp.response(201, s.SignatureSchema)
@errors(404, 409, 507)
def add_signature(args):
    """Place a signature field for a signer on a page of a file (PDF points, top-left origin)."""
    return services().add_signature(org_id(), _str_ids(args))


@blp.route("/AddAnnotation", methods=["POST"])
@blp.arguments(s.AddAnnotationArgs())
@blp.response(201, s.AnnotationSchema)
@errors(404, 409, 507)
def add_annotation(args):
    """Place a text annotation on a page of a file (optional step; PDF points, top-left origin)."""
    return services().add_annotation(org_id(), _str_ids(args))


@blp.route("/AddInterface", methods=["POST"])
@blp.arguments(s.AddInterfaceArgs())
@blp.response(201, s.InterfaceSchema)
@errors(404, 507)
def add_interface(args):
    """Create a branding interface; unset columns take the SIGN8 defaults."""
    return services().add_interface(org_id(), _str_ids(args))


@blp.route("/UpdateInterface", methods=["POST"])
@blp.arguments(s.UpdateInterfaceArgs())
@blp.response(200, s.InterfaceSchema)
@errors(404, 507)
def update_interface(args):
    """Change an interface's colour, icon or logo; bumps updated_at."""
    return services().update_interface(org_id(), _str_ids(args))


@blp.route("/GetInterface", methods=["GET"])
@blp.arguments(s.InterfaceIdArgs(), location="query")
@blp.response(200, s.InterfaceSchema)
@errors(404)
def get_interface(args):
    """Read one interface."""
    return services().get_interface(org_id(), str(args["interface_id"]))


@blp.route("/StartWorkflow", methods=["POST"])
@blp.arguments(s.WorkflowIdArgs())
@blp.response(200, s.WorkflowSchema)
@errors(404, 409, 507)
def start_workflow(args):
    """Move a draft to in_progress: needs a file, a signer, and a signature field per signer (else 422)."""
    return services().start_workflow(org_id(), str(args["workflow_id"]))


@blp.route("/CancelWorkflow", methods=["POST"])
@blp.arguments(s.WorkflowIdArgs())
@blp.response(200, s.WorkflowSchema)
@errors(404, 409, 507)
def cancel_workflow(args):
    """Cancel a workflow that is not final yet."""
    return services().cancel_workflow(org_id(), str(args["workflow_id"]))


@blp.route("/SendReminder", methods=["POST"])
@blp.arguments(s.SendReminderArgs())
@blp.response(200, s.ReminderSchema)
@errors(404, 409, 507)
def send_reminder(args):
    """E-mail a reminder to the pending signers whose turn it is (or only signer_id); 409 unless in_progress."""
    signer_id = str(args["signer_id"]) if args.get("signer_id") else None
    return services().send_reminder(org_id(), str(args["workflow_id"]), signer_id)


@blp.route("/GetWorkflow", methods=["GET"])
@blp.arguments(s.WorkflowIdArgs(), location="query")
@blp.response(200, s.WorkflowDetailSchema)
@errors(404)
def get_workflow(args):
    """Read the whole workflow: fields, files, signers, signatures, annotations and events."""
    return services().get_workflow(org_id(), str(args["workflow_id"]))


@blp.route("/ListWorkflows", methods=["GET"])
@blp.arguments(s.ListWorkflowsArgs(), location="query")
@blp.response(200, s.WorkflowListSchema)
@errors()
def list_workflows(args):
    """List the organization's workflows, newest first, with the total count."""
    return services().list_workflows(org_id(), args.get("status"), args["limit"], args["offset"])


GET_FILE_ANSWER = ("The file's bytes: a PDF (an upload; a signed file, named <name>-signed.pdf; an audit report, "
                   "named audit-report-<workflow_id>.pdf), or a PNG for the built-in icon and logo.")


@blp.route("/GetFile", methods=["GET"])
@blp.arguments(s.FileIdArgs(), location="query")
@blp.response(200, description=GET_FILE_ANSWER,
              content_type="application/pdf")
@blp.doc(responses={"200": {"description": GET_FILE_ANSWER,
                             "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                                         "image/png": {"schema": {"type": "string", "format": "binary"}}}}})
@errors(404)
def get_file(args):
    """Download a file (an upload, a signed file, an audit report, or a built-in icon/logo) with its Content-Type."""
    meta, body = services().get_file(org_id(), str(args["file_id"]))
    return Response(body, mimetype=meta["content_type"],
                    headers={"Content-Disposition": content_disposition("inline", meta["file_name"])})


@blp.before_request
def authenticate():
    """Resolve the caller's organization from the API key; check the body's media type."""
    check_authorization(request)
    key = api_key_of(request)
    claimed = request.headers.get("organisation_id") or request.headers.get("organization_id")
    g.organization = services().authenticate(key, claimed)
    if request.method == "POST":
        allowed = {"application/json"}
        if request.endpoint == "workflow.add_file":
            allowed.add("multipart/form-data")
        if request.mimetype not in allowed:
            raise UnsupportedMediaType(
                f"Content-Type must be {' or '.join(sorted(allowed))}, not '{request.mimetype or 'none'}'.")


@blp.after_request
def name_the_organization(response):
    """Open mode: tell the caller which organization its key acts for (a mistyped key gets a new, empty one)."""
    organization = g.get("organization")
    if organization is not None and services().settings.auth == "open":
        response.headers[ORGANIZATION_HEADER] = organization["organization_id"]
    return response


def init_app(api) -> None:
    api.spec.components.schema("AddFileJsonArgs", schema=s.AddFileJsonArgs)
    api.spec.components.schema("AddFileFormArgs", schema=s.AddFileFormArgs)
    api.register_blueprint(blp)
