"""Signed PDFs and audit reports as people see them: in Poppler, PDFium (forms on) and MuPDF (issue 20).

Every stamp is its signature widget's own appearance, so each engine must show it: the signer's name in
that engine's text layer inside the stamp's rectangle, enough dark pixels there, and the three renders
of one stamp alike. Names in many scripts must come out in every engine, stamps and audit report alike.

Tolerances (measured on this machine, Poppler 22.12, PDFium of pypdfium2 5.15.2, MuPDF 1.21, 96 dpi):
- ink: the share of pixels darker than 110/255 inside a stamp (less its accent bar and border) was
  0.043-0.10 for the stamps here; a blank box (pyHanko's grey 0.95 widget, or the pale stamp fill)
  has 0. MIN_INK = 0.02 sits far from both.
- agreement: the mean luminance difference between two engines' renders of a stamp, averaged over
  4 px blocks, was 0.006-0.015 (anti-aliasing and hinting differ; where the ink is does not). A stamp
  against pyHanko's grey widget differs by 0.057-0.079 (the matrix's six stamps, Poppler). AGREE = 0.03
  is twice the worst engine pair measured and well below that. The ink shares of the three renders
  must also lie within INK_SPREAD (35 %, measured at most 17 %) of their largest.
"""
from __future__ import annotations

import base64
import hashlib
import io
import itertools
import re
import os
import time
from pathlib import Path
import unicodedata

import pytest
import requests
from pypdf import PdfReader

from pdf_engines import (ENGINES, Document, crop, dark_fraction, difference, make_pdf, normalize, require_tools, trust,
                         validate)
from sign8_flow import Api, act, wait_until
from mock_server.documents.ca import TestCA
from mock_server.documents.signed_pdf import NO_LEGAL_EFFECT, SIGNATURE_TYPES, sign_document

PUNCTUATION = ":;,.()/–-"
MIN_INK = 0.02
AGREE = 0.03
INK_SPREAD = 0.35
# SIGN8_SAVE_RENDERS=DIR keeps the scripts test's renders there, to look at.
SAVE_RENDERS = Path(os.environ["SIGN8_SAVE_RENDERS"]) if os.environ.get("SIGN8_SAVE_RENDERS") else None

pytestmark = pytest.mark.usefixtures("engines_present")


@pytest.fixture(scope="module")
def engines_present():
    require_tools()


def name_found(name: str, text: str, engine: str) -> bool:
    """The name in an engine's text layer.

    Left-to-right names must appear as written. For a name with right-to-left letters each engine rebuilds
    the reading order from glyph positions with its own bidi rules (Poppler puts a trailing emoji of a
    Hebrew name first; MuPDF's stext keeps glyph, i.e. visual, order), so each of its words must appear,
    as written or in visual order. PDFium's text layer drops characters outside the Basic Multilingual
    Plane (an emoji) that Poppler and MuPDF read from the same ToUnicode map: for PDFium they are left out.
    """
    name, text = normalize(name), normalize(text)
    if engine == "pdfium":
        name = normalize("".join(c for c in name if ord(c) <= 0xFFFF))
    if name in text:
        return True
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in name):
        return False
    words = [w.strip(PUNCTUATION) for w in name.split()]
    # An Arabic word's letters as a multiset: a lam-alef ligature is one glyph for two letters, which
    # Poppler gives back in visual order inside an otherwise logical word.
    def as_letters(word: str) -> bool:
        key = sorted(word)
        return any(sorted(text[i:i + len(word)]) == key for i in range(len(text) - len(word) + 1))

    return all(word in text or word[::-1] in text or as_letters(word) for word in words if word)


def check_stamp(doc: Document, renders: dict, page: int, box, name: str, where: str) -> dict:
    """Assert the stamp at ``box`` shows ``name`` in every engine and the renders agree; return the figures."""
    crops, ink = {}, {}
    for engine in ENGINES:
        text = doc.text_in(engine, page, box)
        assert name_found(name, text, engine), f"{where}: {engine} finds no {name!r} in the stamp: {text!r}"
        assert NO_LEGAL_EFFECT in text, f"{where}: {engine}: {text!r}"
        # Less the accent bar (left 6 pt) and the border (2 pt): ink is text.
        crops[engine] = crop(renders[engine][page], box, inset_left=6, inset=2)
        ink[engine] = dark_fraction(crops[engine])
        assert ink[engine] >= MIN_INK, f"{where}: {engine} draws a blank stamp (ink {ink[engine]:.3f})"
    diffs = {(a, b): difference(crops[a], crops[b]) for a, b in itertools.combinations(ENGINES, 2)}
    for (a, b), diff in diffs.items():
        assert diff <= AGREE, f"{where}: {a} and {b} draw the stamp differently ({diff:.3f} > {AGREE})"
    assert min(ink.values()) >= (1 - INK_SPREAD) * max(ink.values()), f"{where}: ink differs: {ink}"
    return {"ink": ink, "diff": diffs}


