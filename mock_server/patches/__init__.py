"""Where this project reaches into a library's internals: one module per patch, named for what it adapts.

    waitress_headers.py    keep SIGN8's organisation_id header (waitress drops headers with underscores)
    waitress_drain.py      a graceful stop through waitress's server internals
    werkzeug_rules.py      URL builders compiled on first use
    flask_sync.py          Flask.ensure_sync remembered per function
    flask_smorest_docs.py  the OpenAPI document built on first request

tests/test_framework_patches.py pins the library behaviour each one relies on.
"""
