"""Schemathesis' own CLI over every operation of the served /openapi.json: all checks, every phase.

Positive and negative data (examples, coverage and fuzzing phases) and the stateful phase, which
chains operations through the document's OpenAPI links (AddWorkflow -> AddFile -> AddSigner ->
AddSignature -> StartWorkflow ...). The server runs with --auth strict so that ignored_auth has teeth:
a request without the key, or with a wrong one, must answer 401.

POST /_mock/faults is tested too. Its rules would answer 5xx or drop connections on purpose, so
the fault operations carry a second organization's key: the rules they create fire only on that
organization's requests, which nothing else in the run sends.

`make test` runs a bounded number of examples; `make fuzz` raises SIGN8_FUZZ_EXAMPLES.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = int(os.environ.get("SIGN8_FUZZ_EXAMPLES", "6"))
STATEFUL_STEPS = int(os.environ.get("SIGN8_FUZZ_STEPS", "10"))
TIMEOUT = int(os.environ.get("SIGN8_FUZZ_TIMEOUT", "900"))
KEY = "schemathesis-key-0123456789abcdef"
FAULTS_KEY = "schemathesis-faults-key-fedcba9876543210"
ST = Path(sys.executable).with_name("st")
HERE = Path(__file__).resolve().parent

# The few rules JSON Schema cannot state, with the answer the server gives when a positive
# (schema-valid) request breaks one. Everything else a schema-valid request must be accepted.
BEYOND_SCHEMA = {
    "AddWorkflow": ("422", "expires_at must lie after the mock clock's now (which POST /_mock/clock/set moves)"),
    "AddFile": ("415, 422", "the bytes must be a readable, unencrypted PDF"),
    "StartWorkflow": ("422", "workflow_incomplete: a file, a signer and a signature field per signer"),
    "MockImportSnapshot": ("422", "blobs must be keyed by the SHA-256 of their content, records consistent"),
}


def toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def write_config(path: Path) -> None:
    """Schemathesis' configuration for this run (TOML)."""
    lines = [
        f"seed = 20261128",
        "continue-on-failure = true",
        # One worker: with two, Hypothesis' lambda descriptions call ast.parse from two threads at once,
        # which CPython 3.11 can fail with "SystemError: AST constructor recursion depth mismatch".
        "workers = 1",
        "request-timeout = 15",
        'suppress-health-check = ["all"]',
        "[auth]",
        "auto-signup = false",
        "[auth.openapi.bearerAuth]",
        f"bearer = {toml_string(KEY)}",
        "[generation]",
        'mode = "all"',
        f"max-examples = {EXAMPLES}",
        "[checks]",
        "enabled = true",
        "[phases.stateful]",
        f"max-steps = {STATEFUL_STEPS}",
        # Chains of valid calls: a link's value (e.g. workflow_id from AddWorkflow) is merged over the
        # generated body, so a negative case's broken field can be replaced by a valid one and then be
        # reported as "schema-violating request accepted". Negative data is the other phases' job.
        "[phases.stateful.generation]",
        'mode = "positive"',
    ]
    for op_id, (statuses, _why) in BEYOND_SCHEMA.items():
        codes = ", ".join(toml_string(c) for c in ["2xx", "3xx", "401", "403", "404", "409", "429",
                                                    *[s.strip() for s in statuses.split(",")]])
        lines += ["[[operations]]", f"include-operation-id = {toml_string(op_id)}",
                  "[operations.checks.positive_data_acceptance]", f"expected-statuses = [{codes}]"]
    for op_id in ("MockAddFault", "MockListFaults", "MockClearFaults"):
        lines += ["[[operations]]", f"include-operation-id = {toml_string(op_id)}",
                  f"headers = {{ Authorization = {toml_string('Bearer ' + FAULTS_KEY)} }}"]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def strict_server(live_server_factory, tmp_path):
    orgs = tmp_path / "organizations.json"
    orgs.write_text(json.dumps([
        {"organization_id": "5c4b3a29-1807-4f6e-9d5c-4b3a29180701", "name": "Schemathesis", "api_key": KEY},
        {"organization_id": "5c4b3a29-1807-4f6e-9d5c-4b3a29180702", "name": "Schemathesis faults",
         "api_key": FAULTS_KEY},
    ]))
    return live_server_factory({"auth": "strict", "organizations_file": str(orgs)})


def test_every_operation_with_every_check(strict_server, tmp_path):
    config = tmp_path / "schemathesis.toml"
    write_config(config)
    report = tmp_path / "report"
    cmd = [str(ST), "--no-color", "--config-file", str(config), "run", f"{strict_server.url}/openapi.json",
           "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
           "--report", "junit", "--report-dir", str(report)]
    env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=tmp_path)
    output = run.stdout + run.stderr
    summary = [line for line in output.splitlines() if re.search(r"generated|=+ .* in [\d.]+s =+", line)]
    print("\n".join(line.strip() for line in summary))
    assert run.returncode == 0, output[-20000:]
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    assert selected and selected.group(1) == selected.group(2) == selected.group(3), output[-3000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in output, output[-3000:]
