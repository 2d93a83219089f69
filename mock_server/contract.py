"""Judge the mock's answers by its own served OpenAPI document (openapi-core, imported on first use).

The pytest plugin (--sign8-contract, or `sign8_contract = true` in the ini file) subscribes Contract.record
to Flask's request_finished signal: every answer a sign8-mock app gives in the test process, to the Flask
test client, to requests, to a browser, is checked against the document that app serves at /openapi.json,
and an answer the document does not describe fails the test that caused it.

What counts as a match:
- a documented operation: the status, the content type and (JSON) the body, field by field, as openapi-core
  validates them;
- a path or method the document does not have: only an error answer (4xx) in the one error shape, or one
  of the pages that are not API operations (OUTSIDE: the docs, the document itself, static files).
"""
from __future__ import annotations

import copy
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field

# Served by the mock but not operations of the document: the document itself, its Swagger UI, the index,
# the dashboard's trailing-slash alias and static assets.
OUTSIDE = ("/openapi.json", "/docs", "/favicon.ico", "/_mock/static/", "/sign/_static/", "/static/")
OUTSIDE_EXACT = ("/", "/_mock/")
# openapi-core is the extra `contract`, not a dependency (it would add ~15 MB to the image): the one fix to name.
INSTALL_CONTRACT = "pip install 'sign8-mock[contract]'"
# Names a file: `serve` then judges its own answers and appends each verdict there (see watch_to_file).
LOG_ENV = "SIGN8_MOCK_CONTRACT_LOG"


class ContractExtraMissing(ImportError):
    """openapi-core (the extra `contract`) is not installed."""


def require_openapi_core() -> None:
    """Import openapi-core now, or raise ContractExtraMissing naming the install command."""
    try:
        import openapi_core  # noqa: F401
        import openapi_schema_validator  # noqa: F401
    except ImportError as exc:
        raise ContractExtraMissing(f"needs openapi-core, which is not installed: {INSTALL_CONTRACT}") from exc


def closed(document: dict) -> dict:
    """A copy of the document whose object schemas name every field there may be (additionalProperties: false
    where it says nothing), so that a field the server sends and the document does not describe is a mismatch."""
    document = copy.deepcopy(document)

    def close(node, composed: bool = False) -> None:
        if isinstance(node, list):
            for item in node:
                close(item, composed)
            return
        if not isinstance(node, dict):
            return
        parts = [k for k in ("allOf", "anyOf", "oneOf") if k in node]
        if "properties" in node and "additionalProperties" not in node and not parts and not composed:
            node["additionalProperties"] = False
        for key, value in node.items():
            if key not in ("example", "examples", "default", "enum"):
                close(value, composed or key in ("allOf", "anyOf", "oneOf"))

    close(document)
    return document


@dataclass
class Mismatch:
    """One answer the document does not describe."""

    method: str
    path: str
    status: int
    content_type: str
    reason: str
    test: str | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} {self.content_type or '(no content type)'}: {self.reason}"


