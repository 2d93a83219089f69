"""The contract check: every answer judged by the served document, and a mismatch fails the test that got it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import requests
from mock_server.contract import Contract, ContractLog, Mismatch, read_verdicts

from conftest import ROOT, ServerProcess, bearer, new_key


@pytest.fixture(scope="module")
def contract():
    from mock_server.app import create_app

    app = create_app({"db": ":memory:"}, start_background=False)
    return Contract(app.test_client().get("/openapi.json").get_json())


def judge(contract, method, path, status, body=b"", content_type="application/json", query=None):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    return contract.judge(method, path, query or {}, status, content_type, data, {})


def test_the_suite_counts_each_answer_it_judges(sign8_contract, client, auth):
    before = sign8_contract.checked
    client.get("/api/workflow/ListWorkflows", headers=auth)
    client.get("/_mock/clock", headers=auth)
    assert sign8_contract.checked == before + 2


def test_what_the_document_does_not_describe_is_named(contract):
    wid = "3f2c8a1e-5b7d-4c9e-8a6f-1d2e3f4a5b6c"
    error = {"error": {"code": "workflow_not_found", "message": "No."}}
    assert judge(contract, "GET", "/api/workflow/GetWorkflow", 404, error, query={"workflow_id": wid}) is None
    # A field the document does not name, in a nested object too.
    extra = {"error": {**error["error"], "hint": "x"}}
    assert "hint" in judge(contract, "GET", "/api/workflow/GetWorkflow", 404, extra)
    # A status the operation does not list, and a content type it does not have.
    assert "418" in judge(contract, "GET", "/api/workflow/GetWorkflow", 418, error)
    assert judge(contract, "GET", "/_mock/clock", 200, b"<p>", "text/html") is not None
    # A success on a path or method the document does not have.
    assert "does not have" in judge(contract, "GET", "/api/workflow/Teleport", 200, {})
    # The server's 404/405 for what it does not have: only the error shape is asked for.
    assert judge(contract, "DELETE", "/api/workflow/AddWorkflow", 405, {"error": {"code": "method_not_allowed",
                                                                                  "message": "No."}}) is None
    assert "Error shape" in judge(contract, "GET", "/api/workflow/Teleport", 404, {"detail": "no"})
    # A fault rule's answer is what the test asked for; the same status from the server itself is not documented.
    fault = {"error": {"code": "injected_fault", "message": "Injected.", "rule_id": wid}}
    assert judge(contract, "GET", "/api/workflow/ListWorkflows", 503, fault) is None
    assert judge(contract, "GET", "/api/workflow/ListWorkflows", 503, error) is not None
    # Pages that are not operations.
    assert judge(contract, "GET", "/docs", 200, b"<html>", "text/html") is None


USER_TEST = """
    def test_uses_the_mock(sign8_mock):
        sign8_mock.api("AddWorkflow", {"name": "Lease"})
"""
# The user's document loses a field of a response schema: the mock still sends it.
BREAK_THE_DOCUMENT = """
    import pytest
    from mock_server.api.errors import MockApi

    @pytest.fixture(autouse=True)
    def broken_document(monkeypatch):
        real = MockApi.document

        def document(self):
            doc = real(self)
            del doc["components"]["schemas"]["Workflow"]["properties"]["name"]
            return doc

        monkeypatch.setattr(MockApi, "document", document)
"""


def run_user_suite(tmp_path, *args, broken: bool = True, pythonpath: str = str(ROOT)):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TEST))
    (tmp_path / "conftest.py").write_text(textwrap.dedent(BREAK_THE_DOCUMENT) if broken else "")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not this repo's ini (which turns the check on)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           *args], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": pythonpath})


def test_the_plugin_fails_a_users_test_that_got_an_undocumented_answer(tmp_path):
    failed = run_user_suite(tmp_path, "--sign8-contract", broken=True)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "POST /api/workflow/AddWorkflow -> 201" in failed.stdout and "'name' was unexpected" in failed.stdout
    assert "sign8-mock contract: " in failed.stdout and " 1 mismatches" in failed.stdout
    # Off unless asked: the same suite passes without the option.
    quiet = run_user_suite(tmp_path, broken=True)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "sign8-mock contract" not in quiet.stdout


def test_the_plugin_without_the_contract_extra_says_what_to_install(tmp_path):
    """openapi-core is the extra `contract`: --sign8-contract without it stops at once, naming the install command."""
    missing = tmp_path / "no_openapi_core" / "openapi_core"
    missing.mkdir(parents=True)
    (missing / "__init__.py").write_text('raise ImportError("No module named \'openapi_core\'")\n')
    res = run_user_suite(tmp_path, "--sign8-contract", broken=False,
                         pythonpath=os.pathsep.join([str(missing.parent), str(ROOT)]))
    assert res.returncode == 4, res.stdout + res.stderr  # pytest's usage error
    assert ("ERROR: --sign8-contract needs openapi-core, which is not installed: "
            "pip install 'sign8-mock[contract]'") in res.stderr, res.stderr
    assert "Traceback" not in res.stdout + res.stderr


def test_a_mock_started_as_its_own_process_is_judged_too(tmp_path):
    log = ContractLog()  # not the suite's: the mismatch below is this test's subject, not its failure
    server = ServerProcess(tmp_path / "db.json", contract_log=log).wait_ready()
    try:
        key = bearer(new_key())
        rule = {"method": "GET", "path": "/api/workflow/ListWorkflows", "status": 418, "times": 1}
        assert requests.post(f"{server.url}/_mock/faults", json=rule, headers=key, timeout=10).status_code == 201
        teapot = requests.get(f"{server.url}/api/workflow/ListWorkflows", headers=key, timeout=10)
        assert requests.get(f"{server.url}/api/workflow/ListWorkflows", headers=key, timeout=10).status_code == 200
    finally:
        server.stop(signal.SIGKILL)  # as the crash tests end it: every verdict is on disk already
    assert teapot.status_code == 418
    assert log.checked == 3
    assert [(m.method, m.path, m.status) for m in log.mismatches] == [("GET", "/api/workflow/ListWorkflows", 418)]
    assert "418" in log.mismatches[0].reason


def test_a_torn_last_verdict_line_is_left_out(tmp_path):
    path = tmp_path / "verdicts.jsonl"
    mismatch = Mismatch("GET", "/api/workflow/GetWorkflow", 200, "application/json", "a field too many")
    whole = [{"checked": 1, "mismatch": None}, {"checked": 1, "mismatch": vars(mismatch)}]
    path.write_text("".join(json.dumps(v) + "\n" for v in whole) + '{"checked": 1, "mis')
    checked, mismatches, offset = read_verdicts(str(path))
    assert (checked, mismatches) == (2, [mismatch])
    assert offset == path.read_bytes().rindex(b"\n") + 1
