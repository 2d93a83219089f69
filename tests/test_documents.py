"""mock_server.documents: the test CA, signed PDFs (PAdES B-B via pyHanko) and the audit report.

Pure-function tests: no server. The signed file is made once per module (signing is the slow part).
"""
from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
import time

import pytest
from pypdf import PdfReader, PdfWriter

from mock_server.documents import _text
from pdf_engines import make_pdf, normalize, require_tools, trust, validate
from mock_server.documents.audit_report import FOOTER, audit_report, timeline
from mock_server.documents.ca import TestCA
from mock_server.documents.signed_pdf import NO_LEGAL_EFFECT, SIGNATURE_TYPES, field_name, sign_document
from sign8_flow import ROOT

ORG = "ACME Wohnbau GmbH"
SIGNED_AT = {"s-anna": "2026-11-28T09:30:00Z", "s-yulia": "2026-11-28T10:15:30.250000+00:00",
             "s-seal": "2026-11-28T11:00:00Z"}


# -- fixtures --------------------------------------------------------------------------------------
def signer(signer_id, email, first, last, order, created, kind=None):
    s = {"signer_id": signer_id, "email": email, "first_name": first, "last_name": last, "order": order,
         "created_at": created, "phone": "+49 170 0000000", "status": "signed"}
    if kind:
        s["signature_type"] = kind
    return s


# Listed out of signing order on purpose: the seal (order 2) signs last, Yulia (order 1, later) second.
SIGNERS = [
    signer("s-seal", "seal@acme.example", "Sam", "Sealer", 2, "2026-11-28T08:00:03Z", "qualified_seal"),
    signer("s-yulia", "yulia@example.com", "Юлия", "Иванова", 1, "2026-11-28T08:00:02Z", "qualified_signature"),
    signer("s-anna", "anna@example.com", "Anna", "Müller", 1, "2026-11-28T08:00:01Z"),
]
FIELDS = [
    {"file_id": "f1", "signer_id": "s-anna", "page": 1, "x": 72, "y": 600, "width": 180, "height": 50},
    {"file_id": "f1", "signer_id": "s-yulia", "page": 3, "x": 300, "y": 650, "width": 200, "height": 60},
    {"file_id": "f1", "signer_id": "s-seal", "page": 3, "x": 72, "y": 500, "width": 220, "height": 70},
    {"file_id": "other", "signer_id": "s-anna", "page": 9, "x": 0, "y": 0, "width": 10, "height": 10},
]
ANNOTATIONS = [
    {"file_id": "f1", "page": 2, "x": 72, "y": 120, "text": "Approved by the board", "font_size": 14,
     "color": "#C00000"},
    {"file_id": "f1", "page": 3, "x": 72, "y": 140, "text": "Ref. 2026/11 – Zoë", "font_size": 9, "color": "#0000FF"},
]


@pytest.fixture(scope="module")
def ca():
    return TestCA.load_or_create(None)


@pytest.fixture(scope="module")
def original():
    return make_pdf(3)


@pytest.fixture(scope="module")
def signed(ca, original):
    return sign_document(original, FIELDS, SIGNERS, ANNOTATIONS, ca, ORG, SIGNED_AT, file_id="f1")


def page_texts(data: bytes) -> list[str]:
    """pypdf's text of each page (page content only: what the audit report is made of)."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def shown_texts(data: bytes) -> list[str]:
    """Poppler's text of each page as displayed, widget appearances (the stamps) included."""
    require_tools()
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return [normalize(page) for page in out.decode().split("\f")[:-1]]


# -- the CA -----------------------------------------------------------------------------------------
def test_ca_is_kept_in_its_directory_and_the_same_after_a_restart(tmp_path):
    first = TestCA.load_or_create(tmp_path / "db-dir")
    again = TestCA.load_or_create(tmp_path / "db-dir")
    assert again.cert_pem == first.cert_pem and again.key_pem == first.key_pem
    assert (tmp_path / "db-dir" / TestCA.CERT_FILE).read_bytes() == first.cert_pem
    assert stat.S_IMODE(os.stat(tmp_path / "db-dir" / TestCA.KEY_FILE).st_mode) == 0o600
    copy = TestCA.from_pem(first.cert_pem.decode(), first.key_pem)  # str or bytes, as a snapshot may hold
    assert copy.fingerprint_sha256 == first.fingerprint_sha256
    assert TestCA.load_or_create(None).cert_pem != first.cert_pem  # in memory: a new one each time
    subject = first.certificate.subject.rfc4514_string()
    assert "CN=sign8-mock Test CA (not trusted)" in subject


