"""Tenant isolation: organization B never sees nor changes organization A's data; links stay in their workflow."""
from __future__ import annotations

import uuid

import pytest

API = "/api/workflow"
JSON = {"Accept": "application/json"}


@pytest.fixture
def tenants(client, make_auth, workflow_builder, pdf_bytes):
    """Return A's and B's headers, and for each a started workflow (with an annotation) and an interface."""
    out = {}
    for name in ("a", "b"):
        headers = make_auth()
        iface = client.post(f"{API}/AddInterface", json={"name": name}, headers=headers).get_json()
        parts = workflow_builder(client, headers, pdf_bytes, signers=2, interface_id=iface["interface_id"])
        wid, fid = parts["workflow"]["workflow_id"], parts["file"]["file_id"]
        ann = client.post(f"{API}/AddAnnotation", headers=headers, json={
            "workflow_id": wid, "file_id": fid, "page": 1, "x": 1, "y": 1, "text": name}).get_json()
        draft = client.post(f"{API}/AddWorkflow", json={"name": f"{name} draft"}, headers=headers).get_json()
        assert client.post(f"{API}/StartWorkflow", json={"workflow_id": wid}, headers=headers).status_code == 200
        out[name] = {"headers": headers, "interface": iface, "workflow_id": wid, "file_id": fid,
                     "draft_id": draft["workflow_id"], "signers": parts["signers"],
                     "signature_id": parts["signatures"][0]["signature_id"], "annotation_id": ann["annotation_id"]}
    return out


def snapshot(client, tenant: dict) -> dict:
    """Return everything the owner can read of its data."""
    h = tenant["headers"]
    return {
        "workflow": client.get(f"{API}/GetWorkflow?workflow_id={tenant['workflow_id']}", headers=h).get_json(),
        "draft": client.get(f"{API}/GetWorkflow?workflow_id={tenant['draft_id']}", headers=h).get_json(),
        "interface": client.get(f"{API}/GetInterface?interface_id={tenant['interface']['interface_id']}",
                                headers=h).get_json(),
        "list": client.get(f"{API}/ListWorkflows", headers=h).get_json(),
        "file": client.get(f"{API}/GetFile?file_id={tenant['file_id']}", headers=h).data,
    }


def foreign_calls(a: dict, b: dict) -> list[tuple[str, str, dict]]:
    """Every /api operation, made by B with at least one id of A in it."""
    sig = {"page": 1, "x": 1, "y": 1, "width": 5, "height": 5}
    ann = {"page": 1, "x": 1, "y": 1, "text": "x"}
    return [
        ("GET", "GetWorkflow", {"workflow_id": a["workflow_id"]}),
        ("GET", "GetWorkflow", {"workflow_id": a["draft_id"]}),
        ("GET", "GetFile", {"file_id": a["file_id"]}),
        ("GET", "GetInterface", {"interface_id": a["interface"]["interface_id"]}),
        ("POST", "StartWorkflow", {"workflow_id": a["draft_id"]}),
        ("POST", "CancelWorkflow", {"workflow_id": a["workflow_id"]}),
        ("POST", "CancelWorkflow", {"workflow_id": a["draft_id"]}),
        ("POST", "AddWorkflow", {"name": "x", "interface_id": a["interface"]["interface_id"]}),
        ("POST", "AddFile", {"workflow_id": a["draft_id"], "file_name": "x.pdf", "data": "JVBERi0xLjQK"}),
        ("POST", "AddSigner", {"workflow_id": a["draft_id"], "email": "intruder@example.com", "phone": "+4915112345678"}),
        ("POST", "AddSignature", {"workflow_id": a["draft_id"], "file_id": a["file_id"],
                                  "signer_id": a["signers"][0]["signer_id"], **sig}),
        ("POST", "AddSignature", {"workflow_id": b["draft_id"], "file_id": a["file_id"],
                                  "signer_id": a["signers"][0]["signer_id"], **sig}),
        ("POST", "AddAnnotation", {"workflow_id": a["draft_id"], "file_id": a["file_id"], **ann}),
        ("POST", "AddAnnotation", {"workflow_id": b["draft_id"], "file_id": a["file_id"], **ann}),
        ("POST", "AddInterface", {"icon_file_id": a["file_id"]}),
        ("POST", "AddInterface", {"logo_file_id": a["file_id"]}),
        ("POST", "UpdateInterface", {"interface_id": a["interface"]["interface_id"], "primary_color": "#FF0000"}),
        ("POST", "UpdateInterface", {"interface_id": b["interface"]["interface_id"], "logo_file_id": a["file_id"]}),
        ("POST", "SendReminder", {"workflow_id": a["workflow_id"]}),
        ("POST", "SendReminder", {"workflow_id": a["workflow_id"], "signer_id": a["signers"][0]["signer_id"]}),
    ]


