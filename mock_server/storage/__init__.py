"""The one place that touches TinyDB and the file blobs."""
from .errors import StorageFull, StoreCorrupt, StoreError, StoreInUse
from .store import Store
from .tables import TableSpec

TABLES = (
    TableSpec("organizations", "organization_id", ["api_key_hash"]),
    TableSpec("clocks", "scope"),
    TableSpec("interfaces", "interface_id", ["organization_id"]),
    TableSpec("workflows", "workflow_id", ["organization_id", "status"]),
    TableSpec("files", "file_id", ["workflow_id"], blob_field="sha256"),
    TableSpec("signers", "signer_id", ["workflow_id", "token_hash"]),
    TableSpec("signatures", "signature_id", ["workflow_id"]),
    TableSpec("annotations", "annotation_id", ["workflow_id"]),
    TableSpec("deliveries", "delivery_id", ["workflow_id", "status"]),
    # Deferred: their bodies are most of what a start-up would decode, and no request needs them until messages are
    # read or sent (tables.py).
    TableSpec("messages", "message_id", ["organization_id", "workflow_id"], deferred=True),
    # The queue of signed PDFs and audit reports to produce (mock_server/documents/jobs.py).
    TableSpec("document_jobs", "job_id", ["status", "workflow_id"]),
)

# The tables whose every record belongs to one organization (its organization_id): what a reset of one
# organization removes. The rest are the organizations themselves and the clocks (keyed by scope).
ORGANIZATION_TABLES = tuple(t.name for t in TABLES if t.name not in ("organizations", "clocks"))


def open_store(path: str, compact_after: int = 20000, **options) -> Store:
    """Open the store at path (or ':memory:') with every table of the mock."""
    return Store(path, TABLES, compact_after=compact_after, **options)


__all__ = ["Store", "TableSpec", "TABLES", "ORGANIZATION_TABLES", "open_store", "StorageFull", "StoreCorrupt", "StoreError", "StoreInUse"]
