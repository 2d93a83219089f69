"""The record store: in-memory tables, an fsynced append-only journal, TinyDB-format snapshots.

Why not TinyDB's JSONStorage: it re-reads and rewrites the whole file on every
operation, so a write costs time in proportion to everything stored, and its
CachingMiddleware can lose acknowledged writes. Here every change is one JSON
line appended to a journal and fsynced before the caller answers (concurrent
writers share one fsync: group commit). At start the snapshot (a plain TinyDB
JSON file, one table per record type, one record per line: snapshot_file.py) is
read record by record with orjson, not through TinyDB's table API, which parses
the whole file once per table; the journal is replayed into the rows alone and
each index is built once at the end. Compaction writes a fresh snapshot, still
readable by plain TinyDB, by atomic rename.

A transaction applies its changes at once (so the code inside it reads its own
writes) and keeps an undo log: if the body raises or the journal cannot be
written, memory is put back exactly as it was. Side effects registered with
tx.on_commit run only after the line is fsynced.

One process writes a database: an OS lock on <db>.lock, which the kernel releases
when the process dies, however it dies.
"""
from __future__ import annotations

import errno
import fcntl
import gc
import json
import logging
import os
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

import orjson

from . import start_cache
from .blobs import BlobStore, MemoryBlobStore
from .errors import StorageFull, StoreCorrupt, StoreInUse
from .snapshot_file import META_TABLE, NotLineLayout, read_records, snapshot_lines
from .start_cache import StartCache
from .tables import DeferredTable, Table, TableSpec

log = logging.getLogger("sign8_mock.store")

CLOSE_WAITS_FOR_COMPACTION = 3.0  # seconds; SIGTERM must end the process within 5 s


