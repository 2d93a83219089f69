"""Wire storage, the clock, the domain services and the webhook machinery together, without Flask."""
from __future__ import annotations

import logging

from .config import Settings
from .domain.clock import MockClock
from .domain.lifecycle import Lifecycle
from .domain.organizations import Organizations
from .domain.workflows import Workflows
from .storage import open_store
from .webhooks.dispatcher import Dispatcher
from .webhooks.outbox import Outbox
from .webhooks.scheduler import Scheduler

log = logging.getLogger("sign8_mock")

ORG_SCOPED_TABLES = ("workflows", "files", "signers", "signatures", "annotations", "interfaces", "deliveries")


class Services:
    """Everything one mock server instance holds; two instances can live in one process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = open_store(settings.db, settings.journal_compact_lines)
        offsets = {c["scope"]: c["offset_seconds"] for c in self.store.all("clocks")}
        self.clock = MockClock(offsets=offsets)
        self.organizations = Organizations(self.store, self.clock, settings.auth)
        self.outbox = Outbox(self.store, self.clock)
        self.workflows = Workflows(self.store, self.clock, settings)
        self.lifecycle = Lifecycle(self.store, self.clock, self.workflows, emit=self.outbox.enqueue)
        self.scheduler = Scheduler(self.store, self.clock, self.lifecycle)
        self.workflows.on_change = self.scheduler.watch
        self.dispatcher = Dispatcher(self.store, settings)
        self.outbox.listeners.append(self.dispatcher.wake)
        self.load_known_organizations()
        self.started = False

    def bind(self, host: str, port: int) -> None:
        """Adopt the address actually bound (port 0 is read back after binding)."""
        self.settings = self.settings.with_overrides(host=host, port=port)
        self.workflows.settings = self.settings

    def load_known_organizations(self) -> None:
        orgs_file = self.settings.resolved_organizations_file()
        if orgs_file is not None:
            self.organizations.load_file(orgs_file)

    def start(self) -> None:
        """Start the expiry timer and the webhook sender (idempotent)."""
        if self.started:
            return
        self.started = True
        if self.settings.scheduler:
            self.scheduler.start()
            # Workflows that expired while the mock was down expire now.
            self.scheduler.expire_due_now()
        self.dispatcher.start()

    def stop(self) -> None:
        """Stop background threads and make everything durable; pending deliveries stay queued."""
        self.scheduler.stop()
        self.dispatcher.stop()
        self.store.close()
        self.started = False

    # -- the clock ------------------------------------------------------------------------
    def _save_clock(self) -> None:
        offsets = self.clock.offsets()
        with self.store.transaction() as tx:
            for c in self.store.all("clocks"):
                if c["scope"] not in offsets:
                    tx.delete("clocks", c["scope"])
            for scope, offset in offsets.items():
                tx.put("clocks", {"scope": scope, "offset_seconds": offset})

    def clock_changed(self, organization_id: str | None) -> list[dict]:
        """Persist the clock and expire at once what became due."""
        self._save_clock()
        return self.scheduler.expire_due_now(organization_id)

    # -- reset ------------------------------------------------------------------------------
    def reset(self, organization_id: str | None = None) -> dict:
        """Forget every record (of one organization, or of all) and its clock."""
        removed = {}
        with self.store.transaction() as tx:
            for table in ORG_SCOPED_TABLES:
                key = self.store.key_field(table)
                rows = self.store.all(table)
                gone = [r for r in rows if organization_id is None or r.get("organization_id") == organization_id]
                for r in gone:
                    tx.delete(table, r[key])
                removed[table] = len(gone)
            if organization_id is None:
                for org in self.store.all("organizations"):
                    if not org.get("known"):
                        tx.delete("organizations", org["organization_id"])
        self.clock.reset(organization_id)
        self._save_clock()
        self.store.blobs.remove_unreferenced(self.store.referenced_blobs())
        self.scheduler.rebuild()
        if organization_id is None:
            self.dispatcher.faults.clear()
        return removed
