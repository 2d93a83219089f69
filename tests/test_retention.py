"""Retention (--retention DAYS): what is past it goes with everything of it, on disk too; the rest stays."""
from __future__ import annotations

import base64
import gc
import hashlib
import json
import os
import signal
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import ServerProcess
from sign8_flow import SAMPLE_PDF, Api, act, wait_until

from mock_server.app import create_app
from mock_server.domain.records import file_record, signer_record, workflow_record
from mock_server.storage import TABLES, Store

DAY = 86400
# The background run waits this long after a start: these tests run retention themselves, at known moments.
LATER = {"retention_delay": 3600}
N = 10000  # workflows of the lock test: more than one 20 ms transaction removes, even on a fast machine


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
    """The database files (snapshot, journals) that contain this text (one a compaction just deleted is none)."""
    found = []
    for p in files_of_db(db):
        try:
            if needle.encode() in p.read_bytes():
                found.append(p.name)
        except FileNotFoundError:
            pass
    return found


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
    server = live_server_factory({"db": str(db), "retention": 1, **LATER})
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

    # What will go and when: GET /_mock/organization and the dashboard.
    plan = api.control("GET", "organization").json()["retention"]
    assert (plan["days"], plan["final_workflows"], plan["due_workflows"]) == (1, 2, 1), plan
    first, second = plan["next_workflow_removals"]
    assert first["workflow_id"] == old["workflow_id"] and second["workflow_id"] == recent["workflow_id"]
    assert first["removal_at"] < api.control("GET", "clock").json()["now"] < second["removal_at"]
    page = api.http.get(f"{server.url}/_mock/", headers=api.headers, timeout=15).text
    assert 'id="retention"' in page and first["removal_at"] in page and second["removal_at"] in page

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
    server = live_server_factory({"db": str(db), "retention": 1, **LATER})
    api = Api(server.url, key=api.key)
    # GetWorkflow's signing links name the new port; the request journal lives in memory (a restart empties it).
    kept = {wid: {**seen, "workflow": json.loads(json.dumps(seen["workflow"]).replace(old_url, server.url)),
                  "journal": set()} for wid, seen in kept.items()}
    check("after a restart")


# -- idle provisioned organizations ------------------------------------------------------------------------
def backdate_last_call(services, organization_id: str, days: int) -> None:
    """Pretend the organization's last call was `days` real days ago (real time cannot be moved from a test)."""
    with services.store.transaction() as tx:
        org = services.store.get("organizations", organization_id)
        day = (datetime.now(timezone.utc) - timedelta(days=days)).date().isoformat()
        tx.put("organizations", {**org, "last_call_on": day})


def journal_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + ".journal.*"))


