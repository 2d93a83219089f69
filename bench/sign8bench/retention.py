"""J retention on a long-running shared mock (issue 21): create -> start -> refuse cycles through HTTP, spread over
many keys, with --retention 1 and the clock advanced so that older cycles fall out; does memory and disk level off?

The run is cut into segments. After each one the global clock moves SEGMENT_HOURS forward and a retention run
(POST /_mock/retention/run, the operator's) removes what is a day past its final state: about four segments'
worth stay stored. Each segment measures GetWorkflow latency under a few client threads for a while with no run,
then again while the run is going; then RSS and the database's size on disk (snapshot, journals, blobs).
Start-up (launch to the first 200 on /_mock/health) is measured at the end on the final store and on an empty
one (the store at the beginning), in turns.
"""
from __future__ import annotations

import base64
import itertools
import threading
import time
from pathlib import Path

import requests

from . import DESCRIPTION, PDF_SMALL, log, median
from .servers import Harness

SEGMENT_HOURS = 6
CLIENTS = 8  # threads making cycles: concurrent writers share fsyncs, as a team's CI runs do
READERS = 4  # threads calling GetWorkflow during the latency windows
QUIET_WINDOW = 1.5  # seconds of GetWorkflow with no retention run, per segment
STARTS = 3


def p99(xs: list[float]) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]


def disk_bytes(datadir: Path) -> int:
    return sum(p.stat().st_size for p in datadir.rglob("*") if p.is_file() and not p.name.endswith(".lock"))


