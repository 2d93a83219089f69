"""The signing page's words in English and German (any other language falls back to English).

The product's terms (signature types, statuses, "signieren") come from domain/glossary.py, shared with the
e-mails, the SMS and the audit report. A key with a ".seal" form is worded for a seal when the signer seals.
"""
from __future__ import annotations

from ..domain.clock import parse_iso
from ..domain.glossary import LANGUAGES, language, mask_phone, term
from ..domain.words import date_in_words

__all__ = ["ERRORS", "LANGUAGES", "TEXT", "Words", "language_of"]


TEXT = {
    "en": {
        "lang_name": "English",
        "title": "Signing process",
        "step_of": "Step {n} of {total}",
        "step.terms": "Terms",
        "step.password": "Password",
        "step.details": "Overview",
        "step.documents": "Documents",
        "step.identity": "Identity",
        "step.code": "Sign",
        "invited_by": "You have been asked to sign",
        "expires": "Open until {date}",
        "terms.heading": "Before you start",
        "terms.intro": "Please read and accept the terms of use and the privacy notice to continue.",
        "terms.accept_terms": "I accept the terms of use.",
        "terms.accept_privacy": "I have read the privacy notice.",
        "terms.demo_note": "This is sign8-mock, a local test double of SIGN8: no real signature is created and "
                           "no personal data leaves this machine.",
        "continue": "Continue",
        "password.heading": "Enter the workflow password",
        "password.intro": "The sender protected this signing process with a password. They have given it to "
                          "you by another channel.",
        "password.label": "Workflow password",
        "password.wrong": "The password is wrong. Please try again.",
        "details.heading": "Overview",
        "details.intro": "These are the steps of this signing process. Please check your details.",
        "details.your_details": "Your details",
        "details.name": "Name",
        "details.email": "E-mail",
        "details.phone": "Mobile phone",
        "details.company": "Company",
        "details.job_title": "Job title",
        "details.type": "Signature type",
        "details.documents": "Documents",
        "details.confirm": "My details are correct",
        "details.steps": "Your steps",
        "docs.heading": "Review the documents",
        "docs.intro": "Open each document once before you sign. Your signature fields are highlighted.",
        "docs.pages": "{n} pages",
        "docs.page": "1 page",
        "docs.open": "Open",
        "docs.opened": "Opened",
        "docs.not_opened": "Not opened yet",
        "docs.your_fields": "{n} signature fields for you",
        "docs.your_field": "1 signature field for you",
        "docs.continue_hint": "Open every document to continue.",
        "docs.back": "Back to the documents",
        "docs.page_n": "Page {n} of {total}",
        "docs.download": "Download PDF",
        "docs.field_you": "Your signature",
        "docs.field_other": "Signature: {name}",
        "docs.fields_others": "Other signers' fields",
        "docs.optional": "optional",
        "docs.reviewed": "I have reviewed this document",
        "identity.heading": "Confirm your identity",
        "identity.intro": "A qualified signature needs a verified identity. In SIGN8 you would now prove who you "
                          "are (for example with an ID document and a video call); here the check is simulated.",
        "identity.button": "Confirm identity (simulated)",
        "code.heading": "Sign with a one-time code",
        "code.intro": "We send a 6-digit code by SMS to {phone}. It is valid for 5 minutes.",
        "code.send": "Send code",
        "code.resend": "Send a new code",
        "code.sent": "A code was sent at {time} UTC. It is valid until {until} UTC.",
        "code.label": "6-digit code",
        "code.locked": "Too many wrong codes. Send a new code to continue.",
        "code.expired": "The code has expired. Send a new code.",
        "code.sign_now": "Sign now",
        "code.not_sent": "Send a code first.",
        "reject.summary": "Reject signing process",
        "reject.intro": "If you do not want to sign, you can reject the signing process. The sender is informed.",
        "reject.reason": "Reason (optional)",
        "reject.button": "Reject signing process",
        "end.signed.title": "Thank you, you have signed",
        "end.signed.text": "You signed on {date}.",
        "end.signed_completed": "Everyone has signed: the signing process is completed. You will receive the "
                                "signed documents and the audit report by e-mail.",
        "end.signed_waiting": "The other signers have not finished yet. You will receive the signed documents "
                              "when everyone has signed.",
        "end.refused.title": "You rejected the signing process",
        "end.refused.text": "You rejected it on {date}.",
        "end.reason": "Your reason: “{reason}”",
        "end.refused_other.title": "This signing process was rejected",
        "end.refused_other.text": "Another signer rejected it on {date}. No more signatures can be placed.",
        "end.completed.title": "This signing process is already completed",
        "end.completed.text": "Everyone signed; it was completed on {date}.",
        "end.expired.title": "This signing process has expired",
        "end.expired.text": "It reached its expiry date on {date} before everyone had signed. No more "
                            "signatures can be placed.",
        "end.cancelled.title": "This signing process was cancelled",
        "end.cancelled.text": "The sender cancelled it on {date}.",
        "end.waiting.title": "Not your turn yet",
        "end.waiting.text": "Other signers sign before you. You will receive an e-mail when it is your turn.",
        "end.draft.title": "Not started yet",
        "end.draft.text": "The sender has not started this signing process yet.",
        "end.notfound.title": "Link not found",
        "end.notfound.text": "This signing link does not exist. Please check the link in your e-mail.",
        "end.error.title": "This did not work",
        "at_time": "{date} at {time} UTC",
        "footer": "Simulated by sign8-mock · no legally binding signature",
        "terms_of_use": "Terms of use",
        "privacy_notice": "Privacy notice",
        "invited_by.seal": "You have been asked to seal",
        "step.code.seal": "Seal",
        "details.type.seal": "Seal type",
        "docs.intro.seal": "Open each document once before you seal. Your seal fields are highlighted.",
        "docs.your_fields.seal": "{n} seal fields for you",
        "docs.your_field.seal": "1 seal field for you",
        "docs.field_you.seal": "Your seal",
        "docs.field_signed": "Signed by {name}",
        "docs.field_sealed": "Sealed by {name}",
        "docs.fields_signed": "Signed by others",
        "identity.intro.seal": "A qualified seal needs the verified identity of the person who seals for the "
                               "organization. In SIGN8 you would now prove who you are (for example with an ID "
                               "document and a video call); here the check is simulated.",
        "code.heading.seal": "Seal with a one-time code",
        "code.sign_now.seal": "Seal now",
        "reject.intro.seal": "If you do not want to seal, you can reject the signing process. The sender is informed.",
        "end.signed.title.seal": "Thank you, you have sealed",
        "end.signed.text.seal": "You sealed on {date}.",
    },
    "de": {
        "lang_name": "Deutsch",
        "title": "Signaturprozess",
        "step_of": "Schritt {n} von {total}",
        "step.terms": "Bedingungen",
        "step.password": "Passwort",
        "step.details": "Übersicht",
        "step.documents": "Dokumente",
        "step.identity": "Identität",
        "step.code": "Signieren",
        "invited_by": "Sie wurden gebeten zu signieren",
        "expires": "Offen bis {date}",
        "terms.heading": "Bevor Sie beginnen",
        "terms.intro": "Bitte lesen und akzeptieren Sie die Nutzungsbedingungen und die Datenschutzerklärung, "
                       "um fortzufahren.",
        "terms.accept_terms": "Ich akzeptiere die Nutzungsbedingungen.",
        "terms.accept_privacy": "Ich habe die Datenschutzerklärung gelesen.",
        "terms.demo_note": "Dies ist sign8-mock, eine lokale Testumgebung für SIGN8: Es wird keine echte "
                           "Signatur erstellt, und keine personenbezogenen Daten verlassen diesen Rechner.",
        "continue": "Weiter",
        "password.heading": "Workflow-Passwort eingeben",
        "password.intro": "Der Absender hat diesen Signaturprozess mit einem Passwort geschützt. Sie haben es "
                          "auf einem anderen Weg erhalten.",
        "password.label": "Workflow-Passwort",
        "password.wrong": "Das Passwort ist falsch. Bitte versuchen Sie es erneut.",
        "details.heading": "Übersicht",
        "details.intro": "Das sind die Schritte dieses Signaturprozesses. Bitte prüfen Sie Ihre Angaben.",
        "details.your_details": "Ihre Angaben",
        "details.name": "Name",
        "details.email": "E-Mail",
        "details.phone": "Mobiltelefon",
        "details.company": "Unternehmen",
        "details.job_title": "Position",
        "details.type": "Signaturart",
        "details.documents": "Dokumente",
        "details.confirm": "Meine Angaben sind korrekt",
        "details.steps": "Ihre Schritte",
        "docs.heading": "Dokumente prüfen",
        "docs.intro": "Öffnen Sie jedes Dokument einmal, bevor Sie signieren. Ihre Signaturfelder sind "
                      "hervorgehoben.",
        "docs.pages": "{n} Seiten",
        "docs.page": "1 Seite",
        "docs.open": "Öffnen",
        "docs.opened": "Geöffnet",
        "docs.not_opened": "Noch nicht geöffnet",
        "docs.your_fields": "{n} Signaturfelder für Sie",
        "docs.your_field": "1 Signaturfeld für Sie",
        "docs.continue_hint": "Öffnen Sie jedes Dokument, um fortzufahren.",
        "docs.back": "Zurück zu den Dokumenten",
        "docs.page_n": "Seite {n} von {total}",
        "docs.download": "PDF herunterladen",
        "docs.field_you": "Ihre Signatur",
        "docs.field_other": "Signatur: {name}",
        "docs.fields_others": "Felder anderer Unterzeichnender",
        "docs.optional": "optional",
        "docs.reviewed": "Ich habe dieses Dokument geprüft",
        "identity.heading": "Identität bestätigen",
        "identity.intro": "Eine qualifizierte Signatur erfordert eine geprüfte Identität. Bei SIGN8 würden Sie "
                          "sich jetzt ausweisen (zum Beispiel per Ausweis und Videoanruf); hier wird die Prüfung "
                          "simuliert.",
        "identity.button": "Identität bestätigen (simuliert)",
        "code.heading": "Mit Einmalcode signieren",
        "code.intro": "Wir senden einen 6-stelligen Code per SMS an {phone}. Er ist 5 Minuten gültig.",
        "code.send": "Code senden",
        "code.resend": "Neuen Code senden",
        "code.sent": "Ein Code wurde um {time} Uhr UTC gesendet. Er ist gültig bis {until} Uhr UTC.",
        "code.label": "6-stelliger Code",
        "code.locked": "Zu viele falsche Codes. Senden Sie einen neuen Code, um fortzufahren.",
        "code.expired": "Der Code ist abgelaufen. Senden Sie einen neuen Code.",
        "code.sign_now": "Jetzt signieren",
        "code.not_sent": "Senden Sie zuerst einen Code.",
        "reject.summary": "Signaturprozess ablehnen",
        "reject.intro": "Wenn Sie nicht signieren möchten, können Sie den Signaturprozess ablehnen. Der Absender "
                        "wird informiert.",
        "reject.reason": "Begründung (optional)",
        "reject.button": "Signaturprozess ablehnen",
        "end.signed.title": "Vielen Dank, Sie haben signiert",
        "end.signed.text": "Sie haben am {date} signiert.",
        "end.signed_completed": "Alle haben signiert: Der Signaturprozess ist abgeschlossen. Sie erhalten die "
                                "signierten Dokumente und den Prüfbericht per E-Mail.",
        "end.signed_waiting": "Die anderen Unterzeichnenden sind noch nicht fertig. Sie erhalten die signierten "
                              "Dokumente, sobald alle signiert haben.",
        "end.refused.title": "Sie haben den Signaturprozess abgelehnt",
        "end.refused.text": "Sie haben ihn am {date} abgelehnt.",
        "end.reason": "Ihre Begründung: „{reason}“",
        "end.refused_other.title": "Dieser Signaturprozess wurde abgelehnt",
        "end.refused_other.text": "Ein anderer Unterzeichnender hat ihn am {date} abgelehnt. Es können keine "
                                  "Signaturen mehr gesetzt werden.",
        "end.completed.title": "Dieser Signaturprozess ist bereits abgeschlossen",
        "end.completed.text": "Alle haben signiert; er wurde am {date} abgeschlossen.",
        "end.expired.title": "Dieser Signaturprozess ist abgelaufen",
        "end.expired.text": "Er hat am {date} sein Ablaufdatum erreicht, bevor alle signiert hatten. Es können "
                            "keine Signaturen mehr gesetzt werden.",
        "end.cancelled.title": "Dieser Signaturprozess wurde storniert",
        "end.cancelled.text": "Der Absender hat ihn am {date} storniert.",
        "end.waiting.title": "Sie sind noch nicht an der Reihe",
        "end.waiting.text": "Andere Unterzeichnende signieren vor Ihnen. Sie erhalten eine E-Mail, sobald Sie an "
                            "der Reihe sind.",
        "end.draft.title": "Noch nicht gestartet",
        "end.draft.text": "Der Absender hat diesen Signaturprozess noch nicht gestartet.",
        "end.notfound.title": "Link nicht gefunden",
        "end.notfound.text": "Dieser Signaturlink existiert nicht. Bitte prüfen Sie den Link in Ihrer E-Mail.",
        "end.error.title": "Das hat nicht geklappt",
        "at_time": "{date} um {time} Uhr UTC",
        "footer": "Simuliert von sign8-mock · keine rechtsverbindliche Signatur",
        "terms_of_use": "Nutzungsbedingungen",
        "privacy_notice": "Datenschutzerklärung",
        "invited_by.seal": "Sie wurden gebeten zu siegeln",
        "step.code.seal": "Siegeln",
        "details.type.seal": "Siegelart",
        "docs.intro.seal": "Öffnen Sie jedes Dokument einmal, bevor Sie siegeln. Ihre Siegelfelder sind "
                           "hervorgehoben.",
        "docs.your_fields.seal": "{n} Siegelfelder für Sie",
        "docs.your_field.seal": "1 Siegelfeld für Sie",
        "docs.field_you.seal": "Ihr Siegel",
        "docs.field_signed": "Signiert von {name}",
        "docs.field_sealed": "Gesiegelt von {name}",
        "docs.fields_signed": "Von anderen signiert",
        "identity.intro.seal": "Ein qualifiziertes Siegel erfordert die geprüfte Identität der Person, die für die "
                               "Organisation siegelt. Bei SIGN8 würden Sie sich jetzt ausweisen (zum Beispiel per "
                               "Ausweis und Videoanruf); hier wird die Prüfung simuliert.",
        "code.heading.seal": "Mit Einmalcode siegeln",
        "code.sign_now.seal": "Jetzt siegeln",
        "reject.intro.seal": "Wenn Sie nicht siegeln möchten, können Sie den Signaturprozess ablehnen. Der Absender "
                             "wird informiert.",
        "end.signed.title.seal": "Vielen Dank, Sie haben gesiegelt",
        "end.signed.text.seal": "Sie haben am {date} gesiegelt.",
    },
}

