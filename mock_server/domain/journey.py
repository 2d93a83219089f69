"""The signer's journey on the signing page, as SIGN8's help pages describe it.

Steps, in order (domain/steps.py, STEPS): accept the terms of use and the privacy notice; enter the workflow
password (when one is set); confirm the overview and one's own details; open every document once; a simulated
identity check (qualified signature or seal only); then a one-time code by SMS and "Sign now".
Rejecting is possible at every step (Lifecycle.refuse). Progress is kept on the signer record
(`journey`, and the code in `tan`), so it is in the store and survives a restart.

The JSON action POST /sign/<token>/sign is the mock's shortcut for automation: one call, with the
password when one is set, no journey and no code.
"""
from __future__ import annotations

from . import codes
from .clock import iso
from .effects import Effects
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .passwords import MAX_PASSWORD_LENGTH, check_password
from .steps import done_steps, steps_for

class WrongPassword(Forbidden):
    code = "wrong_password"


class StepNotReady(Conflict):
    code = "step_not_ready"


class Journey:
    """Apply the page's steps to a signer; each call is one store transaction."""

    def __init__(self, store, clock, lifecycle, effects: Effects):
        self.store = store
        self.clock = clock
        self.lifecycle = lifecycle
        self.effects = effects  # the one-time code's SMS

    # -- reading ------------------------------------------------------------------------
    def load(self, token: str) -> tuple[dict, dict, list[dict]]:
        signer = self.lifecycle.signer_by_token(token)
        wf = self.store.get("workflows", signer["workflow_id"])
        files = self.store.by("files", "workflow_id", wf["workflow_id"])
        return signer, wf, files

    def file_of(self, wf: dict, file_id: str) -> dict:
        f = self.store.get("files", file_id)
        if f is None or f["workflow_id"] != wf["workflow_id"]:
            raise NotFound("No such file in this workflow.", code_override="file_not_found")
        return f

    # -- the steps -------------------------------------------------------------------------
    def _step(self, token: str, step: str, change, ip=None, user_agent=None, audit: str | None = None,
              then=None) -> dict:
        """Check the link may act and that `step` is the one due (or already done); apply change(...).

        then(tx, workflow, signer), if given, runs in the same transaction after the signer is stored.
        """
        with self.store.transaction() as tx:
            signer, wf, files = self.load(token)
            self.lifecycle.check_can_act(signer, wf)
            steps = steps_for(wf, signer)
            if step not in steps:
                raise StepNotReady(f"This signing process has no '{step}' step.")
            done = done_steps(wf, signer, [f["file_id"] for f in files])
            missing = [s for s in steps[:steps.index(step)] if s not in done]
            if missing:
                raise StepNotReady(f"Finish the earlier steps first: {', '.join(missing)}.", missing=missing)
            now = iso(self.clock.now(wf["organization_id"]))
            journey = dict(signer.get("journey") or {})
            extra = change(journey, now, wf, files, signer) or {}
            signer = {**signer, "journey": journey, **extra}
            if audit:
                signer["audit"] = signer["audit"] + [{"action": audit, "at": now, "ip": ip, "user_agent": user_agent}]
            tx.put("signers", signer)
            if then is not None:
                then(tx, wf, signer)
        return {"signer": signer, "workflow": wf}

    def accept_terms(self, token: str, terms: bool, privacy: bool, ip=None, user_agent=None) -> dict:
        if not (terms and privacy):
            fields = {k: ["Must be accepted."] for k, ok in (("terms", terms), ("privacy", privacy)) if not ok}
            raise ValidationFailed("Accept the terms of use and the privacy notice to go on.", fields=fields)

        def change(j, now, wf, files, signer):
            j.setdefault("terms_accepted_at", now)
        return self._step(token, "terms", change, ip, user_agent, audit="terms_accepted")

    def enter_password(self, token: str, password, ip=None, user_agent=None) -> dict:
        """Check the workflow password on the page; a wrong one is recorded in the audit and answers 403."""
        self._check_password_input(password)
        failed = []

        def change(j, now, wf, files, signer):
            if check_password(password, wf.get("password_hash")):
                j["password_ok_at"] = now
                return None
            failed.append(now)
            return {"audit": signer["audit"] + [{"action": "wrong_password", "at": now, "ip": ip,
                                                 "user_agent": user_agent}]}
        result = self._step(token, "password", change, ip, user_agent)
        if failed:  # the attempt is stored in the audit; then the 403
            raise WrongPassword("The workflow password is wrong.")
        return result

    def confirm_details(self, token: str, ip=None, user_agent=None) -> dict:
        def change(j, now, wf, files, signer):
            j.setdefault("details_confirmed_at", now)
        return self._step(token, "details", change, ip, user_agent, audit="details_confirmed")

    def open_document(self, token: str, file_id: str) -> dict:
        """Record that the signer opened a document (every one must be opened once before signing)."""
        signer, wf, files = self.load(token)
        f = self.file_of(wf, file_id)
        if wf["status"] != "in_progress" or signer["status"] != "pending":
            return {"signer": signer, "workflow": wf, "file": f}
        if file_id in ((signer.get("journey") or {}).get("opened_files") or []):
            return {"signer": signer, "workflow": wf, "file": f}

        def change(j, now, wf_, files_, signer):
            j["opened_files"] = list(j.get("opened_files") or []) + [file_id]
        try:
            result = self._step(token, "documents", change)
        except Conflict:  # not at the documents step yet, or not this signer's turn: viewing is still fine
            return {"signer": signer, "workflow": wf, "file": f}
        return {**result, "file": f}

    def finish_documents(self, token: str, ip=None, user_agent=None) -> dict:
        def change(j, now, wf, files, signer):
            unopened = [f["file_name"] for f in files if f["file_id"] not in (j.get("opened_files") or [])]
            if unopened:
                raise StepNotReady("Open every document once before going on: " + ", ".join(unopened) + ".",
                                   unopened=unopened)
            j.setdefault("documents_confirmed_at", now)
        return self._step(token, "documents", change, ip, user_agent, audit="documents_reviewed")

    def confirm_identity(self, token: str, ip=None, user_agent=None) -> dict:
        def change(j, now, wf, files, signer):
            j.setdefault("identity_confirmed_at", now)
        return self._step(token, "identity", change, ip, user_agent, audit="identity_confirmed_simulated")

    def send_code(self, token: str, ip=None, user_agent=None) -> dict:
        """Send a new six-digit code by SMS (a captured `tan` message); it replaces and unlocks the old one."""
        sent = {}

        def change(j, now, wf, files, signer):
            if not signer.get("phone"):
                raise Conflict("This signer has no mobile phone number for the one-time code.",
                               code_override="no_phone")
            code, state = codes.issue(self.clock.now(wf["organization_id"]))
            sent.update(code=code, state=state)
            return {"tan": state}

        def send(tx, wf, signer):
            self.effects.message(tx, "tan", wf, signer, code=sent["code"], expires_at=sent["state"]["expires_at"])

        result = self._step(token, "code", change, ip, user_agent, audit="code_sent", then=send)
        return {**result, "code_state": codes.public(sent["state"])}

    # -- signing -------------------------------------------------------------------------------
    def _check_password_input(self, password) -> None:
        if password is not None and (not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH):
            raise ValidationFailed(f"password must be a string of at most {MAX_PASSWORD_LENGTH} characters.",
                                   fields={"password": ["Invalid password."]})

    def sign(self, token: str, password=None, code=None, on_page: bool = False, ip=None, user_agent=None) -> dict:
        """Sign, in one transaction, if the signer may sign now; wrong passwords and codes are recorded, then raised.

        JSON (on_page=False): the link may act, and the workflow password is given when one is set;
        a code is checked only when one is given. On the page: every step is done and the code is right.
        """
        self._check_password_input(password)
        error = None
        audit = None
        changed = False
        result = None
        with self.store.transaction() as tx:
            signer, wf, files = self.load(token)
            self.lifecycle.check_can_act(signer, wf)
            if code is not None or on_page:
                code = codes.check_format(code)
            now_dt = self.clock.now(wf["organization_id"])
            if on_page:
                done = done_steps(wf, signer, [f["file_id"] for f in files])
                missing = [s for s in steps_for(wf, signer) if s != "code" and s not in done]
                if missing:
                    raise StepNotReady(f"Finish the earlier steps first: {', '.join(missing)}.", missing=missing)
            elif wf.get("password_hash") and not check_password(password, wf["password_hash"]):
                error = WrongPassword("This workflow is protected by a password: send the right "
                                      "{\"password\": ...} to sign." if password is None
                                      else "The workflow password is wrong.")
                audit = "wrong_password"
            if error is None and code is not None:
                before = signer.get("tan")
                ok, state, error = codes.verify(before, code, now_dt)
                if state is not before:
                    signer = {**signer, "tan": state}
                    changed = True
                if state is not before and not ok:
                    audit = "wrong_code"
            if audit:
                signer = {**signer, "audit": signer["audit"] + [
                    {"action": audit, "at": iso(now_dt), "ip": ip, "user_agent": user_agent}]}
                changed = True
            if changed:
                tx.put("signers", signer)
            if error is None:
                result = self.lifecycle.sign_in(tx, wf, signer, ip, user_agent)
        if error is not None:
            raise error
        return result

