"""Every /_mock operation whose body the document marks required refuses a call without one: a documented 4xx
with the one JSON error shape, and nothing changes."""
from __future__ import annotations

from conftest import bearer, new_key

PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


def test_a_required_body_is_enforced_with_a_documented_json_error(client):
    doc = client.get("/openapi.json").get_json()
    key = bearer(new_key())
    before_clock = client.get("/_mock/clock", headers=key).get_json()
    checked = []
    for path, operations in doc["paths"].items():
        if not path.startswith("/_mock"):
            continue
        for method, op in operations.items():
            if not isinstance(op, dict) or not op.get("requestBody", {}).get("required"):
                continue
            url = path
            for name in ("workflow_id", "delivery_id", "rule_id", "message_id"):
                url = url.replace("{%s}" % name, PLACEHOLDER)
            resp = client.open(url, method=method.upper(), headers=key)
            assert 400 <= resp.status_code < 500, (method, path, resp.status_code)
            assert resp.is_json and set(resp.get_json()["error"]) >= {"code", "message"}, (method, path)
            assert str(resp.status_code) in op["responses"], (method, path, resp.status_code, "undocumented")
            checked.append(f"{method.upper()} {path}")
    assert {"POST /_mock/clock/advance", "POST /_mock/clock/set", "POST /_mock/faults",
            "POST /_mock/snapshot"} <= set(checked)
    assert client.get("/_mock/clock", headers=key).get_json()["offset_seconds"] == before_clock["offset_seconds"]
    assert client.get("/_mock/faults", headers=key).get_json()["items"] == []
