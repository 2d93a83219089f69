"""The signing journey's rules over real HTTP: workflow password, step order, documents, one-time codes.

The browser walk is tests/test_journey_browser.py; these pin the rules one by one, fast.
"""
from __future__ import annotations

import base64
import re
import struct
import subprocess
import sys

import pytest
import requests

from mock_server.app import create_app
from mock_server.domain.passwords import check_password
from mock_server.rendering import PageRenderer
from mock_server.samples import sample_pdf
from sign8_flow import Api, act, build_draft

JSON = {"Accept": "application/json"}


@pytest.fixture
def api(server):
    return Api(server.url)


def step(signer: dict, name: str, body: dict | None = None, method: str = "POST") -> requests.Response:
    return requests.request(method, f"{signer['signing_url']}/{name}", json=body or {}, headers=JSON, timeout=10)


def to_code_step(signer: dict, made: dict, password: str | None = None) -> None:
    """Walk a link through every step before the code (as the page's JSON actions)."""
    assert step(signer, "terms", {"terms": True, "privacy": True}).status_code == 200
    if password is not None:
        assert step(signer, "password", {"password": password}).status_code == 200
    assert step(signer, "details").status_code == 200
    opened = requests.get(f"{signer['signing_url']}/documents/{made['file']['file_id']}", headers=JSON, timeout=10)
    assert opened.status_code == 200 and opened.json()["page_sizes"] == [[595.0, 842.0]] * 3
    assert step(signer, "documents").status_code == 200
    view = requests.get(signer["signing_url"], headers=JSON, timeout=10).json()
    if view["step"] == "identity":
        assert step(signer, "identity").status_code == 200


def sms_code(api: Api, signer: dict) -> str:
    resp = api.control("GET", "messages", kind="tan", to=signer["phone"])
    assert resp.status_code == 200, resp.text
    return re.search(r"\b(\d{6})\b", resp.json()["items"][0]["text"]).group(1)


def sign_on_page(signer: dict, code) -> requests.Response:
    return requests.post(f"{signer['signing_url']}/sign", data={"code": code}, timeout=10, allow_redirects=False)


def audit_actions(api: Api, made: dict, index: int = 0) -> list[str]:
    return [a["action"] for a in api.workflow(made["workflow_id"])["signers"][index]["audit"]]


# -- the workflow password ------------------------------------------------------------------
def test_password_is_kept_as_a_salted_hash_and_never_returned_or_journaled(api, server):
    made = api.started(["a@example.com"], password="Tr0ub4dor&3")
    plain = api.started(["b@example.com"])
    assert "password" not in made["workflow"] and made["workflow"]["password_protected"] is True
    detail = api.workflow(made["workflow_id"])
    assert detail["password_protected"] is True and api.workflow(plain["workflow_id"])["password_protected"] is False
    listed = api.get("ListWorkflows").text
    stored = server.app.extensions["sign8"].store.get("workflows", made["workflow_id"])
    assert stored["password_hash"].startswith("pbkdf2_sha256$") and "Tr0ub4dor" not in stored["password_hash"]
    assert check_password("Tr0ub4dor&3", stored["password_hash"]) and not check_password("x", stored["password_hash"])
    # Salted: the same password hashes differently each time.
    again = api.post("AddWorkflow", {"name": "Again", "password": "Tr0ub4dor&3"}, expect=201).json()
    other = server.app.extensions["sign8"].store.get("workflows", again["workflow_id"])["password_hash"]
    assert other != stored["password_hash"]
    assert act(made["signers"][0], "sign").status_code == 403
    requests.post(f"{made['signers'][0]['signing_url']}/password", data={"password": "Tr0ub4dor&3"}, timeout=10)
    journal = api.control("GET", "requests").text
    for text in (str(detail), listed, journal, api.control("GET", "snapshot").text):
        assert "Tr0ub4dor" not in text
    assert '"password": "<redacted>"' in journal or '\\"password\\": \\"<redacted>\\"' in journal


def test_over_long_password_is_422(api):
    api.post("AddWorkflow", {"name": "x", "password": "p" * 128}, expect=201)
    resp = api.post("AddWorkflow", {"name": "x", "password": "p" * 129}, expect=422)
    assert resp.json()["error"]["code"] == "validation_error" and "password" in resp.json()["error"]["fields"]
    api.post("AddWorkflow", {"name": "x", "password": ""}, expect=422)


