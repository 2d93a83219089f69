"""What user text may hold: it reaches e-mail headers, Content-Disposition, PDFs and web pages."""
from __future__ import annotations

import re

# C0 control characters but tab, and DEL: a CR or LF would end an e-mail header early (header injection), a NUL
# ends a C string. Tab is kept: it is harmless everywhere the text goes.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
CONTROL_MESSAGE = "Must not contain control characters (CR, LF, NUL or another below U+0020 but tab)."
# The same rule as an OpenAPI (ECMA 262) pattern, for the document.
CONTROL_FREE_PATTERN = "^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f]*$"


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))
