"""Captured messages: invitations in turn, reminders, cancellation and completion notices, the SMS code,
the .eml form, tenancy, reset and snapshots, persistence."""
from __future__ import annotations

import email
import email.policy
from urllib.parse import urlparse

import pytest

from conftest import bearer, new_key
from mock_server.app import create_app
from mock_server.pytest_plugin import code, signing_link
from sign8_flow import build_draft

API = "/api/workflow"


class Org:
    """One organization on a test client: build workflows, read its messages."""

    def __init__(self, client, pdf: bytes, key: str | None = None):
        self.client = client
        self.pdf = pdf
        self.headers = bearer(key or new_key())

    def post(self, op: str, body: dict, expect: int | None = None):
        resp = self.client.post(f"{API}/{op}", json=body, headers=self.headers)
        if expect is not None:
            assert resp.status_code == expect, (op, resp.status_code, resp.get_json())
        return resp

    def workflow(self, people, signing_order="parallel", **fields) -> dict:
        """Create a draft with one file; people: list of dicts of AddSigner fields (email required)."""
        return build_draft(lambda op, body: self.post(op, body, 201).get_json(), self.pdf,
                           [{"phone": f"+49151{i:08d}", **person} for i, person in enumerate(people)],
                           field=lambda i: {"page": 1, "x": 50, "y": 60 + 40 * i, "width": 120, "height": 30},
                           signing_order=signing_order, **fields)

    def start(self, wid: str) -> None:
        self.post("StartWorkflow", {"workflow_id": wid}, 200)

    def sign(self, signer: dict, expect: int = 200) -> None:
        resp = self.client.post(urlparse(signer["signing_url"]).path + "/sign", json={},
                                headers={"Accept": "application/json"})
        assert resp.status_code == expect, resp.get_json()

    def messages(self, scoped: bool = True, **filters) -> dict:
        resp = self.client.get("/_mock/messages", query_string=filters, headers=self.headers if scoped else {})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def kinds_to(self, **filters) -> list[tuple[str, str]]:
        """(kind, to) of every message, oldest first."""
        return [(m["kind"], m["to"]) for m in reversed(self.messages(**filters)["items"])]


@pytest.fixture
def org(client, pdf_bytes) -> Org:
    return Org(client, pdf_bytes)


def people(*emails, **common):
    return [{"email": e, **common} for e in emails]


# -- invitations -------------------------------------------------------------------------------------
def test_parallel_start_invites_everyone_with_their_link_and_signature_type(org):
    made = org.workflow([{"email": "ann@example.com", "first_name": "Ann", "signature_type": "qualified_signature"},
                         {"email": "bob@example.com", "signature_type": "advanced_seal"}])
    assert org.messages()["total"] == 0  # a draft invites nobody
    org.start(made["workflow_id"])
    assert sorted(org.kinds_to()) == [("invitation", "ann@example.com"), ("invitation", "bob@example.com")]
    ann = org.messages(to="ann@example.com")["items"][0]
    assert ann["channel"] == "email" and ann["subject"] == "Please sign: Contract"
    assert signing_link(ann) == made["signers"][0]["signing_url"]
    assert made["signers"][0]["signing_url"] in ann["text"] and made["signers"][0]["signing_url"] in ann["html"]
    assert "qualified electronic signature" in ann["text"] and "Hello Ann," in ann["text"]
    assert (ann["workflow_id"], ann["signer_id"]) == (made["workflow_id"], made["signers"][0]["signer_id"])
    bob = org.messages(to="bob@example.com")["items"][0]
    assert bob["subject"] == "Please seal: Contract" and "advanced electronic seal" in bob["text"]
    assert bob["attachments"] == [] and bob["relay"] is None
    assert ann["created_at"].endswith("Z") and ann["organization_id"] == bob["organization_id"]


