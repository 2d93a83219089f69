"""What retention removes and when: plain rules on records and moments, no store, no threads."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ..domain.clock import iso, parse_iso
from ..domain.defaults import FINAL_STATUSES
from ..domain.organizations import LAST_CALL_FIELD, day_of

__all__ = ["LAST_CALL_FIELD", "final_at", "workflow_removal_at", "today", "organization_removal_at", "iso_or_none"]


def final_at(workflow: dict) -> datetime | None:
    """The moment (on its organization's clock) a workflow reached its final state; None while it is not final."""
    status = workflow.get("status")
    if status not in FINAL_STATUSES:
        return None
    return parse_iso(workflow.get(f"{status}_at") or workflow["updated_at"])


def workflow_removal_at(workflow: dict, days: float) -> datetime | None:
    """When (on its organization's clock) a final workflow falls out; None while it is not final."""
    done = final_at(workflow)
    return None if done is None else done + timedelta(days=days)


def today(real_now: datetime) -> str:
    return day_of(real_now)


def removable_organization(org: dict) -> bool:
    """Only organizations provisioned for an unknown key go; those of organizations.json stay."""
    return not org.get("known")


def organization_removal_at(org: dict, days: float) -> datetime | None:
    """When (real time) an idle provisioned organization falls out: DAYS after the end of the day of its last
    call (so at least DAYS, at most one day more); None for a known organization or one with no recorded call."""
    last = org.get(LAST_CALL_FIELD)
    if not removable_organization(org) or not last:
        return None
    start_of_day = datetime.fromisoformat(last).replace(tzinfo=timezone.utc)
    return start_of_day + timedelta(days=1 + days)


def iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)