def test_json_sign_needs_the_password_and_wrong_ones_are_audited(api):
    made = api.started(["a@example.com", "b@example.com"], password="s3cret")
    first, second = made["signers"]
    url = f"{first['signing_url']}/sign"
    missing = requests.post(url, json={}, timeout=10)
    wrong = requests.post(url, json={"password": "guess"}, timeout=10)
    for resp in (missing, wrong):
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "wrong_password"
    audit = api.workflow(made["workflow_id"])["signers"][0]["audit"]
    assert [a["action"] for a in audit] == ["wrong_password", "wrong_password"]
    assert audit[0]["ip"] == "127.0.0.1" and audit[0]["at"]
    assert requests.post(url, json={"password": "x" * 129}, timeout=10).status_code == 422
    ok = requests.post(url, json={"password": "s3cret"}, timeout=10)
    assert ok.status_code == 200 and ok.json()["signer_status"] == "signed"
    # Signing twice keeps its 409 (not a 403), password or not.
    assert requests.post(url, json={"password": "s3cret"}, timeout=10).status_code == 409
    # Refusing needs no password.
    assert act(second, "refuse", reason="No").status_code == 200


def test_out_of_turn_keeps_its_409_before_the_password(api):
    made = api.started(["a@example.com", "b@example.com"], signing_order="sequential", password="pw")
    resp = requests.post(f"{made['signers'][1]['signing_url']}/sign", json={"password": "pw"}, timeout=10)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "not_your_turn"


def test_page_password_step_rejects_a_wrong_password_with_403_and_audits_it(api):
    made = api.started(["a@example.com"], password="s3cret")
    signer = made["signers"][0]
    assert step(signer, "terms", {"terms": True, "privacy": True}).json()["step"] == "password"
    resp = requests.post(f"{signer['signing_url']}/password", data={"password": "nope"}, timeout=10)
    assert resp.status_code == 403 and 'data-code="wrong_password"' in resp.text
    assert "The password is wrong" in resp.text
    assert audit_actions(api, made)[-1] == "wrong_password"
    assert step(signer, "password", {"password": "s3cret"}).json()["step"] == "details"


# -- the steps ---------------------------------------------------------------------------------
def test_steps_go_in_order_and_every_document_must_be_opened(api):
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    early = step(signer, "details")
    assert early.status_code == 409 and early.json()["error"]["code"] == "step_not_ready"
    unticked = step(signer, "terms", {"terms": True})
    assert unticked.status_code == 422 and list(unticked.json()["error"]["fields"]) == ["privacy"]
    assert step(signer, "terms", {"terms": True, "privacy": True}).json()["step"] == "details"
    assert step(signer, "details").json()["step"] == "documents"
    closed = step(signer, "documents")
    assert closed.status_code == 409 and closed.json()["error"]["unopened"] == ["contract.pdf"]
    assert step(signer, "code").status_code == 409  # no code before the documents
    viewer = requests.get(f"{signer['signing_url']}/documents/{made['file']['file_id']}", timeout=10)
    assert viewer.status_code == 200
    assert viewer.text.count('class="field own"') == 1 and 'id="page-3"' in viewer.text
    # The field of the fixture (x=50, y=60, 120x30 pt on a 595x842 pt page) in percent from the top-left.
    assert "left: 8.403%; top: 7.126%; width: 20.168%; height: 3.563%" in viewer.text
    view = step(signer, "documents").json()
    assert view["step"] == "code" and view["documents"][0]["opened"] is True
    assert view["steps_done"] == ["terms", "details", "documents"]
    assert audit_actions(api, made) == ["terms_accepted", "details_confirmed", "documents_reviewed"]


def test_other_signers_fields_are_greyed_and_annotations_drawn(api):
    made = api.started(["a@example.com", "b@example.com"])
    first = made["signers"][0]
    html = requests.get(f"{first['signing_url']}/documents/{made['file']['file_id']}", timeout=10).text
    assert html.count('class="field own"') == 1 and html.count('class="field other"') == 1
    assert "Signature: S1" in html


