"""/docs as a new user uses it: Authorize with an API key, "Try it out" on AddWorkflow, Execute: 201.

Headless Chromium (Debian's, driven by Playwright), the Swagger UI assets served by the mock itself.
"""
import secrets

import pytest


@pytest.fixture
def page(browser):
    tab = browser.new_page()
    # Everything the page loads must come from the mock (no CDN): fail on any other host.
    outside = []
    tab.on("request", lambda req: outside.append(req.url) if not req.url.startswith("http://127.0.0.1") else None)
    yield tab
    tab.close()
    assert not outside, f"/docs fetched from outside the mock: {outside}"


def test_authorize_then_try_add_workflow(page, live_server):
    key = "swagger-" + secrets.token_hex(8)
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector("#operations-workflow-AddWorkflow")

    page.click("button.authorize")
    modal = page.locator(".modal-ux")
    bearer = modal.locator(".auth-container", has_text="bearerAuth")
    bearer.locator("input").fill(key)
    bearer.locator("button.authorize").click()
    bearer.locator("h6", has_text="Authorized").wait_for()  # Swagger UI's mark of a key that is set
    modal.locator("button.btn-done").first.click()

    page.click("#operations-workflow-AddWorkflow .opblock-summary")
    operation = page.locator("#operations-workflow-AddWorkflow")
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    assert status.first.inner_text().strip() == "201", operation.locator(".live-responses-table").inner_text()
    body = operation.locator(".live-responses-table .response-col_description pre.microlight").first.inner_text()
    assert '"status": "draft"' in body
    # The call went out with the key: the workflow belongs to the key's organization.
    org = live_server.services.organizations.authenticate(key)["organization_id"]
    assert f'"organization_id": "{org}"' in body
