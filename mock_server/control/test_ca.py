"""GET /_mock/ca.pem: the certificate of the instance's test CA, the trust root of the signed PDFs.

A user's validation code trusts it on purpose (README, "Signed documents and the audit report"); no system
trusts it. Guarded like the rest of /_mock (the admin token, when one is set).
"""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from ..api.errors import error_responses
from . import views

blp = Blueprint("mock_documents", __name__, url_prefix="/_mock",
                description="The test CA behind the signed PDFs of completed workflows.")
blp.before_request(views.control_auth)

CA_PEM_DESCRIPTION = ("The X.509 certificate (PEM) of this instance's test CA, \"sign8-mock Test CA (not trusted)\". "
                      "It issued the certificate of every signature in the signed PDFs; trust it as the only root "
                      "to validate them. Made the first time it is needed and kept beside the database (<db>.ca/), the "
                      "same across restarts, and part of the operator's snapshot.")
PEM_EXAMPLE = "-----BEGIN CERTIFICATE-----\nMIIBsDCCAVagAwIBAgIQ...\n-----END CERTIFICATE-----\n"


@blp.route("/ca.pem", methods=["GET"])
@blp.doc(operationId="MockGetTestCA", summary="Download the test CA's certificate (PEM)",
         responses={"200": {"description": CA_PEM_DESCRIPTION, "content": {"application/x-pem-file": {
             "schema": {"type": "string", "format": "binary"}, "example": PEM_EXAMPLE}}},
             **error_responses([400, 401, 415, 422])})
def ca_pem():
    """Download the certificate of the test CA that signs the mock's signed PDFs (trust it on purpose)."""
    return Response(views.services().test_ca_pem(), mimetype="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="sign8-mock-test-ca.pem"'})
