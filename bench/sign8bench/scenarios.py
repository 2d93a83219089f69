"""Scenarios A to G of issue 6, H (signed documents), I (start-up with a big store, issue 14) and J (retention,
issue 21: retention.py); each one adds its figures to the results dict R."""
from __future__ import annotations

import base64
import json
import math
import shutil
import subprocess
import threading
import time
import traceback
import uuid
from pathlib import Path

import requests

from mock_server.domain.records import workflow_record
from mock_server.storage.snapshot_file import snapshot_lines

from . import ADD_BODY, AUTH, DESCRIPTION, PDF_100K, PDF_SMALL, iso_z, log, median
from .clients import Client, Receiver, post_answered_at
from .report import fmt
from .retention import scenario_j
from .servers import Harness, Server
from .wrk import run_wrk, summarize


def scenario_a_b(h: Harness, R: dict) -> None:
    """A AddWorkflow and B GetWorkflow throughput and latency under wrk."""
    # The servers alternate within each repetition so that a drift in the machine's other
    # load hits both alike.
    reps, dur = h.args.reps, h.args.duration
    post_js = json.dumps(h.json_record()).encode()
    R["record_bytes"] = {"sign8_request": len(ADD_BODY), "json_server_request": len(post_js)}
    runs = {(sc, kind): [] for sc in "AB" for kind in h.args.kinds}
    for rep in range(reps):
        for kind in h.args.kinds:
            # A: fresh, empty store for every repetition.
            with (h.start_sign8() if kind == "sign8" else h.start_json()) as s:
                if kind == "sign8":
                    wf = h.add_workflow(s)  # warm-up
                    R.setdefault("stored_record_example", wf)
                    url, body, hdr = (f"{s.base}/api/workflow/AddWorkflow", ADD_BODY,
                                      {**AUTH, "Content-Type": "application/json"})
                else:
                    r = requests.post(f"{s.base}/workflows", data=post_js,
                                      headers={"Content-Type": "application/json"}, timeout=10)
                    r.raise_for_status()
                    url, body, hdr = (f"{s.base}/workflows", post_js,
                                      {"Content-Type": "application/json"})
                a = run_wrk(h, url, "POST", body, hdr, dur, f"a-{kind}")
                a["stored_after"] = count_stored(h, s, kind)
                runs[("A", kind)].append(a)
                log(f"A {kind} rep {rep + 1}: {a['ok_rps']:.0f} req/s p50 {a['p50_ms']:.2f} ms "
                    f"p99 {a['p99_ms']:.2f} ms non2xx {a['non2xx']}")
        for kind in h.args.kinds:
            # B: GET of one existing record on a fresh server holding that one record.
            with (h.start_sign8() if kind == "sign8" else h.start_json()) as s:
                if kind == "sign8":
                    wf = h.add_workflow(s)
                    get_url = f"{s.base}/api/workflow/GetWorkflow?workflow_id={wf['workflow_id']}"
                    hdr = AUTH
                else:
                    r = requests.post(f"{s.base}/workflows", data=post_js,
                                      headers={"Content-Type": "application/json"}, timeout=10)
                    r.raise_for_status()
                    get_url, hdr = f"{s.base}/workflows/{r.json()['id']}", {}
                b = run_wrk(h, get_url, "GET", None, hdr, dur, f"b-{kind}")
                runs[("B", kind)].append(b)
                log(f"B {kind} rep {rep + 1}: {b['ok_rps']:.0f} req/s p50 {b['p50_ms']:.2f} ms "
                    f"p99 {b['p99_ms']:.2f} ms non2xx {b['non2xx']}")
                # B, list: a page of 50 (ListWorkflows limit 50; json-server ?_limit=50), 50 stored.
                for _ in range(49):
                    if kind == "sign8":
                        h.add_workflow(s)
                    else:
                        requests.post(f"{s.base}/workflows", data=post_js,
                                      headers={"Content-Type": "application/json"}, timeout=10).raise_for_status()
                list_url = (f"{s.base}/api/workflow/ListWorkflows?limit=50" if kind == "sign8"
                            else f"{s.base}/workflows?_limit=50")
                bl = run_wrk(h, list_url, "GET", None, hdr, dur, f"bl-{kind}")
                runs.setdefault(("BL", kind), []).append(bl)
                log(f"B list {kind} rep {rep + 1}: {bl['ok_rps']:.0f} req/s p50 {bl['p50_ms']:.2f} ms "
                    f"non2xx {bl['non2xx']}")
    for (sc, kind), rs in runs.items():
        R[f"{sc}_{kind}"] = summarize(rs)


