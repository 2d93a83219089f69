"""The pytest plugin's messages: wait_for an invitation, follow its signing link, read a code."""

import pytest

from mock_server.pytest_plugin import code, signing_link
from sign8_flow import build_draft


def _started(mock, pdf_bytes, emails, **fields):
    made = build_draft(mock.api, pdf_bytes, [{"email": e, "phone": f"+49151{i:08d}"} for i, e in enumerate(emails)],
                       field=lambda i: {"page": 1, "x": 1, "y": 1 + 50 * i, "width": 100, "height": 40},
                       file_name="a.pdf", start=True, **{"name": "Plugin messages", **fields})
    return made["workflow"], made["signers"]


def test_wait_for_the_next_invitation_and_sign_through_its_link(sign8_mock, pdf_bytes):
    wf, (first, second) = _started(sign8_mock, pdf_bytes, ["first@example.com", "second@example.com"],
                                   signing_order="sequential")
    invite = sign8_mock.messages.wait_for("invitation", to="first@example.com", timeout=5)
    assert sign8_mock.messages.signing_link(invite) == first["signing_url"]
    with pytest.raises(AssertionError, match="no invitation message to second@example.com"):
        sign8_mock.messages.wait_for("invitation", to="second@example.com", timeout=0.2)
    sign8_mock.session.post(signing_link(invite) + "/sign", json={},
                            headers={"Accept": "application/json"}).raise_for_status()
    nxt = sign8_mock.messages.wait_for("invitation", to="second@example.com", timeout=5)
    assert signing_link(nxt) == second["signing_url"]
    reminded = sign8_mock.api("SendReminder", {"workflow_id": wf["workflow_id"]})
    assert reminded["reminded"] == [second["signer_id"]]
    assert sign8_mock.messages.wait_for("reminder", to="second@example.com")["message_id"] == reminded["message_ids"][0]
    assert len(sign8_mock.messages.all(kind="invitation")) == 2
    assert sign8_mock.messages.clear() == 3 and sign8_mock.messages.all() == []


def test_code_helper_reads_the_sms(sign8_mock, pdf_bytes):
    wf, (signer,) = _started(sign8_mock, pdf_bytes, ["sms@example.com"], name="Order 123456")
    svc = sign8_mock.server.services
    with svc.store.transaction() as tx:
        svc.messages.record(tx, "tan", svc.store.get("workflows", wf["workflow_id"]),
                            svc.store.get("signers", signer["signer_id"]), code="007123")
    sms = sign8_mock.messages.wait_for("tan", to="+4915100000000")
    assert sign8_mock.messages.code(sms) == code(sms) == "007123"
    with pytest.raises(AssertionError, match="no 6-digit code"):
        code({"kind": "invitation", "message_id": "m", "text": "Hello, please sign Order 12345."})
    with pytest.raises(AssertionError, match="no signing link"):
        signing_link(sms)


def test_messages_of_other_tests_are_not_seen(sign8_mock):
    assert sign8_mock.messages.all() == []
