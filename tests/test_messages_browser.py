"""Headless Chromium reads the Messages inbox: recipients, the rendered e-mail, an SMS, the dashboard's tab."""
import base64
import os

import pytest

from conftest import ROOT
from sign8_flow import SAMPLE_PDF, Api, act

SHOTS = os.environ.get("SIGN8_SCREENSHOTS", "/tmp")


NO_OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def inbox(live_server_factory):
    """Demo Org A's sequential workflow (one signed, the next invited and reminded), a German signer, an SMS code."""
    live_server = live_server_factory({"organizations_file": str(ROOT / "fixtures" / "organizations.json")})
    api = Api(live_server.url, "demo-key-org-a")
    wf = api.post("AddWorkflow", {"name": "Office lease 2027", "signing_order": "sequential",
                                  "description": "Please check the rent on page 2."}, expect=201).json()
    f = api.post("AddFile", {"workflow_id": wf["workflow_id"], "file_name": "lease.pdf",
                             "data": base64.b64encode(SAMPLE_PDF.read_bytes()).decode()}, expect=201).json()
    people = [{"email": "ann.lee@example.com", "first_name": "Ann", "last_name": "Lee", "company": "Lee & Co"},
              {"email": "dora.brandt@example.de", "first_name": "Dora", "last_name": "Brandt", "language": "de",
               "signature_type": "qualified_signature"}]
    signers = []
    for i, p in enumerate(people):
        s = api.post("AddSigner", {"workflow_id": wf["workflow_id"], "phone": f"+49151{i + 1:08d}", **p},
                     expect=201).json()
        api.post("AddSignature", {"workflow_id": wf["workflow_id"], "file_id": f["file_id"],
                                  "signer_id": s["signer_id"], "page": 1, "x": 72, "y": 600 - 80 * i,
                                  "width": 180, "height": 50}, expect=201)
        signers.append(s)
    api.post("StartWorkflow", {"workflow_id": wf["workflow_id"]}, expect=200)
    assert act(signers[0], "sign").status_code == 200
    api.post("SendReminder", {"workflow_id": wf["workflow_id"]}, expect=200)
    svc = live_server.services
    with svc.store.transaction() as tx:
        svc.messages.record(tx, "tan", svc.store.get("workflows", wf["workflow_id"]),
                            svc.store.get("signers", signers[1]["signer_id"]), code="481516")
    return live_server, api, signers


def test_the_inbox_shows_each_recipient_and_renders_the_email(browser, inbox):
    server, api, (ann, dora) = inbox
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{server.url}/_mock/")
        page.click("#messages-tab")
        page.wait_for_selector("#recipients")
        assert page.locator("#recipients a").count() == 3  # Ann, Dora's mailbox, Dora's phone
        page.click('#recipients a[data-to="dora.brandt@example.de"]')
        assert page.locator("#thread a").count() == 2  # invitation (after Ann signed) and the reminder
        page.click("#thread a >> nth=1")  # the older one: the invitation
        mail = page.frame_locator("iframe.mail")
        assert mail.locator("a.button").inner_text() == "Prüfen und signieren"
        assert mail.locator("a.button").get_attribute("href") == dora["signing_url"]
        assert "qualifizierten elektronischen Signatur" in mail.locator("body").inner_text()
        assert "Bitte signieren: Office lease 2027" in page.inner_text("#message-subject")
        page.screenshot(path=f"{SHOTS}/sign8-messages-inbox.png", full_page=True)

        page.click('#recipients a[data-to="+4915100000002"]')
        assert "481516" in page.inner_text("#sms-text")
        page.screenshot(path=f"{SHOTS}/sign8-messages-sms.png", full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.click('#recipients a[data-to="ann.lee@example.com"]')
        assert page.evaluate(NO_OVERFLOW)
        assert page.locator("#thread a").count() == 1
        page.screenshot(path=f"{SHOTS}/sign8-messages-phone.png", full_page=True)
    finally:
        page.close()
