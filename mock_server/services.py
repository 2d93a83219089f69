"""One mock instance without Flask: all of its state, and one method per command (the facade every adapter calls)."""
from __future__ import annotations

import logging
import time

from . import __version__
from .config import PublicAddress, Settings
from .domain.clock import MockClock, iso
from .domain.defaults import BUILTIN_FILES, favicon_ico, DEFAULT_ICON_FILE_ID, DEFAULT_LOGO_FILE_ID, WORKFLOW_STATUSES
from .domain.events import WebhookEvent
from .domain.errors import NotFound, ValidationFailed
from .domain.journey import Journey
from .domain.lifecycle import Lifecycle
from .domain.organizations import Organizations, organization_id_for_key, signing_secrets
from .domain.records import token_hash
from .domain.workflows import Workflows
from .documents.jobs import DocumentJobs
from .inspection import FaultRules, RequestLog
from .messages import Messages, to_eml
from .rendering import PageRenderer
from .retention import Retention
from .snapshot import SnapshotError, export_state, import_state
from .storage import ORGANIZATION_TABLES, TABLES, Store, open_store, seams
from .storage.repair import repair_store
from .webhooks.after_response import AfterResponse
from .webhooks.dispatcher import Dispatcher
from .webhooks.outbox import Outbox
from .domain.expiry_timer import ExpiryTimer

log = logging.getLogger("sign8_mock")

IDLE_POLL_SECONDS = 0.01


