"""Make the signed version of a workflow file: visible stamps, then one PAdES B-B signature per signer.

API:

    sign_document(original, fields, signers, annotations, ca, organization_name, signed_at,
                  file_id=None) -> bytes

- ``original``: the file's bytes as uploaded (a readable, unencrypted PDF).
- ``fields``: signature-field records ({"signer_id", "page" (1-based), "x", "y", "width", "height",
  "file_id"?}); ``annotations``: {"page", "x", "y", "text", "font_size"=12, "color"="#000000",
  "file_id"?}. With ``file_id`` given, records of other files are ignored; without it, all are
  taken to be on this file. A field or annotation on a page the file does not have raises ValueError;
  fields of signers not in ``signers`` are left out.
- ``signers``: signer records ({"signer_id", "email", "first_name", "last_name", "order",
  "created_at", "signature_type"}); each one signs this file once, in signing order ("order", then
  "created_at"). Pass the signers who sign this file (the workflow's signers). A signer with a field
  on this file gets a signature field (widget) over their first field; one without gets an
  invisible signature.
- ``signature_type``: advanced_signature (default), qualified_signature, advanced_seal,
  qualified_seal. A signature's certificate has CN = first_name + last_name (or the e-mail when
  both are empty) and the e-mail in its SubjectAltName; a seal's has CN = ``organization_name``.
- ``ca``: a ``documents.ca.TestCA``; ``signed_at``: {signer_id: ISO-8601 time} (the mock clock's
  time of each signature; falls back to signer["signed_at"]); shown in the stamp and written as
  the signature's /M.

Coordinates follow the API (README, api/schemas.py): PDF points from the *top-left* corner of the
page as displayed (its CropBox, else MediaBox; /Rotate honoured). A field is a box of width x height
below and to the right of (x, y); an annotation's (x, y) is the top-left of its first line of text.
A field of width or height 0 gets a 180 x 50 pt stamp.

The result has these revisions: the original bytes unchanged; one incremental update that adds the
signature fields, each signer's first field a widget whose own appearance stream is the stamp (name,
signature type in words, date and time UTC, and "sign8-mock test signature: no legal effect"), drawn
upright as displayed on a rotated page too, so that every viewer drawing widgets shows it (Poppler,
PDFium with forms on, MuPDF, Acrobat); a signer's further fields and every annotation are drawn into the
page content (wrapped in q/Q, as a form XObject), which nothing covers; then one incremental update per
signer, each a PAdES baseline B-B signature (pyHanko, SHA-256, ECDSA P-256) covering everything before
it, which leaves the appearances as they are (NoOpStampStyle). Page count and the pages' own content do
not change. (A file whose cross-reference table pyHanko cannot read, but pypdf could at upload, is first
rewritten by pypdf; only then does the result not begin with the original bytes.)

Errors: ValueError for a field or annotation on a page the file lacks; pyHanko's exceptions for a
file it cannot sign (e.g. an earlier certification signature that forbids any change). The caller
records them in the workflow's events and retries; nothing here is partial (bytes or an exception).

Cost (2 cores, warm): about 0.2-0.3 s of CPU for 1 or 50 pages and 3 signers when all text is
Latin-1, about 0.1 s more when a name needs the Unicode font, about 1 s more when one is Chinese,
Japanese or Korean (the CJK font is read; fpdf2 embeds only the glyphs used). The first call of a process also
imports pyHanko and fpdf2 (about 1.3 s): warm them up off the request path.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

from ..domain import defaults
from ..domain.glossary import term
from ..domain.steps import SEAL_TYPES
from .ca import TestCA
from ._text import Typeface, needs_unicode, parse_time

NO_LEGAL_EFFECT = "sign8-mock test signature: no legal effect"
# The stamps and the audit report are in English; their words come from the one glossary.
SIGNATURE_TYPES = {kind: term("en", f"type.{kind}") for kind in defaults.SIGNATURE_TYPES}
SEALS = SEAL_TYPES
DEFAULT_BOX = (180.0, 50.0)
ACCENT = (0x00, 0xA1, 0x9A)  # SIGN8's default primary colour
XOBJECT_NAME = "/Sign8MockStamp"
RESERVED_SIGNATURE_BYTES = 12_000  # CMS with two ECDSA certificates is ~1.3 kB; pyHanko hex-encodes it


# -- records -------------------------------------------------------------------------------------
def person_name(signer: dict) -> str:
    """first_name + last_name, or the e-mail when both are empty."""
    name = " ".join(p.strip() for p in (signer.get("first_name") or "", signer.get("last_name") or "") if p.strip())
    return name or (signer.get("email") or "").strip() or str(signer.get("signer_id") or "Signer")


def signature_type(signer: dict) -> str:
    kind = signer.get("signature_type") or "advanced_signature"
    return kind if kind in SIGNATURE_TYPES else "advanced_signature"


def signing_order(signers: list[dict]) -> list[dict]:
    return sorted(signers, key=lambda s: (s.get("order") if s.get("order") is not None else 0,
                                          str(s.get("created_at") or "")))


def field_name(signer: dict) -> str:
    # Field names must not contain "."; the signer id (a UUID) is unique within the workflow.
    return "Signature-" + str(signer.get("signer_id")).replace(".", "-")


def _hex_color(value) -> tuple[int, int, int]:
    s = str(value or "#000000").lstrip("#")
    try:
        return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    except (ValueError, IndexError):
        return 0, 0, 0


def _box(field: dict) -> tuple[float, float, float, float]:
    x, y = float(field.get("x") or 0), float(field.get("y") or 0)
    w, h = float(field.get("width") or 0), float(field.get("height") or 0)
    if w < 1 or h < 1:
        w, h = DEFAULT_BOX
    return x, y, w, h


# -- page geometry ---------------------------------------------------------------------------------
class _Page:
    """A page's visible box and rotation; maps the API's top-left display coordinates to user space."""

    def __init__(self, reader, index: int):
        from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree

        page_ref, _ = reader.find_page_for_modification(index)
        page = page_ref.get_object()
        box = find_inherited_value_in_tree(page, "/CropBox", "/Parent") or \
            find_inherited_value_in_tree(page, "/MediaBox", "/Parent")
        x0, y0, x1, y1 = (float(v.get_object() if hasattr(v, "get_object") else v) for v in box)
        self.llx, self.lly = min(x0, x1), min(y0, y1)
        self.w, self.h = abs(x1 - x0), abs(y1 - y0)
        rotate = find_inherited_value_in_tree(page, "/Rotate", "/Parent") or 0
        self.rotate = int(rotate.get_object() if hasattr(rotate, "get_object") else rotate) % 360
        if self.rotate not in (0, 90, 180, 270):
            self.rotate = 0
        # Size as displayed
        self.dw, self.dh = (self.h, self.w) if self.rotate in (90, 270) else (self.w, self.h)

    def matrix(self) -> tuple[float, ...]:
        """cm operands taking the overlay (displayed page, origin bottom-left) into page user space."""
        llx, lly, w, h = self.llx, self.lly, self.w, self.h
        return {0: (1, 0, 0, 1, llx, lly),
                90: (0, 1, -1, 0, llx + w, lly),
                180: (-1, 0, 0, -1, llx + w, lly + h),
                270: (0, -1, 1, 0, llx, lly + h)}[self.rotate]

    def user_rect(self, x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        """The user-space rectangle of a box given from the displayed top-left corner."""
        a, b, c, d, e, f = self.matrix()
        corners = [(x, self.dh - y), (x + w, self.dh - y), (x, self.dh - y - h), (x + w, self.dh - y - h)]
        pts = [(a * px + c * py + e, b * px + d * py + f) for px, py in corners]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return round(min(xs), 2), round(min(ys), 2), round(max(xs), 2), round(max(ys), 2)


# -- the visible stamps (fpdf2: one page per widget stamp, one per page with content to draw) -----
def _draw_field(pdf, face: Typeface, box, lines: list[tuple[str, float, bool, tuple]]) -> None:
    x, y, w, h = box
    pdf.set_draw_color(*ACCENT)
    pdf.set_fill_color(235, 248, 247)
    line = min(1.0, max(0.3, h / 60))
    pdf.set_line_width(line)
    # The border inside the box: a widget's appearance is clipped to its rectangle.
    pdf.rect(x + line / 2, y + line / 2, w - line, h - line, style="DF")
    pdf.set_fill_color(*ACCENT)
    bar = min(4.0, w * 0.04)
    pdf.rect(x, y, bar, h, style="F")
    pad = max(1.0, min(5.0, h * 0.08))
    left = x + bar + pad
    avail_w = max(1.0, w - bar - 2 * pad)
    avail_h = max(1.0, h - 2 * pad)
    units = sum(rel for _, rel, _, _ in lines) * 1.18
    k = min(10.0, avail_h / units)
    top = y + pad
    for text, rel, bold, color in lines:
        text = face.text(text)
        size = max(0.5, k * rel)
        face.font(pdf, size)
        width = pdf.get_string_width(text)
        if width > avail_w:
            size = max(0.5, size * avail_w / width)
        with face.font(pdf, size, bold, color):
            pdf.set_xy(left, top)
            pdf.cell(avail_w, k * rel * 1.18, text)
        top += k * rel * 1.18


def _stamp_lines(signer: dict, organization_name: str, when) -> list:
    kind = signature_type(signer)
    t = parse_time(when) or datetime.now(timezone.utc)
    if kind in SEALS:
        title = organization_name or person_name(signer)
        second = f"{SIGNATURE_TYPES[kind]} ({person_name(signer)})"
    else:
        title, second = person_name(signer), SIGNATURE_TYPES[kind]
    return [(title, 1.3, True, (20, 20, 20)),
            (second, 0.9, False, (60, 60, 60)),
            (t.strftime("Signed %Y-%m-%d %H:%M:%S UTC"), 0.9, False, (60, 60, 60)),
            (NO_LEGAL_EFFECT, 0.75, False, (180, 30, 30))]


def _draw_annotation(pdf, face: Typeface, ann: dict) -> None:
    size = float(ann.get("font_size") or 12)
    face.font(pdf, size, color=_hex_color(ann.get("color")))
    x, y = float(ann.get("x") or 0), float(ann.get("y") or 0)
    for i, line in enumerate(str(ann.get("text") or "").splitlines() or [""]):
        text = face.text(line)
        pdf.set_xy(x, y + size * 1.2 * i)
        pdf.cell(pdf.get_string_width(text) + 1, size * 1.2, text)


def _overlay(widgets: list, pages: dict[int, _Page], stamps: dict[int, list], annotations: dict[int, list]) -> bytes:
    """One page of the size of each widget's stamp (in ``widgets`` order), then one per page in ``pages``
    holding that page's other stamps and its annotations, as displayed."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    pdf.set_creator("sign8-mock")
    texts = [t for _, lines in widgets for t, *_ in lines]
    texts += [t for entries in stamps.values() for _, lines in entries for t, *_ in lines]
    texts += [a.get("text") for entries in annotations.values() for a in entries]
    face = Typeface(pdf, texts)
    for (_, _, w, h), lines in widgets:
        pdf.add_page(orientation="P", format=(w, h))
        _draw_field(pdf, face, (0, 0, w, h), lines)
    for ix in sorted(pages):
        page = pages[ix]
        pdf.add_page(orientation="P", format=(page.dw, page.dh))
        for box, lines in stamps.get(ix, []):
            _draw_field(pdf, face, box, lines)
        for ann in annotations.get(ix, []):
            _draw_annotation(pdf, face, ann)
    return bytes(pdf.output())


