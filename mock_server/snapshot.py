"""Export and restore the state (of one organization, or all) as one JSON document, file bytes included."""
from __future__ import annotations

import base64
from contextlib import ExitStack

from .domain.clock import GLOBAL

FORMAT = "sign8-mock-snapshot/1"


class SnapshotError(ValueError):
    pass


def _belongs(table: str, record: dict, organization_id: str | None) -> bool:
    if organization_id is None:
        return True
    if table == "clocks":
        return record.get("scope") == organization_id
    return record.get("organization_id") == organization_id


def export_state(store, organization_id: str | None = None) -> dict:
    """Return every table's records (of one organization, or all) and every blob they reference."""
    with store.lock:
        tables = {name: [r for r in store.all(name) if _belongs(name, r, organization_id)] for name in store.tables()}
    blobs = {}
    for rows in tables.values():
        for r in rows:
            digest = r.get("sha256")
            if digest and digest not in blobs:
                data = store.blobs.get(digest)
                if data is not None:
                    blobs[digest] = base64.b64encode(data).decode()
    return {"format": FORMAT, "organization_id": organization_id, "tables": tables, "blobs": blobs}


def _validate(store, snapshot, organization_id: str | None) -> dict:
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        raise SnapshotError(f"Not a sign8-mock snapshot (expected format '{FORMAT}').")
    tables = snapshot.get("tables")
    if not isinstance(tables, dict):
        raise SnapshotError("A snapshot needs a 'tables' object.")
    for name, rows in tables.items():
        if name not in store.tables():
            raise SnapshotError(f"Unknown table '{name}'.")
        key = store.key_field(name)
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get(key), str) for r in rows):
            raise SnapshotError(f"Table '{name}' must be a list of records with a string '{key}'.")
        if organization_id is not None and not all(_belongs(name, r, organization_id) for r in rows):
            raise SnapshotError(f"Table '{name}' holds records of another organization; with an API key a "
                                "snapshot may only hold that organization's records.")
    # Absent or null means no files; any other non-object (false, 0, "") is an error, as the document says.
    blobs = {} if snapshot.get("blobs") is None else snapshot["blobs"]
    if not isinstance(blobs, dict):
        raise SnapshotError("'blobs' must be an object of base64 strings by SHA-256.")
    return tables


def import_state(store, clock, snapshot, organization_id: str | None = None) -> dict:
    """Replace the state (of one organization, or all) with a snapshot; return the record counts."""
    tables = _validate(store, snapshot, organization_id)
    decoded = {}
    for digest, data in (snapshot.get("blobs") or {}).items():
        try:
            decoded[digest] = base64.b64decode(data, validate=True)
        except (ValueError, TypeError) as exc:
            raise SnapshotError(f"Blob {digest} is not valid base64.") from exc
    with ExitStack() as uploads:  # the blobs stay safe from cleanup until their records are committed
        for digest, raw in decoded.items():
            if uploads.enter_context(store.blob_upload(raw)) != digest:
                raise SnapshotError(f"Blob {digest} does not match its content's SHA-256.")
        merged = _merge_organizations(store, tables, organization_id)
        with store.transaction() as tx:
            for name in store.tables():
                key = store.key_field(name)
                for r in store.all(name):
                    if _belongs(name, r, organization_id) and not (name == "organizations" and organization_id):
                        tx.delete(name, r[key])
                for r in merged.get(name, []):
                    tx.put(name, r)
    _restore_clock(clock, merged.get("clocks", []), organization_id)
    return {name: len(rows) for name, rows in merged.items()}


def _merge_organizations(store, tables: dict, organization_id: str | None) -> dict:
    merged = dict(tables)
    if organization_id is not None:
        # An organization's own import never changes its key or webhook settings: the caller keeps access.
        merged.pop("organizations", None)
        return merged
    # Organizations from the fixtures stay known even when the snapshot lacks them.
    known = {o["organization_id"]: o for o in store.all("organizations") if o.get("known")}
    orgs = {o["organization_id"]: o for o in merged.get("organizations", [])}
    merged["organizations"] = list({**known, **orgs}.values())
    return merged


def _restore_clock(clock, rows: list[dict], organization_id: str | None) -> None:
    clock.reset(organization_id)
    for row in rows:
        scope = row["scope"]
        clock.advance(float(row.get("offset_seconds") or 0), None if scope == GLOBAL else scope)
