"""Documents the mock produces when a workflow ends: signed PDFs, the audit report, the test CA behind them.

Pure functions over plain dicts and bytes: no Flask, no store. The server imports these modules
only when it first needs them (this package's ``__init__`` imports nothing heavy), because
pyHanko, cryptography and fpdf2 together take about a second to import.

    from mock_server.documents.ca import TestCA                # the instance's test CA (PEM files)
    from mock_server.documents.signed_pdf import sign_document  # original bytes -> signed bytes
    from mock_server.documents.audit_report import audit_report # workflow dicts -> report bytes
    mock_server.documents.warm_up()                             # the imports, e.g. in a background thread

Every signature and report made here is marked as a mock's, with no legal effect.
"""


def warm_up() -> None:
    """Import what signing and reports need (about 1.3 s on 2 cores), so the first completion does not.

    Meant for a background thread once the server is listening; importing this package does not do it.
    """
    import importlib

    for name in ("mock_server.documents.ca", "mock_server.documents.signed_pdf",
                 "mock_server.documents.audit_report", "pyhanko.pdf_utils.incremental_writer",
                 "pyhanko.pdf_utils.reader", "pyhanko.sign.fields", "pyhanko.sign.signers", "pyhanko.stamp.noop",
                 "pyhanko_certvalidator.registry", "fpdf"):
        importlib.import_module(name)
