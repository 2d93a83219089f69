"""The dashboard at /_mock/: one server-rendered page of what an integration did, with a few action forms."""
from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..domain.clock import iso
from ..domain.defaults import WORKFLOW_STATUSES
from ..domain.errors import NotFound
from . import views
from .journal import journal_of

blp = Blueprint("mock_dashboard", __name__, url_prefix="/_mock", template_folder="templates",
                description="The dashboard (HTML) and the small form endpoints its buttons post to; each redirects "
                            "back to /_mock/ with 303.")
blp.before_request(views.control_auth)

PER_STATUS = 50
DELIVERIES = 50
REQUESTS = 30


class AdvanceForm(Schema):
    seconds = fields.Float(required=True, validate=validate.Range(min=0, max=10 * 365 * 86400))
    organization_id = fields.String(load_default="", validate=validate.Length(max=64))


class ResetForm(Schema):
    organization_id = fields.String(load_default="", validate=validate.Length(max=64))


class RedeliverForm(Schema):
    delivery_id = fields.UUID(required=True)


def _redacted(key: str | None) -> str:
    if not key:
        return ""
    return key[:4] + "…" if len(key) > 8 else "…"


def _back():
    # Keep the admin token on the way back, or the page would answer 401 after the redirect.
    token = request.args.get("admin_token")
    return redirect(url_for("mock_dashboard.page", **({"admin_token": token} if token else {})), code=303)


def _workflows(svc) -> dict:
    grouped = {}
    for status in WORKFLOW_STATUSES:
        rows = sorted(svc.store.by("workflows", "status", status), key=lambda w: w["created_at"], reverse=True)
        shown = []
        for wf in rows[:PER_STATUS]:
            signers = sorted(svc.store.by("signers", "workflow_id", wf["workflow_id"]), key=lambda s: s["order"])
            shown.append({**wf, "signers": signers})
        grouped[status] = {"total": len(rows), "items": shown}
    return grouped


@blp.route("/", methods=["GET"])
@blp.response(200, description="The dashboard page.", content_type="text/html")
@views.errors()
def page():
    """Show organizations, workflows by status with signing links, webhook deliveries and recent requests."""
    svc = views.services()
    orgs = [{**o, "api_key": _redacted(o.get("api_key")), "webhook_secret": "set" if o.get("webhook_secret") else "",
             "clock": iso(svc.clock.now(o["organization_id"])), "offset": svc.clock.offset(o["organization_id"])}
            for o in sorted(svc.organizations.all(), key=lambda o: (not o.get("known"), o["name"]))]
    deliveries = sorted(svc.store.all("deliveries"), key=lambda d: d["seq"], reverse=True)[:DELIVERIES]
    html = render_template(
        "dashboard.html", orgs=orgs, workflows=_workflows(svc), deliveries=deliveries,
        requests=journal_of(current_app).query(limit=REQUESTS), now=iso(svc.clock.now()),
        offset=svc.clock.offset(None), admin_token=request.args.get("admin_token"))
    return make_response(html, 200, {"Content-Type": "text/html; charset=utf-8"})


@blp.route("/dashboard/advance", methods=["POST"])
@blp.arguments(AdvanceForm, location="form")
@blp.response(303, description="Back to the dashboard.")
@views.errors()
def advance(form):
    """Advance the clock (global, or one organization's) and expire what became due."""
    svc = views.services()
    org = form["organization_id"].strip() or None
    svc.clock.advance(form["seconds"], org)
    svc.clock_changed(org)
    return _back()


@blp.route("/dashboard/reset", methods=["POST"])
@blp.arguments(ResetForm, location="form")
@blp.response(303, description="Back to the dashboard.")
@views.errors()
def reset(form):
    """Reset everything, or one organization."""
    org = form["organization_id"].strip() or None
    views.services().reset(org)
    for hook in current_app.extensions.get("sign8_reset_hooks", []):
        hook(org)
    return _back()


@blp.route("/dashboard/redeliver", methods=["POST"])
@blp.arguments(RedeliverForm, location="form")
@blp.response(303, description="Back to the dashboard.")
@views.errors(404)
def redeliver(form):
    """Queue a webhook delivery's event again."""
    svc = views.services()
    d = svc.store.get("deliveries", str(form["delivery_id"]))
    if d is None:
        raise NotFound(f"Delivery '{form['delivery_id']}' does not exist.", code_override="delivery_not_found")
    with svc.store.transaction() as tx:
        svc.outbox.redeliver(tx, d)
    return _back()