def test_sequential_invitations_go_out_one_at_a_time_in_order(org):
    made = org.workflow(people("first@example.com", "second@example.com", "third@example.com"),
                        signing_order="sequential")
    first, second, third = made["signers"]
    org.start(made["workflow_id"])
    assert org.kinds_to() == [("invitation", "first@example.com")]
    org.sign(second, expect=409)  # not their turn, and no invitation either
    assert org.kinds_to() == [("invitation", "first@example.com")]
    org.sign(first)
    assert org.kinds_to() == [("invitation", "first@example.com"), ("invitation", "second@example.com")]
    org.sign(second)
    assert org.kinds_to() == [("invitation", "first@example.com"), ("invitation", "second@example.com"),
                              ("invitation", "third@example.com")]
    invite = org.messages(to="third@example.com")["items"][0]
    assert signing_link(invite) == third["signing_url"]
    org.sign(third)
    completed = org.kinds_to(kind="completed")
    assert sorted(completed) == [("completed", "first@example.com"), ("completed", "second@example.com"),
                                 ("completed", "third@example.com")]
    assert len(org.messages(kind="invitation")["items"]) == 3  # nobody invited twice


def test_sequential_signers_of_one_order_are_invited_together(org):
    made = org.workflow([{"email": "a@example.com", "order": 1}, {"email": "b@example.com", "order": 1},
                         {"email": "c@example.com", "order": 2}], signing_order="sequential")
    org.start(made["workflow_id"])
    assert sorted(org.kinds_to()) == [("invitation", "a@example.com"), ("invitation", "b@example.com")]
    org.sign(made["signers"][0])
    assert len(org.messages(kind="invitation")["items"]) == 2  # c waits for b too
    org.sign(made["signers"][1])
    assert org.kinds_to(kind="invitation")[-1] == ("invitation", "c@example.com")


def test_completion_notice_links_to_get_workflow(org):
    made = org.workflow(people("solo@example.com"))
    org.start(made["workflow_id"])
    org.sign(made["signers"][0])
    done = org.messages(kind="completed")["items"]
    assert len(done) == 1
    assert done[0]["subject"] == "Completed: Contract"
    assert done[0]["links"][0]["rel"] == "workflow"
    assert done[0]["links"][0]["url"].endswith(f"/api/workflow/GetWorkflow?workflow_id={made['workflow_id']}")


# -- reminders -----------------------------------------------------------------------------------------
def test_a_reminder_reaches_exactly_the_signers_whose_turn_it_is_sequential(org):
    made = org.workflow(people("one@example.com", "two@example.com", "three@example.com"), signing_order="sequential")
    one, two, three = made["signers"]
    org.start(made["workflow_id"])
    org.sign(one)
    resp = org.post("SendReminder", {"workflow_id": made["workflow_id"]}, 200).get_json()
    assert resp["reminded"] == [two["signer_id"]] and resp["skipped"] == []
    reminders = org.messages(kind="reminder")["items"]
    assert [m["to"] for m in reminders] == ["two@example.com"]
    assert reminders[0]["message_id"] == resp["message_ids"][0]
    assert reminders[0]["subject"] == "Reminder: please sign Contract"
    assert signing_link(reminders[0]) == two["signing_url"]
    # Naming a signer whose turn has not come reminds nobody and says why.
    resp = org.post("SendReminder", {"workflow_id": made["workflow_id"], "signer_id": three["signer_id"]}, 200).get_json()
    assert resp["reminded"] == [] and resp["skipped"] == [{"signer_id": three["signer_id"],
                                                           "reason": "not their turn yet"}]
    resp = org.post("SendReminder", {"workflow_id": made["workflow_id"], "signer_id": one["signer_id"]}, 200).get_json()
    assert resp["reminded"] == [] and resp["skipped"][0]["reason"] == "already signed"
    assert len(org.messages(kind="reminder")["items"]) == 1
    events = org.client.get(f"{API}/GetWorkflow", query_string={"workflow_id": made["workflow_id"]},
                            headers=org.headers).get_json()["events"]
    assert [e.get("signer_id") for e in events if e["type"] == "reminder_sent"] == [two["signer_id"]]


