"""The workflow state machine after start: signing, refusal, completion, expiry.

Every transition is a compare-and-set under the store's lock, so a race between a
refusal, the last signature and the expiry timer ends in one final state and one event.
"""
from __future__ import annotations

import hmac

from .clock import iso, parse_iso
from .defaults import FINAL_STATUSES
from .effects import Effects
from .errors import AlreadyActed, Gone, InvalidState, NotFound, NotYourTurn
from .events import WORKFLOW_EXPIRED, WORKFLOW_REFUSED
from .records import event, token_hash
from .workflows import due_signers


class Lifecycle:
    """Apply signer actions and timed transitions; their webhooks, documents and e-mails leave through effects."""

    def __init__(self, store, clock, effects: Effects):
        self.store = store
        self.clock = clock
        self.effects = effects

    # -- signing links ------------------------------------------------------------
    def signer_by_token(self, token: str) -> dict:
        """Find the signer of a link; the token is compared in constant time."""
        for signer in self.store.by("signers", "token_hash", token_hash(token)):
            if hmac.compare_digest(signer["token"].encode(), token.encode()):
                return signer
        raise NotFound("This signing link does not exist.", code_override="link_not_found")

    def turn_of(self, signer: dict, wf: dict) -> bool:
        if wf["signing_order"] != "sequential":
            return True
        siblings = self.store.by("signers", "workflow_id", wf["workflow_id"])
        return all(s["status"] == "signed" for s in siblings if s["order"] < signer["order"])

    def check_can_act(self, signer: dict, wf: dict) -> None:
        if wf["status"] in FINAL_STATUSES:
            raise Gone(f"This workflow is {wf['status']}; the link no longer works.", workflow_status=wf["status"])
        if wf["status"] != "in_progress":
            raise InvalidState("This workflow has not been started yet.", code_override="not_started")
        if signer["status"] != "pending":
            raise AlreadyActed(f"You have already {signer['status']} this workflow.")
        if not self.turn_of(signer, wf):
            raise NotYourTurn("Other signers must sign before you; please wait for your turn.")

    def sign_in(self, tx, wf: dict, signer: dict, ip: str | None = None, user_agent: str | None = None) -> dict:
        """Record the signer's signature (the last one completes the workflow) in the caller's transaction,
        which has checked that the signer may act (domain/journey.py Journey.sign)."""
        org = wf["organization_id"]
        now = iso(self.clock.now(org))
        signer = {**signer, "status": "signed", "signed_at": now,
                  "audit": signer["audit"] + [{"action": "signed", "at": now, "ip": ip, "user_agent": user_agent}]}
        tx.put("signers", signer)
        events = [event("signer_signed", now, f"signer:{signer['signer_id']}")]
        siblings = self.store.by("signers", "workflow_id", wf["workflow_id"])
        status = wf["status"]
        if all(s["status"] == "signed" for s in siblings):
            status = "completed"
            events.append(event("completed", now, "system"))
        wf = {**wf, "status": status, "updated_at": now, "events": wf["events"] + events}
        if status == "completed":
            wf["completed_at"] = now
        tx.put("workflows", wf)
        if status == "completed":
            self.effects.documents_due(tx, wf)
        self._notify_after_signature(tx, wf, signer)
        return {"workflow": wf, "signer": signer}

    def _notify_after_signature(self, tx, wf: dict, signed: dict) -> None:
        """Completed: tell every signer. Sequential: invite those whose turn came with this signature."""
        siblings = self.store.by("signers", "workflow_id", wf["workflow_id"])
        if wf["status"] == "completed":
            for s in sorted(siblings, key=lambda s: (s["order"], s["created_at"])):
                # The signed files and the audit report are attached when they are produced (after commit).
                self.effects.message(tx, "completed", wf, s, attachments_pending=True)
        elif wf["signing_order"] == "sequential":
            for s in due_signers(siblings, "sequential"):
                if s["order"] > signed["order"]:  # their turn just came (lower orders were invited before)
                    self.effects.message(tx, "invitation", wf, s)

    def refuse(self, token: str, reason: str | None = None, ip: str | None = None,
               user_agent: str | None = None) -> dict:
        """Refuse as the link's signer (its turn and state checked)."""
        with self.store.transaction() as tx:
            signer = self.signer_by_token(token)
            wf = self.store.get("workflows", signer["workflow_id"])
            self.check_can_act(signer, wf)
            return self._refuse(tx, wf, signer, reason, f"signer:{signer['signer_id']}", ip, user_agent)

    def force_refuse(self, workflow_id: str, signer_id: str | None, reason: str | None) -> dict:
        """Refuse on a signer's behalf (control API): any pending signer, turn order aside."""
        wf = self.store.get("workflows", workflow_id)
        if wf is None:
            raise NotFound(f"Workflow '{workflow_id}' does not exist.", code_override="workflow_not_found")
        signers = self.store.by("signers", "workflow_id", workflow_id)
        if signer_id:
            signer = next((s for s in signers if s["signer_id"] == signer_id), None)
        else:
            signer = next((s for s in signers if s["status"] == "pending"), None)
        if signer is None:
            raise NotFound("No such (pending) signer in this workflow.", code_override="signer_not_found")
        with self.store.transaction() as tx:
            signer = self.store.get("signers", signer["signer_id"])
            wf = self.store.get("workflows", signer["workflow_id"])
            if wf["status"] != "in_progress":
                raise InvalidState(f"Workflow is '{wf['status']}'; only an 'in_progress' workflow can be refused.")
            if signer["status"] != "pending":
                raise AlreadyActed(f"Signer has already {signer['status']}.")
            return self._refuse(tx, wf, signer, reason, "mock")

    def _refuse(self, tx, wf: dict, signer: dict, reason, actor: str, ip=None, user_agent=None) -> dict:
        """Record the refusal and make the workflow final, in the caller's transaction."""
        org = wf["organization_id"]
        now = iso(self.clock.now(org))
        signer = {**signer, "status": "refused", "refused_at": now, "refusal_reason": reason,
                  "audit": signer["audit"] + [{"action": "refused", "at": now, "ip": ip,
                                               "user_agent": user_agent, "reason": reason}]}
        tx.put("signers", signer)
        wf = {**wf, "status": "refused", "refused_at": now, "updated_at": now,
              "events": wf["events"] + [event("signer_refused", now, actor, signer_id=signer["signer_id"]),
                                        event("refused", now, actor)]}
        tx.put("workflows", wf)
        self.effects.documents_due(tx, wf)
        self.effects.webhook(tx, WORKFLOW_REFUSED, wf, occurred_at=now, signer_id=signer["signer_id"],
                             signer_email=signer["email"], reason=reason)
        return {"workflow": wf, "signer": signer}

    # -- expiry ------------------------------------------------------------------------------
    def expire(self, workflow_id: str, actor: str = "timer", force: bool = False) -> dict | None:
        """Expire the workflow if it is due (or forced) and not final; return it, or None if nothing changed."""
        with self.store.transaction() as tx:
            wf = self.store.get("workflows", workflow_id)
            if wf is None or wf["status"] in FINAL_STATUSES:
                return None
            org = wf["organization_id"]
            now_dt = self.clock.now(org)
            expires_at = parse_iso(wf["expires_at"])
            if not force and expires_at > now_dt:
                return None
            # It expired at its expires_at, however late the mock notices: after a clock jump, after a restart,
            # or a few milliseconds after the timer's due time. Only a forced expiry happens now.
            now = iso(now_dt if force else expires_at)
            wf = {**wf, "status": "expired", "expired_at": now, "updated_at": now,
                  "events": wf["events"] + [event("expired", now, actor)]}
            tx.put("workflows", wf)
            self.effects.documents_due(tx, wf)
            self.effects.webhook(tx, WORKFLOW_EXPIRED, wf, occurred_at=now)
        return wf

    def force_expire(self, workflow_id: str) -> dict:
        wf = self.store.get("workflows", workflow_id)
        if wf is None:
            raise NotFound(f"Workflow '{workflow_id}' does not exist.", code_override="workflow_not_found")
        result = self.expire(workflow_id, actor="mock", force=True)
        if result is None:
            raise InvalidState(f"Workflow is already '{wf['status']}', a final state.")
        return result

    def due_for_expiry(self, organization_id: str | None = None) -> list[dict]:
        """Return the non-final workflows whose expires_at has passed on their organization's clock, earliest first."""
        due = []
        now_of: dict = {}  # each organization's clock read once per scan (it runs over every workflow at start)
        for status in ("draft", "in_progress"):
            for wf in self.store.by("workflows", "status", status):
                org = wf["organization_id"]
                if organization_id and org != organization_id:
                    continue
                now = now_of.get(org)
                if now is None:
                    now = now_of[org] = self.clock.now(org)
                if parse_iso(wf["expires_at"]) <= now:
                    due.append(wf)
        # In the order they expired, so their events (and webhooks) go out in that order, as Stripe's test clocks
        # advance through time.
        due.sort(key=lambda wf: (parse_iso(wf["expires_at"]), wf["created_at"], wf["workflow_id"]))
        return due
