"""ARCHITECTURE.md's recipes: each test fails when a step of "add an API operation", "add a webhook event" or
"add a journey step" is forgotten."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mock_server.api.examples import REQUEST_EXAMPLES
from mock_server.app import create_app
from mock_server.control.schemas import DeliveryListArgs
from mock_server.domain.events import EVENT_NAMES, EVENTS
from mock_server.domain.steps import STEP_NAMES
from mock_server.services import Services
from mock_server.signing.i18n import LANGUAGES, TEXT
from mock_server.webhooks.callbacks import DETAIL_EXAMPLES

PACKAGE = Path(__file__).resolve().parent.parent / "mock_server"


@pytest.fixture(scope="module")
def served():
    app = create_app({"db": ":memory:"}, start_background=False)
    yield app, app.test_client().get("/openapi.json").get_json()
    app.extensions["sign8"].stop()


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _facade_calls(path: Path) -> dict[str, set[str]]:
    """For each function of a module, the Services methods it calls as services().<name>(...)."""
    calls = {}
    for fn in ast.walk(ast.parse(path.read_text())):
        if isinstance(fn, ast.FunctionDef):
            calls[fn.name] = {node.attr for node in ast.walk(fn) if isinstance(node, ast.Attribute)
                              and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "services"}
    return calls


# -- add an API operation ------------------------------------------------------------------------
def test_each_api_operation_has_a_view_calling_its_services_method(served):
    app, doc = served
    operations = [op["operationId"] for path, item in doc["paths"].items() if path.startswith("/api/workflow/")
                  for op in item.values() if isinstance(op, dict) and "operationId" in op]
    assert len(operations) == 14
    calls = _facade_calls(PACKAGE / "api" / "workflow.py")
    for operation in operations:
        method = _snake(operation)
        assert method in vars(Services), f"step 2: Services.{method} is missing"
        assert method in calls.get(method, set()), f"step 3: api/workflow.py {method}() must call services().{method}"


def test_each_request_body_has_an_example_the_server_accepts(served):
    app, doc = served
    with_body = [op["operationId"] for path, item in doc["paths"].items() if not path.startswith("/sign/")
                 for op in item.values() if isinstance(op, dict) and "requestBody" in op
                 and "multipart/form-data" not in op["requestBody"]["content"]]
    assert len(with_body) >= 15
    missing = [op for op in with_body if op not in REQUEST_EXAMPLES]
    assert missing == [], "step 4: add a request example to api/examples.py REQUEST_EXAMPLES"


# -- add a webhook event -------------------------------------------------------------------------
def _fired_events() -> set[str]:
    """The event constants the domain passes to effects.webhook(tx, EVENT, ...)."""
    fired = set()
    for path in (PACKAGE / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "webhook" and len(node.args) >= 2:
                fired.add(getattr(node.args[1], "id", ""))
    return fired


def test_each_event_is_fired_documented_and_filterable(served):
    app, doc = served
    assert len(EVENTS) == 2
    import mock_server.domain.events as events
    constants = {name for name, value in vars(events).items() if value in EVENTS}
    assert constants <= _fired_events(), "step 2: fire the event from the domain with effects.webhook(tx, EVENT, ...)"
    callbacks = doc["paths"]["/api/workflow/AddWorkflow"]["post"]["callbacks"]
    assert set(callbacks) == set(EVENT_NAMES)
    assert set(DeliveryListArgs().fields["event"].validate.choices) == set(EVENT_NAMES)
    for event in EVENTS:
        assert set(event.details) <= set(DETAIL_EXAMPLES), f"step 3: example values for {event.name}'s fields"
        assert event.summary and event.fires and event.path.endswith("/" + event.name)


# -- add a journey step --------------------------------------------------------------------------
def test_each_journey_step_has_words_a_page_section_a_route_and_a_facade_method(served):
    app, doc = served
    assert len(STEP_NAMES) == 6
    template = (PACKAGE / "signing" / "templates" / "journey.html").read_text()
    routes = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    calls = _facade_calls(PACKAGE / "signing" / "__init__.py")
    for step in STEP_NAMES:
        assert len([lang for lang in LANGUAGES if f"step.{step}" in TEXT[lang]]) == len(LANGUAGES), \
            f"step 4: words for step.{step} in signing/i18n.py"
        assert f"step == '{step}'" in template, f"step 4: a section for {step} in signing/templates/journey.html"
        assert f"/sign/<token>/{step}" in routes, f"step 3: a route /sign/<token>/{step} in signing/__init__.py"
        view = routes[f"/sign/<token>/{step}"].split(".", 1)[1]
        assert calls[view] and calls[view] <= set(vars(Services)), f"step 2: the facade method {view} calls"
