"""The /_mock control API: health, clock, reset, webhook delivery log, forced events."""
from __future__ import annotations

import hmac

from flask import current_app, g, request
from flask_smorest import Blueprint

from .. import __version__
from ..api.schemas import ErrorSchema, WorkflowSchema
from ..domain.clock import iso
from ..domain.errors import NotFound, Unauthorized
from . import schemas as cs

blp = Blueprint("mock", __name__, url_prefix="/_mock",
                description="Control API of the mock (reserved prefix /_mock). An API key, when given, scopes "
                            "clock and reset calls to its organization.")


def services():
    return current_app.extensions["sign8"]


def errors(*codes):
    def decorate(fn):
        for code in sorted({400, 401, 415, 422} | set(codes)):
            fn = blp.alt_response(code, schema=ErrorSchema, description="Error.")(fn)
        return blp.alt_response("default", schema=ErrorSchema, description="Any other error, same shape.")(fn)
    return decorate


def caller_org() -> str | None:
    """The organization of the API key on a control call, if one was given."""
    return g.get("mock_org")


@blp.before_request
def control_auth():
    """Demand the admin token when one is configured; resolve an optional API key."""
    settings = current_app.config["SIGN8_SETTINGS"]
    if settings.admin_token:
        given = request.headers.get("X-Admin-Token") or request.args.get("admin_token")
        if not given or not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
            raise Unauthorized("This control endpoint needs the admin token: 'X-Admin-Token: <token>'.",
                               code_override="admin_token_required")
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else None
    key = key or request.headers.get("X-API-Key", "").strip() or None
    g.mock_org = services().organizations.authenticate(key)["organization_id"] if key else None


@blp.route("/health", methods=["GET"])
@blp.response(200, cs.HealthSchema)
@errors()
def health():
    """Tell whether the mock is up (no API key needed)."""
    svc = services()
    return {"status": "ok", "version": __version__, "storage": "memory" if svc.store.in_memory else str(svc.store.path),
            "auth": svc.settings.auth, "workflows": svc.store.count("workflows")}


def _clock_view(expired=None):
    svc = services()
    org = caller_org()
    return {"now": iso(svc.clock.now(org)), "real_now": iso(svc.clock.real_now()),
            "offset_seconds": svc.clock.offset(org), "organization_id": org,
            "expired": [w["workflow_id"] for w in (expired or [])]}


@blp.route("/clock", methods=["GET"])
@blp.response(200, cs.ClockSchema)
@errors()
def clock_get():
    """Read the mock clock (of the API key's organization, else the global one)."""
    return _clock_view()


@blp.route("/clock/advance", methods=["POST"])
@blp.arguments(cs.ClockAdvanceArgs)
@blp.response(200, cs.ClockSchema)
@errors()
def clock_advance(args):
    """Move the clock forward; workflows that became due expire before this returns."""
    svc = services()
    svc.clock.advance(args["seconds"], caller_org())
    return _clock_view(svc.clock_changed(caller_org()))


@blp.route("/clock/set", methods=["POST"])
@blp.arguments(cs.ClockSetArgs)
@blp.response(200, cs.ClockSchema)
@errors()
def clock_set(args):
    """Set the clock to a moment; it keeps running from there."""
    svc = services()
    svc.clock.set(args["now"], caller_org())
    return _clock_view(svc.clock_changed(caller_org()))


@blp.route("/clock/reset", methods=["POST"])
@blp.response(200, cs.ClockSchema)
@errors()
def clock_reset():
    """Put the clock back to real time."""
    svc = services()
    svc.clock.reset(caller_org())
    return _clock_view(svc.clock_changed(caller_org()))


@blp.route("/reset", methods=["POST"])
@blp.response(200, cs.ResetSchema)
@errors()
def reset():
    """Forget every record: of the API key's (or ?organization_id=) organization only, else of all."""
    org = caller_org() or request.args.get("organization_id") or None
    removed = services().reset(org)
    for hook in current_app.extensions.get("sign8_reset_hooks", []):
        hook(org)
    return {"reset": org or "all", "removed": removed}


@blp.route("/webhooks", methods=["GET"])
@blp.arguments(cs.DeliveryListArgs, location="query")
@blp.response(200, cs.DeliveryListSchema)
@errors()
def webhooks(args):
    """List webhook deliveries with each attempt, newest first; filter by workflow, event, status."""
    rows = services().store.all("deliveries")
    org = caller_org()
    wanted = {k: str(v) for k, v in args.items()}
    rows = [d for d in rows if (org is None or d["organization_id"] == org)
            and all(d.get(k) == v for k, v in wanted.items())]
    rows.sort(key=lambda d: d["seq"], reverse=True)
    return {"total": len(rows), "items": rows}


def _delivery(delivery_id: str) -> dict:
    d = services().store.get("deliveries", delivery_id)
    org = caller_org()
    if d is None or (org and d["organization_id"] != org):
        raise NotFound(f"Delivery '{delivery_id}' does not exist.", code_override="delivery_not_found")
    return d


@blp.route("/webhooks/<delivery_id>/redeliver", methods=["POST"])
@blp.response(202, cs.DeliverySchema)
@errors(404)
def redeliver(delivery_id):
    """Send a delivery's event again (same event_id) as a new delivery."""
    svc = services()
    d = _delivery(delivery_id)
    with svc.store.transaction() as tx:
        fresh = svc.outbox.redeliver(tx, d)
    return fresh


def _workflow_for_control(workflow_id: str) -> dict:
    wf = services().store.get("workflows", workflow_id)
    org = caller_org()
    if wf is None or (org and wf["organization_id"] != org):
        raise NotFound(f"Workflow '{workflow_id}' does not exist.", code_override="workflow_not_found")
    return wf


@blp.route("/workflows/<workflow_id>/expire", methods=["POST"])
@blp.response(200, WorkflowSchema)
@errors(404, 409)
def force_expire(workflow_id):
    """Expire a workflow now, whatever its expires_at (fires workflowExpired)."""
    _workflow_for_control(workflow_id)
    wf = services().lifecycle.force_expire(workflow_id)
    services().scheduler.rebuild()
    return wf


@blp.route("/workflows/<workflow_id>/refuse", methods=["POST"])
@blp.arguments(cs.ForceRefuseArgs)
@blp.response(200, WorkflowSchema)
@errors(404, 409)
def force_refuse(args, workflow_id):
    """Refuse an in_progress workflow on a signer's behalf (fires workflowRefused)."""
    _workflow_for_control(workflow_id)
    signer_id = str(args["signer_id"]) if args.get("signer_id") else None
    return services().lifecycle.force_refuse(workflow_id, signer_id, args.get("reason"))["workflow"]
