"""Headless Chromium walks the signer's journey on /sign/<token> as a person would.

Advanced and qualified signature, English and German, desktop (1280x900) and phone (390x844):
terms, workflow password, overview, both documents, the identity check (qualified), the one-time
code read from the captured SMS, "Sign now". Plus a rejection from the documents step. Every step is
screenshotted (under artifacts/journey/, git-ignored) and checked for horizontal overflow and for
controls outside the viewport. SIGN8_README_SHOTS=1 also refreshes the two README images in docs/images/.
"""
from __future__ import annotations

import base64
import os
import re
import secrets
from pathlib import Path

import pytest
import requests

from mock_server.samples import sample_pdf
from sign8_flow import ROOT

SHOTS = Path(os.environ.get("SIGN8_SCREENSHOTS", ROOT / "artifacts" / "journey"))
README_SHOTS = ROOT / "docs" / "images"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "Harbour-7421"
FIELD_Y = 470  # points from the top of page 1: high enough that the README's 1100 px crop shows the fields


class Org:
    """One organization on the live server: the Workflow API, the control API, its captured messages."""

    def __init__(self, url: str):
        self.url = url
        self.key = "journey-" + secrets.token_hex(8)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.key}"

    def api(self, op: str, body: dict | None = None, **params) -> dict:
        if body is None:
            resp = self.http.get(f"{self.url}/api/workflow/{op}", params=params, timeout=10)
        else:
            resp = self.http.post(f"{self.url}/api/workflow/{op}", json=body, timeout=10)
        assert resp.status_code in (200, 201), (op, resp.status_code, resp.text)
        return resp.json()

    def sms_code(self, phone: str) -> str:
        resp = self.http.get(f"{self.url}/_mock/messages", params={"kind": "tan", "to": phone}, timeout=10)
        assert resp.status_code == 200, resp.text
        items = resp.json()["items"]
        assert items, f"no tan SMS to {phone}"
        return re.search(r"\b(\d{6})\b", items[0]["text"]).group(1)


def make_workflow(org: Org, lang: str, signature_type: str, primary_color: str | None) -> dict:
    """A started, password-protected workflow: two documents, the walker and a second signer, an annotation."""
    body = {"name": "Mietvertrag Hafenstraße 12" if lang == "de" else "Lease agreement, 12 Harbour Street",
            "description": ("Bitte prüfen und signieren Sie den Mietvertrag und die Hausordnung." if lang == "de"
                            else "Please review and sign the lease and the house rules."),
            "password": PASSWORD}
    if primary_color:
        body["interface_id"] = org.api("AddInterface", {"name": "Harbour Homes",
                                                        "primary_color": primary_color})["interface_id"]
    wf = org.api("AddWorkflow", body)
    wid = wf["workflow_id"]
    pdf = base64.b64encode(sample_pdf()).decode()
    names = ("Mietvertrag.pdf", "Hausordnung.pdf") if lang == "de" else ("Lease.pdf", "House rules.pdf")
    files = [org.api("AddFile", {"workflow_id": wid, "file_name": n, "data": pdf}) for n in names]
    phone = "+4915112" + f"{secrets.randbelow(10 ** 6):06d}"
    walker = org.api("AddSigner", {"workflow_id": wid, "email": "anna.berger@example.com", "first_name": "Anna",
                                   "last_name": "Berger", "phone": phone, "language": lang,
                                   "signature_type": signature_type, "company": "Harbour Homes GmbH",
                                   "job_title": "Tenant"})
    other = org.api("AddSigner", {"workflow_id": wid, "email": "max.klein@example.com", "first_name": "Max",
                                  "last_name": "Klein", "phone": "+4915198765432"})
    for f in files:
        org.api("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": walker["signer_id"],
                                 "page": 1, "x": 72, "y": FIELD_Y, "width": 200, "height": 56})
        org.api("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": other["signer_id"],
                                 "page": 1, "x": 320, "y": FIELD_Y, "width": 200, "height": 56})
    org.api("AddAnnotation", {"workflow_id": wid, "file_id": files[0]["file_id"], "page": 1, "x": 72, "y": FIELD_Y - 40,
                              "text": "Anna Berger · Harbour Homes GmbH", "font_size": 13, "color": "#1D4ED8"})
    org.api("StartWorkflow", {"workflow_id": wid})
    return {"workflow_id": wid, "files": files, "walker": walker, "other": other, "phone": phone}


