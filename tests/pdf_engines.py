"""The three PDF engines people view our files with, driven as their users drive them.

- Poppler: `pdftoppm` renders (Evince, Okular, many archives), `pdftotext -bbox` gives the words with boxes.
- PDFium with form rendering on (`init_forms()`, as Chrome's viewer draws widgets); its text layer of the
  page as PDFium itself flattens it (`FPDFPage_Flatten`, what Chrome does to print a form), since
  PDFium's text page holds page content only.
- MuPDF: `mutool draw` renders, `mutool draw -F stext` gives every character with its box.

Boxes are in points from the top-left corner of the page as displayed (the API's coordinates), whatever
the page's /Rotate. A missing tool fails the test in CI (CI=true: the Makefile's pdf-deps installs them)
and skips it, loudly and naming the package, elsewhere.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

DPI = 96
SCALE = DPI / 72
ENGINES = ("poppler", "pdfium", "mupdf")
_TOOLS = {"pdftoppm": "poppler-utils", "pdftotext": "poppler-utils", "mutool": "mupdf-tools"}


def require_tools() -> None:
    """Fail in CI, skip loudly elsewhere, when pdftoppm, pdftotext or mutool is missing."""
    missing = sorted({f"{tool} (Debian {pkg})" for tool, pkg in _TOOLS.items() if not shutil.which(tool)})
    if not missing:
        return
    message = f"PDF engine tools missing: {', '.join(missing)}; `make pdf-deps` installs them"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip("SKIPPED, NOT TESTED: " + message)


def normalize(text: str) -> str:
    """Text as compared: NFC, no bidi/format controls, runs of whitespace as one space."""
    text = "".join(c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def _run(cmd: list[str]) -> bytes:
    return subprocess.run(cmd, capture_output=True, check=True, timeout=120).stdout


class Document:
    """One PDF opened in the three engines (files on disk for the command-line tools)."""

    def __init__(self, data: bytes, workdir: Path | None = None):
        self.data = data
        self._tmp = tempfile.TemporaryDirectory() if workdir is None else None
        self.dir = Path(self._tmp.name if self._tmp else workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "doc.pdf"
        self.path.write_bytes(data)

    # -- renders (PIL images at DPI) ---------------------------------------------------------------
    def render(self, engine: str, page: int):
        """The displayed page ``page`` (1-based) as an RGB image, as ``engine`` draws it with its widgets."""
        from PIL import Image

        if engine == "poppler":
            png = _run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-png", str(self.path)])
            return Image.open(io.BytesIO(png)).convert("RGB")
        if engine == "mupdf":
            out = self.dir / f"mupdf-{page}.png"
            _run(["mutool", "draw", "-q", "-r", str(DPI), "-o", str(out), str(self.path), str(page)])
            return Image.open(out).convert("RGB")
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(self.data)
        doc.init_forms()  # without it PDFium skips widgets, and a render proves nothing
        return doc[page - 1].render(scale=SCALE, may_draw_forms=True).to_pil().convert("RGB")

    # -- text layers ----------------------------------------------------------------------------------
    def text_in(self, engine: str, page: int, box: tuple[float, float, float, float]) -> str:
        """The text ``engine``'s text layer finds inside ``box`` (x, y, width, height) of page ``page``."""
        return normalize({"poppler": self._poppler_text, "pdfium": self._pdfium_text,
                          "mupdf": self._mupdf_text}[engine](page, box))

    def _poppler_text(self, page: int, box) -> str:
        # pdftotext's own crop (-x -y -W -H, pixels at -r 72 = points): its reading order, bidi included.
        x, y, w, h = (round(v) for v in box)
        return _run(["pdftotext", "-r", "72", "-f", str(page), "-l", str(page), "-x", str(x), "-y", str(y),
                     "-W", str(w), "-H", str(h), str(self.path), "-"]).decode()

    def _mupdf_text(self, page: int, box) -> str:
        out = _run(["mutool", "draw", "-q", "-F", "stext", "-o", "-", str(self.path), str(page)])
        x, y, w, h = box
        lines = []
        for line in ET.fromstring(out).iter("line"):
            chars = []
            for ch in line.iter("char"):
                q = [float(v) for v in ch.get("quad").split()]
                cx, cy = sum(q[0::2]) / 4, sum(q[1::2]) / 4
                if x <= cx <= x + w and y <= cy <= y + h:
                    chars.append(ch.get("c"))
            if chars:
                lines.append("".join(chars))
        return " ".join(lines)

    def _pdfium_text(self, page: int, box) -> str:
        import ctypes

        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        doc = pdfium.PdfDocument(self.data)
        doc.init_forms()
        pg = doc[page - 1]
        raw.FPDFPage_Flatten(pg, raw.FLAT_NORMALDISPLAY)
        pg.close()
        pg = doc[page - 1]  # reloaded: the flattened content
        width, height = pg.get_size()  # as displayed (PDFium applies /Rotate)
        x, y, w, h = box
        corners = []
        for dx, dy in ((x, y), (x + w, y + h)):
            px, py = ctypes.c_double(), ctypes.c_double()
            # The engine's own mapping from the displayed page (device space at 1 px per point) to user space.
            raw.FPDF_DeviceToPage(pg, 0, 0, round(width), round(height), 0, round(dx), round(dy),
                                  ctypes.byref(px), ctypes.byref(py))
            corners.append((px.value, py.value))
        (ax, ay), (bx, by) = corners
        text = pg.get_textpage().get_text_bounded(left=min(ax, bx), bottom=min(ay, by), right=max(ax, bx),
                                                   top=max(ay, by))
        return text


