"""Send queued webhooks: Standard Webhooks signatures, retries on a schedule, per-workflow order."""
from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from ..domain.clock import iso

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


class WebhookFaults:
    """Faults on the sending side, for testing receivers: duplicate, delay, reorder the next events."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        self.duplicate_next = 0
        self.delay_next_ms = 0
        self.delay_count = 0
        self.reorder_next = False

    def as_dict(self) -> dict:
        return {"duplicate_next": self.duplicate_next, "delay_ms": self.delay_next_ms,
                "delay_count": self.delay_count, "reorder_next": self.reorder_next}


class Dispatcher:
    """Deliver pending outbox records in the background; never on a request thread."""

    def __init__(self, store, settings, http=None):
        self.store = store
        self.settings = settings
        self._http = http
        self.faults = WebhookFaults()
        self._wake = threading.Condition()
        self._woken = False
        self._running = False
        self._thread = None
        self._pool = None
        self._in_flight: set[str] = set()
        self._held: str | None = None  # a delivery held back to be sent after the next one (reorder fault)
        self._release_after: str | None = None

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
        self._pool = ThreadPoolExecutor(max_workers=self.settings.webhook_workers, thread_name_prefix="sign8-webhook")
        self._thread = threading.Thread(target=self._loop, name="sign8-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop picking deliveries; pending ones stay in the outbox for the next start."""
        self._running = False
        self.wake()
        if self._thread:
            self._thread.join(timeout)
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self, _delivery=None) -> None:
        with self._wake:
            self._woken = True
            self._wake.notify_all()

    # -- loop ------------------------------------------------------------------------
    def _loop(self) -> None:
        while self._running:
            next_due = self._dispatch_due()
            with self._wake:
                if not self._woken and self._running:
                    timeout = 1.0 if next_due is None else max(0.0, min(1.0, next_due - time.time()))
                    self._wake.wait(timeout)
                self._woken = False

    def _dispatch_due(self) -> float | None:
        now = time.time()
        next_due = None
        first_per_workflow: dict[str, dict] = {}
        for d in self.store.by("deliveries", "status", "pending"):
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
            self._in_flight.add(wid)
            self._pool.submit(self._attempt_guarded, d["delivery_id"])
        return next_due

    def _hold_for_reorder(self, d: dict) -> bool:
        with self.faults.lock:
            if self.faults.reorder_next and self._held is None:
                self._held = d["delivery_id"]
                self.faults.reorder_next = False
                return True
            if self._held == d["delivery_id"]:
                return True
            if self._held is not None and self._release_after is None:
                # This later event goes first; the held one follows once it is done: out of order.
                self._release_after = d["delivery_id"]
        return False

    def _attempt_guarded(self, delivery_id: str) -> None:
        d = self.store.get("deliveries", delivery_id)
        try:
            if d is not None and d["status"] == "pending":
                self.attempt(d)
        except Exception:  # a bug here must not kill the worker and lose the delivery
            log.exception("webhook attempt crashed for %s", delivery_id)
        finally:
            if d is not None:
                self._in_flight.discard(d["workflow_id"])
            with self.faults.lock:
                if delivery_id == self._release_after:
                    self._held = self._release_after = None
            self.wake()

    # -- one attempt -------------------------------------------------------------------
    def headers_for(self, d: dict, body: str) -> dict:
        org = self.store.get("organizations", d["organization_id"]) or {}
        headers = {"Content-Type": "application/json", "organisation_id": d["organization_id"],
                   "User-Agent": "sign8-mock-webhooks/1"}
        secret = org.get("webhook_secret")
        if secret:
            # Signed with the real wall clock: receivers reject timestamps more than 5 minutes off.
            sent_at = datetime.now(timezone.utc)
            headers["webhook-id"] = d["event_id"]
            headers["webhook-timestamp"] = str(int(sent_at.timestamp()))
            from standardwebhooks.webhooks import Webhook  # lazy: cold start

            headers["webhook-signature"] = Webhook(secret).sign(d["event_id"], sent_at, body)
        return headers

    def attempt(self, d: dict) -> dict:
        with self.faults.lock:
            delay_ms = self.faults.delay_next_ms if self.faults.delay_count > 0 else 0
            if delay_ms:
                self.faults.delay_count -= 1
            copies = 2 if self.faults.duplicate_next > 0 else 1
            if copies == 2:
                self.faults.duplicate_next -= 1
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        body = json.dumps(d["payload"], separators=(",", ":"))
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
