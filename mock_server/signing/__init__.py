"""The signing page a signatory opens, and its Sign / Refuse actions (HTML forms or JSON)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from ..api.errors import error_response
from ..domain.defaults import FINAL_STATUSES
from ..domain.errors import DomainError, NotFound

bp = Blueprint("signing", __name__, url_prefix="/sign", template_folder="templates", static_folder="static",
               static_url_path="/_static")

MAX_REASON = 2000
FINAL_MESSAGES = {
    "completed": "Every signer has signed this workflow; it is completed.",
    "refused": "A signer refused this workflow; it is closed.",
    "expired": "This workflow reached its expiry date before it was completed.",
    "cancelled": "The sender cancelled this workflow.",
}


def services():
    return current_app.extensions["sign8"]


def wants_json() -> bool:
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]


def client_ip() -> str | None:
    return request.remote_addr


def _context(token: str) -> dict:
    svc = services()
    signer = svc.lifecycle.signer_by_token(token)
    wf = svc.store.get("workflows", signer["workflow_id"])
    files = svc.store.by("files", "workflow_id", wf["workflow_id"])
    fields = [f for f in svc.store.by("signatures", "workflow_id", wf["workflow_id"])
              if f["signer_id"] == signer["signer_id"]]
    by_file = {f["file_id"]: [x for x in fields if x["file_id"] == f["file_id"]] for f in files}
    waiting = wf["status"] == "in_progress" and signer["status"] == "pending" and not svc.lifecycle.turn_of(signer, wf)
    return {"token": token, "signer": signer, "workflow": wf, "files": files, "fields_by_file": by_file,
            "interface": svc.workflows.interface_for(wf), "waiting": waiting,
            "final_message": FINAL_MESSAGES.get(wf["status"]),
            "can_act": wf["status"] == "in_progress" and signer["status"] == "pending" and not waiting}


def _page_status(ctx: dict) -> int:
    if ctx["workflow"]["status"] in FINAL_STATUSES and ctx["signer"]["status"] == "pending":
        return 410
    return 200


@bp.route("/<token>", methods=["GET"])
def page(token):
    """Show the signing page (styled with the workflow's interface)."""
    try:
        ctx = _context(token)
    except NotFound as exc:
        return _error(exc)
    if wants_json():
        return {"workflow_id": ctx["workflow"]["workflow_id"], "workflow_status": ctx["workflow"]["status"],
                "signer_id": ctx["signer"]["signer_id"], "signer_status": ctx["signer"]["status"],
                "your_turn": not ctx["waiting"]}, _page_status(ctx)
    return render_template("sign.html", **ctx), _page_status(ctx)


@bp.route("/<token>/sign", methods=["POST"])
def sign(token):
    """Sign as this link's signer."""
    return _act(token, lambda: services().lifecycle.sign(token, client_ip(), request.user_agent.string))


@bp.route("/<token>/refuse", methods=["POST"])
def refuse(token):
    """Refuse as this link's signer, with an optional reason."""
    if request.is_json:
        body = request.get_json(silent=True)
        reason = body.get("reason") if isinstance(body, dict) else None
    else:
        reason = request.form.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        return error_response(422, "validation_error", f"reason must be a string of at most {MAX_REASON} characters.",
                              {"reason": ["Invalid reason."]})
    reason = (reason or "").strip() or None
    return _act(token, lambda: services().lifecycle.refuse(token, reason, client_ip(), request.user_agent.string))


@bp.route("/<token>/files/<file_id>", methods=["GET"])
def file(token, file_id):
    """Let the signer view or download a file of the workflow, or the interface's images."""
    svc = services()
    try:
        signer = svc.lifecycle.signer_by_token(token)
    except NotFound as exc:
        return _error(exc)
    wf = svc.store.get("workflows", signer["workflow_id"])
    interface = svc.workflows.interface_for(wf)
    allowed = {f["file_id"] for f in svc.store.by("files", "workflow_id", wf["workflow_id"])}
    allowed |= {interface["icon_file_id"], interface["logo_file_id"]}
    if file_id not in allowed:
        return _error(NotFound("No such file in this workflow."))
    meta, body = svc.workflows.file_content(wf["organization_id"], file_id)
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(body, mimetype=meta["content_type"],
                    headers={"Content-Disposition": f'{disposition}; filename="{meta["file_name"]}"'})


def _act(token, action):
    try:
        result = action()
    except DomainError as exc:
        if wants_json():
            return _error(exc)
        if isinstance(exc, NotFound):
            return _error(exc)
        # A browser gets the page again, showing why the action did not happen.
        ctx = _context(token)
        return render_template("sign.html", **ctx, action_error=exc.message), exc.status
    if wants_json():
        wf, signer = result["workflow"], result["signer"]
        return {"workflow_id": wf["workflow_id"], "workflow_status": wf["status"],
                "signer_id": signer["signer_id"], "signer_status": signer["status"]}
    return redirect(url_for("signing.page", token=token), code=303)


def _error(exc: DomainError):
    if wants_json():
        return error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)
    return render_template("error.html", status=exc.status, message=exc.message), exc.status


def init_app(app) -> None:
    app.register_blueprint(bp)
