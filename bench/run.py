#!/usr/bin/env python3
"""Benchmark harness for sign8-mock, side by side with json-server 0.17.4 (issue 6)."""
# Scenarios, setup and options: bench/README.md.  The code is in bench/sign8bench/.
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from sign8bench import BENCH, CLIENT_CPU, JSON_SERVER_BIN, PDF_100K, RESULTS, log
from sign8bench.machine import can_pin, machine_facts, wait_idle
from sign8bench.report import write_results
from sign8bench.scenarios import run_scenarios
from sign8bench.servers import Harness

ALL = "ABCDEFGHIJ"


def parse_args(argv=None) -> argparse.Namespace:
    """The command line, with --quick and --servers applied to the other options."""
    default_exe = str(Path(sys.executable).parent / "sign8-mock")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sign8-mock", default=os.environ.get("SIGN8_MOCK", default_exe),
                   help="the sign8-mock executable (default: beside this Python)")
    p.add_argument("--only", default=ALL, help="scenarios to run, e.g. ABE (F runs with D)")
    p.add_argument("--duration", type=float, default=10, help="A, B, C seconds per run")
    p.add_argument("--d-duration", type=float, default=5, help="D seconds per run")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--cold-starts", type=int, default=5)
    p.add_argument("--sizes", default="0,10000,50000")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--g-samples", type=int, default=10)
    p.add_argument("--rt-samples", type=int, default=3)
    p.add_argument("--h-samples", type=int, default=10, help="H: completions per document size")
    p.add_argument("--i-workflows", type=int, default=50000, help="I: workflows stored (20,000 of them in the journal)")
    p.add_argument("--j-cycles", type=int, default=50000,
                   help="J: create -> start -> refuse cycles through HTTP (the issue's size: 50,000)")
    p.add_argument("--j-keys", type=int, default=500, help="J: API keys the cycles are spread over")
    p.add_argument("--j-segments", type=int, default=20,
                   help="J: segments; after each the clock moves 6 h and a retention run goes (retention 1 day)")
    p.add_argument("--servers", default="sign8,json",
                   help="which servers: sign8, json or both (C, G, H, I and J are sign8-mock only)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 2 s runs, 1 repetition, sizes 0,2000 (results to bench/.tmp)")
    p.add_argument("--out", default=None, help="results folder (default bench/results)")
    p.add_argument("--keep", action="store_true", help="keep the servers' data dirs in bench/.tmp")
    p.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                   help="first wait up to this long for the machine to be idle (<15%% busy)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    a = p.parse_args(argv)
    a.sizes = [int(x) for x in a.sizes.split(",")]
    if a.quick:
        a.duration, a.d_duration, a.reps, a.cold_starts = 2, 2, 1, 2
        a.sizes, a.g_samples, a.rt_samples, a.h_samples, a.i_workflows = [0, 2000], 3, 1, 3, 5000
        a.j_cycles, a.j_keys, a.j_segments = 1000, 50, 8
    a.only = a.only.upper()
    a.kinds = [k for k in ("sign8", "json") if k in a.servers.split(",")]
    if "sign8" not in a.kinds:
        a.only = a.only.replace("C", "").replace("G", "").replace("H", "").replace("I", "").replace("J", "")
    return a


def main(argv=None) -> int:
    """Run the benchmark; 0 when it ran (with --strict: and met every target), 1 or 2 if not."""
    a = parse_args(argv)
    partial = a.quick or a.only != ALL or a.kinds != ["sign8", "json"] or a.j_cycles != 50000
    # Only a full run replaces bench/results/; smoke and partial runs go to bench/.tmp/.
    out = Path(a.out) if a.out else (BENCH / ".tmp" / "partial-results" if partial else RESULTS)
    out.mkdir(parents=True, exist_ok=True)

    # Only what the chosen scenarios use (H or I alone needs neither wrk nor json-server).
    missing = [what for what, ok in (
        (f"sign8-mock executable {a.sign8_mock}",
         "sign8" not in a.kinds or os.access(a.sign8_mock, os.X_OK)),
        ("wrk (bash bench/install.sh)", shutil.which("wrk") or not set(a.only) & set("ABDF")),
        (f"json-server {JSON_SERVER_BIN} (bash bench/install.sh)",
         JSON_SERVER_BIN.exists() or "json" not in a.kinds or not set(a.only) & set("ABDEF")),
        (f"PDF fixture {PDF_100K}", PDF_100K.exists()),
    ) if not ok]
    if missing:
        print("bench: missing: " + "; ".join(missing), file=sys.stderr)
        return 2
    if can_pin():
        os.sched_setaffinity(0, {int(CLIENT_CPU)})  # harness (C and G clients, receiver) beside wrk

    if a.wait_idle > 0:
        wait_idle(a.wait_idle)
    h = Harness(a)
    R: dict = {}
    errors: dict = {}
    t0 = time.perf_counter()
    facts = machine_facts()
    log(f"sign8-mock {a.sign8_mock}; work dir {h.tmp}")
    try:
        run_scenarios(h, R, errors)
    finally:
        # Even an interrupted run leaves what it measured, and no data dirs behind.
        elapsed = time.perf_counter() - t0
        md = write_results(out, h, R, errors, facts, elapsed)
        if not a.keep:
            shutil.rmtree(h.tmp, ignore_errors=True)
    print(md)
    log(f"wrote {out / 'latest.md'} in {elapsed / 60:.1f} min")
    if errors:
        return 1
    if a.strict and "| no" in md:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
