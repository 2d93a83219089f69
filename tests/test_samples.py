"""The packaged sample PDF: the same bytes as the repo's fixture, and a PDF the mock accepts."""
import base64
import pathlib

from mock_server.samples import sample_pdf

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "documents" / "sample-contract.pdf"


def test_packaged_sample_is_the_fixture():
    # Two copies of one file: if the fixture is regenerated, the packaged one must follow.
    assert sample_pdf() == FIXTURE.read_bytes()


def test_fixture_object_serves_the_sample(sign8_mock):
    data = sign8_mock.sample_pdf()
    assert data.startswith(b"%PDF-")
    wf = sign8_mock.api("AddWorkflow", {"name": "sample"})
    f = sign8_mock.api("AddFile", {"workflow_id": wf["workflow_id"], "file_name": "s.pdf",
                                   "data": base64.b64encode(data).decode()})
    assert f["page_count"] == 3  # the contract has three pages
