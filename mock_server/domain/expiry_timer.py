"""The expiry timer: keep the next due time in a heap and sleep until it, instead of polling the database."""
from __future__ import annotations

import heapq
import logging
import threading
import time

from ..domain.clock import GLOBAL, parse_iso
from ..domain.defaults import FINAL_STATUSES

log = logging.getLogger("sign8_mock.scheduler")


class ExpiryTimer:
    """Expire workflows when their expires_at passes, on their organization's clock."""

    def __init__(self, store, clock, lifecycle):
        self.store = store
        self.clock = clock
        self.lifecycle = lifecycle
        self._expiring = False
        self._heap: list[tuple[float, str]] = []
        self._built_with: dict | None = None  # the clock offsets the heap was built with
        self._cond = threading.Condition()
        self._running = False
        self._thread = None

    def start(self) -> None:
        """Build the heap, expire at once what fell due while the mock was down, then run the timer."""
        if self._running:
            return
        self.rebuild()
        # Read off the heap just built instead of scanning every workflow again, and before the timer thread runs,
        # so each of these expires once, here, before the first request is answered.
        now = time.time()
        for _, workflow_id in sorted(entry for entry in self._heap if entry[0] <= now):
            self.lifecycle.expire(workflow_id, actor="timer")
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="sign8-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()
        if self._thread:
            self._thread.join(timeout)

    def watch(self, wf: dict) -> None:
        """Track a new or changed workflow's expiry."""
        if wf["status"] in FINAL_STATUSES:
            return
        due = self.clock.real_time_of(parse_iso(wf["expires_at"]), wf["organization_id"])
        with self._cond:
            heapq.heappush(self._heap, (due, wf["workflow_id"]))
            if self._heap[0][1] == wf["workflow_id"]:
                self._cond.notify_all()

    def rebuild(self) -> None:
        """Recompute every due time (after a clock change)."""
        # What clock.real_time_of computes, with each organization's offset read once per scan (not once per
        # workflow, under the clock's lock): at start-up this scan runs before the first request is answered.
        offsets = self.clock.offsets()
        built_with = dict(offsets)
        shift: dict = {}
        entries = []
        for status in ("draft", "in_progress"):
            for wf in self.store.by("workflows", "status", status):
                org = wf["organization_id"]
                off = shift.get(org)
                if off is None:
                    off = shift[org] = offsets.get(GLOBAL, 0.0) + (offsets.get(org, 0.0) if org else 0.0)
                entries.append((parse_iso(wf["expires_at"]).timestamp() - off, wf["workflow_id"]))
        heapq.heapify(entries)
        with self._cond:
            self._heap = entries
            self._built_with = built_with
            self._cond.notify_all()

    def expire_due_now(self, organization_id: str | None = None) -> list[dict]:
        """Expire at once whatever a clock move made due; the caller returns after the state changed."""
        expired = []
        for wf in self.lifecycle.due_for_expiry(organization_id):
            result = self.lifecycle.expire(wf["workflow_id"], actor="clock")
            if result is not None:
                expired.append(result)
        # The heap already holds every due time when nothing expired and no clock moved since it was built
        # (changes reach it through watch()): then a second full scan would change nothing.
        if expired or self.clock.offsets() != self._built_with:
            self.rebuild()
        return expired

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._running:
                    return
                if not self._heap:
                    self._cond.wait(5.0)
                    continue
                due, workflow_id = self._heap[0]
                wait = due - time.time()
                if wait > 0:
                    self._cond.wait(min(wait, 5.0))
                    continue
                heapq.heappop(self._heap)
                self._expiring = True
            try:
                result = self.lifecycle.expire(workflow_id, actor="timer")
                if result is None:
                    wf = self.store.get("workflows", workflow_id)
                    if wf is not None and wf["status"] not in FINAL_STATUSES:
                        # Not yet due on its (moved) clock: look again at its new due time,
                        # never sooner than 50 ms so rounding cannot spin this loop.
                        due = self.clock.real_time_of(parse_iso(wf["expires_at"]), wf["organization_id"])
                        with self._cond:
                            heapq.heappush(self._heap, (max(due, time.time() + 0.05), workflow_id))
            except Exception:
                log.exception("expiring %s failed", workflow_id)
            finally:
                with self._cond:
                    self._expiring = False

    def idle(self, organization_id: str | None = None) -> bool:
        """Tell whether no expiry (of one organization, or of any) is running or due now."""
        with self._cond:
            if not self._running:
                return True
            if self._expiring and organization_id is None:
                return False
            due_now = [wid for due, wid in self._heap if due <= time.time()]
        # A heap entry can be stale (the workflow already final, or its clock moved back): only live ones count.
        for wid in due_now:
            wf = self.store.get("workflows", wid)
            if wf is None or wf["status"] in FINAL_STATUSES:
                continue
            if organization_id is not None and wf["organization_id"] != organization_id:
                continue
            if self.clock.real_time_of(parse_iso(wf["expires_at"]), wf["organization_id"]) <= time.time():
                return False
        return True
