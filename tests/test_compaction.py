"""A compaction fsyncs the old journal without holding the store's lock, and acknowledges nothing early."""
from __future__ import annotations

import linecache
import sys
import threading

from mock_server.storage import open_store
from mock_server.storage import store as store_module
from sign8_flow import wait_until

COMPACTOR = "test-compaction"


def waiting_for_sync_lock(thread: threading.Thread) -> bool:
    """The thread stands at Store._sync's acquisition of the sync lock (with the lock held by another)."""
    frame = sys._current_frames().get(thread.ident)
    return frame is not None and frame.f_code.co_name == "_sync" and \
        "with self._sync_lock" in linecache.getline(frame.f_code.co_filename, frame.f_lineno)


def test_the_old_journal_is_fsynced_outside_the_lock_and_before_its_writers_are_answered(tmp_path, monkeypatch):
    fsync_started, release = threading.Event(), threading.Event()
    appended_before_compaction = threading.Event()
    real_fsync = store_module.os.fsync
    old_journal: list[int] = []
    lock_held_in_compaction_fsyncs: list[bool] = []

    def fsync(fd):
        if threading.current_thread().name == COMPACTOR:
            lock_held_in_compaction_fsyncs.append(store.lock._is_owned())
            if fd == old_journal[0]:
                fsync_started.set()  # the compaction's fsync of the old journal: held until the test releases it
                assert release.wait(10)
        return real_fsync(fd)

    def before_sync(fd, offset, line):
        # The early writer's line is in the old journal; it reaches its fsync only once the compaction has swapped.
        if b"early" in line:
            appended_before_compaction.set()
            assert fsync_started.wait(10)

    monkeypatch.setattr(store_module.os, "fsync", fsync)
    store = open_store(str(tmp_path / "db.json"), compact_after=10 ** 9, before_sync=before_sync)
    answered = {}

    def write(name):
        with store.transaction() as tx:
            tx.put("workflows", {"workflow_id": name, "organization_id": "o", "status": "draft"})
        answered[name] = True

    old_journal.append(store._journal_fd)
    early = threading.Thread(target=write, args=("early",))
    early.start()
    assert appended_before_compaction.wait(10)
    compactor = threading.Thread(target=store.compact, name=COMPACTOR)
    compactor.start()
    assert fsync_started.wait(10)
    # While the old journal's fsync runs: reads and new transactions get the lock ...
    assert store.get("workflows", "early")["status"] == "draft"
    late = threading.Thread(target=write, args=("late",))
    late.start()
    assert wait_until(lambda: store.get("workflows", "late") is not None)
    # ... but neither writer is answered before that fsync: the early one's line is in the old journal.
    assert wait_until(lambda: store._sync_lock.locked() and waiting_for_sync_lock(early)
                      and waiting_for_sync_lock(late))
    assert answered == {}
    release.set()
    for t in (early, late, compactor):
        t.join(10)
    assert answered == {"early": True, "late": True}
    assert len(lock_held_in_compaction_fsyncs) >= 3  # old journal, directory, new snapshot
    assert not any(lock_held_in_compaction_fsyncs)
    store.close()
    again = open_store(str(tmp_path / "db.json"))
    try:
        assert {w["workflow_id"] for w in again.all("workflows")} == {"early", "late"}
    finally:
        again.close()