def test_annotation_is_drawn_where_placed(api):
    made = api.draft(["a@example.com"])
    api.post("AddAnnotation", {"workflow_id": made["workflow_id"], "file_id": made["file"]["file_id"], "page": 2,
                               "x": 297.5, "y": 421, "text": "Initials here", "font_size": 11.9,
                               "color": "#FF0000"}, expect=201)
    api.post("StartWorkflow", {"workflow_id": made["workflow_id"]}, expect=200)
    html = requests.get(f"{made['signers'][0]['signing_url']}/documents/{made['file']['file_id']}", timeout=10).text
    drawn = re.search(r'<figure class="page" id="page-2".*?</figure>', html, re.S).group(0)
    assert 'left: 50.0%; top: 50.0%; color: #FF0000; font-size: 2.0cqw">Initials here' in drawn


def test_qualified_signature_has_the_simulated_identity_step_and_seals_say_seal(api):
    made = api.draft(["a@example.com"])
    wid = made["workflow_id"]
    q = api.post("AddSigner", {"workflow_id": wid, "email": "q@example.com", "phone": "+4915100000099",
                               "signature_type": "qualified_seal"}, expect=201).json()
    api.post("AddSignature", {"workflow_id": wid, "file_id": made["file"]["file_id"], "signer_id": q["signer_id"],
                              "page": 1, "x": 1, "y": 1, "width": 10, "height": 10}, expect=201)
    api.post("StartWorkflow", {"workflow_id": wid}, expect=200)
    view = requests.get(q["signing_url"], headers=JSON, timeout=10).json()
    assert view["steps"] == ["terms", "details", "documents", "identity", "code"]
    to_code_step(q, made)
    assert "identity_confirmed_simulated" in audit_actions(api, made, index=1)
    html = requests.get(q["signing_url"], timeout=10).text
    assert "Seal now" in html and "Qualified electronic seal" in html


def test_a_german_qualified_seal_is_worded_as_a_seal_at_every_step(api):
    made = api.draft([])
    wid = made["workflow_id"]
    q = api.post("AddSigner", {"workflow_id": wid, "email": "q@example.com", "phone": "+4915100000099",
                               "language": "de", "signature_type": "qualified_seal"}, expect=201).json()
    api.post("AddSignature", {"workflow_id": wid, "file_id": made["file"]["file_id"], "signer_id": q["signer_id"],
                              "page": 1, "x": 1, "y": 1, "width": 10, "height": 10}, expect=201)
    api.post("StartWorkflow", {"workflow_id": wid}, expect=200)
    pages = [requests.get(q["signing_url"], timeout=10).text]
    for name in ("terms", "details"):
        step(q, name, {"terms": True, "privacy": True} if name == "terms" else None)
        pages.append(requests.get(q["signing_url"], timeout=10).text)
    pages.append(requests.get(f"{q['signing_url']}/documents/{made['file']['file_id']}", timeout=10).text)
    step(q, "documents")
    identity = requests.get(q["signing_url"], timeout=10).text
    assert 'id="step-identity"' in identity and "qualifiziertes Siegel erfordert" in identity
    step(q, "identity")
    code = requests.get(q["signing_url"], timeout=10).text
    assert "Mit Einmalcode siegeln" in code and "Jetzt siegeln" in code
    for html in [*pages, identity, code]:
        assert 'lang="de"' in html
        assert "qualifizierte Signatur" not in html and "qualifizierte elektronische Signatur" not in html
        assert "unterschreib" not in html.lower()


def test_the_json_view_tells_the_truth_after_signing(api):
    made = api.started(["a@example.com", "b@example.com"], signing_order="sequential")
    first, second = made["signers"]
    before = requests.get(first["signing_url"], headers=JSON, timeout=10).json()
    assert before["your_turn"] is True and before["steps_done"] == []
    assert requests.get(second["signing_url"], headers=JSON, timeout=10).json()["your_turn"] is False
    to_code_step(first, made)
    step(first, "code")
    assert sign_on_page(first, sms_code(api, first)).status_code == 303
    after = requests.get(first["signing_url"], headers=JSON, timeout=10).json()
    assert after["signer_status"] == "signed" and after["your_turn"] is False and after["step"] is None
    assert after["steps_done"] == after["steps"] == ["terms", "details", "documents", "code"]
    assert requests.get(second["signing_url"], headers=JSON, timeout=10).json()["your_turn"] is True