def count_stored(h: Harness, s: Server, kind: str) -> int | None:
    """Records in json-server's file after A (its store grows with every write); None for sign8-mock."""
    try:
        if kind == "json":
            return len(json.loads((s.workdir / "db.json").read_text())["workflows"])
    except (OSError, ValueError, KeyError):
        pass
    return None


def scenario_c(h: Harness, R: dict) -> None:
    """C whole signing flows per second, one flow at a time per client thread."""
    pdf_b64 = base64.b64encode(PDF_100K.read_bytes()).decode()
    dur, conc = h.args.duration, h.args.connections
    with h.start_sign8() as s:
        Client(s.base).prepared(pdf_b64)  # warm-up: every route once
        done_t: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        t0 = time.perf_counter()
        deadline = t0 + dur

        def worker():
            c = Client(s.base)
            while time.perf_counter() < deadline:
                ts = time.perf_counter()
                try:
                    wid, signers = c.prepared(pdf_b64)
                    c.signer_post(signers[0]["signing_url"], "sign", "bench")
                    c.signer_post(signers[1]["signing_url"], "refuse", "bench refusal")
                except Exception as e:  # noqa: BLE001 - reported in the table
                    with lock:
                        errors.append(str(e))
                    if len(errors) > 50:
                        return
                    continue
                te = time.perf_counter()
                with lock:
                    done_t.append((te, te - ts))

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(conc)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=dur + 120)
        inwin = [d for (te, d) in done_t if te <= deadline]
        R["C_sign8"] = {"flows_per_s": len(inwin) / dur, "flows": len(inwin), "clients": conc,
                        "flow_p50_ms": (median(inwin) or 0) * 1e3, "errors": len(errors),
                        "first_error": errors[0] if errors else None}
        log(f"C: {R['C_sign8']['flows_per_s']:.1f} flows/s ({len(inwin)} flows, {len(errors)} errors)"
            + (f" first error: {errors[0]}" if errors else ""))


def write_sign8_prefill(h: Harness, n: int, datadir: Path) -> dict:
    """Store n workflows in datadir through `sign8-mock import`, not HTTP; timing of the import."""
    now = time.time()
    snap = {"format": "sign8-mock-snapshot/1",
            "tables": {"workflows": [h.sign8_record(now) for _ in range(n)]}, "blobs": {}}
    sp = datadir.parent / f"snapshot-{n}.json"
    sp.write_text(json.dumps(snap))
    t = time.perf_counter()
    p = subprocess.run([h.sign8, "import", str(sp), "--db", str(datadir / "db.json")],
                       capture_output=True, text=True, timeout=600, env=h.sign8_env())
    if p.returncode != 0:
        raise RuntimeError(f"sign8-mock import ({n} workflows) failed {p.returncode}: "
                           f"{(p.stderr or p.stdout).strip()[-400:]}")
    info = {"import_s": time.perf_counter() - t, "snapshot_mb": sp.stat().st_size / 1e6}
    sp.unlink()
    return info


def write_json_prefill(h: Harness, n: int, datadir: Path) -> None:
    """Write json-server's db.json with n workflows."""
    now = time.time()
    # lowdb writes its file with 2-space indentation; prefill it the same way.
    (datadir / "db.json").write_text(json.dumps(
        {"workflows": [h.json_record(i + 1, now) for i in range(n)]}, indent=2))


