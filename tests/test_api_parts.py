"""AddFile (JSON and multipart), GetFile, AddSigner, AddSignature and AddAnnotation."""
from __future__ import annotations

import base64
import hashlib
import io
import uuid
from urllib.parse import urlparse

import pytest

API = "/api/workflow"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def wid(client, auth) -> str:
    return client.post(f"{API}/AddWorkflow", json={"name": "W"}, headers=auth).get_json()["workflow_id"]


def add_file(client, auth, wid, pdf, **extra):
    body = {"workflow_id": wid, "file_name": "contract.pdf", "content_type": "application/pdf", "data": b64(pdf), **extra}
    return client.post(f"{API}/AddFile", json=body, headers=auth)


def test_add_file_json(client, auth, wid, pdf_bytes):
    resp = add_file(client, auth, wid, pdf_bytes)
    assert resp.status_code == 201
    f = resp.get_json()
    assert uuid.UUID(f["file_id"]).version == 4
    assert f["workflow_id"] == wid and f["file_name"] == "contract.pdf"
    assert f["content_type"] == "application/pdf"
    assert f["size"] == len(pdf_bytes)
    assert f["sha256"] == hashlib.sha256(pdf_bytes).hexdigest()
    assert f["page_count"] == 3
    assert f["created_at"].endswith("Z")


def test_add_file_multipart(client, auth, wid, pdf_bytes):
    resp = client.post(f"{API}/AddFile", headers=auth, content_type="multipart/form-data",
                       data={"workflow_id": wid, "file": (io.BytesIO(pdf_bytes), "upload.pdf", "application/pdf")})
    assert resp.status_code == 201, resp.get_json()
    f = resp.get_json()
    assert (f["file_name"], f["size"], f["page_count"]) == ("upload.pdf", len(pdf_bytes), 3)
    got = client.get(f"{API}/GetFile?file_id={f['file_id']}", headers=auth)
    assert got.data == pdf_bytes


def test_add_file_multipart_needs_both_parts(client, auth, wid):
    resp = client.post(f"{API}/AddFile", headers=auth, content_type="multipart/form-data", data={"workflow_id": wid})
    assert resp.status_code == 422
    assert "file" in resp.get_json()["error"]["fields"]
    resp = client.post(f"{API}/AddFile", headers=auth, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"%PDF-"), "a.pdf")})
    assert resp.status_code == 422
    assert "workflow_id" in resp.get_json()["error"]["fields"]


def test_add_file_checks_bytes_not_name(client, auth, wid):
    resp = add_file(client, auth, wid, b"\x89PNG\r\n\x1a\n not a pdf", file_name="looks.pdf")
    assert resp.status_code == 415
    assert resp.get_json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body, field", [
    ({"file_name": ""}, "file_name"),
    ({"file_name": None}, "file_name"),
    ({"data": None}, "data"),
    ({"workflow_id": "zzz"}, "workflow_id"),
])
def test_add_file_invalid_fields(client, auth, wid, pdf_bytes, body, field):
    resp = add_file(client, auth, wid, pdf_bytes, **body)
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


def test_add_file_unknown_workflow_is_404(client, auth, pdf_bytes):
    assert add_file(client, auth, str(uuid.uuid4()), pdf_bytes).status_code == 404


def test_get_file_serves_bytes_with_type(client, auth, wid, pdf_bytes):
    fid = add_file(client, auth, wid, pdf_bytes).get_json()["file_id"]
    resp = client.get(f"{API}/GetFile?file_id={fid}", headers=auth)
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert resp.data == pdf_bytes
    assert client.get(f"{API}/GetFile?file_id={uuid.uuid4()}", headers=auth).status_code == 404
    assert client.get(f"{API}/GetFile?file_id=..%2F..%2Fetc%2Fpasswd", headers=auth).status_code == 422


