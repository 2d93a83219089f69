"""The audit report of a workflow in a final state, as a PDF (fpdf2), laid out like a document, text extractable.

API:

    audit_report(workflow, files, signers, organization, file_hashes) -> bytes

- ``workflow``: the workflow record ({"workflow_id", "name", "status", "signing_order", "created_at",
  "started_at"?, "completed_at" | "refused_at" | "expired_at" | "cancelled_at", "expires_at",
  "events": [{"type", "at", "actor", ...details}]}).
- ``files``: the workflow's file records ({"file_id", "file_name", "page_count", "sha256", "size"?}).
- ``signers``: its signer records ({"signer_id", "email", "first_name", "last_name", "phone",
  "signature_type", "status", "signed_at", "refused_at", "refusal_reason", "order", "created_at",
  "audit": [{"action", "at", "ip", "user_agent", ...}]}).
- ``organization``: {"organization_id", "name", "primary_color"?: "#RRGGBB", "logo"?: PNG, JPEG or PDF
  bytes (a PDF's first page is drawn), "brand_name"?} (any may be missing): the branding of the workflow's interface.
- ``file_hashes``: {file_id: {"original": sha256 hex, "signed": sha256 hex or None}}; "original"
  falls back to file["sha256"]; a missing "signed" is shown as "no signed version".

Layout (A4): on every page a header in the brand colour with the logo (or the organization's name) and
"Page X of Y", and a footer saying that sign8-mock produced it and that it has no legal effect. Page 1
opens with the title, the workflow's name and a summary box (status, times, signers). Then the
workflow's details, each file with its page count and the SHA-256 of the original and signed bytes,
each signer (e-mail, phone, signature type, final status), and every event in time order (the
workflow's events and the signers' own audit entries, a signer's "signed"/"refused" entry joined to
the workflow event of the same moment) with time (UTC), actor, IP address, user agent and details.

Words are never split: text wraps at spaces; ids and SHA-256 values are set in a monospace column wide
enough for them; each table column is at least as wide as its longest word (a token longer than a
column may be is broken into pieces each ending in "¬", a visible mark). Any name in any script is
accepted (see _text.py for fonts).
"""
from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ._text import Typeface, latin1, parse_time, utc_text
from .signed_pdf import SIGNATURE_TYPES, person_name, signature_type, signing_order

FOOTER = "Produced by sign8-mock, a mock server of the SIGN8 Workflow API, for testing: no legal effect."
FINAL_TIMES = (("completed_at", "Completed"), ("refused_at", "Refused"), ("expired_at", "Expired"),
               ("cancelled_at", "Cancelled"))
DEFAULT_BRAND = (0x00, 0xA1, 0x9A)  # SIGN8's default primary colour
MUTED = (90, 90, 90)
INK = (20, 20, 20)
RULE = (215, 215, 215)
MONO = "Courier"  # ids and hashes: Latin-1 only, so the core font does (nothing to load)
BREAK_MARK = "\u00ac"  # "¬": the mark at the end of a piece of a token too long for its column
MARGIN = 42.0
HEADER_H = 46.0


def _rgb(value) -> tuple[int, int, int]:
    s = str(value or "").lstrip("#")
    try:
        return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    except (ValueError, IndexError):
        return DEFAULT_BRAND


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink(rgb) -> tuple[int, int, int]:
    """The brand colour darkened until it reads as text on white (WCAG 4.5:1), like signing/colors' "ink"
    (not imported: that package loads Flask, this one must not)."""
    factor = 1.0
    out = rgb
    while (1.05 / (_luminance(out) + 0.05)) < 4.5 and factor > 0.05:
        factor -= 0.05
        out = tuple(round(c * factor) for c in rgb)
    return out


def _tint(rgb, amount: float = 0.9) -> tuple[int, int, int]:
    return tuple(round(c + (255 - c) * amount) for c in rgb)



