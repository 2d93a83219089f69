"""sign8-mock: a local mock server of the SIGN8 Workflow API."""
__version__ = "0.1.0"