def scenario_d_f(h: Harness, R: dict) -> None:
    """D AddWorkflow p50 against store size, and F RSS at the largest size."""
    # The servers alternate within each repetition, as in A and B.
    sizes, reps, dur = h.args.sizes, h.args.reps, h.args.d_duration
    post_js = json.dumps(h.json_record()).encode()
    if "sign8" in h.args.kinds:
        h.probe_org_id()
    F = R.setdefault("F", {})
    for kind in h.args.kinds:
        R[f"D_{kind}"] = {}
    for n in sizes:
        bases, infos, runs = {}, {}, {k: [] for k in h.args.kinds}
        for kind in h.args.kinds:
            bases[kind] = h.newdir(f"d-{kind}-{n}-base")
            if kind == "sign8":
                infos[kind] = write_sign8_prefill(h, n, bases[kind])
                log(f"D prefill sign8 {n}: import {infos[kind]['import_s']:.2f} s "
                    f"(snapshot {infos[kind]['snapshot_mb']:.1f} MB)")
            else:
                write_json_prefill(h, n, bases[kind])
                infos[kind] = {}
            infos[kind]["startup_s"] = []
        for rep in range(reps):
            for kind in h.args.kinds:
                d = h.tmp / f"{bases[kind].name}-rep{rep}"
                shutil.copytree(bases[kind], d)
                with (h.start_sign8(d) if kind == "sign8" else h.start_json(d)) as s:
                    infos[kind]["startup_s"].append(s.startup_s)
                    if n == max(sizes) and rep == 0:
                        # F: RSS with n stored, idle after start and one request.
                        requests.get(f"{s.base}{s.health}", timeout=10)
                        time.sleep(1.0)
                        F[f"{kind}_idle_kb"] = s.rss_kb()
                    if kind == "sign8":
                        r = run_wrk(h, f"{s.base}/api/workflow/AddWorkflow", "POST", ADD_BODY,
                                  {**AUTH, "Content-Type": "application/json"}, dur, f"d-{kind}")
                    else:
                        r = run_wrk(h, f"{s.base}/workflows", "POST", post_js,
                                  {"Content-Type": "application/json"}, dur, f"d-{kind}")
                    r["rss_kb"] = s.rss_kb()
                    if n == max(sizes):
                        F[f"{kind}_after_load_kb"] = max(F.get(f"{kind}_after_load_kb") or 0,
                                                         r["rss_kb"] or 0)
                    runs[kind].append(r)
                    log(f"D {kind} n={n} rep {rep + 1}: p50 {r['p50_ms']:.2f} ms "
                        f"{r['ok_rps']:.0f} req/s non2xx {r['non2xx']} "
                        f"rss {(r['rss_kb'] or 0) / 1024:.0f} MB (start {s.startup_s:.2f} s)")
                if not h.args.keep:
                    shutil.rmtree(d, ignore_errors=True)
        for kind in h.args.kinds:
            R[f"D_{kind}"][str(n)] = {**summarize(runs[kind]), **infos[kind],
                                      "startup_s": median(infos[kind]["startup_s"])}
            if not h.args.keep:
                shutil.rmtree(bases[kind], ignore_errors=True)


def scenario_e(h: Harness, R: dict) -> None:
    """E cold start: launch to the first 200 on the health path, and idle RSS."""
    # The variants alternate; the first round only warms the page cache and is not counted.
    n = h.args.cold_starts
    variants = [(k, True) for k in h.args.kinds]
    if "sign8" in h.args.kinds:
        variants.append(("sign8", False))  # info: without any bytecode cache
    times = {v: [] for v in variants}
    rss = {v: [] for v in variants}
    for i in range(n + 1):
        for kind, cache in variants:
            s = (h.start_sign8(wait=False, bytecode_cache=cache) if kind == "sign8"
                 else h.start_json(wait=False))
            try:
                t = s.wait_ready(timeout=30)
                time.sleep(0.2)
                kb = s.rss_kb()
            finally:
                s.stop()
            if i:
                times[(kind, cache)].append(t)
                rss[(kind, cache)].append(kb)
    for (kind, cache) in variants:
        key = f"E_{kind}" if cache else f"E_{kind}_nocache"
        ts = times[(kind, cache)]
        R[key] = {"median_s": median(ts), "runs_s": ts, "idle_rss_kb": median(rss[(kind, cache)])}
        log(f"{key}: median {median(ts):.3f} s runs {[round(t, 3) for t in ts]}")