# Error codes of the signing actions, in words for people.
ERRORS = {
    "en": {
        "wrong_password": "The password is wrong. Please try again.",
        "wrong_code": "The code is wrong. {tries_left} tries left.",
        "code_locked": "Too many wrong codes: this code is locked. Send a new code.",
        "code_expired": "The code has expired (codes are valid for 5 minutes). Send a new code.",
        "code_not_sent": "Send a code first.",
        "validation_error": "Please check your input.",
        "code_format": "The code has 6 digits.",
        "step_not_ready": "Please finish the earlier steps first.",
        "not_your_turn": "Other signers sign before you; please wait for your turn.",
        "already_acted": "You have already completed this signing process.",
    },
    "de": {
        "wrong_password": "Das Passwort ist falsch. Bitte versuchen Sie es erneut.",
        "wrong_code": "Der Code ist falsch. Noch {tries_left} Versuche.",
        "code_locked": "Zu viele falsche Codes: Dieser Code ist gesperrt. Senden Sie einen neuen Code.",
        "code_expired": "Der Code ist abgelaufen (Codes sind 5 Minuten gültig). Senden Sie einen neuen Code.",
        "code_not_sent": "Senden Sie zuerst einen Code.",
        "validation_error": "Bitte prüfen Sie Ihre Eingabe.",
        "code_format": "Der Code hat 6 Ziffern.",
        "step_not_ready": "Bitte schließen Sie zuerst die vorherigen Schritte ab.",
        "not_your_turn": "Andere Unterzeichnende signieren vor Ihnen; bitte warten Sie, bis Sie an der Reihe sind.",
        "already_acted": "Sie haben diesen Signaturprozess bereits abgeschlossen.",
    },
}


