"""Run in the image build (Containerfile): import what a start, its background threads and the first requests
import, so that exactly those modules get bytecode in the image. The rest of site-packages stays source only
(compiled on first use), which keeps what the image adds over its base under 120 MB.

Without this, the import-heavy work at start (the documents worker's warm-up of pyHanko and fpdf2) would
compile from source in every container, several times slower, and a `docker stop` that waits for it too.
"""
import importlib
import importlib.util

import mock_server.cli  # noqa: F401 - `sign8-mock serve` imports it first
from mock_server.app import create_app

app = create_app({"db": ":memory:"}, start_background=False)
services = app.extensions["sign8"]
services.start()
client = app.test_client()
assert client.get("/_mock/health").status_code == 200
assert client.get("/openapi.json").status_code == 200
services.stop()

# The documents worker imports these once a workflow is in progress; here without waiting for one.
if importlib.util.find_spec("mock_server.documents") is not None:
    warm_up = getattr(importlib.import_module("mock_server.documents"), "warm_up", None)
    if warm_up is not None:
        warm_up()
print("bytecode: compiled what a start imports")
