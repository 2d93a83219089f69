"""/openapi.json as a product: what Postman's importer, Swagger UI, linters and Schemathesis rely on."""
from __future__ import annotations

import copy
import re

import jsonschema
import pytest
from mock_server.app import create_app

from conftest import bearer, build_workflow, new_key

METHODS = ("get", "post", "put", "delete", "patch")
STANDARD_FORMATS = {"uuid", "date-time", "email", "uri", "byte", "binary", "int32", "int64", "float", "double"}


@pytest.fixture
def spec(client):
    return client.get("/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def walk(node):
    """Every dict inside a JSON document (examples are data, not schema: skipped)."""
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def as_jsonschema(schema):
    """OpenAPI 3.0 nullable -> JSON Schema null type, and 3.0's boolean exclusiveMinimum -> the number of JSON
    Schema 2020-12, so jsonschema can judge examples and payloads."""
    schema = copy.deepcopy(schema)
    for node in walk(schema):
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        if node.get("exclusiveMinimum") is True and "minimum" in node:
            node["exclusiveMinimum"] = node.pop("minimum")
    return schema


def test_api_operations_are_named_after_sign8_and_need_the_key(spec):
    assert {"bearerAuth": []} in spec["security"] and {"apiKeyHeader": []} in spec["security"]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {**spec["components"]["securitySchemes"]["bearerAuth"],
                                                                   "type": "http", "scheme": "bearer"}
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    api = [(path, op) for path, _, op in operations(spec) if path.startswith("/api/")]
    assert len(api) >= 13
    for path, op in api:
        assert op["operationId"] == path.rsplit("/", 1)[1]
        assert "security" not in op  # the global default: the API key
        assert op["summary"] and op["description"]
    assert "AddWorkflow" in ids and "GetWorkflow" in ids


def test_control_and_signing_declare_their_own_security(spec, live_server_factory):
    for path, _, op in operations(spec):
        if path.startswith("/_mock"):
            assert op["operationId"].startswith("Mock")
            assert op["security"][0] == {"bearerAuth": []} and {} in op["security"]
        if path.startswith("/sign/"):
            assert op["security"] == []
    guarded = live_server_factory({"admin_token": "t0ken"})
    import requests
    doc = requests.get(f"{guarded.url}/openapi.json", timeout=10).json()
    assert doc["components"]["securitySchemes"]["adminToken"]["name"] == "X-Admin-Token"
    for path, _, op in operations(doc):
        if path.startswith("/_mock"):
            assert op["security"] and all("adminToken" in r or "adminBasic" in r for r in op["security"])


def test_only_standard_formats_and_tags_without_html(spec):
    formats = {node["format"] for node in walk(spec) if isinstance(node.get("format"), str)}
    assert formats <= STANDARD_FORMATS, formats - STANDARD_FORMATS
    for tag in spec["tags"]:
        assert "<" not in tag.get("description", ""), tag  # Swagger UI would read <api key> as HTML
    add_file = resolve(spec, {"$ref": "#/components/schemas/AddFileJsonArgs"})
    assert add_file["properties"]["data"]["format"] == "byte"
    add_workflow = spec["paths"]["/api/workflow/AddWorkflow"]["post"]["requestBody"]["content"]["application/json"]
    props = resolve(spec, add_workflow["schema"])["properties"]
    assert props["webhook_url"]["format"] == "uri" and props["webhook_url"]["pattern"]
    assert props["name"]["pattern"] and props["name"]["maxLength"] == 255


def test_every_body_parameter_and_response_has_a_valid_example(spec):
    for path, method, op in operations(spec):
        label = f"{method.upper()} {path}"
        for media_type, media in op.get("requestBody", {}).get("content", {}).items():
            schema = resolve(spec, media.get("schema", {}))
            if media_type == "multipart/form-data":
                assert schema["properties"] and all(
                    "example" in p or p.get("format") == "binary" for p in schema["properties"].values()), label
                continue
            assert "example" in media, label
            jsonschema.validate(media["example"], as_jsonschema({**schema, "components": spec["components"]}))
        for param in op.get("parameters", []):
            assert "example" in param or "example" in param.get("schema", {}), (label, param["name"])
        for status, response in op["responses"].items():
            for media_type, media in response.get("content", {}).items():
                assert "example" in media, (label, status, media_type)


def test_request_examples_are_accepted_by_the_server(client, spec):
    """Each example as sent: no 5xx, no 422; 2xx, or 404 for an id a fresh organization does not have."""
    headers = bearer(new_key())
    for path, method, op in operations(spec):
        if "{" in path or method != "post":
            continue
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        body = content["application/json"]["example"]
        resp = client.open(path, method="POST", json=body, headers=headers)
        names_object = any(k.endswith("_id") and k != "organization_id" for k in body)
        assert resp.status_code < 500 and resp.status_code != 422, (path, resp.status_code, resp.get_json())
        if op["operationId"] in ("MockImportSnapshot", "MockReset"):
            continue
        expected = (404,) if names_object else (200, 201, 202)
        assert resp.status_code in expected, (path, resp.status_code, resp.get_json())


def test_links_chain_a_flow(spec):
    ids = {op["operationId"] for _, _, op in operations(spec)}
    add = spec["paths"]["/api/workflow/AddWorkflow"]["post"]["responses"]["201"]["links"]
    assert {"AddFile", "AddSigner", "GetWorkflow", "StartWorkflow"} <= set(add)
    assert add["GetWorkflow"]["parameters"] == {"workflow_id": "$response.body#/workflow_id"}
    # The body fields a link fills are named in x-request-body (openapi-generator refuses an object requestBody).
    assert add["AddFile"]["x-request-body"] == {"workflow_id": "$response.body#/workflow_id"}
    assert "requestBody" not in add["AddFile"] and "`workflow_id` from `workflow_id`" in add["AddFile"]["description"]
    for path, _, op in operations(spec):
        for response in op["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in ids, (path, link)
    signer = spec["paths"]["/api/workflow/AddSigner"]["post"]["responses"]["201"]["links"]
    assert signer["AddSignature"]["x-request-body"]["signer_id"] == "$response.body#/signer_id"
    assert "GetFile" in spec["paths"]["/api/workflow/AddFile"]["post"]["responses"]["201"]["links"]


def test_signing_actions_are_documented(spec):
    assert spec["paths"]["/sign/{token}"]["get"]["operationId"] == "GetSigningPage"
    for action in ("sign", "refuse"):
        op = spec["paths"][f"/sign/{{token}}/{action}"]["post"]
        assert {"application/json", "application/x-www-form-urlencoded"} <= set(op["requestBody"]["content"])
        assert {"200", "303", "404", "409", "410"} <= set(op["responses"])


def test_webhook_callbacks_describe_what_really_arrives(client, spec, pdf_bytes):
    callbacks = spec["paths"]["/api/workflow/AddWorkflow"]["post"]["callbacks"]
    assert set(callbacks) == {"workflowRefused", "workflowExpired"}
    payload_schema = as_jsonschema({**spec["components"]["schemas"]["WebhookEvent"], "components": spec["components"]})
    for event, expressions in callbacks.items():
        (url, item), = expressions.items()
        assert url.endswith(f"/api/workflow/{event}")
        headers = {p["name"] for p in item["post"]["parameters"] if p["in"] == "header"}
        assert headers == {"organisation_id", "webhook-id", "webhook-timestamp", "webhook-signature"}
        jsonschema.validate(item["post"]["requestBody"]["content"]["application/json"]["example"], payload_schema)

    # A real refusal: the payload the outbox stores is valid against the documented schema.
    headers = bearer(new_key())
    draft = build_workflow(client, headers, pdf_bytes, signers=1)
    wid = draft["workflow"]["workflow_id"]
    assert client.post("/api/workflow/StartWorkflow", json={"workflow_id": wid}, headers=headers).status_code == 200
    assert client.post(f"/_mock/workflows/{wid}/refuse", json={"reason": "No"}, headers=headers).status_code == 200
    deliveries = client.get("/_mock/webhooks", query_string={"workflow_id": wid}, headers=headers).get_json()["items"]
    assert deliveries and deliveries[0]["event"] == "workflowRefused"
    jsonschema.validate(deliveries[0]["payload"], payload_schema)


def test_servers_is_where_the_mock_listens(live_server_factory):
    import requests
    server = live_server_factory()
    doc = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert doc["servers"][0]["url"] == server.url and not server.url.endswith(":0")
    public = live_server_factory({"public_url": "https://mock.example.test/base/"})
    doc = requests.get(f"{public.url}/openapi.json", timeout=10).json()
    assert doc["servers"][0]["url"] == "https://mock.example.test/base"


def test_405_lists_the_allowed_methods(client):
    resp = client.get("/api/workflow/AddWorkflow", headers=bearer(new_key()))
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"
    assert {m.strip() for m in resp.headers["Allow"].split(",")} == {"POST", "OPTIONS"}
    resp = client.delete("/_mock/clock")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]


def test_unknown_operation_lists_the_real_ones(client):
    resp = client.post("/api/workflow/AddWorkflows", json={}, headers=bearer(new_key()))
    err = resp.get_json()["error"]
    assert resp.status_code == 404 and err["code"] == "unknown_operation"
    assert "AddWorkflow" in err["operations"] and "GetWorkflow" in err["operations"]
    assert "AddWorkflow" in err["message"]


def test_index_answers_json_or_sends_a_browser_to_the_docs(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.get_json()["links"] == {**resp.get_json()["links"], "docs": "/docs", "openapi": "/openapi.json",
                                        "dashboard": "/_mock/"}
    browser = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 302 and browser.headers["Location"].endswith("/docs")


def test_the_document_is_stable_across_requests():
    app = create_app({"db": ":memory:"}, start_background=False)
    try:
        client = app.test_client()
        first, second = client.get("/openapi.json").get_json(), client.get("/openapi.json").get_json()
        assert first == second
        assert re.match(r"^http://127\.0\.0\.1:\d+$", first["servers"][0]["url"])
    finally:
        app.extensions["sign8"].stop()


def test_cors_is_off_by_default(client):
    resp = client.get("/_mock/health", headers={"Origin": "http://localhost:3000"})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_cors_origins_answer_preflights_without_a_key():
    app = create_app({"db": ":memory:", "cors_origins": "http://localhost:3000, https://app.example.test"},
                     start_background=False)
    try:
        client = app.test_client()
        origin = {"Origin": "http://localhost:3000"}
        pre = client.options("/api/workflow/AddWorkflow", headers={
            **origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert pre.status_code == 204
        assert pre.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert "authorization" in pre.headers["Access-Control-Allow-Headers"].lower()
        resp = client.post("/api/workflow/AddWorkflow", json={"name": "From a page"},
                           headers={**origin, **bearer(new_key())})
        assert resp.status_code == 201 and resp.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert "Origin" in resp.headers["Vary"]
        other = client.post("/api/workflow/AddWorkflow", json={"name": "x"},
                            headers={"Origin": "http://evil.example.test", **bearer(new_key())})
        assert "Access-Control-Allow-Origin" not in other.headers
        # A preflight from an origin not on the list is not answered as one: the key check applies.
        assert client.options("/api/workflow/AddWorkflow", headers={
            "Origin": "http://evil.example.test", "Access-Control-Request-Method": "POST"}).status_code == 401
    finally:
        app.extensions["sign8"].stop()
