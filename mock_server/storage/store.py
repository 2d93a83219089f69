"""The record store: in-memory tables, an fsynced append-only journal, TinyDB-format snapshots.

Why not TinyDB's JSONStorage: it re-reads and rewrites the whole file on every
operation, so a write costs time in proportion to everything stored, and its
CachingMiddleware can lose acknowledged writes. Here every change is one JSON
line appended to a journal and fsynced before the caller answers (concurrent
writers share one fsync: group commit). At start the snapshot is loaded with
TinyDB and the journal replayed; compaction writes a fresh snapshot (a plain
TinyDB JSON file, one table per record type) by atomic rename.
"""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from tinydb import TinyDB
from tinydb.storages import JSONStorage

from .blobs import BlobStore, MemoryBlobStore

META_TABLE = "_meta"


class TableSpec:
    """Describe one record type: its key field and the fields it is indexed by."""

    def __init__(self, name: str, key: str, indexes: Iterable[str] = ()):
        self.name = name
        self.key = key
        self.indexes = tuple(indexes)


class _Table:
    def __init__(self, spec: TableSpec):
        self.spec = spec
        self.rows: dict[str, dict] = {}
        self.index: dict[str, dict[str, dict[str, None]]] = {f: {} for f in spec.indexes}

    def put(self, doc: dict) -> None:
        key = doc[self.spec.key]
        old = self.rows.get(key)
        for field_name, idx in self.index.items():
            if old is not None and old.get(field_name) != doc.get(field_name):
                idx.get(old.get(field_name), {}).pop(key, None)
            idx.setdefault(doc.get(field_name), {})[key] = None
        self.rows[key] = doc

    def delete(self, key: str) -> None:
        old = self.rows.pop(key, None)
        if old is None:
            return
        for field_name, idx in self.index.items():
            bucket = idx.get(old.get(field_name))
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del idx[old.get(field_name)]


class Transaction:
    """Collect the changes of one operation so they reach the journal as one line."""

    def __init__(self, store: "Store"):
        self._store = store
        self.ops: list[list] = []

    def put(self, table: str, doc: dict) -> dict:
        self._store._tables[table].put(doc)
        self.ops.append(["put", table, doc])
        return doc

    def delete(self, table: str, key: str) -> None:
        self._store._tables[table].delete(key)
        self.ops.append(["del", table, key])