class Transaction:
    """Collect the changes of one operation so they reach the journal as one line."""

    def __init__(self, store: "Store"):
        self._store = store
        self.ops: list[list] = []
        self._undo: list[tuple[str, str, dict | None]] = []
        self._after_commit: list[Callable[[], None]] = []
        # Seconds the store's lock was held for this transaction (its body and the journal write, not the fsync):
        # what it made every other reader and writer wait at most; and this thread's CPU time in that while (the
        # wall time also counts whatever else the machine ran meanwhile). Set when the transaction ends.
        self.lock_held = 0.0
        self.lock_cpu = 0.0

    def put(self, table: str, doc: dict) -> dict:
        t = self._store._tables[table]
        self._undo.append((table, doc[t.spec.key], t.put(doc)))
        self.ops.append(["put", table, doc])
        return doc

    def delete(self, table: str, key: str) -> None:
        old = self._store._tables[table].delete(key)
        if old is not None:
            self._undo.append((table, key, old))
        self.ops.append(["del", table, key])

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run callback once the change is durable; never if the transaction fails."""
        self._after_commit.append(callback)

    def _rollback(self) -> None:
        for table, key, old in reversed(self._undo):
            t = self._store._tables[table]
            if old is None:
                t.delete(key)
            else:
                t.put(old)
        self._undo.clear()
        self.ops.clear()
        self._after_commit.clear()


class Store:
    """Hold every record in memory and make each committed change durable."""

    def __init__(self, path: str, specs: Iterable[TableSpec], compact_after: int = 20000,
                 salvage: bool = False, read_only: bool = False, before_sync: Callable | None = None):
        self.in_memory = path == ":memory:"
        self.path = None if self.in_memory else Path(path)
        self._specs = {s.name: s for s in specs}
        self._tables = {name: Table(spec) for name, spec in self._specs.items()}
        self._lock = threading.RLock()
        self._sync_lock = threading.Lock()
        self._written = 0
        self._synced = 0
        self._journal_fd: int | None = None
        self._journal_lines = 0
        self._generation = 0
        self._compact_after = compact_after
        self._compacting = False
        self._lock_fd: int | None = None
        self._failed: str | None = None
        # A test seam (storage/seams.py): called with the journal fd, the line's offset and the line after the
        # store lock is released and before the fsync: the window a power cut would hit.
        self._before_sync = before_sync
        # Files that a salvaging load (repair) found damaged, with what was wrong.
        self.damaged: list[tuple[Path, str]] = []
        self._salvage = salvage
        # Read-only (the check command): no lock, no journal opened, nothing cut off or deleted.
        self._read_only = read_only
        self.closed = False
        if self.in_memory:
            self.blobs = MemoryBlobStore()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not read_only:
            self._take_lock()
        try:
            self.blobs = BlobStore(self.path.with_name(self.path.name + ".blobs"))
            self._load()
            if read_only:
                self.closed = True
                return
            self._open_journal()
        except BaseException:
            self._release_lock()
            raise

    # -- reads -------------------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def key_field(self, table: str) -> str:
        return self._specs[table].key

    def tables(self) -> list[str]:
        return list(self._specs)

    def indexed_by(self, field_name: str) -> list[str]:
        """The tables with an index on this field (e.g. every table whose records belong to one workflow)."""
        return [name for name, spec in self._specs.items() if field_name in spec.indexes]

    def get(self, table: str, key: str) -> dict | None:
        with self._lock:
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
        """Apply changes under the store lock; the journal line is fsynced before this returns.

        On an exception inside the block, or a journal that cannot be written (StorageFull),
        memory is left exactly as it was. Callbacks given to tx.on_commit run after the fsync.
        """
        tx = Transaction(self)
        target = 0
        want_compaction = False
        with self._lock:
            locked_at, cpu_at = time.perf_counter(), time.thread_time()
            try:
                yield tx
                if tx.ops and not self.in_memory:
                    if self.closed:
                        raise RuntimeError("store is closed")
                    line = json.dumps({"ops": tx.ops}, separators=(",", ":")).encode("utf-8") + b"\n"
                    start = self._append(line)
                    target = self._written
                    want_compaction = self._journal_lines >= self._compact_after and not self._compacting
                    if want_compaction:
                        self._compacting = True
            except BaseException:
                tx._rollback()
                raise
            finally:
                tx.lock_held, tx.lock_cpu = time.perf_counter() - locked_at, time.thread_time() - cpu_at
        if target:
            if self._before_sync is not None:
                self._before_sync(self._journal_fd, start, line)
            self._sync(target)
        if want_compaction:
            threading.Thread(target=self.compact, name="sign8-compact", daemon=True).start()
        for callback in tx._after_commit:
            try:
                callback()
            except Exception:  # the change is durable; a failing side effect must not undo the answer
                log.exception("on_commit callback failed")

    def _append(self, line: bytes) -> int:
        """Write one whole line at the journal's end, or nothing (cut back on a short or failed write); return its offset."""
        if self._failed:
            raise StorageFull(self._failed)
        start = os.lseek(self._journal_fd, 0, os.SEEK_END)
        try:
            view = memoryview(line)
            while view:
                written = os.write(self._journal_fd, view)
                view = view[written:]
        except OSError as exc:
            try:
                os.ftruncate(self._journal_fd, start)
            except OSError:
                log.exception("could not cut a failed journal write back")
                self._failed = f"journal write failed and could not be undone: {exc.strerror}"
            raise StorageFull(f"{errno.errorcode.get(exc.errno, exc.errno)}: {exc.strerror}") from exc
        self._written += 1
        self._journal_lines += 1
        return start

    def _sync(self, target: int) -> None:
        # Group commit: whoever holds the sync lock flushes everything written so far,
        # so writers queued behind it find their line already on disk.
        with self._sync_lock:
            if self._synced >= target:
                return
            if self._failed:  # an fsync failed (here or in a compaction): nothing not synced before is acknowledged
                raise StorageFull(self._failed)
            with self._lock:
                if self._journal_fd is None:
                    return
                upto = self._written
                fd = self._journal_fd
            try:
                os.fsync(fd)
            except OSError as exc:
                # After a failed fsync the kernel may have dropped the dirty pages: nothing written
                # since can be trusted, so refuse writes until a restart replays what is really on disk.
                self._failed = f"fsync failed: {exc.strerror}"
                raise StorageFull(self._failed) from exc
            self._synced = upto

    # -- blobs ---------------------------------------------------------------
    @contextmanager
    def blob_upload(self, data: bytes) -> Iterator[str]:
        """Write a blob and keep it safe from cleanup until the block (which commits its record) ends."""
        try:
            digest = self.blobs.put(data, pin=True)
        except OSError as exc:
            raise StorageFull(f"blob write failed: {exc.strerror}") from exc
        try:
            yield digest
        finally:
            self.blobs.unpin(digest)

    def remove_unreferenced_blobs(self) -> int:
        """Delete blobs no record points at; under the lock, sparing uploads still in flight."""
        with self._lock:
            return self.blobs.remove_unreferenced(self.referenced_blobs())

    def remove_blobs_unless_referenced(self, digests: set[str], table: str = "files") -> tuple[int, float, float]:
        """Delete those of these blobs that no record of table points at and no upload has pinned.

        For removals of a few records among many: one scan of one table (the one that holds the blobs' digests)
        under the lock, not of every record; the files are deleted after the lock is released (an upload of the
        same bytes meanwhile waits for that, then writes its file anew). Returns how many went, how long the lock
        was held and this thread's CPU time in that while.
        """
        if not digests:
            return 0, 0.0, 0.0
        with self._lock:
            started, cpu = time.perf_counter(), time.thread_time()
            field_name = self._specs[table].blob_field
            used = {d for doc in self._tables[table].rows.values() if (d := doc.get(field_name)) in digests}
            claimed = self.blobs.claim(digests - used)
            held, cpu = time.perf_counter() - started, time.thread_time() - cpu
        return self.blobs.remove(claimed), held, cpu

    def compact_if_idle(self) -> bool:
        """Compact now, in this thread, unless a compaction is already running; tell whether it ran."""
        with self._lock:
            if self.in_memory or self.closed or self._compacting:
                return False
            self._compacting = True
        self.compact()
        return True

    # -- the lock file ---------------------------------------------------------
    def _take_lock(self) -> None:
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            try:
                pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or None
            finally:
                os.close(fd)
            raise StoreInUse(self.path, pid) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    # -- files on disk -----------------------------------------------------
    def _journal_path(self, generation: int) -> Path:
        return self.path.with_name(f"{self.path.name}.journal.{generation}")

    def _load(self) -> None:
        # Loading makes hundreds of thousands of dicts and frees none: the cyclic garbage collector would walk the
        # ever-growing heap again and again (more than half of a start-up at 50,000 workflows). Off while loading.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self._load_files()
        finally:
            if gc_was_on:
                gc.enable()
        if self._read_only:
            return
        for generation in self._journal_generations():
            if generation < self._generation and generation not in self._loaded_generations:
                self._journal_path(generation).unlink(missing_ok=True)
        self.blobs.remove_unreferenced(self.referenced_blobs())

    def _load_files(self) -> None:
        # Snapshot and journals fill the rows only; the indexes are built once, at the end, in the rows' order
        # (the order a load of a compacted snapshot gives them too).
        self._shared: dict[str, str] = {}
        if self.path.exists() and self.path.stat().st_size > 0:
            self._load_snapshot()
        generations = [g for g in self._journal_generations() if g >= self._generation]
        self._loaded_generations = generations
        for generation in generations:
            self._replay(self._journal_path(generation), newest=generation == generations[-1])
            self._generation = generation
        self._shared = {}
        for t in self._tables.values():
            if t.loaded:  # a deferred table not used yet builds its indexes when it is read
                t.reindex()

    def _load_snapshot(self) -> None:
        # The file as plain TinyDB reads it ({table: {doc_id: doc}}): record by record when it is in the layout
        # compaction writes, else parsed whole; orjson first (several times faster than json), json when orjson
        # refuses what json accepts (NaN, integers beyond 64 bits) and for the exact place of a real syntax error.
        # Before all that, the start-up cache of exactly this file, if there is one (start_cache.py).
        if self._load_snapshot_from_cache():
            return
        try:
            if self._load_snapshot_by_line():
                return
        except (NotLineLayout, ValueError):
            self._restart_tables()  # drop what was taken; the whole-document parse below decides and reports
        raw = self.path.read_bytes()
        try:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                data = json.loads(raw.decode("utf-8"))
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise ValueError("not a TinyDB JSON object of tables")
            for name, table in data.items():
                if not isinstance(table, dict):
                    raise ValueError(f"table '{name}' is not an object of documents")
                if name == META_TABLE:
                    meta = table.get("1") or {}
                    self._generation = int(meta.get("journal_generation", 0))
                else:
                    for doc in table.values():
                        self._take_snapshot_record(name, doc)
        except json.JSONDecodeError as exc:
            self._damaged(self.path, f"byte {exc.pos} (line {exc.lineno}, column {exc.colno})", exc.msg)
            self._restart_tables()
        except UnicodeDecodeError as exc:
            self._damaged(self.path, f"byte {exc.start}", "not UTF-8 text")
            self._restart_tables()
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            self._damaged(self.path, "its contents", str(exc) or type(exc).__name__)
            self._restart_tables()

    def _load_snapshot_from_cache(self) -> bool:
        """Take the snapshot's records from its start-up cache; False (nothing taken) when there is none for it."""
        if self._salvage or self._read_only:  # repair and check judge the snapshot file itself
            return False
        with open(self.path, "rb") as fh:
            try:
                generation, _ = read_records(fh)  # the header line only
            except NotLineLayout:
                return False
        cache = StartCache.open(self.path, generation)
        if cache is None:
            return False
        for name in cache.tables():
            spec = self._specs.get(name)
            if spec is None:
                continue
            if cache.is_deferred(name):
                self._tables[name] = DeferredTable(spec, partial(self._deferred_rows, cache, name, generation))
            else:
                self._tables[name].rows = cache.rows(name)
        cache.release_start_up_tables()
        self._generation = generation
        return True

    def _deferred_rows(self, cache: StartCache, table: str, generation: int) -> dict[str, dict]:
        """A deferred table's records, at its first use: from the cache, or (its section damaged) the snapshot."""
        rows = cache.rows(table)
        if rows is not None:
            return rows
        # Only a compaction replaces the snapshot, and it reads every table first: the file is still the one
        # the cache was made from.
        log.warning("%s: the start-up cache's '%s' section is damaged; reading the table from the snapshot",
                    self.path, table)
        rows, shared, key = {}, {}, self._specs[table].key
        with open(self.path, "rb") as fh:
            found_generation, records = read_records(fh)
            if found_generation != generation:
                raise StoreCorrupt(self.path, "its header", "replaced while the store was open")
            for name, doc in records:
                if name == table:
                    rows[doc[key]] = _share_strings(doc, shared)
        return rows

    def _load_snapshot_by_line(self) -> bool:
        """Load a snapshot in the one-record-per-line layout; False (nothing taken) for any other layout."""
        with open(self.path, "rb") as fh:
            try:
                generation, records = read_records(fh)
            except NotLineLayout:
                return False
            for name, doc in records:
                self._take_snapshot_record(name, doc)
        self._generation = generation
        return True

    def _take_snapshot_record(self, table: str, doc) -> None:
        """Put one record read from the snapshot into its table (records of unknown tables are skipped)."""
        t = self._tables.get(table)
        if t is None:
            return
        key = t.spec.key
        if not isinstance(doc, dict) or not isinstance(doc.get(key), str):
            raise ValueError(f"a '{table}' record without a string '{key}'")
        t.rows[doc[key]] = _share_strings(doc, self._shared)

    def _restart_tables(self) -> None:
        self._tables = {name: Table(spec) for name, spec in self._specs.items()}
        self._generation = 0

    def _damaged(self, path: Path, where: str, detail: str) -> None:
        if not self._salvage:
            raise StoreCorrupt(path, where, detail)
        self.damaged.append((path, f"{where}: {detail}"))

    def _journal_generations(self) -> list[int]:
        prefix = self.path.name + ".journal."
        found = []
        for p in self.path.parent.glob(prefix + "*"):
            suffix = p.name[len(prefix):]
            if suffix.isdigit():
                found.append(int(suffix))
        return sorted(found)

    def _replay(self, journal: Path, newest: bool) -> None:
        data = journal.read_bytes()
        pos = line_no = 0
        while pos < len(data):
            line_no += 1
            end = data.find(b"\n", pos)
            line = data[pos:] if end == -1 else data[pos:end]
            ops = _parse_ops(line) if end != -1 else None
            if ops is None:
                rest = b"" if end == -1 else data[end + 1:]
                if newest and not rest.strip(b"\x00\n \t"):
                    # A torn last line (power cut mid-write) is a write that was never acknowledged:
                    # cut it off, or the next appended line would be glued to it and lost at the next start.
                    if self._read_only:
                        return
                    log.warning("%s: cutting off %d bytes of an unfinished last line (line %d)",
                                journal, len(data) - pos, line_no)
                    with open(journal, "r+b") as fh:
                        fh.truncate(pos)
                        fh.flush()
                        os.fsync(fh.fileno())
                    return
                self._damaged(journal, f"line {line_no} (byte {pos})", "not a complete journal entry")
                pos = len(data) if end == -1 else end + 1
                continue
            tables = self._tables
            for op, table, payload in ops:
                t = tables.get(table)
                if t is None:
                    continue
                # Rows only: _load builds the indexes once all journals are replayed.
                if op == "put":
                    t.rows[payload[t.spec.key]] = _share_strings(payload, self._shared)
                else:
                    t.rows.pop(payload, None)
            self._journal_lines += 1
            pos = end + 1

    def _open_journal(self, sync_dir: bool = True) -> None:
        path = self._journal_path(self._generation)
        self._journal_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if sync_dir:
            _fsync_dir(self.path.parent)

    def referenced_blobs(self) -> set[str]:
        """The digests of every blob a record points at (only the tables that hold blobs are read)."""
        refs = set()
        for t in self._tables.values():
            field_name = t.spec.blob_field
            if field_name is None:
                continue
            for doc in t.rows.values():
                blob = doc.get(field_name)
                if blob:
                    refs.add(blob)
        return refs

    def read_deferred_tables(self) -> None:
        """Make the records of tables deferred at start-up now, outside the store's lock (tables.py)."""
        for t in list(self._tables.values()):
            if not t.loaded:
                t.rows  # noqa: B018 - reading it loads it

    def compact(self, write_start_cache: bool = False) -> None:
        """Write a TinyDB snapshot of everything and drop the journal it covers (with a start-up cache: at close)."""
        if self.in_memory:
            return
        try:
            self.read_deferred_tables()  # not while holding the lock that every request takes
            # The old journal and the new one's directory entry are fsynced after the store's lock is released
            # (requests go on meanwhile, into the new journal), but inside the sync lock: no writer is answered
            # before both are durable, whichever journal its line is in (_sync takes the same locks in this order).
            with self._sync_lock:
                with self._lock:
                    if self.closed:
                        return
                    old_generation = self._generation
                    old_fd, written = self._journal_fd, self._written
                    self._generation += 1
                    self._journal_lines = 0
                    self._open_journal(sync_dir=False)
                    # Records are replaced, never mutated, so shallow copies are a consistent view.
                    copies = {name: dict(t.rows) for name, t in self._tables.items()}
                    generation = self._generation
                try:
                    os.fsync(old_fd)
                    _fsync_dir(self.path.parent)
                except OSError as exc:
                    self._failed = f"fsync failed: {exc.strerror}"  # as in _sync: nothing since can be trusted
                    raise
                finally:
                    os.close(old_fd)
                self._synced = max(self._synced, written)
            self.write_snapshot(copies, generation, write_start_cache)
            self._journal_path(old_generation).unlink(missing_ok=True)
        except OSError:
            # Both journals stay and are replayed at the next start: nothing is lost, only not compacted.
            log.exception("compaction failed")
        finally:
            self._compacting = False

    def write_snapshot(self, rows_by_table: dict[str, dict[str, dict]], generation: int,
                       write_start_cache: bool = False) -> None:
        """Replace the snapshot by one of these records (atomically, fsynced); then write its start-up cache, or
        remove the one of an earlier snapshot (it would not be used, and it takes space)."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.writelines(snapshot_lines({name: rows.values() for name, rows in rows_by_table.items()},
                                             generation))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)
        if not write_start_cache:
            start_cache.cache_path(self.path).unlink(missing_ok=True)
            return
        # The cache keeps what its records share, so make equal short strings one object first, as a load from the
        # snapshot does: a restart from the cache then holds as little as one from the snapshot. Replacing a value
        # by an equal one is invisible to every reader, so the live records may be changed in place here.
        shared: dict[str, str] = {}
        for rows in rows_by_table.values():
            for doc in rows.values():
                _share_strings(doc, shared)
        start_cache.write(self.path, rows_by_table, generation,
                          deferred=[name for name, spec in self._specs.items() if spec.deferred])

    def close(self, compact: bool = True) -> None:
        """Flush everything; compact so the next start replays nothing."""
        if self.in_memory or self.closed:
            self.closed = True
            return
        if compact and not self._failed:
            # A compaction still running (the journal's, or retention's) writes the same temporary file: let it end.
            deadline = time.monotonic() + CLOSE_WAITS_FOR_COMPACTION
            while self._compacting and time.monotonic() < deadline:
                time.sleep(0.01)
            # Only here, for the next start: at every compaction while the mock runs, the cache would hold the
            # interpreter (marshal: ~0.1 s at a day's window of bench J) and write ~50 MB more, and a start after
            # a crash reads the snapshot and journal as it always did.
            self.compact(write_start_cache=True)
        with self._lock:
            try:
                os.fsync(self._journal_fd)
            finally:
                os.close(self._journal_fd)
                self._journal_fd = None
                self.closed = True
                self._release_lock()


_SHARED_MAX = 40  # timestamps, ids, statuses: the values records repeat (a parsed file gives each its own copy)


def _share_strings(doc: dict, shared: dict) -> dict:
    """Make a loaded record's short string values (and those of its lists of objects: events) one object per
    distinct value across the load; records are never mutated in place, so sharing is safe. At 50,000 workflows
    this keeps ~20 MB of duplicate organization ids, timestamps and statuses out of memory."""
    for k, v in doc.items():
        if type(v) is str:
            if len(v) <= _SHARED_MAX:
                doc[k] = shared.setdefault(v, v)
        elif type(v) is list:
            for item in v:
                if type(item) is dict:
                    for ik, iv in item.items():
                        if type(iv) is str and len(iv) <= _SHARED_MAX:
                            item[ik] = shared.setdefault(iv, iv)
    return doc


def _parse_ops(line: bytes) -> list | None:
    """Return a journal line's operations, or None if it is not a complete, well-formed entry."""
    try:
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            entry = json.loads(line)  # what json reads and orjson does not (NaN, integers beyond 64 bits)
        ops = entry["ops"]
        if not isinstance(ops, list) or not all(isinstance(o, list) and len(o) == 3 for o in ops):
            return None
        return ops
    except (ValueError, TypeError, KeyError):
        return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
