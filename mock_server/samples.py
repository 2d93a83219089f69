"""Sample documents shipped inside the package, so tests written against an installed wheel need no repo checkout."""
from __future__ import annotations

from importlib import resources

# A three-page PDF (the same bytes as fixtures/documents/sample-contract.pdf); tests/test_samples.py keeps them equal.
SAMPLE_PDF_NAME = "sample-contract.pdf"


def sample_pdf() -> bytes:
    """The bytes of a small, valid, unencrypted three-page contract PDF that AddFile accepts."""
    return resources.files("mock_server").joinpath("assets", SAMPLE_PDF_NAME).read_bytes()