def test_a_torn_ca_pair_is_replaced_not_loaded(tmp_path):
    a, b = TestCA.create(), TestCA.create()
    (tmp_path / TestCA.CERT_FILE).write_bytes(a.cert_pem)
    (tmp_path / TestCA.KEY_FILE).write_bytes(b.key_pem)  # a key from another CA: a crash between writes
    with pytest.raises(ValueError):
        TestCA.from_pem(a.cert_pem, b.key_pem)
    fresh = TestCA.load_or_create(tmp_path)
    assert fresh.cert_pem not in (a.cert_pem, b.cert_pem)
    assert TestCA.load_or_create(tmp_path).cert_pem == fresh.cert_pem


def test_issued_certificates_name_the_signer(ca):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    key, cert = ca.issue("Anna Müller", email="anna@example.com", organization=ORG)
    assert [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)] == ["Anna Müller"]
    assert [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] == [ORG]
    assert cert.issuer == ca.certificate.subject
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["anna@example.com"]
    assert ca.issue("Anna Müller", email="anna@example.com", organization=ORG)[1] == cert  # cached
    assert ca.issue("x" * 300)[1].subject.rfc4514_string() == "CN=" + "x" * 64


# -- signatures ------------------------------------------------------------------------------------
def test_every_signature_is_intact_valid_and_trusted_with_the_exported_ca(ca, signed):
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.sign.diff_analysis import ModificationLevel

    results = validate(signed, trust(ca.cert_pem))
    assert len(results) == 3
    for n, (sig, status) in enumerate(results):
        assert status.intact and status.valid, status.pretty_print_details()
        assert status.trusted and status.bottom_line, status.pretty_print_details()
        if n < len(results) - 1:
            assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            assert status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                                                 ModificationLevel.FORM_FILLING)
        else:
            assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            assert status.modification_level == ModificationLevel.NONE
    # Signing order: "order", then created_at; each in its own revision, after the stamps' revision.
    assert [sig.field_name for sig, _ in results] == [field_name({"signer_id": s}) for s in
                                                      ("s-anna", "s-yulia", "s-seal")]
    assert [sig.signed_revision for sig, _ in results] == [2, 3, 4]
    names = [sig.signer_cert.subject.native["common_name"] for sig, _ in results]
    assert names == ["Anna Müller", "Юлия Иванова", ORG]  # a seal's certificate names the organization
    emails = [sig.signer_cert.subject_alt_name_value.native for sig, _ in results]
    assert emails == [["anna@example.com"], ["yulia@example.com"], ["seal@acme.example"]]


