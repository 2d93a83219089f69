"""werkzeug: URL rules that compile their URL builders on first use (overrides the private Rule._compile_builder).

Pinned by tests/test_framework_patches.py: Rule still has _compile_builder(append_unknown) returning the builder,
and url_for still builds URLs through it.
"""
from __future__ import annotations

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A URL rule that compiles its URL builders on first use, not when the app is made.

    Werkzeug generates and compiles two builder functions per rule at registration (ast + compile): more than
    half of create_app for ~60 rules, and nothing needs them to answer /_mock/health (or any API call: only
    url_for builds URLs). Lazy so that a cold start does not pay for them.
    """

    def _compile_builder(self, append_unknown: bool = True):
        attr = "_build_unknown" if append_unknown else "_build"

        def build(rule, *args, **kwargs):
            real = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attr, real)
            return real(*args, **kwargs)

        return build
