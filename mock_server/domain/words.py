"""Dates in words for people, in English and German: one place for the signing page and the messages."""
from __future__ import annotations

from datetime import datetime

from .clock import parse_iso

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"],
}


def date_in_words(value: str | datetime, lang: str) -> str:
    """'28 November 2026' / '28. November 2026' (any other language: English)."""
    dt = parse_iso(value) if isinstance(value, str) else value
    lang = lang if lang in MONTHS else "en"
    month = MONTHS[lang][dt.month - 1]
    return f"{dt.day}. {month} {dt.year}" if lang == "de" else f"{dt.day} {month} {dt.year}"