def test_a_reminder_reaches_the_pending_signers_in_parallel_and_one_when_named(org):
    made = org.workflow(people("p@example.com", "q@example.com", "r@example.com"))
    p, q, r = made["signers"]
    org.start(made["workflow_id"])
    org.sign(q)
    resp = org.post("SendReminder", {"workflow_id": made["workflow_id"]}, 200).get_json()
    assert sorted(resp["reminded"]) == sorted([p["signer_id"], r["signer_id"]])
    assert sorted(m["to"] for m in org.messages(kind="reminder")["items"]) == ["p@example.com", "r@example.com"]
    resp = org.post("SendReminder", {"workflow_id": made["workflow_id"], "signer_id": r["signer_id"]}, 200).get_json()
    assert resp["reminded"] == [r["signer_id"]]
    assert sorted(m["to"] for m in org.messages(kind="reminder")["items"]) == \
        ["p@example.com", "r@example.com", "r@example.com"]


def test_send_reminder_errors(org, client, pdf_bytes):
    made = org.workflow(people("x@example.com"))
    wid = made["workflow_id"]
    err = org.post("SendReminder", {"workflow_id": wid}, 409).get_json()["error"]
    assert err["code"] == "invalid_state"  # a draft
    other = org.workflow(people("y@example.com"))
    org.start(wid)
    org.start(other["workflow_id"])
    err = org.post("SendReminder", {"workflow_id": wid, "signer_id": other["signers"][0]["signer_id"]}, 404)
    assert err.get_json()["error"]["code"] == "signer_not_found"
    assert org.post("SendReminder", {"workflow_id": "8d0f3c1e-5b7a-4c2e-9f10-1c0a5e8dffff"}, 404) \
        .get_json()["error"]["code"] == "workflow_not_found"
    stranger = Org(client, pdf_bytes)
    assert stranger.post("SendReminder", {"workflow_id": wid}, 404).get_json()["error"]["code"] == "workflow_not_found"
    err = org.post("SendReminder", {"workflow_id": "nope"}, 422).get_json()["error"]
    assert err["code"] == "validation_error" and list(err["fields"]) == ["workflow_id"]
    org.sign(made["signers"][0])  # completed
    assert org.post("SendReminder", {"workflow_id": wid}, 409).get_json()["error"]["code"] == "invalid_state"
    org.post("CancelWorkflow", {"workflow_id": other["workflow_id"]}, 200)
    assert org.post("SendReminder", {"workflow_id": other["workflow_id"]}, 409).get_json()["error"]["code"] == \
        "invalid_state"
    assert org.messages(kind="reminder")["total"] == 0


# -- cancellation -----------------------------------------------------------------------------------------
def test_cancel_tells_every_signer_still_pending(org):
    made = org.workflow(people("done@example.com", "open1@example.com", "open2@example.com"))
    org.start(made["workflow_id"])
    org.sign(made["signers"][0])
    org.post("CancelWorkflow", {"workflow_id": made["workflow_id"]}, 200)
    assert sorted(org.kinds_to(kind="cancelled")) == [("cancelled", "open1@example.com"),
                                                      ("cancelled", "open2@example.com")]
    notice = org.messages(kind="cancelled")["items"][0]
    assert notice["subject"] == "Cancelled: Contract" and notice["links"] == []


def test_cancelling_a_draft_tells_nobody(org):
    made = org.workflow(people("never@example.com"))
    org.post("CancelWorkflow", {"workflow_id": made["workflow_id"]}, 200)
    assert org.messages()["total"] == 0


# -- languages -----------------------------------------------------------------------------------------------
def test_messages_speak_the_signers_language_german_or_english(org):
    made = org.workflow([{"email": "de@example.com", "language": "de", "first_name": "Dora"},
                         {"email": "at@example.com", "language": "de-AT", "signature_type": "qualified_seal"},
                         {"email": "fr@example.com", "language": "fr"}], name="Mietvertrag",
                        expires_at="2031-03-05T10:00:00Z")
    org.start(made["workflow_id"])
    de = org.messages(to="de@example.com")["items"][0]
    assert de["subject"] == "Bitte signieren: Mietvertrag" and de["language"] == "de"
    assert "Hallo Dora," in de["text"] and "fortgeschrittenen elektronischen Signatur" in de["text"]
    assert "5. März 2031" in de["text"] and 'lang="de"' in de["html"]
    at = org.messages(to="at@example.com")["items"][0]
    assert at["subject"] == "Bitte siegeln: Mietvertrag" and "qualifizierten elektronischen Siegel" in at["text"]
    fr = org.messages(to="fr@example.com")["items"][0]
    assert fr["subject"] == "Please sign: Mietvertrag" and fr["language"] == "en" and "5 March 2031" in fr["text"]
    org.post("CancelWorkflow", {"workflow_id": made["workflow_id"]}, 200)
    assert org.messages(to="de@example.com", kind="cancelled")["items"][0]["subject"] == "Storniert: Mietvertrag"
    # SIGN8's German: signieren and Signatur, as the pages say; never unterschreiben.
    german = [m for m in org.messages()["items"] if m["language"] == "de"]
    assert german and not [m["subject"] for m in german
                           if "unterschreib" in (m["subject"] + m["text"] + (m["html"] or "")).lower()]


