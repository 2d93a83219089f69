"""The signing page a signatory opens: the journey step by step (HTML), and its JSON actions.

HTTP adapters only: each view parses the request, calls one Services method and answers.
The domain rules live in mock_server/domain/journey.py, codes.py and passwords.py.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for

from ..api.errors import error_response
from ..domain.defaults import DEFAULT_ICON_FILE_ID, DEFAULT_LOGO_FILE_ID, FINAL_STATUSES
from ..domain.errors import DomainError, Gone, NotFound, ValidationFailed
from ..domain.glossary import LANGUAGES, is_seal
from ..domain.text import CONTROL_MESSAGE, has_control_characters
from ..http_headers import content_disposition
from ..domain.colors import palette
from .i18n import Words, language_of
from .view_model import document_view, page_view

bp = Blueprint("signing", __name__, url_prefix="/sign", template_folder="templates", static_folder="static",
               static_url_path="/_static")

MAX_REASON = 2000
LINE_BREAKS = re.compile(r"\r\n?|\n")
DEFAULT_ARTWORK = {DEFAULT_ICON_FILE_ID: "default-icon.svg", DEFAULT_LOGO_FILE_ID: "default-logo.svg"}


def services():
    return current_app.extensions["sign8"]


def _view(token: str) -> dict:
    return page_view(_acted_for(services().signing_records(token)))


def _acted_for(result: dict) -> dict:
    """Note the link's organization for the request log, which then need not look the token up again."""
    g.link_organization_id = result["workflow"]["organization_id"]
    return result


def wants_json() -> bool:
    if request.is_json:
        return True
    accept = request.accept_mimetypes
    # JSON when the client names it and likes it at least as much as HTML: a generated client sends the document's
    # media types, JSON first, at one quality ("application/json, text/html": openapi-generator's Java client). A
    # browser prefers HTML; no Accept header, or only */*, means a person with a browser or curl: HTML.
    named = any(value == "application/json" for value, _quality in accept)
    return named and 0 < accept["application/json"] >= accept["text/html"]


def client() -> tuple[str | None, str]:
    return request.remote_addr, request.user_agent.string


def body() -> dict:
    """The request's fields: a JSON object, or the form."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return request.form.to_dict()


def _end_kind(view: dict) -> str | None:
    """Which end page the link shows, or None while the journey goes on."""
    wf, signer = view["workflow"], view["signer"]
    if signer["status"] == "signed":
        return "signed"
    if signer["status"] == "refused":
        return "refused"
    if wf["status"] == "refused":
        return "refused_other"
    if wf["status"] in FINAL_STATUSES:
        return wf["status"]
    if wf["status"] == "draft":
        return "draft"
    if view["waiting"]:
        return "waiting"
    return None


def _status(view: dict) -> int:
    if view["workflow"]["status"] in FINAL_STATUSES and view["signer"]["status"] == "pending":
        return 410
    return 200


def _artwork(token: str, file_id: str) -> str:
    if file_id in DEFAULT_ARTWORK:
        return url_for("signing.static", filename=DEFAULT_ARTWORK[file_id])
    return url_for("signing.file", token=token, file_id=file_id)


def _words(view: dict) -> Words:
    """The signer's language, worded for a seal when the signer seals."""
    return Words(language_of(view["signer"]), seal=is_seal(view["signature_type"]))


def _render(template: str, view: dict, status: int | None = None, **extra):
    t = _words(view)
    interface = view["interface"]
    html = render_template(template, **view, **extra, t=t, end=_end_kind(view), colors=palette(interface["primary_color"]),
                           icon_url=_artwork(view["token"], interface["icon_file_id"]),
                           logo_url=_artwork(view["token"], interface["logo_file_id"]))
    return html, status or _status(view)


def _summary(view: dict) -> dict:
    wf, signer = view["workflow"], view["signer"]
    return {"workflow_id": wf["workflow_id"], "workflow_status": wf["status"], "signer_id": signer["signer_id"],
            "signer_status": signer["status"], "your_turn": view["can_act"],
            "signature_type": view["signature_type"], "password_protected": view["password_protected"],
            "steps": view["steps"], "step": None if _end_kind(view) else view["step"],
            "steps_done": [s for s in view["steps"] if s in view["done"]],
            "documents": [{"file_id": f["file_id"], "file_name": f["file_name"], "opened": f["opened"]}
                          for f in view["files"]],
            "code": view["code_state"]}


def _state_or_closed(state: dict, view: dict):
    """JSON: the signer's state, or the one error shape when the link is closed (a browser sees the end page)."""
    if _status(view) == 410:
        status = view["workflow"]["status"]
        return _error(Gone(f"This workflow is {status}; the link no longer works.", workflow_status=status))
    return state


@bp.route("/<token>", methods=["GET"])
def page(token):
    """Show the signing journey's current step, or the end page (styled with the workflow's interface)."""
    try:
        view = _view(token)
    except NotFound as exc:
        return _error(exc)
    if wants_json():
        return _state_or_closed(_summary(view), view)
    # just=signed: the answer to "Sign now"; a later visit of a completed workflow says "already completed".
    return _render("journey.html", view, just=request.args.get("just"))


@bp.route("/<token>/documents/<file_id>", methods=["GET"])
def document(token, file_id):
    """Show one document, every page rendered, with the signature fields and annotations; marks it opened."""
    try:
        view = document_view(_acted_for(services().open_document(token, file_id)), file_id)
    except NotFound as exc:
        return _error(exc)
    if wants_json():
        return _state_or_closed({**_summary(view), "page_sizes": view["document"]["page_sizes"]}, view)
    return _render("document.html", view, status=200)


