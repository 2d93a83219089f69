"""The /_mock control API: health, clock, reset, webhook delivery log, forced events."""
from __future__ import annotations

import hmac

from flask import current_app, g, request
from flask_smorest import Blueprint

from ..api.credentials import api_key_of, check_authorization
from ..api.errors import error_responses
from ..api.schemas import WorkflowSchema
from ..domain.errors import ServiceBusy, Unauthorized, ValidationFailed
from ..snapshot import SnapshotError
from . import schemas as cs

blp = Blueprint("mock", __name__, url_prefix="/_mock",
                description="Control API of the mock (reserved prefix /_mock). With an API key every call acts on "
                            "that organization only; without one (the operator), on all.")


def services():
    return current_app.extensions["sign8"]


def errors(*codes):
    """Declare the error answers of a control operation in the OpenAPI document."""
    documented = sorted({400, 401, 415, 422} | set(codes))
    return blp.doc(responses=error_responses(documented))


def admin_token_of(req) -> str | None:
    """The admin token from X-Admin-Token, or a browser's HTTP Basic password; never from the query string
    (a token in a URL ends up in logs, histories and Referer headers)."""
    auth = req.authorization
    if auth is not None and auth.type == "basic":
        return auth.password
    return req.headers.get("X-Admin-Token")


def caller_org() -> str | None:
    """The organization of the API key on a control call, if one was given."""
    return g.get("mock_org")


@blp.before_request
def control_auth():
    """Demand the admin token when one is configured; resolve an optional API key."""
    settings = current_app.config["SIGN8_SETTINGS"]
    if settings.admin_token:
        given = admin_token_of(request)
        if not given or not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
            raise Unauthorized("This control endpoint needs the admin token: 'X-Admin-Token: <token>' (a browser: "
                               "HTTP Basic with the token as password).", code_override="admin_token_required",
                               headers={"WWW-Authenticate": 'Basic realm="sign8-mock control"'})
    check_authorization(request, basic_is_admin=True)
    key = api_key_of(request)
    g.mock_org = services().provision(key) if key else None


@blp.route("/health", methods=["GET"])
@blp.response(200, cs.HealthSchema)
@errors()
def health():
    """Tell whether the mock is up (no API key needed)."""
    return services().health()


@blp.route("/idle", methods=["GET"])
@blp.arguments(cs.IdleArgs(), location="query")
@blp.response(200, cs.IdleSchema)
@errors(503)
def idle(args):
    """Wait (up to ?timeout= seconds) until no webhook is being sent or due and no expiry is due; 503 if still busy.

    With an API key only that organization's work counts. Use it to prove that nothing else will arrive:
    wait until idle, then look.
    """
    if not services().idle(args["timeout"], caller_org()):
        raise ServiceBusy(f"Still busy after {args['timeout']} s: webhooks or expiries are due.")
    return {"idle": True}


@blp.route("/clock", methods=["GET"])
@blp.response(200, cs.ClockSchema)
@errors()
def clock_get():
    """Read the mock clock (of the API key's organization, else the global one)."""
    return services().clock_view(caller_org())


@blp.route("/clock/advance", methods=["POST"])
@blp.arguments(cs.ClockAdvanceArgs())
@blp.response(200, cs.ClockSchema)
@errors()
def clock_advance(args):
    """Move the clock forward; workflows that became due expire before this returns."""
    return services().advance_clock(caller_org(), args["seconds"])


@blp.route("/clock/set", methods=["POST"])
@blp.arguments(cs.ClockSetArgs())
@blp.response(200, cs.ClockSchema)
@errors()
def clock_set(args):
    """Set the clock to a moment; it keeps running from there."""
    return services().set_clock(caller_org(), args["now"])


@blp.route("/clock/reset", methods=["POST"])
@blp.response(200, cs.ClockSchema)
@errors()
def clock_reset():
    """Put the clock back to real time."""
    return services().reset_clock(caller_org())


@blp.route("/reset", methods=["POST"])
@blp.response(200, cs.ResetSchema)
@errors()
def reset():
    """Forget every record: of the API key's (or ?organization_id=) organization only, else of all."""
    org = caller_org() or request.args.get("organization_id") or None
    return {"reset": org or "all", "removed": services().reset(org)}


@blp.route("/webhooks", methods=["GET"])
@blp.arguments(cs.DeliveryListArgs(), location="query")
@blp.response(200, cs.DeliveryListSchema)
@errors()
def webhooks(args):
    """List webhook deliveries with each attempt, newest first; filter by workflow, event, status."""
    return services().deliveries(caller_org(), **args)


@blp.route("/webhooks/<delivery_id>/redeliver", methods=["POST"])
@blp.response(202, cs.DeliverySchema)
@errors(404)
def redeliver(delivery_id):
    """Send a delivery's event again (same event_id) as a new delivery."""
    return services().redeliver(caller_org(), delivery_id)