def _logo_image(data: bytes):
    """A logo as fpdf2 places it: PNG/JPEG bytes as they are, a PDF's first page rendered (PDFium)."""
    if not data.startswith(b"%PDF-"):
        return io.BytesIO(data)
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(data)[0]
    return page.render(scale=88 / max(1.0, page.get_size()[1])).to_pil().convert("RGB")


class _Report(FPDF):
    face: Typeface
    brand: tuple = DEFAULT_BRAND
    brand_name: str = ""
    logo: bytes | None = None

    def header(self):
        self.set_fill_color(*self.brand)
        self.rect(0, 0, self.w, 6, style="F")
        top = 16.0
        drawn = False
        if self.logo:
            try:
                self.image(_logo_image(self.logo), x=MARGIN, y=top, h=22, keep_aspect_ratio=True)
                drawn = True
            except Exception:  # noqa: BLE001 - a file that is no readable image or PDF: the name instead
                drawn = False
        if not drawn:
            self.set_xy(MARGIN, top)
            with self.face.font(self, 11, bold=True, color=_ink(self.brand)):
                self.cell(self.w / 2, 22, self.face.text(self.brand_name or "sign8-mock"))
        self.face.font(self, 8.5, color=MUTED)
        # Left-aligned at a fixed place: "{nb}" is replaced after layout, so right alignment would be off.
        column = self.w - MARGIN - self.get_string_width("Page 888 of 888")
        self.set_xy(column, top)
        self.cell(0, 11, "Audit report")
        self.set_xy(column, top + 11)
        self.cell(0, 11, f"Page {self.page_no()} of {{nb}}")
        self.set_draw_color(*RULE)
        self.set_line_width(0.5)
        self.line(MARGIN, top + 28, self.w - MARGIN, top + 28)
        self.set_xy(MARGIN, HEADER_H + 8)

    def footer(self):
        self.set_y(-30)
        self.set_draw_color(*RULE)
        self.set_line_width(0.5)
        self.line(MARGIN, self.get_y() - 4, self.w - MARGIN, self.get_y() - 4)
        self.face.font(self, 7.5, color=MUTED)
        self.cell(0, 10, FOOTER)


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


def _break_long(text: str, width: float, measure) -> str:
    """``text`` with each space-free token wider than ``width`` cut into pieces that fit, each ending in "¬"."""
    words = []
    for word in text.split(" "):
        if measure(word) <= width:
            words.append(word)
            continue
        piece = ""
        for c in word:
            if piece and measure(piece + c + BREAK_MARK) > width:
                words.append(piece + BREAK_MARK)
                piece = ""
            piece += c
        words.append(piece)
    return " ".join(words)