class Services:
    """Everything one mock server instance holds; two instances can live in one process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.address = PublicAddress(settings)
        self.store = open_store(settings.db, settings.journal_compact_lines, before_sync=seams.before_sync_from_env())
        self.clock = MockClock(offsets={c["scope"]: c["offset_seconds"] for c in self.store.all("clocks")})
        self.organizations = Organizations(self.store, self.clock, settings.auth,
                                           record_calls=settings.retention is not None)
        self.dispatcher = Dispatcher(self.store, settings)
        # A webhook leaves after the commit that queues it and after the answer to the call that caused it.
        self.after_response = AfterResponse()
        self.outbox = Outbox(self.store, self.clock,
                             on_queued=lambda delivery: self.after_response.call(self.dispatcher.wake, delivery))
        self.messages = Messages(self.store, self.clock, settings, self.address)
        # Signed PDFs and audit reports: a job in the final state's transaction, made by a worker thread.
        self.document_jobs = DocumentJobs(self.store, self.clock, self.messages,
                                          None if self.store.in_memory else f"{self.store.path}.ca")
        effects = InstanceEffects(self)
        self.workflows = Workflows(self.store, self.clock, settings, self.address, effects)
        self.lifecycle = Lifecycle(self.store, self.clock, effects)
        self.expiry_timer = ExpiryTimer(self.store, self.clock, self.lifecycle)
        self.journey = Journey(self.store, self.clock, self.lifecycle, effects)
        self.page_renderer = PageRenderer()  # pypdfium2 itself is imported on the first render
        self.request_log = RequestLog()
        self.fault_rules = FaultRules()
        self.retention = Retention(self.store, self.clock, settings.retention, forget=self._forget_removed,
                                   first_run_delay=settings.retention_delay)
        self._load_known_organizations()
        self.started = False

    def bind(self, host: str, port: int) -> None:
        """Adopt the address actually bound (port 0 is read back after binding)."""
        self.settings = self.settings.with_overrides(host=host, port=port)
        self.address.bind(host, port)

    def _load_known_organizations(self) -> None:
        orgs_file = self.settings.resolved_organizations_file()
        if orgs_file is not None:
            self.organizations.load_file(orgs_file)

    def start(self) -> None:
        """Start the expiry timer and the webhook sender (idempotent)."""
        if self.started:
            return
        self.started = True
        if self.settings.scheduler:
            self.expiry_timer.start()  # workflows that expired while the mock was down expire in it
        self.dispatcher.start()
        self.messages.start()
        self.document_jobs.start()  # resumes the jobs a crash or stop left pending
        self.retention.start()  # its first run finishes what a crash interrupted

    def stop(self, document_wait: float | None = None) -> None:
        """Stop background threads and make everything durable; pending deliveries stay queued.

        document_wait: how long a document job in progress may take to finish (default: the worker's short stop,
        after which the job stays pending for the next start)."""
        self.retention.stop()
        self.expiry_timer.stop()
        self.dispatcher.stop()
        if document_wait is None:
            self.document_jobs.stop()
        else:
            self.document_jobs.stop(document_wait)
        self.messages.stop()
        self.store.close()
        self.started = False

    def idle(self, timeout: float = 5.0, organization_id: str | None = None) -> bool:
        """Wait until no webhook is being sent or due now and no expiry is due (of one organization, or of any);
        False on timeout. Then nothing more happens by itself until time passes or someone calls."""
        deadline = time.monotonic() + timeout
        while True:
            if self.dispatcher.idle(organization_id) and self.expiry_timer.idle(organization_id):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(IDLE_POLL_SECONDS)

    def wsgi_app(self, app):
        """Wrap a WSGI app so that the webhooks a call queues leave after its answer is written."""
        return self.after_response.wrap(app)

    # -- who is calling ---------------------------------------------------------------------
    def organization_of_key(self, api_key: str) -> str | None:
        """The organization an API key acts for, without provisioning it (None: strict mode, unknown key)."""
        org = self.organizations.find_by_key(api_key)
        if org is not None:
            return org["organization_id"]
        # Open mode provisions an unknown key under this derived id on its first /api call.
        return organization_id_for_key(api_key) if self.settings.auth == "open" else None

    def organization_of_signing_token(self, token: str) -> str | None:
        for signer in self.store.by("signers", "token_hash", token_hash(token)):
            return signer["organization_id"]
        return None

    def authenticate(self, api_key: str | None, claimed_organization: str | None = None) -> dict:
        """The organization an /api call acts for (provisioned in open mode); 401/403 otherwise."""
        return self.organizations.authenticate(api_key, claimed_organization)

    def provision(self, api_key: str, webhook_url: str | None = None) -> str:
        """Make sure an organization exists for api_key (with this webhook URL); return its id."""
        org_id = self.organizations.authenticate(api_key)["organization_id"]
        if webhook_url is not None:
            self.organizations.set_webhook_url(org_id, webhook_url)
        return org_id

    # -- the caller's organization -------------------------------------------------------------
    def organization_view(self, organization_id: str) -> dict:
        """What GET /_mock/organization shows: the settings, the clock, what is stored and what retention removes."""
        org = self.organizations.get(organization_id)
        if org is None:
            raise NotFound(f"Organization '{organization_id}' does not exist.", code_override="organization_not_found")
        with self.store.lock:
            workflows = self.store.by("workflows", "organization_id", organization_id)
            files = sum(len(self.store.by("files", "workflow_id", w["workflow_id"])) for w in workflows)
            messages = len(self.store.by("messages", "organization_id", organization_id))
        return {"organization_id": organization_id, "name": org["name"], "webhook_url": org.get("webhook_url"),
                "webhook_secret_set": bool(org.get("webhook_secret")),
                "previous_webhook_secret_until": self._previous_secret_until(org),
                "known": bool(org.get("known")), "auth": self.settings.auth, "created_at": org.get("created_at"),
                "clock": {"now": iso(self.clock.now(organization_id)),
                          "offset_seconds": self.clock.offset(organization_id)},
                "stored": {"workflows": len(workflows), "files": files, "messages": messages},
                "retention": self.retention.plan(organization_id)}

    def _previous_secret_until(self, org: dict) -> str | None:
        """Until when (real time) the previous webhook secret still signs; None when it no longer does."""
        overlapping = len(signing_secrets(org, self.clock.real_now())) > 1
        return org.get("previous_webhook_secret_until") if overlapping else None

    def update_organization(self, organization_id: str, changes: dict) -> dict:
        """Set the organization's name and webhook_url (those given)."""
        self.organizations.update(organization_id, changes)
        return self.organization_view(organization_id)

    def new_webhook_secret(self, organization_id: str) -> dict:
        """Make a new webhook secret (returned only here); the previous one keeps signing for a day."""
        return {"webhook_secret": self.organizations.rotate_secret(organization_id, self.clock.real_now())}

    def remove_webhook_secret(self, organization_id: str) -> None:
        """Stop signing deliveries (the current and any previous secret are forgotten)."""
        self.organizations.remove_secret(organization_id)

    @staticmethod
    def check_database(db: str) -> dict[str, int]:
        """Read a database's snapshot and journals without serving it; the record count of each table."""
        store = Store(db, TABLES, read_only=True)
        return {t: store.count(t) for t in store.tables()}

    @staticmethod
    def repair_database(db: str) -> list[tuple]:
        """Move damaged files of a database aside, keeping every intact record; what was moved, and why."""
        return repair_store(db, TABLES)

    def health(self) -> dict:
        return {"status": "ok", "version": __version__,
                "storage": "memory" if self.store.in_memory else str(self.store.path),
                "auth": self.settings.auth, "workflows": self.store.count("workflows")}

    def favicon(self) -> bytes:
        """The mock's icon for a browser's tab (/favicon.ico)."""
        return favicon_ico()

    # -- the Workflow API (api/workflow.py): one method per SIGN8 operation ---------------------------
    def add_workflow(self, organization_id: str, data: dict) -> dict:
        return self.workflows.add_workflow(organization_id, data)

    def add_file(self, organization_id: str, workflow_id: str, file_name: str, data: bytes) -> dict:
        return self.workflows.add_file(organization_id, workflow_id, file_name, data)

    def add_signer(self, organization_id: str, data: dict) -> dict:
        """Add a signer; the answer carries its signing_url."""
        signer = self.workflows.add_signer(organization_id, data)
        return {**signer, "signing_url": self.workflows.signing_url(signer)}

    def add_signature(self, organization_id: str, data: dict) -> dict:
        return self.workflows.add_signature(organization_id, data)

    def add_annotation(self, organization_id: str, data: dict) -> dict:
        return self.workflows.add_annotation(organization_id, data)

    def add_interface(self, organization_id: str, data: dict) -> dict:
        return self.workflows.add_interface(organization_id, data)

    def update_interface(self, organization_id: str, data: dict) -> dict:
        return self.workflows.update_interface(organization_id, data)

    def get_interface(self, organization_id: str, interface_id: str) -> dict:
        return self.workflows.get_interface(organization_id, interface_id)

    def start_workflow(self, organization_id: str, workflow_id: str) -> dict:
        return self.workflows.start_workflow(organization_id, workflow_id)

    def cancel_workflow(self, organization_id: str, workflow_id: str) -> dict:
        return self.workflows.cancel_workflow(organization_id, workflow_id)

    def send_reminder(self, organization_id: str, workflow_id: str, signer_id: str | None) -> dict:
        return self.workflows.send_reminder(organization_id, workflow_id, signer_id)

    def get_workflow(self, organization_id: str, workflow_id: str) -> dict:
        return self.workflows.get_workflow(organization_id, workflow_id)

    def list_workflows(self, organization_id: str, status: str | None, limit: int, offset: int) -> dict:
        return self.workflows.list_workflows(organization_id, status, limit, offset)

    def get_file(self, organization_id: str, file_id: str) -> tuple[dict, bytes]:
        """A file's record and bytes (an upload, a signed file, an audit report, a built-in image)."""
        return self.workflows.file_content(organization_id, file_id)

    # -- the clock ------------------------------------------------------------------------
    def clock_view(self, organization_id: str | None, expired: list[dict] | None = None) -> dict:
        return {"now": iso(self.clock.now(organization_id)), "real_now": iso(self.clock.real_now()),
                "offset_seconds": self.clock.offset(organization_id), "organization_id": organization_id,
                "expired": [w["workflow_id"] for w in (expired or [])]}

    def advance_clock(self, organization_id: str | None, seconds: float) -> dict:
        """Move a clock forward; what became due expires before this returns."""
        self.clock.advance(seconds, organization_id)
        return self._clock_changed(organization_id)

    def set_clock(self, organization_id: str | None, moment) -> dict:
        """Set a clock to a moment; it keeps running from there."""
        self.clock.set(moment, organization_id)
        return self._clock_changed(organization_id)

    def reset_clock(self, organization_id: str | None) -> dict:
        """Put a clock back to real time."""
        self.clock.reset(organization_id)
        return self._clock_changed(organization_id)

    def _save_clock(self) -> None:
        offsets = self.clock.offsets()
        with self.store.transaction() as tx:
            for c in self.store.all("clocks"):
                if c["scope"] not in offsets:
                    tx.delete("clocks", c["scope"])
            for scope, offset in offsets.items():
                tx.put("clocks", {"scope": scope, "offset_seconds": offset})

    def _clock_changed(self, organization_id: str | None) -> dict:
        self._save_clock()
        expired = self.expiry_timer.expire_due_now(organization_id)
        return self.clock_view(organization_id, expired)

    # -- reset ------------------------------------------------------------------------------
    def reset(self, organization_id: str | None = None) -> dict:
        """Forget every record, clock, logged request, fault rule and webhook fault (of one organization, or all)."""
        removed = {}
        with self.store.transaction() as tx:
            for table in ORGANIZATION_TABLES:
                key = self.store.key_field(table)
                gone = [r for r in self.store.all(table)
                        if organization_id is None or r.get("organization_id") == organization_id]
                for r in gone:
                    tx.delete(table, r[key])
                removed[table] = len(gone)
            for org in self.store.all("organizations"):
                if organization_id is None and not org.get("known"):
                    tx.delete("organizations", org["organization_id"])
                elif organization_id in (None, org["organization_id"]):
                    self.organizations.restore(tx, org)  # its name, webhook URL and secret as first made
        self.clock.reset(organization_id)
        self._save_clock()
        self.store.remove_unreferenced_blobs()
        self.expiry_timer.rebuild()
        self.request_log.clear(organization_id)
        self.fault_rules.clear(organization_id)
        self.dispatcher.faults.clear(organization_id)
        return removed

    # -- retention ------------------------------------------------------------------------------------
    def run_retention(self, organization_id: str | None) -> dict:
        """Remove now what is past retention (with an API key: that organization's workflows only)."""
        return self.retention.run(organization_id)

    def retention_plan(self, organization_id: str) -> dict | None:
        """What retention will remove of an organization and when (None: retention is off)."""
        return self.retention.plan(organization_id)

    def _forget_removed(self, organization_ids: set[str], workflow_ids: set[str]) -> int:
        """Drop what memory alone holds about removed organizations and workflows; return the request-log entries gone."""
        for org_id in organization_ids:
            self.clock.reset(org_id)
            self.fault_rules.clear(org_id)
            self.dispatcher.faults.clear(org_id)
        return self.request_log.forget(organization_ids, workflow_ids)

    # -- webhook deliveries -------------------------------------------------------------------
    def deliveries(self, organization_id: str | None, **filters) -> dict:
        """Webhook deliveries with their attempts, newest first, filtered by field values."""
        wanted = {k: str(v) for k, v in filters.items() if v is not None}
        rows = [d for d in self.store.all("deliveries")
                if (organization_id is None or d["organization_id"] == organization_id)
                and all(d.get(k) == v for k, v in wanted.items())]
        rows.sort(key=lambda d: d["seq"], reverse=True)
        return {"total": len(rows), "items": rows}

    def delivery(self, organization_id: str | None, delivery_id: str) -> dict:
        d = self.store.get("deliveries", delivery_id)
        if d is None or (organization_id and d["organization_id"] != organization_id):
            raise NotFound(f"Delivery '{delivery_id}' does not exist.", code_override="delivery_not_found")
        return d

    def webhook_request(self, organization_id: str | None, delivery_id: str) -> dict:
        """What the mock sends for a delivery: its URL, headers and body (the drift report compares them)."""
        d = self.delivery(organization_id, delivery_id)
        body = self.dispatcher.body_of(d)
        return {"url": d["url"], "headers": self.dispatcher.headers_for(d, body), "body": body}

    def redeliver(self, organization_id: str | None, delivery_id: str) -> dict:
        """Send a delivery's event again (same event_id) as a new delivery."""
        d = self.delivery(organization_id, delivery_id)
        with self.store.transaction() as tx:
            return self.outbox.redeliver(tx, d)

    def webhook_faults(self, organization_id: str | None) -> dict:
        with self.dispatcher.faults.lock:
            return self.dispatcher.faults.of(organization_id).as_dict()

    def arm_webhook_faults(self, organization_id: str | None, args: dict) -> dict:
        """Duplicate, delay or swap the next events (of this organization, or of everyone)."""
        with self.dispatcher.faults.lock:
            faults = self.dispatcher.faults.of(organization_id)
            faults.arm(args)
            return faults.as_dict()

    def clear_webhook_faults(self, organization_id: str | None) -> dict:
        self.dispatcher.faults.clear(organization_id)
        return self.webhook_faults(organization_id)

    # -- forced transitions -------------------------------------------------------------------
    def _workflow_for_control(self, organization_id: str | None, workflow_id: str) -> dict:
        wf = self.store.get("workflows", workflow_id)
        if wf is None or (organization_id and wf["organization_id"] != organization_id):
            raise NotFound(f"Workflow '{workflow_id}' does not exist.", code_override="workflow_not_found")
        return wf

    def force_expire(self, organization_id: str | None, workflow_id: str) -> dict:
        """Expire a workflow now, whatever its expires_at (fires WORKFLOW_EXPIRED, domain/events.py)."""
        self._workflow_for_control(organization_id, workflow_id)
        wf = self.lifecycle.force_expire(workflow_id)
        self.expiry_timer.rebuild()
        return wf

    def force_refuse(self, organization_id: str | None, workflow_id: str, signer_id: str | None,
                     reason: str | None) -> dict:
        """Refuse an in_progress workflow on a signer's behalf (fires WORKFLOW_REFUSED, domain/events.py)."""
        self._workflow_for_control(organization_id, workflow_id)
        return self.lifecycle.force_refuse(workflow_id, signer_id, reason)["workflow"]

    # -- request log and fault rules ------------------------------------------------------------
    def logged_requests(self, organization_id: str | None, **filters) -> dict:
        items = self.request_log.query(organization_id=organization_id, **filters)
        return {"total": len(items), "items": items}

    def clear_requests(self, organization_id: str | None) -> int:
        return self.request_log.clear(organization_id)

    def fault_list(self, organization_id: str | None) -> dict:
        return {"items": self.fault_rules.all(organization_id)}

    def add_fault(self, organization_id: str | None, spec: dict) -> dict:
        """Add a rule that answers a status, waits delay_ms, or drops the connection."""
        if not spec.get("status") and not spec.get("delay_ms") and not spec.get("drop"):
            raise ValidationFailed("A fault rule needs at least one of status, delay_ms or drop.",
                                   fields={"status": ["Give status, delay_ms or drop."]})
        return self.fault_rules.add(spec, organization_id)

    def remove_faults(self, organization_id: str | None, rule_id: str | None = None) -> int:
        """Remove one rule, or every rule (of this organization, or all); return how many went."""
        if rule_id is None:
            return self.fault_rules.clear(organization_id)
        if not self.fault_rules.remove(rule_id, organization_id):
            raise NotFound(f"Fault rule '{rule_id}' does not exist.", code_override="fault_not_found")
        return 1

    def has_fault_rules(self) -> bool:
        """Whether any fault rule is set (the usual answer, no, costs nothing to find)."""
        return self.fault_rules.any()

    def log_request(self, entry: dict) -> dict:
        """Add a served request to the request log."""
        return self.request_log.add(entry)

    def match_fault(self, method: str, path: str, organization_id: str | None) -> dict | None:
        return self.fault_rules.match(method, path, organization_id)

    # -- snapshots --------------------------------------------------------------------------------------
    def export_snapshot(self, organization_id: str | None) -> dict:
        """Every record and referenced file (of one organization, or all) as one JSON document."""
        state = export_state(self.store, organization_id)
        if organization_id is None:  # the operator's snapshot carries the instance's test CA (see signed documents)
            state["test_ca"] = self.document_jobs.ca_entry()
        return state

    def import_snapshot(self, organization_id: str | None, snapshot) -> dict:
        """Replace the state (of one organization, or all) with a snapshot; return the record counts."""
        ca = self._snapshot_ca(organization_id, snapshot)
        counts = import_state(self.store, self.clock, snapshot, organization_id)
        if ca is not None:
            self.document_jobs.install_ca(ca)
        self.document_jobs.wake()  # the snapshot's pending document jobs
        self.dispatcher.adopt_pending()  # and its pending webhooks (committed by import_state)
        self._save_clock()
        self.expiry_timer.rebuild()
        self.store.remove_unreferenced_blobs()
        return counts

    # -- signed documents ------------------------------------------------------------------------------
    # documents/jobs.py: a job per final workflow, run after commit; the PDFs are ordinary files of the organization.
    def test_ca_pem(self) -> bytes:
        """The certificate of the instance's test CA (PEM), the trust root of every signed PDF."""
        return self.document_jobs.ca().cert_pem

    def documents_idle(self, organization_id: str | None = None) -> bool:
        """True when no signed file or audit report (of this organization) is still to be produced."""
        return self.document_jobs.idle(organization_id)

    def _snapshot_ca(self, organization_id: str | None, snapshot):
        """The test CA of an operator snapshot (checked before anything is imported); an API key's import ignores it."""
        entry = snapshot.get("test_ca") if isinstance(snapshot, dict) else None
        if organization_id is not None or entry is None:
            return None
        try:
            return self.document_jobs.parse_ca(entry)
        except ValueError as exc:
            raise SnapshotError(str(exc)) from exc

    # -- what the dashboard lists (control/dashboard.py shapes the page) ----------------------------------
    def organization_list(self, organization_id: str | None) -> list[dict]:
        """The organizations (one, or all), each with its clock's now and offset."""
        return [{**o, "clock": iso(self.clock.now(o["organization_id"])), "offset": self.clock.offset(o["organization_id"]),
                 "previous_webhook_secret_until": self._previous_secret_until(o),
                 "removal_at": self.retention.organization_removal(o)}
                for o in self.organizations.all() if organization_id is None or o["organization_id"] == organization_id]

    def retention_summary(self, organization_id: str | None) -> dict | None:
        """The retention policy and its next run; the last run's counts are the operator's to see (no API key)."""
        summary = self.retention.summary()
        if organization_id is None or not self.retention.enabled:
            return summary
        return {**summary, "last_run": None}

    def workflows_by_status(self, organization_id: str | None, per_status: int) -> dict:
        """Per status, how many workflows there are and the newest per_status of them with their signers."""
        grouped = {}
        for status in WORKFLOW_STATUSES:
            rows = sorted((w for w in self.store.by("workflows", "status", status)
                           if organization_id is None or w["organization_id"] == organization_id),
                          key=lambda w: w["created_at"], reverse=True)
            shown = [{**wf, "signers": sorted(self.store.by("signers", "workflow_id", wf["workflow_id"]),
                                              key=lambda s: s["order"]),
                      "removal_at": self.retention.workflow_removal(wf)} for wf in rows[:per_status]]
            grouped[status] = {"total": len(rows), "items": shown}
        return grouped

    # -- captured messages ------------------------------------------------------------------------------
    def message_list(self, organization_id: str | None, **filters) -> list[dict]:
        """Captured messages (of one organization, or all), newest first, filtered by field values."""
        return self.messages.query(organization_id, **filters)

    def message(self, organization_id: str | None, message_id: str) -> dict:
        m = self.messages.get(message_id, organization_id)
        if m is None:
            raise NotFound(f"Message '{message_id}' does not exist.", code_override="message_not_found")
        return m

    def clear_messages(self, organization_id: str | None) -> int:
        return self.messages.clear(organization_id)

    def smtp_relay(self) -> str | None:
        """Where captured e-mails are also sent (smtp://host:port), or None."""
        return self.messages.relay.display if self.messages.relay else None

    def workflow_names(self, workflow_ids) -> dict[str, str]:
        """Each workflow's name by id (the id itself for one that is gone)."""
        names = {}
        for wid in workflow_ids:
            wf = self.store.get("workflows", wid)
            names[wid] = wf["name"] if wf else wid
        return names

    def message_eml(self, message: dict) -> bytes:
        """A captured e-mail as an RFC 5322 message, its attachments read from the blobs."""
        return to_eml(message, self.store)

    # -- seeding -------------------------------------------------------------------------------------
    def seed(self, folder) -> dict:
        """Load a fixtures folder's organizations and scenarios (records that exist are kept)."""
        from .seed import seed_folder  # the seed module builds records with the domain: imported where used

        counts = seed_folder(self, folder)
        self.expiry_timer.rebuild()
        return counts

    # -- the signing journey -------------------------------------------------------------------
    # The page's steps and the JSON actions of /sign/<token>; mock_server/signing adapts HTTP to these
    # and shapes the page (signing/view_model.py).
    def signing_records(self, token: str) -> dict:
        """Every record the signing page shows for this link, read at one moment (NotFound for an unknown link)."""
        with self.store.lock:
            signer, wf, files = self.journey.load(token)
            wid = wf["workflow_id"]
            interface = dict(self.workflows.interface_for(wf))
            # An icon or logo that is not an image (AddFile takes PDFs) would show as a broken image.
            for key, default in (("icon_file_id", DEFAULT_ICON_FILE_ID), ("logo_file_id", DEFAULT_LOGO_FILE_ID)):
                image = self.store.get("files", interface.get(key) or "")
                if interface.get(key) not in BUILTIN_FILES and not (
                        image and image.get("content_type", "").startswith("image/")):
                    interface[key] = default
            waiting = wf["status"] == "in_progress" and signer["status"] == "pending" and \
                not self.lifecycle.turn_of(signer, wf)
            return {"token": token, "signer": signer, "workflow": wf, "files": files, "interface": interface,
                    "signers": self.store.by("signers", "workflow_id", wid),
                    "fields": self.store.by("signatures", "workflow_id", wid),
                    "annotations": self.store.by("annotations", "workflow_id", wid), "waiting": waiting}

    def open_document(self, token: str, file_id: str) -> dict:
        """Record that the signer opened a document; return the page's records and the document's page sizes."""
        opened = self.journey.open_document(token, file_id)
        records = self.signing_records(token)
        meta, body = self.workflows.file_content(opened["workflow"]["organization_id"], file_id)
        return {**records, "page_sizes": self.page_renderer.sizes(meta["sha256"], lambda: body)}

    def signing_file(self, token: str, file_id: str) -> tuple[dict, bytes]:
        """A file of the link's workflow, or its interface's icon or logo."""
        signer, wf, files = self.journey.load(token)
        interface = self.workflows.interface_for(wf)
        allowed = {f["file_id"] for f in files} | {interface["icon_file_id"], interface["logo_file_id"]}
        if file_id not in allowed:
            raise NotFound("No such file in this workflow.", code_override="file_not_found")
        return self.workflows.file_content(wf["organization_id"], file_id)

    def page_image(self, token: str, file_id: str, page: int) -> bytes:
        """PNG of one page of a document of the link's workflow (rendered once, then cached)."""
        signer, wf, files = self.journey.load(token)
        f = self.journey.file_of(wf, file_id)
        if not 1 <= page <= f["page_count"]:
            raise NotFound(f"The document has {f['page_count']} pages.", code_override="page_not_found")
        return self.page_renderer.png(f["sha256"], page,
                                      lambda: self.workflows.file_content(wf["organization_id"], file_id)[1])

    def accept_terms(self, token: str, terms: bool, privacy: bool, ip=None, user_agent=None) -> dict:
        return self.journey.accept_terms(token, terms, privacy, ip, user_agent)

    def enter_password(self, token: str, password, ip=None, user_agent=None) -> dict:
        return self.journey.enter_password(token, password, ip, user_agent)

    def confirm_details(self, token: str, ip=None, user_agent=None) -> dict:
        return self.journey.confirm_details(token, ip, user_agent)

    def finish_documents(self, token: str, ip=None, user_agent=None) -> dict:
        return self.journey.finish_documents(token, ip, user_agent)

    def confirm_identity(self, token: str, ip=None, user_agent=None) -> dict:
        return self.journey.confirm_identity(token, ip, user_agent)

    def send_code(self, token: str, ip=None, user_agent=None) -> dict:
        return self.journey.send_code(token, ip, user_agent)

    def sign(self, token: str, password=None, code=None, on_page: bool = False, ip=None, user_agent=None) -> dict:
        """Sign: on the page after every step and with the code; as JSON with the password when one is set."""
        return self.journey.sign(token, password, code, on_page, ip, user_agent)

    def refuse(self, token: str, reason: str | None = None, ip=None, user_agent=None) -> dict:
        """Reject the signing process (at any step; no password needed)."""
        return self.lifecycle.refuse(token, reason, ip, user_agent)


class InstanceEffects:
    """The domain's Effects port (domain/effects.py), carried out by one instance's outbox, document jobs,
    captured messages and expiry timer."""

    def __init__(self, services: Services):
        self._services = services

    def webhook(self, tx, event: WebhookEvent, workflow: dict, occurred_at: str, **details) -> None:
        self._services.outbox.enqueue(tx, event.name, workflow, occurred_at, **details)

    def documents_due(self, tx, workflow: dict) -> None:
        self._services.document_jobs.queue(tx, workflow)

    def message(self, tx, kind: str, workflow: dict, signer: dict, **details) -> dict:
        return self._services.messages.record(tx, kind, workflow, signer, **details)

    def watch_expiry(self, workflow: dict) -> None:
        self._services.expiry_timer.watch(workflow)
