"""Flask: remember which hooks and views are plain functions (Flask.ensure_sync asked once per function).

Pinned by tests/test_framework_patches.py: Flask still calls ensure_sync for every hook and view of a request.
"""
from __future__ import annotations

from flask import Flask

from .werkzeug_rules import LazyBuilderRule


class MockFlask(Flask):
    """Flask that remembers which hooks and views are plain functions.

    Flask asks inspect.iscoroutinefunction about every hook and view on every request; none of
    ours is async, and asking once per function takes a tenth off a GetWorkflow.
    """

    url_rule_class = LazyBuilderRule

    def ensure_sync(self, func):
        cache = self.__dict__.setdefault("_sync_funcs", {})
        try:
            return cache[func]
        except (KeyError, TypeError):
            pass
        wrapped = super().ensure_sync(func)
        try:
            cache[func] = wrapped
        except TypeError:  # an unhashable callable: answer without caching
            pass
        return wrapped
