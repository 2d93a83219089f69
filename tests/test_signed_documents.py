"""Signed PDFs and audit reports over real HTTP: made after the final state, validated against /_mock/ca.pem,
named and attached, tenant-scoped, reset with the rest, kept in snapshots, and made exactly once across a SIGKILL.

A client polls GetWorkflow until signed_file_id / audit_report_file_id are present: so do these tests
(wait_until with a deadline, never a fixed sleep).
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import io
import signal
import subprocess

import pytest
import requests
from pypdf import PdfReader

from pdf_engines import make_pdf, normalize, require_tools, trust, validate
from sign8_flow import Api, LiveServer, act, build_draft, wait_until
from mock_server.documents import _text

READY_TIMEOUT = 90.0  # the first job of a process also imports pyHanko and fpdf2; the machine is shared
PEOPLE = [("Anna", "Müller", "anna@example.com"), ("Bernd", "Schulz", "bernd@example.com"),
          ("Chiara", "Rossi", "chiara@example.com")]
ANNOTATION = "Approved by the board"


@pytest.fixture(scope="module")
def three_pages() -> bytes:
    return make_pdf(3)


def draft(api: Api, pdf: bytes, people=PEOPLE, name="Lease") -> dict:
    """A started workflow with one 3-page file, a signer per person with a field on page 1, 2, 3, and an annotation."""
    made = build_draft(api.call, pdf, [{"email": mail, "first_name": first, "last_name": last, "phone": f"+49151{i:08d}"}
                                       for i, (first, last, mail) in enumerate(people)],
                       field=lambda i: {"page": i + 1, "x": 72, "y": 400, "width": 200, "height": 60},
                       file_name="lease.pdf", name=name)
    api.call("AddAnnotation", {"workflow_id": made["workflow_id"], "file_id": made["file"]["file_id"], "page": 2,
                               "x": 72, "y": 120, "text": ANNOTATION, "font_size": 14, "color": "#C00000"})
    api.call("StartWorkflow", {"workflow_id": made["workflow_id"]})
    return made


def documents_ready(api: Api, wid: str, signed: bool = True, timeout: float = READY_TIMEOUT) -> dict:
    """Poll GetWorkflow until the report (and, for a completed workflow, every signed file) is there."""
    def check():
        wf = api.workflow(wid)
        if wf["audit_report_file_id"] and (not signed or all(f["signed_file_id"] for f in wf["files"])):
            return wf
        return None

    wf = wait_until(check, timeout=timeout, interval=0.05)
    assert wf, f"no documents within {timeout} s: {api.workflow(wid)}"
    return wf


def completed(api: Api, pdf: bytes, **kw) -> tuple[dict, dict]:
    made = draft(api, pdf, **kw)
    for s in made["signers"]:
        assert act(s, "sign").status_code == 200
    return made, documents_ready(api, made["workflow_id"])


def download(api: Api, file_id: str) -> requests.Response:
    return api.get("GetFile", file_id=file_id)


# -- the signed file ----------------------------------------------------------------------------------
def test_every_signature_of_the_signed_file_validates_with_the_mock_ca_as_the_only_root(server, three_pages):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    api = Api(server.url)
    made, wf = completed(api, three_pages)
    assert len(wf["files"]) == 1  # the signed file and the report are not listed as extra originals
    original = wf["files"][0]
    assert original["file_id"] == made["file"]["file_id"]
    resp = download(api, original["signed_file_id"])
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == 'inline; filename="lease-signed.pdf"'
    signed = resp.content
    ca_resp = requests.get(f"{server.url}/_mock/ca.pem", timeout=10)
    assert ca_resp.status_code == 200 and ca_resp.headers["Content-Type"] == "application/x-pem-file"
    assert ca_resp.content.startswith(b"-----BEGIN CERTIFICATE-----")

    results = validate(signed, trust(ca_resp.content))
    assert len(results) == 3
    for n, (sig, status) in enumerate(results):
        assert status.intact and status.valid and status.trusted and status.bottom_line, status.pretty_print_details()
        expected = SignatureCoverageLevel.ENTIRE_FILE if n == 2 else SignatureCoverageLevel.ENTIRE_REVISION
        assert status.coverage == expected
    names = [sig.signer_cert.subject.native["common_name"] for sig, _ in results]
    assert names == [f"{first} {last}" for first, last, _ in PEOPLE]  # signing order
    assert [sig.signer_cert.subject_alt_name_value.native for sig, _ in results] == [[m] for _, _, m in PEOPLE]
    assert all(sig.signer_cert.issuer.native["common_name"] == "sign8-mock Test CA (not trusted)"
               for sig, _ in results)


@pytest.mark.filterwarnings("ignore:Relying on the operating system's trust list")
def test_the_chain_does_not_validate_with_the_system_roots(server, three_pages):
    from pyhanko_certvalidator import ValidationContext

    api = Api(server.url)
    _, wf = completed(api, three_pages)
    results = validate(download(api, wf["files"][0]["signed_file_id"]).content, ValidationContext(allow_fetching=False))
    assert results
    for _, status in results:
        assert status.intact and status.valid  # the bytes are fine...
        assert not status.trusted and not status.bottom_line  # ...but no system trusts the mock's CA


def test_poppler_reads_each_signers_name_on_their_page_and_the_annotation(server, three_pages):
    api = Api(server.url)
    made, wf = completed(api, three_pages)
    signed = PdfReader(io.BytesIO(download(api, wf["files"][0]["signed_file_id"]).content))
    assert len(signed.pages) == len(PdfReader(io.BytesIO(three_pages)).pages) == wf["files"][0]["page_count"] == 3
    # The stamps are the widgets' appearances: Poppler's text layer holds them (pypdf's has page content only).
    require_tools()
    out = subprocess.run(["pdftotext", "-", "-"], input=download(api, wf["files"][0]["signed_file_id"]).content,
                         capture_output=True, check=True).stdout.decode()
    texts = [normalize(page) for page in out.split("\f")[:-1]]
    for page, (first, last, _) in enumerate(PEOPLE):
        assert f"{first} {last}" in texts[page], (page, texts[page])
        assert all(f"{first} {last}" not in texts[other] for other in range(3) if other != page)
        assert f"Original page {page + 1}" in texts[page]  # the page's own content is still there
    assert ANNOTATION in texts[1]
    assert all("sign8-mock test signature: no legal effect" in texts[p] for p in range(3))


# -- the audit report -----------------------------------------------------------------------------------
def test_the_audit_report_holds_every_event_and_the_sha256_values(server, three_pages):
    api = Api(server.url)
    made, wf = completed(api, three_pages)
    resp = download(api, wf["audit_report_file_id"])
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == f'inline; filename="audit-report-{made["workflow_id"]}.pdf"'
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(resp.content)).pages)
    flat = " ".join(text.split())
    signed_bytes = download(api, wf["files"][0]["signed_file_id"]).content
    assert wf["files"][0]["sha256"] == hashlib.sha256(three_pages).hexdigest()
    assert wf["files"][0]["sha256"] in text and hashlib.sha256(signed_bytes).hexdigest() in text
    report_events = [e for e in wf["events"] if e["type"] != "documents_ready"]  # the report is made before it
    assert [e["type"] for e in report_events] == ["created", "started", "signer_signed", "signer_signed",
                                                  "signer_signed", "completed"]
    position = 0
    for e in report_events:
        found = flat.find(f"{_text.utc_text(e['at']).removesuffix(' UTC')} {e['type']}", position)
        assert found >= position, (e, flat)
        position = found
    for first, last, mail in PEOPLE:
        assert mail in text and f"{first} {last}" in flat
    assert wf["name"] in text and made["workflow_id"] in flat and "completed" in text.lower()


@pytest.mark.parametrize("end", ["refuse", "cancel", "expire"])
def test_a_workflow_ending_otherwise_gets_a_report_and_no_signed_files(server, three_pages, end):
    api = Api(server.url)
    made = draft(api, three_pages)
    wid = made["workflow_id"]
    assert act(made["signers"][0], "sign").status_code == 200
    before = api.workflow(wid)
    assert before["audit_report_file_id"] is None and before["files"][0]["signed_file_id"] is None
    if end == "refuse":
        assert act(made["signers"][1], "refuse", reason="Wrong rent").status_code == 200
    elif end == "cancel":
        api.post("CancelWorkflow", {"workflow_id": wid}, expect=200)
    else:
        assert api.control("POST", f"workflows/{wid}/expire").status_code == 200
    wf = documents_ready(api, wid, signed=False)
    assert wf["files"][0]["signed_file_id"] is None and len(wf["files"]) == 1
    report = download(api, wf["audit_report_file_id"]).content
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report)).pages).split())
    status = {"refuse": "refused", "cancel": "cancelled", "expire": "expired"}[end]
    assert wf["status"] == status and status in text.lower()
    assert wf["files"][0]["sha256"] in text
    assert [e["type"] for e in wf["events"]].count("documents_ready") == 1


# -- the completed e-mail ------------------------------------------------------------------------------------
def test_the_completed_email_carries_the_signed_file_and_the_report(server, three_pages):
    api = Api(server.url)
    made, wf = completed(api, three_pages)
    wanted = {wf["files"][0]["signed_file_id"], wf["audit_report_file_id"]}
    # The attachments are added in the transaction that sets the ids: they are there once the ids are.
    items = api.control("GET", "messages", kind="completed", workflow_id=made["workflow_id"]).json()["items"]
    assert sorted(m["to"] for m in items) == sorted(mail for _, _, mail in PEOPLE)
    for m in items:
        assert {a["file_id"] for a in m["attachments"]} == wanted
        assert {a["file_name"] for a in m["attachments"]} == {"lease-signed.pdf",
                                                              f"audit-report-{made['workflow_id']}.pdf"}
        assert "The signed documents and the audit report are attached." in m["text"]
    eml = api.control("GET", f"messages/{items[0]['message_id']}.eml")
    msg = email.message_from_bytes(eml.content, policy=email.policy.default)
    parts = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert set(parts) == {"lease-signed.pdf", f"audit-report-{made['workflow_id']}.pdf"}
    assert parts["lease-signed.pdf"] == download(api, wf["files"][0]["signed_file_id"]).content


# -- tenancy, reset, snapshots ------------------------------------------------------------------------------
def test_another_organization_gets_404_for_the_produced_files(server, three_pages):
    api = Api(server.url)
    _, wf = completed(api, three_pages)
    stranger = Api(server.url)
    for file_id in (wf["files"][0]["signed_file_id"], wf["audit_report_file_id"]):
        assert download(api, file_id).status_code == 200
        resp = stranger.get("GetFile", expect=None, file_id=file_id)
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "file_not_found"
        assert b"%PDF" not in resp.content


def test_reset_removes_the_produced_files_and_the_jobs(server, three_pages):
    api = Api(server.url)
    made, wf = completed(api, three_pages)
    other = Api(server.url)
    _, kept = completed(other, three_pages)
    ids = [wf["files"][0]["signed_file_id"], wf["audit_report_file_id"]]
    assert api.control("POST", "reset").status_code == 200
    for file_id in ids:
        assert api.get("GetFile", expect=None, file_id=file_id).status_code == 404
    state = requests.get(f"{server.url}/_mock/snapshot", timeout=30).json()
    assert not [j for j in state["tables"]["document_jobs"] if j["workflow_id"] == made["workflow_id"]]
    assert download(other, kept["audit_report_file_id"]).status_code == 200  # the other organization keeps its own


def test_snapshots_carry_the_documents_and_the_operators_carries_the_test_ca(server, three_pages):
    api = Api(server.url)
    _, wf = completed(api, three_pages)
    ca = requests.get(f"{server.url}/_mock/ca.pem", timeout=10).content
    keyless = requests.get(f"{server.url}/_mock/snapshot", timeout=30).json()
    assert keyless["test_ca"]["cert_pem"].encode() == ca and "PRIVATE KEY" in keyless["test_ca"]["key_pem"]
    assert "test_ca" not in api.control("GET", "snapshot").json()  # an organization's own snapshot: no CA key
    jobs = [j for j in keyless["tables"]["document_jobs"] if j["workflow_id"] == wf["workflow_id"]]
    assert [(j["status"], j["documents"]) for j in jobs] == [("done", "signed_and_report")]
    other = LiveServer()
    try:
        assert requests.get(f"{other.url}/_mock/ca.pem", timeout=10).content != ca  # each instance its own CA
        assert requests.post(f"{other.url}/_mock/snapshot", json=keyless, timeout=60).status_code == 200
        assert requests.get(f"{other.url}/_mock/ca.pem", timeout=10).content == ca
        copy = Api(other.url, key=api.key)
        signed = download(copy, wf["files"][0]["signed_file_id"]).content
        results = validate(signed, trust(ca))
        assert len(results) == len(PEOPLE) and all(status.bottom_line for _, status in results)
        assert download(copy, wf["audit_report_file_id"]).content == download(api, wf["audit_report_file_id"]).content
        broken = {**keyless, "test_ca": {"cert_pem": keyless["test_ca"]["cert_pem"], "key_pem": "nope"}}
        resp = requests.post(f"{other.url}/_mock/snapshot", json=broken, timeout=60)
        assert resp.status_code == 422 and resp.json()["error"]["code"] == "invalid_snapshot"
        assert requests.get(f"{other.url}/_mock/ca.pem", timeout=10).content == ca  # nothing changed
    finally:
        other.stop()


# -- failures are recorded and retried --------------------------------------------------------------------
def test_a_failure_is_an_event_and_is_retried(server, three_pages, monkeypatch):
    from mock_server.documents import signed_pdf

    real = signed_pdf.sign_document
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("simulated signing failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(signed_pdf, "sign_document", flaky)
    api = Api(server.url)
    made, wf = completed(api, three_pages)
    failed = [e for e in wf["events"] if e["type"] == "documents_failed"]
    assert len(failed) == 1 and failed[0]["attempt"] == 1 and failed[0]["retry_in_seconds"] > 0
    assert failed[0]["error"] == "RuntimeError: simulated signing failure"
    assert [e["type"] for e in wf["events"]][-2:] == ["documents_failed", "documents_ready"]
    assert len(calls) == 2
    results = validate(download(api, wf["files"][0]["signed_file_id"]).content,
                       trust(requests.get(f"{server.url}/_mock/ca.pem", timeout=10).content))
    assert len(results) == len(PEOPLE) and all(status.bottom_line for _, status in results)


# -- crash safety ------------------------------------------------------------------------------------------
def test_sigkill_right_after_the_last_signature_then_restart_makes_the_documents_once(server_process, tmp_path,
                                                                                         three_pages):
    from mock_server.storage import TABLES, Store

    db = tmp_path / "db.json"
    proc = server_process(db)
    api = Api(proc.url)
    made = draft(api, three_pages)
    for s in made["signers"][:-1]:
        assert act(s, "sign").status_code == 200
    ca_before = requests.get(f"{proc.url}/_mock/ca.pem", timeout=10).content
    assert act(made["signers"][-1], "sign").status_code == 200
    proc.stop(signal.SIGKILL)
    # What the crash left: the workflow completed and its job pending, no document made yet.
    left = Store(str(db), TABLES, read_only=True)
    wf = left.get("workflows", made["workflow_id"])
    assert wf["status"] == "completed" and not wf.get("audit_report_file_id")
    assert [j["status"] for j in left.all("document_jobs")] == ["pending"]
    assert (tmp_path / "db.json.ca" / "ca-cert.pem").read_bytes() == ca_before

    again = server_process(db)
    api = Api(again.url, key=api.key)
    wf = documents_ready(api, made["workflow_id"])
    assert requests.get(f"{again.url}/_mock/ca.pem", timeout=10).content == ca_before  # the same CA after restart
    results = validate(download(api, wf["files"][0]["signed_file_id"]).content, trust(ca_before))
    assert len(results) == len(PEOPLE) and all(status.bottom_line for _, status in results)
    # Exactly once, also after the worker has had time to do anything twice: one more restart, then look.
    again.stop(signal.SIGTERM)
    third = server_process(db)
    api = Api(third.url, key=api.key)
    wf = api.workflow(made["workflow_id"])
    assert [e["type"] for e in wf["events"]].count("documents_ready") == 1
    state = requests.get(f"{third.url}/_mock/snapshot", timeout=30).json()
    produced = [f for f in state["tables"]["files"] if f.get("workflow_id") == made["workflow_id"] and f.get("kind")]
    assert sorted(f["kind"] for f in produced) == ["audit_report", "signed"]
    assert [j["status"] for j in state["tables"]["document_jobs"]] == ["done"]
    assert len(api.control("GET", "messages", kind="completed").json()["items"]) == 3


# -- the README's validation example ---------------------------------------------------------------------------
def test_the_readme_validation_example_runs_against_a_live_mock(server, three_pages, tmp_path, monkeypatch, capsys):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("from pyhanko.keys import load_cert_from_pemder")
    example = readme[start:readme.index("```", start)]
    assert "validate_pdf_signature(sig, context)" in example and len(example.strip().splitlines()) <= 12
    api = Api(server.url)
    made = draft(api, three_pages)
    for s in made["signers"]:
        assert act(s, "sign").status_code == 200
    wf = documents_ready(api, made["workflow_id"])
    signed = download(api, wf["files"][0]["signed_file_id"])
    # What the README's comment and a client do: download ca.pem and the signed file under its own name.
    (tmp_path / "ca.pem").write_bytes(requests.get(f"{server.url}/_mock/ca.pem", timeout=10).content)
    (tmp_path / "contract-signed.pdf").write_bytes(signed.content)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3, lines
    for line, (first, last, _) in zip(lines, PEOPLE):
        assert f"Common Name: {first} {last}" in line and " True " in line, line
    assert lines[-1].endswith("ENTIRE_FILE") and lines[0].endswith("ENTIRE_REVISION")


def test_an_smtp_relay_gets_the_completed_emails_once_with_their_attachments(live_server_factory, three_pages):
    pytest.importorskip("aiosmtpd.controller")
    from test_messages_relay import Catcher

    catcher = Catcher()
    try:
        server = live_server_factory({"smtp_url": catcher.url})
        api = Api(server.url)
        made, wf = completed(api, three_pages)
        items = api.control("GET", "messages", kind="completed").json()["items"]
        assert len(items) == 3
        sent = wait_until(lambda: all(api.control("GET", f"messages/{m['message_id']}").json()["relay"]["status"]
                                      == "sent" for m in items), timeout=30)
        assert sent, [api.control("GET", f"messages/{m['message_id']}").json()["relay"] for m in items]
        envelopes = catcher.wait_for(6)  # 3 invitations, then 3 completed e-mails
        done = [email.message_from_bytes(e.content, policy=email.policy.default) for e in envelopes]
        done = [m for m in done if m["X-Sign8-Mock-Kind"] == "completed"]
        assert sorted(m["To"].addresses[0].addr_spec for m in done) == sorted(mail for _, _, mail in PEOPLE)
        for m in done:
            names = sorted(p.get_filename() for p in m.iter_attachments())
            assert names == sorted(["lease-signed.pdf", f"audit-report-{made['workflow_id']}.pdf"])
            assert all(p.get_content().startswith(b"%PDF") for p in m.iter_attachments())
    finally:
        catcher.stop()