class Cycles:
    """create -> start -> refuse through HTTP, each cycle with the next key of the pool."""

    def __init__(self, base: str, keys: list[str]):
        self.base = base
        self.keys = keys
        self.pdf_b64 = base64.b64encode(PDF_SMALL.read_bytes()).decode()
        self._next = itertools.count()
        self.recent: list[tuple[str, str]] = []  # (key, workflow_id) of this segment: GetWorkflow reads them
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def one(self, http: requests.Session) -> None:
        i = next(self._next)
        key = self.keys[i % len(self.keys)]
        auth = {"Authorization": f"Bearer {key}"}

        def call(name, body, want):
            r = http.post(f"{self.base}/api/workflow/{name}", json=body, headers=auth, timeout=60)
            if r.status_code != want:
                raise RuntimeError(f"{name} -> {r.status_code}: {r.text[:200]}")
            return r.json() if r.content else {}

        wid = call("AddWorkflow", {"name": f"cycle {i}", "description": DESCRIPTION}, 201)["workflow_id"]
        f = call("AddFile", {"workflow_id": wid, "file_name": "c.pdf", "data": self.pdf_b64}, 201)
        signer = call("AddSigner", {"workflow_id": wid, "email": "signer@example.com", "first_name": "Bench",
                                    "phone": "+4915112345678"}, 201)
        call("AddSignature", {"workflow_id": wid, "file_id": f["file_id"], "signer_id": signer["signer_id"], "page": 1,
                              "x": 10, "y": 10, "width": 100, "height": 40}, 201)
        call("StartWorkflow", {"workflow_id": wid}, 200)
        link = self.base + "/sign/" + signer["signing_url"].rstrip("/").rsplit("/", 1)[1]
        r = http.post(f"{link}/refuse", json={"reason": "bench"}, headers={"Accept": "application/json"}, timeout=60)
        if r.status_code != 200:
            raise RuntimeError(f"refuse -> {r.status_code}: {r.text[:200]}")
        with self._lock:
            self.recent.append((key, wid))

    def run(self, count: int) -> None:
        """count cycles over CLIENTS threads."""
        todo = itertools.count()

        def worker():
            http = requests.Session()
            while next(todo) < count:
                try:
                    self.one(http)
                except Exception as e:  # noqa: BLE001 - counted and reported
                    with self._lock:
                        self.errors.append(str(e))
                    if len(self.errors) > 50:
                        return

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def get_latencies(base: str, targets: list[tuple[str, str]], until) -> list[float]:
    """GetWorkflow of the targets round robin from READERS threads until until() is true; each call's seconds."""
    out: list[float] = []
    lock = threading.Lock()

    def reader(offset):
        http = requests.Session()
        mine = []
        for n in itertools.count(offset):
            if until():
                break
            key, wid = targets[n % len(targets)]
            t0 = time.perf_counter()
            r = http.get(f"{base}/api/workflow/GetWorkflow", params={"workflow_id": wid},
                         headers={"Authorization": f"Bearer {key}"}, timeout=60)
            mine.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"GetWorkflow -> {r.status_code}")
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=reader, args=(i * 7,), daemon=True) for i in range(READERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def start_ups(h: Harness, stores: dict[str, Path]) -> dict[str, list[float]]:
    """Launch to the first 200 on each store (with --retention 1, as the scenario runs), STARTS times, the stores
    alternating so that a change in the machine's other load hits both alike, after one uncounted round (it fills
    the bytecode and page caches)."""
    times: dict[str, list[float]] = {name: [] for name in stores}
    for n in range(STARTS + 1):
        for name, datadir in stores.items():
            s = h.start_sign8(datadir, wait=False, extra=["--retention", "1"])
            try:
                took = s.wait_ready(timeout=120)
            finally:
                s.stop()
            if n:
                times[name].append(took)
    return times


def scenario_j(h: Harness, R: dict) -> None:
    """J retention: RSS and disk level off, start-up stays, GetWorkflow p99 during a run vs without."""
    total, n_keys, segments = h.args.j_cycles, h.args.j_keys, h.args.j_segments
    keys = [f"bench-retention-{i:04d}" for i in range(n_keys)]
    datadir = h.newdir("j")
    J: dict = {"cycles": total, "keys": n_keys, "segments": segments, "segment_hours": SEGMENT_HOURS,
               "series": [], "quiet_ms": [], "during_ms": []}
    R["J"] = J
    s = h.start_sign8(datadir, extra=["--retention", "1"])
    try:
        cycles = Cycles(s.base, keys)
        per_segment = max(1, total // segments)
        for seg in range(segments):
            cycles.recent = []
            t0 = time.perf_counter()
            cycles.run(per_segment)
            made_s = time.perf_counter() - t0
            if cycles.errors:
                raise RuntimeError(f"{len(cycles.errors)} cycles failed, first: {cycles.errors[0]}")
            r = requests.post(f"{s.base}/_mock/clock/advance", json={"seconds": SEGMENT_HOURS * 3600}, timeout=60)
            r.raise_for_status()
            targets = cycles.recent[-200:]  # this segment's: within retention, so every GetWorkflow answers 200
            quiet_end = time.perf_counter() + QUIET_WINDOW
            quiet = get_latencies(s.base, targets, lambda: time.perf_counter() >= quiet_end)
            done = threading.Event()
            result: dict = {}

            def run_retention():
                try:
                    resp = requests.post(f"{s.base}/_mock/retention/run", timeout=600)
                    result.update(resp.json())
                finally:
                    done.set()

            runner = threading.Thread(target=run_retention, daemon=True)
            runner.start()
            during = get_latencies(s.base, targets, done.is_set)
            runner.join()
            J["quiet_ms"] += [x * 1000 for x in quiet]
            J["during_ms"] += [x * 1000 for x in during]
            point = {"segment": seg + 1, "cycles_done": per_segment * (seg + 1), "cycles_per_s": per_segment / made_s,
                     "rss_kb": s.rss_kb(), "disk_bytes": disk_bytes(datadir),
                     "removed": result.get("workflows_removed"), "run_ms": result.get("duration_ms"),
                     "longest_lock_ms": result.get("longest_lock_ms"),
                     "longest_lock_cpu_ms": result.get("longest_lock_cpu_ms"), "kept_for_later": result.get("kept_for_later"),
                     "quiet_p99_ms": (p99(quiet) or 0) * 1000, "during_p99_ms": (p99(during) or 0) * 1000,
                     "during_samples": len(during)}
            J["series"].append(point)
            log(f"J segment {seg + 1}/{segments}: {point['cycles_done']} cycles ({point['cycles_per_s']:.0f}/s), "
                f"RSS {point['rss_kb'] / 1024:.0f} MB, disk {point['disk_bytes'] / 1e6:.1f} MB, removed "
                f"{point['removed']} in {point['run_ms']} ms (longest lock {point['longest_lock_ms']} ms, CPU "
                f"{point['longest_lock_cpu_ms']} ms), "
                f"GetWorkflow p99 {point['quiet_p99_ms']:.1f} / {point['during_p99_ms']:.1f} ms during "
                f"({len(during)} calls)")
    finally:
        s.stop()
    # The store as it was at the beginning (empty) and as it is at the end, launched in turns.
    starts = start_ups(h, {"begin": h.newdir("j-empty"), "end": datadir})
    J["start_begin_s"], J["start_end_s"] = starts["begin"], starts["end"]
    summarize_j(J)


def summarize_j(J: dict) -> None:
    """The scenario's four figures: growth over the last half (RSS, disk), start-up ratio, p99 ratio."""
    series = J["series"]
    half = series[len(series) // 2 - 1] if len(series) >= 2 else series[0]
    last = series[-1]
    J["rss_growth"] = last["rss_kb"] / half["rss_kb"] - 1
    J["disk_growth"] = last["disk_bytes"] / half["disk_bytes"] - 1
    J["start_ratio"] = median(J["start_end_s"]) / median(J["start_begin_s"])
    J["quiet_p99_ms"], J["during_p99_ms"] = p99(J["quiet_ms"]), p99(J["during_ms"])
    J["p99_ratio"] = J["during_p99_ms"] / J["quiet_p99_ms"] if J["quiet_p99_ms"] else None
    J["longest_lock_ms"] = max((p["longest_lock_ms"] or 0) for p in series)
    J["longest_lock_cpu_ms"] = max((p.get("longest_lock_cpu_ms") or 0) for p in series)
    log(f"J: RSS {half['rss_kb'] / 1024:.0f} -> {last['rss_kb'] / 1024:.0f} MB over the last half "
        f"({J['rss_growth'] * 100:+.1f}%), disk {half['disk_bytes'] / 1e6:.1f} -> {last['disk_bytes'] / 1e6:.1f} MB "
        f"({J['disk_growth'] * 100:+.1f}%), start-up {median(J['start_begin_s']):.3f} -> "
        f"{median(J['start_end_s']):.3f} s ({J['start_ratio']:.2f}x), GetWorkflow p99 {J['quiet_p99_ms']:.1f} ms "
        f"without / {J['during_p99_ms']:.1f} ms during a run ({J['p99_ratio']:.2f}x), longest lock "
        f"{J['longest_lock_ms']} ms (CPU {J['longest_lock_cpu_ms']} ms)")
    for key in ("quiet_ms", "during_ms"):  # the raw samples are summarized; latest.json keeps the series
        J[f"{key}_count"] = len(J.pop(key))
