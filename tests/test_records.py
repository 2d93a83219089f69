"""One definition per record shape (domain/records.py): whoever stores a workflow, file, signer, signature,
annotation, interface or webhook delivery (the API, the seed scenario, the documents worker, the outbox, the
benchmark's prefill, tests), the record has the fields its builder gives, and nobody spells the shape out again."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mock_server.app import create_app
from conftest import build_workflow
from sign8_flow import ROOT, wait_until
from mock_server.domain import records
from mock_server.pytest_plugin import WebhookReceiver
from mock_server.seed import seed_folder

FIXTURES = ROOT / "fixtures"
KEY_A = {"Authorization": "Bearer demo-key-org-a"}

# The shape each builder gives, from the builder itself (minimal arguments).
SHAPES = {
    "workflows": records.workflow_record(organization_id="o", name="n", now="t", expires_at="e"),
    "files": records.file_record(workflow_id="w", organization_id="o", file_name="f.pdf", size=1, sha256="s",
                                 page_count=1, now="t"),
    "signers": records.signer_record(workflow_id="w", organization_id="o", email="e@example.com", order=1, now="t"),
    "signatures": records.signature_record(workflow_id="w", organization_id="o", file_id="f", signer_id="s", page=1,
                                           x=0, y=0, width=1, height=1, now="t"),
    "annotations": records.annotation_record(workflow_id="w", organization_id="o", file_id="f", page=1, x=0, y=0,
                                             text="t", now="t"),
    "interfaces": records.interface_record(organization_id="o", now="t"),
    "deliveries": records.delivery_record(body={"event_id": "e", "event": "workflowRefused", "workflow_id": "w",
                                                "organization_id": "o"}, url=None, now="t", seq=1),
}
REDELIVERY = records.delivery_record(body={"event_id": "e", "event": "workflowRefused", "workflow_id": "w",
                                           "organization_id": "o"}, url=None, now="t", seq=2, redelivery_of="d")
PRODUCED_FILE = records.file_record(workflow_id="w", organization_id="o", file_name="f.pdf", size=1, sha256="s",
                                    page_count=1, now="t", kind="signed", source_file_id="f")
# Fields a record gains after it is built: a workflow's state changes stamp it, the documents worker links its
# audit report, the sender stamps a delivery's success. No other record grows.
LATER_FIELDS = {table: set() for table in SHAPES} | {
    "workflows": {"started_at", "completed_at", "refused_at", "expired_at", "cancelled_at", "audit_report_file_id"},
    "deliveries": {"delivered_at"}}


def shape_problems(table: str, row: dict) -> list[str]:
    """What differs between a stored row and its builder's shape (missing fields, fields nobody builds)."""
    shape = SHAPES[table]
    if table == "files" and not records.is_original(row):
        shape = PRODUCED_FILE
    if table == "deliveries" and "redelivery_of" in row:
        shape = REDELIVERY
    missing = set(shape) - set(row)
    unknown = set(row) - set(shape) - LATER_FIELDS[table]
    problems = []
    if missing:
        problems.append(f"{table} row without {sorted(missing)}")
    if unknown:
        problems.append(f"{table} row with fields no builder makes: {sorted(unknown)}")
    return problems


@pytest.fixture
def busy_instance(pdf_bytes):
    """An instance with every kind of record: the seed scenario, API calls, a completion (signed files, an audit
    report, deliveries) and a refusal (a delivered webhook and its redelivery)."""
    receiver = WebhookReceiver()
    app = create_app({"db": ":memory:", "fixtures": str(FIXTURES)})
    svc = app.extensions["sign8"]
    seed_folder(svc, FIXTURES)
    client = app.test_client()
    post = lambda op, body: client.post(f"/api/workflow/{op}", json=body, headers=KEY_A)  # noqa: E731
    made = build_workflow(client, KEY_A, pdf_bytes, signers=1, webhook_url=receiver.url)
    wf, f, signer = made["workflow"], made["file"], made["signers"][0]
    assert post("AddAnnotation", {"workflow_id": wf["workflow_id"], "file_id": f["file_id"], "page": 1, "x": 10,
                                  "y": 200, "text": "Ref. 42"}).status_code == 201
    assert post("AddInterface", {"name": "Brand"}).status_code == 201
    assert post("StartWorkflow", {"workflow_id": wf["workflow_id"]}).status_code == 200
    token = signer["signing_url"].rsplit("/", 1)[-1]
    assert client.post(f"/sign/{token}/refuse", json={"reason": "no"}).status_code == 200
    in_progress = [w for w in svc.store.all("workflows") if w["status"] == "in_progress"]
    for s in svc.store.all("signers"):
        if s["workflow_id"] in {w["workflow_id"] for w in in_progress} and s["status"] == "pending":
            assert client.post(f"/sign/{s['token']}/sign", json={}).status_code == 200
    assert wait_until(lambda: {"signed", "audit_report"} <= {f.get("kind") for f in svc.store.all("files")}, timeout=60)
    delivered = wait_until(lambda: [d for d in svc.store.all("deliveries") if d["status"] == "delivered"])
    assert delivered
    svc.redeliver(None, delivered[0]["delivery_id"])
    assert svc.idle(10)
    yield svc
    svc.stop()
    receiver.stop()


def test_every_stored_record_has_its_builders_shape(busy_instance):
    rows = {table: busy_instance.store.all(table) for table in SHAPES}
    assert {t: len(r) > 0 for t, r in rows.items()} == {t: True for t in SHAPES}, "every table is exercised"
    assert {None, "signed", "audit_report"} <= {f.get("kind") for f in rows["files"]}
    assert {"delivered_at", "redelivery_of"} <= {field for d in rows["deliveries"] for field in d}
    problems = [p for table, table_rows in rows.items() for row in table_rows for p in shape_problems(table, row)]
    assert problems == []


def test_a_hand_built_record_is_told_apart():
    """The check above can fail: a record spelled out by hand, one field short, is reported."""
    hand_made = {k: v for k, v in SHAPES["workflows"].items() if k != "events"}
    assert shape_problems("workflows", hand_made) == ["workflows row without ['events']"]


def dict_literals_shaped_like_records(path: Path) -> list[str]:
    """Dict literals that spell out most of a stored record (with its organization_id and created_at)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Dict):
            continue
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        if not {"organization_id", "created_at"} <= keys:
            continue
        for table, shape in SHAPES.items():
            if len(keys & set(shape)) >= 0.75 * len(shape):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} builds a {table} record by hand")
    return found


def test_no_record_shape_is_spelled_out_outside_records_py():
    # bench/.tmp holds git-ignored scratch, e.g. whole older revisions that bench/compare_revs.sh runs.
    sources = [p for folder in ("mock_server", "bench", "tests") for p in (ROOT / folder).rglob("*.py")
               if p != ROOT / "mock_server" / "domain" / "records.py" and ROOT / "bench" / ".tmp" not in p.parents]
    assert len(sources) > 50
    assert [hit for path in sources for hit in dict_literals_shaped_like_records(path)] == []
