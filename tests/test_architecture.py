"""The layout holds: adapters reach the mock only through Services, and only storage/ touches the store's files.

The front-door check reads each adapter's syntax tree (no regex a new spelling could slip past):

- imports: an adapter imports no store, domain service, outbox, dispatcher or worker module;
- the facade: every attribute an adapter takes from the Services object is a public method of Services.
  The Services object is whatever `services()`, `current_app.extensions["sign8"]` / `app.extensions["sign8"]`,
  a parameter or attribute named `services`, or a name assigned from one of these evaluates to.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from mock_server.services import Services

PACKAGE = Path(__file__).resolve().parent.parent / "mock_server"
ADAPTERS = [PACKAGE / "api", PACKAGE / "control", PACKAGE / "signing", PACKAGE / "calibration", PACKAGE / "cli.py",
            PACKAGE / "serving.py", PACKAGE / "pytest_plugin.py", PACKAGE / "app.py"]
# What sits behind the front door: an adapter that imports one of these reaches past Services.
BEHIND_THE_DOOR = ("mock_server.storage", "mock_server.webhooks.outbox", "mock_server.webhooks.dispatcher",
                   "mock_server.webhooks.webhook_faults", "mock_server.webhooks.after_response",
                   "mock_server.domain.workflows", "mock_server.domain.lifecycle", "mock_server.domain.journey",
                   "mock_server.domain.organizations", "mock_server.domain.expiry_timer",
                   "mock_server.documents.jobs", "mock_server.messages.service", "mock_server.inspection.request_log",
                   "mock_server.inspection.fault_rules",
                   "mock_server.snapshot", "mock_server.seed", "tinydb")
# The composition root builds the one Services; it may name the class (and nothing behind it).
# What an adapter may take from the Services object: its public methods, and its read-only settings.
FACADE_METHODS = {name for name, value in vars(Services).items()
                  if isinstance(value, (staticmethod, type(lambda: 0))) and not name.startswith("_")} | {"settings"}


def python_files(*places: Path) -> list[Path]:
    return [f for place in places for f in ([place] if place.is_file() else sorted(place.rglob("*.py")))]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, text: str | None = None) -> set[tuple[str, str | None]]:
    """Every (module, name) a file imports, relative imports resolved; name is None for `import module`."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text)):
        if isinstance(node, ast.Import):
            found |= {(alias.name, None) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found |= {(module, alias.name) for alias in node.names}
    return found


def imported_modules(path: Path, text: str | None = None) -> set[str]:
    """Every module a file imports (`from x import y` counts x and x.y)."""
    return {m for module, name in imports_of(path, text) for m in (module, f"{module}.{name}" if name else module)}


def _imported(module: str, name: str | None):
    return getattr(importlib.import_module(module), name, None) if name else None


def _behind(module: str) -> bool:
    return any(module == b or module.startswith(b + ".") for b in BEHIND_THE_DOOR)


def reaches_behind(path: Path, text: str | None = None) -> list[str]:
    """Each import of a file that reaches behind the front door, re-exports included (an exception class is fine)."""
    hits = []
    for module, name in sorted(imports_of(path, text), key=str):
        full = f"{module}.{name}" if name else module
        value = _imported(module, name) if module.startswith("mock_server") else None
        if isinstance(value, type) and issubclass(value, Exception):
            continue  # an adapter translates the errors of what is behind the door
        if _behind(module) or _behind(full) or _behind(getattr(value, "__module__", None) or ""):
            hits.append(f"{path.relative_to(PACKAGE)}: {full}")
    return hits


def _is_facade(node: ast.AST, names: set[str]) -> bool:
    """Whether an expression evaluates to the Services object (see the module docstring)."""
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Name) and func.id == "services") or (
            isinstance(func, ast.Attribute) and func.attr == "services")
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and key.value == "sign8" and \
            isinstance(node.value, ast.Attribute) and node.value.attr == "extensions"
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Attribute):
        return node.attr in ("services", "_services")
    return False