def render_all(doc: Document, pages) -> dict:
    return {engine: {p: doc.render(engine, p) for p in pages} for engine in ENGINES}


# -- the engine matrix: 3 signers of 3 types, 2 files, one rotated 90 degrees --------------------------
SIGNERS = [
    {"signer_id": "s-a", "email": "anna@example.com", "first_name": "Anna", "last_name": "Müller", "order": 1,
     "created_at": "2026-11-28T08:00:01Z", "signature_type": "advanced_signature"},
    {"signer_id": "s-b", "email": "lukasz@example.pl", "first_name": "Łukasz", "last_name": "Żółć", "order": 2,
     "created_at": "2026-11-28T08:00:02Z", "signature_type": "qualified_signature"},
    {"signer_id": "s-c", "email": "seal@acme.example", "first_name": "Sam", "last_name": "Sealer", "order": 3,
     "created_at": "2026-11-28T08:00:03Z", "signature_type": "qualified_seal"},
]
SIGNED_AT = {"s-a": "2026-11-28T09:30:00Z", "s-b": "2026-11-28T10:15:30Z", "s-c": "2026-11-28T11:00:00Z"}
ORG = "ACME Wohnbau GmbH"
MATRIX_FIELDS = [  # (file, page, signer, box); the rotated file is displayed 792 wide, 612 high
    ("upright", 1, "s-a", (72, 560, 200, 60)),
    ("upright", 2, "s-b", (320, 600, 220, 70)),
    ("upright", 2, "s-c", (72, 600, 220, 70)),
    ("rotated", 1, "s-a", (480, 400, 220, 64)),
    ("rotated", 1, "s-b", (72, 480, 200, 60)),
    ("rotated", 1, "s-c", (300, 100, 240, 80)),
]
MATRIX_NOTES = [("upright", 1, "Approved by the board", (72, 300)), ("rotated", 1, "Seite 1 – geprüft", (72, 300))]


def stamp_name(signer: dict) -> str:
    return ORG if signer["signature_type"].endswith("_seal") else f"{signer['first_name']} {signer['last_name']}"


def test_every_stamp_shows_in_poppler_pdfium_and_mupdf_and_every_signature_stays_valid(capsys):
    ca = TestCA.load_or_create(None)
    by_id = {s["signer_id"]: s for s in SIGNERS}
    originals = {"upright": make_pdf(2), "rotated": make_pdf(1, rotate=90)}
    started = time.perf_counter()
    figures = []
    for file_id, original in originals.items():
        fields = [{"file_id": f, "page": p, "signer_id": s, "x": b[0], "y": b[1], "width": b[2], "height": b[3]}
                  for f, p, s, b in MATRIX_FIELDS if f == file_id]
        notes = [{"file_id": f, "page": p, "x": xy[0], "y": xy[1], "text": t, "font_size": 14, "color": "#1F4E79"}
                 for f, p, t, xy in MATRIX_NOTES if f == file_id]
        signed = sign_document(original, fields, SIGNERS, notes, ca, ORG, SIGNED_AT, file_id=file_id)
        statuses = [status for _, status in validate(signed, trust(ca.cert_pem))]
        assert len(statuses) == 3 and all(s.intact and s.valid and s.trusted and s.bottom_line for s in statuses)
        assert all(s.modification_level is None or s.modification_level.name in ("NONE", "LTA_UPDATES", "FORM_FILLING")
                   for s in statuses), [s.modification_level for s in statuses]
        doc = Document(signed)
        pages = sorted({f["page"] for f in fields} | {n["page"] for n in notes})
        renders = render_all(doc, pages)
        for f in fields:
            signer = by_id[f["signer_id"]]
            box = (f["x"], f["y"], f["width"], f["height"])
            where = f"{file_id} p{f['page']} {signer['signature_type']}"
            figures.append(check_stamp(doc, renders, f["page"], box, stamp_name(signer), where))
            for engine in ENGINES:
                text = doc.text_in(engine, f["page"], box)
                assert SIGNATURE_TYPES[signer["signature_type"]] in text, (where, engine, text)
                assert _time(SIGNED_AT[signer["signer_id"]]) in text, (where, engine, text)
        for n in notes:
            box = (n["x"], n["y"], 300, 24)
            for engine in ENGINES:
                assert n["text"] in doc.text_in(engine, n["page"], box), (file_id, engine)
                assert dark_fraction(crop(renders[engine][n["page"]], box)) > 0.01, (file_id, engine)
    worst = max(d for f in figures for d in f["diff"].values())
    inks = [v for f in figures for v in f["ink"].values()]
    with capsys.disabled():
        print(f"\nengine matrix: {len(figures)} stamps x 3 engines, ink {min(inks):.3f}-{max(inks):.3f}, "
              f"worst engine difference {worst:.3f} (limit {AGREE}), {time.perf_counter() - started:.1f} s")


