"""The workflow state machine: final states stay final, the audit trail, and the refuse/sign/expire race."""
from __future__ import annotations

import threading


from sign8_flow import Api, act, iso_in, wait_until

FINAL_EVENTS = {"completed", "refused", "expired", "cancelled"}


def transitions(workflow: dict) -> list[dict]:
    """The workflow's events without those of its documents (documents_ready / _failed come after the final state)."""
    return [e for e in workflow["events"] if not e["type"].startswith("documents_")]
RACE_ROUNDS = 30


def test_refused_trail_and_final_state_never_changes(server, receiver):
    api = Api(server.url)
    made = api.started(["a@example.com", "b@example.com"], webhook_url=receiver.url, expires_at=iso_in(600))
    first, second = made["signers"]
    assert act(first, "sign").status_code == 200
    assert act(second, "refuse", reason="too expensive").status_code == 200
    wid = made["workflow_id"]
    assert api.post("CancelWorkflow", {"workflow_id": wid}).status_code == 409
    assert api.control("POST", f"workflows/{wid}/expire").status_code == 409
    assert api.control("POST", "clock/advance", {"seconds": 3600}).json()["expired"] == []
    detail = api.workflow(wid)
    assert detail["status"] == "refused"
    trail = transitions(detail)
    assert [e["type"] for e in trail] == ["created", "started", "signer_signed", "signer_refused", "refused"]
    assert trail[3]["signer_id"] == second["signer_id"]
    assert trail[-1]["actor"] == f"signer:{second['signer_id']}"
    refused_signer = detail["signers"][1]
    assert refused_signer["refusal_reason"] == "too expensive" and refused_signer["refused_at"]
    api.idle()
    assert [r["path"] for r in receiver.received] == ["/api/workflow/workflowRefused"]


def test_cancel_sends_no_webhook_and_closes_links(server, receiver):
    api = Api(server.url)
    made = api.started(["a@example.com"], webhook_url=receiver.url, expires_at=iso_in(600))
    assert api.post("CancelWorkflow", {"workflow_id": made["workflow_id"]}).json()["status"] == "cancelled"
    assert api.control("POST", "clock/advance", {"seconds": 3600}).json()["expired"] == []
    assert transitions(api.workflow(made["workflow_id"]))[-1]["type"] == "cancelled"
    api.idle()
    assert receiver.received == [] and api.deliveries() == []


def test_completed_workflow_does_not_expire(server, receiver):
    api = Api(server.url)
    made = api.started(["a@example.com"], webhook_url=receiver.url, expires_at=iso_in(600))
    assert act(made["signers"][0], "sign").json()["workflow_status"] == "completed"
    api.control("POST", "clock/advance", {"seconds": 3600})
    assert api.workflow(made["workflow_id"])["status"] == "completed"
    assert api.deliveries() == []


def _race_round(server_url: str, receiver_url: str) -> dict:
    """Sign the last signature, refuse, and move the clock past expiry, all at once."""
    api = Api(server_url)
    made = api.started(["a@example.com", "b@example.com"], webhook_url=receiver_url, expires_at=iso_in(600))
    first, last = made["signers"]
    assert act(first, "sign").status_code == 200
    barrier = threading.Barrier(4)
    answers = {}

    def run(name, call):
        barrier.wait()
        answers[name] = call()

    calls = {
        "sign": lambda: act(last, "sign"),
        "refuse": lambda: act(last, "refuse", reason="race"),
        "advance": lambda: api.control("POST", "clock/advance", {"seconds": 3600}),
        "force_expire": lambda: api.control("POST", f"workflows/{made['workflow_id']}/expire"),
    }
    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    detail = api.workflow(made["workflow_id"])
    return {"api": api, "detail": detail, "answers": answers}


def test_race_ends_in_one_final_state_and_one_webhook(server, receiver):
    outcomes = []
    for _ in range(RACE_ROUNDS):
        result = _race_round(server.url, receiver.url)
        detail = result["detail"]
        answers = {name: resp.status_code for name, resp in result["answers"].items()}
        assert all(code < 500 for code in answers.values()), answers
        status = detail["status"]
        assert status in {"completed", "refused", "expired"}
        finals = [e["type"] for e in detail["events"] if e["type"] in FINAL_EVENTS]
        assert finals == [status], detail["events"]
        # Exactly one of the signer's two actions, or neither if expiry came first.
        link_wins = [name for name in ("sign", "refuse") if answers[name] == 200]
        assert len(link_wins) == (0 if status == "expired" else 1), (status, answers)
        assert answers["advance"] == 200
        by_clock = detail["workflow_id"] in result["answers"]["advance"].json()["expired"]
        by_force = answers["force_expire"] == 200
        assert answers["force_expire"] in (200, 409)
        # Exactly one of the two expiry paths did it, and only if the workflow ended expired.
        assert by_clock + by_force == (status == "expired"), (status, answers, by_clock)
        deliveries = result["api"].deliveries(workflow_id=detail["workflow_id"])
        expected = {"completed": [], "refused": ["workflowRefused"], "expired": ["workflowExpired"]}[status]
        assert [d["event"] for d in deliveries] == expected
        outcomes.append((detail["workflow_id"], status))
    webhooks = [wid for wid, status in outcomes if status != "completed"]
    assert wait_until(lambda: len(receiver.ok()) >= len(webhooks), timeout=5)
    Api(server.url).idle(scoped=False)
    assert sorted(b["workflow_id"] for b in receiver.bodies()) == sorted(webhooks)
    print("race outcomes:", {s: sum(1 for _, x in outcomes if x == s) for s in ("completed", "refused", "expired")})
