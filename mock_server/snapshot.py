"""Export and restore the whole state as one JSON document, file bytes included."""
from __future__ import annotations

import base64

FORMAT = "sign8-mock-snapshot/1"


class SnapshotError(ValueError):
    pass


def export_state(services) -> dict:
    """Return every table and every referenced blob."""
    store = services.store
    with store.lock:
        tables = {name: store.all(name) for name in store.tables()}
    blobs = {}
    for f in tables.get("files", []):
        data = store.blobs.get(f["sha256"])
        if data is not None:
            blobs[f["sha256"]] = base64.b64encode(data).decode()
    return {"format": FORMAT, "tables": tables, "blobs": blobs}


def import_state(services, snapshot: dict) -> dict:
    """Replace the whole state with a snapshot; return the record counts."""
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        raise SnapshotError(f"Not a sign8-mock snapshot (expected format '{FORMAT}').")
    tables = snapshot.get("tables")
    if not isinstance(tables, dict):
        raise SnapshotError("A snapshot needs a 'tables' object.")
    store = services.store
    for name, rows in tables.items():
        if name not in store.tables():
            raise SnapshotError(f"Unknown table '{name}'.")
        key = store.key_field(name)
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get(key), str) for r in rows):
            raise SnapshotError(f"Table '{name}' must be a list of records with a string '{key}'.")
    for digest, data in (snapshot.get("blobs") or {}).items():
        try:
            raw = base64.b64decode(data, validate=True)
        except (ValueError, TypeError) as exc:
            raise SnapshotError(f"Blob {digest} is not valid base64.") from exc
        if store.blobs.put(raw) != digest:
            raise SnapshotError(f"Blob {digest} does not match its content's SHA-256.")
    # Organizations from the fixtures stay known even when the snapshot lacks them.
    known = {o["organization_id"]: o for o in store.all("organizations") if o.get("known")}
    merged = dict(tables)
    orgs = {o["organization_id"]: o for o in merged.get("organizations", [])}
    merged["organizations"] = list({**known, **orgs}.values())
    store.replace_all(merged)
    offsets = {c["scope"]: c["offset_seconds"] for c in store.all("clocks")}
    services.clock.reset()
    for scope, offset in offsets.items():
        services.clock.advance(offset, None if scope == "*" else scope)
    services.scheduler.rebuild()
    store.blobs.remove_unreferenced(store.referenced_blobs())
    return {name: len(rows) for name, rows in merged.items()}
