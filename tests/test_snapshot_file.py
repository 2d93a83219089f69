"""The snapshot file: plain TinyDB JSON, one record per line, read one record at a time (issue 14, F)."""
from __future__ import annotations

import json

import orjson
import pytest
import tinydb

from mock_server.storage import TABLES, Store, StoreCorrupt
from mock_server.storage import store as store_module

NAMES = ["plain", "line\nbreak", 'quote " and \\ backslash', "Grüße ✓", "}\n,\"2\":{"]


def write_store(db: str, names=NAMES) -> list[dict]:
    store = Store(db, TABLES)
    with store.transaction() as tx:
        for i, name in enumerate(names):
            tx.put("workflows", {"workflow_id": f"w{i}", "organization_id": "org", "status": "draft", "name": name,
                                 "metadata": {"n": [i, None, True]}})
    written = store.all("workflows")
    store.close()  # compacts: everything is in the snapshot now
    return written


def test_the_snapshot_is_plain_tinydb_json_with_one_record_per_line(tmp_path):
    db = str(tmp_path / "db.json")
    written = write_store(db)
    with tinydb.TinyDB(db, access_mode="r") as plain:
        assert sorted(plain.table("workflows").all(), key=lambda d: d["workflow_id"]) == written
    lines = open(db, "rb").read().splitlines()
    records = [line for line in lines if line.lstrip(b",").startswith(b'"') and not line.endswith(b"{")]
    assert len(records) == len(NAMES)
    assert [orjson.loads(line.split(b":", 1)[1]) for line in records] == written


def test_a_snapshot_in_any_other_layout_is_read_whole(tmp_path):
    db = tmp_path / "db.json"
    written = write_store(str(db))
    data = json.loads(db.read_text())
    for layout in ({"separators": (",", ":")}, {"indent": 4}):  # ours before, TinyDB's own
        db.write_text(json.dumps(data, **layout))
        store = Store(str(db), TABLES)
        assert store.all("workflows") == written
        store.close(compact=False)


def test_a_file_that_leaves_the_layout_halfway_is_read_whole_without_losing_a_record(tmp_path):
    db = tmp_path / "db.json"
    written = write_store(str(db))
    lines = db.read_text().split("\n")
    middle = next(i for i, line in enumerate(lines) if line.startswith(',"3":'))
    key, doc = lines[middle].split(":", 1)
    lines[middle] = key + ":" + json.dumps(json.loads(doc), indent=2)  # still valid JSON, no longer one line
    db.write_text("\n".join(lines))
    store = Store(str(db), TABLES)
    assert store.all("workflows") == written
    store.close(compact=False)


def test_a_snapshot_the_store_wrote_is_parsed_record_by_record(tmp_path, monkeypatch):
    """Parsing the whole file at once fragments the heap (F: 150 MB instead of 112 MB at 50,000 workflows)."""
    db = str(tmp_path / "db.json")
    written = write_store(db, [f"workflow {i}" for i in range(2000)])
    biggest = []
    real_loads = store_module.orjson.loads

    def loads(data):
        biggest.append(len(data))
        return real_loads(data)

    monkeypatch.setattr(store_module.orjson, "loads", loads)
    store = Store(db, TABLES)
    assert store.all("workflows") == written
    store.close(compact=False)
    assert max(biggest, default=0) < 1000, f"a parse of {max(biggest)} bytes: the whole file was parsed at once"


def test_a_snapshot_cut_off_at_a_line_break_is_damaged_not_half_loaded(tmp_path):
    db = tmp_path / "db.json"
    write_store(str(db))
    text = db.read_text()
    cut = text.index('\n,"3":') + 1  # every line before it is complete
    db.write_text(text[:cut])
    with pytest.raises(StoreCorrupt) as raised:
        Store(str(db), TABLES)
    assert str(db) in str(raised.value)


def test_a_record_line_without_its_comma_is_damaged_as_the_whole_document_is(tmp_path):
    db = tmp_path / "db.json"
    write_store(str(db))
    db.write_text(db.read_text().replace('\n,"3":', '\n"3":'))  # no longer JSON: TinyDB could not read it
    with pytest.raises(StoreCorrupt):
        Store(str(db), TABLES)
