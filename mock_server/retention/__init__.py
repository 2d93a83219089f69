"""Retention for a long-running shared instance (--retention DAYS): remove old data in the background.

    retention = Retention(store, clock, days, forget)   # days None: off; forget(org_ids, workflow_ids) -> int
    retention = Retention(..., first_run_delay=5.0)      # seconds from start() to the first background run
    retention.start() / retention.stop()                # the background thread (Services.start / stop)
    retention.run(organization_id=None)                  # one run now (POST /_mock/retention/run)
    retention.plan(organization_id)                      # what will be removed and when (GET /_mock/organization)

What goes (rules in policy.py):
- a workflow whose final state is DAYS old on its organization's clock, with every record that belongs to it
  (files and the documents the mock produced, signers, fields, annotations, webhook deliveries, captured
  messages, its document job), the blobs no other file uses, and the request-journal entries that name it;
- a provisioned organization whose last call (API key, recorded per real day) was DAYS ago, with everything of it.
A workflow whose webhook is still being delivered waits for a later run; documents not made yet go with it.

Why in small transactions: each one holds the store's lock, which every request takes; each removes whole
workflows until BATCH_SECONDS have passed, then lets requests in. So no request waits for more than one batch.

Crash safety: a workflow goes in one transaction (all its records or none). An organization goes workflow by
workflow and its own record last, each batch checking that it is still idle, so a crash (or a call from it)
leaves it with fewer records and the next run, first_run_delay after a start, finishes it. Blobs are deleted
after the commit; a crash before that leaves blobs that nothing refers to, which every start deletes. A run that
removed something ends with a compaction, so the removed records leave the files on disk too.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from ..domain.clock import GLOBAL, iso
from ..domain.errors import InvalidState
from .policy import (LAST_CALL_FIELD, final_at, iso_or_none, organization_removal_at, today,
                     workflow_removal_at)

log = logging.getLogger("sign8_mock.retention")

BATCH_SECONDS = 0.002  # the store's lock is held about this long per transaction (plus the one workflow being removed)
PAUSE_SECONDS = 0.002  # between transactions: requests waiting for the lock get it first
RUN_EVERY = 3600.0
SHOWN = 10  # the next workflow removals GET /_mock/organization lists


@contextmanager
def collector_paused():
    """Let no garbage collection start (in any thread) while a batch holds the store's lock."""
    # A full collection walks every live record and holds the interpreter meanwhile: 150-230 ms at a day's window
    # of bench J, started by whichever thread allocates next (the document worker, mostly). Started while a batch
    # held the lock, it made every request waiting for the lock wait for it too: the lock was held 234 ms of wall
    # time for 5 ms of work. Paused for a batch's few milliseconds, it starts right after, outside the lock.
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class Retention:
    """Remove final workflows and idle provisioned organizations older than `days`, in small transactions."""

    def __init__(self, store, clock, days: float | None, forget, first_run_delay: float = 5.0):
        self.store = store
        # After a start: the first run finishes what a crash interrupted, without slowing the start-up.
        self.first_run_delay = first_run_delay
        self.clock = clock
        self.days = days
        # forget(organization_ids, workflow_ids): drop what the instance holds about them in memory only
        # (request journal, fault rules, clock offsets); returns the request-journal entries dropped.
        self.forget = forget
        self._run_lock = threading.Lock()  # one run at a time: the thread's or a control call's
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.next_run_at: float | None = None
        self.last_run: dict | None = None

    @property
    def enabled(self) -> bool:
        return self.days is not None

    # -- the background thread ---------------------------------------------------------------------
    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._stop.clear()
        self.next_run_at = time.time() + self.first_run_delay
        self._thread = threading.Thread(target=self._loop, name="sign8-retention", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop between two transactions; what is left is removed by the next run."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(max(0.0, self.next_run_at - time.time())):
            try:
                self.run()
            except Exception:  # the store closed under it, a bug: the next run tries again
                log.exception("retention run failed")
            self.next_run_at = time.time() + RUN_EVERY

    # -- one run ----------------------------------------------------------------------------------
    def run(self, organization_id: str | None = None) -> dict:
        """Remove what is past retention now (of one organization: its workflows only); return what went."""
        if not self.enabled:
            raise InvalidState("Retention is off: start the mock with --retention DAYS (SIGN8_MOCK_RETENTION).",
                               code_override="retention_off")
        with self._run_lock:
            return self._run(organization_id)

    def _run(self, organization_id: str | None) -> dict:
        started = time.perf_counter()
        report = {"organization_id": organization_id, "days": self.days, "started_at": iso(self.clock.real_now()),
                  "workflows_removed": 0, "organizations_removed": 0, "records_removed": {}, "blobs_removed": 0,
                  "requests_forgotten": 0, "kept_for_later": 0, "transactions": 0, "longest_lock_ms": 0.0,
                  "longest_lock_cpu_ms": 0.0, "compacted": False}
        self._digests: set[str] = set()
        self.store.read_deferred_tables()  # its first transaction would otherwise read them holding the lock
        removed_workflows: list[str] = []
        removed_orgs: list[str] = []
        self._remove_old_workflows(organization_id, report, removed_workflows)
        if organization_id is None:
            self._remove_idle_organizations(report, removed_orgs, removed_workflows)
        blobs, held, cpu = self.store.remove_blobs_unless_referenced(self._digests)
        report["blobs_removed"] = blobs
        self._held(report, held, cpu)
        if removed_workflows or removed_orgs:
            report["requests_forgotten"] = self.forget(set(removed_orgs), set(removed_workflows))
            report["compacted"] = self.store.compact_if_idle()
        report["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        self.last_run = report
        if removed_workflows or removed_orgs:
            log.info("retention: removed %d workflows and %d organizations in %d transactions (longest lock "
                     "%.1f ms)", report["workflows_removed"], report["organizations_removed"],
                     report["transactions"], report["longest_lock_ms"])
        return report

    def _held(self, report: dict, seconds: float, cpu: float) -> None:
        report["longest_lock_ms"] = max(report["longest_lock_ms"], round(seconds * 1000, 2))
        report["longest_lock_cpu_ms"] = max(report["longest_lock_cpu_ms"], round(cpu * 1000, 2))

    def _batches(self, items: list, remove_one, report: dict, still_wanted=None) -> bool:
        """Remove items in transactions of at most BATCH_SECONDS each; False if still_wanted() said stop."""
        i = 0
        while i < len(items):
            if self._stop.is_set():
                return False
            with collector_paused(), self.store.transaction() as tx:
                began = time.perf_counter()
                if still_wanted is not None and not still_wanted():
                    return False
                while i < len(items) and (time.perf_counter() - began < BATCH_SECONDS):
                    remove_one(tx, items[i])
                    i += 1
            report["transactions"] += 1
            self._held(report, tx.lock_held, tx.lock_cpu)
            time.sleep(PAUSE_SECONDS)
        return True

    # -- workflows ------------------------------------------------------------------------------------
    def _remove_old_workflows(self, organization_id: str | None, report: dict, removed: list[str]) -> None:
        if organization_id is None:
            candidates = [w for status in ("completed", "refused", "expired", "cancelled")
                          for w in self.store.by("workflows", "status", status)]
        else:
            candidates = [w for w in self.store.by("workflows", "organization_id", organization_id)
                          if final_at(w) is not None]
        now_of = self._clock_reader()
        due = [w["workflow_id"] for w in candidates
               if workflow_removal_at(w, self.days) <= now_of(w["organization_id"])]

        def remove_one(tx, workflow_id):
            wf = self.store.get("workflows", workflow_id)
            # Looked at again under the lock: a reset or an import may have replaced it since the scan.
            if wf is None or final_at(wf) is None or workflow_removal_at(wf, self.days) > now_of(wf["organization_id"]):
                return
            if self._busy(workflow_id):
                report["kept_for_later"] += 1
                return
            self._remove_workflow(tx, wf, report)
            removed.append(workflow_id)

        self._batches(due, remove_one, report)

    def _busy(self, workflow_id: str) -> bool:
        """A webhook still to deliver: removing the workflow now would lose an event its receiver has not had.
        (Documents still to make go with it: they would be past retention the moment they were made; the
        worker deletes the bytes of a job removed while it ran.)"""
        return any(d["status"] == "pending" for d in self.store.by("deliveries", "workflow_id", workflow_id))

    def _remove_workflow(self, tx, wf: dict, report: dict) -> None:
        wid = wf["workflow_id"]
        counts = report["records_removed"]
        for table in self.store.indexed_by("workflow_id"):
            key = self.store.key_field(table)
            for record in self.store.by(table, "workflow_id", wid):
                if record.get("sha256"):
                    self._digests.add(record["sha256"])
                tx.delete(table, record[key])
                counts[table] = counts.get(table, 0) + 1
        tx.delete("workflows", wid)
        counts["workflows"] = counts.get("workflows", 0) + 1
        report["workflows_removed"] += 1

    def _clock_reader(self):
        """Each organization's clock, read once per run (offsets are per organization)."""
        offsets = self.clock.offsets()
        real = self.clock.real_now()
        cache: dict = {}

        def now_of(org_id):
            now = cache.get(org_id)
            if now is None:
                now = cache[org_id] = real + timedelta(seconds=offsets.get(GLOBAL, 0.0) + offsets.get(org_id, 0.0))
            return now
        return now_of

    # -- organizations --------------------------------------------------------------------------------
    def _remove_idle_organizations(self, report: dict, removed_orgs: list[str], removed_workflows: list[str]) -> None:
        real_now = self.clock.real_now()
        unstamped = []
        for org in self.store.all("organizations"):
            if org.get("known"):
                continue
            if not org.get(LAST_CALL_FIELD):
                unstamped.append(org["organization_id"])
            elif organization_removal_at(org, self.days) <= real_now:
                self._remove_organization(org["organization_id"], real_now, report, removed_orgs, removed_workflows)
        # Organizations from before retention was on have no recorded call: their idle time counts from today.
        day = today(real_now)

        def stamp(tx, org_id):
            org = self.store.get("organizations", org_id)
            if org is not None and not org.get(LAST_CALL_FIELD):
                tx.put("organizations", {**org, LAST_CALL_FIELD: day})

        self._batches(unstamped, stamp, report)

    def _remove_organization(self, org_id: str, real_now, report: dict, removed_orgs: list[str],
                             removed_workflows: list[str]) -> None:
        def idle():
            org = self.store.get("organizations", org_id)
            return org is not None and organization_removal_at(org, self.days) is not None and \
                organization_removal_at(org, self.days) <= real_now

        def remove_one(tx, workflow_id):
            wf = self.store.get("workflows", workflow_id)
            if wf is not None and wf["organization_id"] == org_id:
                self._remove_workflow(tx, wf, report)
                removed_workflows.append(workflow_id)

        workflows = [w["workflow_id"] for w in self.store.by("workflows", "organization_id", org_id)]
        if not self._batches(workflows, remove_one, report, still_wanted=idle):
            return  # it called meanwhile (or the mock is stopping): it stays, with what is left
        with collector_paused(), self.store.transaction() as tx:
            if not idle():
                return
            # What is left: its interfaces and messages that name no workflow, workflows made since the scan.
            for table in self.store.indexed_by("organization_id"):
                key = self.store.key_field(table)
                for record in self.store.by(table, "organization_id", org_id):
                    if table == "workflows":
                        self._remove_workflow(tx, record, report)
                        removed_workflows.append(record["workflow_id"])
                        continue
                    if record.get("sha256"):
                        self._digests.add(record["sha256"])
                    tx.delete(table, record[key])
                    report["records_removed"][table] = report["records_removed"].get(table, 0) + 1
            if self.store.get("clocks", org_id) is not None:
                tx.delete("clocks", org_id)
            tx.delete("organizations", org_id)
        report["transactions"] += 1
        self._held(report, tx.lock_held, tx.lock_cpu)
        report["organizations_removed"] += 1
        removed_orgs.append(org_id)

    # -- what will be removed and when ------------------------------------------------------------------
    def summary(self) -> dict | None:
        """The policy, the next background run and what the last run removed; None when retention is off."""
        if not self.enabled:
            return None
        return {"days": self.days, "next_run_at": self._next_run_iso(), "last_run": self.last_run}

    def workflow_removal(self, workflow: dict) -> str | None:
        """When a workflow goes (its organization's clock); None while it is not final or retention is off."""
        return iso_or_none(workflow_removal_at(workflow, self.days)) if self.enabled else None

    def organization_removal(self, org: dict) -> str | None:
        """When an organization goes if it makes no call before (real time); None if never."""
        return iso_or_none(organization_removal_at(org, self.days)) if self.enabled else None

    def _next_run_iso(self) -> str | None:
        if self.next_run_at is None:
            return None
        return iso(datetime.fromtimestamp(self.next_run_at, tz=timezone.utc))

    def plan(self, organization_id: str) -> dict | None:
        """What retention will remove of this organization and when; None when retention is off."""
        if not self.enabled:
            return None
        org = self.store.get("organizations", organization_id) or {}
        now = self.clock.now(organization_id)
        upcoming = []
        for wf in self.store.by("workflows", "organization_id", organization_id):
            at = workflow_removal_at(wf, self.days)
            if at is not None:
                upcoming.append((at, wf))
        upcoming.sort(key=lambda pair: pair[0])
        return {
            "days": self.days,
            "next_run_at": self._next_run_iso(),
            "last_call_on": org.get(LAST_CALL_FIELD),
            "organization_removal_at": iso_or_none(organization_removal_at(org, self.days)),
            "final_workflows": len(upcoming),
            "due_workflows": sum(1 for at, _ in upcoming if at <= now),
            "next_workflow_removals": [
                {"workflow_id": wf["workflow_id"], "name": wf["name"], "status": wf["status"],
                 "final_at": iso(final_at(wf)), "removal_at": iso(at)} for at, wf in upcoming[:SHOWN]],
        }

