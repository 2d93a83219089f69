"""The durable queue that turns a workflow's final state into documents, and the thread that works it.

    jobs = DocumentJobs(store, clock, messages, ca_dir)   # ca_dir: <db>.ca (None: the CA lives in memory)
    jobs.queue(tx, workflow)  # in the transaction that makes a workflow final: queue its job there
    jobs.start() / jobs.stop()      # the worker thread (Services.start / Services.stop)
    jobs.ca()                       # the instance's TestCA (GET /_mock/ca.pem serves jobs.ca().cert_pem)
    jobs.ca_entry() / jobs.install_ca(entry)   # the CA in operator snapshots ("test_ca")

A job is a record of the `document_jobs` table ({job_id, organization_id, workflow_id, documents:
"signed_and_report" | "report", status: "pending" | "done", attempts, last_error, created_at, done_at}),
put in the same transaction as the workflow's change to completed (signed files + audit report) or
refused / expired / cancelled (audit report only). So a job exists exactly when the final state is
durable, and a crash cannot lose one: the worker resumes every pending job when it starts.

The worker produces the PDFs outside the store lock, writes them as blobs (pinned until their records
are committed), then in ONE transaction: a `files` record per signed file (kind "signed",
source_file_id) and one for the report (kind "audit_report"), `signed_file_id` on each original
file, `audit_report_file_id` and a "documents_ready" event on the workflow, the attachments of the
workflow's "completed" e-mails, and the job marked done. The transaction first checks that the job is
still pending and the workflow has no report yet, so a job is done once, even when a reset or an
import raced it. A failure is a "documents_failed" event on the workflow (with the error) and a retry
after a growing delay; nothing is lost silently.

pyHanko and fpdf2 are imported by the worker thread (documents.warm_up), never by a request: as soon as a job
is pending or a workflow is in progress, not at start (cold start and a drafts-only mock's memory stay as they were).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from ..domain.clock import iso
from ..domain.pdf import page_count as count_pages
from ..domain.records import file_record, is_original

log = logging.getLogger("sign8_mock.documents")

TABLE = "document_jobs"
# Seconds before the 1st, 2nd, ... retry of a failed job; the last one repeats.
RETRY_DELAYS = (0.5, 2.0, 10.0, 30.0, 120.0, 300.0)
# A job still running then is abandoned: its commit fails on the closed store, it stays pending and runs at
# the next start. Short, because SIGTERM must end the process within 5 s whatever the worker is doing.
STOP_TIMEOUT = 0.3
# The worker imports pyHanko and fpdf2 (about a second of CPU and 50 MB) only once documents are likely: a job
# is pending, or a workflow is in progress (its completion may come any moment); it looks every WARM_UP_POLL
# seconds, and a job wakes it at once. So cold start and the idle memory of a mock that only stores drafts do
# not grow, and the first completion usually finds the imports done.
WARM_UP_POLL = 1.0


def signed_name(file_name: str) -> str:
    """contract.pdf -> contract-signed.pdf"""
    stem = file_name[:-4] if file_name.lower().endswith(".pdf") else file_name
    return f"{stem or 'document'}-signed.pdf"


def report_name(workflow_id: str) -> str:
    return f"audit-report-{workflow_id}.pdf"


class DocumentJobs:
    """Queue document jobs in the final-state transaction; run them in one background thread."""

    def __init__(self, store, clock, messages, ca_dir: Path | str | None, retry_delays=RETRY_DELAYS):
        self.store = store
        self.clock = clock
        # The captured-messages subsystem: the "completed" e-mails get the documents as attachments.
        self.messages = messages
        self.ca_dir = Path(ca_dir) if ca_dir is not None else None
        self.retry_delays = tuple(retry_delays)
        self._ca = None
        self._ca_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._not_before: dict[str, float] = {}  # job_id -> time.monotonic() of its next attempt
        self._busy = False

    # -- queued through the domain's Effects.documents_due ----------------------------------------------------------
    def queue(self, tx, workflow: dict) -> dict:
        """Queue the documents of a workflow that just became final, in the caller's transaction."""
        job = {"job_id": str(uuid.uuid4()), "organization_id": workflow["organization_id"],
               "workflow_id": workflow["workflow_id"],
               "documents": "signed_and_report" if workflow["status"] == "completed" else "report",
               "status": "pending", "attempts": 0, "last_error": None,
               "created_at": iso(self.clock.now(workflow["organization_id"])), "done_at": None}
        tx.put(TABLE, job)
        tx.on_commit(self.wake)
        return job

    # -- the test CA ----------------------------------------------------------------------------
    def ca(self):
        """The instance's test CA: loaded from (or made in) <db>.ca/ on first use; in memory for :memory:."""
        with self._ca_lock:
            if self._ca is None:
                from .ca import TestCA

                self._ca = TestCA.load_or_create(self.ca_dir)
            return self._ca

    def ca_entry(self) -> dict:
        """The CA as a snapshot holds it."""
        ca = self.ca()
        return {"cert_pem": ca.cert_pem.decode("ascii"), "key_pem": ca.key_pem.decode("ascii")}

    @staticmethod
    def parse_ca(entry):
        """A TestCA from a snapshot's test_ca entry; ValueError when it is not a matching pair."""
        from .ca import TestCA

        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("cert_pem", "key_pem")):
            raise ValueError("'test_ca' must be an object with the strings cert_pem and key_pem.")
        try:
            return TestCA.from_pem(entry["cert_pem"], entry["key_pem"])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"'test_ca' is not a usable CA: {exc}") from exc

    def install_ca(self, ca) -> None:
        """Make ca (from parse_ca) the instance's CA, on disk too (key first, as TestCA writes it)."""
        from .ca import _atomic_write

        with self._ca_lock:
            if self.ca_dir is not None:
                self.ca_dir.mkdir(parents=True, exist_ok=True)
                _atomic_write(self.ca_dir / ca.KEY_FILE, ca.key_pem, mode=0o600)
                _atomic_write(self.ca_dir / ca.CERT_FILE, ca.cert_pem, mode=0o644)
            self._ca = ca

    # -- the worker -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="sign8-documents", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the worker; a job in progress is left pending (done again at the next start)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def idle(self, organization_id: str | None = None) -> bool:
        """True when no job (of this organization) is pending."""
        return not any(organization_id is None or j["organization_id"] == organization_id
                       for j in self.store.by(TABLE, "status", "pending"))

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            if self.store.by(TABLE, "status", "pending") or self.store.by("workflows", "status", "in_progress"):
                break
            self._wake.wait(WARM_UP_POLL)
        if self._stopping.is_set():
            return
        try:
            from . import warm_up

            warm_up()  # pyHanko and fpdf2: about a second of imports, here rather than in a request
            self.ca()
        except Exception:  # noqa: BLE001 - a job will fail (and say why) if this really is broken
            log.exception("documents: warm-up failed")
        while not self._stopping.is_set():
            self._wake.clear()
            job, wait = self._next_due()
            if job is None:
                self._wake.wait(wait)
                continue
            self._busy = True
            try:
                self._run(job)
            finally:
                self._busy = False

    def _next_due(self) -> tuple[dict | None, float | None]:
        pending = self.store.by(TABLE, "status", "pending")
        now = time.monotonic()
        soonest = None
        for job in sorted(pending, key=lambda j: j["created_at"]):
            at = self._not_before.get(job["job_id"], 0.0)
            if at <= now:
                return job, None
            soonest = at if soonest is None else min(soonest, at)
        return None, (None if soonest is None else max(0.01, soonest - now))

    def _run(self, job: dict) -> None:
        try:
            produced = self._produce(job)
            self._commit(job, produced)
            self._not_before.pop(job["job_id"], None)
        except Exception as exc:  # noqa: BLE001 - recorded on the workflow and retried
            if self._stopping.is_set() or self.store.closed:
                return  # shutting down: the job stays pending and runs again at the next start
            log.warning("documents for workflow %s failed: %s", job["workflow_id"], exc, exc_info=True)
            try:
                self._record_failure(job, exc)
            except Exception:  # noqa: BLE001 - e.g. the store closed meanwhile: it stays pending
                log.exception("documents: could not record a failure")
                self._not_before[job["job_id"]] = time.monotonic() + self.retry_delays[0]

    # -- producing ----------------------------------------------------------------------------------
    def _produce(self, job: dict) -> dict | None:
        """The PDFs of a job (outside the lock): {"signed": {file_id: bytes}, "report": bytes}; None: obsolete."""
        from . import audit_report as report_module, signed_pdf

        wid = job["workflow_id"]
        with self.store.lock:
            wf = self.store.get("workflows", wid)
            if wf is None or wf.get("audit_report_file_id"):
                return None
            files = [f for f in self.store.by("files", "workflow_id", wid) if is_original(f)]
            signers = self.store.by("signers", "workflow_id", wid)
            fields = self.store.by("signatures", "workflow_id", wid)
            annotations = self.store.by("annotations", "workflow_id", wid)
            org = self.store.get("organizations", wf["organization_id"]) or {}
            interface = self.store.get("interfaces", wf["interface_id"]) if wf.get("interface_id") else None
            logo = self.store.get("files", interface["logo_file_id"]) if (interface or {}).get("logo_file_id") else None
        org_name = org.get("name") or wf["organization_id"]
        # The report carries the workflow's branding: its interface's colour and its own logo (a built-in
        # default logo is no organization's logo, so none is drawn then).
        branding = {"organization_id": wf["organization_id"], "name": org_name}
        if interface:
            branding.update(primary_color=interface.get("primary_color"), brand_name=interface.get("name"))
        if logo:
            branding["logo"] = self.store.blobs.get(logo["sha256"])
        signed: dict[str, bytes] = {}
        hashes: dict[str, dict] = {}
        for f in files:
            original = self.store.blobs.get(f["sha256"])
            if original is None:
                raise RuntimeError(f"the bytes of file {f['file_id']} are missing from the file store")
            hashes[f["file_id"]] = {"original": f["sha256"], "signed": None}
            if job["documents"] == "signed_and_report":
                signed[f["file_id"]] = signed_pdf.sign_document(
                    original, fields, signers, annotations, self.ca(), org_name,
                    {s["signer_id"]: s.get("signed_at") for s in signers}, file_id=f["file_id"])
                hashes[f["file_id"]]["signed"] = hashlib.sha256(signed[f["file_id"]]).hexdigest()
        report = report_module.audit_report(wf, files, signers, branding, hashes)
        return {"signed": signed, "report": report, "files": files}

    def _commit(self, job: dict, produced: dict | None) -> None:
        written: set[str] = set()
        try:
            self._commit_pinned(job, produced, written)
        finally:
            # A job that a reset, an import or retention removed meanwhile keeps none of the PDFs it wrote: no file
            # points at those bytes (written is emptied when the files are committed).
            if written:
                self.store.remove_blobs_unless_referenced(written)

    def _commit_pinned(self, job: dict, produced: dict | None, written: set[str]) -> None:
        with ExitStack() as pins:
            digests = {}
            if produced is not None:
                for fid, data in produced["signed"].items():
                    digests[fid] = pins.enter_context(self.store.blob_upload(data))
                report_digest = pins.enter_context(self.store.blob_upload(produced["report"]))
                written.update(digests.values(), [report_digest])
            with self.store.transaction() as tx:
                current = self.store.get(TABLE, job["job_id"])
                if current is None or current["status"] != "pending":
                    return  # reset or replaced by an import meanwhile
                wf = self.store.get("workflows", job["workflow_id"])
                org_id = job["organization_id"]
                now = iso(self.clock.now(org_id))
                tx.put(TABLE, {**current, "status": "done", "done_at": now, "attempts": current["attempts"] + 1})
                if produced is None or wf is None or wf.get("audit_report_file_id"):
                    return  # nothing (more) to do: the workflow is gone or already has its documents
                attachments = []
                signed_ids = {}
                for f in produced["files"]:
                    if f["file_id"] not in digests:
                        continue
                    data = produced["signed"][f["file_id"]]
                    doc = self._file_record(org_id, wf["workflow_id"], signed_name(f["file_name"]), data,
                                            digests[f["file_id"]], now, "signed", source_file_id=f["file_id"],
                                            page_count=f["page_count"])
                    tx.put("files", doc)
                    latest = self.store.get("files", f["file_id"]) or f
                    tx.put("files", {**latest, "signed_file_id": doc["file_id"]})
                    signed_ids[f["file_id"]] = doc["file_id"]
                    attachments.append({"file_id": doc["file_id"], "file_name": doc["file_name"],
                                        "content_type": "application/pdf"})
                report = self._file_record(org_id, wf["workflow_id"], report_name(wf["workflow_id"]),
                                           produced["report"], report_digest, now, "audit_report")
                tx.put("files", report)
                attachments.append({"file_id": report["file_id"], "file_name": report["file_name"],
                                    "content_type": "application/pdf"})
                ready = {"type": "documents_ready", "at": now, "actor": "system",
                         "audit_report_file_id": report["file_id"], "signed_file_ids": list(signed_ids.values())}
                tx.put("workflows", {**wf, "audit_report_file_id": report["file_id"], "updated_at": now,
                                     "events": wf["events"] + [ready]})
                if wf["status"] == "completed":
                    for m in self.store.by("messages", "workflow_id", wf["workflow_id"]):
                        if m["kind"] == "completed":
                            self.messages.attach(tx, m, attachments)
                written.clear()  # kept: the files committed with this transaction point at them

    @staticmethod
    def _file_record(org_id, workflow_id, name, data: bytes, digest: str, now: str, kind: str,
                     source_file_id=None, page_count=None) -> dict:
        """A produced file's record (kind, source_file_id), as domain/records.py makes every file record."""
        return file_record(workflow_id=workflow_id, organization_id=org_id, file_name=name, size=len(data),
                           sha256=digest, page_count=count_pages(data) if page_count is None else page_count,
                           now=now, kind=kind, source_file_id=source_file_id)

    def _record_failure(self, job: dict, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        with self.store.transaction() as tx:
            current = self.store.get(TABLE, job["job_id"])
            if current is None or current["status"] != "pending":
                return
            attempts = current["attempts"] + 1
            delay = self.retry_delays[min(attempts - 1, len(self.retry_delays) - 1)]
            tx.put(TABLE, {**current, "attempts": attempts, "last_error": error})
            wf = self.store.get("workflows", job["workflow_id"])
            if wf is not None:
                now = iso(self.clock.now(job["organization_id"]))
                tx.put("workflows", {**wf, "events": wf["events"] + [
                    {"type": "documents_failed", "at": now, "actor": "system", "error": error,
                     "attempt": attempts, "retry_in_seconds": delay}]})
        self._not_before[job["job_id"]] = time.monotonic() + delay