def test_an_idle_provisioned_organization_goes_with_everything_and_a_call_is_recorded_once_a_day(
        live_server_factory, tmp_path):
    db = tmp_path / "mock.json"
    orgs_file = tmp_path / "organizations.json"
    orgs_file.write_text(json.dumps([{"api_key": "known-key-1", "name": "Known"}]))
    server = live_server_factory({"db": str(db), "retention": 1, "organizations_file": str(orgs_file), **LATER})
    services = server.services
    idle, active, known = Api(server.url), Api(server.url), Api(server.url, key="known-key-1")
    idle_wf = refused_with_files(idle, [unique_pdf("idle")])
    idle_draft = idle.draft(pdf=unique_pdf("idle draft"))
    active_wf = refused_with_files(active, [unique_pdf("active")])
    known_wf = refused_with_files(known, [unique_pdf("known")])
    orgs = {name: api.control("GET", "organization").json() for name, api in
            (("idle", idle), ("active", active), ("known", known))}
    today = datetime.now(timezone.utc).date().isoformat()
    assert orgs["idle"]["retention"]["last_call_on"] == today
    assert orgs["known"]["retention"]["organization_removal_at"] is None  # organizations.json: never removed
    assert orgs["idle"]["retention"]["organization_removal_at"] == (
        datetime.now(timezone.utc).date() + timedelta(days=2)).isoformat() + "T00:00:00.000Z"

    # Only the first call of a day writes (the day of the last call); the rest of the day's calls write nothing.
    size = journal_bytes(db)
    for _ in range(5):
        active.get("GetWorkflow", workflow_id=active_wf["workflow_id"])
        active.control("GET", "organization")
    assert journal_bytes(db) == size

    idle_id, known_id = orgs["idle"]["organization_id"], orgs["known"]["organization_id"]
    backdate_last_call(services, idle_id, 3)
    backdate_last_call(services, known_id, 30)
    assert services.retention_plan(idle_id)["organization_removal_at"] < datetime.now(timezone.utc).isoformat()
    page = Api(server.url).http.get(f"{server.url}/_mock/", timeout=15).text
    removal = services.retention_plan(idle_id)["organization_removal_at"]
    assert removal in page and page.count(">never<") == 1  # the known organization is never removed
    report = Api(server.url).control("POST", "retention/run", scoped=False).json()
    assert report["organizations_removed"] == 1 and report["workflows_removed"] == 2, report

    snapshot = Api(server.url).control("GET", "snapshot", scoped=False).json()
    assert idle_id not in json.dumps(snapshot["tables"])  # not one record of it in any table
    assert known_id in json.dumps(snapshot["tables"]["organizations"])
    assert not any(blob_path(db, d).exists() for d in idle_wf["digests"] | {digest(unique_pdf("idle draft"))})
    assert on_disk(db, idle_id) == []
    for api, made in ((active, active_wf), (known, known_wf)):
        assert api.workflow(made["workflow_id"])["status"] == "refused"
        assert all(blob_path(db, d).exists() for d in made["digests"])
    assert idle_draft["workflow_id"] not in json.dumps(snapshot)
    # The same key again: a new, empty organization.
    assert idle.get("ListWorkflows").json()["total"] == 0

    server.stop()
    server = live_server_factory({"db": str(db), "retention": 1, "organizations_file": str(orgs_file), **LATER})
    again = server.services.store.get("organizations", orgs["active"]["organization_id"])
    assert again["last_call_on"] == today  # the day of the last call is durable
    assert server.services.store.get("organizations", idle_id)["last_call_on"] == today  # (its new call)


# -- who may run it, and on what ----------------------------------------------------------------------------
def old_refused(api: Api) -> str:
    """A refused workflow that is two days past its final state on its organization's clock (retention 1 day)."""
    made = api.started()
    act(made["signers"][0], "refuse", "no").raise_for_status()
    # Its audit report made: the run removes a settled workflow (the report's file and blob included).
    assert wait_until(lambda: api.workflow(made["workflow_id"]).get("audit_report_file_id"), timeout=60)
    api.control("POST", "clock/advance", {"seconds": 2 * DAY})
    return made["workflow_id"]


def test_a_run_with_an_api_key_removes_only_that_organization_s_workflows_and_needs_the_admin_token(
        live_server_factory):
    server = live_server_factory({"retention": 1, "admin_token": "admin-secret", **LATER})
    admin = {"X-Admin-Token": "admin-secret"}

    class AdminApi(Api):
        @property
        def headers(self):
            return {**super().headers, **admin}

    a, b, c = AdminApi(server.url), AdminApi(server.url), AdminApi(server.url)
    a_old, b_old = old_refused(a), old_refused(b)
    c.get("ListWorkflows")
    c_id = c.control("GET", "organization").json()["organization_id"]
    backdate_last_call(server.services, c_id, 5)
    a.idle()
    b.idle()

    # Without the admin token: refused, like every control call when one is set; nothing removed.
    plain = Api(server.url, key=a.key)
    resp = plain.control("POST", "retention/run")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "admin_token_required"
    assert a.get("GetWorkflow", expect=None, workflow_id=a_old).status_code == 200

    # The admin token with A's key: A's workflows only; B's and the idle organization C stay.
    report = a.control("POST", "retention/run").json()
    assert (report["organization_id"], report["workflows_removed"], report["organizations_removed"]) == (
        a.control("GET", "organization").json()["organization_id"], 1, 0), report
    assert a.get("GetWorkflow", expect=None, workflow_id=a_old).status_code == 404
    assert b.get("GetWorkflow", expect=None, workflow_id=b_old).status_code == 200
    assert server.services.store.get("organizations", c_id) is not None

    # The admin token alone (the operator): everything past retention, idle organizations too.
    resp = server_run = Api(server.url).http.post(f"{server.url}/_mock/retention/run", headers=admin, timeout=15)
    report = server_run.json()
    assert resp.status_code == 200 and report["organization_id"] is None
    assert (report["workflows_removed"], report["organizations_removed"]) == (1, 1), report
    assert b.get("GetWorkflow", expect=None, workflow_id=b_old).status_code == 404
    assert server.services.store.get("organizations", c_id) is None


