"""Text that is safe everywhere it goes: control characters are refused with 422 naming the field, and text in
any script reaches Content-Disposition (RFC 6266 + RFC 8187), the .eml and the SMTP relay (RFC 2047) intact."""
from __future__ import annotations

import base64
import email
import email.policy
import re
from urllib.parse import unquote

import pytest
import requests

from sign8_flow import SAMPLE_PDF, Api, act, wait_until
from test_messages_relay import Catcher

# CJK, Arabic (right to left) and emoji (outside the Basic Multilingual Plane), in one name each.
NAMES = {"cjk": "合同", "arabic": "عقد الإيجار", "emoji": "Vertrag 🖋️✅"}
CONTROL = {"CR": "\r", "LF": "\n", "CRLF": "\r\n", "NUL": "\x00", "ESC": "\x1b", "DEL": "\x7f", "US": "\x1f"}
PDF64 = base64.b64encode(SAMPLE_PDF.read_bytes()).decode()


@pytest.fixture
def server(live_server_factory):
    return live_server_factory()


def refused_naming(resp: requests.Response, field: str) -> None:
    assert resp.status_code == 422, (resp.status_code, resp.text)
    err = resp.json()["error"]
    assert field in err["fields"], err
    assert "control characters" in " ".join(err["fields"][field])


@pytest.mark.parametrize("char", CONTROL.values(), ids=CONTROL.keys())
def test_control_characters_in_any_user_text_answer_422_naming_the_field(server, char):
    api = Api(server.url)
    bad = f"Bad{char}Bcc: evil@example.com"
    made = api.draft(["a@example.com"])
    wid, fid = made["workflow_id"], made["file"]["file_id"]
    refused_naming(api.post("AddWorkflow", {"name": bad}), "name")
    refused_naming(api.post("AddWorkflow", {"name": "ok", "description": bad}), "description")
    refused_naming(api.post("AddFile", {"workflow_id": wid, "file_name": bad + ".pdf", "data": PDF64}), "file_name")
    for field in ("first_name", "last_name", "company", "job_title"):
        refused_naming(api.post("AddSigner", {"workflow_id": wid, "email": "b@example.com", "phone": "+4915112345678",
                                              field: bad}), field)
    refused_naming(api.post("AddAnnotation", {"workflow_id": wid, "file_id": fid, "page": 1, "x": 72, "y": 100,
                                              "text": bad}), "text")
    refused_naming(api.post("AddInterface", {"name": bad}), "name")
    refused_naming(api.control("PATCH", "organization", {"name": bad}), "name")
    api.post("StartWorkflow", {"workflow_id": wid}, expect=200)
    refused_naming(api.control("POST", f"workflows/{wid}/refuse", {"reason": bad}), "reason")
    signer = made["signers"][0]
    refused_naming(requests.post(signer["signing_url"] + "/refuse", json={"reason": bad}, timeout=10,
                                 headers={"Accept": "application/json"}), "reason")
    assert api.workflow(wid)["status"] == "in_progress"  # nothing was refused


def test_a_multipart_file_name_with_a_control_character_is_422(server):
    api = Api(server.url)
    wid = api.post("AddWorkflow", {"name": "Multipart"}, expect=201).json()["workflow_id"]
    # A quoted-printable-free way to put a control character into the part's filename: RFC 2231's filename*.
    body = (b"--B\r\nContent-Disposition: form-data; name=\"workflow_id\"\r\n\r\n" + wid.encode() +
            b"\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''bad%0D%0Aname.pdf\r\n"
            b"Content-Type: application/pdf\r\n\r\n" + SAMPLE_PDF.read_bytes() + b"\r\n--B--\r\n")
    resp = api.http.post(f"{api.url}/api/workflow/AddFile", data=body, timeout=10,
                         headers={**api.headers, "Content-Type": "multipart/form-data; boundary=B"})
    refused_naming(resp, "file")


def test_tab_stays_allowed_and_the_signing_pages_text_box_may_break_lines(server):
    api = Api(server.url)
    assert api.post("AddWorkflow", {"name": "Tab\there", "description": "a\tb"}).status_code == 201
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    # A browser's text box sends CR LF for each line break: the page's form folds them into spaces.
    resp = requests.post(signer["signing_url"] + "/refuse", data={"reason": "Wrong rent.\r\nWrong date."},
                         timeout=10, allow_redirects=False)
    assert resp.status_code == 303
    assert api.workflow(made["workflow_id"])["signers"][0]["refusal_reason"] == "Wrong rent. Wrong date."


def test_the_document_says_which_characters_are_refused(server):
    spec = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert "must not contain control characters (CR, LF, NUL" in spec["info"]["description"]
    schemas = spec["components"]["schemas"]
    for schema, field in (("AddWorkflowArgs", "name"), ("AddWorkflowArgs", "description"),
                          ("AddFileJsonArgs", "file_name"), ("AddSignerArgs", "last_name"),
                          ("AddAnnotationArgs", "text"), ("RefusalArgs", "reason")):
        pattern = schemas[schema]["properties"][field]["pattern"]  # ECMA 262; its \\uXXXX escapes read the same in re
        assert re.fullmatch(pattern, "a\tb"), (schema, field)
        for char in CONTROL.values():
            assert not re.fullmatch(pattern, f"a{char}b"), (schema, field, repr(char))


def sign_and_wait_for_documents(api: Api, made: dict) -> dict:
    for signer in made["signers"]:
        assert act(signer, "sign").status_code == 200
    done = wait_until(lambda: (wf := api.workflow(made["workflow_id"]))["files"][0]["signed_file_id"] and wf,
                      timeout=30)
    assert done, "the signed file was not produced"
    return done


