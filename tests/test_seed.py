"""The seed scenario: every state for demo org A, idempotent, usable links and files."""
import json

import pytest

from mock_server.app import create_app
from mock_server.domain.defaults import WORKFLOW_STATUSES
from mock_server.seed import SeedError, load_scenario, seed_folder
from sign8_flow import ROOT

FIXTURES = ROOT / "fixtures"
ORG_A = "11111111-1111-4111-8111-111111111111"
KEY_A = {"Authorization": "Bearer demo-key-org-a"}


@pytest.fixture
def seeded():
    app = create_app({"db": ":memory:", "fixtures": str(FIXTURES)}, start_background=False)
    svc = app.extensions["sign8"]
    counts = seed_folder(svc, FIXTURES)
    yield app, svc, counts
    svc.stop()


def test_one_workflow_in_each_state_for_org_a(seeded):
    app, svc, counts = seeded
    assert counts["workflows"] == 6 and counts["interfaces"] == 1
    client = app.test_client()
    listed = client.get("/api/workflow/ListWorkflows", headers=KEY_A).get_json()
    assert sorted(w["status"] for w in listed["items"]) == sorted(WORKFLOW_STATUSES)
    in_progress = next(w for w in listed["items"] if w["status"] == "in_progress")
    detail = client.get("/api/workflow/GetWorkflow", query_string={"workflow_id": in_progress["workflow_id"]},
                        headers=KEY_A).get_json()
    assert [s["status"] for s in detail["signers"]] == ["signed", "pending"]
    fid = detail["files"][0]["file_id"]
    pdf = (FIXTURES / "documents" / "sample-contract.pdf").read_bytes()
    assert client.get("/api/workflow/GetFile", query_string={"file_id": fid}, headers=KEY_A).data == pdf


def test_loading_twice_creates_no_duplicates(seeded):
    _, svc, _ = seeded
    before = {t: svc.store.count(t) for t in svc.store.tables()}
    again = seed_folder(svc, FIXTURES)
    assert {k: v for k, v in again.items() if k != "organizations"} == {
        "interfaces": 0, "workflows": 0, "files": 0, "signers": 0, "signatures": 0}
    assert {t: svc.store.count(t) for t in svc.store.tables()} == before


def test_the_pending_signer_of_the_in_progress_workflow_can_sign(seeded):
    app, svc, _ = seeded
    client = app.test_client()
    scenario = json.loads((FIXTURES / "seed" / "scenario.json").read_text())
    wf = next(w for w in scenario["workflows"] if w["status"] == "in_progress")
    token = wf["signers"][1]["token"]
    resp = client.post(f"/sign/{token}/sign", json={})
    assert resp.status_code == 200 and resp.get_json()["workflow_status"] == "completed"
    expired = next(w for w in scenario["workflows"] if w["status"] == "expired")
    assert client.get(f"/sign/{expired['signers'][0]['token']}").status_code == 410


def test_the_seeded_expiry_timer_leaves_final_states_alone(seeded):
    _, svc, _ = seeded
    assert svc.lifecycle.due_for_expiry(ORG_A) == []


def test_a_scenario_for_an_unknown_organization_is_refused(tmp_path):
    app = create_app({"db": ":memory:"}, start_background=False)
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"organization_id": "99999999-9999-4999-8999-999999999999", "workflows": []}))
    try:
        with pytest.raises(SeedError, match="not loaded"):
            load_scenario(app.extensions["sign8"], path)
    finally:
        app.extensions["sign8"].stop()
