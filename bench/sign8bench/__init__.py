"""Benchmark harness for sign8-mock beside json-server 0.17.4: shared paths, constants and helpers."""
from __future__ import annotations

import datetime as dt
import socket
import statistics
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
LUA = BENCH / "lua" / "request.lua"
RESULTS = BENCH / "results"
JSON_SERVER_BIN = BENCH / ".node" / "node_modules" / ".bin" / "json-server"
JSON_SERVER_DB = BENCH / "data" / "db.json"
PDF_100K = REPO / "fixtures" / "documents" / "bench-100k.pdf"
PDF_SMALL = REPO / "fixtures" / "documents" / "sample-contract.pdf"

API_KEY = "bench-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
# Loopback only: the harness must never put load on, or depend on, any other host.
HOST = "127.0.0.1"
# The servers and the load generator get a CPU each, so neither steals the other's time.
SERVER_CPU = "1"
CLIENT_CPU = "0"

# The ~300-byte record that issue 6 asks for: the AddWorkflow request body is exactly 300 bytes.
_ADD_PREFIX = '{"name": "bench", "description": "'
_ADD_SUFFIX = '"}'
_FILLER = ("Benchmark workflow: master services agreement between Example Buyer GmbH "
           "and Example Seller SAS, two signers, parallel order, expires in thirty days. ") * 4
DESCRIPTION = _FILLER[: 300 - len(_ADD_PREFIX) - len(_ADD_SUFFIX)]
ADD_BODY = (_ADD_PREFIX + DESCRIPTION + _ADD_SUFFIX).encode()
assert len(ADD_BODY) == 300, len(ADD_BODY)


def log(msg: str) -> None:
    """Print one timestamped progress line."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def iso_z(ts: float) -> str:
    """UTC ISO 8601 timestamp with whole seconds and a Z, as the API writes them."""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def median(xs):
    """Median of the measured values, skipping the ones that were not measured (None)."""
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