def test_signatures_are_pades_with_the_mock_clock_time(signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    sigs = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert {str(s.sig_object["/SubFilter"]) for s in sigs} == {"/ETSI.CAdES.detached"}
    times = [s.self_reported_timestamp.isoformat() for s in sigs]
    # /M has whole seconds
    assert times == ["2026-11-28T09:30:00+00:00", "2026-11-28T10:15:30+00:00", "2026-11-28T11:00:00+00:00"]


@pytest.mark.filterwarnings("ignore:Relying on the operating system's trust list")
@pytest.mark.parametrize("roots", ["none", "system", "another test CA"])
def test_the_chain_does_not_validate_without_the_exported_ca(signed, roots):
    from pyhanko_certvalidator import ValidationContext

    if roots == "none":
        context = ValidationContext(trust_roots=[], allow_fetching=False)
    elif roots == "system":
        context = ValidationContext(allow_fetching=False)  # the machine's trust store
    else:
        context = trust(TestCA.create().cert_pem)
    results = validate(signed, context)
    assert results
    for _, status in results:
        assert status.intact and status.valid  # the bytes are fine...
        assert not status.trusted and not status.bottom_line  # ...but nobody trusts this CA by default


def test_a_changed_byte_breaks_the_last_signature(ca, signed):
    tampered = bytearray(signed)
    # Flip a byte inside the first revision's body (covered by every signature).
    at = signed.index(b"stream", 200) + 20
    tampered[at] ^= 0x01
    results = validate(bytes(tampered), trust(ca.cert_pem))
    assert results and not any(status.intact for _, status in results)


# -- the visible result ------------------------------------------------------------------------------
def test_each_signer_is_named_on_the_page_that_holds_their_field(signed, original):
    texts = shown_texts(signed)
    assert len(texts) == len(PdfReader(io.BytesIO(original)).pages) == 3
    assert "Anna Müller" in texts[0] and "Anna Müller" not in texts[1] + texts[2]
    assert "Юлия Иванова" in texts[2] and "Юлия Иванова" not in texts[0] + texts[1]
    assert ORG in texts[2] and "Sam Sealer" in texts[2]
    assert SIGNATURE_TYPES["advanced_signature"] in texts[0]
    assert SIGNATURE_TYPES["qualified_signature"] in texts[2] and SIGNATURE_TYPES["qualified_seal"] in texts[2]
    assert "2026-11-28 09:30:00 UTC" in texts[0] and "2026-11-28 10:15:30 UTC" in texts[2]
    assert texts[0].count(NO_LEGAL_EFFECT) == 1 and texts[2].count(NO_LEGAL_EFFECT) == 2
    assert NO_LEGAL_EFFECT not in texts[1]
    assert "Approved by the board" in texts[1] and "Ref. 2026/11 – Zoë" in texts[2]
    for n, text in enumerate(texts, 1):
        assert f"Original page {n}" in text  # the page's own content is still there


def test_the_original_is_kept_byte_for_byte_and_only_stamps_are_added(signed, original):
    assert signed.startswith(original)  # every change is an incremental update
    before, after = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(signed))
    for old, new in zip(before.pages, after.pages):
        assert new.mediabox == old.mediabox and new.rotation == old.rotation
        assert old.get_contents().get_data() in new.get_contents().get_data()
    # Page 2 holds only an annotation; no widget. Pages 1 and 3 hold the signature widgets.
    assert [len([a for a in (p.get("/Annots") or []) if a.get_object()["/Subtype"] == "/Widget"])
            for p in after.pages] == [1, 0, 2]


def test_widgets_sit_where_the_api_put_the_fields(signed):
    """x/y are from the top-left corner of the page (README, api/schemas.py); PDF user space is bottom-up."""
    reader = PdfReader(io.BytesIO(signed))
    rects = {}
    for n, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            rects[str(annot.get("/T") or annot["/Parent"]["/T"])] = (n, [float(v) for v in annot["/Rect"]])
    assert rects[field_name({"signer_id": "s-anna"})] == (1, [72, 792 - 650, 252, 792 - 600])
    assert rects[field_name({"signer_id": "s-yulia"})] == (3, [300, 792 - 710, 500, 792 - 650])


def test_rotated_pages_and_offset_boxes_are_stamped_as_displayed(ca):
    rotated = make_pdf(1, size=(612, 792), rotate=90)  # displayed 792 wide, 612 high
    fields = [{"signer_id": "s-anna", "page": 1, "x": 500, "y": 20, "width": 200, "height": 50}]
    out = sign_document(rotated, fields, [SIGNERS[2]], [], ca, ORG, SIGNED_AT)
    page = PdfReader(io.BytesIO(out)).pages[0]
    assert "Anna Müller" in shown_texts(out)[0]
    rect = [float(v) for v in page["/Annots"][0].get_object()["/Rect"]]
    # Displayed (500..700, 20..70 from the top) is, in the unrotated user space, x 20..70, y 500..700.
    assert rect == [20, 500, 70, 700]
    results = validate(out, trust(ca.cert_pem))
    assert len(results) == 1 and all(status.intact and status.trusted for _, status in results)


