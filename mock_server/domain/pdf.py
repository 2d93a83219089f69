"""Inspect uploaded PDFs with pypdf: reject what is not a readable, unencrypted PDF."""
from __future__ import annotations

import io

from .errors import UnsupportedMediaType, ValidationFailed


def page_count(data: bytes) -> int:
    """Return the page count, or raise the documented error for bytes that are no usable PDF."""
    return len(page_sizes(data))


def page_sizes(data: bytes) -> list[list[float]]:
    """Return each page's [width, height] in points as displayed, or raise the documented error for bytes that are
    no usable PDF. Displayed: the CropBox (else the MediaBox), wherever its origin lies, turned by /Rotate."""
    if not data.startswith(b"%PDF-"):
        raise UnsupportedMediaType("Only PDF files are accepted (the bytes do not start with %PDF-).")
    if b"%%EOF" not in data[-2048:]:
        raise ValidationFailed("The PDF is truncated (no %%EOF marker at its end).", code_override="invalid_pdf")
    # pypdf is imported on the first upload, not at start: it is a third of the cold-start import time.
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationFailed("Encrypted PDFs are not accepted.", code_override="pdf_encrypted")
        sizes = [_displayed(page) for page in reader.pages]
    except ValidationFailed:
        raise
    except Exception as exc:  # pypdf raises many kinds on malformed input; each is the client's bad file
        raise ValidationFailed(f"The PDF cannot be read: {exc}", code_override="invalid_pdf") from exc
    if not sizes:
        raise ValidationFailed("The PDF has no pages.", code_override="invalid_pdf")
    return sizes


def _displayed(page) -> list[float]:
    box = page.cropbox  # pypdf: the CropBox, inherited, else the MediaBox
    width, height = abs(float(box.width)), abs(float(box.height))
    if (page.rotation or 0) % 180 == 90:
        width, height = height, width
    return [round(width, 2), round(height, 2)]
