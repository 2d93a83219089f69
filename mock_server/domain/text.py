"""What user text may hold: it reaches e-mail headers, Content-Disposition, PDFs and web pages."""
from __future__ import annotations

import re

# C0 control characters but tab, and DEL: a CR or LF would end an e-mail header early (header injection), a NUL
# ends a C string. Tab is kept: it is harmless everywhere the text goes.
_REFUSED = ((0x00, 0x08), (0x0A, 0x1F), (0x7F, 0x7F))
# \xhh, not \uhhhh: @hey-api/openapi-ts copies a pattern's \u000a into its zod regex literal as a raw line break
# (a syntax error in the generated client); \xhh means the same in ECMA 262 and in Python's re and is kept as is.
_CLASS = "".join(f"\\x{lo:02x}-\\x{hi:02x}" if lo != hi else f"\\x{lo:02x}" for lo, hi in _REFUSED)
CONTROL_CHARACTERS = re.compile(f"[{_CLASS}]")
# The same rule as an OpenAPI (ECMA 262) pattern, for the document.
CONTROL_FREE_PATTERN = f"^[^{_CLASS}]*$"
CONTROL_MESSAGE = "Must not contain control characters (CR, LF, NUL or another below U+0020 but tab)."


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))
