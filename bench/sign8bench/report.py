"""The results as a markdown table (latest.md), a JSON dump (latest.json) and the scenario D plot."""
from __future__ import annotations

import json
from pathlib import Path

from . import ADD_BODY, CLIENT_CPU, SERVER_CPU, median
from .servers import Harness


def fmt(x, nd: int = 1) -> str:
    """A figure for the table: nd decimals, none from 100 up, thousands separated; — when not measured."""
    if x is None:
        return "—"
    if isinstance(x, float) and abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{nd}f}"


def verdict(value, target, better: str, unit: str = "") -> str:
    """'yes' or 'no (...)' for value against target; better is 'high' or 'low'."""
    if value is None:
        return "no (not measured)"
    ok = value >= target if better == "high" else value <= target
    if ok:
        return "yes"
    if better == "high":
        return f"no: {fmt(value, 2)}{unit} < {fmt(target, 2)}{unit} ({(1 - value / target) * 100:.0f}% short)"
    return f"no: {fmt(value, 2)}{unit} > {fmt(target, 2)}{unit} ({(value / target - 1) * 100:.0f}% over)"


def ratio(a, b):
    """a / b, or None when either is missing."""
    return a / b if a is not None and b else None


def reps_str(runs, key, nd=0):
    """One figure of every repetition, "a / b / c"."""
    return " / ".join(fmt(r.get(key), nd) for r in runs)


