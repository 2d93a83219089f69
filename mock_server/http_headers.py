"""HTTP header values built the same way by every adapter that sends a file."""
from __future__ import annotations

from urllib.parse import quote


def content_disposition(disposition: str, file_name: str) -> str:
    """``inline`` / ``attachment`` with the file name in any script (RFC 6266 with RFC 8187's filename*).

    Headers travel as Latin-1, so the plain ``filename`` carries an ASCII stand-in (non-ASCII, quotes and
    backslashes as "_") and ``filename*`` the UTF-8 name, which browsers and HTTP clients prefer.
    """
    name = str(file_name or "file")
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    if plain == name:
        return f'{disposition}; filename="{plain}"'
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
