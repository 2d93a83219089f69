"""AfterResponse: calls a request causes wait for its response to be closed, and are never lost."""
from __future__ import annotations

import pytest

from mock_server.webhooks.after_response import AfterResponse


def make_app(after: AfterResponse, calls: list):
    def app(environ, start_response):
        after.call(calls.append, environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"answer"]
    return after.wrap(app)


def test_a_call_waits_for_the_close_and_runs_at_once_outside_a_request():
    after, calls = AfterResponse(), []
    body = make_app(after, calls)({"PATH_INFO": "/a"}, lambda *a: None)
    assert calls == [] and b"".join(body) == b"answer"
    body.close()
    assert calls == ["/a"]
    after.call(calls.append, "outside")
    assert calls == ["/a", "outside"]


def test_a_response_never_closed_does_not_lose_its_calls():
    after, calls = AfterResponse(), []
    app = make_app(after, calls)
    app({"PATH_INFO": "/never-closed"}, lambda *a: None)
    second = app({"PATH_INFO": "/next"}, lambda *a: None)
    assert calls == ["/never-closed"]
    second.close()
    assert calls == ["/never-closed", "/next"]


def test_an_app_that_raises_releases_what_it_held():
    after, calls = AfterResponse(), []

    def failing(environ, start_response):
        after.call(calls.append, "held")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        after.wrap(failing)({}, lambda *a: None)
    assert calls == ["held"]
