"""The store's tables in memory: rows by key, and an index per indexed field (value -> keys, oldest first)."""
from __future__ import annotations

import gc
import threading
from typing import Callable, Iterable


class TableSpec:
    """Describe one record type: its key field, the fields it is indexed by, the field naming its blob (if any),
    and whether its records may be read from the start-up cache at first use instead of at start-up."""

    def __init__(self, name: str, key: str, indexes: Iterable[str] = (), blob_field: str | None = None,
                 deferred: bool = False):
        self.name = name
        self.key = key
        self.indexes = tuple(indexes)
        self.blob_field = blob_field
        self.deferred = deferred


def build_index(rows: dict[str, dict], field_name: str) -> dict[object, dict[str, None]]:
    """Index rows by one field, in the rows' order."""
    idx: dict = {}
    for key, doc in rows.items():
        bucket = idx.get(doc.get(field_name))
        if bucket is None:
            idx[doc.get(field_name)] = {key: None}
        else:
            bucket[key] = None
    return idx


class Table:
    """Rows and indexes of one record type; changed only by the store, under its lock."""

    def __init__(self, spec: TableSpec):
        self.spec = spec
        self.rows: dict[str, dict] = {}
        self.index: dict[str, dict[object, dict[str, None]]] = {f: {} for f in spec.indexes}

    @property
    def loaded(self) -> bool:
        return True

    def put(self, doc: dict) -> dict | None:
        key = doc[self.spec.key]
        rows, index = self.rows, self.index
        old = rows.get(key)
        for field_name, idx in index.items():
            if old is not None and old.get(field_name) != doc.get(field_name):
                _unindex(idx, old.get(field_name), key)
            idx.setdefault(doc.get(field_name), {})[key] = None
        rows[key] = doc
        return old

    def delete(self, key: str) -> dict | None:
        old = self.rows.pop(key, None)
        if old is None:
            return None
        for field_name, idx in self.index.items():
            _unindex(idx, old.get(field_name), key)
        return old

    def reindex(self) -> None:
        """Build every index from the rows in one pass (after a load that filled only the rows)."""
        rows = self.rows
        self.index = {field_name: build_index(rows, field_name) for field_name in self.spec.indexes}


class DeferredTable(Table):
    """A table whose records are made from the start-up cache the first time anything reads or writes it.

    Why: captured messages are most of what a start-up decodes (their text and HTML bodies: 50 of 120 ms for a
    day's window of a shared instance) and no request needs them until someone asks for messages or a workflow
    sends one. The first use waits for them once, and the mock starts serving without them.
    """

    def __init__(self, spec: TableSpec, load: Callable[[], dict[str, dict]]):
        self.spec = spec
        self._load: Callable[[], dict[str, dict]] | None = load
        self._loading = threading.Lock()
        self._rows: dict[str, dict] = {}
        self._index: dict = {f: {} for f in spec.indexes}

    @property
    def loaded(self) -> bool:
        return self._load is None

    @property
    def rows(self) -> dict[str, dict]:
        if self._load is not None:
            self._ensure_loaded()
        return self._rows

    @rows.setter
    def rows(self, value: dict[str, dict]) -> None:
        self._ensure_loaded()
        self._rows = value

    @property
    def index(self) -> dict:
        if self._load is not None:
            self._ensure_loaded()
        return self._index

    @index.setter
    def index(self, value: dict) -> None:
        self._ensure_loaded()
        self._index = value

    def _ensure_loaded(self) -> None:
        with self._loading:
            if self._load is None:
                return
            # The records are new objects that live as long as the store: the cyclic collector need not walk the
            # growing heap while they are made (as at start-up, store.py's _load).
            gc_was_on = gc.isenabled()
            gc.disable()
            try:
                rows = self._load()
                index = {field_name: build_index(rows, field_name) for field_name in self.spec.indexes}
            finally:
                if gc_was_on:
                    gc.enable()
            self._rows, self._index = rows, index
            self._load = None


def _unindex(idx: dict, value, key: str) -> None:
    bucket = idx.get(value)
    if bucket is not None:
        bucket.pop(key, None)
        if not bucket:
            del idx[value]
