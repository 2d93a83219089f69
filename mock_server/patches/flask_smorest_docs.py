"""flask-smorest: document blueprints when /openapi.json is first asked for, not when they are registered.

Building the document deep-copies every operation's doc: a sixth of cold start, paid by every CI run that never
reads /openapi.json. This reaches into flask-smorest: the `blp_name_to_api` map of its app extension,
Blueprint.register_views_in_doc and the Api's `_openapi_json` view. tests/test_framework_patches.py pins them.
"""
from __future__ import annotations

import threading

from flask import current_app
from flask_smorest import Api


class LazyDocsApi(Api):
    """flask-smorest's Api, documenting blueprints lazily; subclasses complete the document in finish_document."""

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Route the blueprint now; document it when the spec is first asked for.

        Building the OpenAPI document deep-copies every operation's doc: a sixth of cold start,
        paid by every CI run that never reads /openapi.json.
        """
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        if not hasattr(self, "_undocumented"):
            self._undocumented, self._doc_lock = [], threading.Lock()
        self._undocumented.append((blp, name, parameters))

    def document_blueprints(self) -> None:
        """Add every registered blueprint's operations to the spec (once)."""
        with self._doc_lock:
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
                self.spec.tag({"name": name, "description": blp.description})

    def finish_document(self, doc: dict) -> dict:
        return doc

    def document(self) -> dict:
        """The served OpenAPI document: every blueprint documented, then finished."""
        self.document_blueprints()
        return self.finish_document(self.spec.to_dict())

    def _openapi_json(self):
        return current_app.response_class(current_app.json.dumps(self.document(), indent=2),
                                          mimetype="application/json")
