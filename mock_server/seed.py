"""Load a fixtures folder (organizations.json, seed/*.json) idempotently: fixed ids, existing records are kept."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from .domain import defaults
from .domain.clock import iso
from .domain.pdf import page_sizes
from .domain.records import (event, file_record, interface_record, signature_record, signer_record,
                             workflow_record)

FINAL_STAMP = {"completed": "completed_at", "refused": "refused_at", "expired": "expired_at",
               "cancelled": "cancelled_at"}


class SeedError(ValueError):
    pass


def seed_folder(services, folder) -> dict:
    """Load organizations.json, then every seed/*.json scenario; return counts of records created."""
    folder = Path(folder)
    counts: dict[str, int] = {}
    orgs = folder / "organizations.json"
    if orgs.exists():
        counts["organizations"] = services.organizations.load_file(orgs)
    for scenario in sorted((folder / "seed").glob("*.json")):
        for table, n in load_scenario(services, scenario).items():
            counts[table] = counts.get(table, 0) + n
    return counts


def load_scenario(services, path: Path) -> dict:
    """Write a scenario's records that do not exist yet; return how many of each were created."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    org_id = data["organization_id"]
    if services.organizations.get(org_id) is None:
        raise SeedError(f"{path}: organization {org_id} is not loaded (add it to organizations.json).")
    store = services.store
    now_dt = services.clock.now(org_id)
    records = {"interfaces": [_interface(i, org_id, iso(now_dt)) for i in data.get("interfaces", [])]}
    for n, spec in enumerate(data.get("workflows", [])):
        # Spread creation times so "newest first" lists keep the scenario's order.
        created = now_dt - timedelta(hours=len(data["workflows"]) - n)
        for table, docs in _workflow_records(services, path.parent, spec, org_id, created).items():
            records.setdefault(table, []).extend(docs)
    created_counts = {}
    final = []
    with store.transaction() as tx:
        for table, docs in records.items():
            key = store.key_field(table)
            fresh = [d for d in docs if store.get(table, d[key]) is None]
            for doc in fresh:
                tx.put(table, doc)
                if table == "workflows" and doc["status"] in defaults.FINAL_STATUSES:
                    final.append(doc)
            created_counts[table] = len(fresh)
        for wf in final:  # after every record is in: their signed files and audit reports, made after the commit
            services.document_jobs.queue(tx, wf)
    return created_counts


def _interface(spec: dict, org_id: str, now: str) -> dict:
    return interface_record(organization_id=org_id, now=now, interface_id=spec["interface_id"],
                            **{k: spec.get(k) for k in ("name", "primary_color", "icon_file_id", "logo_file_id")})


def _workflow_records(services, base: Path, spec: dict, org_id: str, created_dt) -> dict:
    status = spec["status"]
    if status not in defaults.WORKFLOW_STATUSES:
        raise SeedError(f"Unknown status '{status}' in seed workflow {spec.get('workflow_id')}.")
    wid = spec["workflow_id"]
    created = iso(created_dt)
    acted = iso(created_dt + timedelta(minutes=30))
    expires_dt = created_dt - timedelta(minutes=1) if status == "expired" else created_dt + timedelta(days=30)
    if status == "expired":
        created = iso(created_dt - timedelta(days=31))
        acted = iso(expires_dt)
    file_spec = spec["file"]
    pdf = (base / file_spec["path"]).read_bytes()
    digest = services.store.blobs.put(pdf)
    sizes = page_sizes(pdf)
    file_doc = file_record(file_id=file_spec["file_id"], workflow_id=wid, organization_id=org_id,
                           file_name=file_spec.get("file_name") or Path(file_spec["path"]).name, size=len(pdf),
                           sha256=digest, page_count=len(sizes), page_sizes=sizes, now=created)
    signers, signatures = [], []
    events = [event("created", created, "seed")]
    if status != "draft":
        events.append(event("started", created, "seed"))
    for i, s in enumerate(spec["signers"]):
        signers.append(_signer(s, wid, org_id, created, acted))
        signatures.append(signature_record(signature_id=s["signature_id"], organization_id=org_id, workflow_id=wid,
                                           file_id=file_spec["file_id"], signer_id=s["signer_id"], page=1,
                                           x=72, y=600 - 70 * i, width=180, height=50, now=created))
        if s.get("status") in ("signed", "refused"):
            events.append(event(f"signer_{s['status']}", acted, f"signer:{s['signer_id']}"))
    if status in FINAL_STAMP:
        events.append(event(status, acted, "seed"))
    wf = workflow_record(workflow_id=wid, organization_id=org_id, name=spec["name"], now=created,
                         expires_at=iso(expires_dt), description=spec.get("description"),
                         signing_order=spec.get("signing_order"), interface_id=spec.get("interface_id"),
                         metadata={"seed": True}, status=status, events=events)
    wf["updated_at"] = acted if status != "draft" else created
    if status != "draft":
        wf["started_at"] = created
    if status in FINAL_STAMP:
        wf[FINAL_STAMP[status]] = acted
    return {"workflows": [wf], "files": [file_doc], "signers": signers, "signatures": signatures}


def _signer(spec: dict, wid: str, org_id: str, created: str, acted: str) -> dict:
    status = spec.get("status", "pending")
    audit = [] if status == "pending" else [{"action": status, "at": acted, "ip": None, "user_agent": "seed"}]
    return signer_record(signer_id=spec["signer_id"], workflow_id=wid, organization_id=org_id, email=spec["email"],
                         order=spec.get("order", 1), now=created, token=spec["token"], status=status,
                         signed_at=acted if status == "signed" else None,
                         refused_at=acted if status == "refused" else None,
                         refusal_reason=spec.get("refusal_reason"), audit=audit,
                         **{k: spec.get(k) for k in ("first_name", "last_name", "language", "phone",
                                                     "signature_type", "company", "job_title")})