def report(h: Harness, R: dict, errors: dict, facts: dict, elapsed: float) -> str:
    """The markdown of latest.md: machine facts, the table with targets and verdicts, the repetitions."""
    a = h.args
    rows = []
    met_all = True

    def row(sc, metric, us, js, rt, target, met):
        nonlocal met_all
        if met.startswith("no"):
            met_all = False
        rows.append(f"| {sc} | {metric} | {us} | {js} | {rt} | {target} | {met} |")

    # Targets of issue 14 (A >= 4x, B >= 1.3x json-server; ListWorkflows reported beside B).
    for key, label, factor in (("A", "AddWorkflow", 4.0), ("B", "GetWorkflow", 1.3), ("BL", "ListWorkflows limit 50", None)):
        ours, theirs = R.get(f"{key}_sign8"), R.get(f"{key}_json")
        if not (ours and theirs):
            continue
        r = ratio(ours["ok_rps"], theirs["ok_rps"])
        row(f"{key} {label}, c{a.connections} {a.duration:g} s", f"req/s (median of {a.reps})",
            fmt(ours["ok_rps"], 0), fmt(theirs["ok_rps"], 0), f"{fmt(r, 2)}x",
            f">= {factor:g}x json-server" if factor else "— (reported; json-server: ?_limit=50)",
            verdict(r, factor, "high", "x") if factor else "—")
        row(key, "p50 / p99 ms", f"{fmt(ours['p50_ms'], 2)} / {fmt(ours['p99_ms'], 1)}",
            f"{fmt(theirs['p50_ms'], 2)} / {fmt(theirs['p99_ms'], 1)}",
            f"{fmt(ratio(ours['p50_ms'], theirs['p50_ms']), 2)}x (p50)", "—", "—")
    C = R.get("C_sign8")
    if C:
        row(f"C whole flow, {C['clients']} clients {a.duration:g} s", "flows/s (flow p50 ms)",
            f"{fmt(C['flows_per_s'], 1)} ({fmt(C['flow_p50_ms'], 0)})", "n/a", "—", "— (reported)",
            "yes" if not C["errors"] else f"no: {C['errors']} failed flows")
    D8, DJ = R.get("D_sign8"), R.get("D_json")
    if D8 and DJ:
        for n in a.sizes:
            d8, dj = D8.get(str(n)), DJ.get(str(n))
            if d8 and dj:
                row(f"D AddWorkflow, {n:,} stored, c{a.connections} {a.d_duration:g} s",
                    f"p50 ms (median of {a.reps})",
                    fmt(d8["p50_ms"], 2), fmt(dj["p50_ms"], 2), f"{fmt(ratio(d8['p50_ms'], dj['p50_ms']), 3)}x",
                    "—", "—")
        lo, hi = str(min(a.sizes)), str(max(a.sizes))
        if lo in D8 and hi in D8:
            g8 = ratio(D8[hi]["p50_ms"], D8[lo]["p50_ms"])
            gj = ratio(DJ.get(hi, {}).get("p50_ms"), DJ.get(lo, {}).get("p50_ms"))
            row("D", f"p50 at {int(hi):,} / p50 at {int(lo):,}", f"{fmt(g8, 2)}x", f"{fmt(gj, 1)}x", "—",
                "<= 1.5x", verdict(g8, 1.5, "low", "x"))
    E8, EJ = R.get("E_sign8"), R.get("E_json")
    if E8 and EJ:
        r = ratio(E8["median_s"], EJ["median_s"])
        row("E cold start to first 200", f"s (median of {a.cold_starts})", fmt(E8["median_s"], 3),
            fmt(EJ["median_s"], 3), f"{fmt(r, 2)}x", "<= 0.8x json-server", verdict(r, 0.8, "low", "x"))
        if R.get("E_sign8_nocache"):
            rn = ratio(R["E_sign8_nocache"]["median_s"], EJ["median_s"])
            row("E", "s, no bytecode cache (PYTHONDONTWRITEBYTECODE=1)",
                fmt(R["E_sign8_nocache"]["median_s"], 3), fmt(EJ["median_s"], 3), f"{fmt(rn, 2)}x",
                "<= 0.8x json-server", verdict(rn, 0.8, "low", "x"))
        row("E", "idle RSS MB, empty store", fmt((E8["idle_rss_kb"] or 0) / 1024, 0),
            fmt((EJ["idle_rss_kb"] or 0) / 1024, 0), "—", "—", "—")
    F = R.get("F")
    if F and F.get("sign8_idle_kb") is not None:
        worst = max(F.get("sign8_idle_kb") or 0, F.get("sign8_after_load_kb") or 0) / 1024
        row(f"F RSS, {max(a.sizes):,} stored", "MB idle / after D's load (larger judged)",
            f"{fmt(F['sign8_idle_kb'] / 1024, 0)} / {fmt((F.get('sign8_after_load_kb') or 0) / 1024, 0)}",
            f"{fmt((F.get('json_idle_kb') or 0) / 1024, 0)} / {fmt((F.get('json_after_load_kb') or 0) / 1024, 0)}",
            "—", "<= 150 MB", verdict(worst, 150, "low", " MB"))
    G = R.get("G")
    if G:
        rp, ap = median(G["refuse_ms"]), median(G["advance_ms"])
        rt = G["realtime_s"]
        rtw = None if (not rt or any(x is None for x in rt)) else max(rt)
        # Measured from the call's return; events fire after commit, so no sample may be negative.
        for label, xs, p50 in (("G refuse returns -> workflowRefused", G["refuse_ms"], rp),
                               ("G clock advance returns -> workflowExpired", G["advance_ms"], ap)):
            neg = [x for x in xs if x < 0]
            row(label, f"p50 ms ({len(xs)} samples, min {fmt(min(xs) if xs else None, 1)})", fmt(p50, 1), "n/a", "—",
                "<= 100 ms, none negative",
                f"no: {len(neg)} negative (the webhook arrived before the call returned)" if neg
                else verdict(p50, 100, "low", " ms"))
        row("G real-time expiry: POST after expires_at", f"s, worst of {len(rt)}",
            fmt(rtw, 3) if rtw is not None else "never (5 s)", "n/a", "—", "<= 1 s",
            verdict(rtw, 1.0, "low", " s"))
    H = R.get("H")
    if H:
        for pages, target in (("1", 1.0), ("50", 5.0)):
            xs = H.get(pages) or []
            worst = None if (not xs or any(x is None for x in xs)) else max(xs)
            row(f"H last sign returns -> signed_file_id and audit_report_file_id, {pages} page{'s' * (pages != '1')}, "
                "3 signers", f"p50 s ({len(xs)} samples, worst {fmt(worst, 2)})", fmt(median(xs), 3), "n/a", "—",
                f"<= {target:g} s", verdict(median(xs), target, "low", " s"))
    I = R.get("I")
    if I and I.get("big_s"):
        big, empty, rss = median(I["big_s"]), median(I["empty_s"]), median(I["big_rss_kb"])
        row(f"I start-up with {I['workflows']:,} workflows stored ({I['journal_lines']:,} of them in the journal)",
            f"s to first 200 (median of {len(I['big_s'])}; empty store {fmt(empty, 3)} s, ratio {fmt(ratio(big, empty), 1)}x)",
            fmt(big, 3), "n/a", "—", "<= 1.0 s", verdict(big, 1.0, "low", " s"))
        row("I", "RSS MB at the first 200", fmt((rss or 0) / 1024, 0), "n/a", "—", "<= 150 MB",
            verdict(rss / 1024 if rss else None, 150, "low", " MB"))
    J = R.get("J")
    if J and J.get("series"):
        size = f"{J['cycles']:,} create -> start -> refuse cycles, {J['keys']} keys, retention 1 day"
        row(f"J {size}", f"RSS growth over the last half ({fmt(J['series'][len(J['series']) // 2 - 1]['rss_kb'] / 1024, 0)}"
            f" -> {fmt(J['series'][-1]['rss_kb'] / 1024, 0)} MB)", f"{J['rss_growth'] * 100:+.1f}%", "n/a", "—",
            "<= 10%", verdict(J["rss_growth"] * 100, 10, "low", "%"))
        row("J", f"disk growth over the last half ({fmt(J['series'][len(J['series']) // 2 - 1]['disk_bytes'] / 1e6, 1)}"
            f" -> {fmt(J['series'][-1]['disk_bytes'] / 1e6, 1)} MB)", f"{J['disk_growth'] * 100:+.1f}%", "n/a", "—",
            "<= 10%", verdict(J["disk_growth"] * 100, 10, "low", "%"))
        row("J", f"start-up at the end / at the beginning ({fmt(median(J['start_end_s']), 3)} / "
            f"{fmt(median(J['start_begin_s']), 3)} s)", f"{fmt(J['start_ratio'], 2)}x", "n/a", "—", "<= 2x",
            verdict(J["start_ratio"], 2, "low", "x"))
        row("J", f"GetWorkflow p99 during a retention run / without ({fmt(J['during_p99_ms'], 1)} / "
            f"{fmt(J['quiet_p99_ms'], 1)} ms; longest lock {fmt(J['longest_lock_ms'], 1)} ms, CPU "
            f"{fmt(J.get('longest_lock_cpu_ms'), 1)} ms)",
            f"{fmt(J['p99_ratio'], 2)}x", "n/a", "—", "<= 2x", verdict(J["p99_ratio"], 2, "low", "x"))
    for sc, err in errors.items():
        met_all = False
        row(sc, "error", "—", "—", "—", "—", f"no: {err.splitlines()[0][:160]}")

    lines = [
        "# sign8-mock benchmark",
        "",
        f"{facts['date']} · {facts['cpus']} CPUs ({facts['cpu_model']}), {facts['memory']} RAM, "
        f"Linux {facts['kernel']} · Python {facts['python']} · sign8-mock {facts['sign8_mock']} · "
        f"json-server {facts['json_server']} on Node {facts['node']} · wrk {facts['wrk']} · "
        f"run took {elapsed / 60:.1f} min · before the run: CPUs {facts['busy_start'] * 100:.0f}% busy, "
        f"load average {facts['loadavg_start']:.2f}",
        "",
        *([f"**Warning: other work kept the machine {facts['busy_start'] * 100:.0f}% busy when the run "
           f"started; the figures are noisy. Run again on an idle machine.**", ""]
          if facts["busy_start"] > 0.15 else []),
        f"Servers {'pinned to CPU ' + SERVER_CPU if facts['pinned'] else 'not pinned'}"
        f"{', wrk and harness on CPU ' + CLIENT_CPU if facts['pinned'] else ''}; "
        f"wrk -t{a.threads} -c{a.connections} --latency; 127.0.0.1 only. Every figure is the median of "
        f"{a.reps} repetitions on a fresh server (E: {a.cold_starts} launches after one discarded warm-up launch). "
        f"D runs {a.d_duration:g} s per repetition instead of 10 s to keep `make bench` short. "
        f"Request bodies: AddWorkflow {R.get('record_bytes', {}).get('sign8_request', len(ADD_BODY))} B; "
        f"json-server POST /workflows {R.get('record_bytes', {}).get('json_server_request', '?')} B "
        f"(the fields of sign8-mock's stored workflow record, so both stores hold records of the same size). "
        f"json-server runs with --quiet (no access log). sign8-mock runs with a bytecode cache "
        f"(PYTHONPYCACHEPREFIX=bench/.tmp/pycache), as an installed package has its .pyc files. "
        f"Throughput counts 2xx answers only.",
        "",
        f"**All targets met: {('yes' if met_all else 'no') if 'sign8' in a.kinds else 'n/a (sign8-mock not run)'}**",
        "",
        "| scenario | metric | sign8-mock | json-server | ratio us/json-server | target | met |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
        *rows,
        "",
        "![scenario D: AddWorkflow p50 vs stored workflows](scenario-d.png)",
        "",
        "<details><summary>repetitions</summary>",
        "",
    ]
    for key in ("A_sign8", "A_json", "B_sign8", "B_json", "BL_sign8", "BL_json"):
        if key in R:
            lines.append(f"- {key}: req/s {reps_str(R[key]['runs'], 'ok_rps')}; p50 ms "
                         f"{reps_str(R[key]['runs'], 'p50_ms', 2)}; non-2xx {reps_str(R[key]['runs'], 'non2xx')}")
    for kind in ("sign8", "json"):
        for n, d in (R.get(f"D_{kind}") or {}).items():
            extra = f"; import {fmt(d.get('import_s'), 2)} s" if "import_s" in d else ""
            lines.append(f"- D_{kind} {n}: p50 ms {reps_str(d['runs'], 'p50_ms', 2)}; req/s "
                         f"{reps_str(d['runs'], 'ok_rps')}; start {fmt(d.get('startup_s'), 2)} s{extra}")
    for key in ("E_sign8", "E_sign8_nocache", "E_json"):
        if key in R:
            lines.append(f"- {key}: {' / '.join(fmt(x, 3) for x in R[key]['runs_s'])} s")
    if G:
        lines.append(f"- G refuse ms: {' / '.join(fmt(x, 1) for x in G['refuse_ms'])}")
        lines.append(f"- G advance ms: {' / '.join(fmt(x, 1) for x in G['advance_ms'])}")
        lines.append(f"- G real-time s: {' / '.join(fmt(x, 3) for x in G['realtime_s'])}")
        for m in G["misses"][:5]:
            lines.append(f"- G miss: {m}")
    if H:
        for pages in ("1", "50"):
            lines.append(f"- H {pages} page(s) s: {' / '.join(fmt(x, 3) for x in H.get(pages) or [])}")
        lines.append(f"- H first completion after start (imports included): {fmt(H.get('first_after_start_s'), 3)} s")
        for m in H["misses"][:5]:
            lines.append(f"- H miss: {m}")
    if I:
        lines.append(f"- I start-up s: {' / '.join(fmt(x, 3) for x in I.get('big_s') or [])}; RSS MB "
                     f"{' / '.join(fmt(x / 1024, 0) for x in I.get('big_rss_kb') or [])}; empty store s "
                     f"{' / '.join(fmt(x, 3) for x in I.get('empty_s') or [])}")
    if J:
        for pt in J.get("series") or []:
            lines.append(f"- J segment {pt['segment']}: {pt['cycles_done']:,} cycles, RSS {fmt(pt['rss_kb'] / 1024, 0)} MB, "
                         f"disk {fmt(pt['disk_bytes'] / 1e6, 1)} MB, removed {pt['removed']} in {pt['run_ms']} ms (longest "
                         f"lock {pt['longest_lock_ms']} ms), GetWorkflow p99 {fmt(pt['quiet_p99_ms'], 1)} / "
                         f"{fmt(pt['during_p99_ms'], 1)} ms during ({pt['during_samples']} calls)")
    if C and C.get("first_error"):
        lines.append(f"- C first error: {C['first_error']}")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def plot_d(h: Harness, R: dict, path: Path, facts: dict) -> None:
    """PNG of scenario D: AddWorkflow p50 against stored workflows, both servers, log scale."""
    # Imported here so that a run without D (and a missing matplotlib) costs nothing.
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for kind, label, style in (("sign8", "sign8-mock", "o-"), ("json", "json-server 0.17.4", "s--")):
        d = R.get(f"D_{kind}") or {}
        xs = [n for n in h.args.sizes if str(n) in d]
        ys = [d[str(n)]["p50_ms"] for n in xs]
        if xs:
            ax.plot(xs, ys, style, label=label)
            for x, y in zip(xs, ys):
                ax.annotate(f"{y:.1f}" if y < 100 else f"{y:,.0f}", (x, y), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("workflows already stored")
    ax.set_ylabel("AddWorkflow p50 latency, ms (log)")
    ax.set_title(f"Scenario D: write latency vs store size (wrk c{h.args.connections}, "
                 f"{h.args.d_duration:g} s, median of {h.args.reps})", fontsize=10)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(
        lambda v, _: f"{v:g}" if f"{v:g}"[0] in "25" else ""))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{int(v):,}"))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.text(0.99, 0.01, f"{facts['date']}, {facts['cpus']} CPUs, Python {facts['python']}",
             ha="right", fontsize=7, color="gray")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def strip_raw(R: dict) -> dict:
    """R without wrk's raw outputs, for latest.json."""
    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if k != "raw"}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x
    return clean(R)


def write_results(out: Path, h: Harness, R: dict, errors: dict, facts: dict, elapsed: float) -> str:
    """Write latest.json, latest.md and, when D ran, scenario-d.png into out; the markdown."""
    (out / "latest.json").write_text(json.dumps(
        {"facts": facts, "results": strip_raw(R), "errors": errors,
         "args": {k: v for k, v in vars(h.args).items()}}, indent=1, default=str))
    md = report(h, R, errors, facts, elapsed)
    (out / "latest.md").write_text(md)
    if R.get("D_sign8") or R.get("D_json"):
        plot_d(h, R, out / "scenario-d.png", facts)
    return md