def test_without_retention_the_run_answers_409_and_nothing_is_recorded(live_server_factory):
    server = live_server_factory()
    api = Api(server.url)
    old = old_refused(api)
    resp = api.control("POST", "retention/run")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "retention_off"
    assert api.control("GET", "organization").json()["retention"] is None
    assert api.workflow(old)["status"] == "refused"
    org = server.services.store.get("organizations", api.control("GET", "organization").json()["organization_id"])
    assert "last_call_on" not in org  # no write for calls while retention is off


# -- the store's lock ----------------------------------------------------------------------------------------
def fill_old_workflows(services, n: int) -> str:
    """n refused workflows ten days past their final state, each with a file (one shared blob) and a signer."""
    long_ago = (datetime.now(timezone.utc) - timedelta(days=10)).isoformat().replace("+00:00", "Z")
    with services.store.blob_upload(SAMPLE_PDF.read_bytes()) as sha:
        with services.store.transaction() as tx:
            for i in range(n):
                wf = workflow_record(organization_id="org-1", name=f"W{i}", now=long_ago, expires_at=long_ago,
                                     status="refused")
                tx.put("workflows", {**wf, "refused_at": long_ago})
                tx.put("files", file_record(workflow_id=wf["workflow_id"], organization_id="org-1", file_name="c.pdf",
                                            size=1, sha256=sha, page_count=1, now=long_ago))
                tx.put("signers", signer_record(workflow_id=wf["workflow_id"], organization_id="org-1",
                                                email="a@example.com", order=1, now=long_ago))
    return sha


def run_beside(services, work, name: str = "beside") -> dict:
    """Run retention while another thread runs work(done) until done is set (when the run is over); the report."""
    done = threading.Event()
    thread = threading.Thread(target=work, args=(done,), name=name)
    thread.start()
    try:
        return services.run_retention(None)
    finally:
        done.set()
        thread.join()


def run_watched(services) -> tuple[dict, float]:
    """Run retention while another thread takes the store's lock every millisecond; return the run's report and
    the longest that thread waited for the lock (ms)."""
    waits = [0.0]

    def reader(done):
        while not done.is_set():
            began = time.perf_counter()
            with services.store.lock:
                waits.append(time.perf_counter() - began)
            done.wait(0.001)  # the next sample in a millisecond, or none once the run is over

    report = run_beside(services, reader)
    return report, max(waits) * 1000


def test_a_big_run_holds_the_store_lock_at_most_50_ms_at_a_time(tmp_path):
    """10,000 workflows past retention go in several short transactions; a reader never waits 50 ms for the lock.

    The work done under the lock (this thread's CPU time) must stay under 50 ms in every transaction. The wall
    time, what a reader waits, also counts what else the machine runs: it gets three attempts, and is asserted
    only while the machine is not overloaded (load average at most twice its CPUs); else it is reported. A removal
    that holds the lock too long by design (one big transaction) fails the CPU bound whatever the load."""
    # Without the background threads: the background run (5 s after a start) must not do this run's work.
    app = create_app({"db": str(tmp_path / "mock.json"), "retention": 1, "scheduler": False}, start_background=False)
    services = app.extensions["sign8"]
    attempts = []
    try:
        for _ in range(3):
            sha = fill_old_workflows(services, N)
            report, longest_wait = run_watched(services)
            assert report["workflows_removed"] == N and report["transactions"] >= 2, report
            assert services.store.count("workflows") == 0 and services.store.count("files") == 0
            assert not services.store.blobs.exists(sha)
            assert report["longest_lock_cpu_ms"] <= 50, report
            attempts.append((report["longest_lock_ms"], round(longest_wait, 2)))
            if report["longest_lock_ms"] <= 50 and longest_wait <= 50:
                break
        else:
            load = os.getloadavg()[0]
            message = f"the lock was held longer than 50 ms in every attempt (held, waited): {attempts}, load {load}"
            if load <= 2 * os.cpu_count():
                pytest.fail(message)
            print(f"not asserted on an overloaded machine: {message}")
    finally:
        services.stop()


