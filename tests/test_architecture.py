"""The layout holds: HTTP adapters call Services, and only storage/ touches the store's files."""
from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mock_server"
ADAPTERS = [PACKAGE / "api", PACKAGE / "control", PACKAGE / "signing", PACKAGE / "calibration",
            PACKAGE / "pytest_plugin.py"]
# The issue's own check: an adapter that drives the store, the scheduler or the outbox itself.
REACHES_INTO_STATE = re.compile(r"store\.|\.scheduler\.|\.outbox\.")


def python_files(*places: Path) -> list[Path]:
    return [f for place in places for f in ([place] if place.is_file() else sorted(place.rglob("*.py")))]


def test_adapters_do_not_touch_the_store_the_scheduler_or_the_outbox():
    files = python_files(*ADAPTERS)
    assert len(files) > 10
    hits = [f"{f.relative_to(PACKAGE)}:{n}: {line.strip()}" for f in files
            for n, line in enumerate(f.read_text().splitlines(), 1) if REACHES_INTO_STATE.search(line)]
    assert hits == []


def test_only_storage_imports_tinydb_or_locks_files():
    outside = [f.relative_to(PACKAGE).as_posix() for f in python_files(PACKAGE)
               if re.search(r"^\s*(import|from)\s+(tinydb|fcntl)\b", f.read_text(), re.M)
               and f.relative_to(PACKAGE).parts[0] != "storage"]
    assert outside == []


def test_domain_is_plain_python():
    imports = {m for f in python_files(PACKAGE / "domain")
               for m in re.findall(r"^\s*(?:import|from)\s+(\w+)", f.read_text(), re.M)}
    assert imports.isdisjoint({"flask", "flask_smorest", "werkzeug", "tinydb", "waitress"}), imports


def test_the_suite_has_one_live_server_and_one_webhook_receiver():
    """Tests use the pytest plugin's MockServer and WebhookReceiver; none runs an HTTP server of its own."""
    tests = [f for f in python_files(PACKAGE.parent / "tests") if f != Path(__file__).resolve()]
    assert len(tests) > 30
    own_servers = [f"{f.relative_to(PACKAGE.parent)}:{n}" for f in tests
                   for n, line in enumerate(f.read_text().splitlines(), 1)
                   if re.search(r"\b(HTTPServer|ThreadingHTTPServer|socketserver|ServerThread)\b", line)]
    assert own_servers == []
