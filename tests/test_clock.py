"""The mock clock and the expiry timer over real HTTP: advance, set, reset, per-organization scope, real time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sign8_flow import Api, LiveServer, act, iso_in, wait_until


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_advance_expires_before_returning_and_fires_once(server, receiver):
    api = Api(server.url)
    made = api.started(["a@example.com"], webhook_url=receiver.url, expires_at=iso_in(3600))
    resp = api.control("POST", "clock/advance", {"seconds": 3601})
    assert resp.status_code == 200, resp.text
    assert resp.json()["expired"] == [made["workflow_id"]]
    assert resp.json()["offset_seconds"] == pytest.approx(3601)
    detail = api.workflow(made["workflow_id"])
    assert detail["status"] == "expired"
    assert [e["type"] for e in detail["events"] if not e["type"].startswith("documents_")][-1] == "expired"
    assert wait_until(receiver.ok, timeout=1.0)
    # A further move of the clock, and the timer, must not expire it again.
    api.control("POST", "clock/advance", {"seconds": 3600})
    api.idle()
    assert len(receiver.received) == 1
    hit = receiver.received[0]
    assert hit["path"] == "/api/workflow/workflowExpired"
    body = receiver.bodies()[0]
    assert body["event"] == "workflowExpired" and body["status"] == "expired"
    assert body["workflow_id"] == made["workflow_id"] and body["expires_at"] == made["workflow"]["expires_at"]
    assert [s["status"] for s in body["signers"]] == ["pending"]
    # occurred_at is when it expired: its expires_at, not the moved clock's time (tests/test_expiry_times.py).
    assert body["occurred_at"] == body["expires_at"]
    assert len(api.deliveries(event="workflowExpired")) == 1


def test_clock_is_per_organization(server, receiver):
    org_a, org_b = Api(server.url), Api(server.url)
    wf_a = org_a.started(["a@example.com"], webhook_url=receiver.url, expires_at=iso_in(600))
    wf_b = org_b.started(["b@example.com"], webhook_url=receiver.url, expires_at=iso_in(600))
    assert org_a.control("POST", "clock/advance", {"seconds": 3600}).json()["expired"] == [wf_a["workflow_id"]]
    assert org_a.workflow(wf_a["workflow_id"])["status"] == "expired"
    assert org_b.workflow(wf_b["workflow_id"])["status"] == "in_progress"
    assert org_b.control("GET", "clock").json()["offset_seconds"] == 0
    org_a.idle(scoped=False)
    assert [b["workflow_id"] for b in receiver.bodies()] == [wf_a["workflow_id"]]
    # B's new workflows are stamped with B's (unmoved) clock, A's with A's.
    created_b = parse(org_b.post("AddWorkflow", {"name": "x"}, expect=201).json()["created_at"])
    created_a = parse(org_a.post("AddWorkflow", {"name": "x"}, expect=201).json()["created_at"])
    assert abs((created_b - datetime.now(timezone.utc)).total_seconds()) < 30
    assert created_a - created_b > timedelta(minutes=59)


def test_clock_call_without_key_moves_every_organization(server):
    org_a, org_b = Api(server.url), Api(server.url)
    wf_a = org_a.started(["a@example.com"], expires_at=iso_in(600))
    wf_b = org_b.started(["b@example.com"], expires_at=iso_in(600))
    resp = org_a.control("POST", "clock/advance", {"seconds": 700}, scoped=False)
    assert sorted(resp.json()["expired"]) == sorted([wf_a["workflow_id"], wf_b["workflow_id"]])
    assert org_b.workflow(wf_b["workflow_id"])["status"] == "expired"
    assert org_a.control("POST", "clock/reset", scoped=False).json()["offset_seconds"] == 0


def test_set_get_reset(server):
    api = Api(server.url)
    target = datetime.now(timezone.utc) + timedelta(days=3)
    resp = api.control("POST", "clock/set", {"now": target.isoformat()})
    assert resp.status_code == 200
    now = parse(api.control("GET", "clock").json()["now"])
    assert abs((now - target).total_seconds()) < 5
    assert api.control("POST", "clock/reset").json()["offset_seconds"] == 0
    now = parse(api.control("GET", "clock").json()["now"])
    assert abs((now - datetime.now(timezone.utc)).total_seconds()) < 5
    bad = api.control("POST", "clock/advance", {"seconds": -5})
    assert bad.status_code == 422 and bad.json()["error"]["fields"]


def test_set_into_the_past_does_not_expire(server):
    api = Api(server.url)
    made = api.started(["a@example.com"], expires_at=iso_in(600))
    api.control("POST", "clock/set", {"now": (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()})
    assert api.workflow(made["workflow_id"])["status"] == "in_progress"


def test_real_time_expiry_fires_within_a_second(server, receiver):
    api = Api(server.url)
    wf = api.post("AddWorkflow", {"name": "soon", "webhook_url": receiver.url,
                                  "expires_at": iso_in(1.5)}, expect=201).json()
    due = parse(wf["expires_at"]).timestamp()
    hits = wait_until(receiver.ok, timeout=4.0)
    assert hits, "no workflowExpired POST"
    assert due <= hits[0]["at"] <= due + 1.0
    assert receiver.bodies()[0]["event"] == "workflowExpired"
    assert [e["actor"] for e in api.workflow(wf["workflow_id"])["events"] if e["type"] == "expired"] == ["timer"]
    api.idle()
    assert len(receiver.received) == 1


def test_clock_offset_survives_restart(tmp_path):
    db = str(tmp_path / "db.json")
    first = LiveServer({"db": db})
    api = Api(first.url)
    api.control("POST", "clock/advance", {"seconds": 86400})
    first.stop()
    second = LiveServer({"db": db})
    try:
        assert Api(second.url, key=api.key).control("GET", "clock").json()["offset_seconds"] == 86400
    finally:
        second.stop()


def test_force_expire_and_refuse_endpoints(server, receiver):
    api = Api(server.url)
    one = api.started(["a@example.com"], webhook_url=receiver.url)
    two = api.started(["a@example.com", "b@example.com"], webhook_url=receiver.url, signing_order="sequential")
    resp = api.control("POST", f"workflows/{one['workflow_id']}/expire")
    assert resp.status_code == 200 and resp.json()["status"] == "expired"
    assert api.control("POST", f"workflows/{one['workflow_id']}/expire").status_code == 409
    second_signer = two["signers"][1]
    resp = api.control("POST", f"workflows/{two['workflow_id']}/refuse",
                       {"signer_id": second_signer["signer_id"], "reason": "forced"})
    assert resp.status_code == 200 and resp.json()["status"] == "refused"
    assert api.control("POST", f"workflows/{two['workflow_id']}/refuse", {}).status_code == 409
    assert wait_until(lambda: len(receiver.ok()) == 2, timeout=2)
    refused = [b for b in receiver.bodies() if b["event"] == "workflowRefused"][0]
    assert refused["signer_id"] == second_signer["signer_id"] and refused["reason"] == "forced"
    # Another organization's key cannot force this organization's workflows.
    assert Api(server.url).control("POST", f"workflows/{two['workflow_id']}/expire").status_code == 404
    assert act(two["signers"][0], "sign").status_code == 410