@pytest.mark.parametrize("first,last,email", [
    ("李", "小龙", "li@example.com"),
    ("", "", "only.email@example.com"),
    ("O'Brien \u202e\u0000", "😀 Smith", "emoji@example.com"),
    ("Ανδρέας", "עברית", "mixed@example.com"),
])
def test_any_name_signs_without_crashing(ca, first, last, email):
    one = [signer("s-x", email, first, last, 1, "2026-01-01T00:00:00Z")]
    out = sign_document(make_pdf(1), [{"signer_id": "s-x", "page": 1, "x": 72, "y": 72, "width": 150,
                                       "height": 40}], one, [], ca, ORG, {"s-x": "2026-01-01T00:00:00Z"})
    assert all(status.intact and status.trusted for _, status in validate(out, trust(ca.cert_pem)))
    assert NO_LEGAL_EFFECT in shown_texts(out)[0]
    if not first and not last:
        assert email in shown_texts(out)[0]
    from pyhanko.pdf_utils.reader import PdfFileReader

    cn = PdfFileReader(io.BytesIO(out)).embedded_signatures[0].signer_cert.subject.native["common_name"]
    assert cn == {"li@example.com": "李 小龙", "only.email@example.com": "only.email@example.com",
                  "emoji@example.com": "O'Brien Smith", "mixed@example.com": "mixed@example.com"}[email]


def test_without_a_unicode_font_names_are_transliterated(ca, monkeypatch):
    monkeypatch.setattr(_text, "unicode_fonts", lambda: None)
    one = [signer("s-x", "z@example.com", "Zoë", "Łukasz–Юлия", 1, "2026-01-01T00:00:00Z")]
    out = sign_document(make_pdf(1), [{"signer_id": "s-x", "page": 1, "x": 72, "y": 72, "width": 180,
                                       "height": 50}], one, [], ca, ORG, {})
    text = shown_texts(out)[0]
    assert "Zoë Lukasz-????" in text


def test_a_signer_without_a_field_signs_invisibly_and_fields_of_other_files_are_ignored(ca):
    out = sign_document(make_pdf(1), FIELDS, SIGNERS, [], ca, ORG, SIGNED_AT, file_id="f1-other")
    results = validate(out, trust(ca.cert_pem))
    assert len(results) == 3 and all(status.bottom_line for _, status in results)
    widgets = [a.get_object() for a in PdfReader(io.BytesIO(out)).pages[0].get("/Annots") or []]
    assert len(widgets) == 3 and all([float(v) for v in w["/Rect"]] == [0, 0, 0, 0] for w in widgets)  # invisible
    assert NO_LEGAL_EFFECT not in shown_texts(out)[0]


def test_blank_pages_broken_xrefs_and_signed_originals_are_signed_too(ca):
    field = [{"signer_id": "s-anna", "page": 1, "x": 72, "y": 72, "width": 180, "height": 50}]
    writer = PdfWriter()
    writer.add_blank_page(612, 792)  # a page without /Contents
    blank = io.BytesIO()
    writer.write(blank)
    two = make_pdf(2)
    broken = two[:two.rindex(b"startxref")] + b"startxref\n12345\n%%EOF\n"  # pypdf copes, pyHanko does not
    for data in (blank.getvalue(), broken):
        out = sign_document(data, field, [SIGNERS[2]], [], ca, ORG, SIGNED_AT)
        assert "Anna Müller" in shown_texts(out)[0]
        assert len(PdfReader(io.BytesIO(out)).pages) == len(PdfReader(io.BytesIO(data)).pages)
        assert [status.bottom_line for _, status in validate(out, trust(ca.cert_pem))] == [True]
    # A file signed before (by this mock or anyone) keeps its signature valid after ours.
    twice = sign_document(out, field, [SIGNERS[1]], [], ca, ORG, SIGNED_AT)
    assert [status.bottom_line for _, status in validate(twice, trust(ca.cert_pem))] == [True, True]


def test_a_field_on_a_missing_page_is_an_error(ca):
    with pytest.raises(ValueError, match="page 4"):
        sign_document(make_pdf(3), [{**FIELDS[0], "page": 4}], SIGNERS, [], ca, ORG, SIGNED_AT)


def test_a_zero_size_field_gets_a_default_stamp(ca):
    out = sign_document(make_pdf(1), [{"signer_id": "s-anna", "page": 1, "x": 72, "y": 72, "width": 0,
                                       "height": 0}], [SIGNERS[2]], [], ca, ORG, SIGNED_AT)
    rect = [float(v) for v in PdfReader(io.BytesIO(out)).pages[0]["/Annots"][0].get_object()["/Rect"]]
    assert rect == [72, 792 - 72 - 50, 72 + 180, 792 - 72]
    assert "Anna Müller" in shown_texts(out)[0]


