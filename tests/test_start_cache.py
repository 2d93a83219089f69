"""The start-up cache (storage/start_cache.py) gives exactly what the snapshot gives, or is not used."""
from __future__ import annotations

import json
import os

import pytest

from mock_server.storage import TABLES, open_store, start_cache
from mock_server.storage.store import Store
from mock_server.storage.tables import TableSpec

ORG = "0b5d5c1e-1111-4222-8333-944445555666"


def fill(path, workflows: int = 30) -> None:
    """Write records of several tables (messages with non-ASCII bodies), change some, delete some; close."""
    store = open_store(str(path))
    for i in range(workflows):
        wid = f"wf-{i:04d}"
        with store.transaction() as tx:
            tx.put("workflows", {"workflow_id": wid, "organization_id": ORG, "status": "draft", "name": f"Vertrag {i}",
                                 "events": [{"type": "created", "at": "2026-12-07T10:00:00.000Z"}]})
            tx.put("files", {"file_id": f"f-{i}", "workflow_id": wid, "organization_id": ORG, "sha256": None})
            tx.put("messages", {"message_id": f"m-{i}", "organization_id": ORG, "workflow_id": wid,
                                "subject": f"Bitte signieren: „Vertrag {i}“ 合同 📄", "html": "<p>…</p>" * 50})
    for i in range(0, workflows, 3):  # moved between index buckets: their order there is what a load gives
        with store.transaction() as tx:
            tx.put("workflows", {**store.get("workflows", f"wf-{i:04d}"), "status": "refused"})
    with store.transaction() as tx:
        tx.delete("messages", "m-1")
        tx.delete("workflows", "wf-0002")
    store.close()


def contents(store: Store) -> dict:
    """Every table's rows and indexes, in their order."""
    out = {}
    for name in store.tables():
        rows = store.all(name)
        spec = next(s for s in TABLES if s.name == name)
        out[name] = {"rows": rows, "index": {f: {repr(v): [r[spec.key] for r in store.by(name, f, v)]
                                                 for v in {r.get(f) for r in rows}} for f in spec.indexes}}
    return json.loads(json.dumps(out))


def from_snapshot(path) -> dict:
    """What a load from the snapshot alone gives (the check command's read-only load never uses the cache)."""
    return contents(Store(str(path), TABLES, read_only=True))


def test_a_restart_from_the_cache_gives_what_the_snapshot_gives(tmp_path):
    db = tmp_path / "db.json"
    fill(db)
    assert start_cache.cache_path(db).exists()
    expected = from_snapshot(db)
    store = open_store(str(db))
    try:
        assert store._tables["workflows"].rows is not None
        assert not store._tables["messages"].loaded  # deferred: read at first use
        assert contents(store) == expected
        assert store._tables["messages"].loaded
        assert len(expected["messages"]["rows"]) == 29 and len(expected["workflows"]["rows"]) == 29
    finally:
        store.close()


def test_a_deferred_table_written_before_it_is_read_keeps_its_records(tmp_path):
    db = tmp_path / "db.json"
    fill(db)
    store = open_store(str(db))
    with store.transaction() as tx:  # the first use is a write
        tx.put("messages", {"message_id": "m-new", "organization_id": ORG, "workflow_id": "wf-0003", "subject": "x"})
    assert len(store.by("messages", "workflow_id", "wf-0003")) == 2
    store.close()
    again = open_store(str(db))
    try:
        assert len(again.all("messages")) == 30
        assert again.get("messages", "m-0")["subject"].endswith("合同 📄")
    finally:
        again.close()


def test_journal_lines_after_the_snapshot_are_replayed_over_the_cache(tmp_path):
    db = tmp_path / "db.json"
    fill(db)
    store = open_store(str(db))
    with store.transaction() as tx:
        tx.put("workflows", {**store.get("workflows", "wf-0004"), "status": "completed"})
        tx.delete("messages", "m-5")
    expected = contents(store)
    store._release_lock()  # a crash: no compaction, the journal stays
    os.close(store._journal_fd)
    again = open_store(str(db))
    try:
        assert contents(again) == expected
    finally:
        again.close()


@pytest.mark.parametrize("change", ["edited snapshot", "touched snapshot", "torn cache", "other python"])
def test_a_cache_not_made_from_this_very_snapshot_is_not_used(tmp_path, change):
    db = tmp_path / "db.json"
    fill(db)
    cache = start_cache.cache_path(db)
    if change == "edited snapshot":  # by hand, same length: only the modification time tells
        text = db.read_text(encoding="utf-8")
        assert '"name":"Vertrag 7"' in text
        db.write_text(text.replace('"name":"Vertrag 7"', '"name":"Vertrag 8"'), encoding="utf-8")
    elif change == "touched snapshot":
        st = db.stat()
        os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    elif change == "torn cache":
        cache.write_bytes(cache.read_bytes()[:-10])
    else:
        data = cache.read_bytes()
        cache.write_bytes(data.replace(b"start-up cache 2", b"start-up cache 1"))
    expected = from_snapshot(db)
    store = open_store(str(db))
    try:
        assert store._tables["messages"].loaded  # read from the snapshot at start-up, as without a cache
        assert contents(store) == expected
        if change == "edited snapshot":
            assert [w["name"] for w in store.all("workflows")].count("Vertrag 8") == 2
    finally:
        store.close()


def test_a_damaged_deferred_section_is_read_from_the_snapshot(tmp_path, caplog):
    db = tmp_path / "db.json"
    fill(db)
    expected = from_snapshot(db)
    cache = start_cache.cache_path(db)
    data = bytearray(cache.read_bytes())
    data[-100] ^= 0xFF  # the last section: the messages
    cache.write_bytes(bytes(data))
    st = db.stat()
    store = open_store(str(db))
    try:
        assert db.stat().st_mtime_ns == st.st_mtime_ns
        assert not store._tables["messages"].loaded  # the start-up section is whole
        assert contents(store) == expected
        assert "section is damaged" in caplog.text
    finally:
        store.close()


def test_unknown_tables_in_the_cache_are_skipped_and_new_ones_start_empty(tmp_path):
    db = tmp_path / "db.json"
    specs = [TableSpec("workflows", "workflow_id", ["status"]), TableSpec("gone", "gone_id")]
    store = Store(str(db), specs)
    with store.transaction() as tx:
        tx.put("workflows", {"workflow_id": "w", "status": "draft"})
        tx.put("gone", {"gone_id": "g"})
    store.close()
    later = Store(str(db), [TableSpec("workflows", "workflow_id", ["status"]), TableSpec("new", "new_id")])
    try:
        assert [w["workflow_id"] for w in later.by("workflows", "status", "draft")] == ["w"]
        assert later.all("new") == []
    finally:
        later.close()


def test_only_a_clean_stop_writes_the_cache_and_a_compaction_while_running_removes_it(tmp_path):
    db = tmp_path / "db.json"
    fill(db)
    cache = start_cache.cache_path(db)
    assert cache.exists()
    store = open_store(str(db))
    try:
        with store.transaction() as tx:
            tx.put("workflows", {"workflow_id": "after", "organization_id": ORG, "status": "draft"})
        store.compact()  # as the journal's size or a retention run starts it
        assert not cache.exists()
    finally:
        store.close()
    assert cache.exists()
    again = open_store(str(db))
    try:
        assert not again._tables["messages"].loaded
        assert again.get("workflows", "after")["status"] == "draft"
    finally:
        again.close()
