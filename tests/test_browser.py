"""Headless Chromium (Debian's, driven by Playwright) clicks through the dashboard and two signing pages."""
import os
import secrets

import pytest

from mock_server.pytest_plugin import WebhookReceiver

SHOTS = os.environ.get("SIGN8_SCREENSHOTS", "/tmp")


@pytest.fixture
def scene(live_server, workflow_builder, pdf_bytes):
    """Two started workflows of one organization whose webhooks go to a local receiver."""
    receiver = WebhookReceiver()
    key = "browser-" + secrets.token_hex(8)
    headers = {"Authorization": f"Bearer {key}"}
    org = live_server.services.organizations.authenticate(key)
    live_server.services.organizations.set_webhook_url(org["organization_id"], receiver.url)
    client = live_server.app.test_client()
    built = []
    for name in ("Sign me", "Refuse me"):
        wf = workflow_builder(client, headers, pdf_bytes, signers=1, name=name)
        assert client.post("/api/workflow/StartWorkflow", json={"workflow_id": wf["workflow"]["workflow_id"]},
                           headers=headers).status_code == 200
        built.append(wf)
    yield live_server, receiver, built
    receiver.stop()


def test_sign_one_refuse_another_and_see_it_on_the_dashboard(browser, scene):
    server, receiver, (to_sign, to_refuse) = scene
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/_mock/")
        assert page.inner_text("#state-in_progress h3 .count") == "2"

        # Sign through the first workflow's link, clicked on the dashboard.
        page.click(f"#wf-{to_sign['workflow']['workflow_id']} a.signing-link")
        assert page.inner_text("#workflow-name") == "Sign me"
        page.screenshot(path=f"{SHOTS}/sign8-signing-page.png", full_page=True)
        # The whole journey is tests/test_journey_browser.py; here the JSON shortcut signs, the page shows it.
        signed = page.request.post(page.url + "/sign", data={}, headers={"Accept": "application/json"})
        assert signed.status == 200, signed.text()
        page.reload()
        page.wait_for_selector("#end-signed")
        assert page.get_attribute("#workflow-status", "data-status") == "completed"
        assert page.inner_text("#workflow-status") == "Completed"
        assert page.inner_text("#signer-status") == "Signed"

        page.goto(f"{server.url}/_mock/")
        page.click(f"#wf-{to_refuse['workflow']['workflow_id']} a.signing-link")
        page.click("#reject summary")
        page.fill("#reason", "Wrong address")
        page.click("#reject-button")
        page.wait_for_selector("#end-refused")
        assert page.get_attribute("#workflow-status", "data-status") == "refused"
        assert "Wrong address" in page.inner_text("#refusal-reason")

        receiver.wait_for("workflowRefused", timeout=5)
        page.goto(f"{server.url}/_mock/")
        refused_wid = to_refuse["workflow"]["workflow_id"]
        row = page.locator(f'#deliveries tr[data-workflow="{refused_wid}"]')
        assert row.locator(".pill").inner_text() == "delivered"
        assert "→ 200" in row.inner_text()
        assert page.inner_text("#state-completed h3 .count") == "1"
        assert page.locator(f"#wf-{refused_wid} .signers .pill").inner_text() == "refused"
        page.screenshot(path=f"{SHOTS}/sign8-dashboard.png", full_page=True)
    finally:
        page.close()