def test_fifty_pages_three_signers_in_time(ca, capsys):
    fields = [{"signer_id": s["signer_id"], "page": 50 - n, "x": 72, "y": 600, "width": 180, "height": 50}
              for n, s in enumerate(SIGNERS)]
    annotations = [dict(a, page=1) for a in ANNOTATIONS]
    sign_document(make_pdf(1), [], SIGNERS[:1], [], ca, ORG, SIGNED_AT)  # the imports, once per process
    wall, cpu = {}, {}
    for pages in (1, 50):
        data = make_pdf(pages)
        used = [dict(f, page=min(f["page"], pages)) for f in fields]
        runs = []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            out = sign_document(data, used, SIGNERS, annotations, ca, ORG, SIGNED_AT)
            runs.append((time.perf_counter() - start, time.process_time() - start_cpu))
        wall[pages], cpu[pages] = sorted(r[0] for r in runs)[1], sorted(r[1] for r in runs)[1]
        assert len(PdfReader(io.BytesIO(out)).pages) == pages
        assert len(validate(out, trust(ca.cert_pem))) == 3
    with capsys.disabled():
        print(f"\nsign_document, 3 signers, median of 3: 1 page {wall[1]:.3f} s wall / {cpu[1]:.3f} s CPU, "
              f"50 pages {wall[50]:.3f} s wall / {cpu[50]:.3f} s CPU")
    # Targets (issue 12): completion-to-ready p50 <= 1 s (1 page) and <= 5 s (50 pages) on 2 cores.
    # This function is the biggest part of that path. CPU time, so that a busy machine does not fail it.
    assert cpu[1] < 1.0 and cpu[50] < 2.5


# -- the audit report --------------------------------------------------------------------------------
def report_inputs(status="completed"):
    workflow = {
        "workflow_id": "0b6f3c1e-1111-4222-8333-444455556666", "organization_id": "org-1",
        "name": "Rental agreement Berliner Str. 5", "status": status, "signing_order": "sequential",
        "created_at": "2026-11-28T08:00:00Z", "started_at": "2026-11-28T08:05:00Z",
        "expires_at": "2026-12-28T08:00:00Z",
        "events": [{"type": "created", "at": "2026-11-28T08:00:00Z", "actor": "api"},
                   {"type": "started", "at": "2026-11-28T08:05:00Z", "actor": "api"},
                   {"type": "signer_signed", "at": "2026-11-28T09:30:00Z", "actor": "signer:s-anna"},
                   {"type": "signer_signed", "at": "2026-11-28T10:15:30Z", "actor": "signer:s-yulia"},
                   {"type": "signer_signed", "at": "2026-11-28T11:00:00Z", "actor": "signer:s-seal"},
                   {"type": "completed", "at": "2026-11-28T11:00:00Z", "actor": "system"}],
    }
    if status == "completed":
        workflow["completed_at"] = "2026-11-28T11:00:00Z"
    signers = [dict(s) for s in SIGNERS]
    for s in signers:
        at = workflow["events"][{"s-anna": 2, "s-yulia": 3, "s-seal": 4}[s["signer_id"]]]["at"]
        s["signed_at"] = at
        s["audit"] = [{"action": "viewed", "at": "2026-11-28T09:00:00Z", "ip": "10.0.0.9",
                       "user_agent": f"Viewer/{s['signer_id']}"},
                      {"action": "signed", "at": at, "ip": f"192.0.2.{len(s['email'])}",
                       "user_agent": f"Mozilla/5.0 (agent of {s['email']})"}]
    files = [{"file_id": "f1", "file_name": "contract.pdf", "page_count": 3,
              "sha256": hashlib.sha256(b"original").hexdigest()},
             {"file_id": "f2", "file_name": "annex-Ü.pdf", "page_count": 50,
              "sha256": hashlib.sha256(b"annex").hexdigest()}]
    hashes = {"f1": {"original": files[0]["sha256"], "signed": hashlib.sha256(b"signed-1").hexdigest()},
              "f2": {"signed": hashlib.sha256(b"signed-2").hexdigest()}}
    if status != "completed":
        hashes = {}
    return workflow, files, signers, {"organization_id": "org-1", "name": ORG}, hashes


def report_text(data: bytes) -> str:
    return "\n".join(page_texts(data))