class Store:
    """Hold every record in memory and make each committed change durable."""

    def __init__(self, path: str, specs: Iterable[TableSpec], compact_after: int = 20000):
        self.in_memory = path == ":memory:"
        self.path = None if self.in_memory else Path(path)
        self._specs = {s.name: s for s in specs}
        self._tables = {name: _Table(spec) for name, spec in self._specs.items()}
        self._lock = threading.RLock()
        self._sync_lock = threading.Lock()
        self._written = 0
        self._synced = 0
        self._journal = None
        self._journal_lines = 0
        self._generation = 0
        self._compact_after = compact_after
        self._compacting = False
        self.closed = False
        if self.in_memory:
            self.blobs = MemoryBlobStore()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.blobs = BlobStore(self.path.with_name(self.path.name + ".blobs"))
            self._load()
            self._open_journal()

    # -- reads -------------------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def key_field(self, table: str) -> str:
        return self._specs[table].key

    def tables(self) -> list[str]:
        return list(self._specs)

    def get(self, table: str, key: str) -> dict | None:
        return self._tables[table].rows.get(key)

    def all(self, table: str) -> list[dict]:
        with self._lock:
            return list(self._tables[table].rows.values())

    def count(self, table: str) -> int:
        return len(self._tables[table].rows)

    def by(self, table: str, field_name: str, value) -> list[dict]:
        """Return the records whose indexed field equals value, oldest first."""
        with self._lock:
            t = self._tables[table]
            keys = t.index[field_name].get(value, {})
            return [t.rows[k] for k in keys]

    # -- writes ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Apply changes under the store lock; the journal line is fsynced before this returns."""
        tx = Transaction(self)
        with self._lock:
            yield tx
            if not tx.ops or self.in_memory:
                return
            if self.closed:
                raise RuntimeError("store is closed")
            self._journal.write(json.dumps({"ops": tx.ops}, separators=(",", ":")) + "\n")
            self._written += 1
            self._journal_lines += 1
            target = self._written
            want_compaction = self._journal_lines >= self._compact_after and not self._compacting
            if want_compaction:
                self._compacting = True
        self._sync(target)
        if want_compaction:
            threading.Thread(target=self.compact, name="sign8-compact", daemon=True).start()

    def _sync(self, target: int) -> None:
        # Group commit: whoever holds the sync lock flushes everything written so far,
        # so writers queued behind it find their line already on disk.
        with self._sync_lock:
            if self._synced >= target:
                return
            with self._lock:
                if self._journal is None:
                    return
                self._journal.flush()
                upto = self._written
                fd = self._journal.fileno()
            os.fsync(fd)
            self._synced = upto

    def replace_all(self, tables: dict[str, list[dict]]) -> None:
        """Swap the whole state (restore of a snapshot, reset) durably."""
        with self.transaction() as tx:
            for name, t in self._tables.items():
                for key in list(t.rows):
                    tx.delete(name, key)
            for name, docs in tables.items():
                if name in self._tables:
                    for doc in docs:
                        tx.put(name, doc)

    # -- files on disk -----------------------------------------------------
    def _journal_path(self, generation: int) -> Path:
        return self.path.with_name(f"{self.path.name}.journal.{generation}")

    def _load(self) -> None:
        if self.path.exists() and self.path.stat().st_size > 0:
            db = TinyDB(str(self.path), storage=JSONStorage, access_mode="r")
            try:
                for name in db.tables():
                    if name == META_TABLE:
                        meta = db.table(META_TABLE).get(doc_id=1) or {}
                        self._generation = int(meta.get("journal_generation", 0))
                    elif name in self._tables:
                        for doc in db.table(name).all():
                            self._tables[name].put(dict(doc))
            finally:
                db.close()
        for generation in self._journal_generations():
            if generation >= self._generation:
                self._replay(self._journal_path(generation))
                self._generation = generation
            else:
                self._journal_path(generation).unlink(missing_ok=True)
        self.blobs.remove_unreferenced(self.referenced_blobs())

    def _journal_generations(self) -> list[int]:
        prefix = self.path.name + ".journal."
        found = []
        for p in self.path.parent.glob(prefix + "*"):
            suffix = p.name[len(prefix):]
            if suffix.isdigit():
                found.append(int(suffix))
        return sorted(found)

    def _replay(self, journal: Path) -> None:
        with open(journal, "rb") as fh:
            for raw in fh:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    # A torn last line is a write that was never acknowledged.
                    break
                for op, table, payload in entry["ops"]:
                    if table not in self._tables:
                        continue
                    if op == "put":
                        self._tables[table].put(payload)
                    else:
                        self._tables[table].delete(payload)
                self._journal_lines += 1

    def _open_journal(self) -> None:
        path = self._journal_path(self._generation)
        self._journal = open(path, "a", encoding="utf-8")
        _fsync_dir(self.path.parent)

    def referenced_blobs(self) -> set[str]:
        refs = set()
        for t in self._tables.values():
            for doc in t.rows.values():
                blob = doc.get("sha256") if isinstance(doc, dict) else None
                if blob:
                    refs.add(blob)
        return refs

    def compact(self) -> None:
        """Write a TinyDB snapshot of everything and drop the journal it covers."""
        if self.in_memory:
            return
        try:
            with self._lock:
                if self.closed:
                    return
                old_generation = self._generation
                self._journal.flush()
                os.fsync(self._journal.fileno())
                self._journal.close()
                self._generation += 1
                self._journal_lines = 0
                self._open_journal()
                # Records are replaced, never mutated, so shallow copies are a consistent view.
                copies = {name: list(t.rows.values()) for name, t in self._tables.items()}
                generation = self._generation
            self._write_snapshot(copies, generation)
            self._journal_path(old_generation).unlink(missing_ok=True)
        finally:
            self._compacting = False

    def _write_snapshot(self, tables: dict[str, list[dict]], generation: int) -> None:
        data = {META_TABLE: {"1": {"journal_generation": generation}}}
        for name, docs in tables.items():
            data[name] = {str(i): doc for i, doc in enumerate(docs, start=1)}
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    def close(self, compact: bool = True) -> None:
        """Flush everything; compact so the next start replays nothing."""
        if self.in_memory or self.closed:
            self.closed = True
            return
        if compact:
            self.compact()
        with self._lock:
            self._journal.flush()
            os.fsync(self._journal.fileno())
            self._journal.close()
            self.closed = True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
