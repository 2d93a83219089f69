"""The request log (like WireMock's): every request the mock served, newest last, in a bounded ring buffer."""
from __future__ import annotations

import fnmatch
import itertools
import json
import re
import threading
from collections import deque
from datetime import datetime

from ..domain.clock import parse_iso

DEFAULT_CAPACITY = 5000
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class RequestLog:
    """Keep the last `capacity` requests; thread-safe; one per app."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, entry: dict) -> dict:
        with self._lock:
            entry["id"] = next(self._ids)
            self._entries.append(entry)
        return entry

    def clear(self, organization_id: str | None = None) -> int:
        """Forget every entry (or one organization's); return how many went."""
        with self._lock:
            before = len(self._entries)
            if organization_id is None:
                self._entries.clear()
            else:
                kept = [e for e in self._entries if e.get("organization_id") != organization_id]
                self._entries = deque(kept, maxlen=self.capacity)
            return before - len(self._entries)

    def forget(self, organization_ids: set[str], workflow_ids: set[str]) -> int:
        """Forget the entries of these organizations and those naming one of these workflows (path, query or
        body); return how many went. The entries are searched outside the lock: requests keep being recorded."""
        if not organization_ids and not workflow_ids:
            return 0
        with self._lock:
            rows = list(self._entries)
        gone = set()
        for e in rows:
            if e.get("organization_id") in organization_ids:
                gone.add(e["id"])
            elif workflow_ids:
                text = e["path"] + json.dumps(e.get("query")) + str(e.get("body") or "")
                if not workflow_ids.isdisjoint(_UUID.findall(text)):
                    gone.add(e["id"])
        if gone:
            with self._lock:
                self._entries = deque((e for e in self._entries if e["id"] not in gone), maxlen=self.capacity)
        return len(gone)

    def query(self, path=None, method=None, status=None, since=None, organization_id=None,
              violations=False, limit=None) -> list[dict]:
        """Return matching entries, newest first."""
        with self._lock:
            rows = list(self._entries)
        since_dt = since if since is None or isinstance(since, datetime) else parse_iso(since)
        out = []
        for e in reversed(rows):
            if path and not (e["path"] == path or fnmatch.fnmatchcase(e["path"], path)):
                continue
            if method and e["method"] != method.upper():
                continue
            if status is not None and e["status"] != status:
                continue
            if since_dt is not None and parse_iso(e["time"]) < since_dt:
                continue
            if organization_id and e.get("organization_id") != organization_id:
                continue
            if violations and not e.get("violation"):
                continue
            out.append(e)
            if limit and len(out) >= limit:
                break
        return out
