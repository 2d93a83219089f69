"""The product's words, one glossary per language: the signing pages, e-mails, SMS and the audit report use these.

German follows SIGN8's own wording: "signieren" and "Signatur" (never "unterschreiben"), "Signaturprozess",
"Prüfbericht"; a seal is "siegeln" / "Siegel". The keys are stable (the audit report and other callers use them):
  type.<signature_type>       "Advanced electronic signature" / "Fortgeschrittene elektronische Signatur"
  type_lower.<signature_type> the same inside a sentence
  with_type.<signature_type>  "with an advanced electronic signature" / "mit einer fortgeschrittenen ... Signatur"
  status.<workflow status>    "In progress" / "In Bearbeitung" ...
  signer.<signer status>      "Waiting for signature" / "Wartet auf Signatur" ... (seal: signer.<status>.seal)
  verb.sign, verb.seal        "sign" / "signieren", "seal" / "siegeln"
  signing_process, audit_report, signer, signers, one_time_code
Anything else: the language's dictionary below; another language falls back to English.
"""
from __future__ import annotations

from .defaults import SIGNATURE_TYPES
from .steps import SEAL_TYPES

LANGUAGES = ("en", "de")

GLOSSARY = {
    "en": {
        "type.advanced_signature": "Advanced electronic signature",
        "type.qualified_signature": "Qualified electronic signature",
        "type.advanced_seal": "Advanced electronic seal",
        "type.qualified_seal": "Qualified electronic seal",
        "type_lower.advanced_signature": "advanced electronic signature",
        "type_lower.qualified_signature": "qualified electronic signature",
        "type_lower.advanced_seal": "advanced electronic seal",
        "type_lower.qualified_seal": "qualified electronic seal",
        "with_type.advanced_signature": "with an advanced electronic signature",
        "with_type.qualified_signature": "with a qualified electronic signature",
        "with_type.advanced_seal": "with an advanced electronic seal",
        "with_type.qualified_seal": "with a qualified electronic seal",
        "status.draft": "Not started yet",
        "status.in_progress": "In progress",
        "status.completed": "Completed",
        "status.refused": "Rejected",
        "status.expired": "Expired",
        "status.cancelled": "Cancelled",
        "signer.pending": "Waiting for signature",
        "signer.pending.seal": "Waiting for seal",
        "signer.signed": "Signed",
        "signer.signed.seal": "Sealed",
        "signer.refused": "Rejected",
        "verb.sign": "sign",
        "verb.seal": "seal",
        "signing_process": "signing process",
        "audit_report": "audit report",
        "signer": "signer",
        "signers": "signers",
        "one_time_code": "one-time code",
    },
    "de": {
        "type.advanced_signature": "Fortgeschrittene elektronische Signatur",
        "type.qualified_signature": "Qualifizierte elektronische Signatur",
        "type.advanced_seal": "Fortgeschrittenes elektronisches Siegel",
        "type.qualified_seal": "Qualifiziertes elektronisches Siegel",
        "type_lower.advanced_signature": "fortgeschrittene elektronische Signatur",
        "type_lower.qualified_signature": "qualifizierte elektronische Signatur",
        "type_lower.advanced_seal": "fortgeschrittenes elektronisches Siegel",
        "type_lower.qualified_seal": "qualifiziertes elektronisches Siegel",
        "with_type.advanced_signature": "mit einer fortgeschrittenen elektronischen Signatur",
        "with_type.qualified_signature": "mit einer qualifizierten elektronischen Signatur",
        "with_type.advanced_seal": "mit einem fortgeschrittenen elektronischen Siegel",
        "with_type.qualified_seal": "mit einem qualifizierten elektronischen Siegel",
        "status.draft": "Noch nicht gestartet",
        "status.in_progress": "In Bearbeitung",
        "status.completed": "Abgeschlossen",
        "status.refused": "Abgelehnt",
        "status.expired": "Abgelaufen",
        "status.cancelled": "Storniert",
        "signer.pending": "Wartet auf Signatur",
        "signer.pending.seal": "Wartet auf Siegel",
        "signer.signed": "Signiert",
        "signer.signed.seal": "Gesiegelt",
        "signer.refused": "Abgelehnt",
        "verb.sign": "signieren",
        "verb.seal": "siegeln",
        "signing_process": "Signaturprozess",
        "audit_report": "Prüfbericht",
        "signer": "Unterzeichnende Person",
        "signers": "Unterzeichnende",
        "one_time_code": "Einmalcode",
    },
}


def language(lang: str | None) -> str:
    """'de', 'de-AT', 'DE' -> 'de'; a language the mock does not speak -> 'en'."""
    code = (lang or "en").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def is_seal(signature_type: str | None) -> bool:
    return signature_type in SEAL_TYPES


def term(lang: str, key: str, seal: bool = False) -> str:
    """The glossary's word for key in lang (its seal form first for a seal), else English, else the key."""
    lang = language(lang)
    for k in ((key + ".seal", key) if seal else (key,)):
        for words in (GLOSSARY[lang], GLOSSARY["en"]):
            if k in words:
                return words[k]
    return key


def mask_phone(phone: str | None) -> str:
    """'+49151 •••• 678': the first six characters and the last three, as the signing page and messages show it."""
    if not phone:
        return ""
    digits = phone.replace(" ", "")
    if len(digits) <= 9:
        return digits
    return f"{digits[:6]} •••• {digits[-3:]}"
