"""Headless Chromium reads the redesigned dashboard at 1280x900 and 390x844: organizations with their clocks,
workflows by state with signers' progress, deliveries and the request log with status, the clock controls, the
Messages tab; names in Latin with diacritics, Greek, CJK and Arabic. Nothing overflows sideways and every
control stays inside the viewport. SIGN8_README_SHOTS=1 also refreshes the README's dashboard pictures in
docs/images/ (dashboard-desktop.png, dashboard-phone.png, messages-inbox.png).
"""
from __future__ import annotations

import os

import pytest

from conftest import ROOT
from sign8_flow import SAMPLE_PDF, Api, act, build_draft
from test_journey_browser import VIEWPORTS, Walk

README_SHOTS = ROOT / "docs" / "images"
PEOPLE = [{"email": "lukasz@example.pl", "first_name": "Łukasz", "last_name": "Żółć", "phone": "+48601000001"},
          {"email": "alexandros@example.gr", "first_name": "Αλέξανδρος", "last_name": "Παπαδόπουλος",
           "phone": "+30690000002", "language": "de", "signature_type": "qualified_signature"},
          {"email": "xiaolong@example.cn", "first_name": "小龙", "last_name": "李", "phone": "+8613800000003"},
          {"email": "mohammed@example.ae", "first_name": "محمد", "last_name": "العلي", "phone": "+971500000004",
           "signature_type": "advanced_seal"}]


@pytest.fixture
def scene(live_server_factory):
    """Demo Org A (its webhook receiver is down, so deliveries fail and retry) with a workflow in every state."""
    server = live_server_factory({"organizations_file": str(ROOT / "fixtures" / "organizations.json")})
    api = Api(server.url, "demo-key-org-a")
    pdf = SAMPLE_PDF.read_bytes()

    def draft(name, people, **fields):
        return build_draft(api.call, pdf, people, name=name, **fields)

    running = draft("Mietvertrag Hafenstraße 12 · 合同 2027", PEOPLE[:3], signing_order="sequential")
    api.post("StartWorkflow", {"workflow_id": running["workflow_id"]}, expect=200)
    assert act(running["signers"][0], "sign").status_code == 200
    done = draft("Αρχή συνεργασίας", PEOPLE[1:2])
    api.post("StartWorkflow", {"workflow_id": done["workflow_id"]}, expect=200)
    assert act(done["signers"][0], "sign").status_code == 200
    refused = draft("عقد الإيجار", PEOPLE[3:4])
    api.post("StartWorkflow", {"workflow_id": refused["workflow_id"]}, expect=200)
    assert act(refused["signers"][0], "refuse", reason="العنوان خاطئ").status_code == 200
    cancelled = draft("Rahmenvertrag 2027", PEOPLE[:1])
    api.post("StartWorkflow", {"workflow_id": cancelled["workflow_id"]}, expect=200)
    api.post("CancelWorkflow", {"workflow_id": cancelled["workflow_id"]}, expect=200)
    draft("Draft: NDA", PEOPLE[2:3])
    api.post("AddWorkflow", {"name": None}, expect=None)  # a contract violation for the request log
    return server, running


def _check(walk: Walk, viewport: str, readme: str | None, height: int) -> None:
    page = walk.page
    page.wait_for_load_state("load")
    walk.check_layout()
    if readme and os.environ.get("SIGN8_README_SHOTS"):
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        full = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=str(README_SHOTS / readme), full_page=True,
                        clip={"x": 0, "y": 0, "width": VIEWPORTS[viewport]["width"], "height": min(full, height)})


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_dashboard_shows_what_an_integration_did_at_both_sizes(browser, scene, viewport):
    server, running = scene
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    walk = Walk(page, f"dashboard-{viewport}")
    try:
        page.goto(f"{server.url}/_mock/")
        assert page.locator("html").get_attribute("lang") == "en"
        org_a = page.locator("#organizations .org", has_text="Demo Org A")
        assert org_a.count() == 1 and "Clock" in org_a.inner_text()
        for state, count in (("draft", 1), ("in_progress", 1), ("completed", 1), ("refused", 1), ("cancelled", 1)):
            assert page.inner_text(f"#state-{state} h3 .count") == str(count), state
        assert page.locator("#state-expired").count() == 0  # a state with no workflow has only its chip
        wf = page.locator(f"#wf-{running['workflow_id']}")
        assert "1 of 3 signed" in wf.inner_text()
        assert [wf.locator(".signers .pill").nth(i).inner_text() for i in range(3)] == ["signed", "pending", "pending"]
        assert "Łukasz Żółć" in wf.inner_text() and "Αλέξανδρος Παπαδόπουλος" in wf.inner_text()
        assert "小龙 李" in wf.inner_text() and wf.locator(".wf-name").get_attribute("dir") == "auto"
        assert "محمد العلي" in page.inner_text("#state-refused")
        statuses = {page.locator("#deliveries tbody tr .pill").nth(i).inner_text()
                    for i in range(page.locator("#deliveries tbody tr").count())}
        assert statuses and statuses <= {"pending", "retrying", "failed", "dead", "delivered", "undeliverable"}
        assert "validation_error" in page.inner_text("#requests")
        assert page.locator("#advance-org option").count() >= 3  # every clock, Demo Org A, Demo Org B
        _check(walk, viewport, f"dashboard-{viewport}.png", 2400)

        page.fill("#seconds", "86400")
        page.select_option("#advance-org", label="Demo Org A")
        page.click("#advance-button")
        page.wait_for_load_state("load")
        assert "(+86400.0 s)" in page.locator("#organizations .org", has_text="Demo Org A").inner_text()

        page.click("#messages-tab")
        page.wait_for_selector("#recipients")
        page.click('#recipients a[data-to="alexandros@example.gr"]')
        page.click("#thread a >> nth=-1")
        assert page.locator("#message-subject").inner_text().startswith("Bitte signieren:")
        assert page.frame_locator("iframe.mail").locator("a.button").inner_text() == "Prüfen und signieren"
        _check(walk, viewport, "messages-inbox.png" if viewport == "desktop" else None, 1100)
    finally:
        context.close()
