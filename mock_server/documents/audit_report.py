"""The audit report of a workflow in a final state, as a PDF (fpdf2), text extractable.

API:

    audit_report(workflow, files, signers, organization, file_hashes) -> bytes

- ``workflow``: the workflow record ({"workflow_id", "name", "status", "signing_order", "created_at",
  "started_at"?, "completed_at" | "refused_at" | "expired_at" | "cancelled_at", "expires_at",
  "events": [{"type", "at", "actor", ...details}]}).
- ``files``: the workflow's file records ({"file_id", "file_name", "page_count", "sha256", "size"?}).
- ``signers``: its signer records ({"signer_id", "email", "first_name", "last_name", "phone",
  "signature_type", "status", "signed_at", "refused_at", "refusal_reason", "order", "created_at",
  "audit": [{"action", "at", "ip", "user_agent", ...}]}).
- ``organization``: {"organization_id", "name"} (either may be missing).
- ``file_hashes``: {file_id: {"original": sha256 hex, "signed": sha256 hex or None}}; "original"
  falls back to file["sha256"]; a missing "signed" is shown as "no signed version".

The report has: the workflow's name, id, organization, status and its created / started / final
times; each file with its page count and the SHA-256 of the original and signed bytes; each
signer with e-mail, phone, signature type and final status; every event in time order (the
workflow's events and the signers' own audit entries, a signer's "signed"/"refused" entry joined
to the workflow event of the same moment) with time (UTC, "YYYY-MM-DD HH:MM:SS UTC"), actor, IP
address and user agent; and on every page a footer saying that sign8-mock produced it and that it
has no legal effect. Any name in any script is accepted (see _text.py for fonts).
"""
from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ._text import Typeface, parse_time, utc_text
from .signed_pdf import SIGNATURE_TYPES, person_name, signature_type, signing_order

FOOTER = "Produced by sign8-mock, a mock server of the SIGN8 Workflow API, for testing: no legal effect."
FINAL_TIMES = (("completed_at", "Completed"), ("refused_at", "Refused"), ("expired_at", "Expired"),
               ("cancelled_at", "Cancelled"))
ACCENT = (0x00, 0xA1, 0x9A)
MUTED = (90, 90, 90)


class _Report(FPDF):
    face: Typeface

    def footer(self):
        self.set_y(-28)
        self.set_draw_color(*ACCENT)
        self.line(self.l_margin, self.get_y() - 4, self.w - self.r_margin, self.get_y() - 4)
        self.face.font(self, 7.5, color=MUTED)
        self.cell(0, 10, FOOTER, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="R")


def _actor(actor, signers_by_id: dict) -> str:
    actor = str(actor or "-")
    if actor.startswith("signer:"):
        signer = signers_by_id.get(actor.split(":", 1)[1])
        return str(signer.get("email")) if signer else actor
    return {"api": "API client", "system": "sign8-mock", "timer": "expiry timer",
            "mock": "control API (/_mock)"}.get(actor, actor)


def _details(entry: dict, skip: set) -> str:
    parts = [f"{k}: {v}" for k, v in entry.items() if k not in skip and v not in (None, "", [], {})]
    return "; ".join(parts)


def timeline(workflow: dict, signers: list[dict]) -> list[dict]:
    """Rows {at, event, actor, ip, user_agent, details}: workflow events and signers' audit entries, in time order."""
    by_id = {s.get("signer_id"): s for s in signers}
    pending = []  # signer audit entries not yet joined to a workflow event
    for s in signers:
        for n, entry in enumerate(s.get("audit") or []):
            pending.append((s, n, entry))
    used = set()
    rows = []
    for entry in workflow.get("events") or []:
        kind, actor = str(entry.get("type") or "-"), entry.get("actor")
        row = {"at": entry.get("at"), "event": kind, "actor": _actor(actor, by_id), "ip": None, "user_agent": None,
               "details": _details(entry, {"type", "at", "actor"})}
        if str(actor or "").startswith("signer:") and kind.startswith("signer_"):
            signer_id = str(actor).split(":", 1)[1]
            for s, n, audit in pending:
                if (s.get("signer_id"), n) in used or s.get("signer_id") != signer_id:
                    continue
                if audit.get("at") == entry.get("at") and kind == "signer_" + str(audit.get("action")):
                    used.add((signer_id, n))
                    row.update(ip=audit.get("ip"), user_agent=audit.get("user_agent"))
                    extra = _details(audit, {"action", "at", "ip", "user_agent"})
                    row["details"] = "; ".join(p for p in (row["details"], extra) if p)
                    break
        rows.append(row)
    for s, n, audit in pending:
        if (s.get("signer_id"), n) in used:
            continue
        rows.append({"at": audit.get("at"), "event": f"signer_{audit.get('action')}",
                     "actor": str(s.get("email")), "ip": audit.get("ip"), "user_agent": audit.get("user_agent"),
                     "details": _details(audit, {"action", "at", "ip", "user_agent"})})
    # Stable sort: same-moment rows keep the workflow's own order.
    far = parse_time("9999-12-31T23:59:59Z")
    return sorted(rows, key=lambda r: parse_time(r["at"]) or far)


def _strings(*values) -> list:
    out = []
    for v in values:
        if isinstance(v, dict):
            out.extend(_strings(*v.values()))
        elif isinstance(v, (list, tuple)):
            out.extend(_strings(*v))
        elif v is not None:
            out.append(str(v))
    return out


