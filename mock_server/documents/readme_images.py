"""Render the README's pictures: a signed page and the first page of an audit report.

    .venv/bin/pip install -e '.[docs]'      # pypdfium2, pinned
    .venv/bin/python -m mock_server.documents.readme_images docs/images

Writes signed-page.png and audit-report.png (and the two PDFs beside them when --pdf is given),
made from fixtures/documents/sample-contract.pdf with a fresh in-memory test CA.
"""
from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from .audit_report import audit_report
from .ca import TestCA
from .signed_pdf import sign_document

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "documents" / "sample-contract.pdf"
ORG = {"organization_id": "6a1f0d52-5a0e-4c4f-9d6e-2b7c1f0e9a11", "name": "ACME Wohnbau GmbH"}
WORKFLOW_ID = "0b6f3c1e-7d2a-4e4b-8f31-5c9a2d7e4b10"


def example() -> tuple[bytes, bytes]:
    """Return (signed PDF, audit report) of a made-up, completed three-signer workflow."""
    original = SAMPLE.read_bytes()
    signers = [
        {"signer_id": "3f9c2b1e-0001", "email": "anna.mueller@example.com", "first_name": "Anna",
         "last_name": "Müller", "phone": "+49 170 1234567", "order": 1, "created_at": "2026-11-28T08:01:00Z",
         "signature_type": "advanced_signature", "status": "signed", "signed_at": "2026-11-28T09:41:07Z",
         "audit": [{"action": "signed", "at": "2026-11-28T09:41:07Z", "ip": "203.0.113.24",
                    "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0"}]},
        {"signer_id": "3f9c2b1e-0002", "email": "j.novak@example.org", "first_name": "Jana", "last_name": "Novák",
         "phone": "+420 601 234 567", "order": 2, "created_at": "2026-11-28T08:01:30Z",
         "signature_type": "qualified_signature", "status": "signed", "signed_at": "2026-11-28T10:12:45Z",
         "audit": [{"action": "signed", "at": "2026-11-28T10:12:45Z", "ip": "198.51.100.7",
                    "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15"}]},
        {"signer_id": "3f9c2b1e-0003", "email": "contracts@acme-wohnbau.example", "first_name": "Lars",
         "last_name": "Berg", "phone": "+49 30 9876543", "order": 3, "created_at": "2026-11-28T08:02:00Z",
         "signature_type": "advanced_seal", "status": "signed", "signed_at": "2026-11-28T10:30:00Z",
         "audit": [{"action": "signed", "at": "2026-11-28T10:30:00Z", "ip": "192.0.2.10",
                    "user_agent": "python-requests/2.34.2"}]},
    ]
    fields = [
        {"file_id": "f1", "signer_id": "3f9c2b1e-0001", "page": 3, "x": 72, "y": 540, "width": 210, "height": 62},
        {"file_id": "f1", "signer_id": "3f9c2b1e-0002", "page": 3, "x": 313, "y": 540, "width": 210, "height": 62},
        {"file_id": "f1", "signer_id": "3f9c2b1e-0003", "page": 3, "x": 72, "y": 620, "width": 210, "height": 62},
    ]
    annotations = [{"file_id": "f1", "page": 3, "x": 72, "y": 500, "text": "Contract no. 2026-117 · Berliner Str. 5",
                    "font_size": 11, "color": "#1F4E79"}]
    signed_at = {s["signer_id"]: s["signed_at"] for s in signers}
    signed = sign_document(original, fields, signers, annotations, TestCA.load_or_create(None), ORG["name"],
                           signed_at, file_id="f1")
    workflow = {
        "workflow_id": WORKFLOW_ID, "organization_id": ORG["organization_id"], "name": "Rental agreement Berliner Str. 5",
        "status": "completed", "signing_order": "sequential", "created_at": "2026-11-28T08:00:00Z",
        "started_at": "2026-11-28T08:05:00Z", "completed_at": "2026-11-28T10:30:00Z",
        "expires_at": "2026-12-28T08:00:00Z",
        "events": [{"type": "created", "at": "2026-11-28T08:00:00Z", "actor": "api"},
                   {"type": "started", "at": "2026-11-28T08:05:00Z", "actor": "api"},
                   *({"type": "signer_signed", "at": s["signed_at"], "actor": f"signer:{s['signer_id']}"}
                     for s in signers),
                   {"type": "completed", "at": "2026-11-28T10:30:00Z", "actor": "system"}],
    }
    files = [{"file_id": "9d4e7a30-5b1c-4f0e-a2d8-1e6f3b7c9a55", "file_name": "rental-agreement.pdf",
              "page_count": 3, "sha256": hashlib.sha256(original).hexdigest()}]
    hashes = {files[0]["file_id"]: {"original": hashlib.sha256(original).hexdigest(),
                                    "signed": hashlib.sha256(signed).hexdigest()}}
    report = audit_report(workflow, files, signers, ORG, hashes)
    return signed, report


def main(argv=None) -> None:
    import pypdfium2 as pdfium

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--pdf", action="store_true", help="also write the two PDFs")
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    signed, report = example()
    for name, data, page in (("signed-page", signed, 2), ("audit-report", report, 0)):
        doc = pdfium.PdfDocument(data)
        doc.init_forms()  # the stamps are widget appearances: drawn only with form rendering on, as Chrome does
        image = doc[page].render(scale=1.25, may_draw_forms=True).to_pil().convert("RGB").quantize(colors=128)
        image.save(args.directory / f"{name}.png", optimize=True)
        if args.pdf:
            (args.directory / f"{name}.pdf").write_bytes(data)
        print(args.directory / f"{name}.png")


if __name__ == "__main__":
    main()