def disposition(resp: requests.Response) -> tuple[str, str, str]:
    """(type, ASCII filename, decoded filename*) of a Content-Disposition header."""
    value = resp.headers["Content-Disposition"]
    value.encode("ascii")  # a header is ASCII on the wire: the name travels percent-encoded
    kind = value.split(";")[0]
    plain = re.search(r'filename="([^"]*)"', value).group(1)
    star = re.search(r"filename\*=UTF-8''([^;\s]+)", value)
    return kind, plain, unquote(star.group(1), errors="strict") if star else plain


@pytest.mark.parametrize("script", NAMES, ids=NAMES.keys())
def test_get_file_sends_any_file_name_in_content_disposition(server, script):
    api = Api(server.url)
    name = NAMES[script]
    wf = api.post("AddWorkflow", {"name": name}, expect=201).json()
    f = api.post("AddFile", {"workflow_id": wf["workflow_id"], "file_name": f"{name}.pdf", "data": PDF64},
                 expect=201).json()
    resp = api.get("GetFile", file_id=f["file_id"])
    assert resp.content == SAMPLE_PDF.read_bytes()
    kind, plain, decoded = disposition(resp)
    assert (kind, decoded) == ("inline", f"{name}.pdf")
    assert plain.isascii() and plain.endswith(".pdf") and '"' not in plain


def test_a_signed_file_named_in_chinese_downloads_with_its_name(server):
    """The issue's case: GetFile of the signed version of 合同.pdf answered 500."""
    api = Api(server.url)
    made = api.draft(["a@example.com"])
    api.post("AddFile", {"workflow_id": made["workflow_id"], "file_name": "合同.pdf", "data": PDF64}, expect=201)
    api.post("StartWorkflow", {"workflow_id": made["workflow_id"]}, expect=200)
    wf = sign_and_wait_for_documents(api, made)
    chinese = next(f for f in wf["files"] if f["file_name"] == "合同.pdf")
    resp = api.get("GetFile", file_id=chinese["signed_file_id"])
    assert resp.content.startswith(b"%PDF-")
    assert disposition(resp) == ("inline", "__-signed.pdf", "合同-signed.pdf")


def _international_workflow(api: Api) -> dict:
    """A workflow named in three scripts, by an organization with an emoji in its name, for a signer whose name is
    Arabic and Chinese, with a file named in Chinese; started and signed, so the e-mails carry the signed file."""
    api.control("PATCH", "organization", {"name": "Ácme 🏢 株式会社"})
    made = api.draft([], name=f"{NAMES['cjk']} – {NAMES['arabic']} – {NAMES['emoji']}")
    wid = made["workflow_id"]
    f = api.post("AddFile", {"workflow_id": wid, "file_name": "合同.pdf", "data": PDF64}, expect=201).json()
    signer = api.post("AddSigner", {"workflow_id": wid, "email": "ann@example.com", "first_name": "أحمد",
                                    "last_name": "王 😀", "phone": "+4915112345678"}, expect=201).json()
    api.post("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": signer["signer_id"],
                              "page": 1, "x": 72, "y": 600, "width": 180, "height": 50}, expect=201)
    api.post("StartWorkflow", {"workflow_id": wid}, expect=200)
    return {**made, "signers": [signer]}


def _check_international_email(raw: bytes, wf_name: str, kind: str) -> None:
    assert raw.isascii(), "headers in any script are RFC 2047-encoded, bodies base64 or quoted-printable"
    assert re.search(rb"^Subject: [^\r]*=\?utf-8\?", raw, re.M | re.I)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    expected = {"invitation": f"Please sign: {wf_name}", "completed": f"Completed: {wf_name}"}[kind]
    assert parsed["Subject"] == expected
    assert parsed["To"].addresses[0].display_name == "أحمد 王 😀"
    assert parsed["To"].addresses[0].addr_spec == "ann@example.com"
    assert parsed["From"].addresses[0].display_name == "Ácme 🏢 株式会社"  # the organization's name
    assert "Ácme 🏢 株式会社" in parsed.get_body(preferencelist=("plain",)).get_content()
    if kind == "completed":
        names = sorted(a.get_filename() for a in parsed.iter_attachments())
        assert "合同-signed.pdf" in names, names


def test_names_in_any_script_reach_the_eml_intact(server):
    api = Api(server.url)
    made = _international_workflow(api)
    wf_name = api.workflow(made["workflow_id"])["name"]
    sign_and_wait_for_documents(api, made)
    for kind in ("invitation", "completed"):
        found = wait_until(lambda: [m for m in api.control("GET", "messages", kind=kind).json()["items"]
                                    if kind != "completed" or m["attachments"]])
        assert found, kind
        resp = api.control("GET", f"messages/{found[0]['message_id']}.eml")
        assert resp.status_code == 200, resp.text
        _check_international_email(resp.content, wf_name, kind)


def test_names_in_any_script_reach_the_smtp_relay_intact(live_server_factory):
    catcher = Catcher()
    try:
        api = Api(live_server_factory({"smtp_url": catcher.url}).url)
        made = _international_workflow(api)
        wf_name = api.workflow(made["workflow_id"])["name"]
        envelope = catcher.wait_for(1)[0]
        assert envelope.rcpt_tos == ["ann@example.com"]
        _check_international_email(envelope.original_content, wf_name, "invitation")
        message = api.control("GET", "messages", kind="invitation").json()["items"][0]
        assert wait_until(lambda: api.control("GET", f"messages/{message['message_id']}").json()["relay"]
                          ["status"] == "sent")
    finally:
        catcher.stop()
