"""The dashboard page and its form endpoints; every /_mock route is in the OpenAPI document and answers."""
import base64
import re
import uuid

import pytest

from mock_server.app import create_app

ROOT_FIXTURES = "fixtures"


@pytest.fixture
def demo_app():
    application = create_app({"db": ":memory:", "fixtures": ROOT_FIXTURES})
    yield application
    application.extensions["sign8"].stop()


def test_the_page_shows_organizations_workflows_deliveries_and_requests(demo_app, workflow_builder, pdf_bytes):
    client = demo_app.test_client()
    key = {"Authorization": "Bearer demo-key-org-a"}
    built = workflow_builder(client, key, pdf_bytes, signers=1)
    wid = built["workflow"]["workflow_id"]
    client.post("/api/workflow/StartWorkflow", json={"workflow_id": wid}, headers=key)
    client.post(f"/_mock/workflows/{wid}/refuse", json={"reason": "no"})
    client.post("/api/workflow/AddWorkflow", json={}, headers=key)  # a contract violation
    page = client.get("/_mock/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Demo Org A" in html and "Demo Org B" in html
    assert "demo-key-org-a" not in html and "demo…" in html and "whsec_" not in html
    token = built["signers"][0]["signing_url"].rsplit("/", 1)[1]
    assert f'href="/sign/{token}"' in html
    assert re.search(r'data-event="workflowRefused" data-workflow="%s"' % wid, html)
    assert "validation_error" in html and "/api/workflow/AddWorkflow" in html
    assert "<script" not in html and "https://" not in html and "cdn" not in html.lower()  # offline page


def test_the_page_shows_the_organizations_own_settings(client, auth):
    client.patch("/_mock/organization", json={"name": "Acme Settings GmbH", "webhook_url": "http://127.0.0.1:9/acme"},
                 headers=auth)
    html = client.get("/_mock/", headers=auth).get_data(as_text=True)
    assert "Acme Settings GmbH" in html and "http://127.0.0.1:9/acme" in html
    assert "previous one signs" not in html
    client.post("/_mock/organization/webhook-secret", headers=auth)
    secret = client.post("/_mock/organization/webhook-secret", headers=auth).get_json()["webhook_secret"]
    html = client.get("/_mock/", headers=auth).get_data(as_text=True)
    until = client.get("/_mock/organization", headers=auth).get_json()["previous_webhook_secret_until"]
    assert f"the previous one signs too until {until}" in html
    assert secret not in html and "whsec_" not in html
    client.delete("/_mock/organization/webhook-secret", headers=auth)
    assert "previous one signs" not in client.get("/_mock/", headers=auth).get_data(as_text=True)


def test_advance_form_moves_the_clock_and_redirects(client):
    resp = client.post("/_mock/dashboard/advance", data={"seconds": "120", "organization_id": ""})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/_mock/")
    assert client.get("/_mock/clock").get_json()["offset_seconds"] == 120


def test_reset_form_resets_and_redirects(client, auth):
    client.post("/api/workflow/AddWorkflow", json={"name": "gone"}, headers=auth)
    resp = client.post("/_mock/dashboard/reset", data={})
    assert resp.status_code == 303
    assert client.get("/api/workflow/ListWorkflows", headers=auth).get_json()["total"] == 0


def test_redeliver_form_queues_the_event_again(app, client, auth, draft):
    wid = draft["workflow"]["workflow_id"]
    client.post("/api/workflow/StartWorkflow", json={"workflow_id": wid}, headers=auth)
    client.post(f"/_mock/workflows/{wid}/refuse", json={})
    first = client.get("/_mock/webhooks").get_json()["items"][0]
    resp = client.post("/_mock/dashboard/redeliver", data={"delivery_id": first["delivery_id"]})
    assert resp.status_code == 303
    items = client.get("/_mock/webhooks").get_json()["items"]
    assert items[0]["redelivery_of"] == first["delivery_id"] and items[0]["event_id"] == first["event_id"]
    missing = client.post("/_mock/dashboard/redeliver", data={"delivery_id": str(uuid.uuid4())})
    assert missing.status_code == 404


@pytest.mark.parametrize("path,data", [("/_mock/dashboard/advance", {"seconds": "soon"}),
                                       ("/_mock/dashboard/redeliver", {"delivery_id": "x"})])
def test_bad_forms_answer_422(client, path, data):
    resp = client.post(path, data=data)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "validation_error"


def test_the_admin_token_guards_the_dashboard_from_headers_only():
    app = create_app({"db": ":memory:", "admin_token": "s3cret"}, start_background=False)
    client = app.test_client()
    refused = client.get("/_mock/")
    # A browser is asked for the token (HTTP Basic); a token in the query string is never accepted.
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/_mock/?admin_token=s3cret").status_code == 401
    basic = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
    page = client.get("/_mock/", headers=basic)
    assert page.status_code == 200 and "s3cret" not in page.get_data(as_text=True)
    resp = client.post("/_mock/dashboard/advance", data={"seconds": "1"}, headers={"X-Admin-Token": "s3cret"})
    assert resp.status_code == 303 and "s3cret" not in resp.headers["Location"]


def test_every_mock_route_is_documented_and_answers_as_documented(client):
    spec = client.get("/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() if path.startswith("/_mock")
                  for method in ops if method in ("get", "post", "put", "patch", "delete")}
    routed = set()
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith("/_mock") and not rule.rule.startswith("/_mock/static"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    # /_mock/ is documented as its slash-less alias /_mock/dashboard (a path ending in "/" is a lint error).
    routed.discard(("/_mock/", "GET"))
    assert routed == documented
    for path, method in sorted(documented):
        url = path.replace("{delivery_id}", str(uuid.uuid4())).replace("{workflow_id}", str(uuid.uuid4()))
        resp = client.open(url, method=method,
                           json={} if method in ("POST", "PATCH") and "dashboard" not in url else None)
        answers = spec["paths"][path][method.lower()]["responses"]
        assert resp.status_code < 500, (method, path, resp.status_code)
        assert str(resp.status_code) in answers or "default" in answers, (method, path, resp.status_code)
