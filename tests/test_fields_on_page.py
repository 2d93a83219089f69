"""Fields on the page: AddSignature and AddAnnotation refuse a box that is not wholly inside its page as displayed
(the CropBox, wherever its origin lies, turned by /Rotate), with 422 naming the coordinate and the page's size."""
from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, FloatObject, NameObject, NumberObject

API = "/api/workflow"


def pdf_with_pages() -> bytes:
    """Page 1: A4 portrait (595 x 842). Page 2: A4 with /Rotate 90, displayed 842 x 595. Page 3: a CropBox
    [100 200 400 600] (300 x 400, its origin not at 0 0) on a bigger MediaBox, with /Rotate 270: 400 x 300."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)[NameObject("/Rotate")] = NumberObject(90)
    third = writer.add_blank_page(1000, 1000)
    third[NameObject("/CropBox")] = ArrayObject([FloatObject(v) for v in (100, 200, 400, 600)])
    third[NameObject("/Rotate")] = NumberObject(270)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def draft(client, auth):
    def post(op, body):
        resp = client.post(f"{API}/{op}", json=body, headers=auth)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    wf = post("AddWorkflow", {"name": "Placement"})
    f = post("AddFile", {"workflow_id": wf["workflow_id"], "file_name": "contract.pdf",
                         "data": base64.b64encode(pdf_with_pages()).decode()})
    s = post("AddSigner", {"workflow_id": wf["workflow_id"], "email": "a@example.com", "phone": "+4915112345678"})
    return {"workflow_id": wf["workflow_id"], "file_id": f["file_id"], "signer_id": s["signer_id"]}


def signature(client, auth, draft, **box):
    return client.post(f"{API}/AddSignature", json={**draft, "page": 1, "x": 72, "y": 600, "width": 180,
                                                    "height": 50, **box}, headers=auth)


def annotation(client, auth, draft, **box):
    body = {"workflow_id": draft["workflow_id"], "file_id": draft["file_id"], "page": 1, "x": 72, "y": 100,
            "text": "Initial here", **box}
    return client.post(f"{API}/AddAnnotation", json=body, headers=auth)


def refused(resp, field: str, message: str | None = None) -> dict:
    assert resp.status_code == 422, resp.get_json()
    err = resp.get_json()["error"]
    assert err["code"] == "validation_error" and field in err["fields"], err
    if message is not None:
        assert err["message"] == message and err["fields"][field] == [message]
    return err


def test_the_issues_example_names_x_and_the_page_width(client, auth, draft):
    refused(signature(client, auth, draft, x=500, width=180), "x",
            "x + width = 680 exceeds the page width 595 pt (page 1 of 'contract.pdf').")
    refused(signature(client, auth, draft, y=800, height=50), "y",
            "y + height = 850 exceeds the page height 842 pt (page 1 of 'contract.pdf').")


@pytest.mark.parametrize("box, field", [({"x": -1}, "x"), ({"y": -0.5}, "y"), ({"width": 0}, "width"),
                                        ({"height": 0}, "height"), ({"width": -10}, "width"),
                                        ({"height": -1}, "height")])
def test_negative_coordinates_and_empty_boxes_are_422(client, auth, draft, box, field):
    refused(signature(client, auth, draft, **box), field)


def test_a_box_that_touches_the_edges_fits(client, auth, draft):
    assert signature(client, auth, draft, x=0, y=0, width=595, height=842).status_code == 201
    assert signature(client, auth, draft, x=415, y=792, width=180, height=50).status_code == 201


def test_a_rotated_page_is_as_wide_as_its_box_is_high(client, auth, draft):
    # Page 2 is displayed 842 wide and 595 high: x=600 fits there, though not on portrait page 1.
    assert signature(client, auth, draft, page=2, x=600, y=500, width=200, height=50).status_code == 201
    refused(signature(client, auth, draft, page=2, x=600, y=560, width=200, height=50), "y",
            "y + height = 610 exceeds the page height 595 pt (page 2 of 'contract.pdf').")
    refused(signature(client, auth, draft, page=1, x=600, y=500, width=200, height=50), "x")


def test_the_cropbox_counts_wherever_its_origin_lies_and_turned(client, auth, draft):
    # Page 3: CropBox [100 200 400 600] turned by 270 degrees: 400 wide, 300 high, whatever the MediaBox.
    assert signature(client, auth, draft, page=3, x=200, y=250, width=200, height=50).status_code == 201
    refused(signature(client, auth, draft, page=3, x=201, y=0, width=200, height=50), "x",
            "x + width = 401 exceeds the page width 400 pt (page 3 of 'contract.pdf').")
    refused(signature(client, auth, draft, page=3, x=0, y=251, width=200, height=50), "y",
            "y + height = 301 exceeds the page height 300 pt (page 3 of 'contract.pdf').")


def test_an_annotation_must_start_on_the_page_with_its_first_line(client, auth, draft):
    refused(annotation(client, auth, draft, x=900), "x",
            "x = 900 is not inside the page width 595 pt (page 1 of 'contract.pdf').")
    refused(annotation(client, auth, draft, y=835, font_size=12), "y",
            "y + font_size = 847 exceeds the page height 842 pt (page 1 of 'contract.pdf').")
    refused(annotation(client, auth, draft, x=-5), "x")
    assert annotation(client, auth, draft, page=2, x=800, y=500).status_code == 201  # rotated: 842 wide
    assert annotation(client, auth, draft, x=72, y=830, font_size=12).status_code == 201


def test_both_coordinates_off_the_page_are_both_named(client, auth, draft):
    err = refused(signature(client, auth, draft, x=500, y=800), "x")
    assert set(err["fields"]) == {"x", "y"}


def test_the_openapi_document_states_the_rule(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    add = schemas["AddSignatureArgs"]["properties"]
    assert "x + width = 680 exceeds the page width 595 pt" in add["x"]["description"]
    assert "/Rotate" in add["x"]["description"] and "CropBox" in add["x"]["description"]
    assert add["width"]["exclusiveMinimum"] is True and add["width"]["minimum"] == 0
    assert "font_size" in schemas["AddAnnotationArgs"]["properties"]["y"]["description"]


def test_a_file_stored_before_page_sizes_were_kept_is_measured_from_its_bytes(app, client, auth, draft):
    store = app.extensions["sign8"].store
    record = {k: v for k, v in store.get("files", draft["file_id"]).items() if k != "page_sizes"}
    with store.transaction() as tx:
        tx.put("files", record)  # as an older version (or an old snapshot) stored it
    refused(signature(client, auth, draft, page=2, x=600, y=560, width=200, height=50), "y",
            "y + height = 610 exceeds the page height 595 pt (page 2 of 'contract.pdf').")
    assert signature(client, auth, draft, page=2, x=600, y=500, width=200, height=50).status_code == 201