class _Table:
    """A table whose columns fit: each at least as wide as its longest word, the rest shared by need."""

    def __init__(self, pdf: _Report, headings: list[str], mono: set[int] = frozenset(), keep_whole: set[int] = frozenset(),
                 breakable: int | None = None, size: float = 7.5, padding: float = 2.5):
        self.pdf, self.headings, self.mono, self.keep_whole = pdf, headings, set(mono), set(keep_whole)
        self.breakable, self.size, self.padding = breakable, size, padding
        self.rows: list[list[str]] = []
        self.details: list[str] = []  # per row: a line below it across every column but the first ("" none)

    def _measure(self, col: int):
        pdf = self.pdf
        if col in self.mono:
            pdf.set_font(MONO, "", self.size)
        else:
            pdf.face.font(pdf, self.size)
        return pdf.get_string_width

    def _widths(self, width: float) -> tuple[list[float], list[float]]:
        """(least width, width without wrapping) of each column at the current size."""
        n = len(self.headings)
        need, want = [0.0] * n, [0.0] * n
        for col in range(n):
            measure = self._measure(col)
            for row in [self.headings] + self.rows:
                for line in row[col].split("\n"):
                    tokens = [line] if col in self.keep_whole else line.split(" ")
                    need[col] = max(need[col], max(measure(t) for t in tokens) + 2 * self.padding + 1)
                    want[col] = max(want[col], measure(line) + 2 * self.padding + 1)
        return need, want

    def draw(self, width: float) -> None:
        pdf = self.pdf
        # Smaller type, down to 6 pt, before any word would have to be broken.
        need, want = self._widths(width)
        while sum(need) > width and self.size > 6:
            self.size -= 0.5
            need, want = self._widths(width)
        if sum(need) > width and self.breakable is not None:  # then the breakable column's long words break
            need[self.breakable] = max(60.0, width - (sum(need) - need[self.breakable]))
        if sum(need) > width:  # still too wide: every column shrinks; its long words break at marks
            need = [w * width / sum(need) for w in need]
            self.breakable = None
            self.rows = [[_break_long(line, w - 2 * self.padding - 1, self._measure(c)) if c not in self.keep_whole
                          else line for c, (line, w) in enumerate(zip(r, need))] for r in self.rows]
        extra = max(0.0, width - sum(need))
        spare = [max(0.0, w - nd) for w, nd in zip(want, need)]
        total = sum(spare) or 1.0
        widths = [nd + extra * sp / total for nd, sp in zip(need, spare)]
        if not sum(spare):
            widths[-1] += extra
        rows = self.rows
        if self.breakable is not None:
            measure = self._measure(self.breakable)
            limit = widths[self.breakable] - 2 * self.padding - 1
            rows = [r[:self.breakable] + ["\n".join(_break_long(line, limit, measure) for line in
                                                    r[self.breakable].split("\n"))] + r[self.breakable + 1:]
                    for r in rows]
        from fpdf.fonts import FontFace

        heading = FontFace(family=pdf.face.family, emphasis=None if pdf.face.unicode else "BOLD",
                           color=_ink(pdf.brand), fill_color=(255, 255, 255), size_pt=self.size)
        pdf.face.font(pdf, self.size, color=INK)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.5)
        span = sum(widths[1:]) - 2 * self.padding - 1
        # min(): the widths add up to `width` only up to float rounding, and fpdf2 refuses a table a hair wider
        # than the page's effective width ("width=511.28000000000003: effective page width is 511.28").
        with pdf.table(col_widths=widths, width=min(sum(widths), width), align="LEFT", text_align="LEFT",
                       line_height=self.size * 1.3, padding=self.padding, cell_fill_mode="ALL",
                       headings_style=heading, borders_layout="HORIZONTAL_LINES",
                       first_row_as_headings=True, repeat_headings=1) as table:
            table.row(self.headings)
            for n, (r, detail) in enumerate(zip(rows, self.details)):
                # One shade per record: its row and the row of its details below it.
                fill = _tint(pdf.brand, 0.93) if n % 2 == 0 else (255, 255, 255)
                plain = FontFace(fill_color=fill, size_pt=self.size)
                mono = FontFace(family=MONO, fill_color=fill, size_pt=self.size)
                row = table.row()
                for col, text in enumerate(r):
                    row.cell(text, style=mono if col in self.mono else plain)
                if detail:
                    row = table.row()
                    row.cell("", style=plain)
                    row.cell(_break_long(detail, span, self._measure(1)), colspan=len(widths) - 1,
                             style=FontFace(fill_color=fill, size_pt=self.size, color=MUTED))
                    pdf.face.font(pdf, self.size, color=INK)


