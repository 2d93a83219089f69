"""The words of every message a signer receives, in English and German (other languages fall back to English).

Each builder returns subject, text and (for e-mail) html. The product rules behind them are SIGN8's
public help pages: the invitation names the signature type and carries a button and an alternative
link; the one-time code comes by SMS and is valid 5 minutes; everyone still running is told of a
cancellation; on completion every signer hears of it (see README, "Captured messages").
"""
from __future__ import annotations

import re
from datetime import datetime
from html import escape

from ..domain.clock import parse_iso
from ..domain.glossary import is_seal, language, mask_phone, term
from ..domain.words import date_in_words

WORDS = {
    "en": {
        "hello": "Hello {name},",
        "hello_anonymous": "Hello,",
        "invite_sign": "{sender} invites you to sign “{workflow}” {with_type}.",
        "invite_seal": "{sender} invites you to seal “{workflow}” {with_type}.",
        "deadline": "Please do so by {date}.",
        "button_sign": "Review and sign",
        "button_seal": "Review and seal",
        "alt_link": "If the button does not work, open this link:",
        "no_account": "You need no account. You will confirm with a one-time code sent by SMS to {phone}.",
        "no_account_qualified": "You need no account. You will confirm your identity first, then a one-time code "
                                "is sent by SMS to {phone}.",
        "reminder_intro": "A reminder: {sender} is still waiting for you to sign “{workflow}” {with_type}.",
        "reminder_intro_seal": "A reminder: {sender} is still waiting for you to seal “{workflow}” {with_type}.",
        "cancelled_intro": "{sender} has cancelled the signing process “{workflow}”.",
        "cancelled_body": "You no longer need to do anything; the signing link no longer works.",
        "completed_intro": "Everyone has signed “{workflow}”: the signing process is complete.",
        "completed_files": "The signed documents and the audit report are attached.",
        "completed_link": "The workflow's record (for the sender's systems, with an API key):",
        "button_completed": "Open the workflow",
        "footer": "Sent by SIGN8 on behalf of {sender}.",
        "mock_note": "Captured by sign8-mock: this message was recorded, not delivered to a real inbox.",
        "tan": "Your SIGN8 code for “{workflow}”: {code}. It is valid for {minutes} minutes. Never share it.",
        "subject_invitation": "Please sign: {workflow}",
        "subject_invitation_seal": "Please seal: {workflow}",
        "subject_reminder": "Reminder: please sign {workflow}",
        "subject_reminder_seal": "Reminder: please seal {workflow}",
        "subject_cancelled": "Cancelled: {workflow}",
        "subject_completed": "Completed: {workflow}",
        "subject_tan": "SIGN8 code",
        "description": "Message from the sender:",
    },
    "de": {
        "hello": "Hallo {name},",
        "hello_anonymous": "Hallo,",
        "invite_sign": "{sender} bittet Sie, „{workflow}“ {with_type} zu signieren.",
        "invite_seal": "{sender} bittet Sie, „{workflow}“ {with_type} zu siegeln.",
        "deadline": "Bitte erledigen Sie das bis zum {date}.",
        "button_sign": "Prüfen und signieren",
        "button_seal": "Prüfen und siegeln",
        "alt_link": "Falls die Schaltfläche nicht funktioniert, öffnen Sie diesen Link:",
        "no_account": "Sie brauchen kein Konto. Sie bestätigen mit einem Einmalcode, der per SMS an {phone} "
                      "gesendet wird.",
        "no_account_qualified": "Sie brauchen kein Konto. Sie bestätigen zuerst Ihre Identität, dann wird ein "
                                "Einmalcode per SMS an {phone} gesendet.",
        "reminder_intro": "Eine Erinnerung: {sender} wartet noch darauf, dass Sie „{workflow}“ {with_type} "
                          "signieren.",
        "reminder_intro_seal": "Eine Erinnerung: {sender} wartet noch darauf, dass Sie „{workflow}“ {with_type} "
                               "siegeln.",
        "cancelled_intro": "{sender} hat den Signaturprozess „{workflow}“ storniert.",
        "cancelled_body": "Sie müssen nichts mehr tun; der Signaturlink funktioniert nicht mehr.",
        "completed_intro": "Alle haben „{workflow}“ signiert: Der Signaturprozess ist abgeschlossen.",
        "completed_files": "Die signierten Dokumente und der Prüfbericht sind angehängt.",
        "completed_link": "Der Datensatz des Workflows (für die Systeme des Absenders, mit API-Schlüssel):",
        "button_completed": "Workflow öffnen",
        "footer": "Gesendet von SIGN8 im Auftrag von {sender}.",
        "mock_note": "Von sign8-mock erfasst: diese Nachricht wurde aufgezeichnet, nicht an ein echtes Postfach "
                     "zugestellt.",
        "tan": "Ihr SIGN8-Code für „{workflow}“: {code}. Er ist {minutes} Minuten gültig. Geben Sie ihn nie weiter.",
        "subject_invitation": "Bitte signieren: {workflow}",
        "subject_invitation_seal": "Bitte siegeln: {workflow}",
        "subject_reminder": "Erinnerung: Bitte signieren Sie {workflow}",
        "subject_reminder_seal": "Erinnerung: Bitte siegeln Sie {workflow}",
        "subject_cancelled": "Storniert: {workflow}",
        "subject_completed": "Abgeschlossen: {workflow}",
        "subject_tan": "SIGN8-Code",
        "description": "Nachricht des Absenders:",
    },
}


