"""The signer's journey on the signing page: one ordered list of steps, each with when it applies and when it is done.

The domain (domain/journey.py), the page (signing/templates/journey.html, one section per step), its words
(signing/i18n.py, `step.<name>` in every language) and the JSON view (signing/view_model.py) all follow STEPS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

QUALIFIED_TYPES = frozenset({"qualified_signature", "qualified_seal"})
SEAL_TYPES = frozenset({"advanced_seal", "qualified_seal"})


def signature_type(signer: dict) -> str:
    return signer.get("signature_type") or "advanced_signature"


@dataclass(frozen=True)
class Step:
    name: str
    # applies(workflow, signer): whether this signer's journey has the step.
    applies: Callable[[dict, dict], bool]
    # done(journey, file_ids): whether the signer's progress (signer["journey"]) completes it; the last step,
    # the one-time code, is done by signing (done_steps looks at the signer's status for it).
    done: Callable[[dict, list], bool]


def _always(wf: dict, signer: dict) -> bool:
    return True


STEPS = (
    Step("terms", _always, lambda j, file_ids: bool(j.get("terms_accepted_at"))),
    Step("password", lambda wf, signer: bool(wf.get("password_hash")), lambda j, file_ids: bool(j.get("password_ok_at"))),
    Step("details", _always, lambda j, file_ids: bool(j.get("details_confirmed_at"))),
    Step("documents", _always, lambda j, file_ids: bool(j.get("documents_confirmed_at"))
         and set(file_ids) <= set(j.get("opened_files") or [])),
    Step("identity", lambda wf, signer: signature_type(signer) in QUALIFIED_TYPES,
         lambda j, file_ids: bool(j.get("identity_confirmed_at"))),
    Step("code", _always, lambda j, file_ids: False),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def steps_for(wf: dict, signer: dict) -> list[str]:
    """The steps of this signer's journey, in order."""
    return [step.name for step in STEPS if step.applies(wf, signer)]


def done_steps(wf: dict, signer: dict, file_ids: list[str]) -> set[str]:
    """The steps this signer has done (whether or not they apply); having signed completes the code step."""
    j = signer.get("journey") or {}
    done = {step.name for step in STEPS if step.done(j, file_ids)}
    if signer.get("status") == "signed":
        done.add("code")
    return done


def current_step(wf: dict, signer: dict, file_ids: list[str]) -> str:
    """The first step not done yet (the code step at the end)."""
    done = done_steps(wf, signer, file_ids)
    return next(s for s in steps_for(wf, signer) if s not in done or s == "code")