def test_the_viewer_shows_a_field_signed_by_another_signer_as_signed_with_the_name(api):
    made = api.started(["a@example.com", "b@example.com"])
    first, second = made["signers"]
    assert act(second, "sign").status_code == 200
    html = requests.get(f"{first['signing_url']}/documents/{made['file']['file_id']}", timeout=10).text
    assert html.count('class="field signed"') == 1 and 'class="field other"' not in html
    assert "✓ Signed by S1" in html and "Signature: S1" not in html


# -- one-time codes ---------------------------------------------------------------------------
def test_code_is_sent_by_sms_and_expires_when_the_mock_clock_moves_five_minutes(api):
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    to_code_step(signer, made)
    sent = step(signer, "code")
    assert sent.status_code == 200 and sent.json()["code"]["failed_tries"] == 0
    code = sms_code(api, signer)
    sms = api.control("GET", "messages", kind="tan", to=signer["phone"]).json()["items"][0]
    assert sms["channel"] == "sms" and sms["signer_id"] == signer["signer_id"]
    assert api.control("POST", "clock/advance", {"seconds": 299}).status_code == 200
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    still_valid = requests.post(f"{signer['signing_url']}/sign", json={"code": wrong}, timeout=10)
    assert still_valid.status_code == 403 and still_valid.json()["error"]["code"] == "wrong_code"
    assert api.control("POST", "clock/advance", {"seconds": 1}).status_code == 200
    expired = sign_on_page(signer, code)
    assert expired.status_code == 409 and 'data-code="code_expired"' in expired.text
    assert requests.post(f"{signer['signing_url']}/sign", json={"code": code}, timeout=10).json()["error"]["code"] \
        == "code_expired"
    # A new code is valid again for five minutes of the mock clock.
    step(signer, "code")
    fresh = sms_code(api, signer)
    api.control("POST", "clock/advance", {"seconds": 240})
    done = sign_on_page(signer, fresh)
    assert done.status_code == 303
    assert api.workflow(made["workflow_id"])["signers"][0]["status"] == "signed"


def test_five_wrong_codes_lock_it_and_a_new_code_unlocks(api):
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    to_code_step(signer, made)
    no_code = sign_on_page(signer, "123456")
    assert no_code.status_code == 409 and 'data-code="code_not_sent"' in no_code.text
    step(signer, "code")
    code = sms_code(api, signer)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    url = f"{signer['signing_url']}/sign"
    for left in (4, 3, 2, 1):
        resp = requests.post(url, json={"code": wrong}, timeout=10)
        assert resp.status_code == 403, resp.text
        assert resp.json()["error"]["code"] == "wrong_code" and resp.json()["error"]["tries_left"] == left
    fifth = requests.post(url, json={"code": wrong}, timeout=10)
    assert fifth.status_code == 409 and fifth.json()["error"]["code"] == "code_locked"
    # Locked: even the right code is refused now, on the page too.
    assert requests.post(url, json={"code": code}, timeout=10).json()["error"]["code"] == "code_locked"
    page = sign_on_page(signer, code)
    assert page.status_code == 409 and 'id="code-locked"' in page.text
    assert audit_actions(api, made).count("wrong_code") == 5
    step(signer, "code")
    assert sign_on_page(signer, sms_code(api, signer)).status_code == 303
    assert api.workflow(made["workflow_id"])["status"] == "completed"


@pytest.mark.parametrize("bad", ["12345", "1234567", "abcdef", "", 12.5])
def test_a_code_of_the_wrong_form_is_422(api, bad):
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    to_code_step(signer, made)
    step(signer, "code")
    resp = requests.post(f"{signer['signing_url']}/sign", json={"code": bad}, timeout=10)
    assert resp.status_code == 422 and resp.json()["error"]["fields"] == {"code": ["Must be exactly 6 digits."]}
    page = sign_on_page(signer, "123")
    assert page.status_code == 422 and "The code has 6 digits." in page.text


def test_json_sign_needs_no_code_but_checks_one_when_given(api):
    made = api.started(["a@example.com", "b@example.com"])
    first, second = made["signers"]
    assert act(first, "sign").status_code == 200
    resp = requests.post(f"{second['signing_url']}/sign", json={"code": "123456"}, timeout=10)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "code_not_sent"


