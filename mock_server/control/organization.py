"""The caller's own organization through the control API: its settings and its webhook secret."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..api.errors import error_responses
from ..domain.errors import Unauthorized
from . import schemas as cs
from . import views

blp = Blueprint("mock_organization", __name__, url_prefix="/_mock",
                description="The API key's own organization: its name, webhook URL and webhook secret.")
blp.before_request(views.control_auth)


def errors(*codes):
    """Declare the error answers of an operation in the OpenAPI document."""
    return blp.doc(responses=error_responses(sorted({400, 401, 415, 422} | set(codes))))


def own_org() -> str:
    """The API key's organization; these calls have no meaning for the operator without a key."""
    org = views.caller_org()
    if org is None:
        raise Unauthorized("This call acts on the organization of an API key: send 'Authorization: Bearer <key>' "
                           "or 'X-API-Key: <key>'.", code_override="api_key_required")
    return org


@blp.route("/organization", methods=["GET"])
@blp.response(200, cs.OrganizationSchema)
@errors()
def organization_get():
    """Read the API key's organization: name, webhook settings, auth mode, clock and what it stores."""
    return views.services().organization_view(own_org())


@blp.route("/organization", methods=["PATCH"])
@blp.arguments(cs.OrganizationUpdateArgs())
@blp.response(200, cs.OrganizationSchema)
@errors()
def organization_update(args):
    """Change the organization's name (shown to signers) and webhook_url; a reset of the organization undoes it."""
    return views.services().update_organization(own_org(), args)


@blp.route("/organization/webhook-secret", methods=["POST"])
@blp.response(201, cs.WebhookSecretSchema)
@errors()
def webhook_secret_new():
    """Make a new webhook secret, shown only in this answer; for 24 h deliveries carry the old one's signature too."""
    return views.services().new_webhook_secret(own_org())


@blp.route("/organization/webhook-secret", methods=["DELETE"])
@blp.response(204)
@errors()
def webhook_secret_remove():
    """Forget the webhook secret: deliveries are then unsigned."""
    views.services().remove_webhook_secret(own_org())
    return None