class Walk:
    """A page plus the checks run at every step: no horizontal overflow, every control inside the viewport."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.n = 0
        self.shots: list[Path] = []
        for stale in SHOTS.glob(f"{name}-*.png"):  # a previous run's, maybe with other step numbers
            stale.unlink()

    def check_layout(self) -> None:
        page = self.page
        width = page.evaluate("window.innerWidth")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{self.name}: page is {scroll}px wide in a {width}px viewport"
        outside = page.evaluate("""() => [...document.querySelectorAll('button, input, textarea, a, summary, select')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.id || el.tagName, el.getBoundingClientRect()])
            .filter(([_, r]) => r.left < -1 || r.right > window.innerWidth + 1)
            .map(([id, r]) => id + ':' + Math.round(r.left) + '..' + Math.round(r.right))""")
        assert outside == [], f"{self.name}: controls outside the viewport: {outside}"

    def shot(self, step: str, readme: str | None = None) -> None:
        self.page.wait_for_load_state("load")
        self.page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        self.check_layout()
        self.n += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.name}-{self.n:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        if readme and os.environ.get("SIGN8_README_SHOTS"):
            README_SHOTS.mkdir(parents=True, exist_ok=True)
            height = min(self.page.evaluate("document.documentElement.scrollHeight"), 1100)
            self.page.screenshot(path=str(README_SHOTS / readme), full_page=True,
                                 clip={"x": 0, "y": 0, "width": self.page.viewport_size["width"], "height": height})

    def click(self, selector: str) -> None:
        self.page.locator(selector).scroll_into_view_if_needed()
        self.page.click(selector)
        self.page.wait_for_load_state("load")


WORDS = {
    "en": {"terms": "Before you start", "password": "Enter the workflow password", "details": "Overview",
           "documents": "Review the documents", "identity": "Confirm identity (simulated)",
           "code": "Sign with a one-time code", "signed": "Thank you, you have signed",
           "refused": "You rejected the signing process", "wrong": "The password is wrong",
           "wrong_code": "The code is wrong. 4 tries left."},
    "de": {"terms": "Bevor Sie beginnen", "password": "Workflow-Passwort eingeben", "details": "Übersicht",
           "documents": "Dokumente prüfen", "identity": "Identität bestätigen (simuliert)",
           "code": "Mit Einmalcode signieren", "signed": "Vielen Dank, Sie haben signiert",
           "refused": "Sie haben den Signaturprozess abgelehnt", "wrong": "Das Passwort ist falsch",
           "wrong_code": "Der Code ist falsch. Noch 4 Versuche."},
}


def _walk_to_documents(walk: Walk, made: dict, lang: str, try_wrong_password: bool) -> None:
    page, w = walk.page, WORDS[lang]
    page.goto(made["walker"]["signing_url"])
    assert page.locator("html").get_attribute("lang") == lang
    assert w["terms"] in page.inner_text("#step-terms")
    walk.shot("terms")
    # Continue without ticking both boxes is blocked by the browser (required); tick them.
    page.check("#accept-terms")
    page.check("#accept-privacy")
    walk.click("#terms-continue")

    assert w["password"] in page.inner_text("#step-password")
    if try_wrong_password:
        page.fill("#workflow-password", "not-the-password")
        walk.click("#password-continue")
        assert w["wrong"] in page.inner_text("#action-error")
        walk.shot("password-wrong")
    page.fill("#workflow-password", PASSWORD)
    walk.shot("password")
    walk.click("#password-continue")

    assert w["details"] in page.inner_text("#step-details")
    assert page.inner_text("#signer-name") == "Anna Berger"
    assert page.inner_text("#signer-phone") == made["phone"]
    walk.shot("overview")
    walk.click("#confirm-details")
    assert w["documents"] in page.inner_text("#step-documents")
    assert page.is_disabled("#documents-continue")


def _open_documents(walk: Walk, made: dict, readme: str | None) -> None:
    page = walk.page
    walk.shot("documents")
    for i, f in enumerate(made["files"], start=1):
        walk.click(f"#open-doc-{i}")
        assert page.inner_text("#document-name") == f["file_name"]
        pages = page.locator("figure.page")
        assert pages.count() == f["page_count"] == 3
        # The walker's own field on page 1 at (72, FIELD_Y) pt of a 595x842 pt page, sized 200x56 pt.
        own = page.locator("#page-1 .field.own")
        assert own.count() == 1
        box, frame = own.bounding_box(), page.locator("#page-1").bounding_box()
        scale = frame["width"] / 595
        assert abs(box["x"] - frame["x"] - 72 * scale) <= 2 and abs(box["y"] - frame["y"] - FIELD_Y * scale) <= 2
        assert abs(box["width"] - 200 * scale) <= 2 and abs(box["height"] - 56 * scale) <= 2
        assert page.locator("#page-1 .field.other").count() == 1  # the other signer's, greyed
        if i == 1:
            assert "Anna Berger" in page.inner_text("#page-1 .annotation")
            walk.shot("document", readme=readme)
        walk.click("#document-done")
    walk.shot("documents-opened")
    assert page.is_enabled("#documents-continue")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("signature_type", ["advanced_signature", "qualified_signature"])
def test_whole_journey_signs(browser, live_server, signature_type, lang, viewport):
    org = Org(live_server.url)
    made = make_workflow(org, lang, signature_type, primary_color=None if lang == "en" else "#4338CA")
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="de-DE" if lang == "de" else "en-US")
    page = context.new_page()
    kind = "advanced" if signature_type == "advanced_signature" else "qualified"
    walk = Walk(page, f"{kind}-{lang}-{viewport}")
    w = WORDS[lang]
    try:
        _walk_to_documents(walk, made, lang, try_wrong_password=viewport == "desktop")
        readme = "signing-journey-document.png" if (kind, lang, viewport) == ("advanced", "en", "desktop") else None
        _open_documents(walk, made, readme)
        walk.click("#documents-continue")

        if kind == "qualified":
            assert page.inner_text("#confirm-identity") == w["identity"]
            walk.shot("identity")
            walk.click("#confirm-identity")
        else:
            assert page.locator("#step-identity").count() == 0

        assert w["code"] in page.inner_text("#step-code")
        assert page.is_disabled("#sign-now")
        walk.shot("code")
        walk.click("#send-code")
        code = org.sms_code(made["phone"])
        assert page.locator("#code-sent").is_visible()
        if viewport == "desktop":
            page.fill("#code", f"{(int(code) + 1) % 1000000:06d}")
            walk.click("#sign-now")
            assert page.get_attribute("#action-error", "data-code") == "wrong_code"
            assert w["wrong_code"] in page.inner_text("#action-error")
            walk.shot("code-wrong")
        page.fill("#code", code)
        walk.shot("code-entered", readme="signing-journey-code-phone.png"
                  if (kind, lang, viewport) == ("advanced", "en", "phone") else None)
        walk.click("#sign-now")

        assert w["signed"] in page.inner_text("#end-signed")
        walk.shot("signed")
        detail = org.api("GetWorkflow", workflow_id=made["workflow_id"])
        me = next(s for s in detail["signers"] if s["signer_id"] == made["walker"]["signer_id"])
        assert me["status"] == "signed"
        actions = [a["action"] for a in me["audit"]]
        assert actions[-1] == "signed" and "code_sent" in actions
        assert ("identity_confirmed_simulated" in actions) == (kind == "qualified")
        assert ("wrong_password" in actions) == (viewport == "desktop")
        assert actions.count("wrong_code") == (1 if viewport == "desktop" else 0)
        assert detail["status"] == "in_progress"  # the second signer has not signed yet
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_reject_from_the_documents_step(browser, live_server, viewport):
    org = Org(live_server.url)
    made = make_workflow(org, "en", "advanced_signature", primary_color="#B45309")
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    walk = Walk(page, f"reject-en-{viewport}")
    try:
        _walk_to_documents(walk, made, "en", try_wrong_password=False)
        page.click("#reject summary")
        page.fill("#reason", "The rent in §3 is wrong.")
        walk.shot("reject-open")
        walk.click("#reject-button")
        assert WORDS["en"]["refused"] in page.inner_text("#end-refused")
        assert "The rent in §3 is wrong." in page.inner_text("#refusal-reason")
        walk.shot("refused")
        detail = org.api("GetWorkflow", workflow_id=made["workflow_id"])
        assert detail["status"] == "refused"
        # The other signer's link now shows the closed workflow.
        page.goto(made["other"]["signing_url"])
        assert page.locator("#end-refused_other").is_visible()
        walk.shot("other-signer-closed")
    finally:
        context.close()
