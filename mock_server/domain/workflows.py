"""Workflow operations, one method per API operation (AddWorkflow -> add_workflow)."""
from __future__ import annotations

from datetime import timedelta

from . import defaults
from .clock import iso
from .effects import Effects
from .errors import DuplicateSigner, InvalidState, NotFound, NotReady, PayloadTooLarge, ValidationFailed
from .passwords import hash_password
from .pdf import page_sizes
from .records import (annotation_record, event, file_record, interface_record, is_original, signature_record,
                      signer_record, workflow_record)


def original_files(store, workflow_id: str) -> list[dict]:
    """The files uploaded to a workflow, without the PDFs the mock produced (kind "signed", "audit_report")."""
    return [f for f in store.by("files", "workflow_id", workflow_id) if is_original(f)]


def due_signers(signers: list[dict], signing_order: str) -> list[dict]:
    """The pending signers whose turn it is: all of them in parallel; in sequence, those of the lowest open order."""
    pending = sorted((s for s in signers if s["status"] == "pending"), key=lambda s: (s["order"], s["created_at"]))
    if signing_order != "sequential":
        return pending
    return [s for s in pending if all(o["status"] == "signed" for o in signers if o["order"] < s["order"])]


class Workflows:
    """Create, read, start and cancel workflows and their parts, scoped to one organization per call."""

    def __init__(self, store, clock, settings, address, effects: Effects):
        self.store = store
        self.clock = clock
        self.settings = settings
        # Where signing links point (the bound address, known only once the server listens).
        self.address = address
        # The expiry timer, the e-mails signers receive (invitation, reminder, cancelled), a final state's documents.
        self.effects = effects

    def now(self, org_id: str) -> str:
        return iso(self.clock.now(org_id))

    # -- lookups scoped to the caller's organization --------------------------
    def _owned(self, table: str, key: str | None, org_id: str, what: str) -> dict:
        doc = self.store.get(table, key) if key else None
        if doc is None or doc.get("organization_id") != org_id:
            raise NotFound(f"{what} '{key}' does not exist.", code_override=f"{what.lower()}_not_found")
        return doc

    def workflow(self, workflow_id: str, org_id: str) -> dict:
        return self._owned("workflows", workflow_id, org_id, "Workflow")

    def _draft(self, workflow_id: str, org_id: str) -> dict:
        wf = self.workflow(workflow_id, org_id)
        if wf["status"] != "draft":
            raise InvalidState(f"Workflow is '{wf['status']}': parts can only be added while it is 'draft'.")
        return wf

    # -- AddWorkflow ------------------------------------------------------------
    def add_workflow(self, org_id: str, data: dict) -> dict:
        now_dt = self.clock.now(org_id)
        now = iso(now_dt)
        expires_at = data.get("expires_at")
        if expires_at is None:
            expires_at = now_dt + timedelta(days=self.settings.default_expiry_days)
        elif expires_at <= now_dt:
            raise ValidationFailed("expires_at must be in the future.", fields={"expires_at": ["Must be in the future."]})
        if data.get("interface_id"):
            self._owned("interfaces", data["interface_id"], org_id, "Interface")
        wf = workflow_record(
            organization_id=org_id, name=data["name"], now=now, expires_at=iso(expires_at),
            description=data.get("description"), signing_order=data.get("signing_order"),
            webhook_url=data.get("webhook_url"), interface_id=data.get("interface_id"), metadata=data.get("metadata"),
            password_hash=hash_password(data["password"]) if data.get("password") else None)
        with self.store.transaction() as tx:
            tx.put("workflows", wf)
            tx.on_commit(lambda: self.effects.watch_expiry(wf))
        return wf

    # -- AddFile ------------------------------------------------------------------
    def add_file(self, org_id: str, workflow_id: str, file_name: str, data: bytes) -> dict:
        self._draft(workflow_id, org_id)
        if len(data) > self.settings.max_file_bytes:
            raise PayloadTooLarge(f"The file is larger than the limit of {self.settings.max_file_bytes} bytes.")
        sizes = page_sizes(data)
        with self.store.blob_upload(data) as digest:
            return self._commit_file(org_id, workflow_id, file_name, data, sizes, digest)

    def _commit_file(self, org_id: str, workflow_id: str, file_name: str, data: bytes, sizes: list, digest: str) -> dict:
        doc = file_record(workflow_id=workflow_id, organization_id=org_id, file_name=file_name, size=len(data),
                          sha256=digest, page_count=len(sizes), page_sizes=sizes, now=self.now(org_id))
        with self.store.transaction() as tx:
            self._draft(workflow_id, org_id)
            tx.put("files", doc)
            self._touch(tx, workflow_id, doc["created_at"])
        return doc

    def file_content(self, org_id: str, file_id: str) -> tuple[dict, bytes]:
        if file_id in defaults.BUILTIN_FILES:
            name, ctype = defaults.BUILTIN_FILES[file_id]
            body = defaults.builtin_file_bytes(file_id)
            return {"file_id": file_id, "file_name": name, "content_type": ctype, "size": len(body)}, body
        doc = self._owned("files", file_id, org_id, "File")
        body = self.store.blobs.get(doc["sha256"])
        if body is None:
            raise NotFound(f"File '{file_id}' has no content on disk.", code_override="file_not_found")
        return doc, body

    # -- AddSigner ------------------------------------------------------------------
    def add_signer(self, org_id: str, data: dict) -> dict:
        with self.store.transaction() as tx:
            wf = self._draft(data["workflow_id"], org_id)
            siblings = self.store.by("signers", "workflow_id", wf["workflow_id"])
            email = data["email"].strip()
            if any(s["email"].lower() == email.lower() for s in siblings):
                raise DuplicateSigner(f"A signer with email '{email}' already exists in this workflow.",
                                      fields={"email": ["Already a signer of this workflow."]})
            order = data.get("order")
            if order is None:
                # Sequential workflows without an explicit order sign in the order signers were added.
                order = (max((s["order"] for s in siblings), default=0) + 1) if wf["signing_order"] == "sequential" else 1
            now = self.now(org_id)
            doc = signer_record(
                workflow_id=wf["workflow_id"], organization_id=org_id, email=email, order=order, now=now,
                **{k: data.get(k) for k in ("first_name", "last_name", "language", "phone", "signature_type",
                                            "company", "job_title")})
            tx.put("signers", doc)
            self._touch(tx, wf["workflow_id"], now)
        return doc

    def signing_url(self, signer: dict) -> str:
        return f"{self.address.base_url}/sign/{signer['token']}"

    # -- AddSignature / AddAnnotation -------------------------------------------------
    def _page_on_file(self, org_id: str, workflow_id: str, file_id: str, page: int) -> dict:
        f = self.store.get("files", file_id)
        if f is None or f["organization_id"] != org_id or f["workflow_id"] != workflow_id:
            raise NotFound(f"File '{file_id}' does not exist in workflow '{workflow_id}'.", code_override="file_not_found")
        if not 1 <= page <= f["page_count"]:
            raise ValidationFailed(f"page must be between 1 and {f['page_count']} (the file's page count).",
                                   fields={"page": [f"Must be between 1 and {f['page_count']}."]})
        return f

    def _page_size(self, f: dict, page: int) -> tuple[float, float]:
        """The page's displayed size; read from the file's bytes for a file stored before sizes were kept."""
        sizes = f.get("page_sizes")
        if sizes is None:
            body = self.store.blobs.get(f["sha256"])
            sizes = page_sizes(body) if body is not None else None
        return tuple(sizes[page - 1]) if sizes else (None, None)

    def _check_on_page(self, f: dict, data: dict, width: tuple[str, float] | None, height: tuple[str, float]) -> None:
        """Refuse a box that does not lie wholly inside its page as displayed (422 naming the coordinate).

        width and height are (field name, value); width None: only the box's left edge must be on the page
        (an annotation's text runs as far right as its font makes it)."""
        page_w, page_h = self._page_size(f, data["page"])
        if page_w is None:
            return  # the bytes are gone (nothing to sign either): StartWorkflow's documents will say so
        where = f"(page {data['page']} of '{f['file_name']}')"
        problems = {}
        if width is None:
            if data["x"] >= page_w:
                problems["x"] = f"x = {_pt(data['x'])} is not inside the page width {_pt(page_w)} pt {where}."
        elif data["x"] + width[1] > page_w:
            problems["x"] = (f"x + {width[0]} = {_pt(data['x'] + width[1])} exceeds the page width {_pt(page_w)} pt "
                             f"{where}.")
        if data["y"] + height[1] > page_h:
            problems["y"] = (f"y + {height[0]} = {_pt(data['y'] + height[1])} exceeds the page height {_pt(page_h)} pt "
                             f"{where}.")
        if problems:
            raise ValidationFailed(" ".join(problems.values()), fields={k: [v] for k, v in problems.items()})

    def add_signature(self, org_id: str, data: dict) -> dict:
        with self.store.transaction() as tx:
            wf = self._draft(data["workflow_id"], org_id)
            f = self._page_on_file(org_id, wf["workflow_id"], data["file_id"], data["page"])
            self._check_on_page(f, data, ("width", data["width"]), ("height", data["height"]))
            signer = self.store.get("signers", data["signer_id"])
            if signer is None or signer["organization_id"] != org_id or signer["workflow_id"] != wf["workflow_id"]:
                raise NotFound(f"Signer '{data['signer_id']}' does not exist in workflow '{wf['workflow_id']}'.",
                               code_override="signer_not_found")
            now = self.now(org_id)
            doc = signature_record(organization_id=org_id, now=now, **data)
            tx.put("signatures", doc)
            self._touch(tx, wf["workflow_id"], now)
        return doc

    def add_annotation(self, org_id: str, data: dict) -> dict:
        with self.store.transaction() as tx:
            wf = self._draft(data["workflow_id"], org_id)
            f = self._page_on_file(org_id, wf["workflow_id"], data["file_id"], data["page"])
            # The text starts at (x, y), its first line font_size tall; how far it runs right depends on the font.
            self._check_on_page(f, data, None, ("font_size", data.get("font_size") or 12))
            now = self.now(org_id)
            doc = annotation_record(organization_id=org_id, now=now, **data)
            tx.put("annotations", doc)
            self._touch(tx, wf["workflow_id"], now)
        return doc

    def _touch(self, tx, workflow_id: str, now: str) -> None:
        wf = dict(self.store.get("workflows", workflow_id))
        wf["updated_at"] = now
        tx.put("workflows", wf)

    # -- interfaces ---------------------------------------------------------------------
    def _check_image(self, org_id: str, file_id: str | None, field_name: str) -> None:
        if file_id is None or file_id in defaults.BUILTIN_FILES:
            return
        f = self.store.get("files", file_id)
        if f is None or f["organization_id"] != org_id:
            raise NotFound(f"File '{file_id}' does not exist.", code_override="file_not_found",
                           fields={field_name: ["No such file in this organization."]})

    def add_interface(self, org_id: str, data: dict) -> dict:
        self._check_image(org_id, data.get("icon_file_id"), "icon_file_id")
        self._check_image(org_id, data.get("logo_file_id"), "logo_file_id")
        now = self.now(org_id)
        doc = interface_record(organization_id=org_id, now=now, **{k: data.get(k) for k in (
            "name", "primary_color", "icon_file_id", "logo_file_id")})
        with self.store.transaction() as tx:
            tx.put("interfaces", doc)
        return doc

    def update_interface(self, org_id: str, data: dict) -> dict:
        self._check_image(org_id, data.get("icon_file_id"), "icon_file_id")
        self._check_image(org_id, data.get("logo_file_id"), "logo_file_id")
        with self.store.transaction() as tx:
            doc = dict(self._owned("interfaces", data["interface_id"], org_id, "Interface"))
            for key in ("name", "primary_color", "icon_file_id", "logo_file_id"):
                if data.get(key) is not None:
                    doc[key] = data[key].upper() if key == "primary_color" else data[key]
            doc["updated_at"] = self.now(org_id)
            tx.put("interfaces", doc)
        return doc

    def get_interface(self, org_id: str, interface_id: str) -> dict:
        return self._owned("interfaces", interface_id, org_id, "Interface")

    def interface_for(self, wf: dict) -> dict:
        """Return the workflow's interface, or the built-in defaults."""
        if wf.get("interface_id"):
            found = self.store.get("interfaces", wf["interface_id"])
            if found:
                return found
        return {"interface_id": None, "primary_color": defaults.DEFAULT_PRIMARY_COLOR,
                "icon_file_id": defaults.DEFAULT_ICON_FILE_ID, "logo_file_id": defaults.DEFAULT_LOGO_FILE_ID}

    # -- start / cancel / read --------------------------------------------------------------
    def start_workflow(self, org_id: str, workflow_id: str) -> dict:
        with self.store.transaction() as tx:
            wf = self.workflow(workflow_id, org_id)
            if wf["status"] != "draft":
                raise InvalidState(f"Workflow is '{wf['status']}'; only a 'draft' workflow can be started.")
            missing = self.missing_parts(workflow_id)
            if missing:
                raise NotReady("The workflow cannot start: " + "; ".join(missing) + ".", missing=missing)
            now = self.now(org_id)
            wf = {**wf, "status": "in_progress", "started_at": now, "updated_at": now,
                  "events": wf["events"] + [event("started", now, "api")]}
            tx.put("workflows", wf)
            # Parallel: everyone is invited now; sequential: the first in order (the next ones as each signs).
            for signer in due_signers(self.store.by("signers", "workflow_id", workflow_id), wf["signing_order"]):
                self.effects.message(tx, "invitation", wf, signer)
        return wf

    def missing_parts(self, workflow_id: str) -> list[str]:
        missing = []
        if not self.store.by("files", "workflow_id", workflow_id):
            missing.append("no file")
        signers = self.store.by("signers", "workflow_id", workflow_id)
        if not signers:
            missing.append("no signer")
        assigned = {s["signer_id"] for s in self.store.by("signatures", "workflow_id", workflow_id)}
        for s in signers:
            if s["signer_id"] not in assigned:
                missing.append(f"signer {s['email']} has no signature field")
        return missing

    def cancel_workflow(self, org_id: str, workflow_id: str) -> dict:
        with self.store.transaction() as tx:
            wf = self.workflow(workflow_id, org_id)
            if wf["status"] in defaults.FINAL_STATUSES:
                raise InvalidState(f"Workflow is already '{wf['status']}', a final state.")
            now = self.now(org_id)
            was_running = wf["status"] == "in_progress"
            wf = {**wf, "status": "cancelled", "cancelled_at": now, "updated_at": now,
                  "events": wf["events"] + [event("cancelled", now, "api")]}
            tx.put("workflows", wf)
            self.effects.documents_due(tx, wf)
            if was_running:  # a draft invited nobody, so nobody is told
                for signer in self.store.by("signers", "workflow_id", workflow_id):
                    if signer["status"] == "pending":
                        self.effects.message(tx, "cancelled", wf, signer)
        return wf

    def send_reminder(self, org_id: str, workflow_id: str, signer_id: str | None = None) -> dict:
        """Remind the pending signers whose turn it is (or only signer_id, if it is one of them)."""
        with self.store.transaction() as tx:
            wf = self.workflow(workflow_id, org_id)
            signers = self.store.by("signers", "workflow_id", workflow_id)
            if signer_id is not None and not any(s["signer_id"] == signer_id for s in signers):
                raise NotFound(f"Signer '{signer_id}' does not exist in workflow '{workflow_id}'.",
                               code_override="signer_not_found")
            if wf["status"] != "in_progress":
                raise InvalidState(f"Workflow is '{wf['status']}'; reminders go out only while it is 'in_progress'.")
            due = due_signers(signers, wf["signing_order"])
            targets = [s for s in due if signer_id is None or s["signer_id"] == signer_id]
            skipped = []
            if signer_id is not None and not targets:
                signer = next(s for s in signers if s["signer_id"] == signer_id)
                skipped.append({"signer_id": signer_id, "reason": f"already {signer['status']}"
                                if signer["status"] != "pending" else "not their turn yet"})
            now = self.now(org_id)
            sent = [self.effects.message(tx, "reminder", wf, s) for s in targets]
            if targets:
                tx.put("workflows", {**wf, "events": wf["events"] + [
                    event("reminder_sent", now, "api", signer_id=s["signer_id"]) for s in targets]})
        return {"workflow_id": workflow_id, "reminded": [s["signer_id"] for s in targets],
                "message_ids": [m["message_id"] for m in sent], "skipped": skipped}

    def get_workflow(self, org_id: str, workflow_id: str) -> dict:
        with self.store.lock:
            wf = self.workflow(workflow_id, org_id)
            return self.expand(wf)

    def expand(self, wf: dict) -> dict:
        """Return the workflow with its files, signers, signatures and annotations."""
        wid = wf["workflow_id"]
        signers = [{**s, "signing_url": self.signing_url(s)} for s in
                   sorted(self.store.by("signers", "workflow_id", wid), key=lambda s: (s["order"], s["created_at"]))]
        # The files the client uploaded, each with its signed version's id (null until produced); the produced
        # PDFs are files of their own (GetFile), named by signed_file_id and audit_report_file_id.
        files = [{**f, "signed_file_id": f.get("signed_file_id")} for f in original_files(self.store, wid)]
        return {**wf,
                "audit_report_file_id": wf.get("audit_report_file_id"),
                "files": files,
                "signers": signers,
                "signatures": self.store.by("signatures", "workflow_id", wid),
                "annotations": self.store.by("annotations", "workflow_id", wid)}

    def list_workflows(self, org_id: str, status: str | None, limit: int, offset: int) -> dict:
        rows = self.store.by("workflows", "organization_id", org_id)
        if status:
            rows = [wf for wf in rows if wf["status"] == status]
        rows.reverse()
        return {"total": len(rows), "limit": limit, "offset": offset, "items": rows[offset:offset + limit]}


def _pt(value: float) -> str:
    """Points as a person writes them: 680, 595.28."""
    return f"{round(value, 2):g}"
