"""Colours derived from an interface's primary_color, so that text on it and links in it stay legible."""
from __future__ import annotations

from ..domain.defaults import DEFAULT_PRIMARY_COLOR


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


def palette(primary: str | None) -> dict:
    """primary, on_primary (text on it: white or near-black), ink (primary darkened to read on white), tint."""
    primary = (primary or DEFAULT_PRIMARY_COLOR).upper()
    # White on the colour as long as it reads as large bold text (WCAG 3:1), as SIGN8's own buttons do.
    on_primary = "#FFFFFF" if contrast(primary, "#FFFFFF") >= 3 else "#111827"
    ink = primary
    rgb = _rgb(primary)
    factor = 1.0
    while contrast(ink, "#FFFFFF") < 4.5 and factor > 0.05:
        factor -= 0.05
        ink = _hex(c * factor for c in rgb)
    tint = _hex(255 - (255 - c) * 0.1 for c in _rgb(ink))
    return {"primary": primary, "on_primary": on_primary, "ink": ink, "tint": tint}
