"""The dashboard at /_mock/: one server-rendered page of what an integration did, with a few action forms."""
from __future__ import annotations

from flask import make_response, redirect, render_template, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..domain.events import BY_NAME
from . import views

blp = Blueprint("mock_dashboard", __name__, url_prefix="/_mock", template_folder="templates", static_folder="static",
                static_url_path="/static",
                description="The dashboard (HTML) and the small form endpoints its buttons post to; each redirects "
                            "back to /_mock/ with 303. With an API key they show and act on that organization only.")
blp.before_request(views.control_auth)

PER_STATUS = 50
DELIVERIES = 50
REQUESTS = 30
PRESETS = ((3600, "+1 hour"), (86400, "+1 day"), (7 * 86400, "+7 days"), (30 * 86400, "+30 days"))
STATUS_WORDS = {"draft": "Draft", "in_progress": "In progress", "completed": "Completed", "refused": "Refused",
                "expired": "Expired", "cancelled": "Cancelled"}


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
    return redirect(url_for("mock_dashboard.page"), code=303)


def dashboard_view(services, organization_id: str | None) -> dict:
    """What the dashboard shows (of one organization, or all)."""
    clock = services.clock_view(organization_id)
    return {"organizations": services.organization_list(organization_id),
            "workflows": services.workflows_by_status(organization_id, PER_STATUS),
            "deliveries": services.deliveries(organization_id)["items"][:DELIVERIES],
            "requests": services.logged_requests(organization_id, limit=REQUESTS)["items"],
            "retention": services.retention_summary(organization_id),
            "now": clock["now"], "offset": clock["offset_seconds"]}


def _target_org(form) -> str | None:
    """An API key scopes the action to its organization; only the operator (no key) may pick one."""
    return views.caller_org() or form["organization_id"].strip() or None


@blp.route("/", methods=["GET"])
@blp.response(200, {"type": "string"}, description="The dashboard page.", content_type="text/html")
@views.errors()
def page():
    """Show organizations, workflows by status with signing links, webhook deliveries and recent requests."""
    view = dashboard_view(views.services(), views.caller_org())
    orgs = [{**o, "api_key": _redacted(o.get("api_key")), "webhook_secret": "set" if o.get("webhook_secret") else ""}
            for o in sorted(view["organizations"], key=lambda o: (not o.get("known"), o["name"]))]
    html = render_template("dashboard.html", orgs=orgs, workflows=view["workflows"], deliveries=view["deliveries"],
                           requests=view["requests"], now=view["now"], offset=view["offset"],
                           retention=view["retention"], presets=PRESETS, scoped=views.caller_org() is not None,
                           status_words={s: STATUS_WORDS.get(s, s) for s in view["workflows"]},
                           org_names={o["organization_id"]: o["name"] for o in orgs}, events=BY_NAME)
    return make_response(html, 200, {"Content-Type": "text/html; charset=utf-8"})


@blp.route("/dashboard/advance", methods=["POST"])
@blp.arguments(AdvanceForm, location="form")
@blp.response(303, description="Back to the dashboard.")
@views.errors()
def advance(form):
    """Advance the clock (global, or one organization's) and expire what became due."""
    views.services().advance_clock(_target_org(form), form["seconds"])
    return _back()


@blp.route("/dashboard/reset", methods=["POST"])
@blp.arguments(ResetForm, location="form")
@blp.response(303, description="Back to the dashboard.")
@views.errors()
def reset(form):
    """Reset everything, or one organization (always the API key's, when one is given)."""
    views.services().reset(_target_org(form))
    return _back()


@blp.route("/dashboard/redeliver", methods=["POST"])
@blp.arguments(RedeliverForm, location="form")
@blp.response(303, description="Back to the dashboard.")
@views.errors(404)
def redeliver(form):
    """Queue a webhook delivery's event again."""
    views.services().redeliver(views.caller_org(), str(form["delivery_id"]))
    return _back()