def test_code_state_survives_a_restart(tmp_path):
    db = str(tmp_path / "db.json")
    key = {"Authorization": "Bearer restart-key"}
    app = create_app({"db": db}, start_background=False)
    client = app.test_client()
    wf = client.post("/api/workflow/AddWorkflow", json={"name": "R"}, headers=key).get_json()
    f = client.post("/api/workflow/AddFile", json={"workflow_id": wf["workflow_id"], "file_name": "r.pdf",
                                                    "data": base64.b64encode(sample_pdf()).decode()}, headers=key)
    s = client.post("/api/workflow/AddSigner", json={"workflow_id": wf["workflow_id"], "email": "r@example.com",
                                                     "phone": "+4915100000001"}, headers=key).get_json()
    client.post("/api/workflow/AddSignature", json={"workflow_id": wf["workflow_id"], "file_id": f.get_json()["file_id"],
                                                    "signer_id": s["signer_id"], "page": 1, "x": 1, "y": 1,
                                                    "width": 9, "height": 9}, headers=key)
    client.post("/api/workflow/StartWorkflow", json={"workflow_id": wf["workflow_id"]}, headers=key)
    token = s["signing_url"].rsplit("/", 1)[1]
    client.post(f"/sign/{token}/terms", json={"terms": True, "privacy": True})
    client.post(f"/sign/{token}/details", json={})
    client.get(f"/sign/{token}/documents/{f.get_json()['file_id']}", headers=JSON)
    client.post(f"/sign/{token}/documents", json={})
    assert client.post(f"/sign/{token}/code", json={}).status_code == 200
    messages = client.get("/_mock/messages", query_string={"kind": "tan"}, headers=key).get_json()["items"]
    code = re.search(r"\b(\d{6})\b", messages[0]["text"]).group(1)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert client.post(f"/sign/{token}/sign", json={"code": wrong}).status_code == 403
    app.extensions["sign8"].stop()

    again = create_app({"db": db}, start_background=False)
    try:
        c2 = again.test_client()
        view = c2.get(f"/sign/{token}", headers=JSON).get_json()
        assert view["step"] == "code" and view["code"]["failed_tries"] == 1
        resp = c2.post(f"/sign/{token}/sign", data={"code": code})
        assert resp.status_code == 303
        assert c2.get(f"/sign/{token}", headers=JSON).get_json()["signer_status"] == "signed"
    finally:
        again.extensions["sign8"].stop()


# -- languages, pages, artwork ---------------------------------------------------------------------
@pytest.mark.parametrize("language, words", [("de", "Bevor Sie beginnen"), ("en", "Before you start"),
                                             ("fr", "Before you start"), ("de-AT", "Bevor Sie beginnen")])
def test_page_speaks_the_signers_language_and_falls_back_to_english(api, language, words):
    made = api.draft(["a@example.com"])
    wid = made["workflow_id"]
    s = api.post("AddSigner", {"workflow_id": wid, "email": "l@example.com", "phone": "+4915100000042",
                               "language": language}, expect=201).json()
    api.post("AddSignature", {"workflow_id": wid, "file_id": made["file"]["file_id"], "signer_id": s["signer_id"],
                              "page": 1, "x": 1, "y": 1, "width": 10, "height": 10}, expect=201)
    api.post("StartWorkflow", {"workflow_id": wid}, expect=200)
    html = requests.get(s["signing_url"], timeout=10).text
    assert words in html
    lang = "de" if language.startswith("de") else "en"
    assert f'<html lang="{lang}">' in html
    # Dates in words, in that language.
    month = re.search(r'id="expires">([^<]*)<', html).group(1)
    assert re.search(r"\d{1,2}\.? [A-ZÄ][a-zä]+ \d{4}", month), month


def test_page_images_are_rendered_once_and_served_as_png(api, server):
    made = api.started(["a@example.com"])
    other = api.started(["b@example.com"])
    signer = made["signers"][0]
    base = f"{signer['signing_url']}/files/{made['file']['file_id']}/pages"
    renderer = server.app.extensions["sign8"].page_renderer
    before = renderer.renders
    first = requests.get(f"{base}/1.png", timeout=30)
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/png"
    assert first.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", first.content[16:24])
    assert (width, height) == (893, 1263)  # 595x842 pt at 1.5 px per point
    assert requests.get(f"{base}/1.png", timeout=30).content == first.content
    assert renderer.renders == before + 1  # the second answer came from the cache
    assert requests.get(f"{base}/4.png", timeout=10).status_code == 404
    assert requests.get(f"{base}/0.png", timeout=10).status_code == 404
    foreign = f"{signer['signing_url']}/files/{other['file']['file_id']}/pages/1.png"
    assert requests.get(foreign, timeout=10).status_code == 404