def test_the_audit_report_holds_the_workflow_files_signers_and_every_event():
    workflow, files, signers, org, hashes = report_inputs()
    data = audit_report(workflow, files, signers, org, hashes)
    text = report_text(data)
    for value in (workflow["name"], workflow["workflow_id"], ORG, "completed", "2026-11-28 08:00:00 UTC",
                  "2026-11-28 08:05:00 UTC", "2026-11-28 11:00:00 UTC", "contract.pdf", "annex-Ü.pdf",
                  FOOTER, "no legal effect"):
        assert value in text, value
    for digest in [f["sha256"] for f in files] + [h["signed"] for h in hashes.values()]:
        assert digest in text, digest
    for s in signers:
        for value in (s["email"], s["phone"], s["first_name"]):
            assert value in text
    assert SIGNATURE_TYPES["qualified_seal"] in text and SIGNATURE_TYPES["advanced_signature"] in text
    # Every event, in time order, with its IP address and user agent where a signer acted.
    rows = timeline(workflow, signers)
    assert len(rows) == len(workflow["events"]) + len(signers)  # "signed" entries join their events
    events_text = text[text.index("Time (UTC)"):]
    position = 0
    for row in rows:
        stamp = _text.utc_text(row["at"]).removesuffix(" UTC")
        found = events_text.find(stamp + " " + row["event"], position)
        assert found >= position, (row, events_text)
        position = found
    for s in signers:
        for entry in s["audit"]:
            assert entry["ip"] in events_text and entry["user_agent"] in events_text.replace("\n", " ")


def test_a_long_report_runs_over_pages_and_keeps_every_event():
    workflow, files, signers, org, hashes = report_inputs()
    extra = [{"type": "reminder_sent", "at": f"2026-11-28T08:{m:02d}:30Z", "actor": "api", "note": f"n{m}"}
             for m in range(6, 60)] * 3
    workflow["events"] = workflow["events"][:2] + extra + workflow["events"][2:]
    data = audit_report(workflow, files, signers, org, hashes)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 2
    text = report_text(data)
    assert text.count("reminder_sent") == len(extra)
    assert text.count(FOOTER) == len(reader.pages)


def test_a_report_of_a_refused_workflow_has_no_signed_hashes():
    workflow, files, signers, org, _ = report_inputs("refused")
    workflow["refused_at"] = "2026-11-28T10:00:00Z"
    signers[0].update(status="refused", refusal_reason="Wrong address – please fix", signed_at=None,
                      refused_at="2026-11-28T10:00:00Z")
    text = report_text(audit_report(workflow, files, signers, org, {}))
    assert "Refused" in text and "Wrong address – please fix" in text
    assert "no signed version: the workflow is refused" in text
    assert files[0]["sha256"] in text


def test_a_report_with_odd_names_does_not_crash(monkeypatch):
    workflow, files, signers, org, hashes = report_inputs()
    signers[0].update(first_name="李 😀", last_name="\u202eevil\u0000")
    org = {"name": None}
    assert audit_report(workflow, files, signers, org, hashes).startswith(b"%PDF-")
    monkeypatch.setattr(_text, "unicode_fonts", lambda: None)
    text = report_text(audit_report(workflow, files, signers, org, hashes))
    assert "Iuliia" not in text and "????" in text  # Cyrillic without a Unicode font: placeholders
    assert "Anna Müller" in text


def test_the_package_imports_nothing_heavy_until_warm_up():
    code = ("import sys, mock_server.documents, mock_server.app; "
            "heavy = lambda: [m for m in ('pyhanko', 'fpdf', 'pyhanko_certvalidator') if m in sys.modules]; "
            "before = heavy(); mock_server.documents.warm_up(); print(before, heavy())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "[] ['pyhanko', 'fpdf', 'pyhanko_certvalidator']", done.stdout


def test_a_character_no_font_has_is_drawn_as_a_visible_replacement(ca):
    # U+1FAE8 (Unicode 15) is in no font installed here or in the image; U+E000 is private use.
    one = [signer("s-x", "x@example.com", "Zoë \U0001FAE8", "Ко\ue000", 1, "2026-01-01T00:00:00Z")]
    out = sign_document(make_pdf(1), [{"signer_id": "s-x", "page": 1, "x": 72, "y": 72, "width": 180,
                                       "height": 50}], one, [], ca, ORG, {})
    text = shown_texts(out)[0]
    assert "Zoë \ufffd Ко\ufffd" in text, text