def _appearance(writer, page: _Page, box, rect, stamp) -> object:
    """The widget's normal appearance: the stamp page drawn upright as displayed, in the widget's rectangle.

    The form's own space is the page's unrotated user space (viewers turn widgets with the page), so
    on a rotated page the stamp is turned the other way inside it: the same matrix as the page overlay.
    """
    from pyhanko.pdf_utils import generic

    x, y, _, h = box
    a, b, c, d, e, f = page.matrix()
    bottom = page.dh - y - h
    cm = (a, b, c, d, a * x + c * bottom + e - rect[0], b * x + d * bottom + f - rect[1])
    operands = " ".join(f"{v:.4f}".rstrip("0").rstrip(".") for v in cm)
    return writer.add_object(generic.StreamObject({
        generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
        generic.pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(v) for v in
                                                       (0, 0, rect[2] - rect[0], rect[3] - rect[1])),
        generic.pdf_name("/Resources"): generic.DictionaryObject({generic.pdf_name("/XObject"): generic.DictionaryObject(
            {generic.pdf_name(XOBJECT_NAME): stamp})}),
    }, stream_data=f"q {operands} cm {XOBJECT_NAME} Do Q".encode("ascii")))


def _set_appearance(writer, name: str, appearance) -> None:
    """Give the signature field ``name`` (field and widget in one dictionary, as pyHanko makes it) its /AP."""
    from pyhanko.pdf_utils import generic

    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if str(field.get("/T")) == name:
            field[generic.pdf_name("/AP")] = generic.DictionaryObject({generic.pdf_name("/N"): appearance})
            writer.update_container(field)
            return
    raise LookupError(name)


