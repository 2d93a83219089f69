"""The /_mock control API: health, clock, reset, webhook delivery log, forced events."""
from __future__ import annotations

import hmac

from flask import current_app, g, request
from flask_smorest import Blueprint

from .. import __version__
from ..api.credentials import api_key_of
from ..api.errors import error_responses
from ..api.schemas import WorkflowSchema
from ..domain.clock import iso
from ..domain.errors import NotFound, Unauthorized, ValidationFailed
from ..snapshot import SnapshotError, export_state, import_state
from . import schemas as cs
from .faults import rules_of
from .journal import journal_of

blp = Blueprint("mock", __name__, url_prefix="/_mock",
                description="Control API of the mock (reserved prefix /_mock). An API key, when given, scopes "
                            "clock and reset calls to its organization.")


def services():
    return current_app.extensions["sign8"]


def errors(*codes):
    """Declare the error answers of a control operation in the OpenAPI document."""
    documented = sorted({400, 401, 415, 422} | set(codes))
    return blp.doc(responses=error_responses(documented))


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
    key = api_key_of(request)
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
@blp.arguments(cs.ClockAdvanceArgs())
@blp.response(200, cs.ClockSchema)
@errors()
def clock_advance(args):
    """Move the clock forward; workflows that became due expire before this returns."""
    svc = services()
    svc.clock.advance(args["seconds"], caller_org())
    return _clock_view(svc.clock_changed(caller_org()))


@blp.route("/clock/set", methods=["POST"])
@blp.arguments(cs.ClockSetArgs())
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
@blp.arguments(cs.DeliveryListArgs(), location="query")
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
@blp.arguments(cs.ForceRefuseArgs())
@blp.response(200, WorkflowSchema)
@errors(404, 409)
def force_refuse(args, workflow_id):
    """Refuse an in_progress workflow on a signer's behalf (fires workflowRefused)."""
    _workflow_for_control(workflow_id)
    signer_id = str(args["signer_id"]) if args.get("signer_id") else None
    return services().lifecycle.force_refuse(workflow_id, signer_id, args.get("reason"))["workflow"]


# -- request journal -----------------------------------------------------------------------------------
@blp.route("/requests", methods=["GET"])
@blp.arguments(cs.RequestListArgs(), location="query")
@blp.response(200, cs.RequestListSchema)
@errors()
def requests_list(args):
    """List journaled requests, newest first; ?violations=true lists only rejected /api calls with the reason."""
    org = caller_org() or args.get("organization_id")
    items = journal_of(current_app).query(path=args.get("path"), method=args.get("method"), status=args.get("status"),
                                          since=args.get("since"), organization_id=org,
                                          violations=args["violations"], limit=args["limit"])
    return {"total": len(items), "items": items}


@blp.route("/requests", methods=["DELETE"])
@blp.response(200, cs.ClearedSchema)
@errors()
def requests_clear():
    """Empty the request journal (only the API key's organization's entries, when a key is given)."""
    return {"cleared": journal_of(current_app).clear(caller_org())}


# -- fault injection --------------------------------------------------------------------------------------
@blp.route("/faults", methods=["GET"])
@blp.response(200, cs.FaultListSchema)
@errors()
def faults_list():
    """List the active fault rules with their hit counts."""
    return {"items": rules_of(current_app).all()}


@blp.route("/faults", methods=["POST"])
@blp.arguments(cs.FaultRuleArgs())
@blp.response(201, cs.FaultRuleSchema)
@errors()
def faults_add(args):
    """Add a rule: for method+path (exact or glob), answer a status, wait delay_ms, or drop the connection."""
    if not args.get("status") and not args.get("delay_ms") and not args.get("drop"):
        raise ValidationFailed("A fault rule needs at least one of status, delay_ms or drop.",
                               fields={"status": ["Give status, delay_ms or drop."]})
    return rules_of(current_app).add(args)


@blp.route("/faults", methods=["DELETE"])
@blp.arguments(cs.FaultIdArgs(), location="query")
@blp.response(200, cs.ClearedSchema)
@errors(404)
def faults_clear(args):
    """Remove every fault rule, or the one given by ?rule_id=."""
    rules = rules_of(current_app)
    if args.get("rule_id"):
        if not rules.remove(str(args["rule_id"])):
            raise NotFound(f"Fault rule '{args['rule_id']}' does not exist.", code_override="fault_not_found")
        return {"cleared": 1}
    return {"cleared": rules.clear()}


@blp.route("/webhooks/faults", methods=["GET"])
@blp.response(200, cs.WebhookFaultSchema)
@errors()
def webhook_faults_get():
    """Read the pending webhook faults (duplicate, delay, reorder of the next events)."""
    return services().dispatcher.faults.as_dict()


@blp.route("/webhooks/faults", methods=["POST"])
@blp.arguments(cs.WebhookFaultArgs())
@blp.response(200, cs.WebhookFaultSchema)
@errors()
def webhook_faults_set(args):
    """Arm webhook faults for the receiving side: send the next event twice, delay it, or swap two events."""
    faults = services().dispatcher.faults
    with faults.lock:
        if "duplicate_next" in args:
            faults.duplicate_next = args["duplicate_next"]
        if "delay_ms" in args:
            faults.delay_next_ms = args["delay_ms"]
            faults.delay_count = args.get("delay_count", 1 if args["delay_ms"] else 0)
        elif "delay_count" in args:
            faults.delay_count = args["delay_count"]
        if "reorder_next" in args:
            faults.reorder_next = args["reorder_next"]
        return faults.as_dict()


@blp.route("/webhooks/faults", methods=["DELETE"])
@blp.response(200, cs.WebhookFaultSchema)
@errors()
def webhook_faults_clear():
    """Disarm every webhook fault."""
    faults = services().dispatcher.faults
    with faults.lock:
        faults.clear()
        return faults.as_dict()


# -- snapshot -------------------------------------------------------------------------------------------------
@blp.route("/snapshot", methods=["GET"])
@blp.response(200, cs.SnapshotSchema)
@errors()
def snapshot_export():
    """Export the whole state as JSON, file contents included (base64)."""
    return export_state(services())


@blp.route("/snapshot", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Snapshot"}}}})
@blp.response(200, cs.SnapshotImportSchema)
@errors()
def snapshot_import(*_args):
    """Replace the whole state with a snapshot from GET /_mock/snapshot; an invalid one answers 422."""
    body = request.get_json(silent=False)
    try:
        counts = import_state(services(), body)
    except SnapshotError as exc:
        raise ValidationFailed(str(exc), code_override="invalid_snapshot") from exc
    return {"imported": counts}
