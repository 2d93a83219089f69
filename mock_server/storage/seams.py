"""A test seam for power-loss tests: lose the unsynced tail of the journal and die before the fsync.

Real power loss cannot be caused from a test, so this simulates its effect at the one moment
that matters: the journal line is written (the page cache has it, other threads see the change)
but not fsynced. The window is held open for WINDOW_SECONDS, long enough for any thread that acts
on the change too early (a webhook sender, say) to act; then the line is cut off again, as a power
cut would lose it, and the process exits at once without cleanup.
Off unless SIGN8_MOCK_TEST_POWER_CUT_ON is set; never set it outside tests. Its value names the table whose put
triggers it ("workflows"), or "del:<table>" for a removal from that table (retention's transactions remove).
"""
from __future__ import annotations

import os
import time

ENV = "SIGN8_MOCK_TEST_POWER_CUT_ON"
EXIT_STATUS = 137
WINDOW_SECONDS = 0.5


def before_sync_from_env(environ=None):
    """Return the store's before-sync hook when the seam is on (its value: the table whose put triggers it)."""
    table = (environ if environ is not None else os.environ).get(ENV)
    if not table:
        return None
    op, _, name = table.rpartition(":")
    needle = f'["{op or "put"}","{name}",'.encode()

    def power_cut(fd: int, line_start: int, line: bytes) -> None:
        if needle in line:
            time.sleep(WINDOW_SECONDS)
            os.ftruncate(fd, line_start)
            os._exit(EXIT_STATUS)

    return power_cut
