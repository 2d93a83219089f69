"""A captured e-mail as a real RFC 5322 message (the standard library's email package)."""
from __future__ import annotations

from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy
from email.utils import format_datetime

from ..domain.clock import parse_iso
from ..domain.text import CONTROL_CHARACTERS

SENDER_NAME = "SIGN8"
SENDER_ADDRESS = "no-reply@sign8-mock.invalid"
MESSAGE_ID_DOMAIN = "sign8-mock.invalid"


class Rfc2047Folding(EmailPolicy):
    """SMTP's policy, with a non-ASCII subject encoded by email.header.Header.

    Python 3.11's folder drops the space before a word when it folds a subject between two encoded-words (RFC 2047
    ignores the whitespace between them): "عقد الإيجار – Vertrag" came back as "عقد الإيجار– Vertrag", also for
    RFC 2047 decoders other than Python's (CPython gh-144156, fixed in later versions). Header puts the spaces
    inside the encoded-words. Names in From/To fold correctly and stay with the package.
    """

    def fold(self, name, value):
        if name.lower() != "subject" or str(value).isascii():
            return super().fold(name, value)
        return f"{name}: {self._words(name, str(value))}{self.linesep}"

    def fold_binary(self, name, value):
        if name.lower() != "subject" or str(value).isascii():
            return super().fold_binary(name, value)
        return f"{name}: {self._words(name, str(value))}{self.linesep}".encode("ascii")

    def _words(self, name: str, text: str) -> str:
        return Header(text, "utf-8", header_name=name).encode(linesep=self.linesep)


EML_POLICY = Rfc2047Folding() + SMTP


class NotAnEmail(ValueError):
    """An SMS has no RFC 5322 form."""


def _blob_of(store, attachment: dict) -> bytes | None:
    digest = attachment.get("sha256")
    if not digest and attachment.get("file_id"):
        f = store.get("files", attachment["file_id"])
        digest = f.get("sha256") if f else None
    return store.blobs.get(digest) if digest else None


def to_email_message(message: dict, store) -> EmailMessage:
    """Build the EmailMessage of a captured e-mail; attachments are read from the blob store."""
    if message.get("channel") != "email":
        raise NotAnEmail("Only e-mails have an .eml form; an SMS is read from its JSON record.")
    msg = EmailMessage(policy=EML_POLICY)
    # Header text is RFC 2047-encoded by the email package (as_bytes, send_message); a control character in it,
    # which the API refuses but an older record or a fixture's organization name may hold, would make the
    # package refuse the whole message, so it becomes a space here.
    msg["From"] = Address(_one_line(message.get("from_name") or SENDER_NAME), addr_spec=SENDER_ADDRESS)
    to_name = _one_line(message.get("to_name") or "")
    try:
        msg["To"] = Address(to_name, addr_spec=message["to"])
    except (ValueError, IndexError):
        msg["To"] = message["to"]
    msg["Subject"] = _one_line(message["subject"])
    msg["Date"] = format_datetime(parse_iso(message["created_at"]))
    msg["Message-ID"] = f"<{message['message_id']}@{MESSAGE_ID_DOMAIN}>"
    msg["X-Sign8-Mock-Kind"] = message["kind"]
    msg["X-Sign8-Mock-Message-Id"] = message["message_id"]
    if message.get("workflow_id"):
        msg["X-Sign8-Workflow-Id"] = message["workflow_id"]
    if message.get("signer_id"):
        msg["X-Sign8-Signer-Id"] = message["signer_id"]
    if message.get("language"):
        msg["Content-Language"] = message["language"]
    msg.set_content(message["text"])
    if message.get("html"):
        msg.add_alternative(message["html"], subtype="html")
    for att in message.get("attachments") or []:
        data = _blob_of(store, att)
        if data is None:
            continue
        maintype, _, subtype = (att.get("content_type") or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=_one_line(att.get("file_name") or "attachment"))
    return msg


def _one_line(text: str) -> str:
    return CONTROL_CHARACTERS.sub(" ", text)


def to_eml(message: dict, store) -> bytes:
    """The message as bytes with CRLF line ends, ready for a .eml file or SMTP."""
    return to_email_message(message, store).as_bytes(policy=EML_POLICY)