class Contract:
    """One served document, parsed once by openapi-core."""

    def __init__(self, document: dict):
        require_openapi_core()
        from openapi_core import OpenAPI
        from openapi_schema_validator import OAS30Validator

        # The checks run against a fixed server: where the mock listens does not change what it promises.
        self.document = closed({**document, "servers": [{"url": "http://sign8-mock.test"}]})
        self.openapi = OpenAPI.from_dict(self.document)
        # Literal paths before templated ones: /_mock/messages/inbox is not /_mock/messages/{message_id}.
        self._paths = [(re.compile("[^/]+".join(re.escape(part) for part in re.split(r"\{[^/}]+\}", pattern))), item)
                       for pattern, item in sorted(self.document["paths"].items(), key=lambda kv: "{" in kv[0])]
        error = {**self.document["components"]["schemas"]["Error"], "components": self.document["components"]}
        self.error_validator = OAS30Validator(error)

    def judge(self, method: str, path: str, query: dict, status: int, content_type: str, body: bytes,
              headers: dict) -> str | None:
        """None when the document describes this answer, else why not."""
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_core.testing import MockRequest, MockResponse

        if path in OUTSIDE_EXACT or path.startswith(OUTSIDE) or method in ("HEAD", "OPTIONS"):
            return None
        request = MockRequest("http://sign8-mock.test", method.lower(), path, args=query)
        response = MockResponse(body, status_code=status, headers=headers, content_type=content_type or "")
        try:
            self.openapi.validate_response(request, response)
        except (PathNotFound, OperationNotFound):
            if status < 400:
                return f"{status} for {method} {path}, which the document does not have"
            return self._error_shape(content_type, body)
        except ResponseNotFound as exc:
            if status >= 500 and self._error_shape(content_type, body, code="injected_fault") is None:
                return None  # a fault rule the test set up answered (POST /_mock/faults): not the server's own
            return f"ResponseNotFound: {exc}"
        except Exception as exc:  # openapi-core's validation errors; the schema errors name the field
            cause = exc.__cause__ or exc.__context__
            detail = "; ".join(str(e.message) for e in getattr(cause, "schema_errors", ()) or ())
            return f"{type(exc).__name__}: {detail or exc}"[:2000]
        if body and content_type and not 300 <= status < 400 and not self._declares_content(request, status):
            return f"a {content_type} body, where the document declares none"
        return None

    def _declares_content(self, request, status: int) -> bool:
        """Whether the documented answer for this status has a content (openapi-core does not check a body
        that the document does not expect)."""
        for regex, item in self._paths:
            if regex.fullmatch(request.path) and request.method in item:
                responses = item[request.method]["responses"]
                answer = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or {}
                return bool(answer.get("content"))
        return True

    def _error_shape(self, content_type: str, body: bytes, code: str | None = None) -> str | None:
        """None when body is the one error shape (with this error code, if given)."""
        if not content_type.startswith("application/json"):
            return None if code is None else "not JSON"  # a browser's error page for a path not in the document
        try:
            data = json.loads(body)
        except ValueError:
            return "not the Error shape: the body is not JSON"
        errors = [e.message for e in self.error_validator.iter_errors(data)]
        if errors:
            return f"not the Error shape: {'; '.join(errors)}"
        if code is not None and data["error"]["code"] != code:
            return f"error code {data['error']['code']}, not {code}"
        return None


@dataclass
class ContractLog:
    """The parsed documents and a tally of the answers judged (shared by every app and thread of a test run)."""

    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    current_test: str | None = None
    _pending: list[Mismatch] = field(default_factory=list)
    _contracts: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def contract(self, key, make_document) -> Contract:
        """The Contract of the document variant `key`, made by make_document() and parsed the first time."""
        with self._lock:
            found = self._contracts.get(key)
        if found is None:
            found = Contract(make_document())
            with self._lock:
                found = self._contracts.setdefault(key, found)
        return found

    def record(self, contract: Contract, method: str, path: str, query: dict, status: int, content_type: str,
               body: bytes, headers: dict) -> Mismatch | None:
        """Judge one answer and count it; return the mismatch, if any."""
        reason = contract.judge(method, path, query, status, content_type, body, headers)
        with self._lock:
            self.checked += 1
        if reason is None:
            return None
        return self.add(Mismatch(method, path, status, content_type, reason))

    def add(self, mismatch: Mismatch) -> Mismatch:
        """Keep a mismatch for the summary and for the running test."""
        with self._lock:
            mismatch.test = self.current_test
            self.mismatches.append(mismatch)
            self._pending.append(mismatch)
            return mismatch

    def read(self, path: str) -> None:
        """Count in the verdicts a server process wrote to path (see FileLog); its mismatches are kept as add() does."""
        checked, mismatches, _ = read_verdicts(path)
        with self._lock:
            self.checked += checked
        for mismatch in mismatches:
            self.add(mismatch)

    def kinds(self) -> list[tuple[str, int, str | None]]:
        """The mismatches grouped by what went wrong (ids and signing tokens left out): (kind, count, first test)."""
        groups: dict[str, list] = {}
        with self._lock:
            for m in self.mismatches:
                kind = re.sub(r"/sign/[A-Za-z0-9_-]{20,}", "/sign/{token}", str(m))
                kind = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}", kind)[:300]
                groups.setdefault(kind, [0, m.test])[0] += 1
        return sorted(((k, n, t) for k, (n, t) in groups.items()), key=lambda g: -g[1])

    def take(self) -> list[Mismatch]:
        """The mismatches recorded since the last take()."""
        with self._lock:
            pending, self._pending = self._pending, []
            return pending


