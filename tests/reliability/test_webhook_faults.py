"""Webhook delivery under receiver faults: down, slow, 500, late 200, the mock killed mid-schedule."""
from __future__ import annotations

import signal

import pytest

from sign8_flow import Api, LiveServer, Receiver, act, down_receiver, wait_until

TIMEOUT = 0.3
SCHEDULE = (0, 0.1, 0.2, 0.3, 0.4, 0.5)


@pytest.fixture
def server():
    live = LiveServer({"webhook_retry_schedule": SCHEDULE, "webhook_timeout": TIMEOUT})
    yield live
    live.stop()


def refuse(api: Api, url: str) -> str:
    made = api.started(["a@example.com"], webhook_url=url)
    assert act(made["signers"][0], "refuse").status_code == 200
    return made["workflow_id"]


def settled(api: Api, workflow_id: str, timeout: float = 8.0) -> dict:
    found = wait_until(lambda: [d for d in api.deliveries(workflow_id=workflow_id)
                                if d["status"] in ("delivered", "failed")], timeout=timeout)
    assert found, api.deliveries(workflow_id=workflow_id)
    return found[0]


@pytest.mark.parametrize("answers, attempts", [
    pytest.param([(500, {}, 0), (500, {}, 0)], 3, id="500-then-ok"),
    pytest.param([(200, {}, TIMEOUT * 2)], 2, id="slow-past-timeout"),
    pytest.param([(200, {}, TIMEOUT / 3)], 1, id="ok-after-delay"),
    pytest.param([(503, {}, TIMEOUT * 2), (502, {}, 0), (200, {}, TIMEOUT / 3)], 3, id="mixed"),
])
def test_every_event_delivered_with_one_event_id(server, answers, attempts):
    receiver = Receiver(answers)
    api = Api(server.url)
    wid = refuse(api, receiver.url)
    delivery = settled(api, wid)
    assert delivery["status"] == "delivered"
    bodies = receiver.bodies()
    assert bodies and {b["event_id"] for b in bodies} == {delivery["event_id"]}
    assert delivery["attempts"][-1]["status_code"] == 200
    # One attempt per scripted answer until the first 200, then no more.
    assert len(delivery["attempts"]) == attempts == len(receiver.received)
    failures = [a for a in delivery["attempts"][:-1]]
    assert all(a["error"] or a["status_code"] >= 500 for a in failures)
    receiver.stop()


def test_receiver_down_then_up(server):
    receiver = down_receiver()
    api = Api(server.url)
    wid = refuse(api, receiver.url)
    assert wait_until(lambda: len(api.deliveries(workflow_id=wid)[0]["attempts"]) >= 2)
    receiver.start()
    delivery = settled(api, wid)
    assert delivery["status"] == "delivered"
    assert [b["event_id"] for b in receiver.bodies()] == [delivery["event_id"]]
    receiver.stop()


def test_permanently_slow_receiver_ends_failed_in_log(server):
    receiver = Receiver(default=(200, {}, TIMEOUT * 2))
    api = Api(server.url)
    wid = refuse(api, receiver.url)
    delivery = settled(api, wid)
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == len(SCHEDULE)
    assert all("Timeout" in a["error"] for a in delivery["attempts"])
    assert [d["delivery_id"] for d in api.deliveries(status="failed")] == [delivery["delivery_id"]]
    receiver.stop()


def test_mock_killed_mid_schedule_delivers_after_restart(server_process, tmp_path):
    db = tmp_path / "db.json"
    env = {"SIGN8_MOCK_WEBHOOK_RETRY_SCHEDULE": "0,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3",
           "SIGN8_MOCK_WEBHOOK_TIMEOUT": str(TIMEOUT)}
    receiver = Receiver(default=(500, {}, 0))
    proc = server_process(db, env=env)
    api = Api(proc.url)
    ids = [refuse(api, receiver.url) for _ in range(3)]
    assert wait_until(lambda: all(len(api.deliveries(workflow_id=w)[0]["attempts"]) >= 2 for w in ids))
    proc.stop(signal.SIGKILL)
    receiver.default = (200, {}, 0)
    api = Api(server_process(db, env=env).url, key=api.key)
    for wid in ids:
        delivery = settled(api, wid)
        assert delivery["status"] == "delivered"
        ok = [r["body"] for r in receiver.ok() if r["body"]["workflow_id"] == wid]
        assert ok and {b["event_id"] for b in ok} == {delivery["event_id"]}
        assert {b["event_id"] for b in receiver.bodies() if b["workflow_id"] == wid} == {delivery["event_id"]}
    receiver.stop()
