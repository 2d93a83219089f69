"""Documents the mock produces when a workflow ends: signed PDFs, the audit report, the test CA behind them.

Pure functions over plain dicts and bytes: no Flask, no store. The server imports these modules
only when it first needs them (this package's ``__init__`` imports nothing heavy), because
pyHanko, cryptography and fpdf2 together take about a second to import.

    from mock_server.documents.ca import TestCA                # the instance's test CA (PEM files)
    from mock_server.documents.signed_pdf import sign_document  # original bytes -> signed bytes
    from mock_server.documents.audit_report import audit_report # workflow dicts -> report bytes

Every signature and report made here is marked as a mock's, with no legal effect.
"""
