"""One-time codes (TAN) sent by SMS before an advanced or qualified signature or seal.

Plain rules over a small state dict kept on the signer record (so it is in the store and survives a
restart): six digits, valid for five minutes by the organization's mock clock, a new code can be sent at
any time and replaces the old one, five wrong tries lock the code until a new one is sent.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from .clock import iso, parse_iso
from .errors import Conflict, Forbidden, ValidationFailed

CODE_LENGTH = 6
VALID_FOR = timedelta(minutes=5)
MAX_TRIES = 5
_DIGITS = re.compile(r"[0-9]{%d}" % CODE_LENGTH)


class CodeLocked(Conflict):
    code = "code_locked"


class CodeExpired(Conflict):
    code = "code_expired"


class CodeNotSent(Conflict):
    code = "code_not_sent"


class WrongCode(Forbidden):
    code = "wrong_code"


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_LENGTH):0{CODE_LENGTH}d}"


def issue(now: datetime, code: str | None = None) -> tuple[str, dict]:
    """Return a fresh code and the state to store for it (a new code also lifts a lock)."""
    code = code or new_code()
    salt = secrets.token_hex(8)
    return code, {"salt": salt, "hash": _digest(salt, code), "sent_at": iso(now),
                  "expires_at": iso(now + VALID_FOR), "failed_tries": 0, "locked": False, "used": False}


def check_format(code) -> str:
    """Return the code as a string of six digits, or raise a 422."""
    if isinstance(code, int) and not isinstance(code, bool):
        code = f"{code:0{CODE_LENGTH}d}"
    if not isinstance(code, str) or not _DIGITS.fullmatch(code.strip()):
        raise ValidationFailed(f"The code has {CODE_LENGTH} digits.",
                               fields={"code": [f"Must be exactly {CODE_LENGTH} digits."]})
    return code.strip()


def verify(state: dict | None, code, now: datetime) -> tuple[bool, dict | None, Exception | None]:
    """Check code against state at `now`.

    Returns (ok, new_state, error): new_state is what to store (a wrong try counts, a fifth one locks);
    error is the DomainError to raise after storing it, None when the code is right.
    """
    code = check_format(code)
    if not state:
        return False, state, CodeNotSent("No code has been sent yet; send a code first.")
    if state.get("locked"):
        return False, state, CodeLocked(f"{MAX_TRIES} wrong codes: this code is locked. Send a new code.")
    if state.get("used"):
        return False, state, CodeNotSent("This code has already been used; send a new code.")
    if parse_iso(state["expires_at"]) <= now:
        return False, state, CodeExpired("The code has expired (codes are valid for 5 minutes). Send a new code.")
    if hmac.compare_digest(_digest(state["salt"], code), state["hash"]):
        return True, {**state, "used": True}, None
    tries = state.get("failed_tries", 0) + 1
    locked = tries >= MAX_TRIES
    new_state = {**state, "failed_tries": tries, "locked": locked}
    if locked:
        return False, new_state, CodeLocked(f"{MAX_TRIES} wrong codes: this code is locked. Send a new code.")
    left = MAX_TRIES - tries
    return False, new_state, WrongCode(f"Wrong code; {left} {'try' if left == 1 else 'tries'} left.",
                                       tries_left=left)


def public(state: dict | None) -> dict | None:
    """What the page may show of the state (never the hash)."""
    if not state:
        return None
    return {"sent_at": state["sent_at"], "expires_at": state["expires_at"],
            "failed_tries": state.get("failed_tries", 0), "locked": bool(state.get("locked"))}
