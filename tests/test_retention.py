"""Retention (--retention DAYS): what is past it goes with everything of it, on disk too; the rest stays."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import ServerProcess
from sign8_flow import SAMPLE_PDF, Api, act, wait_until

from mock_server.app import create_app
from mock_server.domain.records import file_record, signer_record, workflow_record
from mock_server.storage import TABLES, Store

DAY = 86400


def unique_pdf(tag: str) -> bytes:
    """The sample PDF with a comment appended: other bytes, so a blob of its own."""
    return SAMPLE_PDF.read_bytes() + f"\n% {tag}\n".encode()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refused_with_files(api: Api, pdfs: list[bytes]) -> dict:
    """A workflow with these files, started and refused by its signer (captured e-mails, a delivery, an audit
    report); returns it with its files' digests, the report's included, once the report is made."""
    made = api.draft(pdf=pdfs[0])
    wid = made["workflow_id"]
    for data in pdfs[1:]:
        api.post("AddFile", {"workflow_id": wid, "file_name": "annex.pdf", "data": base64.b64encode(data).decode()},
                 expect=201)
    api.post("StartWorkflow", {"workflow_id": wid}, expect=200)
    act(made["signers"][0], "refuse", "no").raise_for_status()
    wf = wait_until(lambda: (w := api.workflow(wid)).get("audit_report_file_id") and w, timeout=60)
    assert wf, "no audit report"
    report = api.get("GetFile", file_id=wf["audit_report_file_id"]).content
    return {"workflow_id": wid, "digests": {digest(d) for d in pdfs} | {digest(report)},
            "file_ids": [f["file_id"] for f in wf["files"]] + [wf["audit_report_file_id"]]}


def files_of_db(db: Path) -> list[Path]:
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name) and p.is_file()]


def on_disk(db: Path, needle: str) -> list[str]:
    """The database files (snapshot, journals) that contain this text."""
    return [p.name for p in files_of_db(db) if needle.encode() in p.read_bytes()]


def blob_path(db: Path, sha: str) -> Path:
    return db.with_name(db.name + ".blobs") / sha[:2] / sha


def everything_of(api: Api, wid: str) -> dict:
    """What the mock shows of a workflow: the workflow, its messages, deliveries and request-journal entries."""
    wf = api.get("GetWorkflow", expect=None, workflow_id=wid)
    messages = api.control("GET", "messages", workflow_id=wid).json()["items"]
    deliveries = api.control("GET", "webhooks", workflow_id=wid).json()["items"]
    journal = {e["id"] for e in api.control("GET", "requests", limit=5000).json()["items"] if wid in json.dumps(e)}
    return {"status": wf.status_code, "workflow": wf.json(), "messages": messages, "deliveries": deliveries,
            "journal": journal}


def test_a_workflow_past_retention_goes_with_everything_and_stays_gone_after_a_restart(live_server_factory,
                                                                                        tmp_path):
    db = tmp_path / "mock.json"
    server = live_server_factory({"db": str(db), "retention": 1})
    api = Api(server.url)
    shared = SAMPLE_PDF.read_bytes()
    old = refused_with_files(api, [unique_pdf("old"), shared])
    # Two days later on this organization's clock: the old one is a day past retention, the next one is new.
    api.control("POST", "clock/advance", {"seconds": 2 * DAY})
    recent = refused_with_files(api, [shared, unique_pdf("recent")])
    running = api.started(pdf=unique_pdf("running"))
    api.idle()
    before = everything_of(api, old["workflow_id"])
    assert before["status"] == 200 and before["messages"] and before["deliveries"] and before["journal"]
    assert all(blob_path(db, d).exists() for d in old["digests"])
    kept = {wid: everything_of(api, wid) for wid in (recent["workflow_id"], running["workflow_id"])}
    kept_files = recent["file_ids"] + [running["file"]["file_id"]]
    kept_digests = recent["digests"] | {digest(unique_pdf("running"))}

    report = api.control("POST", "retention/run").json()
    assert report["workflows_removed"] == 1, report
    assert report["records_removed"]["files"] == 3, report  # two uploads and the audit report
    assert report["blobs_removed"] == 2 and report["compacted"] is True, report  # the shared PDF stays

    def check(label: str) -> None:
        after = everything_of(api, old["workflow_id"])
        assert after["status"] == 404, label
        assert after["messages"] == [] and after["deliveries"] == [], label
        if label == "after the run":  # (the request journal lives in memory: a restart starts it empty)
            assert after["journal"].isdisjoint(before["journal"]), label  # entries made since name it, no older
        for file_id in old["file_ids"]:
            assert api.get("GetFile", expect=None, file_id=file_id).status_code == 404, label
        assert [d for d in old["digests"] if blob_path(db, d).exists()] == [digest(shared)], label
        assert on_disk(db, old["workflow_id"]) == [], label  # no snapshot or journal line names it any more
        for wid, seen in kept.items():
            now = everything_of(api, wid)
            assert (now["status"], now["workflow"]) == (200, seen["workflow"]), label
            assert (now["messages"], now["deliveries"]) == (seen["messages"], seen["deliveries"]), label
            assert seen["journal"] <= now["journal"], label
        for file_id in kept_files:
            assert api.get("GetFile", expect=None, file_id=file_id).status_code == 200, label
        assert all(blob_path(db, d).exists() for d in kept_digests), label

    check("after the run")
    old_url = server.url
    server.stop()
    server = live_server_factory({"db": str(db), "retention": 1})
    api = Api(server.url, key=api.key)
    # GetWorkflow's signing links name the new port; the request journal lives in memory (a restart empties it).
    kept = {wid: {**seen, "workflow": json.loads(json.dumps(seen["workflow"]).replace(old_url, server.url)),
                  "journal": set()} for wid, seen in kept.items()}
    check("after a restart")
