"""The served /openapi.json as code generators read it: openapi-generator's own validation, as users run it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# openapi-generator-cli from PyPI (pinned in setup.cfg's test extra) ships the generator's jar; it needs a JDK.
CLI = Path(sys.executable).with_name("openapi-generator-cli")


def test_openapi_generator_validates_the_served_document_without_errors(client, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: openapi-generator's jar needs a JDK (apt-get install default-jdk-headless)")
    doc = tmp_path / "openapi.json"
    doc.write_bytes(client.get("/openapi.json").get_data())
    # Its default validation, exactly as a user's `generate` runs it first (no --skip-validate-spec).
    run = subprocess.run([str(CLI), "validate", "-i", str(doc)], capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    assert "No validation issues detected." in output, output[-6000:]


def walk(node, path=()):
    """Every (path, dict) inside a JSON document, examples left out."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, i))


@pytest.fixture
def spec(client):
    return client.get("/openapi.json").get_json()


def test_an_id_has_one_format_in_requests_and_answers(spec):
    formats: dict[str, set] = {}
    # The dashboard's HTML forms send "" for "every organization": not for clients, so not held to it.
    forms = {"AdvanceForm", "ResetForm"}
    for path, node in walk(spec):
        if len(path) == 3 and path[:2] == ("components", "schemas") and path[2] in forms:
            continue
        for name, prop in (node.get("properties") or {}).items():
            if name.endswith("_id") and isinstance(prop, dict) and prop.get("type") == "string":
                formats.setdefault(name, set()).add(prop.get("format"))
        if node.get("in") in ("path", "query", "header") and node.get("name", "").endswith("_id"):
            formats.setdefault(node["name"].replace("organisation_id", "organization_id"), set()).add(
                node.get("schema", {}).get("format"))
    assert {name: found for name, found in formats.items() if len(found) != 1} == {}
    assert formats["workflow_id"] == {"uuid"} and formats["signer_id"] == {"uuid"}


def test_json_is_listed_first_and_binary_answers_are_binary(spec):
    for path, node in walk(spec["paths"]):
        content = node.get("content")
        if "responses" in path and isinstance(content, dict) and "application/json" in content:
            assert next(iter(content)) == "application/json", path
        for media_type in ("application/pdf", "image/png", "application/x-pem-file", "message/rfc822"):
            if isinstance(content, dict) and media_type in content:
                assert content[media_type]["schema"] == {"type": "string", "format": "binary"}, (path, media_type)
    answers = spec["paths"]["/api/workflow/GetFile"]["get"]["responses"]["200"]["content"]
    assert set(answers) == {"application/pdf", "image/png"}


def test_the_journey_is_documented_operations_with_json_bodies(spec):
    ops = {op["operationId"]: op for item in spec["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op}
    for op_id in ("AcceptSigningTerms", "EnterSigningPassword", "ConfirmSigningDetails", "ConfirmSigningDocuments",
                  "ConfirmSigningIdentity", "SendSigningCode"):
        body = ops[op_id]["requestBody"]
        assert body["required"] and next(iter(body["content"])) == "application/json", op_id
        state = ops[op_id]["responses"]["200"]["content"]["application/json"]["schema"]
        assert state == {"$ref": "#/components/schemas/SignerState"}, op_id
    for op_id in ("GetSigningPage", "OpenSigningDocument", "SignAsSigner", "RefuseAsSigner", "GetSigningFile",
                  "GetSigningPageImage"):
        assert op_id in ops
    state = spec["components"]["schemas"]["SignerState"]
    assert set(state["required"]) == set(state["properties"]) >= {"steps", "step", "steps_done", "documents", "code"}
