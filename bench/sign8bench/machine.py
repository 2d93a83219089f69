"""Machine facts for the report, CPU pinning, and the wait for an idle machine."""
from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import time

from . import log


def can_pin() -> bool:
    """Whether servers and clients can get separate CPUs (2+ CPUs and taskset)."""
    return (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None


def pinned(cmd: list[str], cpu: str) -> list[str]:
    """cmd run on the given CPU when pinning is possible."""
    return (["taskset", "-c", cpu] + cmd) if can_pin() else cmd


def cpu_busy(seconds: float = 2.0) -> float:
    """Fraction of all CPUs busy over a short window (other work on the machine skews figures)."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    t1, i1 = snap()
    time.sleep(seconds)
    t2, i2 = snap()
    return 1 - (i2 - i1) / (t2 - t1) if t2 > t1 else 0.0


def wait_idle(seconds: float) -> None:
    """Wait up to seconds for the machine to be less than 15% busy."""
    t_end = time.perf_counter() + seconds
    while (busy := cpu_busy(3.0)) > 0.15 and time.perf_counter() < t_end:
        log(f"machine {busy * 100:.0f}% busy; waiting for it to be idle")
        time.sleep(10)


def machine_facts() -> dict:
    """CPU, memory, versions and how busy the machine was, for the report's header."""
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass

    def out(cmd):
        # wrk prints its version on stderr, node on stdout.
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip() or \
                subprocess.run(cmd, capture_output=True, text=True, timeout=20).stderr.strip()
        except Exception:  # noqa: BLE001
            return "?"
    try:
        from importlib.metadata import version
        s8 = version("sign8-mock")
    except Exception:  # noqa: BLE001
        s8 = "?"
    wrkv = out(["wrk", "-v"]).splitlines()
    return {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": os.cpu_count(), "cpu_model": model, "memory": mem,
            "kernel": platform.release(), "python": platform.python_version(),
            "node": out(["node", "--version"]), "wrk": wrkv[0].split()[1] if wrkv and len(wrkv[0].split()) > 1 else "?",
            "json_server": "0.17.4", "sign8_mock": s8, "pinned": can_pin(),
            "loadavg_start": os.getloadavg()[0], "busy_start": cpu_busy()}
