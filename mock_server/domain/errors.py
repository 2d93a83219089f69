"""Domain errors: each class carries the HTTP status and the API error code it maps to."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None, **extra):
        super().__init__(message)
        code_override = extra.pop("code_override", None)
        if code_override:
            self.code = code_override
        self.message = message
        self.fields = fields
        self.extra = extra


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidState(Conflict):
    code = "invalid_state"


class NotYourTurn(Conflict):
    code = "not_your_turn"


class AlreadyActed(Conflict):
    code = "already_acted"


class DuplicateSigner(Conflict):
    code = "duplicate_signer"


class Gone(DomainError):
    status = 410
    code = "link_closed"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotReady(DomainError):
    status = 422
    code = "workflow_incomplete"


class ServiceBusy(DomainError):
    status = 503
    code = "busy"
