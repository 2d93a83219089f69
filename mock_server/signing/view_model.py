"""What the signing page shows, shaped from the records Services.signing_records reads for a link."""
from __future__ import annotations

from ..domain import codes
from ..domain.glossary import is_seal
from ..domain.steps import current_step, done_steps, signature_type, steps_for


def page_view(records: dict) -> dict:
    """The signing page's view: each document with its fields, the journey's steps, and what the signer may do."""
    signer, wf, files = records["signer"], records["workflow"], records["files"]
    signers = {s["signer_id"]: s for s in records["signers"]}
    fields, annotations = records["fields"], records["annotations"]
    opened = set((signer.get("journey") or {}).get("opened_files") or [])
    file_ids = [f["file_id"] for f in files]
    docs = []
    for f in files:
        own = [x for x in fields if x["file_id"] == f["file_id"] and x["signer_id"] == signer["signer_id"]]
        # Another signer's field shows whether it is signed already, and by whom (a seal says sealed).
        others = [{**x, "signer_name": _person(signers.get(x["signer_id"])),
                   "signed": (signers.get(x["signer_id"]) or {}).get("status") == "signed",
                   "seal": is_seal(signature_type(signers.get(x["signer_id"]) or {}))}
                  for x in fields if x["file_id"] == f["file_id"] and x["signer_id"] != signer["signer_id"]]
        docs.append({**f, "opened": f["file_id"] in opened, "own_fields": own, "other_fields": others,
                     "annotations": [a for a in annotations if a["file_id"] == f["file_id"]]})
    waiting = records["waiting"]
    return {"token": records["token"], "signer": signer, "workflow": wf, "interface": records["interface"],
            "files": docs, "signature_type": signature_type(signer), "steps": steps_for(wf, signer),
            "done": done_steps(wf, signer, file_ids), "step": current_step(wf, signer, file_ids),
            "code_state": codes.public(signer.get("tan")), "waiting": waiting,
            "can_act": wf["status"] == "in_progress" and signer["status"] == "pending" and not waiting,
            "password_protected": bool(wf.get("password_hash"))}


def document_view(records: dict, file_id: str) -> dict:
    """The page view of one document, with its page sizes in points."""
    view = page_view(records)
    doc = next(d for d in view["files"] if d["file_id"] == file_id)
    return {**view, "document": {**doc, "page_sizes": records["page_sizes"]}}


def _person(signer: dict | None) -> str:
    if not signer:
        return ""
    name = " ".join(p for p in (signer.get("first_name"), signer.get("last_name")) if p)
    return name or signer["email"]
