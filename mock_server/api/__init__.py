"""HTTP only: the Workflow API blueprint, its schemas, and the one error handler."""
from .._lazy import lazy_module

# flask-smorest imports PyYAML (when installed) at import time only for its `flask openapi print/write --format
# yaml` commands: ~10% of the mock's imports, and never needed to serve. Loaded on first attribute access instead.
lazy_module("yaml")
from . import errors, workflow  # noqa: E402 (after lazy_module)


def init_app(app, api) -> None:
    errors.init_app(app)
    workflow.init_app(api)