def call(client, method, op, args, headers):
    if method == "GET":
        return client.get(f"{API}/{op}", query_string=args, headers=headers)
    return client.post(f"{API}/{op}", json=args, headers=headers)


def test_every_foreign_id_is_404_and_nothing_changes(client, tenants):
    a, b = tenants["a"], tenants["b"]
    before_a, before_b = snapshot(client, a), snapshot(client, b)
    calls = foreign_calls(a, b)
    for method, op, args in calls:
        resp = call(client, method, op, args, b["headers"])
        assert resp.status_code == 404, (op, args, resp.status_code, resp.get_json())
        # The answer is the one a never-existing id gets: nothing tells B that A's id exists.
        fake = {k: (str(uuid.uuid4()) if v in _ids_of(a) else v) for k, v in args.items()}
        twin = call(client, method, op, fake, b["headers"])
        assert twin.status_code == 404
        assert twin.get_json()["error"]["code"] == resp.get_json()["error"]["code"]
    # Every operation that takes an id is tried (ListWorkflows takes none: test_listing_never_leaks covers it).
    spec = client.get("/openapi.json").get_json()
    operations = {path.rsplit("/", 1)[1] for path in spec["paths"] if path.startswith(API)}
    assert {op for _, op, _ in calls} == operations - {"ListWorkflows"}
    assert snapshot(client, a) == before_a
    assert snapshot(client, b) == before_b


def _ids_of(tenant: dict) -> set[str]:
    return {tenant["workflow_id"], tenant["draft_id"], tenant["file_id"], tenant["interface"]["interface_id"],
            *(s["signer_id"] for s in tenant["signers"])}


def test_listing_never_leaks(client, tenants, make_auth):
    for me, other in (("a", "b"), ("b", "a")):
        page = client.get(f"{API}/ListWorkflows?limit=500", headers=tenants[me]["headers"]).get_json()
        ids = {w["workflow_id"] for w in page["items"]}
        assert ids == {tenants[me]["workflow_id"], tenants[me]["draft_id"]}
        assert page["total"] == 2
        assert not ids & {tenants[other]["workflow_id"], tenants[other]["draft_id"]}
        for status in ("in_progress", "draft"):
            filtered = client.get(f"{API}/ListWorkflows?status={status}", headers=tenants[me]["headers"]).get_json()
            assert filtered["total"] == 1
    stranger = client.get(f"{API}/ListWorkflows", headers=make_auth()).get_json()
    assert stranger == {"total": 0, "limit": 50, "offset": 0, "items": []}


def test_organization_header_cannot_borrow_another_org(client, tenants):
    a, b = tenants["a"], tenants["b"]
    resp = client.get(f"{API}/GetWorkflow?workflow_id={a['workflow_id']}",
                      headers={**b["headers"], "organisation_id": a["interface"]["organization_id"]})
    assert resp.status_code == 403


def token_of(signer: dict) -> str:
    return signer["signing_url"].rsplit("/sign/", 1)[1]