def watch(log: ContractLog):
    """Judge every answer of every sign8-mock app in this process (Flask's request_finished); return the unsubscribe."""
    from flask import request, request_finished

    def on_finished(app, response, **_extra):
        api = (app.extensions.get("flask-smorest", {}).get("apis", {}).get("") or {}).get("ext_obj")
        if "sign8" not in app.extensions or not hasattr(api, "document"):
            return  # not a sign8-mock app (a user's own Flask app in the same process)
        try:
            contract = log.contract(api.document_variant(), api.document)
            # A file sent straight from disk (static assets) is not read here: that would consume it.
            # ... nor the body of a 204 or 304, which werkzeug leaves off the wire.
            sent = not response.direct_passthrough and response.status_code not in (204, 304)
            body = response.get_data() if sent else b""
            log.record(contract, request.method, request.path, request.args.to_dict(), response.status_code,
                       response.content_type or "", body, dict(response.headers))
        except Exception as exc:  # the check must never change the answer; a broken check is a mismatch
            log.add(Mismatch(request.method, request.path, response.status_code, response.content_type or "",
                             f"the check itself failed: {exc!r}"))

    request_finished.connect(on_finished, weak=False)
    return lambda: request_finished.disconnect(on_finished)


class FileLog(ContractLog):
    """A ContractLog of a server process: each verdict is one JSON line appended and flushed at once, so that
    a SIGKILL loses at most the line being written; read_verdicts reads them back."""

    def __init__(self, path: str):
        super().__init__()
        self._file = open(path, "a", encoding="utf-8")

    def record(self, contract: Contract, method: str, path: str, query: dict, status: int, content_type: str,
               body: bytes, headers: dict) -> Mismatch | None:
        reason = contract.judge(method, path, query, status, content_type, body, headers)
        mismatch = None if reason is None else Mismatch(method, path, status, content_type, reason)
        self._write({"checked": 1, "mismatch": mismatch and asdict(mismatch)})
        return mismatch

    def add(self, mismatch: Mismatch) -> Mismatch:
        self._write({"checked": 0, "mismatch": asdict(mismatch)})
        return mismatch

    def _write(self, verdict: dict) -> None:
        with self._lock:
            self._file.write(json.dumps(verdict) + "\n")
            self._file.flush()


def watch_to_file(app, environ=os.environ) -> None:
    """When SIGN8_MOCK_CONTRACT_LOG names a file, judge every answer of this process's app and append each verdict
    to that file (how the test suite checks a mock it started as its own process); openapi-core is imported only then."""
    path = environ.get(LOG_ENV)
    if not path:
        return
    log = FileLog(path)
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    with app.test_request_context():  # parsed now, before the banner, not in the first answer
        log.contract(api.document_variant(), api.document)
    watch(log)


def read_verdicts(path: str, offset: int = 0) -> tuple[int, list[Mismatch], int]:
    """The answers judged and the mismatches in the file from byte offset on, and the offset after the last whole
    line: a torn last line (the server was killed while writing it) is left for a later read, or dropped."""
    with open(path, "rb") as file:
        file.seek(offset)
        data = file.read()
    whole = data[:data.rfind(b"\n") + 1]
    checked, mismatches = 0, []
    for line in whole.splitlines():
        try:
            verdict = json.loads(line)
        except ValueError:
            mismatches.append(Mismatch("?", "?", 0, "", f"an unreadable verdict line in {path}: {line[:200]!r}"))
            continue
        checked += verdict["checked"]
        if verdict["mismatch"]:
            mismatches.append(Mismatch(**verdict["mismatch"]))
    return checked, mismatches, offset + len(whole)
