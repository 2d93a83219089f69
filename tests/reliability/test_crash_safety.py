"""Crash safety: writers hammer a file-backed server, SIGKILL at a random moment, every acknowledged write survives."""
from __future__ import annotations

import base64
import hashlib
import os
import random
import signal
import threading
import time
from pathlib import Path

import requests

from sign8_flow import SAMPLE_PDF, Api

CYCLES = int(os.environ.get("SIGN8_CRASH_CYCLES", "10"))
WRITERS = 6
FULL_CHECK_EVERY = 20
# A small compaction threshold so kills also land during snapshot writes.
ENV = {"SIGN8_MOCK_JOURNAL_COMPACT_LINES": "150"}


def unique_pdf(rng: random.Random) -> bytes:
    pdf = SAMPLE_PDF.read_bytes()
    cut = pdf.rfind(b"startxref")
    return pdf[:cut] + b"%" + rng.randbytes(16).hex().encode() + b"\n" + pdf[cut:]


class Writer(threading.Thread):
    """Create workflows, files, signers and fields until told to stop; record what got a 2xx."""

    def __init__(self, url: str, key: str, seed: int, acked: dict, stop: threading.Event):
        super().__init__(daemon=True)
        self.api = Api(url, key=key, timeout=5)
        self.rng = random.Random(seed)
        self.acked = acked
        self.stop_flag = stop

    def run(self):
        try:
            while not self.stop_flag.is_set():
                self.one_workflow()
        except (requests.RequestException, AssertionError):
            pass  # the server died under us: what was acknowledged before is what counts

    def one_workflow(self):
        wf = self.api.post("AddWorkflow", {"name": f"crash-{self.rng.random()}"}, expect=201).json()
        wid = wf["workflow_id"]
        self.acked["workflows"][wid] = {"files": {}, "signers": set()}
        pdf = unique_pdf(self.rng)
        f = self.api.post("AddFile", {"workflow_id": wid, "file_name": "c.pdf",
                                      "data": base64.b64encode(pdf).decode()}, expect=201).json()
        self.acked["workflows"][wid]["files"][f["file_id"]] = hashlib.sha256(pdf).hexdigest()
        for n in range(self.rng.randint(1, 3)):
            s = self.api.post("AddSigner", {"workflow_id": wid, "email": f"s{n}@example.com",
                                            "phone": "+4915112345678"}, expect=201).json()
            self.acked["workflows"][wid]["signers"].add(s["signer_id"])


def check_everything(api: Api, acked: dict, blob_dir: Path | None, only: set | None = None) -> int:
    """Read acknowledged objects back (all, or those of `only`); with blob_dir, check the blobs on disk too."""
    checked = 0
    for wid, parts in list(acked["workflows"].items()):
        if only is not None and wid not in only:
            continue
        detail = api.get("GetWorkflow", workflow_id=wid).json()
        assert {f["file_id"] for f in detail["files"]} >= set(parts["files"]), wid
        assert {s["signer_id"] for s in detail["signers"]} >= parts["signers"], wid
        for file_id, digest in parts["files"].items():
            body = api.get("GetFile", file_id=file_id).content
            assert hashlib.sha256(body).hexdigest() == digest
        checked += 1 + len(parts["files"]) + len(parts["signers"])
    if blob_dir is None:
        return checked
    referenced = set()
    total = api.get("ListWorkflows", limit=1).json()["total"]
    for offset in range(0, total, 500):
        for wf in api.get("ListWorkflows", limit=500, offset=offset).json()["items"]:
            referenced |= {f["sha256"] for f in api.workflow(wf["workflow_id"])["files"]}
    on_disk = {p.name for p in blob_dir.glob("??/*")}
    assert referenced - on_disk == set(), "blobs missing"
    assert on_disk - referenced == set(), "orphaned blobs (or temp files) left"
    return checked


def test_sigkill_loses_no_acknowledged_write(server_process, tmp_path):
    db = tmp_path / "db.json"
    key = "crash-" + os.urandom(8).hex()
    acked = {"workflows": {}}
    rng = random.Random()
    reads = 0
    recent: set = set()
    for cycle in range(CYCLES):
        proc = server_process(db, env=ENV)
        api = Api(proc.url, key=key)
        # The writes of the cycle just killed every time; everything (and the blobs) every FULL_CHECK_EVERY
        # cycles and at the end, so a soak of 200 cycles stays linear in time.
        full = cycle % FULL_CHECK_EVERY == 0
        reads += check_everything(api, acked, Path(f"{db}.blobs") if full else None, None if full else recent)
        before = set(acked["workflows"])
        stop = threading.Event()
        writers = [Writer(proc.url, key, rng.random(), acked, stop) for _ in range(WRITERS)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.2, 1.2))
        proc.proc.send_signal(signal.SIGKILL)
        proc.proc.wait(10)
        stop.set()
        for w in writers:
            w.join(10)
        recent = set(acked["workflows"]) - before
    proc = server_process(db, env=ENV)
    checked = check_everything(Api(proc.url, key=key), acked, Path(f"{db}.blobs"))
    proc.stop()
    assert acked["workflows"], "the writers never got an answer"
    print(f"\ncrash-safety: cycles={CYCLES} acknowledged={checked} reads={reads + checked} lost=0")