def language_of(signer: dict) -> str:
    """The signer's language if the mock speaks it ('de', 'de-AT' -> 'de'), else English."""
    return language(signer.get("language"))


def signature_type_words(signature_type: str | None, lang: str) -> str:
    return term(lang, f"type_lower.{signature_type or 'advanced_signature'}")


def date_words(value: str | datetime | None, lang: str) -> str:
    """'30 December 2026, 14:05 UTC' / '30. Dezember 2026, 14:05 UTC'."""
    if value is None:
        return ""
    dt = parse_iso(value) if isinstance(value, str) else value
    return f"{date_in_words(dt, lang)}, {dt:%H:%M} UTC"


def person_name(signer: dict) -> str:
    return " ".join(p for p in (signer.get("first_name"), signer.get("last_name")) if p)


# Organizations provisioned before they had readable names were called "Provisioned <8 hex digits>".
_PLACEHOLDER_NAME = re.compile(r"^Provisioned [0-9a-f]{8}$")


def sender_name(brand: str | None, organization: str | None) -> str:
    """The interface's brand name, else the organization's name; never an old placeholder name (then SIGN8)."""
    for name in (brand, organization):
        if name and name.strip() and not _PLACEHOLDER_NAME.match(name.strip()):
            return name.strip()
    return "SIGN8"


class Built(dict):
    """subject, text, html (None for SMS), links [{rel, url, label}]."""


def build(kind: str, lang: str, *, sender: str, workflow: dict, signer: dict, colors: dict,
          signing_url: str | None = None, workflow_url: str | None = None, code: str | None = None,
          minutes: int = 5, attachments: list | None = None) -> Built:
    """Words of one message of this kind, in lang."""
    w = WORDS[lang]
    stype = signer.get("signature_type") or "advanced_signature"
    seal = is_seal(stype)
    fmt = {"sender": sender, "workflow": workflow.get("name") or "", "with_type": term(lang, f"with_type.{stype}"),
           "name": person_name(signer), "phone": mask_phone(signer.get("phone")), "code": code or "",
           "minutes": minutes, "date": date_words(workflow.get("expires_at"), lang)}
    if kind == "tan":
        return Built(subject=w["subject_tan"], text=w["tan"].format(**fmt), html=None, links=[])
    greeting = w["hello"].format(**fmt) if fmt["name"] else w["hello_anonymous"]
    paragraphs: list[str] = []
    links: list[dict] = []
    button = None
    description = workflow.get("description")
    if kind in ("invitation", "reminder"):
        if kind == "invitation":
            subject = w["subject_invitation_seal" if seal else "subject_invitation"].format(**fmt)
            paragraphs.append(w["invite_seal" if seal else "invite_sign"].format(**fmt))
        else:
            subject = w["subject_reminder_seal" if seal else "subject_reminder"].format(**fmt)
            paragraphs.append(w["reminder_intro_seal" if seal else "reminder_intro"].format(**fmt))
        if fmt["date"]:
            paragraphs.append(w["deadline"].format(**fmt))
        qualified = stype.startswith("qualified")
        paragraphs.append(w["no_account_qualified" if qualified else "no_account"].format(**fmt))
        label = w["button_seal" if seal else "button_sign"]
        links.append({"rel": "sign", "url": signing_url, "label": label})
        button = (label, signing_url)
    elif kind == "cancelled":
        subject = w["subject_cancelled"].format(**fmt)
        paragraphs += [w["cancelled_intro"].format(**fmt), w["cancelled_body"]]
        description = None
    elif kind == "completed":
        subject = w["subject_completed"].format(**fmt)
        paragraphs.append(w["completed_intro"].format(**fmt))
        if attachments:
            paragraphs.append(w["completed_files"])
        links.append({"rel": "workflow", "url": workflow_url, "label": w["button_completed"]})
        description = None
    else:
        raise ValueError(f"unknown message kind {kind!r}")

    text_parts = [greeting, *paragraphs]
    if description:
        text_parts.append(f"{w['description']}\n{description}")
    if button:
        text_parts.append(f"{button[0]}: {button[1]}")
    elif kind == "completed":
        text_parts.append(f"{w['completed_link']}\n{workflow_url}")
    text_parts.append("-- \n" + w["footer"].format(**fmt) + "\n" + w["mock_note"])
    text = "\n\n".join(text_parts) + "\n"
    html = _html(lang, subject, greeting, paragraphs, description, w, button, colors, fmt,
                 completed_link=(w["completed_link"], workflow_url) if kind == "completed" else None)
    return Built(subject=subject, text=text, html=html, links=links)