def _state_now(token: str, result: dict) -> dict:
    """JSON answer of a journey step: the signer's whole state after it."""
    return _summary(_view(token))


def _outcome(token: str, result: dict) -> dict:
    """JSON answer of signing or refusing: the two statuses it changed."""
    wf, signer = result["workflow"], result["signer"]
    return {"workflow_id": wf["workflow_id"], "workflow_status": wf["status"],
            "signer_id": signer["signer_id"], "signer_status": signer["status"]}


def _run(token, action, answer=_state_now, page_note: str | None = None):
    """Run one signing action: JSON gets answer(token, result); a browser goes back to the page.

    page_note: what the page says next, as ?just= (just=signed after "Sign now").
    """
    try:
        result = _acted_for(action())
    except DomainError as exc:
        return _failed(token, exc)
    if wants_json():
        return answer(token, result)
    return redirect(url_for("signing.page", token=token, just=page_note), code=303)


def _failed(token, exc: DomainError):
    """JSON: the one error shape. A browser gets the page again, saying in its language why it did not work."""
    if wants_json() or isinstance(exc, NotFound):
        return _error(exc)
    view = _view(token)
    t = _words(view)
    message = t.error(exc.code, exc.message, **{k: v for k, v in exc.extra.items() if v is not None})
    if exc.code == "validation_error" and exc.fields and "code" in exc.fields:
        message = t.error("code_format", exc.message)
    return _render("journey.html", view, status=exc.status, action_error=message, error_code=exc.code)


@bp.route("/<token>/terms", methods=["POST"])
def terms(token):
    """Accept the terms of use and the privacy notice (fields terms and privacy, true or "on")."""
    data = body()
    # JSON takes the booleans the document names; a form sends "on" for a ticked box.
    accepted = (lambda value: value is True) if request.is_json else _truthy
    return _run(token, lambda: services().accept_terms(token, accepted(data.get("terms")),
                                                       accepted(data.get("privacy")), *client()))


@bp.route("/<token>/password", methods=["POST"])
def password(token):
    """Enter the workflow password on the page (403 wrong_password, recorded in the audit)."""
    return _run(token, lambda: services().enter_password(token, body().get("password"), *client()))


@bp.route("/<token>/details", methods=["POST"])
def details(token):
    """Confirm the overview and one's own details."""
    return _run(token, lambda: services().confirm_details(token, *client()))


@bp.route("/<token>/documents", methods=["POST"])
def documents(token):
    """Go on after opening every document once."""
    return _run(token, lambda: services().finish_documents(token, *client()))


@bp.route("/<token>/identity", methods=["POST"])
def identity(token):
    """The simulated identity check of a qualified signature or seal."""
    return _run(token, lambda: services().confirm_identity(token, *client()))


@bp.route("/<token>/code", methods=["POST"])
def send_code(token):
    """Send a new 6-digit one-time code by SMS (valid 5 minutes by the mock clock)."""
    return _run(token, lambda: services().send_code(token, *client()))


@bp.route("/<token>/sign", methods=["POST"])
def sign(token):
    """Sign. JSON: one call, {"password"} when the workflow has one (the mock's shortcut). Page: after every step, with the code."""
    data = body()
    on_page = not wants_json()
    code = data.get("code") if on_page or "code" in data else None
    if on_page and isinstance(code, str):
        code = "".join(code.split())
    return _run(token, lambda: services().sign(token, data.get("password"), code, on_page, *client()), _outcome,
                page_note="signed")


@bp.route("/<token>/refuse", methods=["POST"])
def refuse(token):
    """Reject the signing process, with an optional reason (at any step; no password needed)."""
    reason = body().get("reason")
    if isinstance(reason, str) and not request.is_json:
        reason = LINE_BREAKS.sub(" ", reason)  # the page's text box: its line breaks are not an integration's bug
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        return _error(ValidationFailed(f"reason must be a string of at most {MAX_REASON} characters.",
                                       fields={"reason": ["Invalid reason."]}))
    if has_control_characters(reason or ""):
        return _error(ValidationFailed("reason must not contain control characters.",
                                       fields={"reason": [CONTROL_MESSAGE]}))
    reason = (reason or "").strip() or None
    return _run(token, lambda: services().refuse(token, reason, *client()), _outcome)


@bp.route("/<token>/files/<file_id>", methods=["GET"])
def file(token, file_id):
    """Let the signer view or download a file of the workflow, or the interface's images."""
    try:
        meta, content = services().signing_file(token, file_id)
    except DomainError as exc:
        return _error(exc)
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(content, mimetype=meta["content_type"],
                    headers={"Content-Disposition": content_disposition(disposition, meta["file_name"])})


@bp.route("/<token>/files/<file_id>/pages/<int:number>.png", methods=["GET"])
def page_image(token, file_id, number):
    """One page of a document as a PNG, rendered on the server (cached in memory)."""
    try:
        png = services().page_image(token, file_id, number)
    except DomainError as exc:
        return _error(exc)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("on", "true", "1", "yes"))


def _error(exc: DomainError):
    if wants_json():
        return error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)
    # No signer to take the language from: the browser's preferred one of ours.
    t = Words(request.accept_languages.best_match(LANGUAGES, "en"))
    return render_template("error.html", status=exc.status, message=exc.message, t=t, colors=palette(None),
                           logo_url=url_for("signing.static", filename=DEFAULT_ARTWORK[DEFAULT_LOGO_FILE_ID]),
                           icon_url=url_for("signing.static", filename=DEFAULT_ARTWORK[DEFAULT_ICON_FILE_ID]),
                           interface={}), exc.status


def init_app(app) -> None:
    app.register_blueprint(bp)
