"""Colours derived from an interface's primary_color, so that every text on or near the brand reads at 4.5:1."""
from __future__ import annotations

from .defaults import DEFAULT_PRIMARY_COLOR

WHITE = "#FFFFFF"
NEAR_BLACK = "#111827"
AA = 4.5  # WCAG 2 AA for normal text; buttons and labels on the brand are normal-size text
TARGET = AA + 0.1  # a little above, so that a browser's rounding of blended colours never lands below


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02X}" for c in rgb)


def luminance(hex_color: str) -> float:
    """WCAG relative luminance."""
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darker_until(color: str, background: str, ratio: float = TARGET) -> str:
    """The colour, darkened step by step until it reads on background at ratio (black at the end)."""
    rgb = _rgb(color)
    shade, factor = color.upper(), 1.0
    while contrast(shade, background) < ratio and factor > 0:
        factor = max(0.0, factor - 0.02)
        shade = _hex(c * factor for c in rgb)
    return shade


def palette(primary: str | None) -> dict:
    """The brand's colours for pages and e-mails.

    primary: the brand as given (borders, rules, accents; never behind text);
    surface / on_primary: a filled brand area (buttons, the e-mail header) and its text, at least 4.5:1;
    ink: the brand for text and links on white and on tint, at least 4.5:1; tint: a pale brand background.
    """
    primary = (primary or DEFAULT_PRIMARY_COLOR).upper()
    if contrast(primary, WHITE) >= AA:
        surface, on_primary = primary, WHITE
    elif contrast(primary, WHITE) >= 3:
        # A brand meant for white text (SIGN8's teal is 3.2:1): keep white, darken the fill just enough.
        surface, on_primary = darker_until(primary, WHITE), WHITE
    else:
        # A light brand (yellow): dark text on the brand itself.
        surface, on_primary = primary, NEAR_BLACK
    tint = _hex(255 - (255 - c) * 0.1 for c in _rgb(primary))
    ink = darker_until(primary, tint)
    return {"primary": primary, "surface": surface, "on_primary": on_primary, "ink": ink, "tint": tint}
