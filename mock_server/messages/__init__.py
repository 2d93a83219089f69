"""Captured messages: every e-mail and SMS SIGN8 would send to a signer, recorded per organization.

Messages(store, clock, settings).record(tx, kind, workflow, signer, **context) builds one record in the
signer's language and stores it in the caller's transaction; an optional SMTP relay sends e-mails after commit.
"""
from .eml import NotAnEmail, to_eml, to_email_message
from .service import CHANNELS, KINDS, Messages

__all__ = ["Messages", "KINDS", "CHANNELS", "to_eml", "to_email_message", "NotAnEmail"]
