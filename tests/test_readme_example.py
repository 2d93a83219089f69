"""The README's pytest example, verbatim: create a workflow, refuse it, wait for the webhook."""
import base64


def test_refusal_sends_a_webhook(sign8_mock):
    api = sign8_mock.api  # POST with a body, GET with query params; raises on an error answer
    wf = api("AddWorkflow", {"name": "Lease"})
    f = api("AddFile", {"workflow_id": wf["workflow_id"], "file_name": "lease.pdf",
                        "data": base64.b64encode(sign8_mock.sample_pdf()).decode()})
    signer = api("AddSigner", {"workflow_id": wf["workflow_id"], "email": "ann@example.com",
                               "phone": "+4915112345678"})
    api("AddSignature", {"workflow_id": wf["workflow_id"], "file_id": f["file_id"], "signer_id": signer["signer_id"],
                         "page": 1, "x": 72, "y": 600, "width": 180, "height": 50})
    api("StartWorkflow", {"workflow_id": wf["workflow_id"]})

    # The signer opens the link and refuses; the mock sends workflowRefused to the fixture's receiver.
    sign8_mock.session.post(signer["signing_url"] + "/refuse", json={"reason": "Wrong rent"}).raise_for_status()

    hook = sign8_mock.webhooks.wait_for("workflowRefused", timeout=5)
    assert hook["body"]["workflow_id"] == wf["workflow_id"]
    assert hook["body"]["reason"] == "Wrong rent"
    assert api("GetWorkflow", workflow_id=wf["workflow_id"])["status"] == "refused"


def test_readme_shows_this_example_verbatim():
    import pathlib  # here, not at the top: the README example starts at "import base64" and needs no pathlib

    source = pathlib.Path(__file__).read_text(encoding="utf-8")
    example = source[source.index("import base64"):source.index("\n\n\ndef test_readme_shows")].strip()
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert example in readme