def _time(iso: str) -> str:
    from mock_server.documents._text import utc_text

    return utc_text(iso)


# -- every name in every script, through the API ---------------------------------------------------
PEOPLE = [  # (first, last, e-mail, signature type)
    ("Łukasz", "Żółć", "lukasz@example.pl", "advanced_signature"),
    ("Αλέξανδρος", "Παπαδόπουλος", "alexandros@example.gr", "qualified_signature"),
    ("李小龙", "", "li@example.cn", "advanced_signature"),
    ("محمد", "العلي", "m.alali@example.ae", "qualified_signature"),
    ("Юлия", "Иванова", "yulia@example.com", "advanced_signature"),
    ("דוד", "כהן 🙂", "david@example.co.il", "advanced_signature"),
]
WORKFLOW_NAME = "Mietvertrag 租赁合同 – عقد الإيجار – Договор"
FILE_NAME = "Vertrag-合同-عقد.pdf"
NOTE = "Geprüft: 李小龙 / محمد العلي / דוד כהן"


def test_a_workflow_in_every_script_completes_and_every_name_shows_in_every_engine(server):
    api = Api(server.url)
    # Branding: an interface with a light brand colour and the organization's own logo (uploaded elsewhere).
    holder = api.post("AddWorkflow", {"name": "logo holder"}, expect=201).json()["workflow_id"]
    logo = api.post("AddFile", {"workflow_id": holder, "file_name": "logo.pdf",  # files are PDFs here
                                "data": base64.b64encode(_logo_pdf()).decode()}, expect=201).json()["file_id"]
    iface = api.post("AddInterface", {"name": "ACME 株式会社", "primary_color": "#FFD500", "logo_file_id": logo},
                     expect=201).json()
    wf = api.post("AddWorkflow", {"name": WORKFLOW_NAME, "interface_id": iface["interface_id"]}, expect=201).json()
    wid = wf["workflow_id"]
    f = api.post("AddFile", {"workflow_id": wid, "file_name": FILE_NAME,
                             "data": base64.b64encode(make_pdf(2)).decode()}, expect=201).json()
    signers, boxes = [], []
    for i, (first, last, mail, kind) in enumerate(PEOPLE):
        s = api.post("AddSigner", {"workflow_id": wid, "email": mail, "first_name": first, "last_name": last,
                                   "phone": f"+49151{i:08d}", "signature_type": kind}, expect=201).json()
        box = (72 + (i % 2) * 250, 150 + (i // 2) * 90, 230, 64)
        api.post("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": s["signer_id"],
                                  "page": 1, "x": box[0], "y": box[1], "width": box[2], "height": box[3]}, expect=201)
        signers.append(s)
        boxes.append(box)
    api.post("AddAnnotation", {"workflow_id": wid, "file_id": f["file_id"], "page": 2, "x": 72, "y": 120,
                               "text": NOTE, "font_size": 14, "color": "#C00000"}, expect=201)
    api.post("StartWorkflow", {"workflow_id": wid}, expect=200)
    for s in signers:
        assert act(s, "sign").status_code == 200

    def ready():
        w = api.workflow(wid)
        return w if w["audit_report_file_id"] and all(x["signed_file_id"] for x in w["files"]) else None

    done = wait_until(ready, timeout=60, interval=0.1)
    assert done and done["status"] == "completed", api.workflow(wid)
    signed = api.get("GetFile", file_id=done["files"][0]["signed_file_id"]).content
    report = api.get("GetFile", file_id=done["audit_report_file_id"]).content

    doc = Document(signed, workdir=SAVE_RENDERS)
    renders = render_all(doc, [1, 2])
    if SAVE_RENDERS:
        for engine, pages in renders.items():
            for p, image in pages.items():
                image.save(SAVE_RENDERS / f"{engine}-p{p}.png")
    for (first, last, _, _), box in zip(PEOPLE, boxes):
        check_stamp(doc, renders, 1, box, f"{first} {last}".strip(), f"stamp of {first}")
    for engine in ENGINES:
        assert name_found(NOTE, doc.text_in(engine, 2, (72, 120, 500, 24)), engine), engine
        assert dark_fraction(crop(renders[engine][2], (72, 120, 320, 20))) > 0.01, engine

    # The audit report: every name, the workflow's and the file's, in each engine's text and in pypdf's.
    rep = Document(report)
    pages = len(PdfReader(io.BytesIO(report)).pages)
    names = [f"{first} {last}".strip() for first, last, _, _ in PEOPLE] + [WORKFLOW_NAME, FILE_NAME]
    texts = {engine: " ".join(rep.text_in(engine, p, (0, 0, 595.3, 841.9)) for p in range(1, pages + 1))
             for engine in ENGINES}
    texts["pypdf"] = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages)
    for name in names:
        for engine, text in texts.items():
            assert name_found(name, text, engine), f"audit report: {engine} finds no {name!r}"
    first_page = {engine: rep.render(engine, 1) for engine in ENGINES}
    for engine, image in first_page.items():
        assert dark_fraction(image) > 0.01, engine
    assert hashlib.sha256(signed).hexdigest() in texts["poppler"]
    # The report wears the workflow's branding: the brand colour across the top, the logo on every page.
    assert all(abs(a - b) <= 8 for a, b in zip(first_page["poppler"].getpixel((first_page["poppler"].width // 2, 2)),
                                                (0xFF, 0xD5, 0x00)))
    assert all(len(page.images) == 1 for page in PdfReader(io.BytesIO(report)).pages)


# -- the audit report, laid out like a document ------------------------------------------------------------
LONG_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36"
LONG_TOKEN = "token:" + "0123456789abcdef" * 12  # wider than any column may be: broken at marked places


def long_report_inputs():
    sha = [hashlib.sha256(f"file {n}".encode()).hexdigest() for n in range(4)]
    people = [("s-1", "Anna", "Müller", "a.very.long.address.for-the-audit-report@subdomain.example-company.com"),
              ("s-2", "Łukasz", "Żółć", "lukasz@example.pl"), ("s-3", "李小龙", "", "li@example.cn")]
    signers = []
    events = [{"type": "created", "at": "2026-11-28T08:00:00Z", "actor": "api"},
              {"type": "started", "at": "2026-11-28T08:05:00Z", "actor": "api"}]
    for n, (sid, first, last, mail) in enumerate(people):
        at = f"2026-11-28T09:{10 + n:02d}:00Z"
        signers.append({"signer_id": sid, "email": mail, "first_name": first, "last_name": last, "order": n + 1,
                        "created_at": "2026-11-28T08:00:00Z", "phone": "+4915100000000", "status": "signed",
                        "signed_at": at, "signature_type": ["advanced_signature", "qualified_signature",
                                                             "advanced_seal"][n],
                        "audit": [{"action": "terms_accepted", "at": f"2026-11-28T09:0{n}:00Z", "ip": "203.0.113.24",
                                   "user_agent": LONG_UA},
                                  {"action": "identity_verified", "at": f"2026-11-28T09:0{n}:30Z", "ip": "2001:db8::1",
                                   "user_agent": LONG_UA, "method": "sms_code", "reference": LONG_TOKEN},
                                  {"action": "signed", "at": at, "ip": "198.51.100.7", "user_agent": LONG_UA}]})
        events.append({"type": "signer_signed", "at": at, "actor": f"signer:{sid}"})
    events += [{"type": "webhook_delivery_failed", "at": "2026-11-28T09:20:00Z", "actor": "system",
                "delivery_id": "9d4e7a30-5b1c-4f0e-a2d8-1e6f3b7c9a55", "url": "https://hooks.example.com/sign8/endpoint"},
               {"type": "completed", "at": "2026-11-28T09:30:00Z", "actor": "system"}]
    events += [{"type": "reminder_sent", "at": f"2026-11-28T08:{m:02d}:00Z", "actor": "api"} for m in range(6, 50)]
    workflow = {"workflow_id": "0b6f3c1e-7d2a-4e4b-8f31-5c9a2d7e4b10", "organization_id": "org-1",
                "name": "Rental agreement Berliner Str. 5", "status": "completed", "signing_order": "sequential",
                "created_at": "2026-11-28T08:00:00Z", "started_at": "2026-11-28T08:05:00Z",
                "completed_at": "2026-11-28T09:30:00Z", "expires_at": "2026-12-28T08:00:00Z", "events": events}
    files = [{"file_id": "f-1", "file_name": "contract.pdf", "page_count": 3, "sha256": sha[0]},
             {"file_id": "f-2", "file_name": "annex.pdf", "page_count": 1, "sha256": sha[1]}]
    hashes = {"f-1": {"original": sha[0], "signed": sha[2]}, "f-2": {"original": sha[1], "signed": sha[3]}}
    return workflow, files, signers, hashes, sha


def _logo_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


def _logo_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(120, 40))
    pdf.add_page()
    pdf.set_fill_color(200, 30, 90)
    pdf.rect(0, 0, 120, 40, style="F")
    return bytes(pdf.output())


def test_the_audit_report_keeps_words_whole_and_every_event_and_hash_extractable():
    from mock_server.documents.audit_report import BREAK_MARK, FOOTER, audit_report, timeline

    workflow, files, signers, hashes, sha = long_report_inputs()
    org = {"organization_id": "org-1", "name": "ACME Wohnbau GmbH", "primary_color": "#FFD500",
           "logo": _logo_png(), "brand_name": "ACME"}
    report = audit_report(workflow, files, signers, org, hashes)
    reader = PdfReader(io.BytesIO(report))
    pages = len(reader.pages)
    pypdf_text = "\n".join(page.extract_text() for page in reader.pages)
    doc = Document(report)
    poppler_pages = subprocess_text(doc)
    poppler_text = "\n".join(poppler_pages)
    for name, text in (("pypdf", pypdf_text), ("pdftotext", poppler_text)):
        for digest in sha:
            assert digest in text, (name, digest)  # whole: no line break inside
        for row in timeline(workflow, signers):
            assert re.search(rf"(?<![\w-]){re.escape(row['event'])}(?![\w-])", text), (name, row["event"])
        assert text.count(FOOTER) == pages, name
        for p in range(1, pages + 1):
            assert f"Page {p} of {pages}" in text, (name, p)
    # Every word of every cell whole, in pdftotext's text; the one token wider than any column in marked pieces.
    words = set()
    for s in signers:
        words.update(f"{s['email']} {s['first_name']} {s['last_name']}".split())
        for entry in s["audit"]:
            words.update(entry["user_agent"].split())
    words.update(e["url"] for e in workflow["events"] if "url" in e)
    for word in sorted(words):
        assert re.search(rf"(?<!\S){re.escape(word)}(?!\S)", poppler_text), word
    assert LONG_TOKEN not in poppler_text and BREAK_MARK in poppler_text
    assert LONG_TOKEN in re.sub(rf"{BREAK_MARK}\s+", "", poppler_text)
    # The summary box on page 1: status, times, signers.
    first = normalize(poppler_pages[0])
    for value in ("Completed", "Signers: 3 of 3 signed", "Created 2026-11-28 08:00:00", "Completed 2026-11-28 09:30:00",
                  "Anna Müller: signed 2026-11-28 09:10:00 UTC", "李小龙: signed"):
        assert value in first, value
    # Branding: the brand colour across the top of every page, the logo in the header.
    for p in range(1, pages + 1):
        image = doc.render("poppler", p)
        assert all(abs(a - b) <= 8 for a, b in zip(image.getpixel((image.width // 2, 2)), (0xFF, 0xD5, 0x00))), p
    assert all(len(page.images) == 1 for page in reader.pages)
    plain = audit_report(workflow, files, signers, {"organization_id": "org-1", "name": "ACME Wohnbau GmbH"}, hashes)
    plain_reader = PdfReader(io.BytesIO(plain))
    assert all(len(page.images) == 0 for page in plain_reader.pages)
    assert plain_reader.pages[0].extract_text().startswith("ACME Wohnbau GmbH")


def subprocess_text(doc: Document) -> list[str]:
    import subprocess

    return subprocess.run(["pdftotext", str(doc.path), "-"], capture_output=True, check=True).stdout.decode().split("\f")[:-1]
