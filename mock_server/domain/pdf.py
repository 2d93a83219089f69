"""Inspect uploaded PDFs with pypdf: reject what is not a readable, unencrypted PDF."""
from __future__ import annotations

import io

from .errors import UnsupportedMediaType, ValidationFailed


def page_count(data: bytes) -> int:
    """Return the page count, or raise the documented error for bytes that are no usable PDF."""
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
        count = len(reader.pages)
    except ValidationFailed:
        raise
    except Exception as exc:  # pypdf raises many kinds on malformed input; each is the client's bad file
        raise ValidationFailed(f"The PDF cannot be read: {exc}", code_override="invalid_pdf") from exc
    if count < 1:
        raise ValidationFailed("The PDF has no pages.", code_override="invalid_pdf")
    return count