def audit_report(workflow: dict, files: list[dict], signers: list[dict], organization: dict,
                 file_hashes: dict) -> bytes:
    """Return the audit report PDF (see the module docstring for the contract)."""
    signers = signing_order(signers)
    rows = timeline(workflow, signers)
    pdf = _Report(unit="pt", format="A4")
    pdf.face = face = Typeface(pdf, _strings(workflow, files, signers, organization))
    t = face.text
    pdf.set_margins(48, 48, 48)
    pdf.set_auto_page_break(True, margin=48)
    pdf.set_title(t(f"Audit report: {workflow.get('name')}"))
    pdf.set_author("sign8-mock")
    pdf.set_creator("sign8-mock")
    final = parse_time(next((workflow.get(k) for k, _ in FINAL_TIMES if workflow.get(k)), None))
    if final is not None:
        pdf.set_creation_date(final)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # -- title -----------------------------------------------------------------------------------
    pdf.set_fill_color(*ACCENT)
    pdf.rect(pdf.l_margin, pdf.t_margin, 6, 40, style="F")
    pdf.set_x(pdf.l_margin + 14)
    with face.font(pdf, 20, bold=True):
        pdf.cell(0, 24, "Audit report", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 14)
    face.font(pdf, 10, color=MUTED)
    pdf.multi_cell(width - 14, 13, t(workflow.get("name") or "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)

    def heading(text: str) -> None:
        if pdf.get_y() > pdf.h - 140:
            pdf.add_page()
        pdf.ln(6)
        with face.font(pdf, 12, bold=True, color=ACCENT):
            pdf.cell(0, 16, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(220, 220, 220)
        pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
        pdf.ln(5)

    def pairs(items: list[tuple[str, object]], label_w: float = 130) -> None:
        for label, value in items:
            face.font(pdf, 9, color=MUTED)
            y = pdf.get_y()
            if y > pdf.h - 80:
                pdf.add_page()
                y = pdf.get_y()
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(label_w, 12, label)
            face.font(pdf, 9)
            pdf.set_xy(pdf.l_margin + label_w, y)
            pdf.multi_cell(width - label_w, 12, t("-" if value in (None, "") else value),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # -- workflow ---------------------------------------------------------------------------------
    heading("Workflow")
    org_name = organization.get("name") or "-"
    org_id = organization.get("organization_id") or workflow.get("organization_id")
    items = [("Name", workflow.get("name")), ("Workflow ID", workflow.get("workflow_id")),
             ("Organization", f"{org_name} ({org_id})" if org_id else org_name),
             ("Status", workflow.get("status")), ("Signing order", workflow.get("signing_order")),
             ("Created", utc_text(workflow.get("created_at"))), ("Started", utc_text(workflow.get("started_at")))]
    items += [(label, utc_text(workflow.get(key))) for key, label in FINAL_TIMES if workflow.get(key)]
    items.append(("Expires", utc_text(workflow.get("expires_at"))))
    pairs(items)

    # -- documents --------------------------------------------------------------------------------
    heading("Documents")
    for f in files:
        hashes = file_hashes.get(f.get("file_id")) or {}
        signed = hashes.get("signed")
        with face.font(pdf, 10, bold=True):
            pdf.multi_cell(width, 14, t(f.get("file_name") or f.get("file_id")), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
        pairs([("File ID", f.get("file_id")), ("Pages", f.get("page_count")),
               ("SHA-256 original", hashes.get("original") or f.get("sha256")),
               ("SHA-256 signed", signed or f"- (no signed version: the workflow is {workflow.get('status')})")])
        pdf.ln(4)

    # -- signers ----------------------------------------------------------------------------------
    heading("Signers")
    for n, s in enumerate(signers, 1):
        kind = signature_type(s)
        status = s.get("status") or "-"
        when = s.get("signed_at") if status == "signed" else s.get("refused_at") if status == "refused" else None
        with face.font(pdf, 10, bold=True):
            pdf.multi_cell(width, 14, t(f"{n}. {person_name(s)}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        items = [("E-mail", s.get("email")), ("Phone", s.get("phone")), ("Signature type", SIGNATURE_TYPES[kind]),
                 ("Status", f"{status}, {utc_text(when)}" if when else status), ("Signer ID", s.get("signer_id"))]
        if s.get("refusal_reason"):
            items.append(("Refusal reason", s.get("refusal_reason")))
        pairs(items)
        pdf.ln(4)

    # -- events -----------------------------------------------------------------------------------
    heading("Events")
    face.font(pdf, 7.5)
    pdf.set_draw_color(220, 220, 220)
    pdf.set_line_width(0.5)
    widths = (96, 80, 126, 62, width - 364)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=9.5, padding=2.5,
                   cell_fill_color=(242, 248, 247), cell_fill_mode="ROWS",
                   headings_style=_heading_style(face), borders_layout="HORIZONTAL_LINES",
                   first_row_as_headings=True, repeat_headings=1) as table:
        table.row(["Time (UTC)", "Event", "Actor", "IP address", "User agent"])
        for r in rows:
            event = r["event"] + (f" ({r['details']})" if r["details"] else "")
            table.row([utc_text(r["at"]).removesuffix(" UTC"), t(event), t(r["actor"]), t(r["ip"] or "-"),
                       t(r["user_agent"] or "-")])
    return bytes(pdf.output())


def _heading_style(face: Typeface):
    from fpdf.fonts import FontFace

    return FontFace(family=face.family, emphasis=None if face.unicode else "BOLD", color=ACCENT,
                    fill_color=(255, 255, 255))
