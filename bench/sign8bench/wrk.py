"""Running wrk with bench/lua/request.lua and reading its figures."""
from __future__ import annotations

import json
import re
import subprocess
from typing import TYPE_CHECKING

from . import CLIENT_CPU, LUA, median
from .machine import pinned

if TYPE_CHECKING:
    from .servers import Harness


def run_wrk(h: Harness, url: str, method: str, body: bytes | None, headers: dict, duration: float,
            tag: str) -> dict:
    """One wrk run of the same request; its figures, with wrk's output under "raw"."""
    body_file = "-"
    if body is not None:
        bf = h.tmp / f"body-{tag}.json"
        bf.write_bytes(body)
        body_file = str(bf)
    hdrs = [f"{k}: {v}" for k, v in headers.items()]
    cmd = pinned(["wrk", f"-t{h.args.threads}", f"-c{h.args.connections}",
                  f"-d{duration:g}s", "--timeout", "30s", "--latency", "-s", str(LUA), url,
                  "--", method, body_file, *hdrs], CLIENT_CPU)
    # wrk stops itself after -d; the timeout only guards against a hung wrk.
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stderr.strip()[:400]}")
    res = parse_wrk(p.stdout)
    res["raw"] = p.stdout
    if res["requests"] == 0:
        raise RuntimeError(f"wrk completed no request against {url}: {p.stdout[-400:]}")
    return res


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    """A wrk duration such as 5.61ms or 1.02s, in milliseconds."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"bad wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> dict:
    """Figures of one wrk run: from done()'s BENCH_JSON line, else from the --latency text."""
    res: dict = {}
    m = re.search(r"^BENCH_JSON (\{.*\})$", out, re.M)
    if m:
        j = json.loads(m.group(1))
        dur_s = j["duration_us"] / 1e6
        res = {"requests": j["requests"], "duration_s": dur_s,
               "rps": j["requests"] / dur_s if dur_s else 0.0,
               "p50_ms": j["p50_us"] / 1e3, "p90_ms": j["p90_us"] / 1e3, "p99_ms": j["p99_us"] / 1e3,
               "mean_ms": j["mean_us"] / 1e3, "max_ms": j["max_us"] / 1e3,
               "non2xx": j["err_status"],
               "socket_errors": j["err_connect"] + j["err_read"] + j["err_write"] + j["err_timeout"]}
    else:
        pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
        rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
        total = re.search(r"^\s+(\d+) requests in ([\d.]+\w+)", out, re.M)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        if not (pct and rps and total):
            raise ValueError(f"cannot parse wrk output: {out[-400:]}")
        res = {"requests": int(total.group(1)), "duration_s": _ms(total.group(2)) / 1e3,
               "rps": float(rps.group(1)), "p50_ms": _ms(pct["50"]),
               "p90_ms": _ms(pct["90"]) if "90" in pct else None, "p99_ms": _ms(pct["99"]),
               "mean_ms": None, "max_ms": None,
               "non2xx": int(non2xx.group(1)) if non2xx else 0,
               "socket_errors": sum(map(int, sock.groups())) if sock else 0}
    # Requests that got a non-2xx answer do not count as throughput.
    ok = res["requests"] - res["non2xx"]
    res["ok_rps"] = ok / res["duration_s"] if res["duration_s"] else 0.0
    return res


def summarize(runs: list[dict]) -> dict:
    """Medians over repetitions, plus each repetition's figures without wrk's raw output."""
    keys = ("ok_rps", "rps", "p50_ms", "p90_ms", "p99_ms", "non2xx", "socket_errors", "requests")
    out = {k: median([r.get(k) for r in runs]) for k in keys}
    out["runs"] = [{k: r.get(k) for k in keys + ("stored_after", "rss_kb")} for r in runs]
    return out