def scenario_g(h: Harness, R: dict) -> None:
    """G webhook latency after a refuse, after a clock advance, and of a real-time expiry."""
    pdf_b64 = base64.b64encode(PDF_SMALL.read_bytes()).decode()
    rcv = Receiver()
    G: dict = {"refuse_ms": [], "advance_ms": [], "realtime_s": [], "misses": []}
    R["G"] = G
    try:
        with h.start_sign8() as s:
            Client(s.base).prepared(pdf_b64, webhook_url=rcv.url)  # warm-up
            # 1. refuse call returning -> workflowRefused POST arriving
            for i in range(h.args.g_samples):
                c = Client(s.base)
                wid, signers = c.prepared(pdf_b64, signers=1, webhook_url=rcv.url)
                t_ret = c.signer_post(signers[0]["signing_url"], "refuse", "bench refusal")
                ev = rcv.wait_for("/api/workflow/workflowRefused", wid, 5.0)
                if ev is None:
                    G["misses"].append(f"no workflowRefused within 5 s for {wid}")
                else:
                    # Events fire after commit, so after the answer: a negative figure is a bug, kept and flagged.
                    G["refuse_ms"].append((ev[1] - t_ret) * 1e3)
            # 2. clock advance returning -> workflowExpired POST arriving (one org per sample:
            #    the advance moves that key's organization clock only)
            for i in range(h.args.g_samples):
                key = f"bench-g-clock-{i}-{uuid.uuid4().hex[:8]}"
                c = Client(s.base, key)
                wid, _ = c.prepared(pdf_b64, signers=1, webhook_url=rcv.url,
                                    expires_at=iso_z(time.time() + 3600))
                status, answer, t_ret = post_answered_at(f"{s.base}/_mock/clock/advance", {"seconds": 7200},
                                                         {"Authorization": c.s.headers["Authorization"]})
                if status != 200:
                    G["misses"].append(f"clock advance -> {status} {answer[:200]!r}")
                    break
                ev = rcv.wait_for("/api/workflow/workflowExpired", wid, 5.0)
                if ev is None:
                    G["misses"].append(f"no workflowExpired within 5 s of the clock advance for {wid}")
                else:
                    G["advance_ms"].append((ev[1] - t_ret) * 1e3)
            # 3. real-time expiry: expires_at ~1.5-2.5 s ahead (whole seconds), no clock call
            pend = []
            for i in range(h.args.rt_samples):
                key = f"bench-g-rt-{i}-{uuid.uuid4().hex[:8]}"
                exp = math.ceil(time.time() + 1.5)
                c = Client(s.base, key)
                wid, _ = c.prepared(pdf_b64, signers=1, webhook_url=rcv.url, expires_at=iso_z(exp))
                pend.append((wid, exp))
            for wid, exp in pend:
                left = exp + 5.0 - time.time()
                ev = rcv.wait_for("/api/workflow/workflowExpired", wid, max(left, 0.1))
                if ev is None:
                    G["misses"].append(f"no workflowExpired within 5 s after expires_at for {wid}")
                    G["realtime_s"].append(None)
                else:
                    G["realtime_s"].append(ev[1] - exp)
    finally:
        rcv.close()
    log(f"G: refuse p50 {fmt(median(G['refuse_ms']))} ms, advance p50 {fmt(median(G['advance_ms']))} ms, "
        f"real-time {[fmt(x, 3) for x in G['realtime_s']]} s, misses {len(G['misses'])}")



