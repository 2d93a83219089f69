"""A test seam for power-loss tests: lose the unsynced tail of the journal and die before the fsync.

Real power loss cannot be caused from a test, so this simulates its effect at the one moment
that matters: the journal line is written (the page cache has it) but not fsynced. The process
cuts the line off again, as a power cut would lose it, and exits at once without cleanup.
Off unless SIGN8_MOCK_TEST_POWER_CUT_ON is set; never set it outside tests.
"""
from __future__ import annotations

import os

ENV = "SIGN8_MOCK_TEST_POWER_CUT_ON"
EXIT_STATUS = 137


def before_sync_from_env(environ=None):
    """Return the store's before-sync hook when the seam is on (its value: the table whose put triggers it)."""
    table = (environ if environ is not None else os.environ).get(ENV)
    if not table:
        return None
    needle = f'["put","{table}",'.encode()

    def power_cut(fd: int, line_start: int, line: bytes) -> None:
        if needle in line:
            os.ftruncate(fd, line_start)
            os._exit(EXIT_STATUS)

    return power_cut