def test_page_cache_stays_within_its_byte_bound():
    pdf = sample_pdf()
    renderer = PageRenderer(max_bytes=100_000)
    sizes = [len(renderer.png("digest", n, lambda: pdf)) for n in (1, 2, 3)]
    assert all(s < 100_000 for s in sizes)
    assert renderer.cached_bytes() <= 100_000 < sum(sizes)
    renderer.png("digest", 3, lambda: pdf)
    assert renderer.renders == 3  # page 3 was still cached


def test_pypdfium2_is_imported_only_on_first_render():
    code = ("import sys; from mock_server.app import create_app; "
            "app = create_app({'db': ':memory:'}, start_background=False); "
            "print('pypdfium2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_default_artwork_svg_on_the_page_and_png_through_getfile(api, server):
    made = api.started(["a@example.com"])
    html = requests.get(made["signers"][0]["signing_url"], timeout=10).text
    assert "/sign/_static/default-logo.svg" in html and "/sign/_static/default-icon.svg" in html
    for name in ("default-logo.svg", "default-icon.svg"):
        svg = requests.get(f"{server.url}/sign/_static/{name}", timeout=10)
        assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
        assert b"<svg" in svg.content and b"<title>" in svg.content
    from mock_server.domain.defaults import DEFAULT_ICON_FILE_ID, DEFAULT_LOGO_FILE_ID
    for file_id, size in ((DEFAULT_ICON_FILE_ID, (256, 256)), (DEFAULT_LOGO_FILE_ID, (848, 224))):
        png = api.get("GetFile", file_id=file_id).content
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == size


@pytest.mark.parametrize("primary", ["#FFEE00", "#FACC15", "#111111", "#1E293B", "#00A19A", "#FFFFFF", "#7F7F7F"])
def test_text_on_the_primary_colour_stays_legible(api, primary):
    """Text on a filled brand area and brand-coloured text reach WCAG AA (4.5:1); axe checks the pages too."""
    from mock_server.domain.colors import contrast
    interface = api.post("AddInterface", {"primary_color": primary}, expect=201).json()
    made = api.started(["a@example.com"], interface_id=interface["interface_id"])
    html = requests.get(made["signers"][0]["signing_url"], timeout=10).text
    var = {name: re.search(rf"--{name}: (#[0-9A-F]{{6}})", html).group(1)
           for name in ("primary", "surface", "on-primary", "ink", "tint")}
    assert var["primary"] == primary
    assert contrast(var["surface"], var["on-primary"]) >= 4.5
    assert contrast(var["ink"], "#FFFFFF") >= 4.5 and contrast(var["ink"], var["tint"]) >= 4.5


# -- end pages ----------------------------------------------------------------------------------
def test_end_page_after_refusing_at_the_password_step_without_the_password(api):
    made = api.started(["a@example.com"], password="pw")
    signer = made["signers"][0]
    step(signer, "terms", {"terms": True, "privacy": True})
    resp = requests.post(f"{signer['signing_url']}/refuse", data={"reason": "Wrong person"}, timeout=10)
    assert resp.status_code == 200 and 'id="end-refused"' in resp.text and "Wrong person" in resp.text
    assert resp.history and resp.history[0].status_code == 303


def test_a_new_code_replaces_the_old_one(api):
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    to_code_step(signer, made)
    step(signer, "code")
    old = sms_code(api, signer)
    step(signer, "code")
    new = sms_code(api, signer)
    assert len(api.control("GET", "messages", kind="tan", to=signer["phone"]).json()["items"]) == 2
    if old != new:  # one chance in a million that they are the same
        resp = requests.post(f"{signer['signing_url']}/sign", json={"code": old}, timeout=10)
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "wrong_code"
    assert sign_on_page(signer, new).status_code == 303


def test_an_interface_image_that_is_not_an_image_falls_back_to_the_default_artwork(api):
    made = api.draft(["a@example.com"])
    interface = api.post("AddInterface", {"logo_file_id": made["file"]["file_id"]}, expect=201).json()
    other = api.started(["b@example.com"], interface_id=interface["interface_id"])
    html = requests.get(other["signers"][0]["signing_url"], timeout=10).text
    assert "/sign/_static/default-logo.svg" in html and made["file"]["file_id"] not in html


def test_odd_passwords_and_codes_answer_in_the_error_shape_never_500(api):
    raw = '{"name": "Odd", "password": "\\ud800pw"}'  # a lone surrogate, valid JSON
    resp = api.http.post(f"{api.url}/api/workflow/AddWorkflow", data=raw, timeout=10,
                         headers={**api.headers, "Content-Type": "application/json"})
    assert resp.status_code == 201 and resp.json()["password_protected"] is True
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    for bad in ({"password": 12}, {"password": ["x"]}, {"code": "١٢٣٤٥٦"}, {"code": -1}, {"code": True}):
        got = requests.post(f"{signer['signing_url']}/sign", json=bad, timeout=10)
        assert got.status_code == 422, (bad, got.status_code, got.text)
        assert got.json()["error"]["code"] == "validation_error"


def test_end_pages_say_thank_you_after_signing_and_already_completed_on_a_later_visit(api):
    made = api.started(["a@example.com"])
    signer = made["signers"][0]
    to_code_step(signer, made)
    step(signer, "code")
    resp = requests.post(f"{signer['signing_url']}/sign", data={"code": sms_code(api, signer)}, timeout=10)
    assert resp.status_code == 200 and resp.history[0].headers["Location"].endswith("?just=signed")
    assert "Thank you, you have signed" in resp.text and "Everyone has signed" in resp.text
    later = requests.get(signer["signing_url"], timeout=10)
    assert later.status_code == 200 and "This signing process is already completed" in later.text
    assert 'id="workflow-status" data-status="completed">Completed' in later.text


def test_names_in_every_script_are_shown_as_given_with_their_own_direction(api):
    """Łukasz Żółć, Αλέξανδρος, 李小龙, محمد العلي: on the page and in the e-mail, whole, each in dir=auto."""
    names = [("Łukasz", "Żółć"), ("Αλέξανδρος", "Παπαδόπουλος"), ("小龙", "李"), ("محمد", "العلي")]
    people = [{"email": f"p{i}@example.com", "first_name": first, "last_name": last, "phone": f"+4915100000{i:03d}"}
              for i, (first, last) in enumerate(names)]
    made = build_draft(api.call, sample_pdf(), people, name="合同 · عقد · Vertrag", start=True)
    for signer, (first, last) in zip(made["signers"], names):
        step(signer, "terms", {"terms": True, "privacy": True})
        html = requests.get(signer["signing_url"], timeout=10).text
        assert f'<dd id="signer-name" dir="auto">{first} {last}</dd>' in html, html[:300]
        assert '<h1 id="workflow-name" dir="auto">合同 · عقد · Vertrag</h1>' in html
        mail = api.control("GET", "messages", kind="invitation", to=signer["email"]).json()["items"][0]
        assert f'<p style="margin:0 0 16px" dir="auto">Hello {first} {last},</p>' in mail["html"]


# -- the answers the issue found outside the document (issue 19) ------------------------------------------------
def test_a_closed_link_answers_json_in_the_error_shape(api):
    made = api.started(["a@example.com", "b@example.com"])
    first, second = made["signers"]
    assert act(second, "refuse", reason="No").status_code == 200
    for url in (first["signing_url"], f"{first['signing_url']}/documents/{made['file']['file_id']}"):
        closed = requests.get(url, headers=JSON, timeout=10)
        assert closed.status_code == 410, closed.text
        assert closed.json() == {"error": {"code": "link_closed", "workflow_status": "refused",
                                           "message": "This workflow is refused; the link no longer works."}}


def test_json_terms_take_booleans_and_a_form_its_ticks(api):
    made = api.started(["a@example.com", "b@example.com"])
    first, second = made["signers"]
    strings = step(first, "terms", {"terms": "on", "privacy": "on"})
    assert strings.status_code == 422 and set(strings.json()["error"]["fields"]) == {"terms", "privacy"}
    assert step(first, "terms", {"terms": True, "privacy": True}).json()["step"] == "details"
    ticked = requests.post(f"{second['signing_url']}/terms", data={"terms": "on", "privacy": "on"},
                           allow_redirects=False, timeout=10)
    assert ticked.status_code == 303
