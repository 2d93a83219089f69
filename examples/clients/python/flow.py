"""The whole SIGN8 flow through the client openapi-python-client generated from sign8-mock's /openapi.json.

AddWorkflow, AddFile (a real PDF), AddSigner x2, AddSignature x2, StartWorkflow; the first signer walks the
signing journey's JSON steps (the one-time code read from the mock's captured SMS); the second refuses;
GetWorkflow shows `refused`; GetFile downloads the audit report. Ids from answers go straight into requests.

    SIGN8_MOCK_URL=http://127.0.0.1:8080 SIGN8_PDF=contract.pdf python flow.py
"""
from __future__ import annotations

import base64
import os
import re
import sys
import time
import uuid
from typing import TypeVar

import httpx

from sign8_client import AuthenticatedClient, Client
from sign8_client.api.mock_messages import mock_list_messages
from sign8_client.api.signing import (accept_signing_terms, confirm_signing_details, confirm_signing_documents,
                                      get_signing_page, open_signing_document, refuse_as_signer, send_signing_code,
                                      sign_as_signer)
from sign8_client.api.workflow import (add_file, add_signature, add_signer, add_workflow, get_file, get_workflow,
                                       start_workflow)
from sign8_client.models import (AddFileJsonArgs, AddSignatureArgs, AddSignerArgs, AddWorkflowArgs, Error, File,
                                 MessageList, MockListMessagesKind, RefusalArgs, SignArgs, Signature, Signer,
                                 SignerDocument, SignerState, SigningResult, SigningResultSignerStatus,
                                 SigningResultWorkflowStatus, StepArgs, TermsArgs, Workflow, WorkflowDetail,
                                 WorkflowIdArgs)
from sign8_client.types import File as Upload

T = TypeVar("T")
ANN_PHONE = "+4915112345678"
calls = 0


def count(response: httpx.Response) -> None:
    """Count every answer the generated client received."""
    global calls
    calls += 1


def ok(answer: T | Error | None, kind: type[T]) -> T:
    """The answer as the documented success type, or stop with the documented error."""
    if isinstance(answer, kind):
        return answer
    sys.exit(f"expected {kind.__name__}, got {answer!r}")


def token_of(signer: Signer) -> str:
    """The token at the end of the signer's signing_url."""
    return signer.signing_url.rstrip("/").rsplit("/", 1)[1]


def main() -> None:
    base_url = os.environ.get("SIGN8_MOCK_URL", "http://127.0.0.1:8080")
    key = os.environ.get("SIGN8_API_KEY") or f"python-client-{uuid.uuid4()}"  # open auth: a fresh organization
    pdf = open(os.environ.get("SIGN8_PDF", "contract.pdf"), "rb").read()
    hooks = {"event_hooks": {"response": [count]}}
    # JSON answers: the signing link's operations answer HTML to a browser, and httpx sends `Accept: */*`.
    json_please = {"Accept": "application/json"}
    api = AuthenticatedClient(base_url=base_url, token=key, headers=json_please, httpx_args=hooks)
    public = Client(base_url=base_url, headers=json_please, httpx_args=hooks)  # the signing link needs no key

    wf = ok(add_workflow.sync(client=api, body=AddWorkflowArgs(name="Python client lease")), Workflow)
    f = ok(add_file.sync(client=api, body=AddFileJsonArgs(
        workflow_id=wf.workflow_id, file_name="lease.pdf", data=base64.b64encode(pdf).decode())), File)
    ann = ok(add_signer.sync(client=api, body=AddSignerArgs(
        workflow_id=wf.workflow_id, email="ann@example.com", phone=ANN_PHONE, first_name="Ann")), Signer)
    bob = ok(add_signer.sync(client=api, body=AddSignerArgs(
        workflow_id=wf.workflow_id, email="bob@example.com", phone="+4915187654321", first_name="Bob")), Signer)
    for signer in (ann, bob):
        ok(add_signature.sync(client=api, body=AddSignatureArgs(
            workflow_id=wf.workflow_id, file_id=f.file_id, signer_id=signer.signer_id,
            page=1, x=72, y=600, width=180, height=50)), Signature)
    ok(start_workflow.sync(client=api, body=WorkflowIdArgs(workflow_id=wf.workflow_id)), Workflow)

    # The invitation e-mail the mock captured for Ann carries her signing link.
    inbox = ok(mock_list_messages.sync(client=api, kind=MockListMessagesKind.INVITATION, to="ann@example.com"),
               MessageList)
    assert [link.url for m in inbox.items for link in m.links if link.rel == "sign"] == [ann.signing_url], inbox

    # Ann walks the journey's JSON steps, as the page lists them; the one-time code comes from the captured SMS.
    token = token_of(ann)
    state = ok(get_signing_page.sync(token, client=public), SignerState)
    assert state.signer_id == ann.signer_id and state.your_turn, state
    for step in state.steps:
        if step == "terms":
            state = ok(accept_signing_terms.sync(token, client=public, body=TermsArgs(terms=True, privacy=True)),
                       SignerState)
        elif step == "details":
            state = ok(confirm_signing_details.sync(token, client=public, body=StepArgs()), SignerState)
        elif step == "documents":
            for document in state.documents:
                ok(open_signing_document.sync(token, document.file_id, client=public), SignerDocument)
            state = ok(confirm_signing_documents.sync(token, client=public, body=StepArgs()), SignerState)
        elif step == "code":
            ok(send_signing_code.sync(token, client=public, body=StepArgs()), SignerState)
            sms = ok(mock_list_messages.sync(client=api, kind=MockListMessagesKind.TAN, to=ANN_PHONE), MessageList)
            code = re.search(r"\b\d{6}\b", sms.items[0].text)
            assert code, sms
            signed = ok(sign_as_signer.sync(token, client=public, body=SignArgs(code=code.group())), SigningResult)
            assert signed.signer_status == SigningResultSignerStatus.SIGNED, signed
        else:
            sys.exit(f"unexpected step {step} for an advanced signature without a password")

    # Bob refuses: the workflow is refused.
    refused = ok(refuse_as_signer.sync(token_of(bob), client=public, body=RefusalArgs(reason="Wrong rent")),
                 SigningResult)
    assert refused.workflow_status == SigningResultWorkflowStatus.REFUSED, refused

    # The audit report appears shortly after the workflow ends: poll GetWorkflow, as with the real service.
    deadline = time.monotonic() + 30
    while True:
        detail = ok(get_workflow.sync(client=api, workflow_id=wf.workflow_id), WorkflowDetail)
        assert detail.status.value == "refused", detail.status
        if isinstance(detail.audit_report_file_id, uuid.UUID) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert isinstance(detail.audit_report_file_id, uuid.UUID), "no audit report within 30 s"
    report = ok(get_file.sync(client=api, file_id=detail.audit_report_file_id), Upload)
    data = report.payload.read()
    assert data.startswith(b"%PDF-"), data[:20]
    print(f"python flow passed: {calls} calls, workflow {detail.status.value}, audit report {len(data)} bytes")


if __name__ == "__main__":
    main()