def test_messages_mask_the_phone_as_the_page_does(org):
    made = org.workflow([{"email": "p@example.com", "phone": "+4917612345678"}])
    org.start(made["workflow_id"])
    invitation = org.messages(kind="invitation")["items"][0]
    for body in (invitation["text"], invitation["html"]):
        assert "+4917612345678" not in body and "+49176 •••• 678" in body


def test_the_sender_is_the_brand_or_the_organization_never_a_placeholder(org):
    from mock_server.messages.content import sender_name

    made = org.workflow([{"email": "s@example.com"}])
    org.start(made["workflow_id"])
    plain = org.messages(kind="invitation")["items"][0]
    assert plain["from_name"].startswith("Organization for key ") and plain["from_name"] in plain["text"]
    iface = org.post("AddInterface", {"name": "Harbour Homes", "primary_color": "#FACC15"}, 201).get_json()
    branded = org.workflow([{"email": "b@example.com"}], interface_id=iface["interface_id"])
    org.start(branded["workflow_id"])
    m = org.messages(to="b@example.com")["items"][0]
    assert m["from_name"] == "Harbour Homes" and "Harbour Homes invites you" in m["text"]
    assert "Harbour Homes" in m["html"] and "Provisioned" not in m["html"]
    assert sender_name(None, "Provisioned 90f60ece") == "SIGN8"  # a record from before readable names
    assert sender_name("", "Demo Org A") == "Demo Org A"