def facade_misuse(path: Path, text: str | None = None) -> list[str]:
    """Each `<Services object>.<name>` in a file where name is not a public method of Services."""
    tree = ast.parse(path.read_text() if text is None else text)
    names = {"services"}
    for node in ast.walk(tree):  # names bound to the facade: x = services(), x = app.extensions["sign8"]
        if isinstance(node, ast.Assign) and _is_facade(node.value, names):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_facade(node.value, names) and node.attr not in FACADE_METHODS:
            hits.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: .{node.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" and \
                node.args and _is_facade(node.args[0], names):
            hits.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: getattr on the facade")
    return hits


def test_adapters_import_nothing_behind_the_front_door():
    files = python_files(*ADAPTERS)
    assert len(files) > 20
    hits = [hit for f in files for hit in reaches_behind(f)]
    assert hits == []


def test_adapters_call_only_public_methods_of_services():
    files = python_files(*ADAPTERS)
    assert len(FACADE_METHODS) > 40
    hits = [hit for f in files for hit in facade_misuse(f)]
    assert hits == []


def test_the_front_door_check_sees_each_way_of_reaching_past_it():
    """The checks above find each spelling of a reach past the facade (so a passing run means something)."""
    spellings = {
        "services().store.all('workflows')": ".store",
        "views.services().workflows.add_signer(1, 2)": ".workflows",
        "current_app.extensions['sign8'].outbox.enqueue()": ".outbox",
        "s = app.extensions['sign8']\ns.dispatcher.wake()": ".dispatcher",
        "self.services.lifecycle.sign('t')": ".lifecycle",
        "def f(services):\n    return services.organizations.all()": ".organizations",
        "getattr(services(), 'store')": "getattr on the facade",
    }
    probe = PACKAGE / "control" / "probe.py"
    for code, expected in spellings.items():
        hits = facade_misuse(probe, code)
        assert len(hits) == 1 and hits[0].endswith(expected), (code, hits)
    assert facade_misuse(probe, "services().reset(None)\nservices().signing_records('t')") == []
    for module, name in (("storage.store", "Store"), ("webhooks.outbox", "Outbox"),
                         ("webhooks.dispatcher", "Dispatcher"), ("domain.lifecycle", "Lifecycle")):
        assert reaches_behind(probe, f"from ..{module} import {name}\n") == [
            f"control/probe.py: mock_server.{module}.{name}"]
        assert reaches_behind(probe, f"import mock_server.{module}\n") == [f"control/probe.py: mock_server.{module}"]
    assert reaches_behind(probe, "from ..messages import Messages\n") == ["control/probe.py: mock_server.messages.Messages"]
    assert reaches_behind(probe, "from ..storage.errors import StorageFull\n") == []


def test_only_storage_imports_tinydb_or_locks_files():
    outside = [f.relative_to(PACKAGE).as_posix() for f in python_files(PACKAGE)
               if {"tinydb", "fcntl"} & {m.split(".")[0] for m in imported_modules(f)}
               and f.relative_to(PACKAGE).parts[0] != "storage"]
    assert outside == []


def test_domain_is_plain_python():
    imports = {m.split(".")[0] for f in python_files(PACKAGE / "domain") for m in imported_modules(f)}
    assert imports.isdisjoint({"flask", "flask_smorest", "werkzeug", "tinydb", "waitress"}), imports


def test_the_suite_has_one_live_server_and_one_webhook_receiver():
    """Tests use the pytest plugin's MockServer and WebhookReceiver; none runs an HTTP server of its own."""
    tests = [f for f in python_files(PACKAGE.parent / "tests") if f != Path(__file__).resolve()]
    assert len(tests) > 30
    own_servers = [f"{f.relative_to(PACKAGE.parent)}:{n}" for f in tests
                   for n, line in enumerate(f.read_text().splitlines(), 1)
                   if re.search(r"\b(HTTPServer|ThreadingHTTPServer|socketserver|ServerThread)\b", line)]
    assert own_servers == []
