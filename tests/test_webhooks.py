"""Webhook delivery over real HTTP: retries, failure, 410, Retry-After, signatures, the log, a restart."""
from __future__ import annotations

import signal
import time

import pytest
from standardwebhooks import Webhook

from sign8_flow import DEMO_ORG_A, FAST_RETRIES, ROOT, Api, Receiver, act, down_receiver, wait_until

SLOWER_RETRIES = (0, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3)


@pytest.fixture
def servers(live_server_factory):
    """Return a factory of live servers (in-memory db, retries milliseconds apart), all stopped at teardown."""
    return lambda **config: live_server_factory({"webhook_retry_schedule": FAST_RETRIES, **config})


@pytest.fixture
def receivers():
    made = []

    def make(*args, down: bool = False, **kwargs):
        r = down_receiver() if down else Receiver(*args, **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.stop()


def refuse_one(api: Api, url: str) -> dict:
    made = api.started(["a@example.com"], webhook_url=url)
    assert act(made["signers"][0], "refuse", reason="no").status_code == 200
    return made


def delivery_of(api: Api, workflow_id: str, status: str | None = None, timeout: float = 5.0) -> dict:
    def find():
        items = api.deliveries(workflow_id=workflow_id)
        return items[0] if items and (status is None or items[0]["status"] == status) else None
    found = wait_until(find, timeout=timeout)
    assert found, (status, api.deliveries(workflow_id=workflow_id))
    return found


def test_receiver_down_then_up_gets_event_once_with_same_event_id(servers, receivers):
    api = Api(servers(webhook_retry_schedule=SLOWER_RETRIES).url)
    receiver = receivers(down=True)
    made = refuse_one(api, receiver.url)
    first = wait_until(lambda: (d := api.deliveries(workflow_id=made["workflow_id"])[0])["attempts"] and d)
    assert first["status"] == "pending" and "Connection" in first["attempts"][0]["error"]
    receiver.start()
    delivered = delivery_of(api, made["workflow_id"], "delivered")
    assert len(delivered["attempts"]) >= 2 and delivered["attempts"][-1]["status_code"] == 200
    api.idle()
    bodies = receiver.bodies()
    assert len(bodies) == 1 and bodies[0]["event_id"] == first["event_id"] == delivered["event_id"]


def test_receiver_always_failing_ends_failed_after_schedule(servers, receivers):
    api = Api(servers().url)
    receiver = receivers(default=(500, {}, 0))
    made = refuse_one(api, receiver.url)
    failed = delivery_of(api, made["workflow_id"], "failed")
    assert len(failed["attempts"]) == len(FAST_RETRIES) == len(receiver.received)
    assert all(a["status_code"] == 500 and a["url"].endswith("/workflowRefused") for a in failed["attempts"])
    assert all(a["at"] for a in failed["attempts"])
    assert "500" in failed["error"]
    assert len({b["event_id"] for b in receiver.bodies()}) == 1
    listed = api.deliveries(status="failed", event="workflowRefused")
    assert [d["delivery_id"] for d in listed] == [failed["delivery_id"]]


def test_410_from_receiver_stops_retries(servers, receivers):
    api = Api(servers().url)
    receiver = receivers(default=(410, {}, 0))
    made = refuse_one(api, receiver.url)
    failed = delivery_of(api, made["workflow_id"], "failed")
    api.idle()  # nothing more is due: a 410 ends the schedule
    assert len(receiver.received) == 1 and len(failed["attempts"]) == 1
    assert "410" in failed["error"]


def test_redirect_is_not_followed_but_retried(servers, receivers):
    api = Api(servers().url)
    elsewhere = receivers()
    receiver = receivers([(302, {"Location": elsewhere.url + "/x"}, 0)])
    made = refuse_one(api, receiver.url)
    delivered = delivery_of(api, made["workflow_id"], "delivered")
    assert [a["status_code"] for a in delivered["attempts"]] == [302, 200]
    assert elsewhere.received == []


def test_retry_after_is_honoured(servers, receivers):
    api = Api(servers().url)
    receiver = receivers([(503, {"Retry-After": "1"}, 0)])
    made = refuse_one(api, receiver.url)
    delivery_of(api, made["workflow_id"], "delivered")
    first, second = receiver.received
    # The schedule alone would retry after 50 ms.
    assert second["at"] - first["at"] >= 0.95


def test_standard_webhooks_signature_verifies(servers, receivers):
    api = Api(servers(organizations_file=str(ROOT / "fixtures" / "organizations.json")).url,
              key=DEMO_ORG_A["api_key"])
    receiver = receivers()
    made = refuse_one(api, receiver.url)
    assert wait_until(receiver.ok, timeout=2)
    hit = receiver.received[0]
    headers = {k.lower(): v for k, v in hit["headers"].items()}
    assert headers["organisation_id"] == DEMO_ORG_A["organization_id"]
    payload = Webhook(DEMO_ORG_A["webhook_secret"]).verify(hit["raw"], headers)
    assert payload["workflow_id"] == made["workflow_id"]
    assert headers["webhook-id"] == payload["event_id"]
    # Signed with the wall clock even when the organization's mock clock is far ahead.
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    with pytest.raises(Exception):
        Webhook(DEMO_ORG_A["webhook_secret"]).verify(hit["raw"].replace(b"no", b"yes"), headers)


def test_no_signature_headers_without_secret(servers, receivers):
    api = Api(servers().url)
    receiver = receivers()
    refuse_one(api, receiver.url)
    assert wait_until(receiver.ok, timeout=2)
    assert not {"webhook-id", "webhook-signature"} & {k.lower() for k in receiver.received[0]["headers"]}


def test_no_webhook_url_is_recorded_undeliverable(servers):
    api = Api(servers().url)
    made = api.started(["a@example.com"])
    assert act(made["signers"][0], "refuse").status_code == 200
    d = delivery_of(api, made["workflow_id"])
    assert d["status"] == "undeliverable" and d["url"] is None and d["error"]
    assert d["payload"]["event"] == "workflowRefused"


def test_log_filters_and_redeliver_keeps_event_id(servers, receivers):
    api = Api(servers().url)
    receiver = receivers()
    refused = refuse_one(api, receiver.url)
    other = api.started(["b@example.com"], webhook_url=receiver.url)
    assert api.control("POST", f"workflows/{other['workflow_id']}/expire").status_code == 200
    assert wait_until(lambda: len(receiver.ok()) == 2, timeout=2)
    assert {d["event"] for d in api.deliveries(event="workflowExpired")} == {"workflowExpired"}
    original = delivery_of(api, refused["workflow_id"], "delivered")
    resp = api.control("POST", f"webhooks/{original['delivery_id']}/redeliver")
    assert resp.status_code == 202
    fresh = resp.json()
    assert fresh["event_id"] == original["event_id"] and fresh["delivery_id"] != original["delivery_id"]
    assert wait_until(lambda: len(receiver.ok()) == 3, timeout=2)
    assert receiver.bodies()[-1]["event_id"] == original["event_id"]
    assert api.control("POST", "webhooks/nope/redeliver").status_code == 404
    # Another organization's key sees none of these deliveries.
    assert Api(api.url).deliveries() == []


def test_pending_delivery_survives_restart(server_process, tmp_path, receivers):
    db = tmp_path / "db.json"
    env = {"SIGN8_MOCK_WEBHOOK_RETRY_SCHEDULE": ",".join(["0"] + ["0.5"] * 20)}
    receiver = receivers(down=True)
    proc = server_process(db, env=env)
    api = Api(proc.url)
    made = refuse_one(api, receiver.url)
    pending = wait_until(lambda: (d := api.deliveries(workflow_id=made["workflow_id"])[0])["attempts"] and d)
    assert pending["status"] == "pending"
    assert proc.stop(signal.SIGTERM) == 0
    receiver.start()
    assert receiver.received == []  # nobody sends while the mock is down
    api = Api(server_process(db, env=env).url, key=api.key)
    delivered = delivery_of(api, made["workflow_id"], "delivered")
    assert delivered["event_id"] == pending["event_id"]
    assert [b["event_id"] for b in receiver.bodies()] == [pending["event_id"]]


def test_events_of_one_workflow_are_delivered_in_order(servers, receivers):
    api = Api(servers(webhook_retry_schedule=SLOWER_RETRIES).url)
    receiver = receivers(answers=[(500, {}, 0), (500, {}, 0)])
    made = refuse_one(api, receiver.url)
    first = wait_until(lambda: (d := api.deliveries(workflow_id=made["workflow_id"])[0])["attempts"] and d)
    assert first["status"] == "pending"
    # A second event of the same workflow, queued while the first is still being retried.
    second = api.control("POST", f"webhooks/{first['delivery_id']}/redeliver").json()
    done = wait_until(lambda: all(d["status"] == "delivered" for d in api.deliveries(workflow_id=made["workflow_id"]))
                      and api.deliveries(workflow_id=made["workflow_id"]), timeout=10)
    assert done, api.deliveries(workflow_id=made["workflow_id"])
    by_id = {d["delivery_id"]: d for d in done}
    first, second = by_id[first["delivery_id"]], by_id[second["delivery_id"]]
    assert len(first["attempts"]) == 3 and len(second["attempts"]) == 1
    assert second["attempts"][0]["at"] >= first["delivered_at"]


def test_idle_waits_for_the_sender_and_is_per_organization(servers, receivers):
    """/_mock/idle answers 503 busy while a delivery is on its way, 200 once it is delivered; another
    organization's idle does not wait for it."""
    server = servers()
    api, other = Api(server.url), Api(server.url)
    receiver = receivers(default=(200, {}, 1.5))  # answers each webhook after 1.5 s
    made = refuse_one(api, receiver.url)
    assert wait_until(lambda: api.deliveries(workflow_id=made["workflow_id"]))
    busy = api.control("GET", "idle", timeout=0.2)
    assert busy.status_code == 503 and busy.json()["error"]["code"] == "busy"
    assert other.control("GET", "idle", timeout=0.2).status_code == 200
    api.idle(timeout=10)
    assert len(receiver.bodies()) == 1
    assert api.deliveries(workflow_id=made["workflow_id"])[0]["status"] == "delivered"