def make_pdf(pages: int, size=(612, 792), rotate: int = 0) -> bytes:
    """A plain PDF with a line of text per page ("Original page N"), optionally with /Rotate."""
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, NumberObject

    pdf = FPDF(unit="pt", format=size)
    pdf.set_font("Helvetica", size=12)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.text(72, 72, f"Original page {n}")
    data = bytes(pdf.output())
    if not rotate:
        return data
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        page[NameObject("/Rotate")] = NumberObject(rotate)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def crop(image, box, inset_left: float = 0, inset: float = 0):
    """The part of a render inside ``box`` (points, displayed top-left origin), shrunk by insets in points."""
    x, y, w, h = box
    return image.crop((round((x + inset_left) * SCALE), round((y + inset) * SCALE),
                       round((x + w - inset) * SCALE), round((y + h - inset) * SCALE)))


def dark_fraction(image, threshold: int = 110) -> float:
    """The share of pixels darker than ``threshold`` (0-255 luminance): text, not a pale or grey box."""
    gray = image.convert("L")
    hist = gray.histogram()
    return sum(hist[:threshold]) / max(1, gray.width * gray.height)


def difference(a, b, block: int = 4) -> float:
    """Mean absolute luminance difference (0..1) of two crops, both averaged over blocks of ``block`` px.

    Block averaging forgives what legitimately differs between rasterizers (anti-aliasing, hinting, a
    pixel of rounding in a glyph's position) and keeps what a reader sees (where the ink is).
    """
    from PIL import Image, ImageChops, ImageStat

    size = (max(1, a.width // block), max(1, a.height // block))
    a2 = a.convert("L").resize(size, Image.Resampling.BOX)
    b2 = b.convert("L").resize(size, Image.Resampling.BOX)
    return ImageStat.Stat(ImageChops.difference(a2, b2)).mean[0] / 255


# -- signatures: the one place the PDF tests validate a signed file ------------------------------------
def trust(cert_pem: bytes):
    """A pyHanko validation context whose only trust root is this CA certificate (PEM)."""
    from asn1crypto import pem, x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    _, _, der = pem.unarmor(cert_pem)
    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)], allow_fetching=False)


def validate(data: bytes, context) -> list:
    """(embedded signature, its validation status) for each signature of a PDF, in order."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    return [(sig, validate_pdf_signature(sig, context)) for sig in PdfFileReader(io.BytesIO(data)).embedded_signatures]

