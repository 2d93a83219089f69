"""Bad input of every kind gets a documented 4xx JSON error over real HTTP: never a 500, never a hang."""
from __future__ import annotations

import base64
import io

import pytest
import requests
from pypdf import PdfReader, PdfWriter

TIMEOUT = 15
MAX_FILE = 10_000


@pytest.fixture
def server(live_server_factory):
    """Return a live server whose file limit is small, so over-limit bodies stay cheap."""
    return live_server_factory({"max_file_bytes": MAX_FILE})


@pytest.fixture
def wid(server, auth) -> str:
    resp = requests.post(f"{server.url}/api/workflow/AddWorkflow", json={"name": "bad input"}, headers=auth,
                         timeout=TIMEOUT)
    return resp.json()["workflow_id"]


def expect_error(resp: requests.Response, status: int | tuple, code: str | None = None) -> dict:
    """Assert a documented JSON error in the one error shape; return its body."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in statuses, (resp.status_code, resp.text[:500])
    assert resp.headers["Content-Type"].startswith("application/json")
    err = resp.json()["error"]
    assert isinstance(err["code"], str) and isinstance(err["message"], str) and err["message"]
    if code:
        assert err["code"] == code
    return err


def raw_post(server, auth, op, body: bytes, content_type="application/json"):
    return requests.post(f"{server.url}/api/workflow/{op}", data=body,
                         headers={**auth, "Content-Type": content_type}, timeout=TIMEOUT)


def add_file(server, auth, wid, data: bytes | str, name="doc.pdf"):
    b64 = data if isinstance(data, str) else base64.b64encode(data).decode()
    return requests.post(f"{server.url}/api/workflow/AddFile", headers=auth, timeout=TIMEOUT,
                         json={"workflow_id": wid, "file_name": name, "content_type": "application/pdf", "data": b64})


def encrypted_pdf(pdf: bytes) -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_body_over_the_limit_is_413(server, auth):
    limit = server.app.config["MAX_CONTENT_LENGTH"]
    body = b'{"name": "' + b"x" * limit + b'"}'
    expect_error(raw_post(server, auth, "AddWorkflow", body), 413, "payload_too_large")


def test_file_over_the_limit_is_413(server, auth, wid, pdf_bytes):
    padded = pdf_bytes.replace(b"%%EOF", b"%" + b"p" * MAX_FILE + b"\n%%EOF")
    expect_error(add_file(server, auth, wid, padded), 413, "payload_too_large")


def test_multipart_file_over_the_limit_is_413(server, auth, wid):
    resp = requests.post(f"{server.url}/api/workflow/AddFile", headers=auth, data={"workflow_id": wid},
                         files={"file": ("big.pdf", b"%PDF-1.4\n" + b"0" * (MAX_FILE * 2), "application/pdf")},
                         timeout=TIMEOUT)
    expect_error(resp, 413, "payload_too_large")


@pytest.mark.parametrize("depth", [50, 5_000, 100_000])
def test_deeply_nested_json_is_rejected(server, auth, depth):
    body = b'{"name": "n", "metadata": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"
    expect_error(raw_post(server, auth, "AddWorkflow", body), (400, 422))
    expect_error(raw_post(server, auth, "AddWorkflow", b"[" * depth + b"]" * depth), (400, 422))


@pytest.mark.parametrize("field", ["name", "description"])
def test_one_megabyte_string_is_422(server, auth, field):
    body = {"name": "n", field: "x" * 1_000_000}
    resp = requests.post(f"{server.url}/api/workflow/AddWorkflow", json=body, headers=auth, timeout=TIMEOUT)
    assert field in expect_error(resp, 422, "validation_error")["fields"]


@pytest.mark.parametrize("body", [b'{"name": "\xff\xfe\xfd"}', b"\xc3\x28", b'{"name": "ok\xed\xa0\x80"}'])
def test_invalid_utf8_is_400(server, auth, body):
    expect_error(raw_post(server, auth, "AddWorkflow", body), 400)


@pytest.mark.parametrize("op, body, field", [
    ("AddWorkflow", {"name": "evil\x00name"}, "name"),
    ("AddInterface", {"name": "x\x00"}, "name"),
])
def test_null_byte_in_a_name_is_422(server, auth, op, body, field):
    resp = requests.post(f"{server.url}/api/workflow/{op}", json=body, headers=auth, timeout=TIMEOUT)
    assert field in expect_error(resp, 422, "validation_error")["fields"]


def test_null_byte_in_a_file_name_is_422(server, auth, wid, pdf_bytes):
    assert "file_name" in expect_error(add_file(server, auth, wid, pdf_bytes, name="a\x00.pdf"), 422)["fields"]


@pytest.mark.parametrize("garbage", ["JVBERi0xLjQK$$$***", "not base64 at all!", "JVBERi0", "====", "\u00e9\u00e9"])
def test_garbage_base64_is_422(server, auth, wid, garbage):
    assert "data" in expect_error(add_file(server, auth, wid, garbage), 422)["fields"]


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00", b"PK\x03\x04zip", b"<html></html>", b""])
def test_non_pdf_is_415(server, auth, wid, data):
    expect_error(add_file(server, auth, wid, data), (415, 422))
    if data:
        expect_error(add_file(server, auth, wid, data), 415, "unsupported_media_type")


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_pdf_is_422(server, auth, wid, pdf_bytes, cut):
    expect_error(add_file(server, auth, wid, pdf_bytes[: int(len(pdf_bytes) * cut)]), 422)


def test_pdf_with_broken_body_is_422(server, auth, wid, pdf_bytes):
    mangled = pdf_bytes[:20] + bytes(b ^ 0x5A for b in pdf_bytes[20:-10]) + pdf_bytes[-10:]
    expect_error(add_file(server, auth, wid, mangled), 422)


def test_encrypted_pdf_is_422(server, auth, wid, pdf_bytes):
    expect_error(add_file(server, auth, wid, encrypted_pdf(pdf_bytes)), 422, "pdf_encrypted")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_is_415(server, auth, content_type):
    expect_error(raw_post(server, auth, "AddWorkflow", b'{"name": "x"}', content_type), 415, "unsupported_media_type")


def test_json_that_is_not_an_object_is_rejected(server, auth):
    for body in (b"[]", b'"name"', b"42", b"null"):
        expect_error(raw_post(server, auth, "AddWorkflow", body), (400, 422))


@pytest.mark.parametrize("path, code", [("/api/workflow/Nope", "unknown_operation"), ("/api/nothing", "not_found"),
                                        ("/api/workflow/AddWorkflow/extra", "unknown_operation")])
def test_unknown_route_under_api_is_404_json(server, auth, path, code):
    expect_error(requests.get(f"{server.url}{path}", headers=auth, timeout=TIMEOUT), 404, code)


@pytest.mark.parametrize("method, op", [("GET", "AddWorkflow"), ("DELETE", "GetWorkflow"), ("PUT", "AddFile"),
                                        ("POST", "ListWorkflows")])
def test_wrong_method_is_405_json(server, auth, method, op):
    resp = requests.request(method, f"{server.url}/api/workflow/{op}", headers=auth, timeout=TIMEOUT)
    expect_error(resp, 405, "method_not_allowed")


@pytest.mark.parametrize("query", ["workflow_id=%00", "workflow_id=" + "a" * 100_000, "workflow_id=%ff%fe"])
def test_bad_query_strings_are_4xx(server, auth, query):
    resp = requests.get(f"{server.url}/api/workflow/GetWorkflow?{query}", headers=auth, timeout=TIMEOUT)
    expect_error(resp, (400, 422))


@pytest.mark.parametrize("fields, field", [
    ({}, "phone"),  # SIGN8 needs a mobile number for every signature type
    ({"phone": "+49 151 12345678"}, "phone"), ({"phone": "0151 12345678"}, "phone"), ({"phone": ""}, "phone"),
    ({"phone": ["+4915112345678"]}, "phone"), ({"phone": "+4915112345678\u0000"}, "phone"),
    ({"phone": "+4915112345678", "signature_type": "simple"}, "signature_type"),
    ({"phone": "+4915112345678", "signature_type": 1}, "signature_type"),
    ({"phone": "+4915112345678", "signature_type": "qualified_seal "}, "signature_type"),
])
def test_bad_signer_phone_or_signature_type_is_422_in_the_one_shape(server, auth, wid, fields, field):
    resp = requests.post(f"{server.url}/api/workflow/AddSigner", headers=auth, timeout=TIMEOUT,
                         json={"workflow_id": wid, "email": "s@example.com", **fields})
    err = expect_error(resp, 422, "validation_error")
    assert list(err["fields"]) == [field] and err["message"] == f"Invalid fields: {field}."
