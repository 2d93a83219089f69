"""Repair a damaged database: keep every intact record, move the damaged files aside, write a fresh snapshot."""
from __future__ import annotations

import time
from pathlib import Path

from .store import Store


def repair_store(db: str, tables) -> list[tuple[Path, Path, str]]:
    """Return (damaged file, where it was moved, what was wrong) for each file set aside."""
    store = Store(db, tables, salvage=True)
    moved = []
    try:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        # Every intact record is in memory now. Set the damaged files aside (renamed, never rewritten),
        # then write those records as a fresh snapshot that the next start loads.
        for path, problem in store.damaged:
            aside = path.with_name(f"{path.name}.damaged-{stamp}")
            path.rename(aside)
            moved.append((path, aside, problem))
        if moved:
            store.compact()
    finally:
        store.close(compact=False)
    return moved
