"""axe-core in Debian's Chromium: 0 serious and 0 critical accessibility violations on every page people see.

Every journey step (terms, password and its error, overview, documents, the document viewer, identity,
code), every end page (signed, refused, expired, cancelled, a closed link, completed), the 404 page, the
dashboard's Overview and Messages pages with each captured e-mail's HTML as the Messages page shows it, and each
SMS: in English and German, at 1280x900 and 390x844, with the default teal, a light brand (yellow) and a dark one.
Each page is also checked for horizontal overflow. axe-core comes pinned from tests/a11y/package.json (make test
installs it into .node/axe/); without it the test skips, unless SIGN8_AXE_REQUIRED is set (make a11y sets it).
Marked a11y: `make a11y` runs it (.ci/run does), not the plain suite.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests

from conftest import CHROMIUM
from mock_server.pytest_plugin import MockServer
from test_journey_browser import PASSWORD, VIEWPORTS, Org, make_workflow

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(os.environ.get("SIGN8_AXE", ROOT / ".node" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
pytestmark = pytest.mark.a11y

COLOURS = {"teal": None, "yellow": "#FACC15", "dark": "#1E293B"}
BLOCKING = ("serious", "critical")
TIMINGS: list[tuple[str, float, int]] = []


@pytest.fixture(scope="module")
def axe_source() -> str:
    if os.environ.get("SIGN8_AXE_REQUIRED") and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's Chromium")
    if not AXE.exists():
        if os.environ.get("SIGN8_AXE_REQUIRED"):
            pytest.fail(f"{AXE} is missing: `make axe-core` installs it (npm ci of tests/a11y/package.json)")
        pytest.skip(f"{AXE} is missing: run `make axe-core`")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server():
    mock = MockServer()
    yield mock
    mock.stop()


@pytest.fixture(scope="module", autouse=True)
def report_durations():
    yield
    if TIMINGS:
        total = sum(t for _, t, _ in TIMINGS)
        pages = sum(n for _, _, n in TIMINGS)
        lines = [f"  {name}: {seconds:.1f} s, {n} page checks" for name, seconds, n in TIMINGS]
        print(f"\naxe-core: {pages} page checks in {total:.1f} s\n" + "\n".join(lines))


class Audit:
    """One browser page per viewport for one (language, colour); axe and the overflow check on each visit."""

    def __init__(self, browser, axe_source: str, label: str, lang: str):
        self.axe_source = axe_source
        self.label = label
        self.contexts = {name: browser.new_context(viewport=size, locale="de-DE" if lang == "de" else "en-US")
                         for name, size in VIEWPORTS.items()}
        self.pages = {name: ctx.new_page() for name, ctx in self.contexts.items()}
        self.mail_pages = {name: ctx.new_page() for name, ctx in self.contexts.items()}
        self.violations: list[str] = []
        self.checked = 0

    def close(self) -> None:
        for ctx in self.contexts.values():
            ctx.close()

    def _axe(self, frame, where: str) -> None:
        if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
            frame.evaluate(self.axe_source)
        # iframes: false, the e-mail's sandboxed frame has no scripts of its own; it is audited on its own.
        results = frame.evaluate("""() => axe.run(document, {iframes: false, resultTypes: ['violations']})
            .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + (n.failureSummary ?
                    ' — ' + n.failureSummary.split('\\n').slice(1).join(' ') : ''))})))""")
        self.checked += 1
        for v in results:
            if v["impact"] in BLOCKING:
                self.violations.append(f"{where}: {v['impact']} {v['id']} ({v['help']}): {'; '.join(v['nodes'])}")

    def check(self, name: str, url: str, expect_status: int | None = None, frames: bool = False,
              then=None) -> None:
        """Open url at every viewport and audit it (and, with frames, the e-mail shown in its iframe);
        then(page), when given, acts on the page first (a form sent) and the page it leads to is audited."""
        for viewport, page in self.pages.items():
            where = f"{self.label} {viewport} {name}"
            resp = page.goto(url)
            if expect_status is not None:
                assert resp.status == expect_status, (where, resp.status)
            if then is not None:
                then(page)
            page.wait_for_load_state("load")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= page.viewport_size["width"], f"{where}: page is {scroll}px wide"
            # Every page says its language; German headings hyphenate rather than break mid-word.
            lang, hyphens = page.evaluate("""() => [document.documentElement.lang,
                [...document.querySelectorAll('h1, h2')].map(h => getComputedStyle(h).hyphens)]""")
            assert lang, f"{where}: no lang on <html>"
            assert lang != "de" or set(hyphens) <= {"auto"}, f"{where}: German headings without hyphens: {hyphens}"
            self._axe(page.main_frame, where)
            if frames:
                # The sandboxed frame runs no script, not even axe: its HTML is audited on a page of the
                # frame's own size, which is how the Messages page shows it.
                frame = page.locator("iframe.mail")
                box = frame.bounding_box()
                mail = self.mail_pages[viewport]
                mail.set_viewport_size({"width": round(box["width"]), "height": round(box["height"])})
                mail.set_content(frame.get_attribute("srcdoc"))
                scroll = mail.evaluate("document.documentElement.scrollWidth")
                assert scroll <= round(box["width"]), f"{where}: the e-mail is {scroll}px wide in its frame"
                self._axe(mail.main_frame, where + " (e-mail HTML)")


def _small_workflow(org: Org, lang: str, colour: str | None, name: str, signers: int = 1) -> dict:
    """A started workflow with one document and signers (sealing, speaking lang); returns the first and the last."""
    body = {"name": name}
    if colour:
        body["interface_id"] = org.api("AddInterface", {"name": "Harbour Homes", "primary_color": colour})["interface_id"]
    wid = org.api("AddWorkflow", body)["workflow_id"]
    import base64  # noqa: PLC0415

    from mock_server.samples import sample_pdf  # noqa: PLC0415
    f = org.api("AddFile", {"workflow_id": wid, "file_name": "Vertrag.pdf" if lang == "de" else "Contract.pdf",
                            "data": base64.b64encode(sample_pdf()).decode()})
    added = []
    for i in range(signers):
        s = org.api("AddSigner", {"workflow_id": wid, "email": f"{name.split()[0].lower()}{i}@example.com",
                                  "first_name": "Lena", "last_name": "Vogel", "phone": "+4915112345678",
                                  "language": lang, "signature_type": "advanced_seal"})
        org.api("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": s["signer_id"],
                                 "page": 1, "x": 72, "y": 600 - 80 * i, "width": 200, "height": 56})
        added.append(s)
    org.api("StartWorkflow", {"workflow_id": wid})
    return {"workflow_id": wid, "signer": added[0], "last": added[-1]}


def _post(url: str, data: dict | None = None) -> None:
    resp = requests.post(url, json=data or {}, timeout=10)
    assert resp.status_code == 200, (url, resp.status_code, resp.text)


@pytest.mark.parametrize("colour", list(COLOURS))
@pytest.mark.parametrize("lang", ["en", "de"])
def test_no_serious_or_critical_violations(browser, server, axe_source, lang, colour):
    started = time.monotonic()
    org = Org(server.url)
    audit = Audit(browser, axe_source, f"[{lang} {colour}]", lang)
    try:
        made = make_workflow(org, lang, "qualified_signature", COLOURS[colour])
        # The other signer signs first (the JSON shortcut), so the viewer shows a field signed by someone else.
        _post(made["other"]["signing_url"] + "/sign", {"password": PASSWORD})
        org.api("SendReminder", {"workflow_id": made["workflow_id"]})  # a reminder e-mail for the Messages page
        url = made["walker"]["signing_url"]
        walk = requests.Session()

        audit.check("terms", url)
        walk.post(url + "/terms", data={"terms": "on", "privacy": "on"})
        audit.check("password", url)

        def wrong_password(page):
            page.fill("#workflow-password", "wrong")
            page.click("#password-continue")
            page.wait_for_selector("#action-error")
        audit.check("password, a wrong one sent", url, then=wrong_password)
        walk.post(url + "/password", data={"password": PASSWORD})
        audit.check("overview", url)
        walk.post(url + "/details")
        audit.check("documents", url)
        for i, f in enumerate(made["files"]):
            if i == 0:
                audit.check("document viewer", f"{url}/documents/{f['file_id']}")
            else:
                walk.get(f"{url}/documents/{f['file_id']}")
        walk.post(url + "/documents")
        audit.check("identity", url)
        walk.post(url + "/identity")
        audit.check("code", url)
        walk.post(url + "/code")
        audit.check("code sent", url)
        code = org.sms_code(made["phone"])
        signed = walk.post(url + "/sign", data={"code": code})
        assert signed.status_code == 200 and "end-signed" in signed.text, signed.text[:500]
        audit.check("signed", url + "?just=signed")
        audit.check("completed (a later visit)", url)

        refused = _small_workflow(org, lang, COLOURS[colour], "Refused seal")
        _post(refused["signer"]["signing_url"] + "/refuse", {"reason": "Die Adresse ist falsch." if lang == "de"
                                                             else "The address is wrong."})
        audit.check("refused", refused["signer"]["signing_url"])
        expired = _small_workflow(org, lang, COLOURS[colour], "Expired seal")
        _post(f"{server.url}/_mock/workflows/{expired['workflow_id']}/expire")
        audit.check("expired", expired["signer"]["signing_url"], expect_status=410)
        cancelled = _small_workflow(org, lang, COLOURS[colour], "Cancelled seal")
        org.api("CancelWorkflow", {"workflow_id": cancelled["workflow_id"]})
        audit.check("cancelled", cancelled["signer"]["signing_url"], expect_status=410)
        closed = _small_workflow(org, lang, COLOURS[colour], "Closed seal", signers=2)
        _post(closed["signer"]["signing_url"] + "/refuse")
        audit.check("closed link (another signer refused)", closed["last"]["signing_url"], expect_status=410)
        audit.check("not found", f"{server.url}/sign/no-such-link", expect_status=404)

        audit.check("dashboard overview", f"{server.url}/_mock/")
        messages = org.http.get(f"{server.url}/_mock/messages", timeout=10).json()["items"]
        kinds = {m["kind"] for m in messages}
        assert {"invitation", "reminder", "tan", "cancelled", "completed"} <= kinds, kinds
        seen = set()
        for m in messages:  # one of each kind and channel: the same template otherwise
            if (m["kind"], m["channel"]) in seen:
                continue
            seen.add((m["kind"], m["channel"]))
            audit.check(f"messages: {m['kind']} {m['channel']}",
                        f"{server.url}/_mock/messages/inbox?message_id={m['message_id']}",
                        frames=m["channel"] == "email")
    finally:
        audit.close()
    TIMINGS.append((audit.label, time.monotonic() - started, audit.checked))
    assert not audit.violations, f"{len(audit.violations)} serious/critical axe violations:\n" + \
        "\n".join(audit.violations)