def test_add_signer(client, auth, wid):
    resp = client.post(f"{API}/AddSigner", headers=auth, json={
        "workflow_id": wid, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
        "order": 2, "language": "de", "phone": "+4930123456", "signature_type": "qualified_seal",
        "company": "Analytical Engines Ltd", "job_title": "Programmer"})
    assert resp.status_code == 201
    s = resp.get_json()
    assert uuid.UUID(s["signer_id"]).version == 4
    assert (s["email"], s["first_name"], s["last_name"], s["order"], s["language"], s["phone"]) == \
        ("ada@example.com", "Ada", "Lovelace", 2, "de", "+4930123456")
    assert (s["signature_type"], s["company"], s["job_title"]) == \
        ("qualified_seal", "Analytical Engines Ltd", "Programmer")
    shown = client.get(f"{API}/GetWorkflow?workflow_id={wid}", headers=auth).get_json()["signers"][0]
    assert (shown["phone"], shown["signature_type"], shown["company"], shown["job_title"]) == \
        ("+4930123456", "qualified_seal", "Analytical Engines Ltd", "Programmer")
    assert s["status"] == "pending" and s["workflow_id"] == wid
    url = urlparse(s["signing_url"])
    assert url.scheme == "http" and url.path.startswith("/sign/")
    token = url.path.rsplit("/", 1)[1]
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128


def test_add_signer_duplicate_email_is_409(client, auth, wid):
    phone = "+4915112345678"
    assert client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": "a@example.com", "phone": phone},
                       headers=auth).status_code == 201
    resp = client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": "A@Example.com", "phone": phone},
                       headers=auth)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "duplicate_signer"


def test_sequential_signers_get_increasing_order(client, auth):
    wid = client.post(f"{API}/AddWorkflow", json={"name": "S", "signing_order": "sequential"},
                      headers=auth).get_json()["workflow_id"]
    orders = [client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": f"{i}@example.com",
                                                     "phone": "+4915112345678"},
                          headers=auth).get_json()["order"] for i in range(3)]
    assert orders == [1, 2, 3]


@pytest.mark.parametrize("body, field", [
    ({"email": "not-an-email"}, "email"),
    ({"email": None}, "email"),
    ({"order": 0}, "order"),
    ({"order": "first"}, "order"),
    ({"language": "english!"}, "language"),
    ({"phone": "call me"}, "phone"),
    ({"phone": "+49 151 12345678"}, "phone"),  # E.164 has no spaces
    ({"phone": "015112345678"}, "phone"),  # no country code
    ({"phone": "+0151123456"}, "phone"),  # country codes never start with 0
    ({"phone": "+1234567890123456"}, "phone"),  # 16 digits: E.164 allows 15
    ({"phone": None}, "phone"),
    ({"phone": 4915112345678}, "phone"),
    ({"signature_type": "simple_signature"}, "signature_type"),  # SIGN8 has no simple level
    ({"signature_type": "Advanced_Signature"}, "signature_type"),
    ({"signature_type": None}, "signature_type"),
    ({"company": "x" * 256}, "company"),
    ({"job_title": "a\x00b"}, "job_title"),
])
def test_add_signer_invalid_fields(client, auth, wid, body, field):
    resp = client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": "ok@example.com",
                                                 "phone": "+4915112345678", **body}, headers=auth)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "validation_error" and list(err["fields"]) == [field]
    assert err["message"] == f"Invalid fields: {field}."


def test_add_signer_without_phone_is_422_for_every_signature_type(client, auth, wid):
    for signature_type in ("advanced_signature", "qualified_signature", "advanced_seal", "qualified_seal"):
        resp = client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": f"{signature_type}@example.com",
                                                     "signature_type": signature_type}, headers=auth)
        assert resp.status_code == 422, signature_type
        assert resp.get_json() == {"error": {"code": "validation_error", "message": "Invalid fields: phone.",
                                             "fields": {"phone": ["Missing data for required field."]}}}


def test_signature_type_defaults_to_advanced_signature(client, auth, wid):
    resp = client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": "d@example.com",
                                                 "phone": "+4915112345678"}, headers=auth)
    s = resp.get_json()
    assert resp.status_code == 201
    assert (s["signature_type"], s["company"], s["job_title"]) == ("advanced_signature", None, None)


