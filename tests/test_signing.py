"""Signing links over real HTTP: the page, the JSON and form actions, turn order, closed and unknown links."""
from __future__ import annotations

import time

import pytest
import requests

from sign8_flow import Api, act, wait_until


@pytest.fixture
def api(server):
    return Api(server.url)


def test_page_shows_workflow_signer_files_fields_and_interface_colour(api):
    interface = api.post("AddInterface", {"name": "Brand", "primary_color": "#AB12CD"}, expect=201).json()
    made = api.started(["ann@example.com"], name="Lease 42", interface_id=interface["interface_id"])
    signer = made["signers"][0]
    resp = requests.get(signer["signing_url"], timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    html = resp.text
    assert "--primary: #AB12CD" in html and "--on-primary: #FFFFFF" in html
    assert "Lease 42" in html and "Advanced electronic signature" in html
    assert 'id="step-terms"' in html and 'id="reject-button"' in html
    assert "<script" not in html.lower()  # works offline, no framework or CDN
    assert "in_progress" not in html.replace('data-status="in_progress"', "")  # statuses in words
    # The JSON view of the link names the journey's steps and the documents.
    view = requests.get(signer["signing_url"], headers={"Accept": "application/json"}, timeout=10).json()
    assert view["steps"] == ["terms", "details", "documents", "code"] and view["step"] == "terms"
    assert view["documents"] == [{"file_id": made["file"]["file_id"], "file_name": "contract.pdf", "opened": False}]
    # The file link of the page serves the PDF itself.
    pdf = requests.get(f"{signer['signing_url']}/files/{made['file']['file_id']}", timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_page_uses_default_colour_without_interface(api):
    signer = api.started(["bob@example.com"])["signers"][0]
    assert "--primary: #00A19A" in requests.get(signer["signing_url"], timeout=10).text


def test_refuse_via_json_fires_one_webhook_within_a_second(api, receiver):
    made = api.started(["a@example.com", "b@example.com"], webhook_url=receiver.url)
    signer = made["signers"][1]
    started = time.time()
    resp = act(signer, "refuse", reason="Wrong amount")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"workflow_id": made["workflow_id"], "workflow_status": "refused",
                           "signer_id": signer["signer_id"], "signer_status": "refused"}
    assert wait_until(receiver.ok, timeout=1.0), "no workflowRefused POST within 1 s"
    assert receiver.ok()[0]["at"] - started < 1.0
    api.idle()  # a wrong second delivery would be sent by now
    assert len(receiver.received) == 1
    hit = receiver.received[0]
    assert hit["path"] == "/api/workflow/workflowRefused"
    org_id = made["workflow"]["organization_id"]
    assert hit["headers"]["organisation_id"] == org_id
    assert hit["headers"]["Content-Type"] == "application/json"
    body = receiver.bodies()[0]
    assert body["event"] == "workflowRefused" and body["event_id"]
    assert body["organization_id"] == org_id and body["workflow_id"] == made["workflow_id"]
    assert body["status"] == "refused" and body["name"] == "Contract"
    assert body["expires_at"] == made["workflow"]["expires_at"] and body["occurred_at"]
    assert body["signer_id"] == signer["signer_id"] and body["signer_email"] == "b@example.com"
    assert body["reason"] == "Wrong amount"
    assert {s["email"]: s["status"] for s in body["signers"]} == {"a@example.com": "pending",
                                                                 "b@example.com": "refused"}


def test_refuse_via_html_form_redirects_to_page_showing_new_state(api, receiver):
    made = api.started(["a@example.com"], webhook_url=receiver.url)
    url = made["signers"][0]["signing_url"]
    resp = requests.post(f"{url}/refuse", data={"reason": "Not me"}, allow_redirects=False, timeout=10,
                         headers={"Accept": "text/html"})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(url.split("127.0.0.1", 1)[1].split("/", 1)[1])
    page = requests.get(url, timeout=10)
    assert 'id="workflow-status" data-status="refused">Rejected' in page.text
    assert 'id="end-refused"' in page.text
    assert "Not me" in page.text and 'id="reject-button"' not in page.text
    assert wait_until(receiver.ok, timeout=1.0)
    assert receiver.bodies()[0]["reason"] == "Not me"
    detail = api.workflow(made["workflow_id"])
    audit = detail["signers"][0]["audit"]
    assert audit[0]["action"] == "refused" and audit[0]["ip"] == "127.0.0.1"
    assert audit[0]["user_agent"].startswith("python-requests")


def test_sign_then_completed_when_all_sign(api):
    made = api.started(["a@example.com", "b@example.com"])
    first, second = made["signers"]
    # A form post from the page must go through the journey first; the JSON action is the shortcut.
    resp = requests.post(f"{first['signing_url']}/sign", data={"code": "123456"}, timeout=10)
    assert resp.status_code == 409 and 'data-code="step_not_ready"' in resp.text
    assert act(first, "sign").status_code == 200
    page = requests.get(first["signing_url"], timeout=10)
    assert 'id="end-signed"' in page.text and 'id="signer-status" data-status="signed">Signed' in page.text
    assert api.workflow(made["workflow_id"])["status"] == "in_progress"
    assert act(second, "sign").json()["workflow_status"] == "completed"
    detail = api.workflow(made["workflow_id"])
    assert detail["status"] == "completed"
    assert [s["status"] for s in detail["signers"]] == ["signed", "signed"]
    assert all(s["signed_at"] for s in detail["signers"])
    # documents_ready (the signed PDFs, made after the commit) may follow; tests/test_signed_documents.py has it.
    types = [e["type"] for e in detail["events"] if not e["type"].startswith("documents_")]
    assert types == ["created", "started", "signer_signed", "signer_signed", "completed"]
    assert all(e["at"] and e["actor"] for e in detail["events"])
    assert detail["events"][2]["actor"] == f"signer:{first['signer_id']}"


def test_sequential_order_waits_for_previous_group(api):
    made = api.started(["a@example.com", "b@example.com", "c@example.com"], orders=[1, 2, 2],
                       signing_order="sequential")
    first, second, third = made["signers"]
    blocked = act(second, "sign")
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "not_your_turn"
    assert act(third, "refuse").status_code == 409
    page = requests.get(second["signing_url"], timeout=10)
    assert 'id="waiting"' in page.text and 'id="step-terms"' not in page.text
    assert act(first, "sign").status_code == 200
    # Signers sharing an order act in parallel once their group opens.
    assert 'id="step-terms"' in requests.get(third["signing_url"], timeout=10).text
    assert act(third, "sign").json()["workflow_status"] == "in_progress"
    assert act(second, "sign").json()["workflow_status"] == "completed"


def test_second_action_is_409(api):
    signer = api.started(["a@example.com", "b@example.com"])["signers"][0]
    assert act(signer, "sign").status_code == 200
    again = act(signer, "sign")
    assert again.status_code == 409 and again.json()["error"]["code"]
    assert act(signer, "refuse").status_code == 409


def _close(api, made, how):
    wid = made["workflow_id"]
    first = made["signers"][0]
    if how == "cancelled":
        api.post("CancelWorkflow", {"workflow_id": wid}, expect=200)
    elif how == "expired":
        assert api.control("POST", f"workflows/{wid}/expire").status_code == 200
    elif how == "refused":
        assert act(first, "refuse").status_code == 200
    else:
        for s in made["signers"]:
            assert act(s, "sign").status_code == 200


@pytest.mark.parametrize("how, words", [("cancelled", "cancelled"), ("expired", "expiry date"),
                                        ("refused", "rejected"), ("completed", "completed")])
def test_closed_links_answer_410_with_page_saying_why(api, how, words):
    signers = ["a@example.com"] if how == "completed" else ["a@example.com", "b@example.com"]
    made = api.started(signers)
    _close(api, made, how)
    signer = made["signers"][-1]
    resp = act(signer, "sign")
    assert resp.status_code == 410, resp.text
    assert resp.json()["error"]["code"]
    html = requests.post(f"{signer['signing_url']}/sign", timeout=10, allow_redirects=False)
    assert html.status_code == 410 and words in html.text
    assert 'id="sign-now"' not in html.text and 'id="reject-button"' not in html.text
    if how != "completed":
        page = requests.get(signer["signing_url"], timeout=10)
        assert page.status_code == 410 and 'id="final-message"' in page.text and words in page.text


def test_unknown_token_is_404(server):
    for method, suffix in (("GET", ""), ("POST", "/sign"), ("POST", "/refuse")):
        resp = requests.request(method, f"{server.url}/sign/no-such-token{suffix}", timeout=10)
        assert resp.status_code == 404
        assert "does not exist" in resp.text
    resp = requests.post(f"{server.url}/sign/no-such-token/sign", timeout=10, headers={"Accept": "application/json"})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "link_not_found"


def test_link_of_a_draft_cannot_act(api):
    signer = api.draft(["a@example.com"])["signers"][0]
    resp = act(signer, "sign")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "not_started"