def test_no_garbage_collection_starts_while_a_batch_holds_the_store_lock(tmp_path, monkeypatch):
    """A full collection walks every live record while holding the interpreter; started while a batch holds the
    lock (by the document worker's allocations, say), every request waiting for the lock waits for it too. While
    another thread allocates cycles as fast as it can (collections start every few milliseconds), none starts
    inside one of the run's transactions."""
    app = create_app({"db": str(tmp_path / "mock.json"), "retention": 1, "scheduler": False}, start_background=False)
    services = app.extensions["sign8"]
    in_transaction = threading.Event()
    started_inside, started = [], []
    transaction = services.store.transaction

    @contextmanager
    def watched_transaction():
        with transaction() as tx:
            in_transaction.set()
            try:
                yield tx
            finally:
                in_transaction.clear()

    def on_collection(phase, info):
        if phase == "start" and threading.current_thread().name == "allocator":
            started.append(info["generation"])
            if in_transaction.is_set():
                started_inside.append(info["generation"])

    def allocator(done):
        while not done.is_set():
            for _ in range(1000):
                a: list = []
                a.append(a)  # a cycle: garbage only a collection frees

    try:
        fill_old_workflows(services, 3000)
        monkeypatch.setattr(services.store, "transaction", watched_transaction)
        gc.callbacks.append(on_collection)
        try:
            report = run_beside(services, allocator, name="allocator")
        finally:
            gc.callbacks.remove(on_collection)
        assert report["workflows_removed"] == 3000 and report["transactions"] >= 2, report
        assert len(started) >= 20  # collections did start during the run
        assert started_inside == []
    finally:
        services.stop()


# -- a power cut in the middle of a run --------------------------------------------------------------------
def test_a_power_cut_mid_run_loses_nothing_that_stays_and_the_restart_finishes_the_run(tmp_path, server_process):
    """The run removes an idle organization's workflows (committed batch by batch), then dies at the power cut
    of the transaction that removes the organization itself: the restart finishes it, and deletes the blobs the
    committed batches left behind."""
    db = tmp_path / "mock.json"
    app = create_app({"db": str(db), "retention": 1, **LATER})
    services = app.extensions["sign8"]
    client = app.test_client()
    idle, active = {"Authorization": "Bearer idle-key-1"}, {"Authorization": "Bearer active-key-1"}
    made = {}
    for name, headers, count in (("idle", idle, 3), ("active", active, 1)):
        for i in range(count):
            wf = client.post("/api/workflow/AddWorkflow", json={"name": f"{name} {i}"}, headers=headers).get_json()
            data = base64.b64encode(unique_pdf(f"{name} {i}")).decode()
            assert client.post("/api/workflow/AddFile", json={"workflow_id": wf["workflow_id"], "file_name": "c.pdf",
                                                               "data": data}, headers=headers).status_code == 201
            made.setdefault(name, []).append(wf["workflow_id"])
    idle_id = client.get("/_mock/organization", headers=idle).get_json()["organization_id"]
    backdate_last_call(services, idle_id, 5)
    services.stop()
    idle_blobs = {digest(unique_pdf(f"idle {i}")) for i in range(3)}
    active_blob = digest(unique_pdf("active 0"))
    assert all(blob_path(db, d).exists() for d in idle_blobs | {active_blob})

    crashed = server_process(db, "--retention", "1", env={"SIGN8_MOCK_TEST_POWER_CUT_ON": "del:organizations"})
    assert crashed.wait_exit(timeout=60) == 137, crashed.output()  # the background run, FIRST_RUN_DELAY after start
    after_cut = Store(str(db), TABLES, read_only=True)
    assert after_cut.get("organizations", idle_id) is not None  # its removal was cut off by the power cut
    assert [w for w in made["idle"] if after_cut.get("workflows", w)] == []  # the batches before it are durable
    assert after_cut.get("workflows", made["active"][0]) is not None
    assert all(blob_path(db, d).exists() for d in idle_blobs)  # left behind: deleted after the run, which died

    restarted = server_process(db, "--retention", "1")
    operator = Api(restarted.url)

    def finished():
        tables = operator.control("GET", "snapshot", scoped=False).json()["tables"]
        return idle_id not in json.dumps(tables) and on_disk(db, idle_id) == []

    assert wait_until(finished, timeout=60), "the restart's run did not finish the removal"
    assert not any(blob_path(db, d).exists() for d in idle_blobs)
    active_api = Api(restarted.url, key="active-key-1")
    assert active_api.workflow(made["active"][0])["name"] == "active 0"
    assert blob_path(db, active_blob).exists()
    assert restarted.stop() == 0


