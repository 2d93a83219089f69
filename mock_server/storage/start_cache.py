"""The start-up cache (<db>.cache): the snapshot's records in Python's marshal format, beside the snapshot.

    write(snapshot_path, rows_by_table, generation, deferred)  # after the snapshot is on disk (Store.close)
    cache = StartCache.open(snapshot_path, generation)          # None: read the snapshot itself
    cache.rows(table) -> {key: record}                           # at start-up, or later for a deferred table
    cache.close()

Why: a start-up spends its time making the records' Python objects, and JSON makes them the slow way. Parsing the
snapshot with orjson and then sharing the records' repeated strings (organization ids, timestamps, statuses) took
0.38 s for a day's window of a shared instance (7,500 create -> start -> refuse cycles, 53,000 records, 62 MB);
marshal makes the same objects in 0.12 s, and a string that several records shared when the cache was written is
shared again when it is read (marshal writes a shared object once and refers to it after), so the sharing costs
nothing at start-up. This is how Python itself starts fast (.pyc files beside the source).

The records are in sections: one for every table read at start-up, one for each deferred table (tables.py), which
is read at its first use. The file stays open until then: a compaction meanwhile replaces the path, not the file.

The snapshot stays the truth. The cache is used only when it was made from exactly that snapshot file (its
journal generation, size and modification time in nanoseconds), by the same Python version, and each section is
whole (length and CRC-32); anything else (a hand-edited or copied snapshot, an import, a torn write, another
Python) reads the snapshot as before. Only a clean stop writes it (Store.close), for the next start; a compaction
while the mock runs removes it, as its snapshot is replaced. It is not fsynced: losing it costs one slow start,
never data. The journals are replayed on top either way.
"""
from __future__ import annotations

import logging
import marshal
import os
import sys
import threading
import zlib
from pathlib import Path
from typing import Iterable

log = logging.getLogger("sign8_mock.store")

MAGIC = b"sign8-mock start-up cache 2\n"
_LENGTH_BYTES = 8
EAGER = ""  # the section of every table read at start-up


def cache_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".cache")


def _identity(snapshot_stat: os.stat_result, generation: int) -> tuple:
    return (sys.version_info[:2], marshal.version, int(generation), snapshot_stat.st_size, snapshot_stat.st_mtime_ns)


def write(snapshot: Path, rows_by_table: dict[str, dict[str, dict]], generation: int, deferred: Iterable[str]) -> None:
    """Write the cache of the snapshot just written (rows_by_table holds what it holds); remove it on failure."""
    target = cache_path(snapshot)
    tmp = target.with_name(target.name + ".tmp")
    deferred = set(deferred)
    sections = {EAGER: {name: rows for name, rows in rows_by_table.items() if name not in deferred}}
    sections.update((name, rows) for name, rows in rows_by_table.items() if name in deferred)
    try:
        payloads = [marshal.dumps(content) for content in sections.values()]
        where, offset = {}, 0
        for name, payload in zip(sections, payloads):
            where[name] = (offset, len(payload), zlib.crc32(payload))
            offset += len(payload)
        header = marshal.dumps((*_identity(snapshot.stat(), generation), where))
        with open(tmp, "wb") as fh:
            fh.write(MAGIC + len(header).to_bytes(_LENGTH_BYTES, "big") + header)
            for payload in payloads:
                fh.write(payload)
        os.replace(tmp, target)
    except (OSError, ValueError) as exc:  # a full disk, or a value marshal cannot write: start from the snapshot
        log.warning("start-up cache not written (%s); the next start reads the snapshot", exc)
        tmp.unlink(missing_ok=True)
        target.unlink(missing_ok=True)


class StartCache:
    """An open start-up cache that matches its snapshot."""

    def __init__(self, fd: int, start: int, sections: dict[str, tuple[int, int, int]]):
        self._fd: int | None = fd
        self._start = start
        self._sections = sections
        self._eager: dict[str, dict[str, dict]] | None = None
        self._unread = {name for name in sections if name != EAGER}  # the file closes once they are read
        self._lock = threading.Lock()

    @classmethod
    def open(cls, snapshot: Path, generation: int) -> "StartCache | None":
        """The cache made from exactly this snapshot file, its start-up section checked; else None."""
        try:
            fd = os.open(cache_path(snapshot), os.O_RDONLY)
        except OSError:
            return None
        cache = None
        try:
            head = os.pread(fd, len(MAGIC) + _LENGTH_BYTES, 0)
            if head[:len(MAGIC)] != MAGIC:
                return None
            header_length = int.from_bytes(head[len(MAGIC):], "big")
            header = marshal.loads(os.pread(fd, header_length, len(head)))
            *identity, sections = header
            if tuple(identity) != _identity(snapshot.stat(), generation) or not isinstance(sections, dict) \
                    or EAGER not in sections:
                return None
            start = len(head) + header_length
            if os.fstat(fd).st_size != start + sum(length for _, length, _ in sections.values()):
                return None  # cut short (or grown): written by something else than write() in one go
            cache = cls(fd, start, sections)
            eager = cache._section(EAGER)
            if eager is None:
                return None
            cache._eager = eager
            return cache
        except (OSError, ValueError, EOFError, TypeError):  # torn or foreign: the snapshot decides
            return None
        finally:
            if cache is None or cache._eager is None:
                os.close(fd)

    def tables(self) -> list[str]:
        """The tables the cache holds (a deferred one is read by rows(), later)."""
        return [*(self._eager or {}), *(name for name in self._sections if name != EAGER)]

    def is_deferred(self, table: str) -> bool:
        return table in self._sections and table != EAGER

    def rows(self, table: str) -> dict[str, dict] | None:
        """The records of one table; None if its section is damaged (the caller reads the snapshot instead)."""
        if not self.is_deferred(table):
            return (self._eager or {}).get(table)
        with self._lock:
            rows = self._section(table)
            self._unread.discard(table)
            if not self._unread:
                self.close()
        return rows

    def release_start_up_tables(self) -> None:
        """Forget the start-up section (the store holds its records now)."""
        self._eager = {}
        if not self._unread:
            self.close()

    def _section(self, name: str):
        offset, length, crc = self._sections[name]
        if self._fd is None:
            return None
        try:
            payload = os.pread(self._fd, length, self._start + offset)
            if len(payload) != length or zlib.crc32(payload) != crc:
                return None
            content = marshal.loads(payload)
        except (OSError, ValueError, EOFError, TypeError):
            return None
        return content if isinstance(content, dict) and all(isinstance(v, dict) for v in content.values()) else None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
