"""The layout holds: HTTP adapters call Services, and only storage/ touches the store's files."""
from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mock_server"
ADAPTERS = [PACKAGE / "api", PACKAGE / "control", PACKAGE / "signing", PACKAGE / "pytest_plugin.py"]
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
