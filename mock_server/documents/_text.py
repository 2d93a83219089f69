"""Fonts and text helpers shared by the signed PDFs and the audit report (fpdf2).

fpdf2's core fonts (Helvetica...) cover Latin-1 only. When a Unicode TrueType font is on the machine
(DejaVu Sans, from Debian's fonts-dejavu-core, which fontconfig pulls in), it is used, so names in
any script that it covers come out as written and extractable; characters it lacks are drawn as
blanks (never a crash). Without such a font the text is transliterated to Latin-1 (accents
stripped, anything else as "?").
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import os
import unicodedata
from pathlib import Path

_FONT_DIRS = [
    os.environ.get("SIGN8_MOCK_FONT_DIR") or "",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts/Supplemental",
]
_REGULAR, _BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"


def _find(name: str) -> Path | None:
    for d in _FONT_DIRS:
        if d and (Path(d) / name).is_file():
            return Path(d) / name
    return None


def unicode_fonts() -> tuple[Path, Path] | None:
    """Return (regular, bold) TTF paths, or None when no Unicode font is available."""
    regular = _find(_REGULAR)
    if regular is None:
        return None
    return regular, (_find(_BOLD) or regular)


def needs_unicode(*texts) -> bool:
    """True when some text has a character beyond Latin-1 (the core fonts' range)."""
    return any(ord(c) > 255 for t in texts if t for c in str(t))


class Typeface:
    """Register one font on an FPDF document and make any text safe for it.

    With ``unicode=False`` (all text is Latin-1) the core Helvetica is used: it costs nothing, while
    loading and subsetting a TrueType font costs about 0.1 s per style, on the path that makes a
    completed workflow's documents. With ``unicode=True`` DejaVu Sans is used when it is on the
    machine (bold drawn as fill + stroke, which saves loading a second font), else Helvetica with
    transliterated text.
    """

    def __init__(self, pdf, unicode: bool = True):
        fonts = unicode_fonts() if unicode else None
        self.unicode = fonts is not None
        if self.unicode:
            pdf.add_font("Sans", "", str(fonts[0]))
            self.family = "Sans"
        else:
            self.family = "Helvetica"

    def font(self, pdf, size: float, bold: bool = False, color: tuple = (20, 20, 20)):
        """Set font, size and colour; returns a context manager to draw bold text in (use ``with``).

        Fake bold (fill + stroke) lives in a q/Q block, so the text rendering mode cannot leak
        into later text.
        """
        pdf.set_text_color(*color)
        if not self.unicode:
            pdf.set_font(self.family, "B" if bold else "", size)
            return contextlib.nullcontext()
        pdf.set_font(self.family, "", size)
        if not bold:
            return contextlib.nullcontext()
        return pdf.local_context(text_mode="FILL_STROKE", draw_color=color, line_width=size * 0.06)

    def text(self, value) -> str:
        """Return ``value`` as a printable one-line string the current fonts can encode."""
        s = "" if value is None else str(value)
        s = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in s)
        if self.unicode:
            # Outside the Basic Multilingual Plane fpdf2 and DejaVu have nothing useful; surrogates break.
            return "".join(c if ord(c) < 0xFFFF and not 0xD800 <= ord(c) <= 0xDFFF else "?" for c in s)
        return latin1(s)


_PUNCTUATION = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": "'",
                "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2022": "*", "\u20ac": "EUR",
                "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0152": "OE", "\u0153": "oe",
                "\u0131": "i", "\u0126": "H", "\u0127": "h", "\u2026": "..."}


def latin1(s: str) -> str:
    out = []
    for c in s:
        if ord(c) < 256:
            out.append(c)
            continue
        if c in _PUNCTUATION:
            out.append(_PUNCTUATION[c])
            continue
        base = "".join(b for b in unicodedata.normalize("NFKD", c) if ord(b) < 256 and not unicodedata.combining(b))
        out.append(base or "?")
    return "".join(out)


def parse_time(value) -> _dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        t = value
    else:
        try:
            t = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t.astimezone(_dt.timezone.utc)


def utc_text(value) -> str:
    """'2026-11-28 23:35:44 UTC' for an ISO time (or datetime); '-' when absent; the raw text if unparsable."""
    t = parse_time(value)
    if t is None:
        return "-" if value in (None, "") else str(value)
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")
