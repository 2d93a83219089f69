"""Send queued webhooks: Standard Webhooks signatures, retries on a schedule, per-workflow order."""
from __future__ import annotations

import email.utils
import json
import logging
import queue
import threading
import time
from datetime import datetime, timezone

from ..domain.clock import iso
from ..domain.organizations import signing_secrets
from .webhook_faults import WebhookFaultBook

log = logging.getLogger("sign8_mock.webhooks")


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, (parsed - datetime.now(timezone.utc)).total_seconds())


class Dispatcher:
    """Deliver pending outbox records in the background; never on a request thread."""

    def __init__(self, store, settings, http=None):
        self.store = store
        self.settings = settings
        self._http = http
        self.faults = WebhookFaultBook()
        # Guards the fields below; the sending loop waits on it until woken or the next delivery is due.
        self._state = threading.Condition()
        self._woken = False
        self._running = False
        self._thread = None
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._in_flight: set[str] = set()
        # Deliveries known to be on disk: those loaded at start and those whose transaction committed.
        # A delivery seen in memory but not yet fsynced is never sent (a crash could still forget it).
        self._durable: set[str] = set()
        self._busy = 0

    @property
    def http(self):
        """The HTTP session, made on first use: requests is imported lazily to keep cold start short."""
        if self._http is None:
            import requests

            self._http = requests.Session()
        return self._http

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self.adopt_pending()
        # Daemon threads, not a ThreadPoolExecutor: the executor's workers are joined at interpreter
        # exit, so one receiver that never answers held a SIGTERM for the whole webhook timeout.
        for n in range(self.settings.webhook_workers):
            worker = threading.Thread(target=self._work, name=f"sign8-webhook-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)
        self._thread = threading.Thread(target=self._loop, name="sign8-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop picking deliveries; pending ones stay in the outbox for the next start."""
        self._running = False
        self.wake()
        if self._thread:
            self._thread.join(timeout)
        for _ in self._workers:
            self._jobs.put(None)
        self._workers.clear()

    def adopt_pending(self) -> None:
        """Take every pending delivery in the store as durable (at start, and after a committed import)."""
        with self._state:
            self._durable.update(d["delivery_id"] for d in self.store.by("deliveries", "status", "pending"))
            self._woken = True
            self._state.notify_all()

    def wake(self, delivery: dict | None = None) -> None:
        """Look for due deliveries now; a delivery passed here has just become durable."""
        with self._state:
            if delivery is not None:
                self._durable.add(delivery["delivery_id"])
            self._woken = True
            self._state.notify_all()

    def idle(self, organization_id: str | None = None) -> bool:
        """Tell whether nothing (of one organization, or of any) is being sent or due now."""
        with self._state:
            if not self._running:
                return True  # nothing is sent until start()
            if self._busy and organization_id is None:
                return False
            in_flight = set(self._in_flight)
        with self.faults.lock:
            held = self.faults.held()  # waiting for a later event (the reorder fault), not due
        now = time.time()
        for d in self.store.by("deliveries", "status", "pending"):
            if organization_id is not None and d["organization_id"] != organization_id:
                continue
            if d["delivery_id"] in held:
                continue
            if d["workflow_id"] in in_flight:
                return False
            # Committed but not yet handed over (its transaction is ending, or the answer to the call that
            # queued it is being written) counts as due: it is sent in a moment.
            if d["next_attempt_at"] <= now and d["url"]:
                return False
        return True

    # -- loop ------------------------------------------------------------------------
    def _loop(self) -> None:
        while self._running:
            next_due = self._dispatch_due()
            with self._state:
                if not self._woken and self._running:
                    timeout = 1.0 if next_due is None else max(0.0, min(1.0, next_due - time.time()))
                    self._state.wait(timeout)
                self._woken = False

    def _work(self) -> None:
        while True:
            delivery_id = self._jobs.get()
            if delivery_id is None:
                return
            self._attempt_guarded(delivery_id)

    def _dispatch_due(self) -> float | None:
        now = time.time()
        next_due = None
        first_per_workflow: dict[str, dict] = {}
        with self._state:
            durable = set(self._durable)
        for d in self.store.by("deliveries", "status", "pending"):
            if d["delivery_id"] not in durable:
                continue
            current = first_per_workflow.get(d["workflow_id"])
            if current is None or d["seq"] < current["seq"]:
                first_per_workflow[d["workflow_id"]] = d
        for wid, d in sorted(first_per_workflow.items(), key=lambda kv: kv[1]["seq"]):
            if wid in self._in_flight:
                continue
            if d["next_attempt_at"] > now:
                next_due = d["next_attempt_at"] if next_due is None else min(next_due, d["next_attempt_at"])
                continue
            if self._hold_for_reorder(d):
                continue
            with self._state:
                self._in_flight.add(wid)
            self._jobs.put(d["delivery_id"])
        return next_due

    def _hold_for_reorder(self, d: dict) -> bool:
        with self.faults.lock:
            faults = self.faults.for_delivery(d["organization_id"])
            if faults.reorder_next and faults.held is None:
                faults.held = d["delivery_id"]
                faults.reorder_next = False
                return True
            if faults.held == d["delivery_id"]:
                return True
            if faults.held is not None and faults.release_after is None:
                # This later event goes first; the held one follows once it is done: out of order.
                faults.release_after = d["delivery_id"]
        return False

    def _attempt_guarded(self, delivery_id: str) -> None:
        with self._state:
            self._busy += 1
        d = self.store.get("deliveries", delivery_id)
        try:
            if d is not None and d["status"] == "pending":
                self.attempt(d)
        except Exception:  # a bug here must not kill the worker and lose the delivery
            log.exception("webhook attempt crashed for %s", delivery_id)
        finally:
            with self._state:
                if d is not None:
                    self._in_flight.discard(d["workflow_id"])
                    after = self.store.get("deliveries", delivery_id)
                    if after is None or after["status"] != "pending":
                        self._durable.discard(delivery_id)
                self._busy -= 1
            if d is not None:
                with self.faults.lock:
                    faults = self.faults.for_delivery(d["organization_id"])
                    if delivery_id == faults.release_after:
                        faults.held = faults.release_after = None
            self.wake()

    # -- one attempt -------------------------------------------------------------------
    @staticmethod
    def body_of(d: dict) -> str:
        return json.dumps(d["payload"], separators=(",", ":"))

    def headers_for(self, d: dict, body: str) -> dict:
        org = self.store.get("organizations", d["organization_id"]) or {}
        headers = {"Content-Type": "application/json", "organisation_id": d["organization_id"],
                   "User-Agent": "sign8-mock-webhooks/1"}
        # Signed with the real wall clock: receivers reject timestamps more than 5 minutes off.
        sent_at = datetime.now(timezone.utc)
        keys = signing_secrets(org, sent_at)
        if keys:
            headers["webhook-id"] = d["event_id"]
            headers["webhook-timestamp"] = str(int(sent_at.timestamp()))
            from standardwebhooks.webhooks import Webhook  # lazy: cold start

            # During a rotation's overlap one signature per secret, space-separated (Standard Webhooks).
            headers["webhook-signature"] = " ".join(Webhook(k).sign(d["event_id"], sent_at, body) for k in keys)
        return headers

    def attempt(self, d: dict) -> dict:
        with self.faults.lock:
            faults = self.faults.for_delivery(d["organization_id"])
            delay_ms = faults.delay_next_ms if faults.delay_count > 0 else 0
            if delay_ms:
                faults.delay_count -= 1
            copies = 2 if faults.duplicate_next > 0 else 1
            if copies == 2:
                faults.duplicate_next -= 1
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        body = self.body_of(d)
        started = time.time()
        status_code, error, retry_after = None, None, None
        try:
            for _ in range(copies):
                resp = self.http.post(d["url"], data=body.encode(), headers=self.headers_for(d, body),
                                      timeout=self.settings.webhook_timeout, allow_redirects=False)
                status_code = resp.status_code
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
                resp.close()
        except OSError as exc:  # requests' RequestException is an OSError (IOError)
            error = f"{type(exc).__name__}: {exc}"[:300]
        duration_ms = round((time.time() - started) * 1000, 1)
        record = {"at": iso(datetime.now(timezone.utc)), "url": d["url"], "status_code": status_code,
                  "error": error, "duration_ms": duration_ms}
        return self._record(d["delivery_id"], record, retry_after)

    def _record(self, delivery_id: str, attempt: dict, retry_after: float | None) -> dict:
        schedule = self.settings.webhook_retry_schedule
        with self.store.transaction() as tx:
            d = dict(self.store.get("deliveries", delivery_id))
            attempts = d["attempts"] + [attempt]
            d["attempts"] = attempts
            code = attempt["status_code"]
            if code is not None and 200 <= code < 300:
                d["status"], d["error"] = "delivered", None
                d["delivered_at"] = attempt["at"]
            elif code == 410:
                d["status"], d["error"] = "failed", "The receiver answered 410 Gone: no more retries."
            elif len(attempts) >= len(schedule):
                d["status"] = "failed"
                d["error"] = attempt["error"] or f"HTTP {code} after {len(attempts)} attempts"
            else:
                wait = schedule[len(attempts)]
                if retry_after is not None:
                    wait = max(wait, retry_after)
                d["next_attempt_at"] = time.time() + wait
                d["error"] = attempt["error"] or f"HTTP {code}"
            tx.put("deliveries", d)
        return d
