"""The store survives power loss, damaged files, a second writer and a full disk (issue 9, point 4)."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import uuid

import pytest

from mock_server.storage import TABLES, Store, StoreCorrupt, StoreInUse
from mock_server.storage.repair import repair_store
from sign8_flow import ROOT, Api



def put_workflow(store: Store, name: str) -> str:
    wid = str(uuid.uuid4())
    with store.transaction() as tx:
        tx.put("workflows", {"workflow_id": wid, "organization_id": "org", "status": "draft", "name": name})
    return wid


def journal_of(db) -> str:
    journals = sorted(p for p in os.listdir(os.path.dirname(db)) if ".journal." in p)
    return os.path.join(os.path.dirname(db), journals[-1])


def digest(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_an_exception_inside_a_transaction_leaves_memory_as_it_was(tmp_path):
    store = Store(str(tmp_path / "db.json"), TABLES)
    kept = put_workflow(store, "kept")
    before = {t: [dict(r) for r in store.all(t)] for t in store.tables()}
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.put("workflows", {**store.get("workflows", kept), "name": "changed"})
            tx.delete("workflows", kept)
            tx.put("workflows", {"workflow_id": "new", "organization_id": "org", "status": "draft"})
            raise RuntimeError("boom")
    assert {t: store.all(t) for t in store.tables()} == before
    assert store.by("workflows", "status", "draft") == [store.get("workflows", kept)]
    store.close()


def test_on_commit_runs_after_the_fsync_and_never_for_a_failed_transaction(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "db.json"), TABLES)
    events = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    with store.transaction() as tx:
        tx.put("workflows", {"workflow_id": "a", "organization_id": "org", "status": "draft"})
        tx.on_commit(lambda: events.append("side effect"))
    assert events == ["fsync", "side effect"]
    with pytest.raises(ValueError):
        with store.transaction() as tx:
            tx.on_commit(lambda: events.append("never"))
            raise ValueError
    assert "never" not in events
    store.close()


def test_a_torn_last_line_is_cut_off_so_later_writes_survive_every_restart(tmp_path):
    db = str(tmp_path / "db.json")
    store = Store(db, TABLES)
    first = put_workflow(store, "before the power cut")
    store.close(compact=False)
    with open(journal_of(db), "ab") as fh:  # the power cut: half a line at the journal's end
        fh.write(b'{"ops":[["put","workflows",{"workflow_id":"torn","na')
    store = Store(db, TABLES)
    assert store.get("workflows", "torn") is None
    after = put_workflow(store, "acknowledged after the recovery")
    store.close(compact=False)
    for _ in range(2):
        store = Store(db, TABLES)
        assert store.get("workflows", first) is not None
        assert store.get("workflows", after) is not None, "a write acknowledged after the recovery was lost"
        store.close(compact=False)


def test_a_damaged_line_in_the_middle_stops_the_store_and_names_it(tmp_path):
    db = str(tmp_path / "db.json")
    store = Store(db, TABLES)
    ids = [put_workflow(store, f"w{i}") for i in range(3)]
    store.close(compact=False)
    journal = journal_of(db)
    lines = open(journal, "rb").read().split(b"\n")
    lines[1] = lines[1].replace(b'"ops"', b'"ops', 1)  # no longer JSON
    open(journal, "wb").write(b"\n".join(lines))
    before = digest(journal)
    with pytest.raises(StoreCorrupt) as info:
        Store(db, TABLES)
    assert journal in str(info.value) and "line 2" in str(info.value) and "repair" in str(info.value)
    assert digest(journal) == before, "the damaged file was modified"
    moved = repair_store(db, TABLES)
    assert [str(m[0]) for m in moved] == [journal] and os.path.exists(moved[0][1])
    store = Store(db, TABLES)
    assert store.get("workflows", ids[0]) and store.get("workflows", ids[2]) and not store.get("workflows", ids[1])
    store.close()


def run_cli(*args, timeout=60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGN8_MOCK_")}
    return subprocess.run([sys.executable, "-m", "mock_server", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def test_serve_refuses_a_damaged_snapshot_with_one_line_and_exit_2(tmp_path):
    db = tmp_path / "db.json"
    store = Store(str(db), TABLES)
    kept = put_workflow(store, "kept")
    store.close()  # compacts: the record is in the snapshot now
    text = db.read_text()
    db.write_text(text[: len(text) // 2])
    before = digest(db)
    result = run_cli("serve", "--port", "0", "--db", str(db))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(db) in lines[0] and "byte" in lines[0] and "Traceback" not in result.stderr
    assert digest(db) == before
    check = run_cli("check", "--db", str(db))
    assert check.returncode == 2 and str(db) in check.stderr
    repaired = run_cli("repair", "--db", str(db))
    assert repaired.returncode == 0 and "moved aside" in repaired.stdout
    assert run_cli("check", "--db", str(db)).returncode == 0
    assert any(p.name.startswith("db.json.damaged-") for p in tmp_path.iterdir())
    assert kept  # the snapshot's records were unreadable; repair kept what the journals still held


def test_a_second_writer_on_one_database_exits_2_naming_the_first(tmp_path, server_process):
    db = tmp_path / "db.json"
    first = server_process(db)
    for command in (["serve", "--port", "0"], ["seed"], ["reset"], ["import", str(tmp_path / "x.json")]):
        (tmp_path / "x.json").write_text(json.dumps({"format": "sign8-mock-snapshot/1", "tables": {}}))
        result = run_cli(*command, "--db", str(db))
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert f"is in use by process {first.proc.pid}" in result.stderr, result.stderr
    assert first.stop(signal.SIGKILL) is not None
    # The OS dropped the lock with the killed process: the next start works.
    again = server_process(db)
    assert again.stop() == 0


def test_the_lock_is_per_open_store_in_one_process_too(tmp_path):
    db = str(tmp_path / "db.json")
    store = Store(db, TABLES)
    with pytest.raises(StoreInUse):
        Store(db, TABLES)
    store.close()
    Store(db, TABLES).close()


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs, or a skip saying why it cannot be mounted here."""
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True,
                            text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.strip() or result.returncode}): "
                    "the disk-full test needs root and mount rights")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_answers_507_changes_nothing_and_recovers(small_disk, server_process):
    db = small_disk / "db.json"
    server = server_process(db)
    api = Api(server.url)
    kept = api.post("AddWorkflow", {"name": "kept"}, expect=201).json()["workflow_id"]
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as fh:  # fill the disk to the last byte
        for chunk in (65536, 1):
            try:
                while True:
                    fh.write(b"\0" * chunk)
            except OSError:
                pass
    # The journal's last page may still have room for a few lines; the disk is full once a write is refused.
    acknowledged = {"kept"}
    for n in range(100):
        resp = api.post("AddWorkflow", {"name": f"while full {n}", "description": "d" * 1000})
        if resp.status_code == 507:
            break
        assert resp.status_code == 201, resp.text
        acknowledged.add(f"while full {n}")
    assert resp.status_code == 507 and resp.json()["error"]["code"] == "insufficient_storage", resp.text
    listed = {w["name"] for w in api.get("ListWorkflows", limit=200).json()["items"]}
    assert listed == acknowledged, "memory changed although the write failed"
    assert api.workflow(kept)["name"] == "kept", "reads must keep working"
    filler.unlink()
    api.post("AddWorkflow", {"name": "after space came back"}, expect=201)
    acknowledged.add("after space came back")
    assert server.stop(signal.SIGKILL) is not None
    again = server_process(db)
    names = {w["name"] for w in Api(again.url, api.key).get("ListWorkflows", limit=200).json()["items"]}
    assert names == acknowledged


def test_blob_cleanup_spares_an_upload_in_flight_and_removes_it_once_unreferenced(tmp_path):
    """Another organization's reset sweeps blobs while an upload sits between "blob written" and "record
    committed": the pinned blob stays; once the upload's block ends without a record, the next sweep takes it."""
    store = Store(str(tmp_path / "db.json"), TABLES)
    try:
        with store.blob_upload(b"%PDF-1.4 in flight") as in_flight:
            assert store.remove_unreferenced_blobs() == 0
            assert store.blobs.get(in_flight) == b"%PDF-1.4 in flight"
            with store.blob_upload(b"%PDF-1.4 committed") as committed:
                with store.transaction() as tx:
                    tx.put("files", {"file_id": "f1", "organization_id": "org", "sha256": committed})
        assert store.remove_unreferenced_blobs() == 1
        assert not store.blobs.exists(in_flight) and store.blobs.exists(committed)
    finally:
        store.close()