# -- signing ---------------------------------------------------------------------------------------
def _pdf_signer_class():
    from pyhanko.sign.signers import PdfSigner

    class TimedPdfSigner(PdfSigner):
        """A PdfSigner whose signing time is the mock clock's, not the machine's."""

        def __init__(self, *args, system_time: datetime, **kwargs):
            super().__init__(*args, **kwargs)
            self.system_time = system_time

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            session.system_time = self.system_time
            return session

    return TimedPdfSigner


def _asn1(ca: TestCA, key, cert):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    return (asn1_keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption())),
            asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            asn1_x509.Certificate.load(ca.certificate.public_bytes(serialization.Encoding.DER)))


def _open(original: bytes):
    """An incremental writer over the original, and its page count.

    pypdf accepted the file at upload; pyHanko is stricter about a broken cross-reference table.
    Such a file is first rewritten by pypdf (then, and only then, the signed file does not begin
    with the original's bytes).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(original), strict=False)
        count = int(writer.root["/Pages"]["/Count"])
        for ix in range(count):
            writer.find_page_for_modification(ix)
        return writer, count
    except Exception:
        from pypdf import PdfReader, PdfWriter

        out = io.BytesIO()
        PdfWriter(clone_from=PdfReader(io.BytesIO(original), strict=False)).write(out)
        writer = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()), strict=False)
        return writer, int(writer.root["/Pages"]["/Count"])


def _ensure_contents(writer, ix: int) -> None:
    """Give a page without /Contents (a blank page) an empty content stream to add to."""
    from pyhanko.pdf_utils import generic

    page_ref, _ = writer.find_page_for_modification(ix)
    page = page_ref.get_object()
    if "/Contents" not in page:
        page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b""))
        writer.update_container(page)


def sign_document(original: bytes, fields: list[dict], signers: list[dict], annotations: list[dict],
                  ca: TestCA, organization_name: str, signed_at: dict[str, str],
                  file_id: str | None = None) -> bytes:
    """Return the signed PDF (see the module docstring for the contract)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields as sig_fields
    from pyhanko.sign.signers import PdfSignatureMetadata, SimpleSigner
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.stamp.noop import NoOpStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    if file_id is not None:
        fields = [f for f in fields if f.get("file_id") in (None, file_id)]
        annotations = [a for a in annotations if a.get("file_id") in (None, file_id)]
    ordered = signing_order(signers)
    by_signer = {s["signer_id"]: s for s in ordered}
    fields = [f for f in fields if f.get("signer_id") in by_signer]

    # -- revision 2: stamps, annotations and empty signature fields ------------------------------
    writer, page_count = _open(original)
    pages: dict[int, _Page] = {}

    def page_of(record: dict, what: str) -> int:
        number = int(record.get("page") or 1)
        if not 1 <= number <= page_count:
            raise ValueError(f"{what} on page {number}, but the file has {page_count} page(s).")
        ix = number - 1
        if ix not in pages:
            pages[ix] = _Page(writer, ix)
        return ix

    stamps: dict[int, list] = {}  # stamps drawn into page content: a signer's fields after the first
    widgets: list = []  # (box, lines) of each signer's first field: its widget's appearance
    widget_of: dict[str, tuple[int, tuple, tuple, int]] = {}  # signer -> page, box, user rect, widget index
    for f in fields:
        ix = page_of(f, "A signature field")
        signer = by_signer[f["signer_id"]]
        when = signed_at.get(signer["signer_id"]) or signer.get("signed_at")
        box = _box(f)
        lines = _stamp_lines(signer, organization_name, when)
        if signer["signer_id"] in widget_of:
            stamps.setdefault(ix, []).append((box, lines))
        else:
            widget_of[signer["signer_id"]] = (ix, box, pages[ix].user_rect(*box), len(widgets))
            widgets.append(((0, 0, box[2], box[3]), lines))
    notes: dict[int, list] = {}
    for a in annotations:
        notes.setdefault(page_of(a, "An annotation"), []).append(a)

    drawn = sorted({ix for ix in stamps} | {ix for ix in notes})
    if widgets or drawn:
        overlay = PdfFileReader(io.BytesIO(_overlay(widgets, {ix: pages[ix] for ix in drawn}, stamps, notes)),
                                strict=False)
        opener = writer.add_object(generic.StreamObject(stream_data=b"q\n")) if drawn else None
        for n, ix in enumerate(drawn, start=len(widgets)):
            xobj = writer.import_page_as_xobject(overlay, page_ix=n)
            cm = " ".join(f"{v:.4f}".rstrip("0").rstrip(".") for v in pages[ix].matrix())
            draw = writer.add_object(generic.StreamObject(
                stream_data=f"Q\nq {cm} cm {XOBJECT_NAME} Do Q\n".encode("ascii")))
            _ensure_contents(writer, ix)
            writer.add_stream_to_page(ix, opener, prepend=True)
            writer.add_stream_to_page(ix, draw, resources=generic.DictionaryObject({
                generic.pdf_name("/XObject"): generic.DictionaryObject({generic.pdf_name(XOBJECT_NAME): xobj})}))
    for signer in ordered:
        placed = widget_of.get(signer["signer_id"])
        spec = sig_fields.SigFieldSpec(field_name(signer), on_page=placed[0] if placed else 0,
                                       box=placed[2] if placed else None)
        sig_fields.append_signature_field(writer, spec)
        if placed:
            ix, box, rect, n = placed
            stamp = writer.import_page_as_xobject(overlay, page_ix=n)
            _set_appearance(writer, field_name(signer), _appearance(writer, pages[ix], box, rect, stamp))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()

    # -- one incremental PAdES B-B signature per signer ----------------------------------------------
    signer_class = _pdf_signer_class()
    for signer in ordered:
        kind = signature_type(signer)
        name = person_name(signer)
        if kind in SEALS:
            key, cert = ca.issue(organization_name or name, email=signer.get("email") or None,
                                 organization=organization_name or None)
        else:
            key, cert = ca.issue(name, email=signer.get("email") or None, organization=organization_name or None)
        asn1_key, asn1_cert, asn1_ca = _asn1(ca, key, cert)
        cms_signer = SimpleSigner(signing_cert=asn1_cert, signing_key=asn1_key,
                                  cert_registry=SimpleCertificateStore.from_certs([asn1_ca, asn1_cert]))
        meta = PdfSignatureMetadata(field_name=field_name(signer), subfilter=SigSeedSubFilter.PADES,
                                    md_algorithm="sha256", reason=f"{SIGNATURE_TYPES[kind]} ({NO_LEGAL_EFFECT})",
                                    name=organization_name if kind in SEALS and organization_name else name)
        when = parse_time(signed_at.get(signer["signer_id"]) or signer.get("signed_at")) or datetime.now(timezone.utc)
        pdf_signer = signer_class(meta, cms_signer, stamp_style=NoOpStampStyle(), system_time=when)
        w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        data = pdf_signer.sign_pdf(w, existing_fields_only=True,
                                   bytes_reserved=RESERVED_SIGNATURE_BYTES).getvalue()
    return data