FONTS = ("system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic','Noto Sans Hebrew',"
         "'Noto Sans CJK SC','Helvetica Neue',Arial,sans-serif")


def _html(lang, subject, greeting, paragraphs, description, w, button, colors, fmt, completed_link=None) -> str:
    """The e-mail's HTML: the brand's colours from domain/colors.py (4.5:1 on and beside it), user text dir=auto."""
    e = escape
    surface, on, ink = e(colors["surface"]), e(colors["on_primary"]), e(colors["ink"])
    body = [f'<p style="margin:0 0 16px" dir="auto">{e(greeting)}</p>']
    body += [f'<p style="margin:0 0 16px" dir="auto">{e(p)}</p>' for p in paragraphs]
    if description:
        body.append(f'<blockquote style="margin:0 0 16px;padding:10px 14px;border-left:4px solid {e(colors["primary"])};'
                    f'background:#f6f7f7;color:#374151"><strong>{e(w["description"])}</strong><br>'
                    f'<span dir="auto">{e(description)}</span></blockquote>')
    if button:
        label, url = button
        body.append(
            f'<p style="margin:24px 0"><a href="{e(url)}" class="button" style="display:inline-block;'
            f'background:{surface};color:{on};text-decoration:none;font-weight:600;padding:12px 24px;'
            f'border-radius:6px">{e(label)}</a></p>'
            f'<p style="margin:0 0 16px;font-size:13px;color:#4b5563">{e(w["alt_link"])}<br>'
            f'<a href="{e(url)}" style="color:{ink};word-break:break-all">{e(url)}</a></p>')
    if completed_link:
        label, url = completed_link
        body.append(f'<p style="margin:0 0 16px;font-size:13px;color:#4b5563">{e(label)}<br>'
                    f'<a href="{e(url)}" style="color:{ink};word-break:break-all">{e(url)}</a></p>')
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(subject)}</title></head>'
        f'<body style="margin:0;padding:0;background:#f3f4f6;font-family:{FONTS};color:#1f2937">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;'
        f'padding:24px 12px"><tr><td align="center">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;'
        f'background:#ffffff;border-radius:10px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.08)">'
        f'<tr><td style="background:{surface};padding:18px 28px;color:{on};font-size:20px;font-weight:700;'
        f'letter-spacing:.5px" dir="auto">{e(fmt["sender"])}</td></tr>'
        f'<tr><td style="padding:28px;font-size:15px;line-height:1.55;text-align:start">{"".join(body)}</td></tr>'
        f'<tr><td style="padding:16px 28px;border-top:1px solid #e5e7eb;font-size:12px;color:#4b5563">'
        f'{e(w["footer"].format(**fmt))}<br>{e(w["mock_note"])}</td></tr>'
        f'</table></td></tr></table></body></html>')
