"""Fonts and text helpers shared by the signed PDFs and the audit report (fpdf2).

Fonts are found through fontconfig (`fc-list`), by family, in this order of preference:

- the main face: Noto Sans (Latin with diacritics, Greek, Cyrillic), else DejaVu Sans;
- fallbacks, each added to the document only when the text has a character that the faces before
  it lack: Noto Sans Arabic, Noto Sans Hebrew, Droid Sans Fallback (fonts-droid-fallback: Chinese,
  Japanese, Korean; a TrueType face of 4 MB), Noto Sans CJK SC (fonts-noto-cjk, only when Droid is
  absent: pypdf reads fpdf2's embedding of that CFF face with a NUL before every character), Noto Sans
  Symbols2, Symbola (fonts-symbola: emoji, drawn in black), DejaVu Sans.

fpdf2 subsets every embedded font to the glyphs used, and shapes text with HarfBuzz (uharfbuzz):
Arabic is joined, right-to-left runs are laid out right to left, and the text layer keeps the
characters as written. A character that no font on the machine has is drawn as U+FFFD (a visible
replacement mark), never silently dropped. Without fontconfig or any of these fonts the text is
transliterated to Latin-1 for the core Helvetica (accents stripped, anything else as "?").

When all the text is Latin-1 the core fonts are used: no font file is read (a TrueType font costs
about 0.1 s to load, a CJK one about 1 s), which keeps the common case fast.
"""
from __future__ import annotations

import bisect
import contextlib
import datetime as _dt
import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

MAIN_FAMILIES = ("Noto Sans", "DejaVu Sans")
FALLBACK_FAMILIES = ("Noto Sans Arabic", "Noto Sans Hebrew", "Droid Sans Fallback", "Noto Sans CJK SC",
                     "Noto Sans Symbols2", "Symbola", "DejaVu Sans")
REPLACEMENT = "\ufffd"
# Format controls (bidi embeddings and isolates, zero-width marks) are dropped: fpdf2 resolves direction
# itself, and left in they would reach the text layer. Joiners stay (Arabic, emoji sequences).
_JOINERS = "\u200c\u200d"


@dataclass(frozen=True)
class FontFile:
    """One face fontconfig knows: family, file, face index in a collection, and the code points it covers."""

    family: str
    path: str
    index: int
    ranges: tuple[tuple[int, int], ...]

    def covers(self, char: str) -> bool:
        cp = ord(char)
        i = bisect.bisect_right(self.ranges, (cp, 0x10FFFF)) - 1
        return i >= 0 and self.ranges[i][0] <= cp <= self.ranges[i][1]


def _ranges(charset: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in charset.split():
        lo, _, hi = part.partition("-")
        out.append((int(lo, 16), int(hi or lo, 16)))
    return tuple(sorted(out))


# Cached: the fonts installed do not change while the process runs, and fc-list costs ~50 ms.
@functools.lru_cache(maxsize=1)
def installed_fonts() -> dict[str, FontFile]:
    """The regular face of every family this module may use, as fontconfig lists them (empty without fc-list)."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return {}
    wanted = set(MAIN_FAMILIES) | set(FALLBACK_FAMILIES)
    try:
        listing = subprocess.run([fc_list, "--format", "%{family[0]}\t%{style[0]}\t%{file}\t%{index}\t%{charset}\n"],
                                 capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    found: dict[str, FontFile] = {}
    for line in listing.splitlines():
        family, style, path, index, charset = (line.split("\t") + [""] * 5)[:5]
        if family not in wanted or style not in ("Regular", "Book") or not path.endswith((".ttf", ".otf", ".ttc")):
            continue
        if family not in found:
            found[family] = FontFile(family, path, int(index or 0), _ranges(charset))
    return found


def unicode_fonts() -> list[FontFile] | None:
    """Return [main face, fallbacks...] in preference order, or None when no Unicode main face is installed."""
    fonts = installed_fonts()
    main = next((fonts[f] for f in MAIN_FAMILIES if f in fonts), None)
    if main is None:
        return None
    return [main] + [fonts[f] for f in FALLBACK_FAMILIES if f in fonts and f != main.family]


def needs_unicode(*texts) -> bool:
    """True when some text has a character beyond Latin-1 (the core fonts' range)."""
    return any(ord(c) > 255 for t in texts if t for c in str(t))


def _clean(value) -> str:
    """NFC text on one line: control and line characters as spaces, format controls dropped, unassigned,
    private-use and lone surrogate code points as U+FFFD."""
    out = []
    for c in unicodedata.normalize("NFC", "" if value is None else str(value)):
        kind = unicodedata.category(c)
        if kind in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif kind == "Cf" and c not in _JOINERS:
            continue
        elif kind in ("Cn", "Co", "Cs"):
            out.append(REPLACEMENT)
        else:
            out.append(c)
    return "".join(out)


class Typeface:
    """Register the fonts some texts need on an FPDF document, and make any text safe for them.

    ``Typeface(pdf, texts)``: with all ``texts`` in Latin-1 the core Helvetica is used. Otherwise the
    main Unicode face plus only the fallbacks that cover characters the main face lacks, with HarfBuzz
    shaping on; characters no installed font has become U+FFFD. Bold is drawn as fill + stroke, which
    saves loading a second face of each font. Draw with ``cell``/``multi_cell`` (fpdf2's ``text()``
    neither shapes nor falls back).
    """

    def __init__(self, pdf, texts=(), unicode: bool | None = None):
        texts = [_clean(t) for t in texts if t]
        wanted = needs_unicode(*texts) if unicode is None else unicode
        fonts = unicode_fonts() if wanted else None
        self.unicode = fonts is not None
        self.family = "Helvetica"
        if not self.unicode:
            return
        main, fallbacks = fonts[0], fonts[1:]
        chars = {c for t in texts for c in t if not c.isspace()} | {REPLACEMENT}
        missing = {c for c in chars if not main.covers(c)}
        used = []
        for font in fallbacks:
            take = {c for c in missing if font.covers(c)}
            if take:
                used.append(font)
                missing -= take
        self.main = main
        self.fallbacks = used
        pdf.add_font("Sans", "", main.path, **_collection(main))
        for n, font in enumerate(used):
            pdf.add_font(f"fallback{n}", "", font.path, **_collection(font))
        if used:
            pdf.set_fallback_fonts([f"fallback{n}" for n in range(len(used))])
        self.family = "Sans"
        self.shaping = _shaping_available()
        if self.shaping:
            pdf.set_text_shaping(True)

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
        return pdf.local_context(text_mode="FILL_STROKE", draw_color=color, line_width=size * 0.05)

    def text(self, value) -> str:
        """Return ``value`` as a printable one-line string the registered fonts can draw."""
        s = _clean(value)
        if not self.unicode:
            return latin1(s)
        fonts = [self.main, *self.fallbacks]
        return "".join(c if c.isspace() or c in _JOINERS or any(f.covers(c) for f in fonts) else REPLACEMENT
                       for c in s)


def _collection(font: FontFile) -> dict:
    return {"collection_font_number": font.index} if font.path.endswith(".ttc") else {}


def _shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401  (fpdf2 imports it itself; this only asks whether it is installed)
    except ImportError:
        return False
    return True


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