@blp.route("/workflows/<workflow_id>/expire", methods=["POST"])
@blp.response(200, WorkflowSchema)
@errors(404, 409)
def force_expire(workflow_id):
    """Expire a workflow now, whatever its expires_at (fires workflowExpired)."""
    return services().force_expire(caller_org(), workflow_id)


@blp.route("/workflows/<workflow_id>/refuse", methods=["POST"])
@blp.arguments(cs.ForceRefuseArgs())
@blp.response(200, WorkflowSchema)
@errors(404, 409)
def force_refuse(args, workflow_id):
    """Refuse an in_progress workflow on a signer's behalf (fires workflowRefused)."""
    signer_id = str(args["signer_id"]) if args.get("signer_id") else None
    return services().force_refuse(caller_org(), workflow_id, signer_id, args.get("reason"))


@blp.route("/retention/run", methods=["POST"])
@blp.response(200, cs.RetentionRunSchema)
@errors(409)
def retention_run():
    """Run retention now: with an API key, that organization's workflows past retention; without one, everything.

    Removes final workflows older than --retention DAYS (on their organization's clock) with their files, blobs,
    produced documents, messages, deliveries and request-journal entries; without an API key also provisioned
    organizations idle for DAYS. Needs the admin token when one is set, like every control call. 409
    `retention_off` when the mock runs without --retention.
    """
    return services().run_retention(caller_org())


# -- request log ---------------------------------------------------------------------------------------
@blp.route("/requests", methods=["GET"])
@blp.arguments(cs.RequestListArgs(), location="query")
@blp.response(200, cs.RequestListSchema)
@errors()
def requests_list(args):
    """List journaled requests, newest first; ?violations=true lists only rejected /api calls with the reason."""
    org = caller_org() or args.get("organization_id")
    return services().logged_requests(org, path=args.get("path"), method=args.get("method"),
                                         status=args.get("status"), since=args.get("since"),
                                         violations=args["violations"], limit=args["limit"])


@blp.route("/requests", methods=["DELETE"])
@blp.response(200, cs.ClearedSchema)
@errors()
def requests_clear():
    """Empty the request journal (only the API key's organization's entries, when a key is given)."""
    return {"cleared": services().clear_requests(caller_org())}


# -- fault injection --------------------------------------------------------------------------------------
@blp.route("/faults", methods=["GET"])
@blp.response(200, cs.FaultListSchema)
@errors()
def faults_list():
    """List the active fault rules with their hit counts (the API key's organization's only, when given)."""
    return services().fault_list(caller_org())


@blp.route("/faults", methods=["POST"])
@blp.arguments(cs.FaultRuleArgs())
@blp.response(201, cs.FaultRuleSchema)
@errors()
def faults_add(args):
    """Add a rule: for method+path (exact or glob), answer a status, wait delay_ms, or drop the connection."""
    return services().add_fault(caller_org(), args)


@blp.route("/faults", methods=["DELETE"])
@blp.arguments(cs.FaultIdArgs(), location="query")
@blp.response(200, cs.ClearedSchema)
@errors(404)
def faults_clear(args):
    """Remove every fault rule, or the one given by ?rule_id=."""
    rule_id = str(args["rule_id"]) if args.get("rule_id") else None
    return {"cleared": services().remove_faults(caller_org(), rule_id)}


@blp.route("/webhooks/faults", methods=["GET"])
@blp.response(200, cs.WebhookFaultSchema)
@errors()
def webhook_faults_get():
    """Read the pending webhook faults (duplicate, delay, reorder of the next events)."""
    return services().webhook_faults(caller_org())


@blp.route("/webhooks/faults", methods=["POST"])
@blp.arguments(cs.WebhookFaultArgs())
@blp.response(200, cs.WebhookFaultSchema)
@errors()
def webhook_faults_set(args):
    """Arm webhook faults for the receiving side: send the next event twice, delay it, or swap two events."""
    return services().arm_webhook_faults(caller_org(), args)


@blp.route("/webhooks/faults", methods=["DELETE"])
@blp.response(200, cs.WebhookFaultSchema)
@errors()
def webhook_faults_clear():
    """Disarm every webhook fault."""
    return services().clear_webhook_faults(caller_org())


# -- snapshot -------------------------------------------------------------------------------------------------
@blp.route("/snapshot", methods=["GET"])
@blp.response(200, cs.SnapshotSchema)
@errors()
def snapshot_export():
    """Export the state (of the API key's organization, else all) as JSON, file contents included (base64)."""
    return services().export_snapshot(caller_org())


@blp.route("/snapshot", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Snapshot"}}}})
@blp.response(200, cs.SnapshotImportSchema)
@errors()
def snapshot_import(*_args):
    """Replace the whole state with a snapshot from GET /_mock/snapshot; an invalid one answers 422."""
    body = request.get_json(silent=False)
    try:
        counts = services().import_snapshot(caller_org(), body)
    except SnapshotError as exc:
        raise ValidationFailed(str(exc), code_override="invalid_snapshot") from exc
    return {"imported": counts}