def signature_body(draft, **over):
    return {"workflow_id": draft["workflow"]["workflow_id"], "file_id": draft["file"]["file_id"],
            "signer_id": draft["signers"][0]["signer_id"], "page": 3, "x": 72.5, "y": 700, "width": 150,
            "height": 40, **over}


def test_add_signature(client, auth, draft):
    resp = client.post(f"{API}/AddSignature", json=signature_body(draft), headers=auth)
    assert resp.status_code == 201
    sig = resp.get_json()
    assert uuid.UUID(sig["signature_id"]).version == 4
    assert (sig["page"], sig["x"], sig["y"], sig["width"], sig["height"], sig["required"]) == (3, 72.5, 700, 150, 40, True)
    optional = client.post(f"{API}/AddSignature", json=signature_body(draft, required=False), headers=auth).get_json()
    assert optional["required"] is False


@pytest.mark.parametrize("over, status, field", [
    ({"page": 4}, 422, "page"),
    ({"page": 0}, 422, "page"),
    ({"x": -1}, 422, "x"),
    ({"height": -0.5}, 422, "height"),
    ({"width": "wide"}, 422, "width"),
    ({"file_id": None}, 422, "file_id"),
    ({"signer_id": str(uuid.uuid4())}, 404, None),
    ({"file_id": str(uuid.uuid4())}, 404, None),
])
def test_add_signature_invalid(client, auth, draft, over, status, field):
    resp = client.post(f"{API}/AddSignature", json=signature_body(draft, **over), headers=auth)
    assert resp.status_code == status, resp.get_json()
    if field:
        assert field in resp.get_json()["error"]["fields"]


def test_signature_parts_must_share_the_workflow(client, auth, draft, workflow_builder, pdf_bytes):
    other = workflow_builder(client, auth, pdf_bytes, signers=1)
    for over in ({"signer_id": other["signers"][0]["signer_id"]}, {"file_id": other["file"]["file_id"]}):
        resp = client.post(f"{API}/AddSignature", json=signature_body(draft, **over), headers=auth)
        assert resp.status_code == 404


def test_add_annotation_defaults(client, auth, draft):
    body = {"workflow_id": draft["workflow"]["workflow_id"], "file_id": draft["file"]["file_id"],
            "page": 1, "x": 100, "y": 50, "text": "Initial here"}
    resp = client.post(f"{API}/AddAnnotation", json=body, headers=auth)
    assert resp.status_code == 201
    ann = resp.get_json()
    assert uuid.UUID(ann["annotation_id"]).version == 4
    assert (ann["text"], ann["font_size"], ann["color"], ann["page"]) == ("Initial here", 12, "#000000", 1)
    custom = client.post(f"{API}/AddAnnotation", json={**body, "font_size": 9, "color": "#ff0000"}, headers=auth)
    assert (custom.get_json()["font_size"], custom.get_json()["color"]) == (9, "#ff0000")


@pytest.mark.parametrize("over, field", [
    ({"text": ""}, "text"),
    ({"color": "red"}, "color"),
    ({"font_size": 0}, "font_size"),
    ({"page": 99}, "page"),
    ({"y": -3}, "y"),
])
def test_add_annotation_invalid(client, auth, draft, over, field):
    body = {"workflow_id": draft["workflow"]["workflow_id"], "file_id": draft["file"]["file_id"],
            "page": 1, "x": 100, "y": 50, "text": "t", **over}
    resp = client.post(f"{API}/AddAnnotation", json=body, headers=auth)
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


def test_parts_bump_workflow_updated_at(client, auth, app, draft):
    wid = draft["workflow"]["workflow_id"]
    before = client.get(f"{API}/GetWorkflow?workflow_id={wid}", headers=auth).get_json()["updated_at"]
    app.extensions["sign8"].clock.advance(60, draft["workflow"]["organization_id"])
    client.post(f"{API}/AddSigner", json={"workflow_id": wid, "email": "late@example.com", "phone": "+4915112345678"}, headers=auth)
    after = client.get(f"{API}/GetWorkflow?workflow_id={wid}", headers=auth).get_json()["updated_at"]
    assert after > before