def audit_report(workflow: dict, files: list[dict], signers: list[dict], organization: dict,
                 file_hashes: dict) -> bytes:
    """Return the audit report PDF (see the module docstring for the contract)."""
    signers = signing_order(signers)
    rows = timeline(workflow, signers)
    pdf = _Report(unit="pt", format="A4")
    pdf.brand = _rgb(organization.get("primary_color")) if organization.get("primary_color") else DEFAULT_BRAND
    pdf.logo = organization.get("logo") or None
    pdf.face = face = Typeface(pdf, _strings(workflow, files, signers,
                                             {k: v for k, v in organization.items() if k != "logo"}))
    t = face.text
    pdf.brand_name = organization.get("brand_name") or organization.get("name") or ""
    pdf.set_margins(MARGIN, HEADER_H + 8, MARGIN)
    pdf.set_auto_page_break(True, margin=46)
    pdf.set_title(t(f"Audit report: {workflow.get('name')}"))
    pdf.set_author("sign8-mock")
    pdf.set_creator("sign8-mock")
    final = parse_time(next((workflow.get(k) for k, _ in FINAL_TIMES if workflow.get(k)), None))
    if final is not None:
        pdf.set_creation_date(final)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    ink = _ink(pdf.brand)

    # -- title and summary ----------------------------------------------------------------------------
    with face.font(pdf, 20, bold=True, color=INK):
        pdf.cell(0, 26, "Audit report", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    face.font(pdf, 11, color=MUTED)
    pdf.multi_cell(width, 15, t(workflow.get("name") or "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    _summary(pdf, workflow, signers, width)
    pdf.ln(6)

    def heading(text: str) -> None:
        if pdf.get_y() > pdf.h - 150:
            pdf.add_page()
        pdf.ln(8)
        with face.font(pdf, 12, bold=True, color=ink):
            pdf.cell(0, 16, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.5)
        pdf.line(MARGIN, pdf.get_y() + 1, MARGIN + width, pdf.get_y() + 1)
        pdf.ln(5)

    def pairs(items: list[tuple[str, object, bool]], label_w: float = 120) -> None:
        """Label / value lines; a value with mono=True (ids, hashes) is set whole in Courier."""
        for label, value, mono in items:
            text = "-" if value in (None, "") else str(value)
            y = pdf.get_y()
            if y > pdf.h - 70:
                pdf.add_page()
                y = pdf.get_y()
            face.font(pdf, 9, color=MUTED)
            pdf.set_xy(MARGIN, y)
            pdf.cell(label_w, 12.5, label)
            pdf.set_xy(MARGIN + label_w, y)
            if mono:
                pdf.set_font(MONO, "", 8.5)
                pdf.set_text_color(*INK)
                pdf.multi_cell(width - label_w, 12.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:
                face.font(pdf, 9, color=INK)
                pdf.multi_cell(width - label_w, 12.5, t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # -- workflow ---------------------------------------------------------------------------------
    heading("Workflow")
    org_name = organization.get("name") or "-"
    org_id = organization.get("organization_id") or workflow.get("organization_id")
    items = [("Name", workflow.get("name"), False), ("Workflow ID", workflow.get("workflow_id"), True),
             ("Organization", org_name, False)]
    if org_id:
        items.append(("Organization ID", org_id, True))
    items += [("Status", workflow.get("status"), False), ("Signing order", workflow.get("signing_order"), False),
              ("Created", utc_text(workflow.get("created_at")), False),
              ("Started", utc_text(workflow.get("started_at")), False)]
    items += [(label, utc_text(workflow.get(key)), False) for key, label in FINAL_TIMES if workflow.get(key)]
    items.append(("Expires", utc_text(workflow.get("expires_at")), False))
    pairs(items)

    # -- documents --------------------------------------------------------------------------------
    heading("Documents")
    for f in files:
        hashes = file_hashes.get(f.get("file_id")) or {}
        signed = hashes.get("signed")
        with face.font(pdf, 10, bold=True, color=INK):
            pdf.multi_cell(width, 15, t(f.get("file_name") or f.get("file_id")), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
        pairs([("File ID", f.get("file_id"), True), ("Pages", f.get("page_count"), False),
               ("SHA-256 original", hashes.get("original") or f.get("sha256"), True),
               ("SHA-256 signed", signed, True) if signed else
               ("SHA-256 signed", f"- (no signed version: the workflow is {workflow.get('status')})", False)])
        pdf.ln(5)

    # -- signers ----------------------------------------------------------------------------------
    heading("Signers")
    for n, s in enumerate(signers, 1):
        kind = signature_type(s)
        status = s.get("status") or "-"
        when = s.get("signed_at") if status == "signed" else s.get("refused_at") if status == "refused" else None
        with face.font(pdf, 10, bold=True, color=INK):
            pdf.multi_cell(width, 15, t(f"{n}. {person_name(s)}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        items = [("E-mail", s.get("email"), False), ("Phone", s.get("phone"), False),
                 ("Signature type", SIGNATURE_TYPES[kind], False),
                 ("Status", f"{status}, {utc_text(when)}" if when else status, False),
                 ("Signer ID", s.get("signer_id"), True)]
        if s.get("refusal_reason"):
            items.append(("Refusal reason", s.get("refusal_reason"), False))
        pairs(items)
        pdf.ln(5)

    # -- events -----------------------------------------------------------------------------------
    heading("Events")
    table = _Table(pdf, ["Time (UTC)", "Event", "Actor", "IP address", "User agent"], keep_whole={0}, breakable=4)
    for r in rows:
        table.rows.append([utc_text(r["at"]).removesuffix(" UTC"), t(r["event"]), t(r["actor"]),
                           t(r["ip"] or "-"), t(r["user_agent"] or "-")])
        table.details.append(t(r["details"]))
    table.draw(width)
    return bytes(pdf.output())


def _summary(pdf: _Report, workflow: dict, signers: list[dict], width: float) -> None:
    """The box at the top of page 1: status, times, signers."""
    from fpdf.enums import MethodReturnValue

    face, t = pdf.face, pdf.face.text
    pad, bar = 10.0, 4.0
    inner = width - bar - 2 * pad
    cols = (inner * 0.24, inner * 0.36, inner * 0.40)
    status = str(workflow.get("status") or "-")
    order = workflow.get("signing_order")
    times = [("Created", workflow.get("created_at")), ("Started", workflow.get("started_at"))]
    times += [(label, workflow.get(key)) for key, label in FINAL_TIMES if workflow.get(key)]
    times.append(("Expires", workflow.get("expires_at")))
    signed = sum(1 for s in signers if s.get("status") == "signed")
    shown = signers[:8]
    lines = []
    for s in shown:
        state = s.get("status") or "-"
        when = s.get("signed_at") if state == "signed" else s.get("refused_at") if state == "refused" else None
        lines.append(t(f"{person_name(s)}: {state}" + (f" {utc_text(when)}" if when else "")))
    if len(signers) > len(shown):
        lines.append(f"and {len(signers) - len(shown)} more (see Signers)")
    blocks = [
        ("Status", [(status.replace("_", " ").capitalize(), 14, True)] +
         ([(f"Signing order: {order}", 8.5, False)] if order else [])),
        ("Times (UTC)", [(f"{label} {utc_text(value).removesuffix(' UTC')}", 8.5, False) for label, value in times]),
        (f"Signers: {signed} of {len(signers)} signed", [(line, 8.5, False) for line in lines]),
    ]

    def draw(dry: bool) -> float:
        top = pdf.get_y() + pad
        heights = []
        x = MARGIN + bar + pad
        for (label, entries), w in zip(blocks, cols):
            y = top
            face.font(pdf, 7.5, color=MUTED)
            pdf.set_xy(x, y)
            if not dry:
                pdf.cell(w - 6, 10, label)
            y += 12
            for text, size, bold in entries:
                with face.font(pdf, size, bold=bold, color=_ink(pdf.brand) if bold else INK):
                    pdf.set_xy(x, y)
                    h = pdf.multi_cell(w - 6, size * 1.3, text, dry_run=dry, output=MethodReturnValue.HEIGHT)
                y += h
            heights.append(y - top)
            x += w
        return max(heights) + 2 * pad

    start = pdf.get_y()
    height = draw(dry=True)
    pdf.set_fill_color(*_tint(pdf.brand, 0.92))
    pdf.rect(MARGIN, start, width, height, style="F")
    pdf.set_fill_color(*pdf.brand)
    pdf.rect(MARGIN, start, bar, height, style="F")
    pdf.set_xy(MARGIN, start)
    draw(dry=False)
    pdf.set_xy(MARGIN, start + height)
