"""HTTP only: the Workflow API blueprint, its schemas, and the one error handler."""
from . import errors, workflow


def init_app(app, api) -> None:
    errors.init_app(app)
    workflow.init_app(api)
