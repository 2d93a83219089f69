"""The optional SMTP relay: every captured e-mail is also sent to smtp://host:port (Mailpit, MailHog, ...).

It runs in one background thread, after the message's transaction is committed. The outcome is written
on the message (relay.status "sent" or "failed" with the error); nothing here ever blocks or fails
an API call.
"""
from __future__ import annotations

import logging
import queue
import smtplib
import threading
from urllib.parse import unquote, urlsplit

from ..domain.clock import iso
from .eml import SENDER_ADDRESS, to_email_message

log = logging.getLogger("sign8_mock.messages")

_STOP = object()


def parse_smtp_url(url: str) -> dict:
    """smtp://[user:password@]host[:port] -> {host, port, username, password}; port 25 by default."""
    parts = urlsplit(url)
    if parts.scheme != "smtp" or not parts.hostname:
        raise ValueError(f"SMTP URL must look like smtp://host:port, not {url!r}.")
    try:
        port = parts.port or 25
    except ValueError as exc:
        raise ValueError(f"SMTP URL has an invalid port: {url!r}.") from exc
    return {"host": parts.hostname, "port": port,
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None}


class SmtpRelay:
    """Send captured e-mails over SMTP from a background thread; record the outcome on each message."""

    def __init__(self, store, clock, url: str, timeout: float = 10.0):
        self.store = store
        self.clock = clock
        self.target = parse_smtp_url(url)
        self.timeout = timeout
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def display(self) -> str:
        return f"smtp://{self.target['host']}:{self.target['port']}"

    def submit(self, message_id: str) -> None:
        """Queue a committed message for sending (called from the transaction's on_commit)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sign8-smtp-relay", daemon=True)
                self._thread.start()
        self._queue.put(message_id)

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._deliver(item)
            except Exception:  # never let one message stop the relay
                log.exception("SMTP relay: unexpected error for message %s", item)

    def _deliver(self, message_id: str) -> None:
        message = self.store.get("messages", message_id)
        if message is None:  # deleted (DELETE /_mock/messages, reset) before its turn
            return
        error = None
        try:
            msg = to_email_message(message, self.store)
            with smtplib.SMTP(self.target["host"], self.target["port"], timeout=self.timeout) as smtp:
                if self.target["username"]:
                    smtp.login(self.target["username"], self.target["password"] or "")
                smtp.send_message(msg, from_addr=SENDER_ADDRESS, to_addrs=[message["to"]])
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("SMTP relay to %s failed for message %s: %s", self.display, message_id, error)
        self._record(message_id, error)

    def _record(self, message_id: str, error: str | None) -> None:
        try:
            with self.store.transaction() as tx:
                current = self.store.get("messages", message_id)
                if current is None:
                    return
                relay = dict(current.get("relay") or {})
                relay.update({"status": "failed" if error else "sent", "error": error, "target": self.display,
                              "attempted_at": iso(self.clock.now(current.get("organization_id"))),
                              "attempts": int(relay.get("attempts") or 0) + 1})
                tx.put("messages", {**current, "relay": relay})
        except Exception as exc:  # the store closed under us (shutdown): the outcome is simply not recorded
            log.info("SMTP relay: could not record the outcome of %s: %s", message_id, exc)