def pdf_of(pages: int) -> bytes:
    """A plain PDF of this many pages (fpdf2, a dependency of the server), a line of text on each."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(595, 842))
    pdf.set_font("Helvetica", size=11)
    for n in range(1, pages + 1):
        pdf.add_page()
        for line in range(40):
            pdf.text(56, 70 + 18 * line, f"Page {n}, clause {line + 1}: the parties agree to the terms set out here.")
    return bytes(pdf.output())


def documents_ready_after(c: Client, base: str, wid: str, t_ret: float, timeout: float) -> float | None:
    """Seconds from t_ret until GetWorkflow shows signed_file_id on every file and audit_report_file_id."""
    deadline = t_ret + timeout
    while time.perf_counter() < deadline:
        wf = c.s.get(f"{base}/api/workflow/GetWorkflow", params={"workflow_id": wid}, timeout=30).json()
        if wf.get("audit_report_file_id") and all(f.get("signed_file_id") for f in wf["files"]):
            return time.perf_counter() - t_ret
        time.sleep(0.01)
    return None


def scenario_h(h: Harness, R: dict) -> None:
    """H completion-to-ready: the last sign call returning -> both ids in GetWorkflow (1 and 50 pages, 3 signers)."""
    H: dict = {"misses": []}
    R["H"] = H
    docs = {"1": base64.b64encode(pdf_of(1)).decode(), "50": base64.b64encode(pdf_of(50)).decode()}
    with h.start_sign8() as s:
        # Warm-up flow (not counted): the server imports pyHanko and fpdf2 in the background after start.
        c = Client(s.base)
        wid, signers = c.prepared(docs["1"], signers=3)
        for sg in signers:
            c.signer_post(sg["signing_url"], "sign", "bench")
        H["first_after_start_s"] = documents_ready_after(c, s.base, wid, time.perf_counter(), 120.0)
        for pages, pdf_b64 in docs.items():
            H[pages] = []
            for i in range(h.args.h_samples):
                c = Client(s.base)
                wid, signers = c.prepared(pdf_b64, signers=3)
                for sg in signers:
                    c.signer_post(sg["signing_url"], "sign", "bench")
                t_ret = time.perf_counter()  # the last sign call has returned
                took = documents_ready_after(c, s.base, wid, t_ret, 60.0)
                if took is None:
                    H["misses"].append(f"{pages} pages: no documents within 60 s for {wid}")
                H[pages].append(took)
    log(f"H: 1 page p50 {fmt(median(H['1']), 3)} s {[fmt(x, 3) for x in H['1']]}; "
        f"50 pages p50 {fmt(median(H['50']), 3)} s {[fmt(x, 3) for x in H['50']]}; misses {len(H['misses'])}")


def write_big_store(datadir: Path, snapshot_n: int, journal_n: int) -> None:
    """A store as a long-running mock leaves it: snapshot_n workflows in the snapshot (written by the store's own
    snapshot writer, as compaction writes it) and journal_n more in the journal, one AddWorkflow line each (as the
    API appends them)."""
    now = time.time()
    org = str(uuid.uuid4())

    def rec():
        return workflow_record(organization_id=org, name="bench", description=DESCRIPTION, now=iso_z(now),
                               expires_at=iso_z(now + 30 * 86400))
    with open(datadir / "db.json", "w", encoding="utf-8") as fh:
        fh.writelines(snapshot_lines({"workflows": [rec() for _ in range(snapshot_n)]}, generation=0))
    with open(datadir / "db.json.journal.0", "w") as fh:
        for _ in range(journal_n):
            fh.write(json.dumps({"ops": [["put", "workflows", rec()]]}, separators=(",", ":")) + "\n")


def scenario_i(h: Harness, R: dict) -> None:
    """I start-up with a big store: launch to the first 200 on /_mock/health, and RSS then; beside an empty store."""
    # 50,000 stored workflows: 30,000 in the snapshot plus a 20,000-line journal (the compaction threshold), so the
    # start reads both kinds of file. Each launch gets a fresh copy; the variants alternate.
    total, journal_n = h.args.i_workflows, min(20000, h.args.i_workflows)
    base = h.newdir("i-base")
    write_big_store(base, total - journal_n, journal_n)
    I: dict = {"workflows": total, "journal_lines": journal_n, "big_s": [], "big_rss_kb": [], "empty_s": []}
    R["I"] = I
    for rep in range(h.args.reps + 1):
        for variant in ("empty", "big"):
            d = h.tmp / f"i-{variant}-{rep}"
            if variant == "big":
                shutil.copytree(base, d)
            else:
                d.mkdir()
            s = h.start_sign8(d, wait=False)
            try:
                t = s.wait_ready(timeout=120)
                kb = s.rss_kb()
            finally:
                s.stop()
            shutil.rmtree(d, ignore_errors=True)
            if rep:  # the first round only warms the page cache
                I[f"{variant}_s"].append(t)
                if variant == "big":
                    I["big_rss_kb"].append(kb)
            log(f"I {variant} rep {rep}: first 200 after {t:.3f} s" + (f", RSS {kb / 1024:.0f} MB" if variant == "big" else ""))
    if not h.args.keep:
        shutil.rmtree(base, ignore_errors=True)
    log(f"I: {total:,} workflows: median {median(I['big_s']):.3f} s, RSS {median(I['big_rss_kb']) / 1024:.0f} MB; "
        f"empty {median(I['empty_s']):.3f} s")


PLAN = [("E", scenario_e), ("A", scenario_a_b), ("C", scenario_c), ("G", scenario_g),
        ("D", scenario_d_f), ("H", scenario_h), ("I", scenario_i), ("J", scenario_j)]


def run_scenarios(h: Harness, R: dict, errors: dict) -> None:
    """Run the scenarios in h.args.only, in PLAN's order; a failing one goes to errors."""
    for letter, fn in PLAN:
        if letter in h.args.only or (letter == "A" and "B" in h.args.only) or (letter == "D" and "F" in h.args.only):
            log(f"scenario {letter}{'/B' if letter == 'A' else '/F' if letter == 'D' else ''} ...")
            try:
                fn(h, R)
            except Exception as e:  # noqa: BLE001 - one broken scenario must not hide the rest
                traceback.print_exc()
                errors[{"A": "A/B", "D": "D/F"}.get(letter, letter)] = f"{type(e).__name__}: {e}"
