"""The caller's organization through the control API, tested through a live server: settings, webhook secret
rotation (verified with Standard Webhooks' own library), removal, persistence, snapshots and reset."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook

from sign8_flow import DEMO_ORG_A, FAST_RETRIES, ROOT, Api, Receiver, act, wait_until
from mock_server.domain.organizations import organization_id_for_key


@pytest.fixture
def server(live_server_factory):
    return live_server_factory({"webhook_retry_schedule": FAST_RETRIES})


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def org(api: Api) -> dict:
    resp = api.control("GET", "organization")
    assert resp.status_code == 200, resp.text
    return resp.json()


def patch(api: Api, body: dict, expect: int = 200) -> dict:
    resp = api.control("PATCH", "organization", body)
    assert resp.status_code == expect, resp.text
    return resp.json()


def new_secret(api: Api) -> str:
    resp = api.control("POST", "organization/webhook-secret")
    assert resp.status_code == 201, resp.text
    assert list(resp.json()) == ["webhook_secret"]
    return resp.json()["webhook_secret"]


def refused_delivery(api: Api, receiver: Receiver, count: int) -> dict:
    """Refuse a new workflow; return what the receiver got (the count-th webhook), headers lower-cased."""
    made = api.started(["a@example.com"])
    assert act(made["signers"][0], "refuse", reason="no").status_code == 200
    hit = receiver.wait_for("workflowRefused", count=count)
    assert hit["body"]["workflow_id"] == made["workflow_id"]
    return {**hit, "headers": {k.lower(): v for k, v in hit["headers"].items()}}


def test_get_shows_a_new_keys_organization(server):
    api = Api(server.url, key="my-ci-job-4711")
    body = org(api)
    assert body["organization_id"] == organization_id_for_key("my-ci-job-4711")
    assert body["name"] == "Organization for key my-ci-j\u2026"
    assert body["webhook_url"] is None and body["webhook_secret_set"] is False
    assert body["auth"] == "open" and body["known"] is False
    assert body["stored"] == {"workflows": 0, "files": 0, "messages": 0}
    assert body["clock"]["offset_seconds"] == 0
    api.started(["a@example.com", "b@example.com"])
    api.control("POST", "clock/advance", {"seconds": 3600})
    after = org(api)
    assert after["stored"] == {"workflows": 1, "files": 1, "messages": 2}  # one upload, two invitations
    assert after["clock"]["offset_seconds"] == 3600
    # Another key's organization is another one, and sees none of it.
    assert org(Api(server.url))["stored"] == {"workflows": 0, "files": 0, "messages": 0}


def test_without_a_key_it_is_a_401_naming_the_headers(server):
    resp = Api(server.url).control("GET", "organization", scoped=False)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "api_key_required"
    assert "Authorization: Bearer <key>" in resp.json()["error"]["message"]


def test_patch_sets_the_name_and_webhook_url_and_signers_see_the_name(server, receiver):
    api = Api(server.url)
    body = patch(api, {"name": "Acme GmbH", "webhook_url": receiver.url})
    assert body["name"] == "Acme GmbH" and body["webhook_url"] == receiver.url
    assert org(api)["name"] == "Acme GmbH"
    refused_delivery(api, receiver, 1)  # the organization's webhook_url is used (the workflow names none)
    invitation = api.control("GET", "messages", kind="invitation").json()["items"][0]
    assert "Acme GmbH" in invitation["text"]
    assert patch(api, {"webhook_url": None})["webhook_url"] is None
    assert org(api)["name"] == "Acme GmbH"  # a field not given is kept


@pytest.mark.parametrize("body, field", [({"name": ""}, "name"), ({"name": "a\r\nBcc: x@example.com"}, "name"),
                                         ({"webhook_url": "ftp://example.com"}, "webhook_url"),
                                         ({"organization_id": "x"}, "organization_id")])
def test_patch_refuses_bad_fields_with_422(server, body, field):
    resp = Api(server.url).control("PATCH", "organization", body)
    assert resp.status_code == 422, resp.text
    assert field in resp.json()["error"]["fields"]


def test_a_new_secret_signs_deliveries_and_removing_it_unsigns_them(server, receiver):
    api = Api(server.url)
    patch(api, {"webhook_url": receiver.url})
    refused_delivery(api, receiver, 1)
    assert "webhook-signature" not in receiver.received[0]["headers"] and \
        "webhook-signature" not in {k.lower() for k in receiver.received[0]["headers"]}
    secret = new_secret(api)
    assert secret.startswith("whsec_") and org(api)["webhook_secret_set"] is True
    assert secret not in str(org(api))  # shown once, never again
    hit = refused_delivery(api, receiver, 2)
    assert len(hit["headers"]["webhook-signature"].split(" ")) == 1
    assert Webhook(secret).verify(hit["raw"], hit["headers"])["event_id"] == hit["headers"]["webhook-id"]
    resp = api.control("DELETE", "organization/webhook-secret")
    assert resp.status_code == 204 and resp.content == b""
    assert org(api)["webhook_secret_set"] is False
    hit = refused_delivery(api, receiver, 3)
    assert not {"webhook-id", "webhook-signature", "webhook-timestamp"} & set(hit["headers"])


def test_rotation_signs_with_both_secrets_for_a_day(server, receiver):
    api = Api(server.url)
    patch(api, {"webhook_url": receiver.url})
    old = new_secret(api)
    assert org(api)["previous_webhook_secret_until"] is None
    new = new_secret(api)
    until = datetime.fromisoformat(org(api)["previous_webhook_secret_until"].replace("Z", "+00:00"))
    assert abs(until - (datetime.now(timezone.utc) + timedelta(hours=24))) < timedelta(minutes=1)
    hit = refused_delivery(api, receiver, 1)
    signatures = hit["headers"]["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    # A receiver still on the old secret and one already on the new one both accept this delivery.
    for secret in (old, new):
        assert Webhook(secret).verify(hit["raw"], hit["headers"])["workflow_id"] == hit["body"]["workflow_id"]
    with pytest.raises(Exception):
        Webhook(old).verify(hit["raw"].replace(b"no", b"yes"), hit["headers"])
    # The mock clock does not end the overlap (it is real time): a year ahead, both still sign.
    api.control("POST", "clock/advance", {"seconds": 366 * 86400})
    assert len(refused_delivery(api, receiver, 2)["headers"]["webhook-signature"].split(" ")) == 2


def test_the_overlap_ends_after_24_hours_of_real_time(server, receiver):
    api = Api(server.url)
    patch(api, {"webhook_url": receiver.url})
    new_secret(api)
    new = new_secret(api)
    # The day passes: move the previous secret's end into the past, as 24 h of real time would.
    org_id = organization_id_for_key(api.key)
    services = server.services
    record = services.organizations.get(org_id)
    with services.store.transaction() as tx:
        tx.put("organizations", {**record, "previous_webhook_secret_until": "2020-01-01T00:00:00.000Z"})
    assert org(api)["previous_webhook_secret_until"] is None
    hit = refused_delivery(api, receiver, 1)
    assert len(hit["headers"]["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(hit["raw"], hit["headers"])


def test_settings_survive_a_restart_and_a_reset_clears_them(live_server_factory, tmp_path):
    db = str(tmp_path / "mock.json")
    first = live_server_factory({"db": db})
    api = Api(first.url)
    patch(api, {"name": "Acme GmbH", "webhook_url": "http://127.0.0.1:9/hooks"})
    new_secret(api)
    first.stop()
    api = Api(live_server_factory({"db": db}).url, key=api.key)
    body = org(api)
    assert (body["name"], body["webhook_url"], body["webhook_secret_set"]) == \
        ("Acme GmbH", "http://127.0.0.1:9/hooks", True)
    assert api.control("POST", "reset").status_code == 200
    body = org(api)
    assert (body["name"], body["webhook_url"], body["webhook_secret_set"]) == \
        (f"Organization for key {api.key[:7]}\u2026", None, False)


def test_a_known_organizations_settings_beat_its_fixture_until_a_reset(live_server_factory, tmp_path):
    config = {"db": str(tmp_path / "mock.json"), "organizations_file": str(ROOT / "fixtures" / "organizations.json")}
    first = live_server_factory(config)
    api = Api(first.url, key=DEMO_ORG_A["api_key"])
    assert org(api)["name"] == "Demo Org A" and org(api)["known"] is True
    patch(api, {"name": "Renamed"})
    api.control("DELETE", "organization/webhook-secret")
    first.stop()
    api.url = live_server_factory(config).url.rstrip("/")  # a restart loads the fixtures again
    assert org(api)["name"] == "Renamed" and org(api)["webhook_secret_set"] is False
    api.control("POST", "reset")
    assert org(api)["name"] == "Demo Org A" and org(api)["webhook_secret_set"] is True


def test_settings_survive_snapshots_and_imports(server):
    api = Api(server.url)
    patch(api, {"name": "Acme GmbH", "webhook_url": "http://127.0.0.1:9/hooks"})
    new_secret(api)
    new_secret(api)
    settings = ("name", "webhook_url", "webhook_secret_set", "previous_webhook_secret_until")
    before = {k: org(api)[k] for k in settings}
    assert before["previous_webhook_secret_until"] is not None
    # The organization's own snapshot, imported with its key, leaves the settings as they are.
    own = api.control("GET", "snapshot").json()
    assert api.control("POST", "snapshot", own).status_code == 200
    assert {k: org(api)[k] for k in settings} == before
    # The operator's snapshot carries them: after a reset of everything, importing it brings them back.
    everything = api.control("GET", "snapshot", scoped=False).json()
    assert api.control("POST", "reset", scoped=False).status_code == 200
    assert org(api)["name"] != "Acme GmbH"
    assert api.control("POST", "snapshot", everything, scoped=False).status_code == 200
    assert {k: org(api)[k] for k in settings} == before