def test_html_escapes_what_the_integration_sent(org):
    made = org.workflow([{"email": "x@example.com", "first_name": "<b>X</b>"}], name="<script>alert(1)</script>",
                        description="Tom & Jerry <i>")
    org.start(made["workflow_id"])
    m = org.messages()["items"][0]
    assert "<script>" not in m["html"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in m["html"]
    assert "Tom &amp; Jerry &lt;i&gt;" in m["html"] and "<b>X</b>" not in m["html"]
    assert "Tom & Jerry <i>" in m["text"]


# -- the SMS one-time code --------------------------------------------------------------------------------------
def test_tan_is_an_sms_to_the_phone_with_the_code(app, org):
    made = org.workflow([{"email": "t@example.com", "phone": "+4917612345678", "language": "de"}])
    org.start(made["workflow_id"])
    svc = app.extensions["sign8"]
    with svc.store.transaction() as tx:
        wf = svc.store.get("workflows", made["workflow_id"])
        signer = svc.store.get("signers", made["signers"][0]["signer_id"])
        recorded = svc.messages.record(tx, "tan", wf, signer, code="042917")
    sms = org.messages(kind="tan")["items"][0]
    assert sms == {**recorded}
    assert (sms["channel"], sms["to"], sms["html"], sms["links"]) == ("sms", "+4917612345678", None, [])
    assert code(sms) == "042917" and "5 Minuten" in sms["text"]
    unencoded = org.client.get("/_mock/messages?kind=tan&to=+4917612345678", headers=org.headers).get_json()
    assert [m["message_id"] for m in unencoded["items"]] == [sms["message_id"]]  # a curl user's unencoded +
    assert org.messages(channel="sms")["total"] == 1 and org.messages(channel="email")["total"] == 1
    resp = org.client.get(f"/_mock/messages/{sms['message_id']}.eml", headers=org.headers)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_an_email"


# -- .eml ---------------------------------------------------------------------------------------------------------
def test_eml_parses_with_the_standard_library(org):
    made = org.workflow([{"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"}],
                        description="Ünïcödé description")
    org.start(made["workflow_id"])
    m = org.messages()["items"][0]
    resp = org.client.get(f"/_mock/messages/{m['message_id']}.eml", headers=org.headers)
    assert resp.status_code == 200 and resp.mimetype == "message/rfc822"
    assert b"\r\n" in resp.data
    parsed = email.message_from_bytes(resp.data, policy=email.policy.default)
    assert parsed["Subject"] == "Please sign: Contract"
    assert parsed["To"].addresses[0].addr_spec == "ann@example.com"
    assert parsed["To"].addresses[0].display_name == "Ann Lee"
    assert parsed["From"].addresses[0].addr_spec == "no-reply@sign8-mock.invalid"
    assert parsed["Message-ID"] == f"<{m['message_id']}@sign8-mock.invalid>"
    assert parsed["X-Sign8-Workflow-Id"] == made["workflow_id"] and parsed["Date"]
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert made["signers"][0]["signing_url"] in plain and made["signers"][0]["signing_url"] in html
    assert "Ünïcödé description" in plain
    # The classic parser (compat32) reads it too.
    assert email.message_from_bytes(resp.data)["Subject"] == "Please sign: Contract"


def test_eml_carries_the_attachments_of_a_completed_message(app, org, pdf_bytes):
    made = org.workflow(people("z@example.com"))
    org.start(made["workflow_id"])
    svc = app.extensions["sign8"]
    f = made["file"]
    with svc.store.transaction() as tx:
        wf = svc.store.get("workflows", made["workflow_id"])
        signer = svc.store.get("signers", made["signers"][0]["signer_id"])
        m = svc.messages.record(tx, "completed", wf, signer, attachments=[
            {"file_id": f["file_id"], "file_name": "contract-signed.pdf", "content_type": "application/pdf"}])
    assert m["attachments"] == [{"file_id": f["file_id"], "file_name": "contract-signed.pdf",
                                 "content_type": "application/pdf"}]
    assert "attached" in m["text"]
    raw = org.client.get(f"/_mock/messages/{m['message_id']}.eml", headers=org.headers).data
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["contract-signed.pdf"]
    assert attachments[0].get_content() == pdf_bytes


# -- control API: read, filter, delete, tenancy ------------------------------------------------------------------------
def test_list_filters_newest_first_and_get_one(org):
    a = org.workflow(people("a@example.com"))
    b = org.workflow(people("b@example.com", "c@example.com"))
    org.start(a["workflow_id"])
    org.start(b["workflow_id"])
    listed = org.messages()
    assert listed["total"] == 3
    stamps = [m["created_at"] for m in listed["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert listed["items"][-1]["to"] == "a@example.com"  # the oldest comes last
    assert org.messages(workflow_id=b["workflow_id"])["total"] == 2
    assert org.messages(to="C@Example.com")["items"][0]["to"] == "c@example.com"
    assert org.messages(kind="reminder")["total"] == 0
    assert org.messages(limit=1)["total"] == 3 and len(org.messages(limit=1)["items"]) == 1
    one = listed["items"][0]
    got = org.client.get(f"/_mock/messages/{one['message_id']}", headers=org.headers)
    assert got.status_code == 200 and got.get_json() == one
    missing = org.client.get("/_mock/messages/does-not-exist", headers=org.headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "message_not_found"
    bad = org.client.get("/_mock/messages", query_string={"kind": "postcard"}, headers=org.headers)
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["kind"]


def test_messages_are_isolated_per_organization(client, pdf_bytes):
    a, b = Org(client, pdf_bytes), Org(client, pdf_bytes)
    wa = a.workflow(people("same@example.com"))
    wb = b.workflow(people("same@example.com", "other@example.com"))
    a.start(wa["workflow_id"])
    b.start(wb["workflow_id"])
    assert a.messages()["total"] == 1 and b.messages()["total"] == 2
    assert a.messages(to="same@example.com")["items"][0]["workflow_id"] == wa["workflow_id"]
    b_msg = b.messages()["items"][0]
    assert client.get(f"/_mock/messages/{b_msg['message_id']}", headers=a.headers).status_code == 404
    assert client.get(f"/_mock/messages/{b_msg['message_id']}.eml", headers=a.headers).status_code == 404
    assert a.messages(workflow_id=wb["workflow_id"])["total"] == 0
    # Without a key (the operator) every organization's messages are listed.
    everything = a.messages(scoped=False)
    assert {wa["workflow_id"], wb["workflow_id"]} <= {m["workflow_id"] for m in everything["items"]}
    # A's DELETE clears A's only.
    assert client.delete("/_mock/messages", headers=a.headers).get_json() == {"cleared": 1}
    assert a.messages()["total"] == 0 and b.messages()["total"] == 2
    # A reminder from A for B's workflow is a 404, and sends nothing.
    assert a.post("SendReminder", {"workflow_id": wb["workflow_id"]}, 404)
    assert b.messages(kind="reminder")["total"] == 0


def test_reset_and_snapshot_cover_messages(client, pdf_bytes):
    a, b = Org(client, pdf_bytes), Org(client, pdf_bytes)
    wa, wb = a.workflow(people("a@example.com")), b.workflow(people("b@example.com"))
    a.start(wa["workflow_id"])
    b.start(wb["workflow_id"])
    snap = client.get("/_mock/snapshot", headers=a.headers).get_json()
    assert [m["to"] for m in snap["tables"]["messages"]] == ["a@example.com"]
    reset = client.post("/_mock/reset", headers=a.headers).get_json()
    assert reset["removed"]["messages"] == 1
    assert a.messages()["total"] == 0 and b.messages()["total"] == 1
    restored = client.post("/_mock/snapshot", json=snap, headers=a.headers)
    assert restored.status_code == 200, restored.get_json()
    assert [m["to"] for m in a.messages()["items"]] == ["a@example.com"]


def test_messages_survive_a_restart(tmp_path, pdf_bytes):
    db = tmp_path / "mock.json"
    app = create_app({"db": str(db)}, start_background=False)
    key = new_key()
    org = Org(app.test_client(), pdf_bytes, key)
    made = org.workflow(people("durable@example.com"))
    org.start(made["workflow_id"])
    before = org.messages()["items"]
    app.extensions["sign8"].stop()
    app = create_app({"db": str(db)}, start_background=False)
    try:
        after = Org(app.test_client(), pdf_bytes, key).messages()["items"]
    finally:
        app.extensions["sign8"].stop()
    assert after == before and len(after) == 1


# -- the inbox page ---------------------------------------------------------------------------------------------------
def test_inbox_page_shows_each_recipient_and_the_rendered_email(org):
    made = org.workflow([{"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"},
                         {"email": "bob@example.com"}], name="Inbox <test>")
    org.start(made["workflow_id"])
    page = org.client.get("/_mock/messages/inbox", headers=org.headers)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'data-to="ann@example.com"' in html and 'data-to="bob@example.com"' in html
    assert "Inbox &lt;test&gt;" in html and "Inbox <test>" not in html
    assert "srcdoc=" in html
    one = org.messages(to="bob@example.com")["items"][0]
    page = org.client.get("/_mock/messages/inbox", query_string={"message_id": one["message_id"]},
                          headers=org.headers).get_data(as_text=True)
    assert f'id="message" data-message-id="{one["message_id"]}"' in page
    assert made["signers"][1]["signing_url"] in page


def test_inbox_page_without_messages(client, auth):
    page = client.get("/_mock/messages/inbox", headers=auth)
    assert page.status_code == 200 and 'id="no-messages"' in page.get_data(as_text=True)


def test_openapi_documents_send_reminder_and_the_messages_api(client):
    spec = client.get("/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/workflow/SendReminder"]
    for path in ("/_mock/messages", "/_mock/messages/{message_id}", "/_mock/messages/{message_id}.eml"):
        assert path in spec["paths"], path
    assert "delete" in spec["paths"]["/_mock/messages"]