def language_of(signer: dict | None) -> str:
    return language((signer or {}).get("language"))


class Words:
    """t("key", **values) for one language (seal wording for a seal), plus dates, glossary terms and phones."""

    def __init__(self, lang: str, seal: bool = False):
        self.lang = language(lang)
        self.seal = seal
        self.text = TEXT[self.lang]

    def __call__(self, key: str, **values) -> str:
        keys = (key + ".seal", key) if self.seal else (key,)
        template = next((self.text[k] for k in keys if k in self.text), None) \
            or next((TEXT["en"][k] for k in keys if k in TEXT["en"]), None) or term(self.lang, key, self.seal)
        return template.format(**values) if values else template

    def term(self, key: str, seal: bool | None = None) -> str:
        """A glossary term; seal=None: worded for this signer."""
        return term(self.lang, key, self.seal if seal is None else seal)

    @staticmethod
    def phone(value: str | None) -> str:
        return mask_phone(value)

    def error(self, code: str | None, message: str, **values) -> str:
        template = ERRORS[self.lang].get(code or "")
        if template is None:
            return message
        try:
            return template.format(**values)
        except (KeyError, IndexError):
            return message

    def date(self, value: str | None) -> str:
        """'28 November 2026' / '28. November 2026'."""
        if not value:
            return ""
        return date_in_words(value, self.lang)

    def time(self, value: str | None) -> str:
        return parse_iso(value).strftime("%H:%M") if value else ""

    def datetime(self, value: str | None) -> str:
        """'28 November 2026 at 14:05 UTC' / '28. November 2026 um 14:05 Uhr UTC'."""
        if not value:
            return ""
        return self("at_time", date=self.date(value), time=self.time(value))
