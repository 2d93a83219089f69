"""Content-addressed file bytes beside the database: the path derives from the SHA-256 only."""
from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Pins:
    """Count uploads in flight per digest (a blob written but whose record is not committed yet), and the digests
    being deleted: an upload of one of those waits until its file is gone, then writes it anew."""

    def __init__(self):
        self._lock = threading.Condition()
        self._counts: dict[str, int] = {}
        self._deleting: set[str] = set()

    def pin(self, digest: str) -> None:
        with self._lock:
            while digest in self._deleting:
                self._lock.wait()
            self._counts[digest] = self._counts.get(digest, 0) + 1

    def unpin(self, digest: str) -> None:
        with self._lock:
            left = self._counts.get(digest, 0) - 1
            if left > 0:
                self._counts[digest] = left
            else:
                self._counts.pop(digest, None)

    def pinned(self) -> set[str]:
        with self._lock:
            return set(self._counts)

    def claim(self, digests: set[str]) -> set[str]:
        """Mark those of digests that no upload has pinned as being deleted; return them."""
        with self._lock:
            free = {d for d in digests if d not in self._counts}
            self._deleting |= free
            return free

    def release(self, digests: set[str]) -> None:
        with self._lock:
            self._deleting -= digests
            self._lock.notify_all()


class BlobStore:
    """Keep each distinct content once, at blobs/<2 hex>/<64 hex>, written atomically."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._pins = _Pins()

    def unpin(self, digest: str) -> None:
        self._pins.unpin(digest)

    def _path(self, digest: str) -> Path:
        if not _HEX64.match(digest):
            raise ValueError("not a sha256 digest")
        return self.root / digest[:2] / digest

    def put(self, data: bytes, pin: bool = False) -> str:
        """Store data; with pin, cleanup spares it until unpin (pinned before it exists on disk)."""
        digest = sha256_hex(data)
        if pin:
            self._pins.pin(digest)
        target = self._path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_name(f"{digest}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError:
            tmp.unlink(missing_ok=True)
            if pin:
                self._pins.unpin(digest)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return digest

    def get(self, digest: str) -> bytes | None:
        try:
            return self._path(digest).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def exists(self, digest: str) -> bool:
        try:
            return self._path(digest).exists()
        except ValueError:
            return False

    def digests(self) -> set[str]:
        return {p.name for p in self.root.glob("??/*") if _HEX64.match(p.name)}

    def claim(self, digests: set[str]) -> set[str]:
        """Of these blobs, which no record refers to (the caller holds the store's lock and checked), mark those no
        upload has pinned as being deleted; remove() deletes them, without the store's lock."""
        return self._pins.claim(digests)

    def remove(self, claimed: set[str]) -> int:
        """Delete claimed blobs; an upload of the same bytes meanwhile waits, then writes its file anew."""
        removed = 0
        try:
            for digest in claimed:
                try:
                    self._path(digest).unlink()
                    removed += 1
                except (FileNotFoundError, ValueError):
                    pass
        finally:
            self._pins.release(claimed)
        return removed

    def remove_unreferenced(self, referenced: set[str]) -> int:
        """Delete blobs no record points at (a crash between blob and journal line) and temp files."""
        removed = 0
        keep = referenced | self._pins.pinned()
        for p in self.root.glob("??/*"):
            if p.name.endswith(".tmp"):
                if p.name.split(".", 1)[0] in keep:
                    continue  # an upload of a pinned digest is writing this file right now
            elif not _HEX64.match(p.name) or p.name in keep:
                continue
            p.unlink(missing_ok=True)
            removed += 1
        return removed


class MemoryBlobStore:
    """The same interface, for --db :memory:."""

    def __init__(self):
        self._data: dict[str, bytes] = {}
        self._pins = _Pins()

    def put(self, data: bytes, pin: bool = False) -> str:
        digest = sha256_hex(data)
        if pin:
            self._pins.pin(digest)
        self._data.setdefault(digest, bytes(data))
        return digest

    def unpin(self, digest: str) -> None:
        self._pins.unpin(digest)

    def get(self, digest: str) -> bytes | None:
        return self._data.get(digest)

    def exists(self, digest: str) -> bool:
        return digest in self._data

    def digests(self) -> set[str]:
        return set(self._data)

    def claim(self, digests: set[str]) -> set[str]:
        return self._pins.claim(digests)

    def remove(self, claimed: set[str]) -> int:
        try:
            return sum(self._data.pop(d, None) is not None for d in claimed)
        finally:
            self._pins.release(claimed)

    def remove_unreferenced(self, referenced: set[str]) -> int:
        keep = referenced | self._pins.pinned()
        stale = [d for d in list(self._data) if d not in keep]
        for d in stale:
            del self._data[d]
        return len(stale)