def test_an_upload_of_bytes_being_deleted_waits_and_writes_its_blob_anew(tmp_path):
    """Blobs are deleted after the store's lock is released: an upload of the same bytes meanwhile must not find
    the file that is about to go and keep a record pointing at nothing."""
    store = Store(str(tmp_path / "mock.json"), TABLES)
    try:
        data = unique_pdf("twice")
        sha = store.blobs.put(data)
        claimed = store.blobs.claim({sha})
        assert claimed == {sha}
        uploaded = threading.Event()

        def upload():
            with store.blob_upload(data):
                uploaded.set()

        thread = threading.Thread(target=upload)
        thread.start()
        assert not uploaded.wait(0.3)  # it waits for the deletion
        assert store.blobs.remove(claimed) == 1
        thread.join(5)
        assert uploaded.is_set() and store.blobs.get(sha) == data  # written anew
        # And a blob an upload has pinned is never claimed.
        with store.blob_upload(data) as pinned:
            assert store.blobs.claim({pinned}) == set()
    finally:
        store.close()


def test_documents_not_made_yet_go_with_their_workflow_and_leave_no_bytes_behind(tmp_path):
    """A refused workflow past retention whose audit report is still queued goes with its job; a worker that was
    making the report meanwhile finds its job gone and deletes the PDF it wrote."""
    app = create_app({"db": str(tmp_path / "mock.json"), "retention": 1}, start_background=False)
    services = app.extensions["sign8"]  # no document worker: the job stays pending
    try:
        client = app.test_client()
        api = {"Authorization": "Bearer docs-key-1"}
        wf = client.post("/api/workflow/AddWorkflow", json={"name": "W"}, headers=api).get_json()
        wid = wf["workflow_id"]
        data = base64.b64encode(unique_pdf("docs")).decode()
        f = client.post("/api/workflow/AddFile", json={"workflow_id": wid, "file_name": "c.pdf", "data": data},
                        headers=api).get_json()
        s = client.post("/api/workflow/AddSigner", json={"workflow_id": wid, "email": "a@example.com",
                                                         "phone": "+4915100000000"}, headers=api).get_json()
        assert client.post("/api/workflow/AddSignature", json={"workflow_id": wid, "file_id": f["file_id"],
                           "signer_id": s["signer_id"], "page": 1, "x": 10, "y": 10, "width": 100, "height": 40},
                           headers=api).status_code == 201
        assert client.post("/api/workflow/StartWorkflow", json={"workflow_id": wid}, headers=api).status_code == 200
        assert client.post(f"/_mock/workflows/{wid}/refuse", json={}, headers=api).status_code == 200
        [job] = services.store.by("document_jobs", "workflow_id", wid)
        assert job["status"] == "pending"
        assert client.post("/_mock/clock/advance", json={"seconds": 2 * DAY}, headers=api).status_code == 200

        report = client.post("/_mock/retention/run", headers=api).get_json()
        assert (report["workflows_removed"], report["kept_for_later"]) == (1, 0), report
        assert report["records_removed"]["document_jobs"] == 1
        assert services.store.get("document_jobs", job["job_id"]) is None
        assert not services.store.blobs.exists(digest(unique_pdf("docs")))
        # The worker had been making the report: it commits to a job that is gone, and keeps nothing.
        made = b"%PDF-1.7 an audit report made too late"
        services.document_jobs._commit(job, {"signed": {}, "report": made, "files": []})
        assert not services.store.blobs.exists(digest(made))
    finally:
        services.stop()