def test_signing_token_only_sees_its_own_workflow_files(client, tenants):
    a, b = tenants["a"], tenants["b"]
    token = token_of(a["signers"][0])
    assert client.get(f"/sign/{token}/files/{a['file_id']}").status_code == 200
    for foreign in (b["file_id"], str(uuid.uuid4())):
        resp = client.get(f"/sign/{token}/files/{foreign}", headers=JSON)
        assert resp.status_code == 404
        assert resp.get_json()["error"]["code"] == "file_not_found"


def test_signing_token_acts_only_on_its_own_workflow(client, tenants):
    a, b = tenants["a"], tenants["b"]
    before_b = snapshot(client, b)
    signed = client.post(f"/sign/{token_of(a['signers'][0])}/sign", headers=JSON)
    assert signed.status_code == 200
    assert signed.get_json()["workflow_id"] == a["workflow_id"]
    refused = client.post(f"/sign/{token_of(a['signers'][1])}/refuse", json={"reason": "no"}, headers=JSON)
    assert refused.status_code == 200 and refused.get_json()["workflow_id"] == a["workflow_id"]
    assert snapshot(client, b) == before_b
    after_a = client.get(f"{API}/GetWorkflow?workflow_id={a['workflow_id']}", headers=a["headers"]).get_json()
    assert [s["status"] for s in after_a["signers"]] == ["signed", "refused"]


@pytest.mark.parametrize("suffix, method", [("", "GET"), ("/sign", "POST"), ("/refuse", "POST"),
                                            ("/files/{file_id}", "GET")])
def test_forged_or_altered_tokens_are_404(client, tenants, suffix, method):
    a = tenants["a"]
    before = snapshot(client, a)
    real = token_of(a["signers"][0])
    for forged in (real[:-1] + ("A" if real[-1] != "A" else "B"), real.upper(), real + "x", "x", a["signers"][0]["signer_id"]):
        path = f"/sign/{forged}{suffix.format(file_id=a['file_id'])}"
        resp = client.open(path, method=method, headers=JSON)
        assert resp.status_code == 404, (forged, suffix, resp.status_code)
    assert snapshot(client, a) == before


def test_api_key_of_b_cannot_use_a_signing_link_to_reach_a_data(client, tenants):
    """Check a signer id is no token: the API refuses signer ids of A, the link refuses B's key as a token."""
    a, b = tenants["a"], tenants["b"]
    key_b = b["headers"]["Authorization"].split()[1]
    assert client.get(f"/sign/{key_b}", headers=JSON).status_code == 404
    assert client.get(f"{API}/GetWorkflow?workflow_id={a['signers'][0]['signer_id']}",
                      headers=b["headers"]).status_code == 404


ID_PARAMETERS = [
    ("GET", "GetWorkflow", "workflow_id"), ("GET", "GetFile", "file_id"), ("GET", "GetInterface", "interface_id"),
    ("POST", "StartWorkflow", "workflow_id"), ("POST", "CancelWorkflow", "workflow_id"),
    ("POST", "UpdateInterface", "interface_id"), ("POST", "AddSigner", "workflow_id"),
]


@pytest.mark.parametrize("kind", ["workflow_id", "draft_id", "file_id", "signer_id", "signature_id", "annotation_id",
                                  "interface_id"])
def test_each_kind_of_foreign_id_in_each_id_parameter_is_404(client, tenants, kind):
    a, b = tenants["a"], tenants["b"]
    ids = {**a, "signer_id": a["signers"][0]["signer_id"], "interface_id": a["interface"]["interface_id"]}
    before = snapshot(client, a)
    for method, op, param in ID_PARAMETERS:
        args = {param: ids[kind], **({"email": "x@example.com", "phone": "+4915112345678"} if op == "AddSigner" else {})}
        resp = call(client, method, op, args, b["headers"])
        assert resp.status_code == 404, (op, param, kind, resp.get_json())
    assert snapshot(client, a) == before
